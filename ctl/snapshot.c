/*
 * Copies the shared segment into private memory so weirctl reads it once
 * and never holds the workers' cache lines while formatting.  The segment
 * has no seqlock: counters are independent atomics, so a plain copy is as
 * consistent as any reader can get; only a generation change mid-copy is
 * worth retrying.
 */
#include "ctl/snapshot.h"

#include <errno.h>
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
	const char	*base;
	uint64_t	 before, after;
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
	snap->size = s.size;
	shm_detach(&s);

	base = snap->copy;
	snap->hdr = (const struct shm_header *)base;
	snap->workers = (const struct shm_worker *)
	    (base + snap->hdr->workers_off);
	snap->pools = (const struct shm_pool *)(base + snap->hdr->pools_off);
	snap->backends = (const struct shm_backend *)
	    (base + snap->hdr->backends_off);
	snap->services = (const struct shm_service *)
	    (base + snap->hdr->services_off);
	snap->now_unix = (int64_t)time(NULL);
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

/* Seconds the master has been up at the time of <snap>, never negative. */
int64_t
snapshot_uptime(const struct snapshot *snap)
{
	int64_t	up = snap->now_unix - snap->hdr->started_unix;

	return up > 0 ? up : 0;
}
