/*
 * The proxy exchange, driven by events from both sides: the backend
 * connection (through its owner callbacks) and the client (through
 * proxy_client_io()).  Each step tries its I/O and waits only on EAGAIN;
 * readiness is remembered in the sockets' flags.
 *
 * Retries: a request moves to another backend (up to "retries") only when
 * none of its bytes reached the first one: the connect failed or timed
 * out, TLS or verify failed, or a reused idle connection was dead before
 * the head was written.  A bodiless GET, HEAD or OPTIONS written to a
 * reused connection that the backend closed without a byte of answer (the
 * keep-alive reuse race) goes once more on a new connection to the same
 * backend, never to another.
 */
#include "worker/proxy.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "worker/accesslog.h"
#include "worker/balance.h"
#include "worker/context.h"
#include "worker/front.h"
#include "worker/request_id.h"
#include "worker/respond.h"
#include "worker/rewrite.h"
#include "worker/tunnel.h"
#include "worker/upstream.h"

/* How often requests queued for a backend slot look for one. */
#define QUEUE_POLL_MS	10

/* Lines a second each worker writes about slow bodies, so that 2,000 slow
   clients do not flood the log (weirctl counts every one). */
#define BODY_LOG_PER_S	10

static void	on_ready(void *owner);
static void	on_fail(void *owner, const char *why);
static void	on_backend_io(void *owner);
static void	on_timer(struct timer *t);
static void	start_backend(struct proxy *px);
static void	pump(struct proxy *px);
static void	send_head(struct proxy *px);

static const struct bconn_ops	backend_ops = {
	.on_ready = on_ready,
	.on_fail = on_fail,
	.on_io = on_backend_io,
};

static struct shm_backend *
backend_stats(const struct proxy *px)
{
	return &px->w->shm->backends[px->backend];
}

static const char *
backend_name(const struct proxy *px)
{
	return worker_backend(px->w, (size_t)px->backend)->address;
}

static void
set_deadline(struct proxy *px, unsigned ms)
{
	px->deadline_ms = clock_now_ms() + ms;
	if (!timer_is_armed(&px->timer) ||
	    px->timer.deadline_ms > px->deadline_ms)
		(void)loop_timer_arm(&px->w->loop, &px->timer,
		    px->deadline_ms);
}

/* ---- the max_conns queue ---- */

static void
queue_remove(struct proxy *px)
{
	struct proxy_queue	*q;
	struct proxy		**pp, *prev = NULL;

	if (px->state != PROXY_QUEUED)
		return;
	q = &px->w->queues[px->q.pool->index];
	for (pp = &q->head; *pp != NULL; prev = *pp, pp = &(*pp)->qnext)
		if (*pp == px) {
			*pp = px->qnext;
			if (q->tail == px)
				q->tail = prev;
			q->len--;
			px->w->nqueued--;
			px->qnext = NULL;
			return;
		}
}

static void
queue_append(struct proxy *px)
{
	struct worker		*w = px->w;
	struct proxy_queue	*q = &w->queues[px->q.pool->index];

	px->qnext = NULL;
	if (q->tail != NULL)
		q->tail->qnext = px;
	else
		q->head = px;
	q->tail = px;
	q->len++;
	w->nqueued++;
	/* A slot may free in any worker, which sends us no event: look
	   again soon. */
	if (!timer_is_armed(&w->queue_timer))
		(void)loop_timer_arm_in(&w->loop, &w->queue_timer,
		    QUEUE_POLL_MS);
}

/* Gives queued requests of every pool another chance at a backend. */
static void
dispatch_queued(struct timer *t)
{
	struct worker		*w = (struct worker *)((char *)t -
	    offsetof(struct worker, queue_timer));
	struct proxy_queue	*q;
	struct proxy		*px;
	size_t			 i, n;

	for (i = 0; i < w->npools && w->nqueued > 0; i++) {
		q = &w->queues[i];
		for (n = q->len; n > 0 && (px = q->head) != NULL; n--) {
			q->head = px->qnext;
			if (q->head == NULL)
				q->tail = NULL;
			q->len--;
			w->nqueued--;
			px->qnext = NULL;
			start_backend(px);
			/* Back in the queue: the pool is still full. */
			if (px->state == PROXY_QUEUED)
				break;
		}
	}
	if (w->nqueued > 0)
		(void)loop_timer_arm_in(&w->loop, &w->queue_timer,
		    QUEUE_POLL_MS);
}

