/*
 * health_main(): one event loop (common/loop) that probes every checked
 * backend every interval_ms, all concurrently, each bounded by its own
 * deadline timer so that a hung backend delays nobody.  After each probe
 * it applies rise/fall and publishes the result under the backend's
 * check_seq seqlock.  Workers may mark a backend down on their own
 * (passive checks); the checker notices and asks for "rise" passes before
 * it comes back.  The checker also says, once per change, when a pool has
 * no usable backend left and why, and when it has one again: it sees every
 * state change, active or passive, while each worker sees only its own.
 * Backends added or removed at runtime are followed through each pool's
 * generation in the segment, looked at every HEALTH_SYNC_MS: a spare slot
 * that starts holding a backend is checked from then on, one that stops
 * is left alone.
 */
#include "health/health.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/shm.h"
#include "common/timer.h"
#include "health/probe.h"
#include "common/addr.h"

/* Backends named in a "no backend up" line; more are counted.  A pool of
   thousands must not make a line of thousands of reasons. */
#define ALL_DOWN_NAMED	8
/* How often the pools' slots are compared with what is checked: well
   within the time the master keeps a freed slot unused. */
#define HEALTH_SYNC_MS	200

_Static_assert(PROBE_DETAIL_MAX == sizeof(((struct shm_backend *)0)->
    check_detail), "probe detail and shm check_detail differ in size");

struct health;
struct watched;

/* One backend slot of a checked pool. */
struct checked {
	struct probe			 probe;
	struct loop_io			 io;		/* probe.fd, while it runs */
	struct timer			 next_check;	/* every interval_ms */
	struct timer			 deadline;	/* probe deadline */
	struct health			*h;
	struct shm_backend		*sb;	/* in the segment */
	struct watched			*wp;	/* its pool */
	const struct pool_conf		*pool;	/* borrowed from the config */
	struct addr			 addr;	/* what the probe connects to */
	char				 address[SHM_NAME_MAX + 1];
	uint32_t			 slot_gen;	/* the slot's, seen */
	bool				 is_live;	/* it holds a backend */
	uint32_t			 known;	/* enum shm_health we last
						   wrote or saw */
	uint32_t			 rise_count;
	uint32_t			 fall_count;
	int64_t				 state_since_unix;
	uint64_t			 up_since_ms;
	bool				 is_usable;	/* as counted in
							   wp->nusable */
};

/* A checked pool as a whole: does it have a backend to send to? */
struct watched {
	const struct pool_conf	*pool;		/* borrowed from the config */
	struct shm_pool		*sp;		/* in the segment */
	struct checked		*first;		/* its slots, consecutive */
	size_t			 nslots;
	uint64_t		 generation;	/* of the slots followed */
	size_t			 nusable;	/* enabled and up */
	bool			 is_all_down;	/* logged, and not yet logged
						   back in service */
};

struct health {
	const struct config	*cfg;
	struct shm		*shm;
	struct loop		 loop;
	bool			 has_loop;	/* loop_init() succeeded */
	struct checked		*checked;	/* owned array */
	size_t			 nchecked;
	struct watched		*watched;	/* owned, per checked pool */
	size_t			 nwatched;
	struct timer		 sync;		/* every HEALTH_SYNC_MS */
};

#define checked_of(t, field) \
	((struct checked *)((char *)(t) - offsetof(struct checked, field)))

/*
 * Seqlock write of everything a reader copies as one check.  A checker
 * that died between the two stores left check_seq odd; rounding it up to
 * even first keeps readers from retrying forever.  The fence after the odd
 * store keeps the field stores from becoming visible before it (a release
 * store orders only what precedes it).
 */
