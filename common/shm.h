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
 * in <err> (<errlen> bytes): missing, wrong magic, other layout version.
 */
int	shm_attach(struct shm *s, const char *path, char *err, size_t errlen);

/* Unmaps.  Harmless on an unmapped <s>. */
void	shm_detach(struct shm *s);

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

/* Upper bound (exclusive) of latency bucket <i>, in microseconds. */
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
