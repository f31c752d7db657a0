/*
 * Backend connections: connect, TLS, verify, then READY for the owner;
 * parked idle between owners.  Each is registered with the loop once, for
 * its socket's whole life (edge-triggered), so handing it from one owner
 * to the next or to the idle list costs no system call.  Every message
 * about a failure is written here, where the cause is known; the owner
 * only counts it and moves on.
 *
 * Transitions (state, event -> state), the only ones upstream_next()
 * allows:
 *   CONNECT START_TLS    -> TLS      connected, the pool speaks TLS
 *   CONNECT START_VERIFY -> VERIFY   connected, the pool verifies
 *   CONNECT READY        -> READY    connected
 *   TLS     START_VERIFY -> VERIFY   handshake done, the pool verifies
 *   TLS     READY        -> READY    handshake done
 *   VERIFY  READY        -> READY    OPTIONS * answered 2xx, kept open
 *   READY   RELEASE      -> IDLE     the owner is done, kept
 *   IDLE    TAKE         -> READY    a new owner
 *   CONNECT, TLS, VERIFY, IDLE  FAIL  -> CLOSED
 *   READY, IDLE         CLOSE -> CLOSED
 *   READY   HAND_OVER    -> CLOSED   the owner took the socket (a tunnel)
 */
#include "worker/upstream.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/h1_parse.h"
#include "common/log.h"
#include "common/shm.h"
#include "tls/tls.h"
#include "worker/context.h"

static const enum bconn_state	table[BCONN_STATE_COUNT][BCONN_EV_COUNT] = {
#define N BCONN_STATE_COUNT
	/*               START_TLS  START_VERIFY   READY        RELEASE
	                 TAKE        FAIL           CLOSE         HAND_OVER */
	[BCONN_CONNECT] = { BCONN_TLS, BCONN_VERIFY, BCONN_READY, N,
			    N,          BCONN_CLOSED, N,            N },
	[BCONN_TLS] =     { N,         BCONN_VERIFY, BCONN_READY, N,
			    N,          BCONN_CLOSED, N,            N },
	[BCONN_VERIFY] =  { N,         N,            BCONN_READY, N,
			    N,          BCONN_CLOSED, N,            N },
	[BCONN_READY] =   { N,         N,            N,           BCONN_IDLE,
			    N,          N,            BCONN_CLOSED, BCONN_CLOSED },
	[BCONN_IDLE] =    { N,         N,            N,           N,
			    BCONN_READY, BCONN_CLOSED, BCONN_CLOSED, N },
	[BCONN_CLOSED] =  { N,         N,            N,           N,
			    N,          N,            N,            N },
#undef N
};

static const char *const state_names[BCONN_STATE_COUNT] = {
	[BCONN_CONNECT] = "connect", [BCONN_TLS] = "tls",
	[BCONN_VERIFY] = "verify", [BCONN_READY] = "ready",
	[BCONN_IDLE] = "idle", [BCONN_CLOSED] = "closed",
};

static const char *const event_names[BCONN_EV_COUNT] = {
	[BCONN_EV_START_TLS] = "start-tls",
	[BCONN_EV_START_VERIFY] = "start-verify", [BCONN_EV_READY] = "ready",
	[BCONN_EV_RELEASE] = "release", [BCONN_EV_TAKE] = "take",
	[BCONN_EV_FAIL] = "fail", [BCONN_EV_CLOSE] = "close",
	[BCONN_EV_HAND_OVER] = "hand-over",
};

void	(*upstream_trace)(enum bconn_state, enum bconn_event,
	    enum bconn_state);

enum bconn_state
upstream_next(enum bconn_state s, enum bconn_event ev)
{
	if ((unsigned)s >= BCONN_STATE_COUNT || (unsigned)ev >= BCONN_EV_COUNT)
		return BCONN_STATE_COUNT;
	return table[s][ev];
}

const char *
upstream_state_name(enum bconn_state s)
{
	return (unsigned)s < BCONN_STATE_COUNT ? state_names[s] : "?";
}

const char *
upstream_event_name(enum bconn_event ev)
{
	return (unsigned)ev < BCONN_EV_COUNT ? event_names[ev] : "?";
}

static void	on_socket(struct loop_io *io, uint32_t events);
static void	on_timer(struct timer *t);
static void	report_ready(struct loop_task *t);
static void	destroy(struct bconn *bc);
static void	step(struct bconn *bc);

static const char *
address(const struct bconn *bc)
{
	return worker_backend(bc->w, bc->backend)->address;
}

