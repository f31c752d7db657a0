/*
 * Backend choice.  Weighted round-robin is a precomputed smooth order
 * walked with one shared counter per pool, so N workers together make one
 * rotation instead of N interleaved ones and no lock is needed; random
 * starts that walk at a random place, which makes it weighted too.
 * leastconn compares the requests in flight, source and uri walk a
 * consistent-hash ring from the key's point.  Every method passes over
 * what cannot take the request and falls back to backups only when no
 * primary is usable.  A pool in panic (when_all_down) is balanced the
 * same way with the health state left out.
 */
#include "worker/balance.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/shm.h"
#include "worker/context.h"

/* Slow start never goes below this share (per mille) of a backend's
   weight, so a backend that came up gets some traffic at once. */
#define SLOWSTART_FLOOR	50

/* Backends of one weight, in index order. */
struct weight_group {
	unsigned	 weight;
	const uint32_t	*members;	/* borrowed: indices, ascending */
	size_t		 nmembers;
	size_t		 next;		/* the member it would give next */
	long		 rounds;	/* times every member was picked */
};

static int
by_weight(const void *a, const void *b, void *arg)
{
	const unsigned	*w = arg;
	uint32_t	 ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;

	if (w[ia] != w[ib])
		return w[ia] < w[ib] ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* The backend group <g> would give next. */
static uint32_t
candidate(const struct weight_group *g)
{
	return g->members[g->next];
}

/*
 * nginx's smooth weighted round-robin, run once ahead of time, gives at
 * each step the backend of highest (step + 1) * weight - total * picks,
 * the lowest index on a tie.  Among backends of one weight that is the
 * least picked one of lowest index: they simply take turns in index
 * order.  So each step compares one candidate per distinct weight (at
 * most 256 of them) instead of every backend, and the same order comes
 * out in O(total * weights) where the direct loop took O(total * n):
 * 3 s per worker for 20,000 backends, most of an hour for half a million.
 */
size_t
balance_smooth_order(const unsigned *weights, size_t n, uint32_t *out)
{
	struct weight_group	*g = NULL, *best;
	uint32_t		*idx;
	long			 total = 0, v, bv;
	size_t			 i, k, ng = 0, len = 0;

	for (i = 0; i < n; i++)
		total += weights[i];
	if (total == 0 || (idx = calloc(n, sizeof(*idx))) == NULL)
		return 0;
	if ((g = calloc(n, sizeof(*g))) == NULL) {
		free(idx);
		return 0;
	}
	for (i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, n, sizeof(*idx), by_weight, (void *)weights);
	for (i = 0; i < n; i++) {
		/* Weight 0 is never the highest: never given. */
		if (weights[idx[i]] == 0)
			continue;
		if (ng == 0 || g[ng - 1].weight != weights[idx[i]]) {
			g[ng].weight = weights[idx[i]];
			g[ng++].members = &idx[i];
		}
		g[ng - 1].nmembers++;
	}
	for (k = 0; k < (size_t)total; k++) {
		best = NULL;
		bv = 0;
		for (i = 0; i < ng; i++) {
			v = (long)(k + 1) * g[i].weight - total * g[i].rounds;
			if (best == NULL || v > bv || (v == bv &&
			    candidate(&g[i]) < candidate(best))) {
				best = &g[i];
				bv = v;
			}
		}
		out[len++] = candidate(best);
		if (++best->next == best->nmembers) {
			best->next = 0;
			best->rounds++;
		}
	}
	free(g);
	free(idx);
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

/* One walk over a pool's primaries or backups for one request. */
struct walk {
	const struct balance_req *r;
	bool			 is_panic;	/* health is not looked at */
	bool			 any;		/* some backend was usable */
};

static bool
usable(const struct shm_backend *sb, uint32_t idx, const struct walk *wk)
{
	size_t	i;

	if (wk->is_panic ? shm_load(&sb->admin_state) != SHM_ADMIN_ENABLED :
	    !shm_backend_is_usable(sb))
		return false;
	for (i = 0; i < wk->r->ntried; i++)
		if (wk->r->tried[i] == idx)
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
    const uint32_t *seq, size_t nseq, size_t start, struct walk *wk)
{
	struct shm_backend	*sb;
	int			 held = BALANCE_NONE;
	size_t			 i;

	for (i = 0; i < nseq; i++) {
		uint32_t idx = seq[(start + i) % nseq];

		sb = &w->shm->backends[idx];
		if (!usable(sb, idx, wk))
			continue;
		wk->any = true;
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
    struct walk *wk)
{
	struct shm_backend	*sb;
	size_t			 i, at;

	if (ring->npoints == 0)
		return BALANCE_NONE;
	at = chash_find(ring, key);
	for (i = 0; i < ring->npoints; i++) {
		uint32_t idx = ring->points[(at + i) % ring->npoints].backend;

		sb = &w->shm->backends[idx];
		if (!usable(sb, idx, wk))
			continue;
		wk->any = true;
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
    struct walk *wk)
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
		    !usable(sb, idx, wk))
			continue;
		wk->any = true;
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

/* Primaries, then backups if no primary is usable. */
static int
pick(struct worker *w, const struct pool_conf *pool,
    const struct balance_req *r, bool is_panic)
{
	struct balance_pool	*bp = &w->pools[pool->index];
	struct shm_pool		*sp = &w->shm->pools[pool->index];
	struct walk		 wk = { r, is_panic, false };
	bool			 backups;
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
			idx = walk_order(w, pool, seq, nseq, start, &wk);
			break;
		case BALANCE_RANDOM:
			start = worker_rand(w);
			idx = walk_order(w, pool, seq, nseq, start, &wk);
			break;
		case BALANCE_LEASTCONN:
			idx = least_conn(w, bp, backups, &wk);
			break;
		case BALANCE_SOURCE:
		case BALANCE_URI:
			idx = walk_ring(w, backups ? &bp->bring : &bp->ring,
			    request_key(pool, r), &wk);
			break;
		}
		/* Backups stand in for primaries that are down, not for
		   primaries that are busy. */
		if (idx == BALANCE_NONE && wk.any)
			return BALANCE_FULL;
	}
	return idx;
}

/*
 * Panic is judged per request from the segment, so every worker enters
 * and leaves it the moment a backend's state changes; the scan stops at
 * the first usable backend, and only pools that opted in pay for it.  A
 * request that has merely tried every up backend gets no panic.  In
 * panic, primaries still come before backups: a check that fails
 * everywhere (the case panic is for) says nothing about which group is
 * healthier, and the primaries are the ones sized for the load.
 */
int
balance_pick(struct worker *w, const struct pool_conf *pool,
    const struct balance_req *r)
{
	bool	is_panic;

	is_panic = pool->when_all_down == WHEN_ALL_DOWN_PANIC &&
	    shm_none_usable(shm_pool_backends(w->shm, (uint32_t)pool->index),
	    (uint32_t)pool->nbackends);
	return pick(w, pool, r, is_panic);
}
