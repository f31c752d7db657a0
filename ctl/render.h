/*
 * weirctl's text output: the status report, the stats tables and top's
 * frames, all from one snapshot (--json and --prometheus are
 * stats/render.h's).  Rendering only: no I/O besides writing to <out>.
 */
#ifndef WEIR_CTL_RENDER_H
#define WEIR_CTL_RENDER_H

#include <stdio.h>

#include "stats/snapshot.h"

/*
 * Each function returns 0, or -1 after printing why to stderr.  The text
 * ones fit their tables into <width> columns by leaving out the columns
 * of least priority (ctl/metrics.c); 0 shows every column.
 */

/* The terminal width weirctl assumes unless told: the classic 80. */
#define RENDER_WIDTH	80

/* Master pid and liveness, uptime, config, generation, one row per worker. */
int	render_status(FILE *out, const struct snapshot *snap, unsigned width);

/* Aligned tables: services, then each pool's backends. */
int	render_stats_text(FILE *out, const struct snapshot *snap,
	    unsigned width);

/*
 * One frame of weirctl top: a header, then the stats tables with request
 * rates since <prev> (NULL for the first frame: rates show "-").
 */
int	render_top(FILE *out, const struct snapshot *snap,
	    const struct snapshot *prev, unsigned width);

#endif
