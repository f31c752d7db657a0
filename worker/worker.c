/*
 * worker_main(): the epoll loop.  Listening sockets are shared with every
 * other worker and registered with EPOLLEXCLUSIVE, so a new connection
 * wakes one worker instead of all of them.  Signals arrive through a
 * signalfd so that they are just another event: TERM leaves at once, QUIT
 * stops accepting and leaves when the last request is done, USR1 reopens
 * the logs.
 */
#include "worker/worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "common/signals.h"
#include "worker/balance.h"
#include "worker/conn.h"
#include "worker/static.h"
#include "worker/upstream.h"

#define MAX_EVENTS	256
/* Connections taken per wake-up of a listener, so one busy listener does
   not starve the connections already open. */
#define ACCEPT_BATCH	32
/* How often requests queued for a backend slot look for one. */
#define QUEUE_POLL_MS	10
/* After EMFILE/ENFILE, how long accepting pauses. */
#define ACCEPT_PAUSE_MS	100

int
worker_watch(struct worker *w, int fd, uint32_t events, struct ev *ev)
{
	struct epoll_event	ee;

	memset(&ee, 0, sizeof(ee));
	ee.events = events;
	ee.data.ptr = ev;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ee) == -1) {
		log_error("epoll_ctl(ADD, fd %d): %s", fd, strerror(errno));
		return -1;
	}
	return 0;
}

uint32_t
worker_rand(struct worker *w)
{
	uint32_t	x = w->rand_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	w->rand_state = x;
	return x;
}

static void
pause_listeners(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nlisteners; i++)
		if (!w->listeners[i].is_paused) {
			(void)epoll_ctl(w->epfd, EPOLL_CTL_DEL,
			    w->listeners[i].fd, NULL);
			w->listeners[i].is_paused = true;
		}
}

static void
resume_listeners(struct timer *t)
{
	struct worker	*w = (struct worker *)((char *)t -
	    offsetof(struct worker, resume_accept));
	size_t		 i;

	if (w->is_draining)
		return;
	for (i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].is_paused &&
		    worker_watch(w, w->listeners[i].fd,
		    EPOLLIN | EPOLLEXCLUSIVE, &w->listeners[i].ev) == 0)
			w->listeners[i].is_paused = false;
}

/*
 * EPOLLEXCLUSIVE wakes one waiter, but the kernel favours the same one, so
 * under load a single worker would take most connections.  A worker
 * holding clearly more than its share of the active connections (from the
 * shm, where every worker publishes its count) steps out of the accept
 * queue until it is back to its share.  The least loaded worker never
 * steps out, so someone always accepts.
 */
static bool
over_share(const struct worker *w)
{
	const struct shm_worker	*sw = w->shm->workers;
	uint64_t		 total = 0, mine, fair;
	unsigned		 i, n = w->shm->hdr->nworkers, alive = 0;

	if (n < 2)
		return false;
	for (i = 0; i < n; i++)
		if (shm_load(&sw[i].pid) != 0) {
			total += shm_load(&sw[i].active);
			alive++;
		}
	if (alive < 2)
		return false;
	mine = shm_load(&sw[w->id].active);
	fair = total / alive;
	return mine > fair + 2 + fair / 8;
}

static void
balance_accept(struct worker *w)
{
	bool	over;

	if (w->is_draining || timer_is_armed(&w->resume_accept))
		return;
	over = over_share(w);
	if (over && !w->is_accept_yielding) {
		pause_listeners(w);
		w->is_accept_yielding = true;
	} else if (!over && w->is_accept_yielding) {
		w->is_accept_yielding = false;
		resume_listeners(&w->resume_accept);
	}
}

static void
accept_some(struct worker *w, struct listener *l)
{
	struct sockaddr_storage	peer;
	socklen_t		len;
	int			fd, i;

	for (i = 0; i < ACCEPT_BATCH && !w->is_draining; i++) {
		len = sizeof(peer);
		fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("service %s: accept: %s; pausing "
				    "%d ms (raise the fd limit)",
				    l->svc->name, strerror(errno),
				    ACCEPT_PAUSE_MS);
				pause_listeners(w);
				(void)timer_arm(&w->timers, &w->resume_accept,
				    clock_now_ms() + ACCEPT_PAUSE_MS);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("service %s: accept: %s",
				    l->svc->name, strerror(errno));
			return;
		}
		conn_accept(w, fd, (struct sockaddr *)&peer, len, l->svc);
		if (over_share(w))
			break;
	}
}

static void
start_draining(struct worker *w)
{
	size_t	i;

	if (w->is_draining)
		return;
	log_info("graceful stop: %zu connection(s) to finish",
	    w->nactive);
	w->is_draining = true;
	pause_listeners(w);
	/* The master keeps the listening sockets; ours can go. */
	for (i = 0; i < w->nlisteners; i++) {
		close(w->listeners[i].fd);
		w->listeners[i].fd = -1;
	}
	upstream_close_idle(w);
	conn_drain_idle(w);
}

static void
on_signal(struct worker *w)
{
	struct signalfd_siginfo	si;

	while (read(w->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			w->is_stopping = true;
			break;
		case SIGQUIT:
			start_draining(w);
			break;
		case SIGUSR1:
			(void)log_reopen();
			accesslog_reopen(&w->access);
			break;
		default:
			break;
		}
	}
}

