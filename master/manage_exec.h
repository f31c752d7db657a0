/*
 * Running a console request (master/manage_parse.h) against the current
 * configuration and segment, and writing Perlbal's answer: lines ending
 * in CRLF, "OK" after a change, "ERROR: why" when refused, and "." after
 * a listing.  Changes to pools go through <ops> (the runtime API and the
 * node-file watcher, filled in by master/manage.c), so this file reads
 * the segment and writes only the services' admin state.
 */
#ifndef WEIR_MASTER_MANAGE_EXEC_H
#define WEIR_MASTER_MANAGE_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "master/manage_parse.h"

struct config;
struct shm;

/*
 * Most bytes one answer may take: SHOW POOL of a pool of some 10,000
 * nodes.  A longer answer is cut and says so in its last line.
 */
#define MANAGE_OUT_MAX		(512 * 1024)

/* An answer being written; data owned, grown up to MANAGE_OUT_MAX. */
struct manage_out {
	char	*data;
	size_t	 len;
	size_t	 cap;
	bool	 is_cut;
};

/*
 * Changes the console asks for.  Each returns 0 with what was done in
 * <msg>, or -1 with why not; <msg> is <len> bytes.  <by> names the asker
 * for the log ("by console 127.0.0.1:40312").
 */
struct manage_ops {
	int	(*pool_add)(void *arg, const char *pool, const char *node,
		    const char *by, char *msg, size_t len);
	int	(*pool_remove)(void *arg, const char *pool, const char *node,
		    const char *by, char *msg, size_t len);
	/* <path> "" stops watching the pool's node file. */
	int	(*set_nodefile)(void *arg, const char *pool, const char *path,
		    const char *by, char *msg, size_t len);
};

/* What a console session remembers between its commands. */
struct manage_state {
	char		last_created[MANAGE_NAME_MAX + 1];	/* USE */
	uint64_t	last_utime_us;	/* PROC's deltas */
	uint64_t	last_stime_us;
	uint64_t	last_reqs;
};

struct manage_ctx {
	const struct config	*cfg;		/* borrowed: the current one */
	struct shm		*shm;		/* borrowed: the current one */
	const struct manage_ops	*ops;
	void			*arg;		/* passed to ops */
	const char		*by;		/* "by console 127.0.0.1:4711" */
};

/*
 * Runs <req> for a session with <state> and appends its answer to <out>.
 * MANAGE_NOTHING and MANAGE_QUIT append nothing.
 */
void	manage_exec(const struct manage_req *req, const struct manage_ctx *ctx,
	    struct manage_state *state, struct manage_out *out);

/* Appends one line (CRLF added) to <out>; cut at MANAGE_OUT_MAX. */
void	manage_out_line(struct manage_out *out, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Frees what <out> holds and empties it. */
void	manage_out_free(struct manage_out *out);

/* Drops the first <n> bytes of <out> (written to the peer). */
void	manage_out_consume(struct manage_out *out, size_t n);

#endif