static void
publish(struct checked *c, const struct probe_outcome *o, uint32_t dur_ms,
    int64_t at_unix)
{
	struct shm_backend	*sb = c->sb;
	uint64_t		 seq;

	seq = __atomic_load_n(&sb->check_seq, __ATOMIC_RELAXED);
	seq += seq & 1;
	__atomic_store_n(&sb->check_seq, seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (o != NULL) {
		sb->check_at_unix = at_unix;
		sb->check_ok = o->result == PROBE_OK;
		sb->check_status = (uint32_t)o->status;
		sb->check_duration_ms = dur_ms;
		memcpy(sb->check_detail, o->detail, sizeof(sb->check_detail));
	}
	sb->rise_count = c->rise_count;
	sb->fall_count = c->fall_count;
	sb->state_since_unix = c->state_since_unix;
	/* Workers read this one outside the seqlock (slow start). */
	__atomic_store_n(&sb->up_since_ms, c->up_since_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&sb->check_seq, seq + 2, __ATOMIC_RELEASE);
}

/*
 * A worker that saw connect failures may have stored DOWN itself.  From
 * now on it is down as if we had decided it: "rise" passes bring it back.
 * Returns true when the state changed.
 */
static bool
notice_passive(struct checked *c, int64_t now_unix)
{
	uint32_t	seen;

	seen = __atomic_load_n(&c->sb->health_state, __ATOMIC_ACQUIRE);
	if (seen == c->known)
		return false;
	c->known = seen;
	c->state_since_unix = now_unix;
	if (seen == SHM_HEALTH_DOWN) {
		c->rise_count = 0;
		log_warn("backend %s (pool %s): marked down by a worker",
		    c->address, c->pool->name);
	} else
		log_info("backend %s (pool %s): marked up by another "
		    "process", c->address, c->pool->name);
	return true;
}

/* Why <c> takes no request now, for the "no backend up" line. */
static void
why_unusable(const struct checked *c, char *buf, size_t len)
{
	const struct shm_backend	*sb = c->sb;

	switch (shm_load(&sb->admin_state)) {
	case SHM_ADMIN_DISABLED:
		(void)snprintf(buf, len, "disabled");
		return;
	case SHM_ADMIN_DRAINING:
		(void)snprintf(buf, len, "draining");
		return;
	default:
		break;
	}
	/* This process writes the check fields: no seqlock needed. */
	if (sb->check_at_unix != 0 && !sb->check_ok)
		(void)snprintf(buf, len, "%.*s", (int)sizeof(sb->check_detail),
		    sb->check_detail);
	else if (c->rise_count > 0)
		(void)snprintf(buf, len, "down, %u of %u checks passed",
		    c->rise_count, c->pool->health.rise);
	else
		(void)snprintf(buf, len, "marked down on live traffic");
}

/* One line naming the pool, what it does now, and each backend's reason. */
static void
log_all_down(const struct watched *wp)
{
	const struct pool_conf	*pc = wp->pool;
	char			 line[1536], why[PROBE_DETAIL_MAX];
	size_t			 i, off = 0, named, live;
	int			 n;

	line[0] = '\0';
	for (i = 0, named = 0, live = 0; i < wp->nslots; i++) {
		if (!wp->first[i].is_live)
			continue;
		if (live++ >= ALL_DOWN_NAMED)
			continue;
		why_unusable(&wp->first[i], why, sizeof(why));
		n = snprintf(line + off, sizeof(line) - off, "%s%s %s",
		    named == 0 ? "" : "; ", wp->first[i].address, why);
		if (n < 0 || (size_t)n >= sizeof(line) - off)
			continue;
		off += (size_t)n;
		named++;
	}
	if (live == 0)
		(void)snprintf(line, sizeof(line), "it has no backend");
	else if (live > ALL_DOWN_NAMED)
		(void)snprintf(line + off, sizeof(line) - off,
		    "; and %zu more", live - ALL_DOWN_NAMED);
	if (pc->when_all_down == WHEN_ALL_DOWN_PANIC)
		log_warn("pool %s: no backend up; panic (when_all_down): "
		    "sending requests to every enabled backend: %s",
		    pc->name, line);
	else
		log_error("pool %s: no backend up, answering 503: %s",
		    pc->name, line);
}

/* Counts <c> again as usable or not from the segment. */
static void
count_usable(struct checked *c)
{
	bool	is_usable = shm_backend_is_usable(c->sb);

	if (is_usable == c->is_usable)
		return;
	c->is_usable = is_usable;
	if (is_usable)
		c->wp->nusable++;
	else
		c->wp->nusable--;
}

/*
 * Counts <c> again (the master may have changed its admin state, a worker
 * its health), then logs the pool's change, if any: once when its last
 * usable backend goes, once when one comes back.  The others were counted
 * up to an interval ago, when they were last visited: before saying the
 * pool has none, count them all again now.
 */
static void
recount(struct checked *c)
{
	struct watched	*wp = c->wp;
	size_t		 i;

	count_usable(c);
	if (wp->nusable == 0 && !wp->is_all_down) {
		for (i = 0; i < wp->nslots; i++)
			count_usable(&wp->first[i]);
		if (wp->nusable == 0) {
			wp->is_all_down = true;
			log_all_down(wp);
		}
	} else if (wp->nusable > 0 && wp->is_all_down) {
		/* Set the moment nusable reached 0: <c> brought it back. */
		wp->is_all_down = false;
		log_info("pool %s: backend %s back in service; %s",
		    wp->pool->name, c->address,
		    wp->pool->when_all_down == WHEN_ALL_DOWN_PANIC ?
		    "panic over" : "no longer answering 503");
	}
}

/* Consecutive counts saturate rather than wrap back below rise/fall. */
static void
count(uint32_t *n)
{
	if (*n < UINT32_MAX)
		(*n)++;
}

/* Rise/fall after a probe has ended, then the result goes to the shm. */
static void
finish(struct checked *c)
{
	const struct health_conf	*hc = &c->pool->health;
	const struct probe_outcome	*o = &c->probe.out;
	int64_t				 now_unix = time(NULL);
	uint64_t			 now_ms = clock_now_ms();

	loop_timer_cancel(&c->h->loop, &c->deadline);
	(void)notice_passive(c, now_unix);
	log_debug("backend %s (pool %s): check %s: %s", c->address,
	    c->pool->name, probe_result_str(o->result), o->detail);
	if (o->result == PROBE_OK) {
		count(&c->rise_count);
		c->fall_count = 0;
	} else {
		count(&c->fall_count);
		c->rise_count = 0;
	}
	if (c->known == SHM_HEALTH_DOWN && c->rise_count >= hc->rise) {
		c->known = SHM_HEALTH_UP;
		c->state_since_unix = now_unix;
		c->up_since_ms = now_ms;
		/* Slow start must not see UP with the previous up_since. */
		__atomic_store_n(&c->sb->up_since_ms, now_ms,
		    __ATOMIC_RELAXED);
		__atomic_store_n(&c->sb->health_state, SHM_HEALTH_UP,
		    __ATOMIC_RELEASE);
		log_info("backend %s (pool %s): up after %u passed checks",
		    c->address, c->pool->name, c->rise_count);
	} else if (c->known == SHM_HEALTH_UP && c->fall_count >= hc->fall) {
		c->known = SHM_HEALTH_DOWN;
		c->state_since_unix = now_unix;
		__atomic_store_n(&c->sb->health_state, SHM_HEALTH_DOWN,
		    __ATOMIC_RELEASE);
		log_warn("backend %s (pool %s): down after %u failed checks: "
		    "%s", c->address, c->pool->name, c->fall_count,
		    o->detail);
	}
	publish(c, o, (uint32_t)(now_ms - c->probe.started_ms), now_unix);
	recount(c);
}

/*
 * The probe's socket leaves the loop.  When the probe has ended by itself
 * the socket is already closed, which took it out of the epoll set (no
 * other process shares it); what remains is to give up the slot.
 */
static void
unwatch(struct checked *c)
{
	loop_del(&c->h->loop, &c->io);
}

static void
on_deadline(struct timer *t)
{
	struct checked	*c = checked_of(t, deadline);

	unwatch(c);
	probe_expire(&c->probe);
	finish(c);
}

static void
on_probe_io(struct loop_io *io, uint32_t events)
{
	struct checked	*c = (struct checked *)((char *)io -
	    offsetof(struct checked, io));

	if (!probe_run(&c->probe, events)) {
		unwatch(c);
		finish(c);
	}
}

static void
on_next_check(struct timer *t)
{
	struct checked		*c = checked_of(t, next_check);
	struct health		*h = c->h;
	const struct health_conf *hc = &c->pool->health;
	uint64_t		 now = clock_now_ms();

	(void)loop_timer_arm(&h->loop, &c->next_check, now + hc->interval_ms);
	if (notice_passive(c, time(NULL)))
		publish(c, NULL, 0, 0);
	recount(c);
	if (c->probe.state != PROBE_IDLE) {
		/* Only when timeout_ms > interval_ms: one probe at a time. */
		log_debug("backend %s (pool %s): previous check still "
		    "running; skipping one", c->address, c->pool->name);
		return;
	}
	if (!probe_start(&c->probe, now)) {
		finish(c);
		return;
	}
	if (loop_add(&h->loop, &c->io, c->probe.fd, EPOLLIN | EPOLLOUT |
	    EPOLLET, on_probe_io) == -1) {
		log_error("backend %s (pool %s): check skipped",
		    c->address, c->pool->name);
		probe_abort(&c->probe);
		return;
	}
	(void)loop_timer_arm(&h->loop, &c->deadline, now + hc->timeout_ms);
}

static void
on_signal(struct loop *l, int signo, void *arg)
{
	switch (signo) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		loop_stop(l);
		break;
	case SIGUSR1:
		(void)log_reopen();
		break;
	default:
		/* HUP is the master's; a new checker replaces us. */
		break;
	}
}