static const struct pool_conf *
pool_of(const struct bconn *bc)
{
	return bc->w->backends[bc->backend].pool;
}

/*
 * Moves <bc> on <ev>.  False when the table refuses: a bug, logged, and
 * the connection is then closed as failed.
 */
static bool
transition(struct bconn *bc, enum bconn_event ev)
{
	enum bconn_state	to = upstream_next(bc->state, ev);

	if (upstream_trace != NULL)
		upstream_trace(bc->state, ev, to);
	if (to == BCONN_STATE_COUNT) {
		log_error("backend %s: connection in state %s cannot take "
		    "event %s", address(bc), upstream_state_name(bc->state),
		    upstream_event_name(ev));
		return false;
	}
	log_debug("backend %s: connection %d: %s -> %s", address(bc),
	    bc->s.fd, upstream_state_name(bc->state),
	    upstream_state_name(to));
	bc->state = to;
	return true;
}

int
upstream_init(struct worker *w, size_t n)
{
	/* Untouched until used: calloc's pages come from the kernel zeroed
	   and cost nothing until a slot is handed out. */
	w->bconns = calloc(n, sizeof(*w->bconns));
	if (w->bconns == NULL)
		return -1;
	w->nbconns = n;
	w->nbconns_used = 0;
	w->free_bconns = NULL;
	return 0;
}

void
upstream_free(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nbconns_used; i++)
		if (w->bconns[i].s.fd != -1) {
			loop_del(&w->loop, &w->bconns[i].io);
			sock_close(&w->bconns[i].s, false);
		}
	for (i = 0; i < w->nbconns_used; i++)
		bufpool_put(&w->head_pool, &w->bconns[i].vin);
	free(w->bconns);
	w->bconns = NULL;
	w->nbconns = w->nbconns_used = 0;
}

static struct bconn *
slot_get(struct worker *w)
{
	struct bconn	*bc;

	if ((bc = w->free_bconns) != NULL)
		w->free_bconns = bc->next;
	else if (w->nbconns_used < w->nbconns)
		bc = &w->bconns[w->nbconns_used++];
	else
		return NULL;
	memset(bc, 0, sizeof(*bc));
	bc->w = w;
	bc->s.fd = -1;
	loop_io_init(&bc->io);
	timer_init(&bc->timer, on_timer);
	bc->ready_task.run = report_ready;
	return bc;
}

static void
release_dead(struct loop_task *t)
{
	struct worker	*w = (struct worker *)((char *)t -
	    offsetof(struct worker, bconn_release_task));
	struct bconn	*bc;

	while ((bc = w->dead_bconns) != NULL) {
		w->dead_bconns = bc->next;
		bc->next = w->free_bconns;
		w->free_bconns = bc;
	}
}

/*
 * Closes <bc>'s socket.  Its slot is freed at the end of the loop turn:
 * a report still queued for it (ready_task) must find it closed and say
 * nothing, not find it reused.
 */
static void
destroy(struct bconn *bc)
{
	struct worker	*w = bc->w;

	loop_del(&w->loop, &bc->io);
	sock_close(&bc->s, false);
	loop_timer_cancel(&w->loop, &bc->timer);
	bufpool_put(&w->head_pool, &bc->vin);
	bc->ops = NULL;
	bc->owner = NULL;
	bc->state = BCONN_CLOSED;
	bc->prev = NULL;
	bc->next = w->dead_bconns;
	w->dead_bconns = bc;
	w->bconn_release_task.run = release_dead;
	loop_at_end(&w->loop, &w->bconn_release_task);
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
	loop_timer_cancel(&bc->w->loop, &bc->timer);
}

/* It failed before READY: closed, and the owner told. */
static void
fail(struct bconn *bc, const char *why)
{
	const struct bconn_ops	*ops = bc->ops;
	void			*owner = bc->owner;

	(void)transition(bc, BCONN_EV_FAIL);
	destroy(bc);
	if (ops != NULL)
		ops->on_fail(owner, why);
}

static void
arm(struct bconn *bc, unsigned ms)
{
	(void)loop_timer_arm_in(&bc->w->loop, &bc->timer, ms);
}

