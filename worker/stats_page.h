/*
 * The status page a stats service serves on "/": one self-contained HTML
 * document whose script redraws it from /stats.json every second.
 */
#ifndef WEIR_WORKER_STATS_PAGE_H
#define WEIR_WORKER_STATS_PAGE_H

#include <stdio.h>

/* Writes the page to <out>; errors show in ferror(<out>). */
void		 stats_page_write(FILE *out);

/*
 * The Content-Security-Policy to send with the page: nothing but its own
 * style sheet and script (by hash) and fetches from its origin.  A static
 * string, computed on the first call; NULL when hashing failed.
 */
const char	*stats_page_csp(void);

#endif
