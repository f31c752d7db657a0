/*
 * Client sessions: accept, TLS handshake, handing readiness and deadlines
 * to the front end, linger and close.  Slots come from an array sized by
 * max_connections but touched only as they are first used, and a closed
 * session's slot is released at the end of the loop turn, so an event
 * later in the same batch finds it closing rather than reused.
 *
 * Transitions (state, event -> state), the only ones client_next() allows:
 *   TLS    HANDSHAKE -> OPEN     handshake done (a TLS service)
 *   OPEN   LINGER    -> LINGER   the front end is done, input to drain
 *   TLS, OPEN, LINGER  CLOSE -> CLOSED
 *   OPEN   HAND_OVER -> CLOSED   the connection went to a tunnel
 *
 * Sessions and the tunnels they were handed to share max_connections: a
 * tunnel's connection is still one of the worker's.
 */
#include "worker/client.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "worker/front.h"
#include "worker/respond.h"
#include "tls/tls.h"
#include "worker/balance.h"
#include "worker/context.h"

/* How long a closing connection may keep sending us bytes we discard. */
#define LINGER_MS	2000

static const enum client_state	table[CLIENT_STATE_COUNT][CLIENT_EV_COUNT] = {
#define N CLIENT_STATE_COUNT
	/*                HANDSHAKE    LINGER         CLOSE
	                  HAND_OVER */
	[CLIENT_TLS] =    { CLIENT_OPEN, N,             CLIENT_CLOSED,
			    N },
	[CLIENT_OPEN] =   { N,           CLIENT_LINGER, CLIENT_CLOSED,
			    CLIENT_CLOSED },
	[CLIENT_LINGER] = { N,           N,             CLIENT_CLOSED,
			    N },
	[CLIENT_CLOSED] = { N,           N,             N,
			    N },
#undef N
};

static const char *const state_names[CLIENT_STATE_COUNT] = {
	[CLIENT_TLS] = "tls", [CLIENT_OPEN] = "open",
	[CLIENT_LINGER] = "linger", [CLIENT_CLOSED] = "closed",
};


void	(*client_trace)(enum client_state, enum client_event,
	    enum client_state);

static void	release_closed(struct loop_task *t);

enum client_state
client_next(enum client_state s, enum client_event ev)
{
	if ((unsigned)s >= CLIENT_STATE_COUNT ||
	    (unsigned)ev >= CLIENT_EV_COUNT)
		return CLIENT_STATE_COUNT;
	return table[s][ev];
}

const char *
client_state_name(enum client_state s)
{
	return (unsigned)s < CLIENT_STATE_COUNT ? state_names[s] : "?";
}

/* Moves <c> on <ev>; false (logged) when the table does not allow it. */
static bool
transition(struct client *c, enum client_event ev)
{
	enum client_state	to = client_next(c->state, ev);

	if (client_trace != NULL)
		client_trace(c->state, ev, to);
	if (to == CLIENT_STATE_COUNT) {
		log_error("client connection %d: state %s cannot take event "
		    "%d", c->s.fd, client_state_name(c->state), (int)ev);
		return false;
	}
	log_debug("client connection %d: %s -> %s", c->s.fd,
	    client_state_name(c->state), client_state_name(to));
	c->state = to;
	return true;
}

int
client_pool_init(struct worker *w, size_t n)
{
	/* Untouched until used: the zero pages calloc maps cost no memory
	   until a slot is first handed out (a worker with max_connections
	   60000 starts small). */
	w->clients = calloc(n, sizeof(*w->clients));
	if (w->clients == NULL)
		return -1;
	w->nclients = n;
	w->nclients_used = 0;
	w->free_clients = NULL;
	w->live = NULL;
	w->closing = NULL;
	w->release_task.run = release_closed;
	return 0;
}

void
client_pool_free(struct worker *w)
{
	free(w->clients);
	w->clients = NULL;
	w->nclients = w->nclients_used = 0;
}

static struct client *
slot_get(struct worker *w)
{
	struct client	*c;

	if ((c = w->free_clients) != NULL)
		w->free_clients = c->next;
	else if (w->nclients_used < w->nclients)
		c = &w->clients[w->nclients_used++];
	else
		return NULL;
	return c;
}

void
client_set_deadline(struct client *c, unsigned ms)
{
	c->deadline_ms = clock_now_ms() + ms;
	if (!timer_is_armed(&c->timer) ||
	    c->timer.deadline_ms > c->deadline_ms)
		(void)loop_timer_arm(&c->w->loop, &c->timer, c->deadline_ms);
}

