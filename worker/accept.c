/*
 * Taking new connections from the listening sockets all workers share, and
 * spreading them evenly.  Every worker waits on every listener for as long
 * as it serves; balancing only changes who is woken first and who takes
 * what is queued, so a connection never waits for a worker to come back.
 * Out of file descriptors, a worker steps out for a moment and says so.
 *
 * Why it works this way:
 *
 * - EPOLLEXCLUSIVE wakes one worker per new connection: the first in the
 *   listener's wait queue that is asleep in epoll_wait; a busy worker is
 *   passed over (its epoll just marks the listener ready).  Workers sit in
 *   that queue in registration order, so an idle first worker would take
 *   nearly everything (82/18 with two workers and 50 wrk connections).
 *
 * - A worker holding more connections than the least loaded accepting
 *   worker (every worker publishes its counts in the segment) does not
 *   take queued connections: it wakes that worker through its eventfd
 *   ("hands over"), and once the queue is empty it registers its
 *   listeners again, which moves it to the tail of the wait queue so the
 *   kernel wakes a less loaded worker first (nginx re-registers, every 16
 *   connections, for the same reason).
 *
 * - Leaving the wait queue would be wrong: the worker the kernel woke is
 *   the only one told about what is queued, so connections would sit
 *   there until the next one arrives (seconds, with idle clients).
 *
 * - Listeners are edge-triggered so that a worker that hands over is not
 *   woken again and again for the connections it left.  So each path
 *   that stops before the queue is empty has an owner for the rest: the
 *   batch limit continues next turn, a hand-over makes the told worker
 *   take at least one (the queue shrinks at every hand-over) and arms a
 *   check that takes them back if the told worker died before the master
 *   reaped it, a pause re-registers (which reports a non-empty queue).
 */
#include "worker/accept.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "worker/client.h"
#include "worker/context.h"
#include "worker/front_pick.h"

#define LISTEN_EVENTS	(EPOLLIN | EPOLLEXCLUSIVE | EPOLLET)
/* Connections taken per wake-up of a listener, so one busy listener does
   not starve the connections already open. */
#define ACCEPT_BATCH	32
/* After EMFILE/ENFILE, how long accepting pauses. */
#define ACCEPT_PAUSE_MS	100
/* How long a worker that handed over waits before it looks again. */
#define ACCEPT_CHECK_MS	20

enum accept_mode {
	ACCEPT_WOKEN = 0,	/* the listener was reported: balance */
	ACCEPT_TOLD,		/* another worker handed over: take one first */
	ACCEPT_LAST,		/* leaving: take what is queued, no balance */
};

static int	watch(struct worker *w, struct listener *l);

static void
set_accepting(struct worker *w, bool is_accepting)
{
	shm_store(&w->shm->workers[w->id].is_accepting,
	    (uint32_t)is_accepting);
}

static void
pause_listeners(struct worker *w)
{
	size_t	i;

	set_accepting(w, false);
	for (i = 0; i < w->nlisteners; i++)
		if (!w->listeners[i].is_paused) {
			loop_del(&w->loop, &w->listeners[i].io);
			w->listeners[i].is_paused = true;
		}
}

static void
pause_for(struct worker *w, uint64_t ms)
{
	pause_listeners(w);
	(void)loop_timer_arm_in(&w->loop, &w->resume_accept, ms);
}

static void
resume_listeners(struct timer *t)
{
	struct worker	*w = (struct worker *)((char *)t -
	    offsetof(struct worker, resume_accept));
	struct listener	*l;
	size_t		 i;

	if (w->is_draining)
		return;
	for (i = 0; i < w->nlisteners; i++) {
		l = &w->listeners[i];
		if (l->is_paused && watch(w, l) == 0)
			l->is_paused = false;
	}
	for (i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].is_paused) {
			pause_for(w, ACCEPT_PAUSE_MS);
			return;
		}
	set_accepting(w, true);
}

/*
 * Registers every listener of <w> again, at the tail of its wait queue.
 * Between the two calls every other worker still waits on it, and a
 * connection that arrives then is reported when the listener is added.
 */
