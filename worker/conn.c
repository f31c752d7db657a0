/*
 * A client connection and the exchange with its backend, as a state machine
 * driven by edge-triggered epoll events: each step tries its I/O and waits
 * only on EAGAIN, so readiness is remembered in c_readable/b_writable/...
 * rather than re-armed with epoll_ctl.
 *
 * Transitions (from -> to: on what):
 *   TLS_ACCEPT -> READ_HEAD   handshake done (a TLS service)
 *   READ_HEAD  -> CONNECT     head parsed, backend chosen, connect pending
 *   READ_HEAD  -> SEND_HEAD   connected at once, or an idle conn reused
 *   READ_HEAD  -> SEND_LOCAL  bad request (4xx), no route, no backend
 *   READ_HEAD  -> QUEUED      every usable backend at its max_conns
 *   READ_HEAD  -> SEND_STATIC routed to a web_server service
 *   QUEUED     -> CONNECT     a backend slot freed (or SEND_HEAD, reused)
 *   QUEUED     -> SEND_LOCAL  queue_timeout_ms passed (503)
 *   SEND_STATIC-> READ_HEAD   file sent, connection kept (or LINGER)
 *   CONNECT    -> SEND_HEAD   connected
 *   CONNECT    -> BACKEND_TLS connected, the pool speaks TLS to backends
 *   BACKEND_TLS-> VERIFY      handshake done (or SEND_HEAD)
 *   BACKEND_TLS-> CONNECT     handshake failed: another backend tried
 *   CONNECT    -> VERIFY      connected, the pool verifies new connections
 *   VERIFY     -> SEND_HEAD   OPTIONS * answered 2xx
 *   VERIFY     -> CONNECT     it did not: another backend tried
 *   CONNECT    -> CONNECT     failed or timed out, another backend tried
 *   CONNECT    -> SEND_LOCAL  failed with no retry left (502)
 *   SEND_HEAD  -> EXCHANGE    head written
 *   SEND_HEAD  -> CONNECT     reused conn dead before any byte went
 *   EXCHANGE   -> READ_HEAD   response done, client kept (keep-alive)
 *   EXCHANGE   -> SEND_HEAD   reused conn closed with no answer, idempotent
 *                             bodiless request: once more on a new conn to
 *                             the same backend
 *   EXCHANGE   -> SEND_LOCAL  backend failed before the response head, or
 *                             the request body came too slowly (408)
 *   EXCHANGE   -> LINGER      response done, client not kept
 *   SEND_LOCAL -> READ_HEAD   sent, connection kept
 *   SEND_LOCAL -> LINGER      sent, connection not kept
 * Any state may close on a client reset or a timeout; a close with a
 * response under way resets the client connection (is_cut_short()).
 */
#include "worker/conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/path.h"
#include "common/shm.h"
#include "worker/accesslog.h"
#include "worker/balance.h"
#include "worker/respond.h"
#include "worker/rewrite.h"
#include "worker/route.h"
#include "worker/static.h"
#include "tls/tls.h"
#include "worker/upstream.h"

/* How long a closing connection may keep sending us bytes we discard. */
#define LINGER_MS	2000
/* How long an idle keep-alive connection of a draining worker may still
   bring a request (answered with Connection: close). */
#define DRAIN_IDLE_MS	1000

static enum step	step_tls_accept(struct conn *);
static enum step	step_read_head(struct conn *);
static enum step	step_connect(struct conn *);
static enum step	step_send_head(struct conn *);
static enum step	step_exchange(struct conn *);
static enum step	step_send_local(struct conn *);
static enum step	step_linger(struct conn *);
static enum step	step_queued(struct conn *);
static enum step	step_verify(struct conn *);
static enum step	step_backend_tls(struct conn *);
static enum step	connected(struct conn *);
static enum step	read_backend(struct conn *, bool *);
static enum step	verify_failed(struct conn *, const char *);
static enum step	step_send_static(struct conn *);

static const struct {
	const char	*name;
	enum step	(*run)(struct conn *);
} conn_steps[CONN_STATE_COUNT] = {
	[CONN_TLS_ACCEPT] =	{ "tls-accept", step_tls_accept },
	[CONN_READ_HEAD] =	{ "read-head", step_read_head },
	[CONN_CONNECT] =	{ "connect", step_connect },
	[CONN_SEND_HEAD] =	{ "send-head", step_send_head },
	[CONN_EXCHANGE] =	{ "exchange", step_exchange },
	[CONN_SEND_LOCAL] =	{ "send-local", step_send_local },
	[CONN_LINGER] =		{ "linger", step_linger },
	[CONN_QUEUED] =		{ "queued", step_queued },
	[CONN_VERIFY] =		{ "verify", step_verify },
	[CONN_BACKEND_TLS] =	{ "backend-tls", step_backend_tls },
	[CONN_SEND_STATIC] =	{ "send-static", step_send_static },
};

static const char *const end_names[] = {
	[END_NONE] = "none",
	[END_CLIENT_CLOSED] = "client closed",
	[END_CLIENT_RESET] = "client reset",
	[END_CLIENT_TIMEOUT] = "client timeout",
	[END_BAD_REQUEST] = "bad request",
	[END_BACKEND_CONNECT] = "backend connect failed",
	[END_BACKEND_RESET] = "backend closed early",
	[END_BACKEND_TIMEOUT] = "backend timeout",
	[END_BACKEND_BAD] = "invalid backend response",
	[END_NO_BACKEND] = "no backend available",
	[END_DONE] = "done",
	[END_SHUTDOWN] = "shutdown",
};

const char *
conn_end_str(enum conn_end e)
{
	return e < sizeof(end_names) / sizeof(end_names[0]) ? end_names[e] :
	    "?";
}

static void	conn_close(struct conn *c);
static void	conn_timeout(struct timer *t);
static enum step	local_response(struct conn *c, int status, bool keep);
static enum step	backend_failed(struct conn *c);
static void	passive_failure(struct conn *c, const char *what);
static enum step	body_too_slow(struct conn *c);
static enum step	flush_hdr(struct conn *c);
static bool	would_block(void);

/*
 * Buffers: one size for heads (the largest max_header_bytes plus room for
 * what weir adds) and one for response bodies.  Released blocks are kept
 * on a per-worker stack so the request path does not call malloc once
 * the worker is warm.
 */
struct block_cache {
	char	**blocks;	/* owned */
	size_t	  n;
	size_t	  cap;
	size_t	  size;
};

static struct block_cache	head_cache, body_cache;

/* Where a request's path is normalized for routing, one per worker. */
static char	*path_scratch;
static size_t	 path_scratch_len;

static int
cache_init(struct block_cache *bc, size_t size, size_t cap)
{
	bc->blocks = calloc(cap, sizeof(*bc->blocks));
	bc->n = 0;
	bc->cap = cap;
	bc->size = size;
	return bc->blocks == NULL ? -1 : 0;
}

static int
cache_get(struct block_cache *bc, struct buf *b)
{
	if (b->data != NULL)
		return 0;
	if (bc->n > 0) {
		b->data = bc->blocks[--bc->n];
		b->cap = bc->size;
		b->start = b->end = 0;
		return 0;
	}
	return buf_init(b, bc->size);
}

static void
cache_put(struct block_cache *bc, struct buf *b)
{
	if (b->data == NULL)
		return;
	if (bc->n < bc->cap) {
		bc->blocks[bc->n++] = b->data;
		b->data = NULL;
		b->cap = b->start = b->end = 0;
	} else
		buf_free(b);
}

static void
cache_free(struct block_cache *bc)
{
	while (bc->n > 0)
		free(bc->blocks[--bc->n]);
	free(bc->blocks);
	bc->blocks = NULL;
}

int
conn_pool_init(struct worker *w, size_t n)
{
	size_t	i, head = CONN_BUF_BYTES;

	for (i = 0; i < w->cfg->nservices; i++)
		if (w->cfg->services[i].max_header_bytes + CONN_HEAD_EXTRA >
		    head)
			head = w->cfg->services[i].max_header_bytes +
			    CONN_HEAD_EXTRA;
	w->conns = calloc(n, sizeof(*w->conns));
	path_scratch_len = head;
	path_scratch = malloc(path_scratch_len);
	w->queues = calloc(w->cfg->npools, sizeof(*w->queues));
	if (w->conns == NULL || path_scratch == NULL || w->queues == NULL ||
	    cache_init(&head_cache, head, 256) == -1 ||
	    cache_init(&body_cache, CONN_BUF_BYTES, 256) == -1)
		return -1;
	w->nconns = n;
	w->free_conns = NULL;
	for (i = n; i > 0; i--) {
		struct conn *c = &w->conns[i - 1];

		c->next = w->free_conns;
		w->free_conns = c;
	}
	return 0;
}

void
conn_pool_free(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nconns; i++) {
		buf_free(&w->conns[i].in);
		buf_free(&w->conns[i].hdr);
		buf_free(&w->conns[i].bin);
	}
	free(w->conns);
	w->conns = NULL;
	free(w->queues);
	w->queues = NULL;
	free(path_scratch);
	path_scratch = NULL;
	cache_free(&head_cache);
	cache_free(&body_cache);
}

/* ---- deadlines ---- */

/*
 * Sets <c>'s deadline <ms> from now.  Pushing a deadline later is only
 * remembered; the timer, when it fires early, re-arms itself.  That keeps
 * the heap out of the per-read path.
 */