int
client_take_in(struct client *c)
{
	return bufpool_get(&c->w->head_pool, &c->in);
}

int
client_take_out(struct client *c)
{
	return bufpool_get(&c->w->head_pool, &c->out);
}

void
client_count_in(struct client *c, size_t n)
{
	shm_add(&c->w->shm->services[c->svc->index].bytes_in, (uint64_t)n);
}

void
client_count_out(struct client *c, size_t n)
{
	shm_add(&c->w->shm->services[c->svc->index].bytes_out, (uint64_t)n);
}

int
client_flush(struct client *c)
{
	ssize_t	n;

	while (c->out.data != NULL && !buf_empty(&c->out)) {
		if (!c->s.is_writable)
			return 0;
		n = sock_send(&c->s, buf_head(&c->out), buf_len(&c->out));
		if (n > 0) {
			buf_consume(&c->out, (size_t)n);
			client_count_out(c, (size_t)n);
			continue;
		}
		return n == -1 && sock_would_block() ? 0 : -1;
	}
	return 1;
}

void
client_drop_empty(struct client *c)
{
	bufpool_put_empty(&c->w->head_pool, &c->in);
	bufpool_put_empty(&c->w->head_pool, &c->out);
}

/* ---- closing ---- */

static void
release_closed(struct loop_task *t)
{
	struct worker	*w = (struct worker *)((char *)t -
	    offsetof(struct worker, release_task));
	struct client	*c;

	while ((c = w->closing) != NULL) {
		w->closing = c->next;
		c->next = w->free_clients;
		w->free_clients = c;
	}
	worker_released(w);
}

static void
unlink_live(struct client *c)
{
	struct worker	*w = c->w;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

/* The session's slot goes back at the end of the loop turn. */
static void
release(struct client *c)
{
	struct worker	*w = c->w;

	loop_timer_cancel(&w->loop, &c->timer);
	unlink_live(c);
	/* Released at the end of the loop turn: later events in this batch
	   may still point here and must find it closing, not reused. */
	c->next = w->closing;
	w->closing = c;
	loop_at_end(&w->loop, &w->release_task);
}

void
client_close(struct client *c)
{
	struct worker	*w = c->w;

	if (c->is_closing)
		return;
	c->is_closing = true;
	if (c->state == CLIENT_OPEN && c->fe != NULL)
		c->fe->on_close(c);
	/* After its request ended: a draining backend is done with it. */
	balance_unpin(w, &c->pin);
	(void)transition(c, CLIENT_EV_CLOSE);
	if (c->end != END_NONE && c->end != END_DONE)
		log_debug("client connection %d (service %s): closed: %s",
		    c->s.fd, c->svc->name, end_reason_str(c->end));
	loop_del(&w->loop, &c->io);
	sock_close(&c->s, c->is_reset);
	bufpool_put(&w->head_pool, &c->in);
	bufpool_put(&w->head_pool, &c->out);
	worker_conn_closed(w, c->svc->index);
	release(c);
}

void
client_hand_over(struct client *c, struct sock *s, struct buf *in,
    struct buf *out)
{
	if (c->is_closing)
		return;
	c->is_closing = true;
	(void)transition(c, CLIENT_EV_HAND_OVER);
	/* Off the loop before the new holder registers the descriptor. */
	loop_del(&c->w->loop, &c->io);
	*s = c->s;
	*in = c->in;
	*out = c->out;
	memset(&c->in, 0, sizeof(c->in));
	memset(&c->out, 0, sizeof(c->out));
	c->s.fd = -1;
	c->s.ssl = NULL;
	release(c);
}

void
client_linger(struct client *c)
{
	if (c->is_eof) {
		client_close(c);
		return;
	}
	if (!transition(c, CLIENT_EV_LINGER)) {
		client_close(c);
		return;
	}
	if (c->s.ssl != NULL) {
		/* close_notify now; what the client still sends is dropped
		   undecrypted below. */
		tls_conn_free(c->s.ssl);
		c->s.ssl = NULL;
	}
	(void)shutdown(c->s.fd, SHUT_WR);
	bufpool_put(&c->w->head_pool, &c->in);
	bufpool_put(&c->w->head_pool, &c->out);
	client_set_deadline(c, LINGER_MS);
	/* What is waiting now is read at once. */
	c->s.is_readable = true;
}

static void
step_linger(struct client *c)
{
	char	junk[4096];
	ssize_t	n;

	while (c->s.is_readable) {
		n = recv(c->s.fd, junk, sizeof(junk), 0);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->s.is_readable = false;
			return;
		}
		client_close(c);
		return;
	}
}

