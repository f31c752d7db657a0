/*
 * A private copy of the shared segment, taken once per weirctl command or
 * stats request so every figure shown comes from the same moment, plus the
 * few derived facts (is the master alive, a backend's state word) all
 * renderers share.
 */
#ifndef WEIR_STATS_SNAPSHOT_H
#define WEIR_STATS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/shm_layout.h"

struct shm;

struct snapshot {
	void			*copy;		/* owned: the segment's bytes */
	size_t			 size;
	const struct shm_header	*hdr;		/* into copy */
	const struct shm_worker	*workers;	/* into copy */
	const struct shm_pool	*pools;		/* into copy */
	const struct shm_backend *backends;	/* into copy */
	const struct shm_service *services;	/* into copy */
	const uint64_t		*held;		/* into copy; NULL when the
						   header places it outside */
	char			 path[4096];	/* the segment file */
	int64_t			 now_unix;	/* when it was taken */
	uint64_t		 mono_ms;	/* the same, CLOCK_MONOTONIC */
	bool			 is_master_alive;
};

/*
 * Copies the segment at <path> into <snap> and validates the copy with
 * snapshot_validate().  0, or -1 with a message in <err> for "weirctl: " to
 * precede: "no running weir: <path>: ..." when there is no file to read
 * (errno as open(2) left it), "<path>: ..." when it is not a segment of
 * this layout or is corrupt (EINVAL) or memory ran out (ENOMEM).  A dead
 * master is not an error: see ->is_master_alive.
 */
int		 snapshot_take(struct snapshot *snap, const char *path,
		    char *err, size_t errlen);

/*
 * snapshot_take() from a segment already mapped, <s> (a worker's own):
 * 0, or -1 with errno EINVAL or ENOMEM and the message in <err>.
 */
int		 snapshot_copy(struct snapshot *snap, const struct shm *s,
		    const char *path, char *err, size_t errlen);

/*
 * Validates the segment bytes <copy> (<size> bytes, from malloc) and makes
 * <snap> own and point into them, stamped with the time now; <path> names
 * their file in messages.  0, or -1 with "<path>: <why>" in <err>, <copy>
 * then still the caller's.  snapshot_take() without the file.
 */
int		 snapshot_adopt(struct snapshot *snap, void *copy, size_t size,
		    const char *path, char *err, size_t errlen);

/*
 * The one check of everything weirctl reads from a segment, before any of
 * it is used: shm_check() (header, sections, pool ranges), then each
 * backend's pool index and states, pools' balance values, services' listen
 * counts, and every name and string terminated in its array.  <seg> is
 * <size> bytes, 8-byte aligned.  0, or -1 with a one-line reason in <why>
 * ("corrupt segment: backend 3 names pool 9 of 2").
 */
int		 snapshot_validate(const void *seg, size_t size, char *why,
		    size_t whylen);

/* Frees what snapshot_take() allocated.  Harmless twice. */
void		 snapshot_free(struct snapshot *snap);

/* True when process <pid> exists (also when it is not ours to signal). */
bool		 snapshot_pid_alive(int64_t pid);

/*
 * "up", "down", "disabled", "draining" or "drained" for backend <i>; admin
 * state wins over health.
 */
const char	*snapshot_backend_state(const struct snapshot *snap,
		    uint32_t i);

/*
 * True when backend slot <i> holds a backend (not a spare, nor one
 * removed at runtime): the outputs show those only.
 */
bool		 snapshot_backend_is_shown(const struct snapshot *snap,
		    uint32_t i);

/* How many backends pool <p> has now (configured and added). */
uint32_t	 snapshot_pool_backends(const struct snapshot *snap,
		    const struct shm_pool *p);

/* "roundrobin", ... for the enum balance value stored in a pool. */
const char	*snapshot_balance_name(uint32_t balance);

/* "fail" or "panic" for the enum when_all_down value stored in a pool. */
const char	*snapshot_when_all_down_name(uint32_t when_all_down);

/* "up", or with no backend enabled and up, "down" (503) or "panic". */
const char	*snapshot_pool_state(const struct snapshot *snap,
		    const struct shm_pool *p);

/* Requests in flight to backend <b>: every worker's held count added. */
uint64_t	 snapshot_backend_active(const struct snapshot *snap, uint32_t b);

/* Client sessions whose last request went to backend <b> (kept by a
   draining backend), all workers together. */
uint64_t	 snapshot_backend_kept(const struct snapshot *snap, uint32_t b);

/* Client connections open on service <svc>, all workers together. */
uint64_t	 snapshot_service_active(const struct snapshot *snap,
		    uint32_t svc);

/* Upgrade tunnels open on service <svc>, all workers together. */
uint64_t	 snapshot_service_tunnels(const struct snapshot *snap,
		    uint32_t svc);

/* Seconds from the master's start to when <snap> was taken. */
int64_t		 snapshot_uptime(const struct snapshot *snap);

/*
 * Seconds from <then> to when <snap> was taken; 0 when <then> is not in
 * the past (or is 0, "never").  Safe for any value read from a segment.
 */
int64_t		 snapshot_seconds_since(const struct snapshot *snap,
		    int64_t then);

#endif
