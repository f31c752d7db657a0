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
#include "worker/slots.h"

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

static void
set_free(struct balance_set *set)
{
	free(set->members);
	free(set->seq);
	chash_free(&set->ring);
	memset(set, 0, sizeof(*set));
}

/* The primaries (or the backups) of what <r> read, into <set>. */
static int
build_set(const struct pool_conf *pc, const struct slots_read *r,
    bool backups, struct balance_set *set)
{
	const struct slot_member *m;
	const char		**names;
	unsigned		*weights;
	uint32_t		*ids, *order;
	size_t			 i, n = 0, total = 0;
	int			 rv = -1;

	memset(set, 0, sizeof(*set));
	names = calloc(r->nmembers + 1, sizeof(*names));
	weights = calloc(r->nmembers + 1, sizeof(*weights));
	ids = calloc(r->nmembers + 1, sizeof(*ids));
	set->members = calloc(r->nmembers + 1, sizeof(*set->members));
	for (i = 0; i < r->nmembers; i++)
		total += r->members[i].weight;
	order = calloc(total + 1, sizeof(*order));
	set->seq = calloc(total + 1, sizeof(*set->seq));
	if (names == NULL || weights == NULL || ids == NULL ||
	    set->members == NULL || order == NULL || set->seq == NULL)
		goto out;
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		/* slots_apply() may have given up on one (memory). */
		if (m->is_backup != backups ||
		    r->seen[m->slot].state != SHM_SLOT_LIVE)
			continue;
		names[n] = m->name;
		weights[n] = m->weight;
		ids[n] = m->idx;
		set->members[n].idx = m->idx;
		set->members[n].weight = m->weight;
		n++;
	}
	set->nmembers = n;
	set->nseq = balance_smooth_order(weights, n, order);
	for (i = 0; i < set->nseq; i++)
		set->seq[i] = ids[order[i]];
	if ((pc->balance == BALANCE_SOURCE || pc->balance == BALANCE_URI) &&
	    chash_build(&set->ring, names, weights, ids, n) == -1)
		goto out;
	rv = 0;
out:
	free(names);
	free(weights);
	free(ids);
	free(order);
	if (rv == -1)
		set_free(set);
	return rv;
}

/*
 * Reads the pool's slots and builds its tables from them.  On failure
 * (the master is writing them now, or memory ran out) the old tables stay
 * and the next pick tries again.
 */
static int
refresh(struct worker *w, struct balance_pool *bp)
{
	struct slots_read	r;
	struct balance_set	prim, back;

	memset(&r, 0, sizeof(r));
	if (slots_read(w, bp->conf, &r) == -1)
		return -1;
	slots_apply(w, bp->conf, &r);
	if (build_set(bp->conf, &r, false, &prim) == -1) {
		slots_read_free(&r);
		return -1;
	}
	if (build_set(bp->conf, &r, true, &back) == -1) {
		set_free(&prim);
		slots_read_free(&r);
		return -1;
	}
	set_free(&bp->prim);
	set_free(&bp->back);
	bp->prim = prim;
	bp->back = back;
	bp->generation = r.generation;
	slots_read_free(&r);
	return 0;
}

int
balance_init(struct worker *w)
{
	const struct config	*cfg = w->cfg;
	size_t			 i;

	w->pools = calloc(cfg->npools > 0 ? cfg->npools : 1,
	    sizeof(*w->pools));
	if (w->pools == NULL)
		return -1;
	w->npools = cfg->npools;
	for (i = 0; i < cfg->npools; i++) {
		w->pools[i].conf = &cfg->pools[i];
		/* Odd: no generation of the segment's; the first pick
		   builds if this does not. */
		w->pools[i].generation = 1;
		(void)refresh(w, &w->pools[i]);
	}
	return 0;
}

void
balance_free(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->npools; i++) {
		set_free(&w->pools[i].prim);
		set_free(&w->pools[i].back);
	}
	free(w->pools);
	w->pools = NULL;
	w->npools = 0;
}

void
balance_unpin(struct worker *w, struct backend_pin *pin)
{
	if (pin->backend < 0)
		return;
	shm_own_sub(worker_held_pin(w, (size_t)pin->backend), 1);
	pin->backend = -1;
}

