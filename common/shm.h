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

struct shm {
	void			*base;	/* owned mapping */
	size_t			 size;
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

/*
 * True when the held rows that header <h> describes lie inside a segment
 * of <total> bytes (the other sections are checked by shm_attach()).
 */
bool		 shm_held_fits(const struct shm_header *h, uint64_t total);

/* Columns of a held row: see shm_layout.h. */
#define SHM_HELD_COLUMNS(nbackends, nservices)	((nbackends) + 2 * (nservices))

/*
 * Worker <worker>'s row of what it holds now: nbackends requests-in-flight
 * counts, then nservices client-connection counts, then nservices
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
 * is column nbackends + i, its tunnels column nbackends + nservices + i.
 * 0 for a column out of range or a NULL <held>.
 * Works on the live segment and on a copy of it (weirctl).
 */
uint64_t	 shm_held_sum(const struct shm_header *h, const uint64_t *held,
		    uint64_t column);

/* Requests in flight to backend <b> now, all workers together. */
static inline uint64_t
shm_backend_active(const struct shm *s, uint32_t b)
{
	return shm_held_sum(s->hdr, s->held, b);
}

/* Client connections open on service <svc> now, all workers together. */
static inline uint64_t
shm_service_active(const struct shm *s, uint32_t svc)
{
	return shm_held_sum(s->hdr, s->held, (uint64_t)s->hdr->nbackends + svc);
}

/* Upgrade tunnels open on service <svc> now, all workers together. */
static inline uint64_t
shm_service_tunnels(const struct shm *s, uint32_t svc)
{
	return shm_held_sum(s->hdr, s->held, (uint64_t)s->hdr->nbackends +
	    s->hdr->nservices + svc);
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

/*
 * True when <b> may be given new requests as the operator and the health
 * checker see it: enabled and up.  A pool with none such is "all down" to
 * the workers, the health checker and weirctl alike.
 */
static inline bool
shm_backend_is_usable(const struct shm_backend *b)
{
	return shm_load(&b->admin_state) == SHM_ADMIN_ENABLED &&
	    shm_load(&b->health_state) == SHM_HEALTH_UP;
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