/* True when the segment was laid out from <cfg>: the index math holds. */
static bool
layout_matches(const struct config *cfg, const struct shm *shm)
{
	size_t	i;

	if (shm->layout.npools != cfg->npools)
		return false;
	for (i = 0; i < cfg->npools; i++)
		if (shm->pools[i].nslots != shm_pool_slots(&cfg->pools[i]) ||
		    shm->pools[i].nconf != cfg->pools[i].nbackends ||
		    (uint64_t)shm->pools[i].first_backend +
		    shm->pools[i].nslots > shm->layout.nbackends)
			return false;
	return true;
}

/* Stops whatever <c> was doing: its probe, its timers. */
static void
quiet(struct checked *c)
{
	struct health	*h = c->h;

	if (c->probe.state != PROBE_IDLE) {
		unwatch(c);
		probe_abort(&c->probe);
	}
	loop_timer_cancel(&h->loop, &c->next_check);
	loop_timer_cancel(&h->loop, &c->deadline);
}

/*
 * <c> now holds what its slot holds (<state>, <gen>, and for a spare the
 * address <text>); when it is a backend, checks start after <delay_ms>,
 * carrying on from what the segment says of it (a respawned checker, or
 * the fresh state the master gave a backend it added).
 */
static void
take_slot(struct checked *c, uint32_t state, uint32_t gen, const char *text,
    uint64_t delay_ms)
{
	const char	*why;
	int64_t		 now_unix = time(NULL);

	quiet(c);
	c->slot_gen = gen;
	c->is_live = state == SHM_SLOT_LIVE;
	if (c->is_live && text != NULL) {
		snprintf(c->address, sizeof(c->address), "%s", text);
		if (addr_parse(c->address, &c->addr, &why) == -1) {
			log_warn("pool %s: a backend slot holds no valid "
			    "address; not checked", c->pool->name);
			c->is_live = false;
		}
	}
	if (c->is_live) {
		c->known = __atomic_load_n(&c->sb->health_state,
		    __ATOMIC_ACQUIRE);
		c->rise_count = c->sb->rise_count;
		c->fall_count = c->sb->fall_count;
		c->state_since_unix = c->sb->state_since_unix != 0 ?
		    c->sb->state_since_unix : now_unix;
		c->up_since_ms = c->sb->up_since_ms;
		publish(c, NULL, 0, 0);
		(void)loop_timer_arm(&c->h->loop, &c->next_check,
		    clock_now_ms() + delay_ms);
	}
	count_usable(c);
}

