/*
 * worker_main(): the epoll loop.  Listening sockets are shared with every
 * other worker; accept.c decides which worker takes a new connection.
 * Signals arrive through a signalfd so that they are just another event:
 * TERM leaves at once, QUIT stops accepting and leaves when the last
 * request is done, USR1 reopens the logs.
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
#include "worker/accept.h"
#include "worker/balance.h"
#include "worker/conn.h"
#include "worker/static.h"
#include "worker/upstream.h"

#define MAX_EVENTS	256
/* How often requests queued for a backend slot look for one. */
#define QUEUE_POLL_MS	10

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
start_draining(struct worker *w)
{
	if (w->is_draining)
		return;
	log_info("graceful stop: %zu connection(s) to finish",
	    w->nactive);
	w->is_draining = true;
	accept_stop(w);
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
		accept_ready(w, (struct listener *)ev);
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
	case EV_POKE:
		accept_told(w);
		break;
	}
}

static int
setup(struct worker *w, const int *pokes, const struct listen_fd *fds,
    size_t nfds)
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

	w->nbackends = w->shm->hdr->nbackends;
	w->held = shm_held_row(w->shm, w->id);
	w->backends = calloc(w->nbackends, sizeof(*w->backends));
	/* One in use per connection at most, and as many parked idle. */
	if (w->backends == NULL ||
	    upstream_init(w, 2 * (size_t)cfg->max_connections) == -1)
		goto nomem;
	for (i = 0, k = 0; i < cfg->npools; i++)
		for (j = 0; j < cfg->pools[i].nbackends; j++, k++) {
			w->backends[k].conf = &cfg->pools[i].backends[j];
			w->backends[k].pool = &cfg->pools[i];
		}
	if (accept_init(w, fds, nfds, pokes) == -1)
		return -1;
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
	conn_close_all(w);
	conn_release_closed(w);
	upstream_close_idle(w);
	upstream_free(w);
	accesslog_close(&w->access);
	accept_free(w);
	conn_pool_free(w);
	static_flush_cache();
	balance_free(w);
	timer_heap_free(&w->timers);
	free(w->backends);
	if (w->sigfd != -1)
		close(w->sigfd);
	if (w->epfd != -1)
		close(w->epfd);
}

int
worker_main(const struct config *cfg, struct shm *shm,
    const struct tls_set *tls, unsigned id, const int *pokes,
    const struct listen_fd *fds, size_t nfds)
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
	if (setup(&w, pokes, fds, nfds) == -1 ||
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
		if (w.is_accept_pending)
			timeout = 0;
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
		if (w.is_accept_pending)
			accept_continue(&w);
		if (w.nqueued > 0)
			conn_dispatch_queued(&w);
		conn_release_closed(&w);
		accesslog_flush(&w.access);
	}
	if (w.is_draining && w.nactive == 0)
		log_info("graceful stop: done");
	teardown(&w);
	return rv;
}