static void
set_deadline(struct conn *c, unsigned ms)
{
	c->deadline_ms = clock_now_ms() + ms;
	if (c->timer.slot == SIZE_MAX ||
	    c->timer.deadline_ms > c->deadline_ms)
		(void)timer_arm(&c->w->timers, &c->timer, c->deadline_ms);
}

static void
set_state(struct conn *c, enum conn_state s)
{
	log_debug("conn %d: %s -> %s", c->cfd, conn_steps[c->state].name,
	    conn_steps[s].name);
	c->state = s;
	switch (s) {
	case CONN_TLS_ACCEPT:
		set_deadline(c, c->svc->request_header_timeout_ms);
		break;
	case CONN_READ_HEAD:
		set_deadline(c, buf_empty(&c->in) && c->nrequests > 0 ?
		    c->svc->client_idle_timeout_ms :
		    c->svc->request_header_timeout_ms);
		break;
	case CONN_CONNECT:
	case CONN_BACKEND_TLS:
	case CONN_VERIFY:
		set_deadline(c, c->pool->connect_timeout_ms);
		break;
	case CONN_SEND_HEAD:
	case CONN_EXCHANGE:
		set_deadline(c, c->pool->response_timeout_ms);
		break;
	case CONN_SEND_LOCAL:
	case CONN_SEND_STATIC:
		set_deadline(c, c->svc->client_idle_timeout_ms);
		break;
	case CONN_QUEUED:
		set_deadline(c, c->pool->queue_timeout_ms);
		break;
	case CONN_LINGER:
		set_deadline(c, LINGER_MS);
		break;
	case CONN_STATE_COUNT:
		break;
	}
}

/* ---- the loop's entry points ---- */

static void
conn_run(struct conn *c)
{
	enum step	rv;

	do {
		rv = conn_steps[c->state].run(c);
	} while (rv == STEP_NEXT);
	if (rv == STEP_CLOSE)
		conn_close(c);
}

void
conn_event(struct conn *c, bool is_backend, uint32_t events)
{
	if (c->is_closing)
		return;
	if (is_backend) {
		if (c->bc == NULL)
			return;
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c->b_readable = true;
		if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			c->b_writable = true;
	} else {
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c->c_readable = true;
		if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			c->c_writable = true;
	}
	conn_run(c);
}

static void
conn_timeout(struct timer *t)
{
	struct conn	*c = (struct conn *)((char *)t -
	    offsetof(struct conn, timer));
	enum step	 rv = STEP_CLOSE;

	if (c->is_closing)
		return;
	if (c->deadline_ms > clock_now_ms()) {
		(void)timer_arm(&c->w->timers, &c->timer, c->deadline_ms);
		return;
	}
	if (c->state == CONN_EXCHANGE && c->body_pace.is_waiting) {
		rv = body_too_slow(c);
		if (rv == STEP_CLOSE)
			conn_close(c);
		else if (rv == STEP_NEXT)
			conn_run(c);
		return;
	}
	c->end = END_CLIENT_TIMEOUT;
	switch (c->state) {
	case CONN_READ_HEAD:
		/* A silent idle connection just goes; a partial head is 408. */
		if (!buf_empty(&c->in)) {
			log_info("client %s (service %s): request head "
			    "incomplete after %u ms", c->peer_text,
			    c->svc->name, c->svc->request_header_timeout_ms);
			rv = local_response(c, 408, false);
		}
		break;
	case CONN_CONNECT:
		log_warn("backend %s (pool %s): connect timed out after %u ms",
		    c->w->backends[c->backend].conf->address, c->pool->name,
		    c->pool->connect_timeout_ms);
		rv = backend_failed(c);
		break;
	case CONN_VERIFY:
		rv = verify_failed(c, "no answer in time");
		break;
	case CONN_BACKEND_TLS:
		log_warn("backend %s (pool %s): TLS handshake timed out after "
		    "%u ms", c->w->backends[c->backend].conf->address,
		    c->pool->name, c->pool->connect_timeout_ms);
		rv = backend_failed(c);
		break;
	case CONN_QUEUED:
		log_warn("pool %s: no backend slot within %u ms (every usable "
		    "backend at max_conns; service %s)", c->pool->name,
		    c->pool->queue_timeout_ms, c->svc->name);
		c->end = END_NO_BACKEND;
		rv = local_response(c, 503, true);
		break;
	case CONN_SEND_HEAD:
	case CONN_EXCHANGE:
		c->end = END_BACKEND_TIMEOUT;
		if (!c->has_resp_head) {
			log_warn("backend %s (pool %s): no response within "
			    "%u ms", c->w->backends[c->backend].conf->address,
			    c->pool->name, c->pool->response_timeout_ms);
			shm_add(&c->w->shm->backends[c->backend].errors, 1);
			passive_failure(c, "response timeout");
			rv = local_response(c, 504, false);
		}
		break;
	default:
		break;
	}
	if (rv == STEP_CLOSE)
		conn_close(c);
	else if (rv == STEP_NEXT)
		conn_run(c);
}

/* ---- accounting ---- */

static struct shm_service *
svc_stats(const struct conn *c)
{
	return &c->w->shm->services[c->svc->index];
}

static struct shm_backend *
backend_stats(const struct conn *c)
{
	return &c->w->shm->backends[c->backend];
}

static const char *
backend_name(const struct conn *c)
{
	return c->w->backends[c->backend].conf->address;
}

/* Writes the log line and counts the response, once per request. */
static void
end_request(struct conn *c)
{
	struct shm_service	*ss = svc_stats(c);
	int			 k = shm_class(c->status);

	if (c->is_logged)
		return;
	c->is_logged = true;
	shm_add(&ss->requests, 1);
	shm_add(&c->w->shm->workers[c->w->id].requests, 1);
	if (k != -1)
		shm_add(&ss->responses[k], 1);
	accesslog_add(&c->w->access, c);
}

/* Makes <c> ready for the next request on the same client connection. */
static void
reset_request(struct conn *c)
{
	h1_msg_reset(&c->req);
	h1_msg_reset(&c->resp);
	c->has_request = false;
	c->is_logged = false;
	c->req_fwd = 0;
	c->req_body_done = c->req_scan_done = false;
	min_rate_start(&c->body_pace);
	c->has_interim = false;
	c->is_head = false;
	c->t_start_us = c->t_backend_us = 0;
	c->pool = NULL;
	c->backend = -1;
	c->ntried = 0;
	c->fresh_retry = false;
	c->hdr_off = 0;
	c->has_resp_head = c->hdr_is_resp = false;
	c->resp_scan_done = c->resp_done = c->b_keep = false;
	c->resp_dechunk = false;
	c->resp_fwd = 0;
	c->status = 0;
	c->resp_bytes = c->req_bytes = 0;
	c->end = END_NONE;
	c->route = NULL;
	c->referer[0] = c->agent[0] = '\0';
	c->npath = NULL;
	c->uri_key = 0;
	c->was_queued = c->is_queue_ready = false;
	if (c->sfd != -1) {
		close(c->sfd);
		c->sfd = -1;
	}
	c->sleft = 0;
	/* Idle keep-alive connections hold only their input buffer. */
	cache_put(&head_cache, &c->hdr);
	cache_put(&body_cache, &c->bin);
}

/* ---- the backend socket ---- */

/* <bc>, just connected or taken from the idle list, now serves <c>. */
static void
attach_backend(struct conn *c, struct bconn *bc, bool is_reused)
{
	c->bc = bc;
	c->b_reused = is_reused;
	c->b_wrote = false;
	c->b_eof = false;
	c->b_readable = false;
	/* A parked connection is writable; a new one says so via epoll. */
	c->b_writable = is_reused;
	shm_own_add(worker_held_backend(c->w, (size_t)c->backend), 1);
}

/* Gives the backend socket up: parked for reuse when <keep>, else closed. */
static void
detach_backend(struct conn *c, bool keep)
{
	if (c->bc == NULL)
		return;
	shm_own_sub(worker_held_backend(c->w, (size_t)c->backend), 1);
	upstream_release(c->bc, keep);
	c->bc = NULL;
	c->b_readable = c->b_writable = false;
}

/* ---- waiting for a backend under max_conns ---- */

static void
queue_remove(struct conn *c)
{
	struct conn_queue	*q;
	struct conn		**pp, *prev = NULL;

	if (c->state != CONN_QUEUED || c->pool == NULL)
		return;
	q = &c->w->queues[c->pool->index];
	for (pp = &q->head; *pp != NULL; prev = *pp, pp = &(*pp)->qnext)
		if (*pp == c) {
			*pp = c->qnext;
			if (q->tail == c)
				q->tail = prev;
			q->len--;
			c->w->nqueued--;
			c->qnext = NULL;
			return;
		}
}

static void
queue_append(struct conn *c)
{
	struct conn_queue	*q = &c->w->queues[c->pool->index];

	c->qnext = NULL;
	if (q->tail != NULL)
		q->tail->qnext = c;
	else
		q->head = c;
	q->tail = c;
	q->len++;
	c->w->nqueued++;
}

/* ---- what live traffic tells about a backend ---- */

/*
 * A failure seen by a worker (refused or timed-out connect, a response
 * that is invalid or missing).  <fall> of them in a row mark the backend
 * down at once, for every worker, instead of waiting for the checker's
 * next rounds; the checker brings it back after <rise> good checks.
 * Without health checks nothing would bring it back, so nothing marks it.
 */
