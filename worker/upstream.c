/*
 * Backend sockets.  Idle keep-alive connections are parked per backend in
 * LIFO order (the warmest first) and watched for EOF so that one the
 * backend closed is dropped as soon as the loop hears of it.
 */
#include "worker/upstream.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "worker/conn.h"
#include "tls/tls.h"

static void	idle_expired(struct timer *t);

int
upstream_init(struct worker *w, size_t n)
{
	size_t	i;

	w->bconns = calloc(n, sizeof(*w->bconns));
	if (w->bconns == NULL)
		return -1;
	w->nbconns = n;
	for (i = n; i > 0; i--) {
		struct bconn *bc = &w->bconns[i - 1];

		bc->ev.kind = EV_BACKEND;
		bc->w = w;
		bc->fd = -1;
		timer_init(&bc->timer, idle_expired);
		bc->next = w->free_bconns;
		w->free_bconns = bc;
	}
	return 0;
}

void
upstream_free(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nbconns; i++)
		if (w->bconns[i].fd != -1)
			close(w->bconns[i].fd);
	free(w->bconns);
	w->bconns = NULL;
	w->nbconns = 0;
}

/* Closes <bc>'s socket (which also leaves the epoll set) and frees it. */
static void
destroy(struct bconn *bc)
{
	struct worker	*w = bc->w;

	if (bc->ssl != NULL) {
		tls_conn_free(bc->ssl);
		bc->ssl = NULL;
	}
	close(bc->fd);
	bc->fd = -1;
	bc->owner = NULL;
	timer_cancel(&w->timers, &bc->timer);
	bc->prev = NULL;
	bc->next = w->free_bconns;
	w->free_bconns = bc;
}

static void
unlink_idle(struct bconn *bc)
{
	struct backend_rt	*b = &bc->w->backends[bc->backend];

	if (bc->prev != NULL)
		bc->prev->next = bc->next;
	else
		b->idle = bc->next;
	if (bc->next != NULL)
		bc->next->prev = bc->prev;
	bc->next = bc->prev = NULL;
	b->nidle--;
	timer_cancel(&bc->w->timers, &bc->timer);
}

struct bconn *
upstream_connect(struct worker *w, uint32_t backend, struct conn *owner,
    int *done)
{
	const struct addr	*a = &w->backends[backend].conf->addr;
	struct bconn		*bc = w->free_bconns;
	struct epoll_event	 ee;
	int			 fd, one = 1, saved;

	if (bc == NULL) {
		errno = EMFILE;
		return NULL;
	}
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return NULL;
	/* Heads and small bodies must not wait for Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		*done = 1;
	else if (errno == EINPROGRESS)
		*done = 0;
	else
		goto fail;
	memset(&ee, 0, sizeof(ee));
	/* Edge-triggered for life: the owner remembers readiness. */
	ee.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ee.data.ptr = &bc->ev;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ee) == -1)
		goto fail;
	w->free_bconns = bc->next;
	bc->next = bc->prev = NULL;
	bc->fd = fd;
	bc->backend = backend;
	bc->owner = owner;
	return bc;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
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

struct bconn *
upstream_take_idle(struct worker *w, uint32_t backend, struct conn *owner)
{
	struct bconn	*bc;

	/*
	 * No MSG_PEEK here: a connection the backend closed has been dropped
	 * on its EPOLLRDHUP, and the one whose FIN is still on the wire is
	 * what the fresh-connection retry of idempotent requests is for.  A
	 * peek per request would cost a system call to save almost nothing.
	 */
	if ((bc = w->backends[backend].idle) == NULL)
		return NULL;
	unlink_idle(bc);
	bc->owner = owner;
	return bc;
}

static void
idle_expired(struct timer *t)
{
	struct bconn	*bc = (struct bconn *)((char *)t -
	    offsetof(struct bconn, timer));

	unlink_idle(bc);
	destroy(bc);
}

void
upstream_release(struct bconn *bc, bool keep)
{
	struct worker		*w = bc->w;
	struct backend_rt	*b = &w->backends[bc->backend];

	bc->owner = NULL;
	if (!keep || b->nidle >= b->pool->max_idle || w->is_draining ||
	    w->is_stopping || timer_arm(&w->timers, &bc->timer,
	    clock_now_ms() + UPSTREAM_IDLE_MS) == -1) {
		destroy(bc);
		return;
	}
	bc->prev = NULL;
	bc->next = b->idle;
	if (b->idle != NULL)
		b->idle->prev = bc;
	b->idle = bc;
	b->nidle++;
}

void
upstream_event(struct bconn *bc, uint32_t events)
{
	if (bc->fd == -1)
		return;		/* closed earlier in this batch */
	if (bc->owner != NULL) {
		conn_event(bc->owner, true, events);
		return;
	}
	/* An idle backend connection says something only when it closes
	   (or misbehaves); a stale writable edge is no reason to drop it. */
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	    !still_open(bc->fd)) {
		unlink_idle(bc);
		destroy(bc);
	}
}

void
upstream_close_idle(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nbackends; i++)
		while (w->backends[i].idle != NULL) {
			struct bconn *bc = w->backends[i].idle;

			unlink_idle(bc);
			destroy(bc);
		}
}