static void
requeue_listeners(struct worker *w)
{
	struct listener	*l;
	size_t		 i;

	for (i = 0; i < w->nlisteners; i++) {
		l = &w->listeners[i];
		if (l->is_paused)
			continue;
		loop_del(&w->loop, &l->io);
		if (watch(w, l) == -1) {
			pause_for(w, ACCEPT_PAUSE_MS);
			return;
		}
	}
}

/*
 * The accepting worker other than <w> with the fewest connections (the
 * lowest slot on a tie), or -1; its count in <least>.
 */
static int
least_loaded(const struct worker *w, uint64_t *least)
{
	const struct shm_worker	*sw = w->shm->workers;
	unsigned		 i, n = w->shm->hdr->nworkers;
	uint64_t		 active;
	int			 best = -1;

	for (i = 0; i < n; i++) {
		if (i == w->id || shm_load(&sw[i].pid) == 0 ||
		    shm_load(&sw[i].is_accepting) == 0)
			continue;
		active = shm_load(&sw[i].active);
		if (best == -1 || active < *least) {
			best = (int)i;
			*least = active;
		}
	}
	return best;
}

/*
 * The worker <w> should leave new connections to, or -1 when <w> holds no
 * more than its share.  The margin grows slowly with the load so that a
 * busy worker does not hand over after every connection.
 */
static int
over_share(const struct worker *w)
{
	uint64_t	least = 0, mine;
	int		to;

	if ((to = least_loaded(w, &least)) == -1)
		return -1;
	mine = shm_load(&w->shm->workers[w->id].active);
	return mine > least + 1 + least / 64 ? to : -1;
}

/* Wakes worker <to> to take what is queued, and looks again later. */
static void
hand_over(struct worker *w, int to)
{
	uint64_t	one = 1;

	/* Only a counter at its 2^64 - 2 limit refuses; the check covers
	   that as it covers a worker that died. */
	if (write(w->pokes[to], &one, sizeof(one)) != sizeof(one))
		log_debug("hand over to worker %d: %s", to, strerror(errno));
	if (!timer_is_armed(&w->accept_check))
		(void)loop_timer_arm_in(&w->loop, &w->accept_check,
		    ACCEPT_CHECK_MS);
}

/* accept4 errors that belong to one connection, which is gone (accept(2)
   asks to retry after these). */
static bool
is_connection_error(int err)
{
	switch (err) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case EPERM:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return true;
	default:
		return false;
	}
}

/*
 * A service a management console disabled (Perlbal's DISABLE, which
 * closes the listener there): the socket stays bound, shared by every
 * worker, so each connection is taken and reset at once.  The client
 * sees it refused, as with Perlbal; connections already open finish.
 */
static bool
is_disabled(const struct worker *w, const struct listener *l)
{
	return l->svc->index < w->shm->layout.nservices &&
	    shm_load(&w->shm->services[l->svc->index].admin_state) ==
	    SHM_ADMIN_DISABLED;
}

static void
refuse(int fd)
{
	struct linger	rst = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
}

/*
 * Takes connections queued on <l> until none is left, ACCEPT_BATCH were
 * taken (then the next turn goes on), or <w> is over its share (then a
 * less loaded worker is told).  In ACCEPT_TOLD mode one is taken first.
 */
static void
accept_some(struct worker *w, struct listener *l, enum accept_mode mode)
{
	struct sockaddr_storage	peer;
	socklen_t		len;
	uint64_t		least;
	int			fd, i, to, taken = 0;

	l->has_more = false;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (l->is_paused || (w->is_draining && mode != ACCEPT_LAST))
			return;
		if (mode != ACCEPT_LAST && (taken > 0 ||
		    mode == ACCEPT_WOKEN) && (to = over_share(w)) != -1) {
			hand_over(w, to);
			return;
		}
		len = sizeof(peer);
		fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1 && is_disabled(w, l)) {
			refuse(fd);
			continue;
		}
		if (fd != -1) {
			client_accept(w, fd, (struct sockaddr *)&peer, len,
			    l->svc, front_pick);
			taken++;
			continue;
		}
		if (is_connection_error(errno))
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (mode == ACCEPT_WOKEN && over_share(w) != -1)
				requeue_listeners(w);
			return;
		}
		log_warn("service %s: accept: %s; pausing %d ms%s",
		    l->svc->name, strerror(errno), ACCEPT_PAUSE_MS,
		    errno == EMFILE || errno == ENFILE ?
		    " (raise the fd limit)" : "");
		pause_for(w, ACCEPT_PAUSE_MS);
		if ((to = least_loaded(w, &least)) != -1)
			hand_over(w, to);
		return;
	}
	if (mode != ACCEPT_LAST) {
		/* The rest next turn, after the connections already open
		   had theirs: a timer due at once keeps the loop awake. */
		l->has_more = true;
		if (!timer_is_armed(&w->accept_more))
			(void)loop_timer_arm_in(&w->loop, &w->accept_more, 0);
	}
}

