/*
 * Creating, mapping and reading the shared segment described in
 * shm_layout.h.  The segment is a file under state_dir, mapped MAP_SHARED,
 * so weirctl finds it from the configuration alone.
 */
#ifndef WEIR_COMMON_SHM_H
#define WEIR_COMMON_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/shm_layout.h"

struct config;
struct pool_conf;

struct shm {
	void			*base;	/* owned mapping */
	size_t			 size;
	/*
	 * The layout as this process made or checked it.  Every process
	 * that maps the segment read-write can rewrite the live header: the
	 * sections and the held rows are found from this copy, never from
	 * the live counts and offsets.
	 */
	struct shm_header	 layout;
	struct shm_header	*hdr;
	struct shm_worker	*workers;
	struct shm_pool		*pools;
	struct shm_backend	*backends;
	struct shm_service	*services;
	uint64_t		*held;	/* nworkers rows, see shm_layout.h */
};

/*
 * Creates (replacing any old one) the segment for <cfg> with <nworkers>
 * worker slots at <path>, and maps it read-write.  When <from> is not
 * NULL (a reload), the generation follows it and what outlives a
 * generation is copied over before the new segment becomes visible:
 * counters of services, pools and backends that keep their names and
 * addresses, and each backend's admin and health state.  0, or -1 after
 * logging.
 */
int	shm_create(struct shm *s, const char *path, const struct config *cfg,
	    unsigned nworkers, const struct shm *from);

/*
 * Maps an existing segment read-only (weirctl).  0, or -1 with a message
 * in <err> (<errlen> bytes) and errno set: what open() said when there is
 * no file, EINVAL when shm_check() refuses it.
 */
int	shm_attach(struct shm *s, const char *path, char *err, size_t errlen);

/*
 * Checks the segment bytes <base>[0..<size>) (8-byte aligned) before an
 * offset or index in them is followed: magic, layout version, size, every
 * section and every pool's backend range inside the segment.  0, or -1
 * with a one-line reason (no path) in <why>.
 */
int	shm_check(const void *base, size_t size, char *why, size_t whylen);

/* Unmaps.  Harmless on an unmapped <s>. */
void	shm_detach(struct shm *s);

/* Backend slots pool <pc> gets: its backends and its spare_backends. */
size_t	shm_pool_slots(const struct pool_conf *pc);

/*
 * True when the held rows that header <h> describes lie inside a segment
 * of <total> bytes (the other sections are checked by shm_attach()).
 */
bool		 shm_held_fits(const struct shm_header *h, uint64_t total);

/*
 * Worker <worker>'s row of what it holds now: nbackends requests-in-flight
 * counts, then nservices client-connection counts, then nbackends counts
 * of sessions whose last request went to each backend, then nservices
 * open-tunnel counts.  Only that worker writes it (shm_own_add), and the
 * master when the worker is not running.
 */
uint64_t	*shm_held_row(const struct shm *s, unsigned worker);

/*
 * Zeroes worker <worker>'s held row: the master does, while that worker is
 * not running (before its fork, after it is reaped).
 */
void		 shm_held_clear(const struct shm *s, unsigned worker);

/*
 * The sum over every worker's row of column <column> of the held rows at
 * <held>, laid out as header <h> says: backend b is column b, service i
 * is column nbackends + i, sessions kept on backend b column
 * nbackends + nservices + b (shm_held_pin_column), service i's tunnels
 * column 2 * nbackends + nservices + i.  0 for a column out of range or a
 * NULL <held>.  Works on the live segment and on a copy of it (weirctl).
 */
uint64_t	 shm_held_sum(const struct shm_header *h, const uint64_t *held,
		    uint64_t column);

/* Requests in flight to backend <b> now, all workers together. */
static inline uint64_t
shm_backend_active(const struct shm *s, uint32_t b)
{
	return shm_held_sum(&s->layout, s->held, b);
}

/* Client connections open on service <svc> now, all workers together. */
static inline uint64_t
shm_service_active(const struct shm *s, uint32_t svc)
{
	return shm_held_sum(&s->layout, s->held,
	    (uint64_t)s->layout.nbackends + svc);
}

/* The held column counting sessions kept on backend <b>. */
static inline uint64_t
shm_held_pin_column(const struct shm_header *h, uint32_t b)
{
	return (uint64_t)h->nbackends + h->nservices + b;
}

/*
 * Client sessions whose last request went to backend <b>, all workers
 * together: what a draining backend still owes before it is drained.
 */
static inline uint64_t
shm_backend_pinned(const struct shm *s, uint32_t b)
{
	return shm_held_sum(&s->layout, s->held,
	    shm_held_pin_column(&s->layout, b));
}

