/*
 * Runtime changes to pools, written by the master into the current
 * segment.  Admin states are read by the workers on every pick, so they
 * are one store.  What changes a pool's membership or weights is written
 * between two steps of the pool's generation (a seqlock, shm_layout.h):
 * each worker notices the step on its next pick of that pool and rebuilds
 * its tables from the slots, and the health checker on its next look.
 * Nothing here waits: a removed backend finishes its requests by itself,
 * and its slot is reused only once no worker counts anything on it.
 */
#include "master/runtime.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"

/* Dropped changes logged one per line on a reload; the rest are counted. */
#define DROPPED_LOGGED	32
/* How often a drain in progress is looked at. */
#define DRAIN_WATCH_MS	250
/* Weights a backend may have, as in the configuration. */
#define WEIGHT_MIN	1
#define WEIGHT_MAX	256

static int
answer(char *msg, size_t len, int rv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
answer(char *msg, size_t len, int rv, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return rv;
}

static bool
name_is(const char *field, const char *name)
{
	size_t	len = strnlen(field, SHM_NAME_MAX);

	return strlen(name) == len && memcmp(field, name, len) == 0;
}

/* A fresh reading: the master's cached clock may be a turn old. */
static uint64_t
now_ms(void)
{
	return clock_us() / 1000;
}

/*
 * A pool of the segment and its slots.  The range is loaded once and
 * checked (shm_pool_range()): workers can write the segment, and the
 * master writes through what it reads here.
 */
struct pool_ref {
	struct shm_pool	*p;
	uint32_t	 index;
	uint32_t	 first;
	uint32_t	 nslots;
	uint32_t	 nconf;
};

/* Pool <i> into <ref>; -1 with why in <msg> when its range is corrupt. */
static int
pool_at(struct shm *shm, uint32_t i, struct pool_ref *ref, char *msg,
    size_t len)
{
	ref->p = &shm->pools[i];
	ref->index = i;
	if (shm_pool_range(shm, i, &ref->first, &ref->nslots,
	    &ref->nconf) == 0)
		return 0;
	snprintf(msg, len, "corrupt segment: the slots of pool %.*s lie "
	    "outside its backend table", SHM_NAME_MAX, ref->p->name);
	return -1;
}

/* The pool named <name> into <ref>, or -1 after writing why in <msg>. */
static int
find_pool(struct shm *shm, const char *name, struct pool_ref *ref,
    char *msg, size_t len)
{
	uint32_t	i;

	for (i = 0; i < shm->layout.npools; i++)
		if (name_is(shm->pools[i].name, name))
			return pool_at(shm, i, ref, msg, len);
	snprintf(msg, len, "no pool \"%.*s\"", SHM_NAME_MAX, name);
	return -1;
}

static struct shm_backend *
slot(struct shm *shm, const struct pool_ref *ref, uint32_t j)
{
	return &shm->backends[ref->first + j];
}

/*
 * The slot of <p> in state <state> whose address is <address>: the same
 * text, or unless <is_exact>, the same parsed address ("127.0.0.1:80" for
 * "localhost:80").  Commands name a backend as weirctl shows it; a new
 * one must not be an old one spelled otherwise.
 */
static struct shm_backend *
find_slot(struct shm *shm, const struct pool_ref *p, const char *address,
    uint32_t state, bool is_exact)
{
	struct shm_backend	*b;
	struct addr		 want, have;
	const char		*why;
	char			 text[SHM_NAME_MAX + 1];
	bool			 is_parsed;
	uint32_t		 j;

	for (j = 0; j < p->nslots; j++) {
		b = slot(shm, p, j);
		if (b->slot_state == state && name_is(b->address, address))
			return b;
	}
	is_parsed = !is_exact && addr_parse(address, &want, &why) == 0;
	for (j = 0; is_parsed && j < p->nslots; j++) {
		b = slot(shm, p, j);
		if (b->slot_state != state)
			continue;
		snprintf(text, sizeof(text), "%.*s", SHM_NAME_MAX, b->address);
		if (addr_parse(text, &have, &why) == 0 &&
		    addr_equal(&want, &have))
			return b;
	}
	return NULL;
}

/* "it has: a, b": the backends of <p>, cut short to fit <len>. */
static void
list_backends(char *buf, size_t len, struct shm *shm,
    const struct pool_ref *p)
{
	const struct shm_backend *b;
	size_t			 n = 0;
	uint32_t		 j, shown = 0;
	int			 w;

	snprintf(buf, len, "none");
	for (j = 0; j < p->nslots; j++) {
		b = slot(shm, p, j);
		if (b->slot_state != SHM_SLOT_LIVE)
			continue;
		w = snprintf(buf + n, len - n, "%s%.*s", shown > 0 ? ", " : "",
		    SHM_NAME_MAX, b->address);
		/* 8 bytes of margin are left for ", ..." */
		if (w < 0 || (size_t)w >= len - n - 8) {
			snprintf(buf + n, len - n, ", ...");
			return;
		}
		n += (size_t)w;
		shown++;
	}
}

/* The live backend <address> of <p>, or NULL with why in <msg>. */
static struct shm_backend *
find_live(struct shm *shm, struct pool_ref *p, const char *address,
    char *msg, size_t len)
{
	struct shm_backend	*b;
	char			 have[RUNTIME_MSG_MAX / 2];

	if ((b = find_slot(shm, p, address, SHM_SLOT_LIVE, true)) != NULL)
		return b;
	list_backends(have, sizeof(have), shm, p);
	snprintf(msg, len, "pool %.*s has no backend %s (it has: %s)",
	    SHM_NAME_MAX, p->p->name, address, have);
	return NULL;
}

/* What workers still count on backend slot <b>: requests and sessions. */
static uint64_t
still_held(const struct shm *shm, const struct shm_backend *b)
{
	uint32_t	i = (uint32_t)(b - shm->backends);

	return shm_backend_active(shm, i) + shm_backend_pinned(shm, i);
}

/*
 * A spare slot of <p> nobody uses: free, no longer counted on by any
 * worker, and freed long enough ago that a worker which chose the old
 * backend just before has finished with it.  NULL with why in <msg>.
 */
static struct shm_backend *
free_slot(struct shm *shm, struct pool_ref *p, char *msg, size_t len)
{
	struct shm_backend	*b;
	uint64_t		 now = now_ms();
	uint32_t		 j, busy = 0;

	for (j = p->nconf; j < p->nslots; j++) {
		b = slot(shm, p, j);
		if (b->slot_state != SHM_SLOT_FREE)
			continue;
		if ((b->free_since_ms != 0 &&
		    now - b->free_since_ms < RUNTIME_REUSE_MS) ||
		    still_held(shm, b) > 0) {
			busy++;
			continue;
		}
		return b;
	}
	if (busy > 0)
		snprintf(msg, len, "pool %.*s has no free slot now: %" PRIu32
		    " of its %" PRIu32 " spare slots are being released by "
		    "backends removed just before; try again in a moment",
		    SHM_NAME_MAX, p->p->name, busy, p->nslots - p->nconf);
	else
		snprintf(msg, len, "pool %.*s has no room for another "
		    "backend: its %" PRIu32 " spare slots are taken (raise "
		    "\"spare_backends\" and reload)", SHM_NAME_MAX, p->p->name,
		    p->nslots - p->nconf);
	return NULL;
}

/*
 * Fills the free slot <b> with a fresh backend at <text>: counters, health
 * and check results start over, and slow start ramps it up from now.
 */
static void
fill_slot(struct shm_backend *b, uint32_t pool, const char *text,
    unsigned weight)
{
	uint32_t	gen = b->slot_gen;

	memset(b, 0, sizeof(*b));
	snprintf(b->address, sizeof(b->address), "%s", text);
	b->pool = pool;
	b->weight = weight;
	b->admin_state = SHM_ADMIN_ENABLED;
	b->health_state = SHM_HEALTH_UP;
	b->up_since_ms = now_ms();
	b->slot_state = SHM_SLOT_LIVE;
	b->slot_gen = gen + 1;
}

int
runtime_add(struct shm *shm, const char *pool, const char *address,
    unsigned weight, const char *by, char *msg, size_t len)
{
	struct pool_ref		 ref, *p = &ref;
	struct shm_backend	*b;
	struct addr		 a;
	const char		*why;
	char			 text[ADDR_STRLEN];

	if (find_pool(shm, pool, p, msg, len) == -1)
		return -1;
	if (weight > WEIGHT_MAX)
		return answer(msg, len, -1, "weight %u: expected %d to %d",
		    weight, WEIGHT_MIN, WEIGHT_MAX);
	if (addr_parse(address, &a, &why) == -1)
		return answer(msg, len, -1, "\"%.*s\" is not a valid address: "
		    "%s", SHM_NAME_MAX, address, why);
	if (find_slot(shm, p, address, SHM_SLOT_LIVE, false) != NULL)
		return answer(msg, len, -1, "pool %.*s already has backend %s",
		    SHM_NAME_MAX, p->p->name, address);
	/* A configured backend removed before comes back in its slot. */
	if ((b = find_slot(shm, p, address, SHM_SLOT_REMOVED, false)) !=
	    NULL) {
		shm_slots_write_begin(p->p);
		b->weight = weight != 0 ? weight : b->conf_weight;
		b->admin_state = SHM_ADMIN_ENABLED;
		b->up_since_ms = now_ms();
		b->slot_state = SHM_SLOT_LIVE;
		b->slot_gen++;
		shm_slots_write_end(p->p);
	} else {
		if ((b = free_slot(shm, p, msg, len)) == NULL)
			return -1;
		addr_format(&a, text, sizeof(text));
		shm_slots_write_begin(p->p);
		fill_slot(b, p->index, text, weight != 0 ? weight : 1);
		shm_slots_write_end(p->p);
	}
	log_info("backend %.*s (pool %.*s): added%s%s, weight %" PRIu32,
	    SHM_NAME_MAX, b->address, SHM_NAME_MAX, p->p->name, by != NULL ?
	    " " : "", by != NULL ? by : "", b->weight);
	return answer(msg, len, 0, "backend %.*s (pool %.*s): added, weight %"
	    PRIu32, SHM_NAME_MAX, b->address, SHM_NAME_MAX, p->p->name,
	    b->weight);
}

int
runtime_remove(struct shm *shm, const char *pool, const char *address,
    const char *by, char *msg, size_t len)
{
	struct pool_ref		 ref, *p = &ref;
	struct shm_backend	*b;
	uint64_t		 busy;
	char			 text[SHM_NAME_MAX + 1];

	if (find_pool(shm, pool, p, msg, len) == -1 ||
	    (b = find_live(shm, p, address, msg, len)) == NULL)
		return -1;
	snprintf(text, sizeof(text), "%.*s", SHM_NAME_MAX, b->address);
	busy = shm_backend_active(shm, (uint32_t)(b - shm->backends));
	shm_slots_write_begin(p->p);
	if (b - slot(shm, p, 0) < (ptrdiff_t)p->nconf)
		b->slot_state = SHM_SLOT_REMOVED;
	else {
		/* No address: a reload must not take it for a backend. */
		b->slot_state = SHM_SLOT_FREE;
		memset(b->address, 0, sizeof(b->address));
		b->free_since_ms = now_ms();
	}
	b->slot_gen++;
	shm_slots_write_end(p->p);
	log_info("backend %s (pool %.*s): removed%s%s; %" PRIu64 " request(s) "
	    "in flight finish there", text, SHM_NAME_MAX, p->p->name,
	    by != NULL ? " " : "", by != NULL ? by : "", busy);
	return answer(msg, len, 0, "backend %s (pool %.*s): removed", text,
	    SHM_NAME_MAX, p->p->name);
}

int
runtime_weight(struct shm *shm, const char *pool, const char *address,
    unsigned weight, const char *by, char *msg, size_t len)
{
	struct pool_ref		 ref, *p = &ref;
	struct shm_backend	*b;
	uint32_t		 was;

	if (find_pool(shm, pool, p, msg, len) == -1 ||
	    (b = find_live(shm, p, address, msg, len)) == NULL)
		return -1;
	if (weight < WEIGHT_MIN || weight > WEIGHT_MAX)
		return answer(msg, len, -1, "weight %u: expected %d to %d "
		    "(to send it nothing, drain or disable it)", weight,
		    WEIGHT_MIN, WEIGHT_MAX);
	was = b->weight;
	shm_slots_write_begin(p->p);
	b->weight = weight;
	shm_slots_write_end(p->p);
	log_info("backend %.*s (pool %.*s): weight %u (was %" PRIu32 ")%s%s",
	    SHM_NAME_MAX, b->address, SHM_NAME_MAX, p->p->name, weight, was,
	    by != NULL ? " " : "", by != NULL ? by : "");
	return answer(msg, len, 0, "backend %.*s (pool %.*s): weight %u (was %"
	    PRIu32 ")", SHM_NAME_MAX, b->address, SHM_NAME_MAX, p->p->name,
	    weight, was);
}

const char *
runtime_admin_word(enum shm_admin state)
{
	switch (state) {
	case SHM_ADMIN_DISABLED:
		return "disabled";
	case SHM_ADMIN_DRAINING:
		return "draining";
	default:
		return "enabled";
	}
}

int
runtime_admin(struct shm *shm, const char *pool, const char *address,
    enum shm_admin state, const char *by, char *msg, size_t len)
{
	struct pool_ref		 ref, *p = &ref;
	struct shm_backend	*b;

	if (find_pool(shm, pool, p, msg, len) == -1 ||
	    (b = find_live(shm, p, address, msg, len)) == NULL)
		return -1;
	/* Workers load it on every pick: the change is live at once. */
	shm_store(&b->drained_said, 0);
	shm_store(&b->admin_state, (uint32_t)state);
	log_info("backend %.*s (pool %.*s): %s%s%s", SHM_NAME_MAX, b->address,
	    SHM_NAME_MAX, p->p->name, runtime_admin_word(state),
	    by != NULL ? " " : "", by != NULL ? by : "");
	return answer(msg, len, 0, "backend %.*s (pool %.*s): %s",
	    SHM_NAME_MAX, b->address, SHM_NAME_MAX, p->p->name,
	    runtime_admin_word(state));
}

uint64_t
runtime_watch_drains(struct shm *shm)
{
	struct shm_backend	*b;
	struct pool_ref		 ref;
	uint64_t		 next = UINT64_MAX;
	uint32_t		 i, j;
	char			 msg[RUNTIME_MSG_MAX];

	for (i = 0; i < shm->layout.npools; i++) {
		if (pool_at(shm, i, &ref, msg, sizeof(msg)) == -1)
			continue;
		for (j = 0; j < ref.nslots; j++) {
			b = slot(shm, &ref, j);
			if (b->slot_state != SHM_SLOT_LIVE ||
			    shm_load(&b->admin_state) != SHM_ADMIN_DRAINING ||
			    b->drained_said)
				continue;
			if (still_held(shm, b) > 0) {
				next = DRAIN_WATCH_MS;
				continue;
			}
			b->drained_said = 1;
			log_info("backend %.*s (pool %.*s): drained: no "
			    "request in flight and no client kept on it",
			    SHM_NAME_MAX, b->address, SHM_NAME_MAX,
			    ref.p->name);
		}
	}
	return next;
}

/* ---- what a reload drops ---- */

struct dropped {
	const char	*what;		/* "reload" */
	char		*note;
	size_t		 len;
	size_t		 used;
	size_t		 n;
	const char	*last_pool;	/* the pool the note names last */
};

static void
drop(struct dropped *d, const char *pool, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One dropped change: a log line, and a phrase in the note. */
static void
drop(struct dropped *d, const char *pool, const char *fmt, ...)
{
	char	change[160];
	va_list	ap;
	int	w;

	va_start(ap, fmt);
	vsnprintf(change, sizeof(change), fmt, ap);
	va_end(ap);
	if (d->n < DROPPED_LOGGED)
		log_warn("%s: dropped a runtime change the configuration does "
		    "not have: pool %.*s: %s", d->what, SHM_NAME_MAX, pool,
		    change);
	else if (d->n == DROPPED_LOGGED)
		log_warn("%s: dropped more runtime changes; weirctl reload "
		    "lists the first ones", d->what);
	d->n++;
	if (d->used >= d->len)
		return;
	if (d->last_pool == pool)
		w = snprintf(d->note + d->used, d->len - d->used, ", %s",
		    change);
	else
		w = snprintf(d->note + d->used, d->len - d->used, "%spool "
		    "%.*s: %s", d->used > 0 ? "; " : "", SHM_NAME_MAX, pool,
		    change);
	d->last_pool = pool;
	if (w < 0 || (size_t)w >= d->len - d->used) {
		/* Cut at a phrase, with a mark that more was dropped. */
		d->note[d->used] = '\0';
		if (d->used + 6 < d->len)
			strcat(d->note, "; ...");
		d->used = d->len;
		return;
	}
	d->used += (size_t)w;
}

/* Index of the backend of <pc> at <address> (text or parsed), or -1. */
static long
conf_backend(const struct pool_conf *pc, const char *address)
{
	struct addr	a;
	const char	*why;
	bool		is_parsed = addr_parse(address, &a, &why) == 0;
	size_t		i;

	for (i = 0; i < pc->nbackends; i++)
		if (strcmp(pc->backends[i].address, address) == 0 ||
		    (is_parsed && addr_equal(&pc->backends[i].addr, &a)))
			return (long)i;
	return -1;
}

size_t
runtime_dropped(struct shm *old, const struct config *cfg,
    const char *what, char *note, size_t len)
{
	const struct pool_conf	*pc;
	struct shm_backend	*b;
	struct pool_ref		 ref, *p = &ref;
	struct dropped		 d = { what, note, len, 0, 0, NULL };
	char			 name[SHM_NAME_MAX + 1];
	char			 address[SHM_NAME_MAX + 1];
	char			 msg[RUNTIME_MSG_MAX];
	uint32_t		 i, j;
	long			 k;
	int			 pi;

	if (len > 0)
		note[0] = '\0';
	for (i = 0; i < old->layout.npools; i++) {
		if (pool_at(old, i, p, msg, sizeof(msg)) == -1) {
			log_warn("%s: %s", what, msg);
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", SHM_NAME_MAX, p->p->name);
		/* A pool the file no longer has takes its changes along. */
		if ((pi = config_find_pool(cfg, name)) == -1)
			continue;
		pc = &cfg->pools[pi];
		for (j = 0; j < p->nslots; j++) {
			b = slot(old, p, j);
			snprintf(address, sizeof(address), "%.*s",
			    SHM_NAME_MAX, b->address);
			k = b->slot_state == SHM_SLOT_FREE ? -1 :
			    conf_backend(pc, address);
			if (b->slot_state == SHM_SLOT_LIVE && j >= p->nconf &&
			    k == -1)
				drop(&d, p->p->name, "backend %s added",
				    address);
			else if (b->slot_state == SHM_SLOT_REMOVED && k != -1)
				drop(&d, p->p->name, "backend %s removed",
				    address);
			else if (b->slot_state == SHM_SLOT_LIVE && k != -1 &&
			    b->weight != pc->backends[k].weight &&
			    (j >= p->nconf || b->weight != b->conf_weight))
				drop(&d, p->p->name, "weight %" PRIu32 " of %s "
				    "(now %u)", b->weight, address,
				    pc->backends[k].weight);
		}
	}
	return d.n;
}