static void
dispatch(struct worker *w, struct epoll_event *e)
{
	struct ev	*ev = e->data.ptr;

	switch (ev->kind) {
	case EV_LISTENER:
		accept_some(w, (struct listener *)ev);
		break;
	case EV_CLIENT:
		conn_event((struct conn *)((char *)ev -
		    offsetof(struct conn, cev)), false, e->events);
		break;
	case EV_BACKEND:
		upstream_event((struct bconn *)ev, e->events);
		break;
	case EV_SIGNAL:
		on_signal(w);
		break;
	}
}

static int
setup(struct worker *w, const struct listen_fd *fds, size_t nfds)
{
	const struct config	*cfg = w->cfg;
	size_t			 i, j, k;

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd == -1) {
		log_error("epoll_create1: %s", strerror(errno));
		return -1;
	}
	if ((w->sigfd = signals_child_fd()) == -1)
		return -1;
	w->sig_ev.kind = EV_SIGNAL;
	if (worker_watch(w, w->sigfd, EPOLLIN, &w->sig_ev) == -1)
		return -1;
	if (timer_heap_init(&w->timers, 2 * (size_t)cfg->max_connections +
	    64) == -1 || conn_pool_init(w, cfg->max_connections) == -1 ||
	    balance_init(w) == -1)
		goto nomem;
	timer_init(&w->resume_accept, resume_listeners);

	w->nbackends = w->shm->hdr->nbackends;
	w->backends = calloc(w->nbackends, sizeof(*w->backends));
	w->listeners = calloc(nfds, sizeof(*w->listeners));
	/* One in use per connection at most, and as many parked idle. */
	if (w->backends == NULL || w->listeners == NULL ||
	    upstream_init(w, 2 * (size_t)cfg->max_connections) == -1)
		goto nomem;
	for (i = 0, k = 0; i < cfg->npools; i++)
		for (j = 0; j < cfg->pools[i].nbackends; j++, k++) {
			w->backends[k].conf = &cfg->pools[i].backends[j];
			w->backends[k].pool = &cfg->pools[i];
		}
	for (i = 0; i < nfds; i++) {
		struct listener *l = &w->listeners[i];

		l->ev.kind = EV_LISTENER;
		l->fd = fds[i].fd;
		l->svc = &cfg->services[fds[i].service];
		if (worker_watch(w, l->fd, EPOLLIN | EPOLLEXCLUSIVE,
		    &l->ev) == -1)
			return -1;
	}
	w->nlisteners = nfds;
	w->rand_state = (uint32_t)getpid() ^ (uint32_t)time(NULL) ^
	    0x9e3779b9u;
	if (w->rand_state == 0)
		w->rand_state = 1;
	return 0;
nomem:
	log_error("out of memory for %u connections; lower max_connections",
	    cfg->max_connections);
	return -1;
}

static void
teardown(struct worker *w)
{
	size_t	i;

	conn_close_all(w);
	conn_release_closed(w);
	upstream_close_idle(w);
	upstream_free(w);
	accesslog_close(&w->access);
	for (i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].fd != -1)
			close(w->listeners[i].fd);
	conn_pool_free(w);
	static_flush_cache();
	balance_free(w);
	timer_heap_free(&w->timers);
	free(w->backends);
	free(w->listeners);
	if (w->sigfd != -1)
		close(w->sigfd);
	if (w->epfd != -1)
		close(w->epfd);
}

int
worker_main(const struct config *cfg, struct shm *shm,
    const struct tls_set *tls, unsigned id, const struct listen_fd *fds,
    size_t nfds)
{
	struct worker		w;
	struct epoll_event	events[MAX_EVENTS];
	int			n, i, rv = 0, timeout;

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.shm = shm;
	w.tls = tls;
	w.id = id;
	w.epfd = w.sigfd = -1;
	w.access.fd = -1;
	clock_update();
	if (setup(&w, fds, nfds) == -1 ||
	    accesslog_open(&w.access, cfg->access_log,
	    cfg->access_log_format == ACCESS_FORMAT_COMBINED) == -1) {
		teardown(&w);
		return 1;
	}
	log_debug("serving %zu listener(s), %u connection slots", nfds,
	    cfg->max_connections);
	while (!w.is_stopping && !(w.is_draining && w.nactive == 0)) {
		timeout = timer_next_ms(&w.timers, clock_now_ms());
		/* Queued requests wait for a slot that may free in another
		   worker, which sends us no event: look again soon. */
		if (w.nqueued > 0 && (timeout == -1 || timeout > QUEUE_POLL_MS))
			timeout = QUEUE_POLL_MS;
		n = epoll_wait(w.epfd, events, MAX_EVENTS, timeout);
		if (n == -1 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			rv = 1;
			break;
		}
		clock_update();
		for (i = 0; i < n; i++)
			dispatch(&w, &events[i]);
		timer_run(&w.timers, clock_now_ms());
		if (w.nqueued > 0)
			conn_dispatch_queued(&w);
		conn_release_closed(&w);
		accesslog_flush(&w.access);
		balance_accept(&w);
	}
	if (w.is_draining && w.nactive == 0)
		log_info("graceful stop: done");
	teardown(&w);
	return rv;
}