/* One slot as read under the pool's seqlock. */
struct slot_copy {
	uint32_t	state;
	uint32_t	gen;
	char		address[SHM_NAME_MAX + 1];
};

/*
 * Copies <wp>'s slots into <copy> (wp->nslots of them).  Returns the
 * pool's generation they are from, or 1 (odd) when the master was
 * writing them: try later.
 */
static uint64_t
copy_slots(struct watched *wp, struct slot_copy *copy)
{
	const struct shm_backend	*b;
	uint64_t			 g = shm_slots_read_begin(wp->sp);
	size_t				 j, k;

	if (g & 1)
		return 1;
	for (j = 0; j < wp->nslots; j++) {
		b = wp->first[j].sb;
		copy[j].state = shm_load(&b->slot_state);
		copy[j].gen = shm_load(&b->slot_gen);
		for (k = 0; k < SHM_NAME_MAX; k++)
			copy[j].address[k] = shm_load(&b->address[k]);
		copy[j].address[SHM_NAME_MAX] = '\0';
	}
	return shm_slots_read_ok(wp->sp, g) ? g : 1;
}

/* Follows the runtime changes of <wp>'s slots, if any. */
static void
follow(struct watched *wp, struct slot_copy *copy)
{
	struct checked	*c;
	uint64_t	 g;
	size_t		 j;
	bool		 is_first = wp->generation == 1;

	if (shm_slots_read_begin(wp->sp) == wp->generation ||
	    (g = copy_slots(wp, copy)) & 1)
		return;
	for (j = 0; j < wp->nslots; j++) {
		c = &wp->first[j];
		if (copy[j].gen == c->slot_gen && !is_first)
			continue;
		/* A configured slot keeps its configured address.  The
		   first checks are spread over the first interval. */
		take_slot(c, copy[j].state, copy[j].gen, j < wp->sp->nconf ?
		    NULL : copy[j].address,
		    (uint64_t)wp->pool->health.interval_ms * j / wp->nslots);
		if (c->is_live && !is_first)
			log_info("backend %s (pool %s): checked from now on",
			    c->address, c->pool->name);
	}
	wp->generation = g;
	if (wp->nslots > 0)
		recount(&wp->first[0]);
}