struct bconn *
upstream_connect(struct worker *w, uint32_t backend,
    const struct bconn_ops *ops, void *owner)
{
	const struct addr	*a = &worker_backend(w, backend)->addr;
	struct bconn		*bc;
	int			 fd, one = 1, saved;

	if ((bc = slot_get(w)) == NULL) {
		errno = EMFILE;
		return NULL;
	}
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	/* Heads and small bodies must not wait for Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == -1 &&
	    errno != EINPROGRESS)
		goto fail;
	/* Edge-triggered for life: readiness is remembered in bc->s. */
	if (loop_add(&w->loop, &bc->io, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP |
	    EPOLLET, on_socket) == -1)
		goto fail;
	bc->s.fd = fd;
	bc->backend = backend;
	bc->slot_gen = w->backends[backend].slot_gen;
	bc->state = BCONN_CONNECT;
	bc->ops = ops;
	bc->owner = owner;
	arm(bc, pool_of(bc)->connect_timeout_ms);
	/* Connected at once or not, epoll reports EPOLLOUT once it is. */
	return bc;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	bc->next = w->free_bconns;
	w->free_bconns = bc;
	errno = saved;
	return NULL;
}

struct bconn *
upstream_take_idle(struct worker *w, uint32_t backend,
    const struct bconn_ops *ops, void *owner)
{
	struct bconn	*bc;

	/*
	 * No MSG_PEEK here: a connection the backend closed has been dropped
	 * on its EPOLLRDHUP, and the one whose FIN is still on the wire is
	 * what the fresh-connection retry of idempotent requests is for.  A
	 * peek per request would cost a system call to save almost nothing.
	 */
	/* Parked for the backend the slot held before: not this one. */
	while ((bc = w->backends[backend].idle) != NULL &&
	    bc->slot_gen != w->backends[backend].slot_gen) {
		unlink_idle(bc);
		(void)transition(bc, BCONN_EV_CLOSE);
		destroy(bc);
	}
	if (bc == NULL)
		return NULL;
	unlink_idle(bc);
	(void)transition(bc, BCONN_EV_TAKE);
	bc->ops = ops;
	bc->owner = owner;
	bc->is_reused = true;
	/* A parked connection is writable; nothing of the owner's is
	   waiting to be read. */
	bc->s.is_writable = true;
	bc->s.is_readable = false;
	return bc;
}

void
upstream_release(struct bconn *bc, bool keep)
{
	struct worker		*w = bc->w;
	struct backend_rt	*b = &w->backends[bc->backend];

	bc->ops = NULL;
	bc->owner = NULL;
	/* A slot that holds another backend now must not get it back, and
	   a disabled backend keeps no connection waiting. */
	if (!keep || bc->state != BCONN_READY ||
	    b->nidle >= b->pool->max_idle || w->is_draining ||
	    w->is_stopping || bc->slot_gen != b->slot_gen ||
	    shm_load(&w->shm->backends[bc->backend].admin_state) ==
	    SHM_ADMIN_DISABLED) {
		/* Before READY the owner gave up on it: that is a failure
		   of the connection's own steps. */
		(void)transition(bc, bc->state == BCONN_READY ?
		    BCONN_EV_CLOSE : BCONN_EV_FAIL);
		destroy(bc);
		return;
	}
	(void)transition(bc, BCONN_EV_RELEASE);
	arm(bc, UPSTREAM_IDLE_MS);
	bc->prev = NULL;
	bc->next = b->idle;
	if (b->idle != NULL)
		b->idle->prev = bc;
	b->idle = bc;
	b->nidle++;
}

void
upstream_hand_over(struct bconn *bc, struct sock *s)
{
	(void)transition(bc, BCONN_EV_HAND_OVER);
	/* Off the loop before the new holder registers the descriptor. */
	loop_del(&bc->w->loop, &bc->io);
	*s = bc->s;
	bc->s.fd = -1;
	bc->s.ssl = NULL;
	destroy(bc);
}

void
upstream_close_idle(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nbackends; i++)
		while (w->backends[i].idle != NULL) {
			struct bconn *bc = w->backends[i].idle;

			unlink_idle(bc);
			(void)transition(bc, BCONN_EV_CLOSE);
			destroy(bc);
		}
}

/* ---- READY, told out of line ---- */

/*
 * The owner hears of READY from a deferred task, never from inside its
 * own call into this module, so it never runs twice on one stack.
 */
static void
become_ready(struct bconn *bc)
{
	if (!transition(bc, BCONN_EV_READY)) {
		fail(bc, "internal error");
		return;
	}
	loop_timer_cancel(&bc->w->loop, &bc->timer);
	bufpool_put(&bc->w->head_pool, &bc->vin);
	loop_defer(&bc->w->loop, &bc->ready_task);
}