/*
 * Pool <i>'s slots, loaded once from the live segment and checked against
 * the layout: 0 with the first slot, the slot count and the configured
 * count in the out parameters, or -1 for an index or a range that another
 * process corrupted.  For the master, which must not follow what a
 * worker wrote out of bounds.
 */
int	shm_pool_range(const struct shm *s, uint32_t i, uint32_t *first,
	    uint32_t *nslots, uint32_t *nconf);

/* The held column counting the Upgrade tunnels open on service <svc>. */
static inline uint64_t
shm_held_tunnels_column(const struct shm_header *h, uint32_t svc)
{
	return 2 * (uint64_t)h->nbackends + h->nservices + svc;
}

/* Upgrade tunnels open on service <svc> now, all workers together. */
static inline uint64_t
shm_service_tunnels(const struct shm *s, uint32_t svc)
{
	return shm_held_sum(&s->layout, s->held,
	    shm_held_tunnels_column(&s->layout, svc));
}

/* Index of the first backend of pool <pool> in the segment. */
static inline struct shm_backend *
shm_pool_backends(const struct shm *s, uint32_t pool)
{
	return &s->backends[s->pools[pool].first_backend];
}

/* Relaxed atomic add and load for the counters. */
#define shm_add(p, v)	__atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define shm_sub(p, v)	__atomic_fetch_sub((p), (v), __ATOMIC_RELAXED)
#define shm_load(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define shm_store(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Add to a counter only the calling process writes: no locked
   instruction, and readers still never see a torn value. */
#define shm_own_add(p, v)	shm_store((p), shm_load(p) + (v))
#define shm_own_sub(p, v)	shm_store((p), shm_load(p) - (v))

/* True when slot <b> holds a backend (configured or added at runtime). */
static inline bool
shm_backend_is_live(const struct shm_backend *b)
{
	return shm_load(&b->slot_state) == SHM_SLOT_LIVE;
}

/*
 * True when <b> may be given new requests as the operator and the health
 * checker see it: a backend, enabled and up.  A pool with none such is
 * "all down" to the workers, the health checker and weirctl alike.
 */
static inline bool
shm_backend_is_usable(const struct shm_backend *b)
{
	return shm_backend_is_live(b) &&
	    shm_load(&b->admin_state) == SHM_ADMIN_ENABLED &&
	    shm_load(&b->health_state) == SHM_HEALTH_UP;
}

/*
 * The pool's slots as a seqlock (shm_layout.h).  A reader takes the value
 * of shm_slots_read_begin(); when it is odd the master is writing and the
 * reader keeps what it had.  After copying, shm_slots_read_ok() says
 * whether the copy is whole.
 */
static inline uint64_t
shm_slots_read_begin(const struct shm_pool *p)
{
	return __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE);
}

static inline bool
shm_slots_read_ok(const struct shm_pool *p, uint64_t begin)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return (begin & 1) == 0 &&
	    __atomic_load_n(&p->generation, __ATOMIC_RELAXED) == begin;
}

/* The master around its writes of pool <p>'s slots. */
static inline void
shm_slots_write_begin(struct shm_pool *p)
{
	uint64_t	g = __atomic_load_n(&p->generation, __ATOMIC_RELAXED);

	/* A master that died mid-write left it odd: even it up first. */
	g += g & 1;
	__atomic_store_n(&p->generation, g + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
shm_slots_write_end(struct shm_pool *p)
{
	__atomic_store_n(&p->generation,
	    __atomic_load_n(&p->generation, __ATOMIC_RELAXED) + 1,
	    __ATOMIC_RELEASE);
}

/* True when none of the <n> backends from <b> on is usable. */
static inline bool
shm_none_usable(const struct shm_backend *b, uint32_t n)
{
	uint32_t	i;

	for (i = 0; i < n; i++)
		if (shm_backend_is_usable(&b[i]))
			return false;
	return true;
}

/*
 * Upper bound (inclusive, as a Prometheus "le") of latency bucket <i>, in
 * microseconds.
 */
uint64_t	shm_latency_bound_us(unsigned i);

/* The latency bucket for <us> microseconds (the last one catches all). */
unsigned	shm_latency_bucket(uint64_t us);

/*
 * The <pct> percentile (0..100) of <hist> in milliseconds, interpolated
 * inside its bucket; 0 when the histogram is empty.
 */
double		shm_latency_percentile_ms(const uint64_t *hist, double pct);

/* Response class index (0..4) for status <code>, or -1. */
static inline int
shm_class(int code)
{
	return (code >= 100 && code <= 599) ? code / 100 - 1 : -1;
}

#endif
