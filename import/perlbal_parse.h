/*
 * Reading a Perlbal 1.80 configuration as Perlbal's load_config() does:
 * each line cooked (import/perlbal_line.c), then run as the management
 * command it is: CREATE, USE, POOL, SET, DEFAULT, ENABLE, DISABLE, LOAD,
 * UNLOAD, SERVER, HEADER, and the commands plugins add (VHOST, VPATH,
 * INCLUDE).  Where Perlbal stops at the first bad line, this reports
 * every one and goes on, so one run lists them all.
 */
#ifndef WEIR_IMPORT_PERLBAL_PARSE_H
#define WEIR_IMPORT_PERLBAL_PARSE_H

#include "import/perlbal_conf.h"

/* INCLUDE within INCLUDE at most this deep: deeper is a loop. */
#define PERLBAL_INCLUDE_DEPTH	16

/* The largest configuration file read. */
#define PERLBAL_FILE_MAX_BYTES	(64u << 20)

/*
 * Runs the file at <path> into <c>.  Every problem is reported to c's
 * messages and counted in c->nerrors (a file that cannot be read too).
 */
void	perlbal_parse_file(struct perlbal_conf *c, const char *path);

/* Runs <text> into <c> as if it were the file named <name>. */
void	perlbal_parse_text(struct perlbal_conf *c, const char *name,
	    const char *text);

#endif
