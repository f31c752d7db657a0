/*
 * Backend sockets.  Idle keep-alive connections are parked per backend in
 * LIFO order (the warmest first) and watched for EOF so that one the
 * backend closed is dropped as soon as the loop hears of it; a last
 * MSG_PEEK before reuse catches the ones whose EOF is still in flight.
 */
#include "worker/upstream.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"

int
upstream_connect(const struct addr *a, int *done)
{
	int	fd, one = 1, saved;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* Heads and small bodies must not wait for Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0) {
		*done = 1;
		return fd;
	}
	if (errno == EINPROGRESS) {
		*done = 0;
		return fd;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void
unlink_idle(struct worker *w, struct idle_conn *ic)
{
	struct backend_rt	*b = &w->backends[ic->backend];

	if (ic->prev != NULL)
		ic->prev->next = ic->next;
	else
		b->idle = ic->next;
	if (ic->next != NULL)
		ic->next->prev = ic->prev;
	b->nidle--;
	timer_cancel(&w->timers, &ic->timer);
	ic->next = w->free_idles;
	ic->prev = NULL;
	w->free_idles = ic;
}

static void
discard(struct worker *w, struct idle_conn *ic)
{
	/* close() also removes the fd from the epoll set. */
	close(ic->fd);
	ic->fd = -1;
	unlink_idle(w, ic);
}

/* True when the backend has not closed or sent anything since parking. */
static bool
still_open(int fd)
{
	char	c;
	ssize_t	n;

	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

int
upstream_take_idle(struct worker *w, uint32_t backend)
{
	struct backend_rt	*b = &w->backends[backend];
	struct idle_conn	*ic;
	int			 fd;

	while ((ic = b->idle) != NULL) {
		if (!still_open(ic->fd)) {
			discard(w, ic);
			continue;
		}
		fd = ic->fd;
		ic->fd = -1;
		unlink_idle(w, ic);
		/* The caller registers it again with its own cookie. */
		(void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
		return fd;
	}
	return -1;
}

static void
idle_expired(struct timer *t)
{
	struct idle_conn	*ic = (struct idle_conn *)((char *)t -
	    offsetof(struct idle_conn, timer));

	discard(ic->w, ic);
}

void
upstream_put_idle(struct worker *w, uint32_t backend, int fd)
{
	struct backend_rt	*b = &w->backends[backend];
	struct idle_conn	*ic = w->free_idles;

	if (ic == NULL || b->nidle >= b->pool->max_idle ||
	    w->is_draining) {
		close(fd);
		return;
	}
	w->free_idles = ic->next;
	ic->ev.kind = EV_IDLE;
	ic->w = w;
	ic->fd = fd;
	ic->backend = backend;
	timer_init(&ic->timer, idle_expired);
	if (worker_watch(w, fd, EPOLLIN | EPOLLRDHUP, &ic->ev) == -1 ||
	    timer_arm(&w->timers, &ic->timer,
	    clock_now_ms() + UPSTREAM_IDLE_MS) == -1) {
		close(fd);
		ic->next = w->free_idles;
		w->free_idles = ic;
		return;
	}
	ic->prev = NULL;
	ic->next = b->idle;
	if (b->idle != NULL)
		b->idle->prev = ic;
	b->idle = ic;
	b->nidle++;
}

void
upstream_idle_event(struct idle_conn *ic)
{
	/* An idle backend connection says something only when it closes. */
	if (ic->fd != -1)
		discard(ic->w, ic);
}

void
upstream_close_all(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nbackends; i++)
		while (w->backends[i].idle != NULL)
			discard(w, w->backends[i].idle);
}