/* Everything queued on every listener, taking one of each first. */
static void
accept_all_told(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nlisteners; i++)
		accept_some(w, &w->listeners[i], ACCEPT_TOLD);
}

static void
check_handed_over(struct timer *t)
{
	accept_all_told((struct worker *)((char *)t -
	    offsetof(struct worker, accept_check)));
}

static void
on_listener(struct loop_io *io, uint32_t events)
{
	struct listener	*l = (struct listener *)io;

	(void)events;
	accept_ready(l->w, l);
}

static void
on_poke(struct loop_io *io, uint32_t events)
{
	struct worker	*w = (struct worker *)((char *)io -
	    offsetof(struct worker, poke_io));

	(void)events;
	accept_told(w);
}

static void
continue_accepting(struct timer *t)
{
	accept_continue((struct worker *)((char *)t -
	    offsetof(struct worker, accept_more)));
}

static int
watch(struct worker *w, struct listener *l)
{
	return loop_add(&w->loop, &l->io, l->fd, LISTEN_EVENTS, on_listener);
}

int
accept_init(struct worker *w, const struct listen_fd *fds, size_t nfds,
    const int *pokes)
{
	size_t	i;

	timer_init(&w->resume_accept, resume_listeners);
	timer_init(&w->accept_check, check_handed_over);
	timer_init(&w->accept_more, continue_accepting);
	w->pokes = pokes;
	loop_io_init(&w->poke_io);
	if (loop_add(&w->loop, &w->poke_io, pokes[w->id], EPOLLIN,
	    on_poke) == -1)
		return -1;
	if ((w->listeners = calloc(nfds, sizeof(*w->listeners))) == NULL) {
		log_error("out of memory for %zu listeners", nfds);
		return -1;
	}
	for (i = 0; i < nfds; i++) {
		loop_io_init(&w->listeners[i].io);
		w->listeners[i].w = w;
		w->listeners[i].fd = fds[i].fd;
		w->listeners[i].svc = &w->cfg->services[fds[i].service];
	}
	w->nlisteners = nfds;
	for (i = 0; i < nfds; i++)
		if (watch(w, &w->listeners[i]) == -1)
			return -1;
	set_accepting(w, true);
	return 0;
}

void
accept_ready(struct worker *w, struct listener *l)
{
	accept_some(w, l, ACCEPT_WOKEN);
}

void
accept_told(struct worker *w)
{
	uint64_t	n;

	/* Clears the count: one pass takes what every teller left. */
	while (read(w->pokes[w->id], &n, sizeof(n)) == -1 && errno == EINTR)
		continue;
	accept_all_told(w);
}

void
accept_continue(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].has_more)
			accept_some(w, &w->listeners[i], ACCEPT_WOKEN);
}

void
accept_stop(struct worker *w)
{
	size_t	i;

	/* The kernel may have told only this worker about a connection
	   that arrived as it was woken: serve it rather than strand it. */
	for (i = 0; i < w->nlisteners; i++)
		accept_some(w, &w->listeners[i], ACCEPT_LAST);
	pause_listeners(w);
	loop_timer_cancel(&w->loop, &w->resume_accept);
	loop_timer_cancel(&w->loop, &w->accept_check);
	loop_timer_cancel(&w->loop, &w->accept_more);
	/* The master keeps the listening sockets; ours can go. */
	for (i = 0; i < w->nlisteners; i++) {
		if (w->listeners[i].fd != -1)
			close(w->listeners[i].fd);
		w->listeners[i].fd = -1;
		w->listeners[i].has_more = false;
	}
}

void
accept_free(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].fd != -1) {
			loop_del(&w->loop, &w->listeners[i].io);
			close(w->listeners[i].fd);
		}
	free(w->listeners);
	w->listeners = NULL;
	w->nlisteners = 0;
}