/* ---- TLS ---- */

static void
open_session(struct client *c)
{
	c->fe = c->pick(c);
	c->fe->on_open(c);
}

static void
step_tls(struct client *c)
{
	switch (tls_conn_handshake(c->s.ssl)) {
	case TLS_IO_OK:
		if (!transition(c, CLIENT_EV_HANDSHAKE)) {
			client_close(c);
			return;
		}
		open_session(c);
		return;
	case TLS_IO_WANT_READ:
		c->s.is_readable = false;
		return;
	case TLS_IO_WANT_WRITE:
		c->s.is_writable = false;
		return;
	default:
		log_debug("client connection %d (service %s): TLS handshake "
		    "failed: %s", c->s.fd, c->svc->name, tls_error_text());
		c->end = END_BAD_REQUEST;
		client_close(c);
	}
}

/* ---- events ---- */

static void
on_socket(struct loop_io *io, uint32_t events)
{
	struct client	*c = (struct client *)io;

	if (c->is_closing)
		return;
	sock_note(&c->s, events);
	switch (c->state) {
	case CLIENT_TLS:
		step_tls(c);
		break;
	case CLIENT_OPEN:
		c->fe->on_io(c);
		break;
	case CLIENT_LINGER:
		step_linger(c);
		break;
	default:
		break;
	}
}

static void
on_timer(struct timer *t)
{
	struct client	*c = (struct client *)((char *)t -
	    offsetof(struct client, timer));

	if (c->is_closing)
		return;
	if (c->deadline_ms > clock_now_ms()) {
		(void)loop_timer_arm(&c->w->loop, &c->timer, c->deadline_ms);
		return;
	}
	switch (c->state) {
	case CLIENT_OPEN:
		c->fe->on_timeout(c);
		break;
	default:
		c->end = END_CLIENT_TIMEOUT;
		client_close(c);
		break;
	}
}

void
client_accept(struct worker *w, int fd, const struct sockaddr *peer,
    socklen_t peerlen, const struct service_conf *svc, front_pick_fn pick)
{
	struct client	*c = w->nactive < w->nclients ? slot_get(w) : NULL;
	SSL_CTX		*ctx;
	int		 one = 1;

	if (c == NULL) {
		static uint64_t	last_warned;

		(void)send(fd, respond_503_full, strlen(respond_503_full),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		if (clock_now_ms() - last_warned > 10000) {
			last_warned = clock_now_ms();
			log_warn("service %s: all %u connection slots in use; "
			    "raise max_connections", svc->name,
			    w->cfg->max_connections);
		}
		return;
	}
	memset(c, 0, sizeof(*c));
	c->w = w;
	c->s.fd = fd;
	c->svc = svc;
	c->pick = pick;
	c->pin.backend = -1;
	loop_io_init(&c->io);
	timer_init(&c->timer, on_timer);
	if (peerlen > sizeof(c->peer))
		peerlen = sizeof(c->peer);
	memcpy(&c->peer, peer, peerlen);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	c->next = w->live;
	if (w->live != NULL)
		w->live->prev = c;
	w->live = c;
	worker_conn_opened(w, svc->index);
	shm_add(&w->shm->workers[w->id].accepted, 1);
	if (loop_add(&w->loop, &c->io, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP |
	    EPOLLET, on_socket) == -1) {
		client_close(c);
		return;
	}
	/* Optimistic: the request often arrives with the handshake's ACK. */
	c->s.is_readable = true;
	c->s.is_writable = true;
	ctx = w->tls != NULL ? tls_set_ctx(w->tls, svc->index) : NULL;
	if (ctx != NULL) {
		if ((c->s.ssl = tls_conn_new(ctx, fd)) == NULL) {
			log_error("service %s: no memory for a TLS connection",
			    svc->name);
			client_close(c);
			return;
		}
		c->state = CLIENT_TLS;
		client_set_deadline(c, svc->request_header_timeout_ms);
		step_tls(c);
		return;
	}
	c->state = CLIENT_OPEN;
	open_session(c);
}

void
client_drain_all(struct worker *w)
{
	struct client	*c, *next;

	for (c = w->live; c != NULL; c = next) {
		next = c->next;
		if (c->state == CLIENT_OPEN && !c->is_closing)
			c->fe->on_drain(c);
	}
}

void
client_close_all(struct worker *w)
{
	while (w->live != NULL) {
		w->live->end = END_SHUTDOWN;
		client_close(w->live);
	}
}
