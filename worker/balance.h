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

/* A backend of a balancing set: its slot and its weight. */
struct balance_member {
	uint32_t	idx;		/* global backend index */
	unsigned	weight;
};

/* The primaries, or the backups, of a pool. */
struct balance_set {
	struct balance_member	*members;	/* owned */
	size_t			 nmembers;
	uint32_t		*seq;		/* owned: smooth weighted
						   order */
	size_t			 nseq;
	struct chash		 ring;		/* source/uri */
};

/*
 * A pool's balancing tables, built by each worker from the pool's slots
 * in the segment, and built again whenever the pool's generation moves
 * (a backend added, removed or reweighted at runtime).
 */
struct balance_pool {
	const struct pool_conf	*conf;		/* borrowed */
	uint64_t		 generation;	/* of the slots read; odd
						   until a first build */
	struct balance_set	 prim;
	struct balance_set	 back;
};

/*
 * A client session's affinity: the backend its last request went to.  A
 * draining backend keeps serving the sessions that point to it; every
 * worker counts them in the segment, so the drain is seen to end.
 */
struct backend_pin {
	int32_t		backend;	/* -1: none */
	uint32_t	slot_gen;	/* of the slot when it was set */
};

struct balance_req {
	const uint32_t		*tried;		/* backends this request tried */
	size_t			 ntried;
	const struct sockaddr	*client;	/* for "source" */
	uint64_t		 uri_key;	/* for "uri": chash_key() of
						   the normalized path */
	const struct backend_pin *pin;		/* the session's last backend,
						   kept while it drains; or
						   NULL */
};

/*
 * Builds every pool's tables for <w> from the segment (w->backends, when
 * set, follows the slots too).  0, or -1 when out of memory.
 */
int	balance_init(struct worker *w);
void	balance_free(struct worker *w);

/*
 * The session's affinity <pin> now points to backend <idx> (the one its
 * request was just given), counted in <w>'s held row; or to none.
 */
void	balance_pin(struct worker *w, struct backend_pin *pin, uint32_t idx);
void	balance_unpin(struct worker *w, struct backend_pin *pin);

/*
 * Returns the global backend index (as in the shm) chosen for a request
 * to <pool>, BALANCE_FULL when the usable backends are all at their
 * max_conns, or BALANCE_NONE.  In panic (see above) "usable" means
 * enabled and not yet tried.  A session pinned to a draining backend
 * stays on it while it can take the request.  Rebuilds the pool's tables
 * first when its slots changed.
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
