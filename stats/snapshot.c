/*
 * Copies the shared segment into private memory so weirctl (or a stats
 * request) reads it once and never holds the workers' cache lines while
 * formatting.  Counters are independent atomics, so a plain copy is as
 * consistent as any reader can get; only a generation change mid-copy is
 * worth retrying.  A backend's last health check is several fields the
 * checker rewrites together, so they are copied again under its seqlock.
 * The copy is validated whole before anything reads through it: any
 * process that can write the segment or its directory could have crafted
 * it.
 */
#include "stats/snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
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

/* True when <s> is NUL-terminated within its <len> bytes. */
static bool
is_terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

/*
 * True when <s> is NUL-terminated within its <len> bytes and printable
 * ASCII before that: names and addresses come from the configuration,
 * which allows no other bytes, and they reach terminals, JSON strings and
 * Prometheus labels.
 */
static bool
is_name(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && s[i] != '\0'; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return i < len;
}

static int
corrupt(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
corrupt(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(why, whylen, "corrupt segment: ");
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < whylen)
		vsnprintf(why + n, whylen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
check_pools(const struct shm_header *h, const struct shm_pool *pools,
    char *why, size_t whylen)
{
	uint32_t	i;

	for (i = 0; i < h->npools; i++) {
		if (!is_name(pools[i].name, sizeof(pools[i].name)))
			return corrupt(why, whylen, "pool %" PRIu32 " name is "
			    "not a terminated printable string", i);
		if (strcmp(snapshot_balance_name(pools[i].balance),
		    "unknown") == 0)
			return corrupt(why, whylen, "pool %" PRIu32 " balance "
			    "%" PRIu32 " is no algorithm this weirctl knows",
			    i, pools[i].balance);
	}
	return 0;
}

/*
 * Each backend names an existing pool whose range holds it, so every view
 * (by pool, or flat with a pool label) shows the same backends.
 */
static int
check_backends(const struct shm_header *h, const struct shm_pool *pools,
    const struct shm_backend *backends, char *why, size_t whylen)
{
	const struct shm_backend	*b;
	const struct shm_pool		*p;
	uint32_t			 i;

	for (i = 0; i < h->nbackends; i++) {
		b = &backends[i];
		if (b->pool >= h->npools)
			return corrupt(why, whylen, "backend %" PRIu32 " names "
			    "pool %" PRIu32 " of %" PRIu32, i, b->pool,
			    h->npools);
		p = &pools[b->pool];
		if (i < p->first_backend || i - p->first_backend >=
		    p->nslots)
			return corrupt(why, whylen, "backend %" PRIu32 " is "
			    "not among the backends of pool %" PRIu32, i,
			    b->pool);
		if (b->slot_state > SHM_SLOT_REMOVED)
			return corrupt(why, whylen, "backend %" PRIu32 " slot "
			    "state %" PRIu32 " (expected 0 to %d)", i,
			    b->slot_state, SHM_SLOT_REMOVED);
		if (!is_name(b->address, sizeof(b->address)))
			return corrupt(why, whylen, "backend %" PRIu32
			    " address is not a terminated printable string",
			    i);
		if (b->admin_state > SHM_ADMIN_DRAINING)
			return corrupt(why, whylen, "backend %" PRIu32 " admin "
			    "state %" PRIu32 " (expected 0 to %d)", i,
			    b->admin_state, SHM_ADMIN_DRAINING);
		if (b->health_state > SHM_HEALTH_DOWN)
			return corrupt(why, whylen, "backend %" PRIu32 " health "
			    "state %" PRIu32 " (expected 0 to %d)", i,
			    b->health_state, SHM_HEALTH_DOWN);
	}
	return 0;
}

static int
check_services(const struct shm_header *h,
    const struct shm_service *services, char *why, size_t whylen)
{
	const struct shm_service	*sv;
	uint32_t			 i, j;

	for (i = 0; i < h->nservices; i++) {
		sv = &services[i];
		if (!is_name(sv->name, sizeof(sv->name)))
			return corrupt(why, whylen, "service %" PRIu32 " name "
			    "is not a terminated printable string", i);
		if (sv->nlisten > SHM_MAX_LISTEN)
			return corrupt(why, whylen, "service %" PRIu32 " has %"
			    PRIu32 " listen addresses, at most %d", i,
			    sv->nlisten, SHM_MAX_LISTEN);
		for (j = 0; j < sv->nlisten; j++)
			if (!is_name(sv->listen[j], sizeof(sv->listen[j])))
				return corrupt(why, whylen, "service %" PRIu32
				    " listen address %" PRIu32 " is not a "
				    "terminated printable string", i, j);
	}
	return 0;
}

/*
 * Checks everything weirctl reads from the segment bytes <seg>[0..<size>)
 * (8-byte aligned) before any of it is used: what shm_check() checks, then
 * every backend's pool index and state values, the names' termination and
 * bytes, each service's listen count, and the header's strings.  Returns
 * 0, or -1 with a one-line reason in <why> (<whylen> bytes) that starts
 * with "corrupt segment: " (or says why the file is no segment at all).
 */
int
snapshot_validate(const void *seg, size_t size, char *why, size_t whylen)
{
	const char		*base = seg;
	const struct shm_header	*h = seg;

	if (shm_check(seg, size, why, whylen) == -1)
		return -1;
	if (!is_terminated(h->config_path, sizeof(h->config_path)))
		return corrupt(why, whylen, "config_path is not terminated");
	if (!is_terminated(h->reload_error, sizeof(h->reload_error)))
		return corrupt(why, whylen, "reload_error is not terminated");
	if (!is_terminated(h->reload_note, sizeof(h->reload_note)))
		return corrupt(why, whylen, "reload_note is not terminated");
	if (check_pools(h, (const struct shm_pool *)(base + h->pools_off),
	    why, whylen) == -1 ||
	    check_backends(h, (const struct shm_pool *)(base + h->pools_off),
	    (const struct shm_backend *)(base + h->backends_off), why,
	    whylen) == -1 ||
	    check_services(h, (const struct shm_service *)(base +
	    h->services_off), why, whylen) == -1)
		return -1;
	return 0;
}

/*
 * Validates the segment bytes <copy> (<size> bytes from malloc) and, when
 * they pass, makes <snap> own them and point into them, stamped with the
 * time now.  <path> is the file they came from, for messages.  Returns 0,
 * or -1 with "<path>: <why>" in <err> (<errlen> bytes); <snap> then owns
 * nothing and <copy> is the caller's to free.
 */
int
snapshot_adopt(struct snapshot *snap, void *copy, size_t size,
    const char *path, char *err, size_t errlen)
{
	struct timespec	 ts;
	char		 why[256];
	char		*base = copy;

	memset(snap, 0, sizeof(*snap));
	snprintf(snap->path, sizeof(snap->path), "%s", path);
	if (snapshot_validate(copy, size, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	snap->copy = copy;
	snap->size = size;
	snap->hdr = copy;
	snap->workers = (const struct shm_worker *)
	    (base + snap->hdr->workers_off);
	snap->pools = (const struct shm_pool *)(base + snap->hdr->pools_off);
	snap->backends = (const struct shm_backend *)
	    (base + snap->hdr->backends_off);
	snap->services = (const struct shm_service *)
	    (base + snap->hdr->services_off);
	/* snapshot_validate() checked the held section (shm_check). */
	snap->held = (const uint64_t *)(base + snap->hdr->held_off);
	snap->now_unix = (int64_t)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snap->mono_ms = (uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000;
	snap->is_master_alive = snapshot_pid_alive(snap->hdr->master_pid);
	return 0;
}

/*
 * True when no pool's slots changed while <copy> was taken from <live>:
 * each pool's generation in the copy is even and still the live one.  The
 * pool table lies where the live header says, which shm_attach() checked;
 * the copy is of the same size.
 */
static bool
pools_settled(const struct shm *live, const void *copy)
{
	const struct shm_pool	*cp = (const struct shm_pool *)
	    ((const char *)copy + live->hdr->pools_off);
	uint64_t		 g;
	uint32_t		 i, n = shm_load(&live->hdr->npools);

	for (i = 0; i < n; i++) {
		g = cp[i].generation;
		if ((g & 1) != 0 || shm_load(&live->pools[i].generation) != g)
			return false;
	}
	return true;
}

/*
 * Copies the mapped segment <s> into <snap> (which the caller frees with
 * snapshot_free()), validates the copy, then copies each backend's last
 * check again under its seqlock.  <path> names the segment in messages.
 * Returns 0, or -1 with errno ENOMEM, or EINVAL and "<path>: <why>" in
 * <err> (<errlen> bytes) when the copy is refused.
 */
int
snapshot_copy(struct snapshot *snap, const struct shm *s, const char *path,
    char *err, size_t errlen)
{
	struct shm_backend *b;
	void		*copy;
	uint64_t	 before, after;
	uint32_t	 i;
	int		 tries;

	memset(snap, 0, sizeof(*snap));
	snprintf(snap->path, sizeof(snap->path), "%s", path);
	if ((copy = malloc(s->size)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		errno = ENOMEM;
		return -1;
	}
	for (tries = 0; tries < SNAPSHOT_TRIES; tries++) {
		before = shm_load(&s->hdr->generation);
		memcpy(copy, s->base, s->size);
		after = shm_load(&s->hdr->generation);
		if (before == after && pools_settled(s, copy))
			break;
	}
	/* The copy, not the mapping, is checked: a writer of the mapping
	   may change it after attach, never the copy. */
	if (snapshot_adopt(snap, copy, s->size, path, err, errlen) == -1) {
		free(copy);
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = (struct shm_backend *)((char *)snap->copy +
		    snap->hdr->backends_off) + i;
		copy_check(b, (const struct shm_backend *)((const char *)s->base
		    + snap->hdr->backends_off) + i);
	}
	return 0;
}

/*
 * Maps the segment at <path>, copies it into <snap> (which the caller frees
 * with snapshot_free()), validates the copy and unmaps.  Returns 0, or -1
 * with a message in <err> (<errlen> bytes) for "weirctl: " to precede and
 * errno EINVAL (no segment of this layout, or a corrupt one), ENOMEM, or
 * what open(2) said (no file to read: no running weir).  A dead master is
 * not an error here: <snap>->is_master_alive says so and the caller
 * decides.
 */
int
snapshot_take(struct snapshot *snap, const char *path, char *err,
    size_t errlen)
{
	struct shm	 s;
	char		 why[4352];
	int		 rv, saved;

	memset(snap, 0, sizeof(*snap));
	snprintf(snap->path, sizeof(snap->path), "%s", path);
	if (shm_attach(&s, path, why, sizeof(why)) == -1) {
		/* No file is no running weir; a file that is no segment, or
		   a corrupt one, is worth its own words. */
		saved = errno;
		snprintf(err, errlen, "%s%s", saved == EINVAL ? "" :
		    "no running weir: ", why);
		errno = saved;
		return -1;
	}
	rv = snapshot_copy(snap, &s, path, err, errlen);
	saved = errno;
	shm_detach(&s);
	errno = saved;
	return rv;
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
 * The state word for backend <i>: what the operator asked for wins over
 * what the health checker saw, so a disabled backend reads "disabled" even
 * if down.  A draining backend reads "drained" once no worker counts a
 * request in flight to it or a client session kept on it.
 */
const char *
snapshot_backend_state(const struct snapshot *snap, uint32_t i)
{
	const struct shm_backend	*b = &snap->backends[i];

	switch (b->admin_state) {
	case SHM_ADMIN_DISABLED:
		return "disabled";
	case SHM_ADMIN_DRAINING:
		return snapshot_backend_active(snap, i) +
		    snapshot_backend_kept(snap, i) == 0 ? "drained" :
		    "draining";
	default:
		break;
	}
	return b->health_state == SHM_HEALTH_DOWN ? "down" : "up";
}

bool
snapshot_backend_is_shown(const struct snapshot *snap, uint32_t i)
{
	return snap->backends[i].slot_state == SHM_SLOT_LIVE;
}

uint32_t
snapshot_pool_backends(const struct snapshot *snap, const struct shm_pool *p)
{
	uint32_t	j, n = 0;

	for (j = 0; j < p->nslots; j++)
		n += snapshot_backend_is_shown(snap, p->first_backend + j);
	return n;
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
	if (!shm_none_usable(&snap->backends[p->first_backend], p->nslots))
		return "up";
	return p->when_all_down == WHEN_ALL_DOWN_PANIC ? "panic" : "down";
}

uint64_t
snapshot_backend_active(const struct snapshot *snap, uint32_t b)
{
	return shm_held_sum(snap->hdr, snap->held, b);
}

uint64_t
snapshot_backend_kept(const struct snapshot *snap, uint32_t b)
{
	return shm_held_sum(snap->hdr, snap->held,
	    shm_held_pin_column(snap->hdr, b));
}

uint64_t
snapshot_service_active(const struct snapshot *snap, uint32_t svc)
{
	return shm_held_sum(snap->hdr, snap->held,
	    (uint64_t)snap->hdr->nbackends + svc);
}

uint64_t
snapshot_service_tunnels(const struct snapshot *snap, uint32_t svc)
{
	return shm_held_sum(snap->hdr, snap->held,
	    shm_held_tunnels_column(snap->hdr, svc));
}

/*
 * Seconds from <then> (Unix time, from the segment) to when <snap> was
 * taken; 0 for a time not in the past, which a segment from another clock
 * or a crafted one may hold.  Never overflows.
 */
int64_t
snapshot_seconds_since(const struct snapshot *snap, int64_t then)
{
	if (then <= 0 || then >= snap->now_unix)
		return 0;
	return snap->now_unix - then;
}

/* Seconds the master has been up at the time of <snap>, never negative. */
int64_t
snapshot_uptime(const struct snapshot *snap)
{
	return snapshot_seconds_since(snap, snap->hdr->started_unix);
}
