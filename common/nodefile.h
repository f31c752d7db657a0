/*
 * A pool's node file, read as Perlbal 1.80 reads one (Pool.pm,
 * _parse_nodefile): "#" starts a comment, and each line gives the first
 * a.b.c.d[:port] on it, port 80 when left out; a line without one gives
 * nothing.  weir also takes "[v6]:port".  What Perlbal would take in
 * silence but an operator would want to know (text around the address,
 * a line that names nothing, an address out of range, a node named twice)
 * is told to a callback with its line.  Parsing only: the configuration
 * reads the file at load and the master's watcher when it changes.
 */
#ifndef WEIR_COMMON_NODEFILE_H
#define WEIR_COMMON_NODEFILE_H

#include <stddef.h>

#include "common/addr.h"

/* Largest node file read: 1 MiB is some 50,000 lines. */
#define NODEFILE_MAX_BYTES	(1024 * 1024)
/* Most backends one node file may name. */
#define NODEFILE_MAX_NODES	10000

struct nodefile_node {
	char		text[ADDR_STRLEN];	/* "10.0.0.1:80", normalised */
	struct addr	addr;
	size_t		line;			/* 1-based, for messages */
};

/* Told about line <line>: <what> ("\"x\" is not a node; skipped"). */
typedef void	nodefile_warn_fn(void *arg, size_t line, const char *what);

/* A nodefile_warn_fn that logs a warning; <arg> is the file's path. */
void	nodefile_log_warn(void *arg, size_t line, const char *what);

/*
 * Parses the <len> bytes of <text> into <*out> (an owned array the caller
 * frees with free(), <*n> entries, in file order, each address once; NULL
 * and 0 for a file naming nobody), calling <warn> (may be NULL) with
 * <arg> for each line skipped or read with something left over.
 * Returns 0, or -1 with why in <why> (<whylen> bytes): more than
 * NODEFILE_MAX_NODES nodes, or out of memory.
 */
int	nodefile_parse(const char *text, size_t len,
	    struct nodefile_node **out, size_t *n, nodefile_warn_fn *warn,
	    void *arg, char *why, size_t whylen);

#endif