static void
on_sync(struct timer *t)
{
	struct health		*h = (struct health *)((char *)t -
	    offsetof(struct health, sync));
	struct slot_copy	*copy;
	size_t			 i, most = 0;

	(void)loop_timer_arm(&h->loop, &h->sync, clock_now_ms() +
	    HEALTH_SYNC_MS);
	for (i = 0; i < h->nwatched; i++)
		if (h->watched[i].nslots > most)
			most = h->watched[i].nslots;
	/* Only when a pool changed: the copy is as large as the pool. */
	for (i = 0; i < h->nwatched; i++) {
		if (shm_slots_read_begin(h->watched[i].sp) ==
		    h->watched[i].generation)
			continue;
		if ((copy = calloc(most + 1, sizeof(*copy))) == NULL)
			return;
		follow(&h->watched[i], copy);
		free(copy);
	}
}

/* The per-slot state, allocated once: probes allocate nothing more. */
static int
setup_checked(struct health *h)
{
	const struct config	*cfg = h->cfg;
	const struct pool_conf	*pc;
	struct checked		*c;
	struct watched		*wp;
	size_t			 i, j, n = 0, k, npools = 0, nlive = 0;

	for (i = 0; i < cfg->npools; i++)
		if (cfg->pools[i].health.enabled) {
			n += shm_pool_slots(&cfg->pools[i]);
			npools++;
		}
	h->checked = calloc(n == 0 ? 1 : n, sizeof(*h->checked));
	h->watched = calloc(npools == 0 ? 1 : npools, sizeof(*h->watched));
	if (h->checked == NULL || h->watched == NULL) {
		log_error("out of memory for %zu health checks", n);
		return -1;
	}
	if (loop_init(&h->loop, 2 * n + 2) == -1)
		return -1;
	h->has_loop = true;
	if (loop_watch_signals(&h->loop, on_signal, h) == -1)
		return -1;
	timer_init(&h->sync, on_sync);
	for (i = 0, k = 0; i < cfg->npools; i++) {
		pc = &cfg->pools[i];
		if (!pc->health.enabled)
			continue;
		wp = &h->watched[h->nwatched++];
		wp->pool = pc;
		wp->sp = &h->shm->pools[i];
		wp->first = &h->checked[k];
		wp->nslots = shm_pool_slots(pc);
		/* Odd: the first look follows whatever is there. */
		wp->generation = 1;
		for (j = 0; j < wp->nslots; j++, k++) {
			c = &h->checked[k];
			if (probe_init(&c->probe, &pc->health, &c->addr) ==
			    -1) {
				log_error("out of memory for %zu health "
				    "checks", n);
				return -1;
			}
			h->nchecked = k + 1;
			loop_io_init(&c->io);
			timer_init(&c->next_check, on_next_check);
			timer_init(&c->deadline, on_deadline);
			c->h = h;
			c->wp = wp;
			c->pool = pc;
			c->sb = &shm_pool_backends(h->shm, (uint32_t)i)[j];
			if (j < pc->nbackends) {
				c->addr = pc->backends[j].addr;
				snprintf(c->address, sizeof(c->address), "%s",
				    pc->backends[j].address);
			}
		}
	}
	/* The first look takes every slot as the segment has it now:
	   runtime changes made before this checker started included. */
	on_sync(&h->sync);
	for (i = 0; i < h->nwatched; i++) {
		wp = &h->watched[i];
		for (j = 0; j < wp->nslots; j++)
			nlive += wp->first[j].is_live;
		/* A new checker (reload, respawn) may start on a pool the
		   last one left with none up: say so once more. */
		if (wp->nusable == 0 && !wp->is_all_down) {
			wp->is_all_down = true;
			log_all_down(wp);
		}
	}
	log_info("checking %zu backend(s)", nlive);
	return 0;
}

static int
setup(struct health *h)
{
	if (!layout_matches(h->cfg, h->shm)) {
		log_error("shared segment does not match the configuration");
		return -1;
	}
	return setup_checked(h);
}

static void
teardown(struct health *h)
{
	size_t	i;

	for (i = 0; i < h->nchecked; i++) {
		if (h->has_loop)
			unwatch(&h->checked[i]);
		probe_free(&h->checked[i].probe);
	}
	free(h->checked);
	h->checked = NULL;
	free(h->watched);
	h->watched = NULL;
	if (h->has_loop)
		loop_free(&h->loop);
	h->has_loop = false;
}

int
health_main(const struct config *cfg, struct shm *shm)
{
	struct health	h;
	int		rv = 0;

	memset(&h, 0, sizeof(h));
	h.cfg = cfg;
	h.shm = shm;
	clock_update();
	if (setup(&h) == -1) {
		teardown(&h);
		return 1;
	}
	if (loop_run(&h.loop) == -1)
		rv = 1;
	teardown(&h);
	return rv;
}