static void
report_ready(struct loop_task *t)
{
	struct bconn	*bc = (struct bconn *)((char *)t -
	    offsetof(struct bconn, ready_task));

	if (bc->state == BCONN_READY && bc->ops != NULL)
		bc->ops->on_ready(bc->owner);
}

/* ---- the steps before READY ---- */

/* Connected (and handshaken): verify, or READY. */
static void
after_handshake(struct bconn *bc)
{
	if (pool_of(bc)->verify) {
		if (!transition(bc, BCONN_EV_START_VERIFY)) {
			fail(bc, "internal error");
			return;
		}
		arm(bc, pool_of(bc)->connect_timeout_ms);
		h1_body_init(&bc->vbody, H1_FRAME_NONE, 0);
		step(bc);
		return;
	}
	become_ready(bc);
}

static void
connected(struct bconn *bc)
{
	const struct pool_conf	*pc = pool_of(bc);
	char			 ip[ADDR_STRLEN];
	SSL_CTX			*ctx;

	if (!pc->tls) {
		after_handshake(bc);
		return;
	}
	ctx = tls_set_pool_ctx(bc->w->tls, pc->index);
	addr_format_host((const struct sockaddr *)
	    &worker_backend(bc->w, bc->backend)->addr.ss, ip, sizeof(ip));
	if (ctx == NULL || (bc->s.ssl = tls_client_new(ctx, bc->s.fd,
	    pc->tls_server_name, ip)) == NULL) {
		log_error("backend %s (pool %s): no TLS context", address(bc),
		    pc->name);
		fail(bc, "connect failed");
		return;
	}
	if (!transition(bc, BCONN_EV_START_TLS)) {
		fail(bc, "internal error");
		return;
	}
	arm(bc, pc->connect_timeout_ms);
	step(bc);
}

static void
step_connect(struct bconn *bc)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (!bc->s.is_writable)
		return;
	if (getsockopt(bc->s.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		log_warn("backend %s (pool %s): connect failed: %s",
		    address(bc), pool_of(bc)->name, strerror(err));
		fail(bc, "connect failed");
		return;
	}
	connected(bc);
}

static void
step_tls(struct bconn *bc)
{
	switch (tls_conn_handshake(bc->s.ssl)) {
	case TLS_IO_OK:
		after_handshake(bc);
		return;
	case TLS_IO_WANT_READ:
		bc->s.is_readable = false;
		return;
	case TLS_IO_WANT_WRITE:
		bc->s.is_writable = false;
		return;
	default:
		log_warn("backend %s (pool %s): TLS handshake failed: %s%s%s",
		    address(bc), pool_of(bc)->name, tls_error_text(),
		    *tls_verify_text(bc->s.ssl) != '\0' ? ": " : "",
		    tls_verify_text(bc->s.ssl));
		fail(bc, "connect failed");
	}
}

static void
verify_failed(struct bconn *bc, const char *why)
{
	log_warn("backend %s (pool %s): verify (OPTIONS *) failed: %s",
	    address(bc), pool_of(bc)->name, why);
	fail(bc, "connect failed");
}

/*
 * Perlbal's verify_backend: "OPTIONS *" on a new connection, which is used
 * only once it answers 2xx and stays open.  A backend that accepts
 * connections before it can serve them (a forking Apache under load) is
 * caught here instead of on a client's request.  The answer's body, if
 * any, is read and dropped.
 */