void
balance_pin(struct worker *w, struct backend_pin *pin, uint32_t idx)
{
	uint32_t	gen = shm_load(&w->shm->backends[idx].slot_gen);

	if (pin->backend == (int32_t)idx && pin->slot_gen == gen)
		return;
	balance_unpin(w, pin);
	shm_own_add(worker_held_pin(w, idx), 1);
	pin->backend = (int32_t)idx;
	pin->slot_gen = gen;
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

	if (wk->is_panic ? !shm_backend_is_live(sb) ||
	    shm_load(&sb->admin_state) != SHM_ADMIN_ENABLED :
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
least_conn(struct worker *w, const struct balance_pool *bp,
    const struct balance_set *set, struct walk *wk)
{
	const struct balance_member *m;
	struct shm_pool		*sp = &w->shm->pools[bp->conf->index];
	struct shm_backend	*sb;
	uint64_t		 best_active = 0, active;
	unsigned		 best_weight = 1;
	size_t			 k, start;
	int			 best = BALANCE_NONE;

	start = (size_t)shm_add(&sp->rr, 1);
	for (k = 0; k < set->nmembers; k++) {
		m = &set->members[(start + k) % set->nmembers];
		sb = &w->shm->backends[m->idx];
		if (!usable(sb, m->idx, wk))
			continue;
		wk->any = true;
		if (!has_room(w, sb, m->idx))
			continue;
		active = shm_backend_active(w->shm, m->idx);
		if (best == BALANCE_NONE || active * best_weight <
		    best_active * m->weight) {
			best = (int)m->idx;
			best_active = active;
			best_weight = m->weight;
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

/*
 * The backend the session was pinned to, when it is draining and can take
 * this request: a draining backend keeps the clients it was serving.  An
 * enabled one gets no such favour (balancing decides), a disabled or
 * removed one none at all.
 */
static int
pinned(struct worker *w, const struct shm_pool *sp,
    const struct balance_req *r, struct walk *wk)
{
	const struct backend_pin *pin = r->pin;
	struct shm_backend	*sb;
	uint32_t		 idx;
	size_t			 i;

	if (pin == NULL || pin->backend < 0 ||
	    (uint32_t)pin->backend - sp->first_backend >= sp->nslots)
		return BALANCE_NONE;
	idx = (uint32_t)pin->backend;
	sb = &w->shm->backends[idx];
	/* The common case, a backend not draining, is the first test. */
	if (shm_load(&sb->admin_state) != SHM_ADMIN_DRAINING ||
	    !shm_backend_is_live(sb) ||
	    shm_load(&sb->slot_gen) != pin->slot_gen ||
	    (!wk->is_panic && shm_load(&sb->health_state) != SHM_HEALTH_UP) ||
	    !has_room(w, sb, idx))
		return BALANCE_NONE;
	for (i = 0; i < r->ntried; i++)
		if (r->tried[i] == idx)
			return BALANCE_NONE;
	return (int)idx;
}

/* Primaries, then backups if no primary is usable. */
static int
pick(struct worker *w, const struct pool_conf *pool,
    const struct balance_req *r, bool is_panic)
{
	struct balance_pool	*bp = &w->pools[pool->index];
	struct shm_pool		*sp = &w->shm->pools[pool->index];
	struct walk		 wk = { r, is_panic, false };
	const struct balance_set *set;
	int			 pass, idx;
	size_t			 start;

	if ((idx = pinned(w, sp, r, &wk)) != BALANCE_NONE)
		return idx;
	for (pass = 0; pass < 2 && idx == BALANCE_NONE; pass++) {
		const uint32_t	*seq;
		size_t		 nseq;

		set = pass == 0 ? &bp->prim : &bp->back;
		seq = set->seq;
		nseq = set->nseq;
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
			idx = least_conn(w, bp, set, &wk);
			break;
		case BALANCE_SOURCE:
		case BALANCE_URI:
			idx = walk_ring(w, &set->ring, request_key(pool, r),
			    &wk);
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
	struct balance_pool	*bp = &w->pools[pool->index];
	struct shm_pool		*sp = &w->shm->pools[pool->index];
	bool			 is_panic;

	/* One load per pick: the tables follow runtime changes. */
	if (shm_slots_read_begin(sp) != bp->generation)
		(void)refresh(w, bp);
	is_panic = pool->when_all_down == WHEN_ALL_DOWN_PANIC &&
	    shm_none_usable(shm_pool_backends(w->shm, (uint32_t)pool->index),
	    sp->nslots);
	return pick(w, pool, r, is_panic);
}