int
proxy_init(struct worker *w)
{
	w->queues = calloc(w->cfg->npools > 0 ? w->cfg->npools : 1,
	    sizeof(*w->queues));
	if (w->queues == NULL)
		return -1;
	w->nqueued = 0;
	timer_init(&w->queue_timer, dispatch_queued);
	return 0;
}

void
proxy_free(struct worker *w)
{
	free(w->queues);
	w->queues = NULL;
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
passive_failure(struct proxy *px, const char *what)
{
	struct shm_backend	*sb = backend_stats(px);
	const struct pool_conf	*pool = px->q.pool;
	uint32_t		 up = SHM_HEALTH_UP, n;

	if (!pool->health.enabled)
		return;
	n = __atomic_add_fetch(&sb->passive_fails, 1, __ATOMIC_RELAXED);
	if (n < pool->health.fall)
		return;
	if (__atomic_compare_exchange_n(&sb->health_state, &up,
	    SHM_HEALTH_DOWN, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		shm_store(&sb->passive_fails, 0);
		log_warn("backend %s (pool %s): marked down after %u failures "
		    "in a row on live traffic, the last: %s", backend_name(px),
		    pool->name, n, what);
	}
}

static void
passive_success(struct proxy *px)
{
	struct shm_backend	*sb = backend_stats(px);

	if (shm_load(&sb->passive_fails) != 0)
		shm_store(&sb->passive_fails, 0);
}

/* ---- the backend connection ---- */

/* <bc>, just connected or taken from the idle list, now serves <px>. */
static void
attach(struct proxy *px, struct bconn *bc)
{
	px->bc = bc;
	px->has_wrote = false;
	px->is_b_eof = false;
	shm_own_add(worker_held_backend(px->w, (size_t)px->backend), 1);
	if (px->q.pin != NULL)
		balance_pin(px->w, px->q.pin, (uint32_t)px->backend);
}

/*
 * Gives the backend connection up: parked for reuse when <keep>, else
 * closed.  <is_gone>: it already closed itself (it failed).
 */
static void
detach(struct proxy *px, bool keep, bool is_gone)
{
	if (px->bc == NULL)
		return;
	shm_own_sub(worker_held_backend(px->w, (size_t)px->backend), 1);
	if (!is_gone)
		upstream_release(px->bc, keep);
	px->bc = NULL;
}

/* ---- ending ---- */

/*
 * Ends the exchange with weir's own answer <status> (502, 503, 504, 408,
 * or a refused body's 400/413): nothing of a response has reached the
 * client yet.  <keep> false closes the connection after it.
 */
static void
answer(struct proxy *px, int status, bool keep)
{
	struct resp_head	*h = &px->w->resp;

	queue_remove(px);
	detach(px, false, false);
	loop_timer_cancel(&px->w->loop, &px->timer);
	px->state = PROXY_DONE;
	respond_local(h, status, px->q.is_head, px->q.svc->via);
	h->must_close = !keep;
	request_id_put(h, px->q.rec->request_id);
	if (h->is_full || px->q.fe->send_head(px->q.r, h) == -1) {
		px->q.fe->abort(px->q.r);
		return;
	}
	px->q.fe->finish(px->q.r);
}

/* A response already under way cannot be completed: cut the client off. */
static void
cut(struct proxy *px, enum end_reason why)
{
	*px->q.end = why;
	detach(px, false, false);
	loop_timer_cancel(&px->w->loop, &px->timer);
	px->state = PROXY_DONE;
	px->q.fe->abort(px->q.r);
}

/*
 * The request body is bad (<status>, 400 or 413).  Before the head went
 * out nothing reaches a backend: the client gets <status>.  After it, the
 * backend connection is closed with the message incomplete (it never gets
 * the last chunk, and is never reused), and the client gets <status>
 * unless a response is already under way, which is then cut short.
 */
static void
refuse_body(struct proxy *px, int status)
{
	if (status == 413)
		log_info("client %s (service %s): chunked body over "
		    "max_body_bytes %llu%s", px->q.peer_text, px->q.svc->name,
		    (unsigned long long)px->q.svc->max_body_bytes,
		    px->bc != NULL ? ": request aborted" : "");
	else
		log_info("client %s (service %s): bad chunked body%s",
		    px->q.peer_text, px->q.svc->name, px->bc != NULL ?
		    ": request aborted" : "");
	*px->q.end = END_BAD_REQUEST;
	if (px->has_resp_head) {
		cut(px, END_BAD_REQUEST);
		return;
	}
	answer(px, status, false);
}

/* ---- choosing and reaching a backend ---- */

/*
 * Picks a backend the request has not tried yet and starts on it: an idle
 * keep-alive connection when there is one, else a new connect.  A connect
 * that fails at once moves on to the next backend, up to <retries>.
 */
static void
start_backend(struct proxy *px)
{
	struct worker		*w = px->w;
	const struct pool_conf	*pool = px->q.pool;
	struct balance_req	 br;
	struct bconn		*bc;
	int			 idx;

	for (;;) {
		if (px->ntried >= 1 + pool->retries) {
			answer(px, 502, true);
			return;
		}
		br.tried = px->tried;
		br.ntried = px->ntried;
		br.client = px->q.peer;
		br.uri_key = px->q.uri_key;
		br.pin = px->q.pin;
		idx = balance_pick(w, pool, &br);
		if (idx == BALANCE_FULL) {
			bool	is_first = !px->was_queued;

			px->state = PROXY_QUEUED;
			queue_append(px);
			if (is_first) {
				px->was_queued = true;
				set_deadline(px, pool->queue_timeout_ms);
			}
			return;
		}
		if (idx == BALANCE_NONE) {
			if (px->ntried == 0) {
				/* Per request, so debug only: the health
				   checker says once why the pool is down. */
				log_debug("pool %s: no backend available "
				    "(service %s)", pool->name,
				    px->q.svc->name);
				*px->q.end = END_NO_BACKEND;
				answer(px, 503, true);
				return;
			}
			answer(px, 502, true);
			return;
		}
		px->tried[px->ntried++] = (uint32_t)idx;
		px->backend = idx;
		px->q.rec->backend = &worker_backend(w, (size_t)idx)->addr;
		px->q.rec->ntried = px->ntried;
		bc = pool->persist ? upstream_take_idle(w, (uint32_t)idx,
		    &backend_ops, px) : NULL;
		if (bc != NULL) {
			attach(px, bc);
			px->state = PROXY_SENDING;
			set_deadline(px, pool->response_timeout_ms);
			send_head(px);
			return;
		}
		bc = upstream_connect(w, (uint32_t)idx, &backend_ops, px);
		if (bc == NULL) {
			log_warn("backend %s (pool %s): connect failed: %s",
			    backend_name(px), pool->name, strerror(errno));
			shm_add(&backend_stats(px)->errors, 1);
			passive_failure(px, strerror(errno));
			*px->q.end = END_BACKEND_CONNECT;
			continue;
		}
		attach(px, bc);
		px->state = PROXY_CONNECTING;
		return;
	}
}

/*
 * Nothing of the request reached the backend (a connect, TLS or verify
 * failure, or a reused connection found dead): another backend may take
 * it.
 */
static void
backend_failed(struct proxy *px, bool is_new, bool is_gone, const char *why)
{
	if (is_new) {
		shm_add(&backend_stats(px)->errors, 1);
		passive_failure(px, why);
	}
	detach(px, false, is_gone);
	*px->q.end = END_BACKEND_CONNECT;
	px->hdr_off = 0;
	start_backend(px);
}

static void
on_ready(void *owner)
{
	struct proxy	*px = owner;

	if (px->state != PROXY_CONNECTING)
		return;
	px->state = PROXY_SENDING;
	set_deadline(px, px->q.pool->response_timeout_ms);
	send_head(px);
}

static void
on_fail(void *owner, const char *why)
{
	struct proxy	*px = owner;

	if (px->state != PROXY_CONNECTING)
		return;
	backend_failed(px, true, true, why);
}

static void
on_backend_io(void *owner)
{
	struct proxy	*px = owner;

	switch (px->state) {
	case PROXY_SENDING:
		send_head(px);
		break;
	case PROXY_EXCHANGE:
		pump(px);
		break;
	default:
		break;
	}
}

void
proxy_client_io(struct proxy *px)
{
	if (px->state == PROXY_EXCHANGE)
		pump(px);
}

/* ---- sending the head ---- */

static void
send_head(struct proxy *px)
{
	struct bconn	*bc = px->bc;
	ssize_t		 n;

	while (px->hdr_off < buf_len(&px->hdr)) {
		if (!bc->s.is_writable)
			return;
		n = sock_send(&bc->s, buf_head(&px->hdr) + px->hdr_off,
		    buf_len(&px->hdr) - px->hdr_off);
		if (n == -1 && sock_would_block())
			return;
		if (n == -1) {
			if (!px->has_wrote) {
				log_info("backend %s (pool %s): %s connection "
				    "failed before the request: %s",
				    backend_name(px), px->q.pool->name,
				    bc->is_reused ? "idle" : "new",
				    strerror(errno));
				backend_failed(px, !bc->is_reused, false,
				    "connect failed");
				return;
			}
			log_warn("backend %s (pool %s): send failed: %s",
			    backend_name(px), px->q.pool->name,
			    strerror(errno));
			shm_add(&backend_stats(px)->errors, 1);
			*px->q.end = END_BACKEND_RESET;
			answer(px, 502, false);
			return;
		}
		px->hdr_off += (size_t)n;
		px->has_wrote = true;
		shm_add(&backend_stats(px)->bytes_out, (uint64_t)n);
	}
	if (!px->is_fresh_retry)
		shm_add(&backend_stats(px)->requests, 1);
	px->q.rec->t_backend_us = clock_us();
	px->state = PROXY_EXCHANGE;
	pump(px);
}

/*
 * A reused connection that the backend closed just as we wrote to it
 * answers with EOF and nothing else.  The backend never saw the request,
 * so a request that is safe to repeat (RFC 9110 9.2.2) and has no body goes
 * once more on a new connection to the same backend: never to a second
 * backend, and never for a request that could have had an effect.
 */
static bool
can_retry_fresh(const struct proxy *px)
{
	return px->bc->is_reused && !px->is_fresh_retry &&
	    buf_empty(&px->bin) && px->q.framing == H1_FRAME_NONE &&
	    px->q.is_idempotent;
}

static void
retry_fresh(struct proxy *px)
{
	struct bconn	*bc;

	detach(px, false, false);
	px->is_fresh_retry = true;
	px->hdr_off = 0;
	bc = upstream_connect(px->w, (uint32_t)px->backend, &backend_ops, px);
	if (bc == NULL) {
		*px->q.end = END_BACKEND_CONNECT;
		answer(px, 502, false);
		return;
	}
	attach(px, bc);
	px->state = PROXY_CONNECTING;
}

/* ---- the request body ---- */

/* Request body bytes received so far: forwarded, or held by the front. */
static uint64_t
body_received(const struct proxy *px, uint64_t buffered)
{
	return px->req_bytes + buffered;
}

/*
 * Whether weir is waiting on the client for request body bytes, so that the
 * time counts against it (client_body_timeout_ms, client_body_min_rate).
 * Not once the body is complete; not while the front end's buffer is full
 * because the backend does not take what weir holds; not while a client
 * that sent "Expect: 100-continue" waits for the backend's answer.
 */
static bool
waits_on_body(const struct proxy *px, uint64_t *buffered)
{
	*buffered = 0;
	if (px->state != PROXY_EXCHANGE || px->req_body_done ||
	    !px->q.fe->body_waits_on_client(px->q.r, buffered))
		return false;
	return !px->q.has_expect || px->has_interim || px->has_resp_head ||
	    body_received(px, *buffered) > 0;
}

/*
 * Called each time the exchange waits.  While weir waits on the client's
 * body, the deadline is the body's; once it stops (body complete, or the
 * backend not reading), the backend's response_timeout_ms counts from
 * then.
 */
static void
body_pace_update(struct proxy *px)
{
	bool		was_waiting = px->body_pace.is_waiting;
	uint64_t	buffered;
	bool		is_waiting = waits_on_body(px, &buffered);

	min_rate_update(&px->body_pace, clock_now_ms(),
	    body_received(px, buffered), is_waiting);
	if (is_waiting)
		set_deadline(px, (unsigned)min_rate_left_ms(&px->body_pace,
		    px->q.svc->client_body_timeout_ms,
		    px->q.svc->client_body_min_rate));
	else if (was_waiting)
		set_deadline(px, px->q.pool->response_timeout_ms);
}

static void
log_body_too_slow(const struct proxy *px)
{
	static uint64_t	second;
	static unsigned	nlogged, nskipped;
	const struct min_rate *p = &px->body_pace;

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
	    px->q.peer_text, px->q.svc->name, (unsigned long long)p->bytes,
	    (unsigned long long)p->waited_ms,
	    (unsigned long long)min_rate_seen(p),
	    (unsigned long long)p->gap_ms, px->q.svc->client_body_min_rate,
	    px->q.svc->client_body_timeout_ms);
}

/*
 * The body deadline passed.  When the client really is below the limits,
 * the exchange is abandoned: 408 if no response has begun, else the
 * connection just closes; either way the backend connection is closed, not
 * reused, since the request it holds is incomplete.
 */
static void
body_too_slow(struct proxy *px)
{
	uint64_t	left, buffered;

	(void)px->q.fe->body_waits_on_client(px->q.r, &buffered);
	min_rate_update(&px->body_pace, clock_now_ms(),
	    body_received(px, buffered), true);
	left = min_rate_left_ms(&px->body_pace,
	    px->q.svc->client_body_timeout_ms,
	    px->q.svc->client_body_min_rate);
	if (left > 0) {
		set_deadline(px, (unsigned)left);
		return;
	}
	log_body_too_slow(px);
	shm_add(&px->w->shm->services[px->q.svc->index].body_timeouts, 1);
	*px->q.end = END_CLIENT_TIMEOUT;
	if (px->has_resp_head) {
		cut(px, END_CLIENT_TIMEOUT);
		return;
	}
	answer(px, 408, false);
}

/* Returns false when the exchange ended. */
static bool
pump_request(struct proxy *px, bool *progress)
{
	const char	*p;
	bool		 is_last;
	ssize_t		 n, k = 0;

	n = px->q.fe->body_peek(px->q.r, &p, &is_last);
	if (n == -1) {
		refuse_body(px, *px->q.status_hint);
		return false;
	}
	if (n > 0 && px->bc->s.is_writable) {
		k = sock_send(&px->bc->s, p, (size_t)n);
		if (k > 0) {
			px->q.fe->body_consume(px->q.r, (size_t)k);
			px->req_bytes += (uint64_t)k;
			shm_add(&backend_stats(px)->bytes_out, (uint64_t)k);
			*progress = true;
		} else if (!sock_would_block()) {
			log_warn("backend %s (pool %s): send failed: %s",
			    backend_name(px), px->q.pool->name,
			    strerror(errno));
			shm_add(&backend_stats(px)->errors, 1);
			*px->q.end = END_BACKEND_RESET;
			if (px->has_resp_head)
				cut(px, END_BACKEND_RESET);
			else
				answer(px, 502, false);
			return false;
		} else
			k = 0;
	}
	if (is_last && n == k)
		px->req_body_done = true;
	return true;
}

/* ---- the response ---- */

/* Returns false when the exchange ended. */
static bool
read_backend(struct proxy *px, bool *progress)
{
	struct bconn	*bc = px->bc;
	ssize_t		 n;

	if (px->resp_done || px->is_b_eof || !bc->s.is_readable)
		return true;
	if (bufpool_get(&px->w->body_pool, &px->bin) == -1) {
		cut(px, END_BACKEND_RESET);
		return false;
	}
	if (buf_room(&px->bin) == 0)
		return true;
	n = sock_read(&bc->s, &px->bin);
	if (n > 0) {
		shm_add(&backend_stats(px)->bytes_in, (uint64_t)n);
		*progress = true;
	} else if (n == 0 || !sock_would_block()) {
		px->is_b_eof = true;
		*progress = true;
	}
	return true;
}

/* What a response head tells about its backend: latency, health, class. */
static void
count_response(struct proxy *px)
{
	uint64_t	us = clock_us() - px->q.rec->t_backend_us;
	int		k;

	shm_add(&backend_stats(px)->latency[shm_latency_bucket(us)], 1);
	shm_add(&backend_stats(px)->latency_sum_us, us);
	passive_success(px);
	k = shm_class(px->status);
	if (k != -1)
		shm_add(&backend_stats(px)->responses[k], 1);
}

/*
 * The backend switched protocols (RFC 9110 15.2.2): after its 101 the
 * connection is no longer HTTP.  The 101 goes to the client and a tunnel
 * takes both sides: the backend's socket with what the backend sent after
 * the 101 now, the client's from the front end (q.fe->upgrade).  A 101
 * the request did not ask for, or to a protocol not offered, is an
 * invalid response.  Always false: the exchange is over.
 */
static bool
switch_protocols(struct proxy *px, const struct h1_msg *m)
{
	struct worker		*w = px->w;
	struct resp_head	*h = &w->resp;
	struct rewrite_resp	 rr;
	struct tunnel		*t;
	struct sock		 s;
	const char		*proto;
	size_t			 plen;

	if (rewrite_upgrade_answer(m, px->q.svc, px->q.upgrade, &proto,
	    &plen) == -1) {
		log_warn("backend %s (pool %s): 101 to a protocol the request "
		    "did not offer", backend_name(px), px->q.pool->name);
		shm_add(&backend_stats(px)->errors, 1);
		*px->q.end = END_BACKEND_BAD;
		answer(px, 502, false);
		return false;
	}
	rr.msg = m;
	rr.svc = px->q.svc;
	rr.hsts_max_age = px->q.is_tls && px->q.svc->tls != NULL ?
	    px->q.svc->tls->hsts_max_age : 0;
	rewrite_response(h, &rr);
	request_id_put(h, px->q.rec->request_id);
	h->framing = H1_FRAME_NONE;
	h->upgrade = proto;
	h->upgrade_len = plen;
	if (h->is_full || (t = tunnel_new(w, px->q.svc)) == NULL) {
		log_warn("backend %s (pool %s): %s", backend_name(px),
		    px->q.pool->name, h->is_full ? "101 head too large" :
		    "no tunnel slot for a 101");
		*px->q.end = END_BACKEND_BAD;
		answer(px, 502, false);
		return false;
	}
	if (px->q.fe->send_head(px->q.r, h) == -1) {
		tunnel_discard(t);
		*px->q.end = END_BACKEND_BAD;
		answer(px, 502, false);
		return false;
	}
	px->status = m->status;
	px->has_resp_head = true;
	count_response(px);
	buf_consume(&px->bin, m->head_len);
	/* The backend's side is the tunnel's from here: no longer this
	   exchange's to count or release. */
	shm_own_sub(worker_held_backend(w, (size_t)px->backend), 1);
	upstream_hand_over(px->bc, &s);
	px->bc = NULL;
	tunnel_take_backend(t, &s, &px->bin, &w->body_pool,
	    (uint32_t)px->backend);
	loop_timer_cancel(&w->loop, &px->timer);
	*px->q.end = END_DONE;
	px->state = PROXY_DONE;
	if (px->q.fe->upgrade(px->q.r, t) == -1) {
		tunnel_discard(t);
		*px->q.end = END_CLIENT_RESET;
		px->q.fe->abort(px->q.r);
	}
	return false;
}

/* The backend's head is parsed in <m>.  Returns false when it ended. */
static bool
take_response_head(struct proxy *px, const struct h1_msg *m)
{
	struct worker		*w = px->w;
	struct resp_head	*h = &w->resp;
	struct rewrite_resp	 rr;
	int			 rv;

	/* The request head is not needed for a retry any more. */
	px->hdr.start = px->hdr.end = 0;
	if (m->status == 101)
		return switch_protocols(px, m);
	if (m->status < 200) {
		rewrite_interim(h, m);
		if (h->is_full || px->q.fe->send_head(px->q.r, h) == -1) {
			answer(px, 502, false);
			return false;
		}
		px->has_interim = true;
		buf_consume(&px->bin, m->head_len);
		memset(&px->resume, 0, sizeof(px->resume));
		return true;
	}
	if (px->q.must_switch && m->status < 300) {
		/* RFC 8441 5: a 2xx would tell the client its tunnel is
		   open. */
		log_warn("backend %s (pool %s): %d, not 101, to an upgrade "
		    "asked over HTTP/2", backend_name(px), px->q.pool->name,
		    m->status);
		shm_add(&backend_stats(px)->errors, 1);
		*px->q.end = END_BACKEND_BAD;
		answer(px, 502, false);
		return false;
	}
	px->status = m->status;
	px->is_b_keep = px->q.pool->persist && m->version_minor == 1 &&
	    !m->has_connection_close && m->framing != H1_FRAME_CLOSE;
	rr.msg = m;
	rr.svc = px->q.svc;
	rr.hsts_max_age = px->q.is_tls && px->q.svc->tls != NULL ?
	    px->q.svc->tls->hsts_max_age : 0;
	rewrite_response(h, &rr);
	request_id_put(h, px->q.rec->request_id);
	if (h->is_full || (rv = px->q.fe->send_head(px->q.r, h)) == -1) {
		log_warn("backend %s (pool %s): response head too large",
		    backend_name(px), px->q.pool->name);
		*px->q.end = END_BACKEND_BAD;
		answer(px, 502, false);
		return false;
	}
	px->is_bare = rv == FRONT_BARE;
	h1_body_init(&px->respb, m->framing, m->content_length);
	buf_consume(&px->bin, m->head_len);
	memset(&px->resume, 0, sizeof(px->resume));
	px->has_resp_head = true;
	count_response(px);
	return true;
}

/*
 * Walks the response body buffered in bin: how much of it belongs to the
 * message (resp_fwd), with chunk framing re-written canonically, or cut
 * out when the front end wants the body bare.  Returns false when the
 * exchange ended.
 */
static bool
scan_response_body(struct proxy *px)
{
	enum h1_result	r;
	size_t		out, used;

	if (px->resp_scan_done || px->bin.data == NULL)
		return true;
	r = h1_body_reframe(&px->respb, buf_head(&px->bin) + px->resp_fwd,
	    buf_len(&px->bin) - px->resp_fwd, px->is_bare, &out, &used);
	if (r == H1_BAD) {
		log_warn("backend %s (pool %s): bad response body framing",
		    backend_name(px), px->q.pool->name);
		shm_add(&backend_stats(px)->errors, 1);
		cut(px, END_BACKEND_BAD);
		return false;
	}
	buf_cut(&px->bin, px->resp_fwd + out, used - out);
	px->resp_fwd += out;
	px->resp_scan_done = r == H1_DONE;
	return true;
}

/* Returns false when the exchange ended. */
static bool
pump_response_body(struct proxy *px, bool *progress)
{
	ssize_t	k;

	if (!scan_response_body(px))
		return false;
	if (px->resp_fwd > 0) {
		k = px->q.fe->send_body(px->q.r, buf_head(&px->bin),
		    px->resp_fwd);
		if (k > 0) {
			buf_consume(&px->bin, (size_t)k);
			px->resp_fwd -= (size_t)k;
			*progress = true;
		} else if (k == -1) {
			*px->q.end = END_CLIENT_RESET;
			detach(px, false, false);
			loop_timer_cancel(&px->w->loop, &px->timer);
			px->state = PROXY_DONE;
			return false;
		}
	}
	if (px->resp_fwd > 0)
		return true;
	if (px->resp_scan_done)
		px->resp_done = true;
	else if (px->is_b_eof) {
		if (px->respb.framing == H1_FRAME_CLOSE) {
			px->resp_done = true;
			px->is_b_keep = false;
		} else {
			/* The client cannot be told but by a reset. */
			log_warn("backend %s (pool %s): closed mid-response "
			    "after %llu body bytes", backend_name(px),
			    px->q.pool->name,
			    (unsigned long long)px->respb.total);
			shm_add(&backend_stats(px)->errors, 1);
			cut(px, END_BACKEND_RESET);
			return false;
		}
	}
	return true;
}

static void
finish_exchange(struct proxy *px)
{
	bool	keep_b;

	keep_b = px->is_b_keep && px->req_body_done && !px->is_b_eof &&
	    buf_empty(&px->bin);
	detach(px, keep_b, false);
	loop_timer_cancel(&px->w->loop, &px->timer);
	*px->q.end = END_DONE;
	px->state = PROXY_DONE;
	bufpool_put(&px->w->body_pool, &px->bin);
	px->q.fe->finish(px->q.r);
}

/* Request body up, response down, until both are done or one fails. */
static void
pump(struct proxy *px)
{
	struct h1_msg	*m = &px->w->resp_msg;
	enum h1_result	 r;
	bool		 progress;

	for (;;) {
		progress = false;
		if (!px->req_body_done && !pump_request(px, &progress))
			return;
		if (!read_backend(px, &progress))
			return;
		while (!px->has_resp_head && px->bin.data != NULL &&
		    !buf_empty(&px->bin)) {
			h1_msg_reset(m);
			h1_resume_load(m, &px->resume);
			r = h1_parse_response(m, buf_head(&px->bin),
			    buf_len(&px->bin), WORKER_BODY_BYTES,
			    px->q.is_head);
			if (r == H1_AGAIN) {
				h1_resume_save(m, &px->resume);
				break;
			}
			if (r == H1_BAD) {
				log_warn("backend %s (pool %s): invalid "
				    "response: %s", backend_name(px),
				    px->q.pool->name, m->why);
				shm_add(&backend_stats(px)->errors, 1);
				passive_failure(px, "invalid response");
				*px->q.end = END_BACKEND_BAD;
				answer(px, 502, false);
				return;
			}
			if (!take_response_head(px, m))
				return;
			progress = true;
		}
		if (!px->has_resp_head && px->is_b_eof) {
			if (can_retry_fresh(px)) {
				retry_fresh(px);
				return;
			}
			log_warn("backend %s (pool %s): closed before a "
			    "complete response head", backend_name(px),
			    px->q.pool->name);
			shm_add(&backend_stats(px)->errors, 1);
			passive_failure(px, "closed before a response");
			*px->q.end = END_BACKEND_RESET;
			answer(px, 502, false);
			return;
		}
		if (px->has_resp_head && !pump_response_body(px, &progress))
			return;
		if (px->resp_done) {
			finish_exchange(px);
			return;
		}
		if (!progress) {
			body_pace_update(px);
			return;
		}
		set_deadline(px, px->q.pool->response_timeout_ms);
	}
}

/* ---- deadlines ---- */

static void
on_timer(struct timer *t)
{
	struct proxy	*px = (struct proxy *)((char *)t -
	    offsetof(struct proxy, timer));

	if (px->state == PROXY_DONE || px->state == PROXY_IDLE)
		return;
	if (px->deadline_ms > clock_now_ms()) {
		(void)loop_timer_arm(&px->w->loop, &px->timer,
		    px->deadline_ms);
		return;
	}
	if (px->state == PROXY_EXCHANGE && px->body_pace.is_waiting) {
		body_too_slow(px);
		return;
	}
	switch (px->state) {
	case PROXY_QUEUED:
		log_warn("pool %s: no backend slot within %u ms (every usable "
		    "backend at max_conns; service %s)", px->q.pool->name,
		    px->q.pool->queue_timeout_ms, px->q.svc->name);
		*px->q.end = END_NO_BACKEND;
		answer(px, 503, true);
		break;
	case PROXY_SENDING:
	case PROXY_EXCHANGE:
		*px->q.end = END_BACKEND_TIMEOUT;
		if (px->has_resp_head) {
			cut(px, END_BACKEND_TIMEOUT);
			break;
		}
		log_warn("backend %s (pool %s): no response within %u ms",
		    backend_name(px), px->q.pool->name,
		    px->q.pool->response_timeout_ms);
		shm_add(&backend_stats(px)->errors, 1);
		passive_failure(px, "response timeout");
		answer(px, 504, false);
		break;
	default:
		break;
	}
}

/* ---- the way in and out ---- */

void
proxy_start(struct worker *w, struct proxy *px, const struct proxy_req *q)
{
	const char	*p;
	bool		 is_last;

	px->q = *q;
	px->w = w;
	px->state = PROXY_IDLE;
	px->backend = -1;
	timer_init(&px->timer, on_timer);
	min_rate_start(&px->body_pace);
	/* What of the body came with the head is checked before a backend
	   is chosen: a bad body then costs no backend a byte. */
	if (px->q.fe->body_peek(px->q.r, &p, &is_last) == -1) {
		refuse_body(px, *px->q.status_hint);
		return;
	}
	start_backend(px);
}

void
proxy_release(struct worker *w, struct proxy *px)
{
	if (px->w == NULL)
		px->w = w;
	queue_remove(px);
	/* Kept only by finish_exchange(); anything else is cut short. */
	detach(px, false, false);
	loop_timer_cancel(&w->loop, &px->timer);
	px->state = PROXY_DONE;
	bufpool_put(&w->head_pool, &px->hdr);
	bufpool_put(&w->body_pool, &px->bin);
}
