/*
 * Copies the shared segment into private memory so weirctl reads it once
 * and never holds the workers' cache lines while formatting.  Counters are
 * independent atomics, so a plain copy is as consistent as any reader can
 * get; only a generation change mid-copy is worth retrying.  A backend's
 * last health check is several fields the checker rewrites together, so
 * they are copied again under its seqlock.
 */
#include "ctl/snapshot.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/shm.h"

/* A reload that keeps bumping the generation is not worth waiting for. */
#define SNAPSHOT_TRIES	5
/*
 * The checker holds check_seq odd for a few stores; a sequence odd for
 * this many tries belongs to a checker that died mid-write, and the plain
 * copy is kept.
 */
#define CHECK_TRIES	1000

/*
 * True when a process with <pid> exists.  EPERM means it exists but
 * belongs to someone else, which is the usual case for an unprivileged
 * weirctl looking at a root master.
 */
bool
snapshot_pid_alive(int64_t pid)
{
	if (pid <= 0 || (int64_t)(pid_t)pid != pid)
		return false;
	if (kill((pid_t)pid, 0) == 0)
		return true;
	return errno == EPERM;
}

/*
 * Copies the health-check fields of <src> (in the live segment) into <dst>
 * under the checker's seqlock: retried while the sequence is odd (a write
 * in progress) or changed during the copy.  The detail string is copied
 * byte by byte with relaxed loads, as the checker may be rewriting it.
 */
static void
copy_check(struct shm_backend *dst, const struct shm_backend *src)
{
	uint64_t	seq;
	size_t		i;
	int		tries;

	for (tries = 0; tries < CHECK_TRIES; tries++) {
		seq = __atomic_load_n(&src->check_seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			sched_yield();
			continue;
		}
		dst->check_at_unix = shm_load(&src->check_at_unix);
		dst->state_since_unix = shm_load(&src->state_since_unix);
		dst->check_ok = shm_load(&src->check_ok);
		dst->check_status = shm_load(&src->check_status);
		dst->check_duration_ms = shm_load(&src->check_duration_ms);
		dst->rise_count = shm_load(&src->rise_count);
		dst->fall_count = shm_load(&src->fall_count);
		for (i = 0; i < sizeof(dst->check_detail); i++)
			dst->check_detail[i] = shm_load(&src->check_detail[i]);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (shm_load(&src->check_seq) == seq)
			break;
	}
	dst->check_detail[sizeof(dst->check_detail) - 1] = '\0';
}

/*
 * Maps the segment at <path>, copies it into <snap> (which the caller frees
 * with snapshot_free()) and unmaps it.  Returns 0, or -1 with a message in
 * <err> (<errlen> bytes) that starts with <path>.  A dead master is not an
 * error here: <snap>->is_master_alive says so and the caller decides.
 */
int
snapshot_take(struct snapshot *snap, const char *path, char *err,
    size_t errlen)
{
	struct shm	 s;
	struct timespec	 ts;
	const struct shm_header *hdr;
	char		*base;
	uint64_t	 before, after;
	uint32_t	 i;
	int		 tries;

	memset(snap, 0, sizeof(*snap));
	snprintf(snap->path, sizeof(snap->path), "%s", path);
	if (shm_attach(&s, path, err, errlen) == -1)
		return -1;
	if ((snap->copy = malloc(s.size)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		shm_detach(&s);
		return -1;
	}
	for (tries = 0; tries < SNAPSHOT_TRIES; tries++) {
		before = shm_load(&s.hdr->generation);
		memcpy(snap->copy, s.base, s.size);
		after = shm_load(&s.hdr->generation);
		if (before == after)
			break;
	}
	base = snap->copy;
	hdr = (const struct shm_header *)base;
	/* The copy's counts, which a reload may have changed since attach. */
	if (hdr->backends_off <= s.size && hdr->nbackends <=
	    (s.size - hdr->backends_off) / sizeof(struct shm_backend))
		for (i = 0; i < hdr->nbackends; i++)
			copy_check((struct shm_backend *)(base +
			    hdr->backends_off) + i,
			    (const struct shm_backend *)((const char *)s.base +
			    hdr->backends_off) + i);
	snap->size = s.size;
	shm_detach(&s);

	snap->hdr = hdr;
	snap->workers = (const struct shm_worker *)
	    (base + snap->hdr->workers_off);
	snap->pools = (const struct shm_pool *)(base + snap->hdr->pools_off);
	snap->backends = (const struct shm_backend *)
	    (base + snap->hdr->backends_off);
	snap->services = (const struct shm_service *)
	    (base + snap->hdr->services_off);
	snap->held = shm_held_fits(hdr, snap->size) ?
	    (const uint64_t *)(base + hdr->held_off) : NULL;
	snap->now_unix = (int64_t)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snap->mono_ms = (uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000;
	snap->is_master_alive = snapshot_pid_alive(snap->hdr->master_pid);
	return 0;
}

/* Frees the copy held by <snap>.  Harmless twice. */
void
snapshot_free(struct snapshot *snap)
{
	free(snap->copy);
	snap->copy = NULL;
	snap->hdr = NULL;
}

/*
 * The state word for <b>: what the operator asked for wins over what the
 * health checker saw, so a disabled backend reads "disabled" even if down.
 */
const char *
snapshot_backend_state(const struct shm_backend *b)
{
	switch (b->admin_state) {
	case SHM_ADMIN_DISABLED:
		return "disabled";
	case SHM_ADMIN_DRAINING:
		return "draining";
	default:
		break;
	}
	return b->health_state == SHM_HEALTH_DOWN ? "down" : "up";
}

/*
 * The configuration name of balance algorithm <balance>.  A local table,
 * not balance_name(): weirctl does not link the configuration loader.
 */
const char *
snapshot_balance_name(uint32_t balance)
{
	switch (balance) {
	case BALANCE_ROUNDROBIN:
		return "roundrobin";
	case BALANCE_RANDOM:
		return "random";
	case BALANCE_LEASTCONN:
		return "leastconn";
	case BALANCE_SOURCE:
		return "source";
	case BALANCE_URI:
		return "uri";
	default:
		return "unknown";
	}
}

/*
 * The configuration name of <when_all_down>, a pool's mode.  Local, like
 * snapshot_balance_name().
 */
const char *
snapshot_when_all_down_name(uint32_t when_all_down)
{
	return when_all_down == WHEN_ALL_DOWN_PANIC ? "panic" : "fail";
}

/*
 * The state word for pool <p>: "up" while some backend is enabled and up;
 * otherwise what the workers do, "down" (503) or "panic" (every enabled
 * backend).
 */
const char *
snapshot_pool_state(const struct snapshot *snap, const struct shm_pool *p)
{
	if (!shm_none_usable(&snap->backends[p->first_backend], p->nbackends))
		return "up";
	return p->when_all_down == WHEN_ALL_DOWN_PANIC ? "panic" : "down";
}

uint64_t
snapshot_backend_active(const struct snapshot *snap, uint32_t b)
{
	return shm_held_sum(snap->hdr, snap->held, b);
}

uint64_t
snapshot_service_active(const struct snapshot *snap, uint32_t svc)
{
	return shm_held_sum(snap->hdr, snap->held,
	    (uint64_t)snap->hdr->nbackends + svc);
}

/* Seconds the master has been up at the time of <snap>, never negative. */
int64_t
snapshot_uptime(const struct snapshot *snap)
{
	int64_t	up = snap->now_unix - snap->hdr->started_unix;

	return up > 0 ? up : 0;
}
