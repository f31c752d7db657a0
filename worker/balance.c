/*
 * Backend choice.  Weighted round-robin is a precomputed smooth order
 * walked with one shared counter per pool, so N workers together make one
 * rotation instead of N interleaved ones and no lock is needed; random
 * starts that walk at a random place, which makes it weighted too.
 * leastconn compares the requests in flight, source and uri walk a
 * consistent-hash ring from the key's point.  Every method passes over
 * what cannot take the request and falls back to backups only when no
 * primary is usable.
 */
#include "worker/balance.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/shm.h"
#include "worker/worker.h"

/* Slow start never goes below this share (per mille) of a backend's
   weight, so a backend that came up gets some traffic at once. */
#define SLOWSTART_FLOOR	50

size_t
balance_smooth_order(const unsigned *weights, size_t n, uint32_t *out)
{
	long	*cur;
	long	 total = 0;
	size_t	 i, k, best, len = 0;

	for (i = 0; i < n; i++)
		total += weights[i];
	if (total == 0 || (cur = calloc(n, sizeof(*cur))) == NULL)
		return 0;
	/* nginx's smooth weighted round-robin, run once ahead of time. */
	for (k = 0; k < (size_t)total; k++) {
		best = 0;
		for (i = 0; i < n; i++) {
			cur[i] += weights[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		out[len++] = (uint32_t)best;
	}
	free(cur);
	return len;
}

static int
build_set(struct balance_pool *bp, bool backups, uint32_t **seq,
    size_t *nseq, struct chash *ring)
{
	const struct pool_conf	*pc = bp->conf;
	const char		**names;
	unsigned		*weights;
	uint32_t		*ids, *order;
	size_t			 i, n = 0, total = 0;
	int			 rv = -1;

	names = calloc(pc->nbackends, sizeof(*names));
	weights = calloc(pc->nbackends, sizeof(*weights));
	ids = calloc(pc->nbackends, sizeof(*ids));
	for (i = 0; i < pc->nbackends; i++)
		total += pc->backends[i].weight;
	order = calloc(total + 1, sizeof(*order));
	*seq = calloc(total + 1, sizeof(**seq));
	if (names == NULL || weights == NULL || ids == NULL ||
	    order == NULL || *seq == NULL)
		goto out;
	for (i = 0; i < pc->nbackends; i++) {
		if (pc->backends[i].is_backup != backups)
			continue;
		names[n] = pc->backends[i].address;
		weights[n] = pc->backends[i].weight;
		ids[n] = bp->first + (uint32_t)i;
		n++;
	}
	*nseq = balance_smooth_order(weights, n, order);
	for (i = 0; i < *nseq; i++)
		(*seq)[i] = ids[order[i]];
	if ((pc->balance == BALANCE_SOURCE || pc->balance == BALANCE_URI) &&
	    chash_build(ring, names, weights, ids, n) == -1)
		goto out;
	rv = 0;
out:
	free(names);
	free(weights);
	free(ids);
	free(order);
	return rv;
}

int
balance_init(struct worker *w)
{
	const struct config	*cfg = w->cfg;
	size_t			 i;

	w->pools = calloc(cfg->npools, sizeof(*w->pools));
	if (w->pools == NULL)
		return -1;
	w->npools = cfg->npools;
	for (i = 0; i < cfg->npools; i++) {
		struct balance_pool *bp = &w->pools[i];

		bp->conf = &cfg->pools[i];
		bp->first = w->shm->pools[i].first_backend;
		if (build_set(bp, false, &bp->seq, &bp->nseq,
		    &bp->ring) == -1 ||
		    build_set(bp, true, &bp->bseq, &bp->nbseq,
		    &bp->bring) == -1)
			return -1;
	}
	return 0;
}

void
balance_free(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->npools; i++) {
		free(w->pools[i].seq);
		free(w->pools[i].bseq);
		chash_free(&w->pools[i].ring);
		chash_free(&w->pools[i].bring);
	}
	free(w->pools);
	w->pools = NULL;
	w->npools = 0;
}

static uint64_t
monotonic_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
usable(const struct shm_backend *sb, uint32_t idx,
    const struct balance_req *r)
{
	size_t	i;

	if (shm_load(&sb->admin_state) != SHM_ADMIN_ENABLED ||
	    shm_load(&sb->health_state) != SHM_HEALTH_UP)
		return false;
	for (i = 0; i < r->ntried; i++)
		if (r->tried[i] == idx)
			return false;
	return true;
}

static bool
has_room(const struct worker *w, const struct shm_backend *sb, uint32_t idx)
{
	return sb->max_conns == 0 ||
	    shm_backend_active(w->shm, idx) < sb->max_conns;
}

/*
 * Slow start: a backend that came up less than slowstart_ms ago takes a
 * request with a probability that grows with the time it has been up,
 * from SLOWSTART_FLOOR per mille to certainty.
 */
static bool
slowstart_admits(struct worker *w, const struct pool_conf *pc,
    const struct shm_backend *sb)
{
	uint64_t	since, up;

	if (pc->slowstart_ms == 0 ||
	    (since = shm_load(&sb->up_since_ms)) == 0)
		return true;
	up = monotonic_ms() - since;
	if (up >= pc->slowstart_ms)
		return true;
	up = up * 1000 / pc->slowstart_ms;
	if (up < SLOWSTART_FLOOR)
		up = SLOWSTART_FLOOR;
	return worker_rand(w) % 1000 < up;
}

/* Walks <seq> from <start>; the first usable backend with room wins. */
static int
walk_order(struct worker *w, const struct pool_conf *pc,
    const uint32_t *seq, size_t nseq, size_t start,
    const struct balance_req *r, bool *any)
{
	struct shm_backend	*sb;
	int			 held = BALANCE_NONE;
	size_t			 i;

	for (i = 0; i < nseq; i++) {
		uint32_t idx = seq[(start + i) % nseq];

		sb = &w->shm->backends[idx];
		if (!usable(sb, idx, r))
			continue;
		*any = true;
		if (!has_room(w, sb, idx))
			continue;
		if (!slowstart_admits(w, pc, sb)) {
			/* Keep it in mind in case nobody else can. */
			if (held == BALANCE_NONE)
				held = (int)idx;
			continue;
		}
		return (int)idx;
	}
	return held;
}

static int
walk_ring(struct worker *w, const struct chash *ring, uint64_t key,
    const struct balance_req *r, bool *any)
{
	struct shm_backend	*sb;
	size_t			 i, at;

	if (ring->npoints == 0)
		return BALANCE_NONE;
	at = chash_find(ring, key);
	for (i = 0; i < ring->npoints; i++) {
		uint32_t idx = ring->points[(at + i) % ring->npoints].backend;

		sb = &w->shm->backends[idx];
		if (!usable(sb, idx, r))
			continue;
		*any = true;
		if (has_room(w, sb, idx))
			return (int)idx;
	}
	return BALANCE_NONE;
}

/*
 * Fewest requests in flight per unit of weight; ties rotate.  The counts
 * are every worker's held rows added up, so a worker that was killed
 * stops counting once the master has reaped it.
 */
static int
least_conn(struct worker *w, const struct balance_pool *bp, bool backups,
    const struct balance_req *r, bool *any)
{
	const struct pool_conf	*pc = bp->conf;
	struct shm_pool		*sp = &w->shm->pools[pc->index];
	uint64_t		 best_active = 0, active;
	unsigned		 best_weight = 1;
	size_t			 i, k, start;
	int			 best = BALANCE_NONE;

	start = (size_t)shm_add(&sp->rr, 1);
	for (k = 0; k < pc->nbackends; k++) {
		i = (start + k) % pc->nbackends;
		uint32_t idx = bp->first + (uint32_t)i;
		struct shm_backend *sb = &w->shm->backends[idx];

		if (pc->backends[i].is_backup != backups ||
		    !usable(sb, idx, r))
			continue;
		*any = true;
		if (!has_room(w, sb, idx))
			continue;
		active = shm_backend_active(w->shm, idx);
		if (best == BALANCE_NONE || active * best_weight <
		    best_active * pc->backends[i].weight) {
			best = (int)idx;
			best_active = active;
			best_weight = pc->backends[i].weight;
		}
	}
	return best;
}

static uint64_t
request_key(const struct pool_conf *pc, const struct balance_req *r)
{
	const struct sockaddr	*sa = r->client;

	if (pc->balance == BALANCE_URI)
		return r->uri_key;
	if (sa != NULL && sa->sa_family == AF_INET)
		return chash_key(&((const struct sockaddr_in *)sa)->sin_addr,
		    4);
	if (sa != NULL && sa->sa_family == AF_INET6)
		return chash_key(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	return 0;
}

int
balance_pick(struct worker *w, const struct pool_conf *pool,
    const struct balance_req *r)
{
	struct balance_pool	*bp = &w->pools[pool->index];
	struct shm_pool		*sp = &w->shm->pools[pool->index];
	bool			 any = false, backups;
	int			 pass, idx = BALANCE_NONE;
	size_t			 start;

	for (pass = 0; pass < 2 && idx == BALANCE_NONE; pass++) {
		const uint32_t	*seq = pass == 0 ? bp->seq : bp->bseq;
		size_t		 nseq = pass == 0 ? bp->nseq : bp->nbseq;

		backups = pass == 1;
		if (nseq == 0)
			continue;
		switch (pool->balance) {
		case BALANCE_ROUNDROBIN:
			start = (size_t)shm_add(&sp->rr, 1);
			idx = walk_order(w, pool, seq, nseq, start, r, &any);
			break;
		case BALANCE_RANDOM:
			start = worker_rand(w);
			idx = walk_order(w, pool, seq, nseq, start, r, &any);
			break;
		case BALANCE_LEASTCONN:
			idx = least_conn(w, bp, backups, r, &any);
			break;
		case BALANCE_SOURCE:
		case BALANCE_URI:
			idx = walk_ring(w, backups ? &bp->bring : &bp->ring,
			    request_key(pool, r), r, &any);
			break;
		}
		/* Backups stand in for primaries that are down, not for
		   primaries that are busy. */
		if (idx == BALANCE_NONE && any)
			return BALANCE_FULL;
	}
	return idx;
}
