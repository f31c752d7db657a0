/*
 * Chooses a backend of a pool for one request from the shared view in the
 * shm: one round-robin position per pool for all workers, and the admin
 * and health state every process sees.  Backends that are disabled,
 * draining, down or already tried by this request are passed over; backup
 * backends are used only when no primary is usable.  A pool whose
 * when_all_down is "panic" and that has no usable backend left treats its
 * down backends as up.
 */
#ifndef WEIR_WORKER_BALANCE_H
#define WEIR_WORKER_BALANCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "worker/chash.h"

struct worker;
struct pool_conf;

/* balance_pick() results that are not a backend. */
#define BALANCE_NONE	(-1)	/* no backend is usable */
#define BALANCE_FULL	(-2)	/* usable ones are all at max_conns */

/* A pool's balancing tables, built once per worker from the config. */
struct balance_pool {
	const struct pool_conf	*conf;		/* borrowed */
	uint32_t		 first;		/* global index of backend 0 */
	uint32_t		*seq;		/* owned: smooth weighted order
						   of the primaries */
	size_t			 nseq;
	uint32_t		*bseq;		/* owned: same for backups */
	size_t			 nbseq;
	struct chash		 ring;		/* primaries, source/uri */
	struct chash		 bring;		/* backups */
};

struct balance_req {
	const uint32_t		*tried;		/* backends this request tried */
	size_t			 ntried;
	const struct sockaddr	*client;	/* for "source" */
	uint64_t		 uri_key;	/* for "uri": chash_key() of
						   the normalized path */
};

/* Builds every pool's tables for <w>.  0, or -1 when out of memory. */
int	balance_init(struct worker *w);
void	balance_free(struct worker *w);

/*
 * Returns the global backend index (as in the shm) chosen for a request
 * to <pool>, BALANCE_FULL when the usable backends are all at their
 * max_conns, or BALANCE_NONE.  In panic (see above) "usable" means
 * enabled and not yet tried.
 */
int	balance_pick(struct worker *w, const struct pool_conf *pool,
	    const struct balance_req *r);

/*
 * Writes the smooth weighted round-robin order of <n> backends with
 * <weights> into <out> (sum of the weights entries, each an index 0..n-1):
 * a backend of weight 5 among two of weight 1 comes as a a b a c a a, not
 * in a burst of five.  Returns the number of entries written.
 */
size_t	balance_smooth_order(const unsigned *weights, size_t n,
	    uint32_t *out);

#endif
