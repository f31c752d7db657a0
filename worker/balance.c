/*
 * Backend choice.  The round-robin position is one shared counter per pool
 * in the shm, so N workers together make one rotation instead of N
 * interleaved ones; a backend that cannot take the request is skipped and
 * the next position tried, at most once round the pool.
 */
#include "worker/balance.h"

#include <stdbool.h>

#include "common/config.h"
#include "common/shm.h"
#include "worker/worker.h"

static bool
usable(const struct shm_backend *sb, uint32_t idx, const uint32_t *tried,
    size_t ntried)
{
	size_t	i;

	if (shm_load(&sb->admin_state) != SHM_ADMIN_ENABLED ||
	    shm_load(&sb->health_state) != SHM_HEALTH_UP)
		return false;
	for (i = 0; i < ntried; i++)
		if (tried[i] == idx)
			return false;
	return true;
}

int
balance_pick(struct worker *w, const struct pool_conf *pool,
    const uint32_t *tried, size_t ntried)
{
	struct shm_pool		*sp = &w->shm->pools[pool->index];
	struct shm_backend	*sb = shm_pool_backends(w->shm,
	    (uint32_t)pool->index);
	uint32_t		 first = sp->first_backend;
	uint32_t		 n = sp->nbackends, start, i, k;

	if (n == 0)
		return -1;
	if (pool->balance == BALANCE_RANDOM)
		start = worker_rand(w) % n;
	else
		start = (uint32_t)(shm_add(&sp->rr, 1) % n);
	for (i = 0; i < n; i++) {
		k = (start + i) % n;
		if (usable(&sb[k], first + k, tried, ntried))
			return (int)(first + k);
	}
	return -1;
}