static void
passive_failure(struct conn *c, const char *what)
{
	struct shm_backend	*sb = backend_stats(c);
	uint32_t		 up = SHM_HEALTH_UP, n;

	if (!c->pool->health.enabled)
		return;
	n = __atomic_add_fetch(&sb->passive_fails, 1, __ATOMIC_RELAXED);
	if (n < c->pool->health.fall)
		return;
	if (__atomic_compare_exchange_n(&sb->health_state, &up,
	    SHM_HEALTH_DOWN, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		shm_store(&sb->passive_fails, 0);
		log_warn("backend %s (pool %s): marked down after %u failures "
		    "in a row on live traffic, the last: %s", backend_name(c),
		    c->pool->name, n, what);
	}
}

static void
passive_success(struct conn *c)
{
	struct shm_backend	*sb = backend_stats(c);

	if (shm_load(&sb->passive_fails) != 0)
		shm_store(&sb->passive_fails, 0);
}

static ssize_t
send_some(int fd, const char *p, size_t n)
{
	ssize_t	rv;

	do {
		rv = send(fd, p, n, MSG_NOSIGNAL);
	} while (rv == -1 && errno == EINTR);
	return rv;
}

/*
 * Socket I/O, plain or through TLS, for either side of the connection.  On
 * "would block" these return -1 with errno EAGAIN and have already cleared
 * the readiness flag that side must wait for: with TLS a read may have to
 * wait until the socket is writable, and the other way round.
 */
static ssize_t
io_read(int fd, SSL *ssl, struct buf *b, bool *readable, bool *writable)
{
	enum tls_io	st;
	size_t		n;
	ssize_t		rv;

	if (ssl == NULL) {
		rv = buf_read_fd(b, fd);
		if (rv == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			*readable = false;
		return rv;
	}
	if (b->cap - b->end == 0)
		buf_compact(b);
	n = tls_conn_read(ssl, buf_tail(b), b->cap - b->end, &st);
	if (n > 0) {
		b->end += n;
		return (ssize_t)n;
	}
	switch (st) {
	case TLS_IO_WANT_READ:
		*readable = false;
		errno = EAGAIN;
		return -1;
	case TLS_IO_WANT_WRITE:
		*writable = false;
		errno = EAGAIN;
		return -1;
	case TLS_IO_CLOSED:
		return 0;
	default:
		errno = ECONNRESET;
		return -1;
	}
}

static ssize_t
io_send(int fd, SSL *ssl, const char *p, size_t len, bool *readable,
    bool *writable)
{
	enum tls_io	st;
	size_t		n;
	ssize_t		rv;

	if (ssl == NULL) {
		rv = send_some(fd, p, len);
		if (rv == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			*writable = false;
		return rv;
	}
	n = tls_conn_write(ssl, p, len, &st);
	if (n > 0)
		return (ssize_t)n;
	switch (st) {
	case TLS_IO_WANT_WRITE:
		*writable = false;
		errno = EAGAIN;
		return -1;
	case TLS_IO_WANT_READ:
		*readable = false;
		errno = EAGAIN;
		return -1;
	default:
		errno = EPIPE;
		return -1;
	}
}

static ssize_t
client_read(struct conn *c, struct buf *b)
{
	return io_read(c->cfd, c->ssl, b, &c->c_readable, &c->c_writable);
}

static ssize_t
client_send(struct conn *c, const char *p, size_t len)
{
	return io_send(c->cfd, c->ssl, p, len, &c->c_readable,
	    &c->c_writable);
}

static ssize_t
backend_read(struct conn *c, struct buf *b)
{
	return io_read(c->bc->fd, c->bc->ssl, b, &c->b_readable,
	    &c->b_writable);
}

static ssize_t
backend_send(struct conn *c, const char *p, size_t len)
{
	return io_send(c->bc->fd, c->bc->ssl, p, len, &c->b_readable,
	    &c->b_writable);
}

static bool
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* ---- closing ---- */

/*
 * A response already under way when its connection closes is cut short,
 * and must not end the way a whole one does: after a close-delimited body
 * (de-chunked for an HTTP/1.0 client) a FIN, or a TLS close_notify, is the
 * end of the body, and a client or cache would keep what it got as the
 * complete response.  A reset (RST, no close_notify) cannot be mistaken;
 * HAProxy ends such a response the same way.  The same holds for a file
 * sent by a web_server service.
 */
static bool
is_cut_short(const struct conn *c)
{
	return (c->has_resp_head && !c->resp_done) ||
	    (c->state == CONN_SEND_STATIC && c->sleft > 0);
}

static void
conn_close(struct conn *c)
{
	struct worker	*w = c->w;
	bool		 is_reset;

	if (c->is_closing)
		return;
	is_reset = is_cut_short(c);
	if (c->has_request && !c->is_logged) {
		/* The exchange ended before its end: the log says why. */
		c->is_cut = true;
		end_request(c);
	}
	if (c->end != END_NONE && c->end != END_DONE)
		log_debug("client %s (service %s): closed: %s", c->peer_text,
		    c->svc->name, conn_end_str(c->end));
	queue_remove(c);
	detach_backend(c, false);
	if (c->sfd != -1) {
		close(c->sfd);
		c->sfd = -1;
	}
	timer_cancel(&w->timers, &c->timer);
	if (is_reset) {
		struct linger	lg = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(c->cfd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
	}
	if (c->ssl != NULL) {
		if (is_reset)
			tls_conn_abort(c->ssl);
		else
			tls_conn_free(c->ssl);
		c->ssl = NULL;
	}
	close(c->cfd);
	c->cfd = -1;
	cache_put(&head_cache, &c->in);
	cache_put(&head_cache, &c->hdr);
	cache_put(&body_cache, &c->bin);
	shm_own_sub(worker_held_service(w, c->svc->index), 1);
	shm_sub(&w->shm->workers[w->id].active, 1);
	w->nactive--;
	/* Released at the end of the loop turn: later events in this batch
	   may still point here and must find it closing, not reused. */
	c->is_closing = true;
	c->next = w->closing;
	w->closing = c;
}

void
conn_release_closed(struct worker *w)
{
	struct conn	*c;

	while ((c = w->closing) != NULL) {
		w->closing = c->next;
		c->in_use = false;
		c->next = w->free_conns;
		w->free_conns = c;
	}
}

static enum step
start_linger(struct conn *c)
{
	/*
	 * Closing with unread input makes the kernel send RST, which can
	 * destroy the response still in flight to the client.  So: FIN
	 * first, then read and discard until the client closes (bounded).
	 */
	if (c->c_eof)
		return STEP_CLOSE;
	if (c->ssl != NULL) {
		/* close_notify now; what the client still sends is dropped
		   undecrypted below. */
		tls_conn_free(c->ssl);
		c->ssl = NULL;
	}
	(void)shutdown(c->cfd, SHUT_WR);
	buf_consume(&c->in, buf_len(&c->in));
	set_state(c, CONN_LINGER);
	return STEP_NEXT;
}

static enum step
step_linger(struct conn *c)
{
	char	junk[4096];
	ssize_t	n;

	for (;;) {
		if (!c->c_readable)
			return STEP_WAIT;
		n = recv(c->cfd, junk, sizeof(junk), 0);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->c_readable = false;
			return STEP_WAIT;
		}
		return STEP_CLOSE;
	}
}

/* ---- responses weir writes itself ---- */

static enum step
local_response(struct conn *c, int status, bool keep)
{
	queue_remove(c);
	detach_backend(c, false);
	keep = keep && c->keep_client && c->req_scan_done &&
	    !c->w->is_draining && !c->c_eof;
	if (c->req_scan_done && c->req_fwd > 0) {
		/* The body is known in full: drop it, the stream stays
		   in sync for the next request. */
		buf_consume(&c->in, c->req_fwd);
		c->req_fwd = 0;
	}
	if (cache_get(&head_cache, &c->hdr) == -1)
		return STEP_CLOSE;
	if (!c->hdr_is_resp) {
		/* Drop a request head that never went out in full. */
		c->hdr.start = c->hdr.end = 0;
		c->hdr_is_resp = true;
	}
	if (respond_build(&c->hdr, status, c->is_head, keep,
	    c->svc->via) == -1)
		return STEP_CLOSE;
	if (!c->has_request) {
		c->has_request = true;
		c->t_start_us = clock_us();
	}
	c->status = status;
	c->keep_client = keep;
	end_request(c);
	set_state(c, CONN_SEND_LOCAL);
	return STEP_NEXT;
}

/*
 * The response is out: on to the next request on this connection, or to
 * its end when it is not kept (or the client half-closed and nothing of a
 * next request is buffered).
 */
static enum step
next_request(struct conn *c)
{
	if (!c->keep_client)
		return start_linger(c);
	reset_request(c);
	if (c->c_eof && buf_empty(&c->in))
		return STEP_CLOSE;
	set_state(c, CONN_READ_HEAD);
	return STEP_NEXT;
}

static enum step
step_send_local(struct conn *c)
{
	enum step	rv;

	if ((rv = flush_hdr(c)) != STEP_NEXT)
		return rv;
	return next_request(c);
}

/* ---- choosing and reaching a backend ---- */

/*
 * Picks a backend the request has not tried yet and starts on it: an idle
 * keep-alive connection when there is one, else a new connect.  A connect
 * that fails at once moves on to the next backend, up to <retries>.
 */
static enum step
start_backend(struct conn *c)
{
	struct worker	*w = c->w;
	struct bconn	*bc;
	int		 idx, done;

	for (;;) {
		struct balance_req	br;

		if (c->ntried >= 1 + c->pool->retries)
			return local_response(c, 502, true);
		br.tried = c->tried;
		br.ntried = c->ntried;
		br.client = (const struct sockaddr *)&c->peer;
		br.uri_key = c->uri_key;
		idx = balance_pick(w, c->pool, &br);
		if (idx == BALANCE_FULL) {
			queue_append(c);
			if (!c->was_queued) {
				c->was_queued = true;
				set_state(c, CONN_QUEUED);
			} else
				c->state = CONN_QUEUED;
			return STEP_WAIT;
		}
		if (idx == BALANCE_NONE) {
			if (c->ntried == 0) {
				/* Per request, so debug only: the health
				   checker says once why the pool is down. */
				log_debug("pool %s: no backend available "
				    "(service %s)", c->pool->name,
				    c->svc->name);
				c->end = END_NO_BACKEND;
				return local_response(c, 503, true);
			}
			return local_response(c, 502, true);
		}
		c->tried[c->ntried++] = (uint32_t)idx;
		c->backend = idx;
		bc = c->pool->persist ? upstream_take_idle(w, (uint32_t)idx,
		    c) : NULL;
		if (bc != NULL) {
			attach_backend(c, bc, true);
			set_state(c, CONN_SEND_HEAD);
			return STEP_NEXT;
		}
		bc = upstream_connect(w, (uint32_t)idx, c, &done);
		if (bc == NULL) {
			log_warn("backend %s (pool %s): connect failed: %s",
			    backend_name(c), c->pool->name, strerror(errno));
			shm_add(&backend_stats(c)->errors, 1);
			passive_failure(c, strerror(errno));
			c->end = END_BACKEND_CONNECT;
			continue;
		}
		attach_backend(c, bc, false);
		if (done) {
			c->b_writable = true;
			return connected(c);
		}
		set_state(c, CONN_CONNECT);
		return STEP_NEXT;
	}
}

/*
 * A new backend connection is up: TLS first if the pool speaks it, then
 * OPTIONS * if the pool verifies, then the request.
 */
static enum step
connected(struct conn *c)
{
	char		 ip[ADDR_STRLEN];
	SSL_CTX		*ctx;

	if (c->pool->tls && c->bc->ssl == NULL) {
		ctx = tls_set_pool_ctx(c->w->tls, c->pool->index);
		addr_format_host((const struct sockaddr *)
		    &c->w->backends[c->backend].conf->addr.ss, ip, sizeof(ip));
		if (ctx == NULL || (c->bc->ssl = tls_client_new(ctx, c->bc->fd,
		    c->pool->tls_server_name, ip)) == NULL) {
			log_error("backend %s (pool %s): no TLS context",
			    backend_name(c), c->pool->name);
			return backend_failed(c);
		}
		set_state(c, CONN_BACKEND_TLS);
		return STEP_NEXT;
	}
	if (c->pool->verify && !c->b_reused)
		set_state(c, CONN_VERIFY);
	else
		set_state(c, CONN_SEND_HEAD);
	return STEP_NEXT;
}

static enum step
step_backend_tls(struct conn *c)
{
	switch (tls_conn_handshake(c->bc->ssl)) {
	case TLS_IO_OK:
		return connected(c);
	case TLS_IO_WANT_READ:
		c->b_readable = false;
		return STEP_WAIT;
	case TLS_IO_WANT_WRITE:
		c->b_writable = false;
		return STEP_WAIT;
	default:
		/* Nothing of the request went: another backend may take it. */
		log_warn("backend %s (pool %s): TLS handshake failed: %s%s%s",
		    backend_name(c), c->pool->name, tls_error_text(),
		    *tls_verify_text(c->bc->ssl) != '\0' ? ": " : "",
		    tls_verify_text(c->bc->ssl));
		return backend_failed(c);
	}
}

static enum step
verify_failed(struct conn *c, const char *why)
{
	log_warn("backend %s (pool %s): verify (OPTIONS *) failed: %s",
	    backend_name(c), c->pool->name, why);
	h1_msg_reset(&c->resp);
	c->has_resp_head = false;
	if (c->bin.data != NULL)
		c->bin.start = c->bin.end = 0;
	return backend_failed(c);
}

/*
 * Perlbal's verify_backend: "OPTIONS *" on a new connection, which is used
 * only once it answers 2xx.  A backend that accepts connections before it
 * can serve them (a forking Apache under load) is caught here instead of
 * on a client's request.  The answer's body, if any, is read and dropped.
 */
static enum step
step_verify(struct conn *c)
{
	static const char	probe[] = "OPTIONS * HTTP/1.1\r\n"
	    "Host: weir-verify\r\nUser-Agent: weir\r\n\r\n";
	enum h1_result		r;
	bool			progress, is_data;
	size_t			n;

	if (!c->b_wrote) {
		if (!c->b_writable)
			return STEP_WAIT;
		/* A new socket's send buffer takes these bytes at once. */
		if (backend_send(c, probe, sizeof(probe) - 1) !=
		    (ssize_t)sizeof(probe) - 1)
			return verify_failed(c, would_block() ? "no room to "
			    "send OPTIONS *" : strerror(errno));
		c->b_wrote = true;
		c->b_readable = true;
	}
	for (;;) {
		progress = false;
		if (read_backend(c, &progress) == STEP_CLOSE)
			return STEP_CLOSE;
		if (!c->has_resp_head) {
			r = h1_parse_response(&c->resp, buf_head(&c->bin),
			    buf_len(&c->bin), CONN_BUF_BYTES, false);
			if (r == H1_BAD)
				return verify_failed(c, c->resp.why);
			if (r == H1_AGAIN) {
				if (c->b_eof)
					return verify_failed(c, "closed before "
					    "answering");
				if (!progress)
					return STEP_WAIT;
				continue;
			}
			buf_consume(&c->bin, c->resp.head_len);
			if (c->resp.status < 200) {
				h1_msg_reset(&c->resp);
				continue;
			}
			if (c->resp.status >= 300) {
				char why[32];

				snprintf(why, sizeof(why), "status %d",
				    c->resp.status);
				return verify_failed(c, why);
			}
			if (c->resp.framing == H1_FRAME_CLOSE ||
			    c->resp.has_connection_close)
				return verify_failed(c, "it closes the "
				    "connection after answering");
			h1_body_init(&c->respb, c->resp.framing,
			    c->resp.content_length);
			c->has_resp_head = true;
		}
		while ((r = h1_body_step(&c->respb, buf_head(&c->bin),
		    buf_len(&c->bin), &n, &is_data)) == H1_AGAIN && n > 0)
			buf_consume(&c->bin, n);
		if (r == H1_BAD)
			return verify_failed(c, "bad body framing");
		if (r == H1_DONE) {
			buf_consume(&c->bin, n);
			break;
		}
		if (c->b_eof)
			return verify_failed(c, "closed mid-answer");
		if (!progress)
			return STEP_WAIT;
	}
	h1_msg_reset(&c->resp);
	c->has_resp_head = false;
	c->b_wrote = false;
	log_debug("backend %s (pool %s): verified", backend_name(c),
	    c->pool->name);
	set_state(c, CONN_SEND_HEAD);
	return STEP_NEXT;
}

/* A connect failed or a reused connection was dead before any byte went. */
static enum step
backend_failed(struct conn *c)
{
	if (!c->b_reused) {
		shm_add(&backend_stats(c)->errors, 1);
		passive_failure(c, "connect failed");
	}
	detach_backend(c, false);
	c->end = END_BACKEND_CONNECT;
	c->hdr_off = 0;
	return start_backend(c);
}

static enum step
step_connect(struct conn *c)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (!c->b_writable)
		return STEP_WAIT;
	if (getsockopt(c->bc->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0)
		return connected(c);
	log_warn("backend %s (pool %s): connect failed: %s", backend_name(c),
	    c->pool->name, strerror(err));
	return backend_failed(c);
}

static enum step
step_send_head(struct conn *c)
{
	ssize_t	n;

	while (c->hdr_off < buf_len(&c->hdr)) {
		if (!c->b_writable)
			return STEP_WAIT;
		n = backend_send(c, buf_head(&c->hdr) + c->hdr_off,
		    buf_len(&c->hdr) - c->hdr_off);
		if (n == -1 && would_block())
			return STEP_WAIT;
		if (n == -1) {
			if (!c->b_wrote) {
				log_info("backend %s (pool %s): %s connection "
				    "failed before the request: %s",
				    backend_name(c), c->pool->name,
				    c->b_reused ? "idle" : "new",
				    strerror(errno));
				return backend_failed(c);
			}
			log_warn("backend %s (pool %s): send failed: %s",
			    backend_name(c), c->pool->name, strerror(errno));
			shm_add(&backend_stats(c)->errors, 1);
			c->end = END_BACKEND_RESET;
			return local_response(c, 502, false);
		}
		c->hdr_off += (size_t)n;
		c->b_wrote = true;
		shm_add(&backend_stats(c)->bytes_out, (uint64_t)n);
	}
	if (!c->fresh_retry)
		shm_add(&backend_stats(c)->requests, 1);
	c->t_backend_us = clock_us();
	set_state(c, CONN_EXCHANGE);
	return STEP_NEXT;
}

/*
 * A reused connection that the backend closed just as we wrote to it
 * answers with EOF and nothing else.  The backend never saw the request,
 * so a request that is safe to repeat (RFC 9110 9.2.2) and has no body goes
 * once more on a new connection to the same backend: never to a second
 * backend, and never for a request that could have had an effect.
 */
static bool
can_retry_fresh(const struct conn *c)
{
	return c->b_reused && !c->fresh_retry && buf_empty(&c->bin) &&
	    c->reqb.framing == H1_FRAME_NONE &&
	    (strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0 ||
	    strcmp(c->method, "OPTIONS") == 0);
}

static enum step
retry_fresh(struct conn *c)
{
	struct bconn	*bc;
	int		 done;

	detach_backend(c, false);
	c->fresh_retry = true;
	c->hdr_off = 0;
	bc = upstream_connect(c->w, (uint32_t)c->backend, c, &done);
	if (bc == NULL) {
		c->end = END_BACKEND_CONNECT;
		return local_response(c, 502, false);
	}
	attach_backend(c, bc, false);
	if (done) {
		c->b_writable = true;
		return connected(c);
	}
	set_state(c, CONN_CONNECT);
	return STEP_NEXT;
}

/* ---- the request head ---- */

static void
copy_text(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool
method_is(const struct h1_msg *m, const char *name)
{
	return m->method_len == strlen(name) &&
	    memcmp(m->method, name, m->method_len) == 0;
}

/*
 * The request's path, percent-decoded and with dot segments resolved, so
 * that routes and the uri hash see what the backend will serve, not what
 * "%2e%2e" or "//" make the target look like.  Lives in a per-worker
 * scratch buffer until the next request is parsed.
 */
static int
normalize_path(struct conn *c)
{
	const char	*why;
	int		 n;

	if (c->npath != NULL)
		return 0;
	if (c->req.target_len == 1 && c->req.target[0] == '*') {
		/* OPTIONS * names the server, no path: only routes
		   without a path rule match it. */
		c->npath = path_scratch;
		c->npath_len = 1;
		memcpy(path_scratch, "*", 2);
		return 0;
	}
	n = path_normalize(c->req.target, c->req.target_len, path_scratch,
	    path_scratch_len, &why);
	if (n < 0) {
		log_info("client %s (service %s): bad request target: %s",
		    c->peer_text, c->svc->name, why);
		c->end = END_BAD_REQUEST;
		return -1;
	}
	c->npath = path_scratch;
	c->npath_len = (size_t)n;
	return 0;
}

/* Writes hdr to the client: STEP_NEXT once empty, else WAIT or CLOSE. */
static enum step
flush_hdr(struct conn *c)
{
	ssize_t	n;

	while (!buf_empty(&c->hdr)) {
		if (!c->c_writable)
			return STEP_WAIT;
		n = client_send(c, buf_head(&c->hdr), buf_len(&c->hdr));
		if (n == -1 && would_block())
			return STEP_WAIT;
		if (n == -1) {
			c->end = END_CLIENT_RESET;
			return STEP_CLOSE;
		}
		buf_consume(&c->hdr, (size_t)n);
		shm_add(&svc_stats(c)->bytes_out, (uint64_t)n);
	}
	return STEP_NEXT;
}

/* A request for a web_server service: the head now, the file by sendfile. */
static enum step
serve_static(struct conn *c, const struct service_conf *ws)
{
	struct static_reply	sr;
	bool			keep;

	/* A body we do not read would be taken for the next request. */
	keep = c->keep_client && c->req_scan_done;
	if (cache_get(&head_cache, &c->hdr) == -1)
		return STEP_CLOSE;
	c->hdr.start = c->hdr.end = 0;
	if (static_reply(ws, &c->req, keep, c->svc->via, &c->hdr,
	    &sr) == -1) {
		buf_consume(&c->in, c->req.head_len);
		c->hdr.start = c->hdr.end = 0;
		return local_response(c, 500, false);
	}
	buf_consume(&c->in, c->req.head_len);
	c->hdr_is_resp = true;
	c->keep_client = keep;
	c->status = sr.status;
	c->sfd = sr.fd;
	c->soff = sr.offset;
	c->sleft = sr.fd == -1 ? 0 : sr.length;
	set_state(c, CONN_SEND_STATIC);
	return STEP_NEXT;
}

static enum step
finish_static(struct conn *c)
{
	close(c->sfd);
	c->sfd = -1;
	end_request(c);
	return next_request(c);
}

/*
 * sendfile cannot encrypt: under TLS the file goes through the body buffer,
 * pread a block, write it, read the next once it is gone.
 */
static enum step
send_static_tls(struct conn *c)
{
	ssize_t	n;

	if (cache_get(&body_cache, &c->bin) == -1)
		return STEP_CLOSE;
	while (c->sleft > 0) {
		if (buf_empty(&c->bin)) {
			size_t want = c->bin.cap;

			if (want > c->sleft)
				want = (size_t)c->sleft;
			c->bin.start = c->bin.end = 0;
			n = pread(c->sfd, c->bin.data, want, c->soff);
			if (n <= 0) {
				c->end = END_BACKEND_RESET;
				return STEP_CLOSE;
			}
			c->bin.end = (size_t)n;
			c->soff += n;
		}
		if (!c->c_writable)
			return STEP_WAIT;
		n = client_send(c, buf_head(&c->bin), buf_len(&c->bin));
		if (n == -1 && would_block())
			return STEP_WAIT;
		if (n == -1) {
			c->end = END_CLIENT_RESET;
			return STEP_CLOSE;
		}
		buf_consume(&c->bin, (size_t)n);
		c->sleft -= (uint64_t)n;
		c->resp_bytes += (uint64_t)n;
		shm_add(&svc_stats(c)->bytes_out, (uint64_t)n);
		set_deadline(c, c->svc->client_idle_timeout_ms);
	}
	return finish_static(c);
}

static enum step
step_send_static(struct conn *c)
{
	enum step	rv;
	ssize_t		n;

	if ((rv = flush_hdr(c)) != STEP_NEXT)
		return rv;
	if (c->ssl != NULL)
		return send_static_tls(c);
	while (c->sleft > 0) {
		if (!c->c_writable)
			return STEP_WAIT;
		n = sendfile(c->cfd, c->sfd, &c->soff, c->sleft > (1 << 20) ?
		    (size_t)1 << 20 : (size_t)c->sleft);
		if (n > 0) {
			c->sleft -= (uint64_t)n;
			c->resp_bytes += (uint64_t)n;
			shm_add(&svc_stats(c)->bytes_out, (uint64_t)n);
			set_deadline(c, c->svc->client_idle_timeout_ms);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->c_writable = false;
			return STEP_WAIT;
		}
		if (n == -1 && errno == EINTR)
			continue;
		/* 0: the file shrank under us; the length is promised. */
		c->end = n == 0 ? END_BACKEND_RESET : END_CLIENT_RESET;
		return STEP_CLOSE;
	}
	return finish_static(c);
}

static enum step
step_queued(struct conn *c)
{
	if (!c->is_queue_ready)
		return STEP_WAIT;
	c->is_queue_ready = false;
	return start_backend(c);
}

void
conn_dispatch_queued(struct worker *w)
{
	struct conn_queue	*q;
	struct conn		*c;
	size_t			 i, n;

	for (i = 0; i < w->cfg->npools && w->nqueued > 0; i++) {
		q = &w->queues[i];
		for (n = q->len; n > 0 && (c = q->head) != NULL; n--) {
			q->head = c->qnext;
			if (q->head == NULL)
				q->tail = NULL;
			q->len--;
			w->nqueued--;
			c->qnext = NULL;
			c->is_queue_ready = true;
			conn_run(c);
			/* Back in the queue: the pool is still full. */
			if (!c->is_closing && c->state == CONN_QUEUED)
				break;
		}
	}
}

/*
 * "redirect_https": the same host (without a port: the https one is not
 * this one) and target, over https.  A request that brought a body is
 * answered and the connection closed rather than read on.
 */
static enum step
redirect_https(struct conn *c)
{
	const struct h1_msg	*m = &c->req;
	const char		*host = m->host, *path = m->target;
	size_t			 hlen = m->host_len, plen = m->target_len;
	char			 location[2048];
	int			 n;
	bool			 keep;

	(void)rewrite_split_absolute(m->target, m->target_len, &host, &hlen,
	    &path, &plen);
	if (host == NULL || hlen == 0) {
		buf_consume(&c->in, m->head_len);
		return local_response(c, 400, false);
	}
	hlen = route_host_len(host, hlen);
	if (plen == 1 && path[0] == '*')
		plen = 0;
	n = snprintf(location, sizeof(location), "https://%.*s%s%.*s",
	    (int)hlen, host, plen == 0 || path[0] != '/' ? "/" : "",
	    (int)plen, path);
	buf_consume(&c->in, m->head_len);
	if (n < 0 || (size_t)n >= sizeof(location))
		return local_response(c, 414, false);
	keep = c->keep_client && c->req_scan_done && !c->w->is_draining;
	if (cache_get(&head_cache, &c->hdr) == -1)
		return STEP_CLOSE;
	c->hdr.start = c->hdr.end = 0;
	c->hdr_is_resp = true;
	if (respond_redirect(&c->hdr, 301, location, c->is_head, keep,
	    c->svc->via) == -1)
		return STEP_CLOSE;
	c->status = 301;
	c->keep_client = keep;
	end_request(c);
	set_state(c, CONN_SEND_LOCAL);
	return STEP_NEXT;
}

/* ---- the request body ---- */

/*
 * Takes in what of the request body is buffered past req_fwd: chunk
 * framing is re-written canonically in place (h1_body_reframe) and the
 * bytes ready to go are counted into req_fwd.  Returns 0, or the status
 * the request must be refused with: 400 for bad framing, 413 for a
 * chunked body over max_body_bytes.
 */
static int
take_request_body(struct conn *c)
{
	enum h1_result	r;
	size_t		out, used;

	if (!c->req_scan_done) {
		r = h1_body_reframe(&c->reqb, buf_head(&c->in) + c->req_fwd,
		    buf_len(&c->in) - c->req_fwd, false, &out, &used);
		if (r == H1_BAD)
			return 400;
		buf_cut(&c->in, c->req_fwd + out, used - out);
		c->req_fwd += out;
		c->req_scan_done = r == H1_DONE;
	}
	if (c->svc->max_body_bytes != 0 &&
	    c->reqb.total > c->svc->max_body_bytes)
		return 413;
	return 0;
}

/*
 * The request body is bad (<status> from take_request_body).  Before the
 * head went out nothing reaches a backend: the client gets <status>.
 * After it, the backend connection is closed with the message incomplete
 * (it never gets the last chunk, and is never reused), and the client gets
 * <status> unless a response is already under way, which is then cut
 * short (conn_close() resets it).
 */
static enum step
refuse_body(struct conn *c, int status)
{
	if (status == 413)
		log_info("client %s (service %s): chunked body over "
		    "max_body_bytes %llu%s", c->peer_text, c->svc->name,
		    (unsigned long long)c->svc->max_body_bytes,
		    c->bc != NULL ? ": request aborted" : "");
	else
		log_info("client %s (service %s): bad chunked body%s",
		    c->peer_text, c->svc->name, c->bc != NULL ?
		    ": request aborted" : "");
	c->end = END_BAD_REQUEST;
	if (c->has_resp_head)
		return STEP_CLOSE;
	return local_response(c, status, false);
}

/*
 * RFC 9110 7.6.2: an OPTIONS or TRACE whose Max-Forwards is 0 must not be
 * forwarded; weir answers it as the final recipient.
 */
static enum step
answer_max_forwards(struct conn *c)
{
	const struct h1_msg	*m = &c->req;
	bool			 keep;
	int			 rv;

	keep = c->keep_client && c->req_scan_done && !c->w->is_draining;
	if (cache_get(&head_cache, &c->hdr) == -1)
		return STEP_CLOSE;
	c->hdr.start = c->hdr.end = 0;
	c->hdr_is_resp = true;
	/* TRACE reflects the head, which lives in c->in until consumed. */
	rv = method_is(m, "TRACE") ? respond_trace(&c->hdr, m, keep,
	    c->svc->via) : respond_options(&c->hdr, keep, c->svc->via);
	buf_consume(&c->in, m->head_len);
	if (rv == -1) {
		c->hdr.start = c->hdr.end = 0;
		return local_response(c, 500, false);
	}
	c->status = 200;
	c->keep_client = keep;
	end_request(c);
	set_state(c, CONN_SEND_LOCAL);
	return STEP_NEXT;
}

static enum step
begin_request(struct conn *c)
{
	const struct h1_msg	*m = &c->req;
	const struct service_conf *svc = c->svc;
	struct rewrite_req	 rr;
	int			 status;

	copy_text(c->method, sizeof(c->method), m->method, m->method_len);
	copy_text(c->path, sizeof(c->path), m->target, m->target_len);
	if (c->w->access.is_combined) {
		const struct h1_header	*h;

		h = h1_find_header(m, "referer");
		copy_text(c->referer, sizeof(c->referer), h != NULL ?
		    h->value : "", h != NULL ? h->value_len : 0);
		h = h1_find_header(m, "user-agent");
		copy_text(c->agent, sizeof(c->agent), h != NULL ? h->value :
		    "", h != NULL ? h->value_len : 0);
	}
	c->client_is_10 = m->version_minor == 0;
	c->is_head = method_is(m, "HEAD");
	c->keep_client = svc->persist_client && !c->w->is_draining &&
	    (c->client_is_10 ? m->has_connection_keepalive :
	    !m->has_connection_close);
	h1_body_init(&c->reqb, m->framing, m->content_length);
	c->req_scan_done = m->framing == H1_FRAME_NONE ||
	    (m->framing == H1_FRAME_LENGTH && m->content_length == 0);
	c->req_body_done = c->req_scan_done;
	c->nrequests++;

	if (method_is(m, "CONNECT")) {
		/* weir is a reverse proxy, not a tunnel: the method is not
		   one it implements (a 405 would have to name an Allow). */
		buf_consume(&c->in, m->head_len);
		return local_response(c, 501, false);
	}
	if (svc->max_body_bytes != 0 && m->framing == H1_FRAME_LENGTH &&
	    m->content_length > svc->max_body_bytes) {
		log_info("client %s (service %s): body of %llu bytes over "
		    "max_body_bytes %llu", c->peer_text, svc->name,
		    (unsigned long long)m->content_length,
		    (unsigned long long)svc->max_body_bytes);
		buf_consume(&c->in, m->head_len);
		c->req_scan_done = false;
		return local_response(c, 413, false);
	}
	if (svc->redirect_https && c->ssl == NULL)
		return redirect_https(c);
	if (svc->role == ROLE_WEB_SERVER)
		return serve_static(c, svc);
	c->pool = svc->pool;
	if (svc->nroutes > 0) {
		const char	*host, *rest;
		size_t		 hlen, rlen;

		if (!rewrite_split_absolute(m->target, m->target_len, &host,
		    &hlen, &rest, &rlen)) {
			host = m->host != NULL ? m->host : "";
			hlen = m->host != NULL ? m->host_len : 0;
		}
		if (normalize_path(c) == -1) {
			buf_consume(&c->in, m->head_len);
			return local_response(c, 400, false);
		}
		c->route = route_match(svc, host, hlen, c->npath);
		if (c->route != NULL && c->route->service != NULL)
			return serve_static(c, c->route->service);
		if (c->route != NULL)
			c->pool = c->route->pool;
	}
	if (c->pool == NULL) {
		buf_consume(&c->in, m->head_len);
		return local_response(c, 404, true);
	}
	if (m->max_forwards == 0 && (method_is(m, "OPTIONS") ||
	    method_is(m, "TRACE")))
		return answer_max_forwards(c);
	if (c->pool->balance == BALANCE_URI) {
		if (normalize_path(c) == -1) {
			buf_consume(&c->in, m->head_len);
			return local_response(c, 400, false);
		}
		c->uri_key = chash_key(c->npath, c->npath_len);
	}
	if (cache_get(&head_cache, &c->hdr) == -1)
		return STEP_CLOSE;
	rr.msg = m;
	rr.svc = svc;
	rr.peer = (const struct sockaddr *)&c->peer;
	rr.peer_text = c->peer_text;
	rr.is_tls = c->ssl != NULL;
	rr.keep_backend = c->pool->persist;
	if (rewrite_request(&c->hdr, &rr) == -1) {
		buf_consume(&c->in, m->head_len);
		c->hdr.start = c->hdr.end = 0;
		return local_response(c, 431, false);
	}
	/* From here on the head's bytes are gone: only the scalars of
	   c->req (framing, lengths, flags) may be used. */
	buf_consume(&c->in, m->head_len);
	/* What of the body came with the head is checked before a backend
	   is chosen: a bad body then costs no backend a byte. */
	if ((status = take_request_body(c)) != 0)
		return refuse_body(c, status);
	return start_backend(c);
}

static enum step
step_tls_accept(struct conn *c)
{
	switch (tls_conn_handshake(c->ssl)) {
	case TLS_IO_OK:
		set_state(c, CONN_READ_HEAD);
		return STEP_NEXT;
	case TLS_IO_WANT_READ:
		c->c_readable = false;
		return STEP_WAIT;
	case TLS_IO_WANT_WRITE:
		c->c_writable = false;
		return STEP_WAIT;
	default:
		log_debug("client %s (service %s): TLS handshake failed: %s",
		    c->peer_text, c->svc->name, tls_error_text());
		c->end = END_BAD_REQUEST;
		return STEP_CLOSE;
	}
}

static enum step
step_read_head(struct conn *c)
{
	ssize_t	n;

	for (;;) {
		if (!buf_empty(&c->in)) {
			if (!c->has_request) {
				c->has_request = true;
				c->t_start_us = clock_us();
				strcpy(c->method, "-");
				strcpy(c->path, "-");
				if (c->nrequests > 0)
					set_deadline(c,
					    c->svc->request_header_timeout_ms);
			}
			switch (h1_parse_request(&c->req, buf_head(&c->in),
			    buf_len(&c->in), c->svc->max_header_bytes)) {
			case H1_DONE:
				return begin_request(c);
			case H1_BAD:
				log_info("client %s (service %s): rejected "
				    "request: %s", c->peer_text, c->svc->name,
				    c->req.why);
				c->end = END_BAD_REQUEST;
				return local_response(c, c->req.error_status,
				    false);
			case H1_AGAIN:
				break;
			}
		}
		if (c->c_eof) {
			c->end = END_CLIENT_CLOSED;
			return STEP_CLOSE;
		}
		if (!c->c_readable)
			return STEP_WAIT;
		if (buf_room(&c->in) == 0) {
			c->end = END_BAD_REQUEST;
			return local_response(c, 431, false);
		}
		n = client_read(c, &c->in);
		if (n > 0) {
			shm_add(&svc_stats(c)->bytes_in, (uint64_t)n);
			continue;
		}
		if (n == 0) {
			c->c_eof = true;
			continue;
		}
		if (would_block())
			return STEP_WAIT;
		if (errno == EINTR)
			continue;
		c->end = END_CLIENT_RESET;
		return STEP_CLOSE;
	}
}

/* ---- the exchange: request body up, response down ---- */

/* Request body bytes received so far: forwarded, or waiting in c->in. */
static uint64_t
body_received(const struct conn *c)
{
	return c->req_bytes + buf_len(&c->in);
}

/*
 * Whether weir is waiting on the client for request body bytes, so that the
 * time counts against it (client_body_timeout_ms, client_body_min_rate).
 * Not once the body is complete; not while c->in is full because the
 * backend does not take what weir holds; not while a client that sent
 * "Expect: 100-continue" waits for the backend's answer.
 */
static bool
waits_on_body(const struct conn *c)
{
	if (c->state != CONN_EXCHANGE || c->req_scan_done || c->c_eof ||
	    c->req_fwd + c->reqb.held != buf_len(&c->in) ||
	    buf_room(&c->in) == 0)
		return false;
	return !c->req.has_expect_continue || c->has_interim ||
	    c->has_resp_head || body_received(c) > 0;
}

/*
 * Called each time an exchange step waits.  While weir waits on the
 * client's body, the deadline is the body's; once it stops (body complete,
 * or the backend not reading), the backend's response_timeout_ms counts
 * from then.
 */
static void
body_pace_update(struct conn *c)
{
	bool	was_waiting = c->body_pace.is_waiting;
	bool	is_waiting = waits_on_body(c);

	min_rate_update(&c->body_pace, clock_now_ms(), body_received(c),
	    is_waiting);
	if (is_waiting)
		set_deadline(c, (unsigned)min_rate_left_ms(&c->body_pace,
		    c->svc->client_body_timeout_ms,
		    c->svc->client_body_min_rate));
	else if (was_waiting)
		set_deadline(c, c->pool->response_timeout_ms);
}

/* Lines a second each worker writes about slow bodies, so that 2,000 slow
   clients do not flood the log (weirctl counts every one). */
#define BODY_LOG_PER_S	10

static void
log_body_too_slow(const struct conn *c)
{
	static uint64_t	second;
	static unsigned	nlogged, nskipped;
	const struct min_rate *p = &c->body_pace;

	if (clock_now_ms() / 1000 != second) {
		if (nskipped > 0)
			log_info("%u more request bodies were cut off as too "
			    "slow in the previous second (not logged one by "
			    "one)", nskipped);
		second = clock_now_ms() / 1000;
		nlogged = nskipped = 0;
	}
	if (nlogged++ >= BODY_LOG_PER_S) {
		nskipped++;
		return;
	}
	log_info("client %s (service %s): request body too slow: %llu bytes "
	    "in %llu ms, %llu B/s, nothing for the last %llu ms "
	    "(client_body_min_rate %u, client_body_timeout_ms %u)",
	    c->peer_text, c->svc->name, (unsigned long long)p->bytes,
	    (unsigned long long)p->waited_ms,
	    (unsigned long long)min_rate_seen(p),
	    (unsigned long long)p->gap_ms, c->svc->client_body_min_rate,
	    c->svc->client_body_timeout_ms);
}

/*
 * The body deadline passed.  When the client really is below the limits,
 * the exchange is abandoned: 408 if no response has begun, else the
 * connection just closes; either way the backend connection is closed, not
 * reused, since the request it holds is incomplete.
 */
static enum step
body_too_slow(struct conn *c)
{
	uint64_t	left;

	min_rate_update(&c->body_pace, clock_now_ms(), body_received(c),
	    true);
	left = min_rate_left_ms(&c->body_pace, c->svc->client_body_timeout_ms,
	    c->svc->client_body_min_rate);
	if (left > 0) {
		set_deadline(c, (unsigned)left);
		return STEP_WAIT;
	}
	log_body_too_slow(c);
	shm_add(&svc_stats(c)->body_timeouts, 1);
	c->end = END_CLIENT_TIMEOUT;
	if (c->has_resp_head)
		return STEP_CLOSE;
	return local_response(c, 408, false);
}

static enum step
pump_request(struct conn *c, bool *progress)
{
	ssize_t		k;
	int		status;

	if ((status = take_request_body(c)) != 0)
		return refuse_body(c, status);
	if (c->req_fwd > 0 && c->b_writable) {
		k = backend_send(c, buf_head(&c->in), c->req_fwd);
		if (k > 0) {
			buf_consume(&c->in, (size_t)k);
			c->req_fwd -= (size_t)k;
			c->req_bytes += (uint64_t)k;
			shm_add(&backend_stats(c)->bytes_out, (uint64_t)k);
			*progress = true;
		} else if (!would_block()) {
			log_warn("backend %s (pool %s): send failed: %s",
			    backend_name(c), c->pool->name, strerror(errno));
			shm_add(&backend_stats(c)->errors, 1);
			c->end = END_BACKEND_RESET;
			if (c->has_resp_head)
				return STEP_CLOSE;
			return local_response(c, 502, false);
		}
	}
	if (c->req_scan_done && c->req_fwd == 0) {
		c->req_body_done = true;
		return STEP_WAIT;
	}
	/* More body to come: read only once every buffered byte is body, so
	   that a pipelined next request stays where it is. */
	if (!c->req_scan_done &&
	    c->req_fwd + c->reqb.held == buf_len(&c->in) &&
	    c->c_readable && !c->c_eof && buf_room(&c->in) > 0) {
		k = client_read(c, &c->in);
		if (k > 0) {
			shm_add(&svc_stats(c)->bytes_in, (uint64_t)k);
			*progress = true;
		} else if (k == 0 || (!would_block() && errno != EINTR)) {
			log_info("client %s (service %s): gone during the "
			    "request body", c->peer_text, c->svc->name);
			c->end = END_CLIENT_CLOSED;
			return STEP_CLOSE;
		}
	}
	return STEP_WAIT;
}

static enum step
take_response_head(struct conn *c)
{
	struct h1_msg		*m = &c->resp;
	struct rewrite_resp	 rr;
	int			 k;

	if (!c->hdr_is_resp) {
		/* The request head is not needed for a retry any more. */
		c->hdr.start = c->hdr.end = 0;
		c->hdr_is_resp = true;
	}
	if (m->status < 200) {
		if (m->status == 101) {
			/* weir removes Upgrade, so a switch was not asked. */
			log_warn("backend %s (pool %s): unrequested 101",
			    backend_name(c), c->pool->name);
			c->end = END_BACKEND_BAD;
			return local_response(c, 502, false);
		}
		if (!c->client_is_10 && rewrite_interim(&c->hdr, m) == -1)
			return local_response(c, 502, false);
		c->has_interim = true;
		buf_consume(&c->bin, m->head_len);
		h1_msg_reset(m);
		return STEP_WAIT;
	}
	c->status = m->status;
	c->resp_dechunk = c->client_is_10 && m->framing == H1_FRAME_CHUNKED;
	if (m->framing == H1_FRAME_CLOSE || c->resp_dechunk ||
	    !c->req_scan_done || c->w->is_draining)
		c->keep_client = false;
	c->b_keep = c->pool->persist && m->version_minor == 1 &&
	    !m->has_connection_close && m->framing != H1_FRAME_CLOSE;
	rr.msg = m;
	rr.svc = c->svc;
	rr.keep_client = c->keep_client;
	rr.client_is_10 = c->client_is_10;
	rr.dechunk = c->resp_dechunk;
	rr.hsts_max_age = c->ssl != NULL && c->svc->tls != NULL ?
	    c->svc->tls->hsts_max_age : 0;
	if (rewrite_response(&c->hdr, &rr) == -1) {
		log_warn("backend %s (pool %s): response head too large",
		    backend_name(c), c->pool->name);
		c->end = END_BACKEND_BAD;
		return local_response(c, 502, false);
	}
	h1_body_init(&c->respb, m->framing, m->content_length);
	buf_consume(&c->bin, m->head_len);
	c->has_resp_head = true;
	shm_add(&backend_stats(c)->latency[shm_latency_bucket(clock_us() -
	    c->t_backend_us)], 1);
	passive_success(c);
	k = shm_class(c->status);
	if (k != -1)
		shm_add(&backend_stats(c)->responses[k], 1);
	return STEP_WAIT;
}

static enum step
read_backend(struct conn *c, bool *progress)
{
	ssize_t	n;

	if (c->resp_done || c->b_eof || !c->b_readable || c->bc == NULL)
		return STEP_WAIT;
	if (cache_get(&body_cache, &c->bin) == -1)
		return STEP_CLOSE;
	if (buf_room(&c->bin) == 0)
		return STEP_WAIT;
	n = backend_read(c, &c->bin);
	if (n > 0) {
		shm_add(&backend_stats(c)->bytes_in, (uint64_t)n);
		*progress = true;
	} else if (n == 0) {
		c->b_eof = true;
		*progress = true;
	} else if (!would_block() && errno != EINTR) {
		c->b_eof = true;
		*progress = true;
	}
	return STEP_WAIT;
}

/*
 * Walks the response body buffered in bin: how much of it belongs to the
 * message (resp_fwd), with chunk framing re-written canonically, or cut
 * out for an HTTP/1.0 client.
 */
static enum step
scan_response_body(struct conn *c)
{
	enum h1_result	r;
	size_t		out, used;

	if (c->resp_scan_done)
		return STEP_WAIT;
	r = h1_body_reframe(&c->respb, buf_head(&c->bin) + c->resp_fwd,
	    buf_len(&c->bin) - c->resp_fwd, c->resp_dechunk, &out, &used);
	if (r == H1_BAD) {
		log_warn("backend %s (pool %s): bad response body framing",
		    backend_name(c), c->pool->name);
		shm_add(&backend_stats(c)->errors, 1);
		c->end = END_BACKEND_BAD;
		return STEP_CLOSE;
	}
	buf_cut(&c->bin, c->resp_fwd + out, used - out);
	c->resp_fwd += out;
	c->resp_scan_done = r == H1_DONE;
	return STEP_WAIT;
}

/*
 * Sends the head bytes queued in hdr to the client, and on a plain
 * connection the body bytes already buffered with them: one writev
 * instead of two sends for most responses.
 */
static enum step
write_client_head(struct conn *c, bool *progress)
{
	struct iovec	iov[2];
	size_t		hlen, body = 0;
	ssize_t		n;

	if (!c->hdr_is_resp || buf_empty(&c->hdr) || !c->c_writable)
		return STEP_WAIT;
	if (c->has_resp_head) {
		if (scan_response_body(c) == STEP_CLOSE)
			return STEP_CLOSE;
		body = c->resp_fwd;
	}
	if (body > 0 && c->ssl != NULL && buf_room(&c->hdr) >= body &&
	    buf_append(&c->hdr, buf_head(&c->bin), body) == 0) {
		/*
		 * No writev under TLS: the body already here goes into the
		 * head's buffer, so head and body leave as one record and
		 * one system call instead of two.
		 */
		buf_consume(&c->bin, body);
		c->resp_fwd = 0;
		c->resp_bytes += body;
		body = 0;
	}
	hlen = buf_len(&c->hdr);
	if (body == 0)
		n = client_send(c, buf_head(&c->hdr), hlen);
	else {
		iov[0].iov_base = buf_head(&c->hdr);
		iov[0].iov_len = hlen;
		iov[1].iov_base = buf_head(&c->bin);
		iov[1].iov_len = body;
		do {
			n = writev(c->cfd, iov, 2);
		} while (n == -1 && errno == EINTR);
		if (n == -1 && would_block())
			c->c_writable = false;
	}
	if (n > 0) {
		shm_add(&svc_stats(c)->bytes_out, (uint64_t)n);
		if ((size_t)n <= hlen)
			buf_consume(&c->hdr, (size_t)n);
		else {
			buf_consume(&c->hdr, hlen);
			n -= (ssize_t)hlen;
			buf_consume(&c->bin, (size_t)n);
			c->resp_fwd -= (size_t)n;
			c->resp_bytes += (uint64_t)n;
		}
		*progress = true;
	} else if (!would_block()) {
		c->end = END_CLIENT_RESET;
		return STEP_CLOSE;
	}
	return STEP_WAIT;
}

static enum step
pump_response_body(struct conn *c, bool *progress)
{
	ssize_t		k;

	if (scan_response_body(c) == STEP_CLOSE)
		return STEP_CLOSE;
	if (c->resp_fwd > 0 && c->c_writable) {
		k = client_send(c, buf_head(&c->bin), c->resp_fwd);
		if (k > 0) {
			buf_consume(&c->bin, (size_t)k);
			c->resp_fwd -= (size_t)k;
			c->resp_bytes += (uint64_t)k;
			shm_add(&svc_stats(c)->bytes_out, (uint64_t)k);
			*progress = true;
		} else if (!would_block()) {
			c->end = END_CLIENT_RESET;
			return STEP_CLOSE;
		}
	}
	if (c->resp_fwd > 0)
		return STEP_WAIT;
	if (c->resp_scan_done)
		c->resp_done = true;
	else if (c->b_eof) {
		if (c->respb.framing == H1_FRAME_CLOSE) {
			c->resp_done = true;
			c->b_keep = false;
		} else {
			/* The client cannot be told but by closing. */
			log_warn("backend %s (pool %s): closed mid-response "
			    "after %llu body bytes", backend_name(c),
			    c->pool->name,
			    (unsigned long long)c->respb.total);
			shm_add(&backend_stats(c)->errors, 1);
			c->end = END_BACKEND_RESET;
			return STEP_CLOSE;
		}
	}
	return STEP_WAIT;
}

static enum step
finish_exchange(struct conn *c)
{
	bool	keep_b;

	keep_b = c->b_keep && c->req_body_done && !c->b_eof &&
	    buf_empty(&c->bin);
	detach_backend(c, keep_b);
	c->end = END_DONE;
	end_request(c);
	if (c->keep_client && c->req_fwd > 0) {
		/* The backend answered before taking all of the body. */
		buf_consume(&c->in, c->req_fwd);
		c->req_fwd = 0;
	}
	return next_request(c);
}

static enum step
step_exchange(struct conn *c)
{
	enum step	rv;
	bool		progress;

	for (;;) {
		progress = false;
		if (!c->req_body_done &&
		    (rv = pump_request(c, &progress)) != STEP_WAIT)
			return rv;
		if ((rv = read_backend(c, &progress)) != STEP_WAIT)
			return rv;
		while (!c->has_resp_head && !buf_empty(&c->bin)) {
			enum h1_result r = h1_parse_response(&c->resp,
			    buf_head(&c->bin), buf_len(&c->bin),
			    CONN_BUF_BYTES, c->is_head);

			if (r == H1_AGAIN)
				break;
			if (r == H1_BAD) {
				log_warn("backend %s (pool %s): invalid "
				    "response: %s", backend_name(c),
				    c->pool->name, c->resp.why);
				shm_add(&backend_stats(c)->errors, 1);
				passive_failure(c, "invalid response");
				c->end = END_BACKEND_BAD;
				return local_response(c, 502, false);
			}
			if ((rv = take_response_head(c)) != STEP_WAIT)
				return rv;
			progress = true;
		}
		if (!c->has_resp_head && c->b_eof) {
			if (can_retry_fresh(c))
				return retry_fresh(c);
			log_warn("backend %s (pool %s): closed before a "
			    "complete response head", backend_name(c),
			    c->pool->name);
			shm_add(&backend_stats(c)->errors, 1);
			passive_failure(c, "closed before a response");
			c->end = END_BACKEND_RESET;
			return local_response(c, 502, false);
		}
		if ((rv = write_client_head(c, &progress)) != STEP_WAIT)
			return rv;
		if (c->has_resp_head && buf_empty(&c->hdr) &&
		    (rv = pump_response_body(c, &progress)) != STEP_WAIT)
			return rv;
		if (c->resp_done)
			return finish_exchange(c);
		if (!progress) {
			body_pace_update(c);
			return STEP_WAIT;
		}
		set_deadline(c, c->pool->response_timeout_ms);
	}
}

/* ---- accepting, draining ---- */

void
conn_accept(struct worker *w, int fd, const struct sockaddr *peer,
    socklen_t peerlen, const struct service_conf *svc)
{
	struct conn	*c = w->free_conns;
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
	w->free_conns = c->next;
	memset(c, 0, sizeof(*c));
	c->cev.kind = EV_CLIENT;
	c->w = w;
	c->in_use = true;
	c->cfd = fd;
	c->sfd = -1;
	c->backend = -1;
	c->svc = svc;
	if (peerlen > sizeof(c->peer))
		peerlen = sizeof(c->peer);
	memcpy(&c->peer, peer, peerlen);
	addr_format_host((const struct sockaddr *)&c->peer, c->peer_text,
	    sizeof(c->peer_text));
	timer_init(&c->timer, conn_timeout);
	h1_msg_reset(&c->req);
	h1_msg_reset(&c->resp);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	w->nactive++;
	shm_own_add(worker_held_service(w, c->svc->index), 1);
	shm_add(&w->shm->workers[w->id].active, 1);
	shm_add(&w->shm->workers[w->id].accepted, 1);
	if (cache_get(&head_cache, &c->in) == -1 ||
	    worker_watch(w, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	    &c->cev) == -1) {
		conn_close(c);
		return;
	}
	/* Optimistic: the request often arrives with the handshake's ACK. */
	c->c_readable = true;
	c->c_writable = true;
	ctx = w->tls != NULL ? tls_set_ctx(w->tls, svc->index) : NULL;
	if (ctx != NULL) {
		if ((c->ssl = tls_conn_new(ctx, fd)) == NULL) {
			log_error("service %s: no memory for a TLS connection",
			    svc->name);
			conn_close(c);
			return;
		}
		set_state(c, CONN_TLS_ACCEPT);
	} else
		set_state(c, CONN_READ_HEAD);
	conn_run(c);
}

void
conn_drain_idle(struct worker *w)
{
	size_t	i;

	/*
	 * Closing an idle keep-alive connection races with a request the
	 * client may be sending on it right now.  So each one gets a short
	 * grace: a request that comes is served with Connection: close (the
	 * client then reconnects, to a worker that accepts), one that does
	 * not come lets the connection close quietly.
	 */
	for (i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		if (c->in_use && !c->is_closing &&
		    c->state == CONN_READ_HEAD && buf_empty(&c->in)) {
			c->end = END_SHUTDOWN;
			set_deadline(c, DRAIN_IDLE_MS);
		}
	}
}

void
conn_close_all(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nconns; i++)
		if (w->conns[i].in_use && !w->conns[i].is_closing) {
			w->conns[i].end = END_SHUTDOWN;
			conn_close(&w->conns[i]);
		}
}
