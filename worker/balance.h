/*
 * Chooses a backend of a pool for one request from the shared view: the
 * round-robin position is one counter in the shm for all workers, and
 * backends that are disabled, draining or down are passed over.
 */
#ifndef WEIR_WORKER_BALANCE_H
#define WEIR_WORKER_BALANCE_H

#include <stddef.h>
#include <stdint.h>

struct worker;
struct pool_conf;

/*
 * Returns the global backend index (as in the shm) chosen for a request to
 * <pool>, avoiding the <ntried> indices in <tried>, or -1 when no backend
 * is usable.
 */
int	balance_pick(struct worker *w, const struct pool_conf *pool,
	    const uint32_t *tried, size_t ntried);

#endif