static void
step_verify(struct bconn *bc)
{
	static const char	probe[] = "OPTIONS * HTTP/1.1\r\n"
	    "Host: weir-verify\r\nUser-Agent: weir\r\n\r\n";
	struct h1_msg		*m = &bc->w->resp_msg;
	enum h1_result		 r;
	size_t			 n;
	ssize_t			 k;
	bool			 is_data;
	char			 why[32];

	if (!bc->has_vsent) {
		if (!bc->s.is_writable)
			return;
		/* A new socket's send buffer takes these bytes at once. */
		if (sock_send(&bc->s, probe, sizeof(probe) - 1) !=
		    (ssize_t)sizeof(probe) - 1) {
			verify_failed(bc, sock_would_block() ? "no room to "
			    "send OPTIONS *" : strerror(errno));
			return;
		}
		bc->has_vsent = true;
		bc->s.is_readable = true;
	}
	if (bufpool_get(&bc->w->head_pool, &bc->vin) == -1) {
		verify_failed(bc, "out of memory");
		return;
	}
	for (;;) {
		bool	is_eof = false;

		if (bc->s.is_readable && buf_room(&bc->vin) > 0) {
			k = sock_read(&bc->s, &bc->vin);
			if (k == 0 || (k == -1 && !sock_would_block()))
				is_eof = true;
		}
		if (!bc->has_vhead) {
			h1_msg_reset(m);
			h1_resume_load(m, &bc->vresume);
			r = h1_parse_response(m, buf_head(&bc->vin),
			    buf_len(&bc->vin), bc->vin.cap, false);
			if (r == H1_BAD) {
				verify_failed(bc, m->why);
				return;
			}
			if (r == H1_AGAIN) {
				h1_resume_save(m, &bc->vresume);
				if (is_eof) {
					verify_failed(bc, "closed before "
					    "answering");
					return;
				}
				if (!bc->s.is_readable)
					return;
				if (buf_room(&bc->vin) == 0) {
					verify_failed(bc, "answer head too "
					    "large");
					return;
				}
				continue;
			}
			buf_consume(&bc->vin, m->head_len);
			memset(&bc->vresume, 0, sizeof(bc->vresume));
			if (m->status < 200)
				continue;
			if (m->status >= 300) {
				snprintf(why, sizeof(why), "status %d",
				    m->status);
				verify_failed(bc, why);
				return;
			}
			if (m->framing == H1_FRAME_CLOSE ||
			    m->has_connection_close) {
				verify_failed(bc, "it closes the connection "
				    "after answering");
				return;
			}
			h1_body_init(&bc->vbody, m->framing,
			    m->content_length);
			bc->has_vhead = true;
		}
		while ((r = h1_body_step(&bc->vbody, buf_head(&bc->vin),
		    buf_len(&bc->vin), &n, &is_data)) == H1_AGAIN && n > 0)
			buf_consume(&bc->vin, n);
		if (r == H1_BAD) {
			verify_failed(bc, "bad body framing");
			return;
		}
		if (r == H1_DONE) {
			buf_consume(&bc->vin, n);
			break;
		}
		if (is_eof) {
			verify_failed(bc, "closed mid-answer");
			return;
		}
		if (!bc->s.is_readable)
			return;
	}
	if (!buf_empty(&bc->vin)) {
		verify_failed(bc, "more than one answer");
		return;
	}
	log_debug("backend %s (pool %s): verified", address(bc),
	    pool_of(bc)->name);
	become_ready(bc);
}

static void
step(struct bconn *bc)
{
	switch (bc->state) {
	case BCONN_CONNECT:
		step_connect(bc);
		break;
	case BCONN_TLS:
		step_tls(bc);
		break;
	case BCONN_VERIFY:
		step_verify(bc);
		break;
	default:
		break;
	}
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

static void
on_socket(struct loop_io *io, uint32_t events)
{
	struct bconn	*bc = (struct bconn *)io;

	sock_note(&bc->s, events);
	switch (bc->state) {
	case BCONN_READY:
		if (bc->ops != NULL)
			bc->ops->on_io(bc->owner);
		break;
	case BCONN_IDLE:
		/* An idle connection says something only when it closes
		   (or misbehaves); a stale writable edge is no reason to
		   drop it. */
		if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
		    !still_open(bc->s.fd)) {
			unlink_idle(bc);
			(void)transition(bc, BCONN_EV_FAIL);
			destroy(bc);
		}
		break;
	case BCONN_CLOSED:
		break;
	default:
		step(bc);
		break;
	}
}

static void
on_timer(struct timer *t)
{
	struct bconn	*bc = (struct bconn *)((char *)t -
	    offsetof(struct bconn, timer));
	const struct pool_conf *pc = pool_of(bc);

	switch (bc->state) {
	case BCONN_CONNECT:
		log_warn("backend %s (pool %s): connect timed out after %u ms",
		    address(bc), pc->name, pc->connect_timeout_ms);
		fail(bc, "connect failed");
		break;
	case BCONN_TLS:
		log_warn("backend %s (pool %s): TLS handshake timed out after "
		    "%u ms", address(bc), pc->name, pc->connect_timeout_ms);
		fail(bc, "connect failed");
		break;
	case BCONN_VERIFY:
		verify_failed(bc, "no answer in time");
		break;
	case BCONN_IDLE:
		unlink_idle(bc);
		(void)transition(bc, BCONN_EV_CLOSE);
		destroy(bc);
		break;
	default:
		break;
	}
}
