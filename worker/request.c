/*
 * One request: what it asks (method, target, limits), where it goes (a
 * route to a pool or a web_server service, an https redirect, weir's own
 * answer) and the record of how it went.  The answer goes out through the
 * front end that carries the request; the proxy exchange has its own file.
 */
#include "worker/request.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/path.h"
#include "common/shm.h"
#include "worker/balance.h"
#include "worker/chash.h"
#include "worker/context.h"
#include "worker/front.h"
#include "worker/request_id.h"
#include "worker/respond.h"
#include "worker/rewrite.h"
#include "worker/route.h"
#include "worker/static.h"
#include "worker/stats_service.h"

/* A web_server file goes out in pieces of at most this much. */
#define STATIC_PIECE	(1 << 20)

static void	release_ended(struct loop_task *t);
static void	on_static_timer(struct timer *t);

int
request_pool_init(struct worker *w, size_t n)
{
	/* Untouched until used, like the session slots. */
	w->requests = calloc(n, sizeof(*w->requests));
	if (w->requests == NULL)
		return -1;
	w->nrequests = n;
	w->nrequests_used = 0;
	w->free_requests = NULL;
	w->ended = NULL;
	w->request_release_task.run = release_ended;
	return 0;
}

void
request_pool_free(struct worker *w)
{
	size_t	i;

	for (i = 0; i < w->nrequests_used; i++)
		if (!w->requests[i].is_ended && w->requests[i].w != NULL)
			request_end(&w->requests[i], true);
	free(w->requests);
	w->requests = NULL;
	w->nrequests = w->nrequests_used = 0;
}

static void
release_ended(struct loop_task *t)
{
	struct worker	*w = (struct worker *)((char *)t -
	    offsetof(struct worker, request_release_task));
	struct request	*r;

	while ((r = w->ended) != NULL) {
		w->ended = r->next;
		r->w = NULL;
		r->next = w->free_requests;
		w->free_requests = r;
	}
}

static void
copy_text(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

struct request *
request_new(struct worker *w, const struct front_ops *fe, void *fe_ctx,
    const struct service_conf *svc, const struct sockaddr *peer,
    bool is_tls, uint64_t t_start_us)
{
	struct request	*r;

	if ((r = w->free_requests) != NULL)
		w->free_requests = r->next;
	else if (w->nrequests_used < w->nrequests)
		r = &w->requests[w->nrequests_used++];
	else {
		static uint64_t	last_warned;

		/* An HTTP/2 connection can ask for many at once: one line
		   per 10 s, not one per refused stream. */
		if (last_warned == 0 || clock_now_ms() - last_warned > 10000) {
			last_warned = clock_now_ms();
			log_warn("service %s: all %zu request slots in use; "
			    "raise max_connections", svc->name, w->nrequests);
		}
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->w = w;
	r->fe = fe;
	r->fe_ctx = fe_ctx;
	r->svc = svc;
	r->peer = peer;
	r->pin = NULL;
	r->is_tls = is_tls;
	r->sfd = -1;
	r->px.backend = -1;
	timer_init(&r->timer, on_static_timer);
	addr_format_host(peer, r->rec.peer, sizeof(r->rec.peer));
	strcpy(r->rec.method, "-");
	strcpy(r->rec.path, "-");
	r->rec.proto = SHM_PROTO_HTTP11;
	r->rec.service = svc->name;
	r->rec.t_start_us = t_start_us;
	/* Made now, so that a request refused before its head parsed has
	   one in its answer and its log line too. */
	if (svc->request_id)
		request_id_make(&w->request_ids, r->rec.request_id);
	return r;
}

void
request_note_received(struct request *r, const char *p, size_t len)
{
	if (len > sizeof(r->rec.received))
		len = sizeof(r->rec.received);
	memcpy(r->rec.received, p, len);
	r->rec.received_len = (uint16_t)len;
}

void
request_note_tls(struct request *r, const char *version, const char *sni)
{
	r->rec.tls_version = version;
	if (sni != NULL && log_format_uses(r->w->access.fmt, LOG_FIELD_SNI))
		copy_text(r->rec.sni, sizeof(r->rec.sni), sni, strlen(sni));
}

/* The final head <h> to the client, with the request's X-Request-Id. */
static int
send_final_head(struct request *r, struct resp_head *h)
{
	request_id_put(h, r->rec.request_id);
	if (h->is_full)
		return -1;
	return r->fe->send_head(r, h);
}

/* ---- answers weir writes itself ---- */

/*
 * Sends the head weir built in w->resp, with its short body, and ends the
 * response.  <keep> false closes the connection after it.
 */
static void
answer(struct request *r, bool keep)
{
	struct resp_head	*h = &r->w->resp;

	r->kind = REQ_LOCAL;
	h->must_close = !keep;
	if (send_final_head(r, h) == -1) {
		r->end = END_BAD_REQUEST;
		r->fe->abort(r);
		return;
	}
	r->fe->finish(r);
}

static void
local(struct request *r, int status, bool keep)
{
	respond_local(&r->w->resp, status, r->is_head, r->svc->via);
	answer(r, keep);
}

void
request_reject(struct request *r, int status, const char *why)
{
	(void)why;
	r->end = END_BAD_REQUEST;
	local(r, status, false);
}

/*
 * "redirect_https": the same host (without a port: the https one is not
 * this one) and target, over https.  A request that brought a body is
 * answered and the connection closed rather than read on.
 */
static void
redirect_https(struct request *r, const struct h1_msg *m)
{
	const char	*host = m->host, *path = m->target;
	size_t		 hlen = m->host_len, plen = m->target_len;
	char		 location[2048];
	int		 n;

	(void)rewrite_split_absolute(m->target, m->target_len, &host, &hlen,
	    &path, &plen);
	if (host == NULL || hlen == 0) {
		local(r, 400, false);
		return;
	}
	hlen = route_host_len(host, hlen);
	if (plen == 1 && path[0] == '*')
		plen = 0;
	n = snprintf(location, sizeof(location), "https://%.*s%s%.*s",
	    (int)hlen, host, plen == 0 || path[0] != '/' ? "/" : "",
	    (int)plen, path);
	if (n < 0 || (size_t)n >= sizeof(location)) {
		local(r, 414, false);
		return;
	}
	respond_redirect(&r->w->resp, 301, location, r->is_head,
	    r->svc->via);
	answer(r, true);
}

/*
 * RFC 9110 7.6.2: an OPTIONS or TRACE whose Max-Forwards is 0 must not be
 * forwarded; weir answers it as the final recipient.  TRACE's reflection
 * goes into the buffer the rewritten head would have used.
 */
static void
answer_max_forwards(struct request *r, const struct h1_msg *m, bool is_trace)
{
	struct worker	*w = r->w;

	if (!is_trace) {
		respond_options(&w->resp, r->svc->via);
		answer(r, true);
		return;
	}
	if (bufpool_get(&w->head_pool, &r->px.hdr) == -1 ||
	    respond_trace(&w->resp, m, r->svc->via, &r->px.hdr) == -1) {
		local(r, 500, false);
		return;
	}
	answer(r, true);
}

/* ---- web_server answers ---- */

static void
static_done(struct request *r)
{
	loop_timer_cancel(&r->w->loop, &r->timer);
	if (r->sfd != -1) {
		close(r->sfd);
		r->sfd = -1;
	}
	r->fe->finish(r);
}

/* Sends what the client takes of the file, then ends the response. */
static void
pump_static(struct request *r)
{
	ssize_t	n;

	while (r->sleft > 0) {
		n = r->fe->send_file(r, r->sfd, &r->soff, r->sleft >
		    STATIC_PIECE ? STATIC_PIECE : (size_t)r->sleft);
		if (n > 0) {
			r->sleft -= (uint64_t)n;
			(void)loop_timer_arm_in(&r->w->loop, &r->timer,
			    r->svc->client_idle_timeout_ms);
			continue;
		}
		if (n == 0)
			return;
		/* The client went away, or the file shrank under us (its
		   length was promised): either way it ends cut short. */
		if (r->end == END_NONE)
			r->end = END_BACKEND_RESET;
		r->fe->abort(r);
		return;
	}
	static_done(r);
}

static void
on_static_timer(struct timer *t)
{
	struct request	*r = (struct request *)((char *)t -
	    offsetof(struct request, timer));

	if (r->is_ended || r->kind != REQ_STATIC)
		return;
	r->end = END_CLIENT_TIMEOUT;
	r->fe->abort(r);
}

/*
 * Sends the head in w->resp, then <length> bytes of <fd> (owned; -1 for
 * none) from <offset>: a web_server file or a stats body.
 */
static void
send_with_file(struct request *r, int fd, off_t offset, uint64_t length)
{
	r->kind = REQ_STATIC;
	r->sfd = fd;
	r->soff = offset;
	r->sleft = fd == -1 ? 0 : length;
	if (send_final_head(r, &r->w->resp) == -1) {
		if (r->sfd != -1) {
			close(r->sfd);
			r->sfd = -1;
		}
		local(r, 500, false);
		return;
	}
	(void)loop_timer_arm_in(&r->w->loop, &r->timer,
	    r->svc->client_idle_timeout_ms);
	pump_static(r);
}

/* A request for a web_server service: the head now, the file after. */
static void
serve_static(struct request *r, const struct h1_msg *m,
    const struct service_conf *ws)
{
	struct static_reply	sr;

	r->kind = REQ_STATIC;
	if (static_reply(ws, m, r->svc->via, &r->w->resp, &sr) == -1) {
		local(r, 500, false);
		return;
	}
	send_with_file(r, sr.fd, sr.offset, sr.length);
}

/* ---- routing ---- */

static bool
method_is(const struct h1_msg *m, const char *name)
{
	return m->method_len == strlen(name) &&
	    memcmp(m->method, name, m->method_len) == 0;
}

/*
 * The request's path, percent-decoded and with dot segments resolved, so
 * that routes and the uri hash see what the backend will serve, not what
 * "%2e%2e" or "//" make the target look like.  In per-worker scratch.
 */
static const char *
normalize_path(struct request *r, const struct h1_msg *m, size_t *len)
{
	struct worker	*w = r->w;
	const char	*why;
	int		 n;

	if (m->target_len == 1 && m->target[0] == '*') {
		/* OPTIONS * names the server, no path: only routes
		   without a path rule match it. */
		memcpy(w->path_scratch, "*", 2);
		*len = 1;
		return w->path_scratch;
	}
	n = path_normalize(m->target, m->target_len, w->path_scratch,
	    w->path_scratch_len, &why);
	if (n < 0) {
		log_info("client %s (service %s): bad request target: %s",
		    r->rec.peer, r->svc->name, why);
		r->end = END_BAD_REQUEST;
		return NULL;
	}
	*len = (size_t)n;
	return w->path_scratch;
}

/* A request for a stats service: weir's own figures, from a memfd. */
static void
serve_stats(struct request *r, const struct h1_msg *m)
{
	struct stats_reply	sr;
	const char		*npath;
	size_t			 nlen;

	r->kind = REQ_STATIC;
	if ((npath = normalize_path(r, m, &nlen)) == NULL) {
		local(r, 400, false);
		return;
	}
	if (stats_service_reply(r->svc, r->w->shm, r->peer, m, npath,
	    &r->w->resp, &sr) == -1) {
		local(r, 500, false);
		return;
	}
	send_with_file(r, sr.fd, 0, sr.length);
}

static void
start_proxy(struct request *r, const struct h1_msg *m,
    const struct pool_conf *pool, uint64_t uri_key)
{
	struct worker		*w = r->w;
	struct rewrite_req	 rr;
	struct proxy_req	 q;

	r->kind = REQ_PROXY;
	if (bufpool_get(&w->head_pool, &r->px.hdr) == -1) {
		local(r, 500, false);
		return;
	}
	rr.msg = m;
	rr.svc = r->svc;
	rr.peer = r->peer;
	rr.peer_text = r->rec.peer;
	rr.is_tls = r->is_tls;
	rr.keep_backend = pool->persist;
	rr.request_id = r->svc->request_id ? r->rec.request_id : NULL;
	rr.upgrade = rewrite_upgrade_offer(m, r->svc);
	rr.local_authority = r->local_authority[0] != '\0' ?
	    r->local_authority : NULL;
	if (rewrite_request(&r->px.hdr, &rr) == -1) {
		r->end = END_BAD_REQUEST;
		local(r, 431, false);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.r = r;
	q.fe = r->fe;
	q.svc = r->svc;
	q.pool = pool;
	q.peer = r->peer;
	q.pin = r->pin;
	q.uri_key = uri_key;
	q.framing = m->framing;
	q.is_head = r->is_head;
	q.is_idempotent = method_is(m, "GET") || method_is(m, "HEAD") ||
	    method_is(m, "OPTIONS");
	q.has_expect = m->has_expect_continue;
	q.upgrade = rr.upgrade;
	q.must_switch = r->must_switch;
	q.is_tls = r->is_tls;
	q.peer_text = r->rec.peer;
	q.rec = &r->rec;
	q.end = &r->end;
	q.status_hint = &r->status_hint;
	/* From here on the head's bytes are gone: only what was copied
	   above may be used. */
	proxy_start(w, &r->px, &q);
}

/* A request field into <dst> (<cap> bytes): its value, or "". */
static void
copy_field(char *dst, size_t cap, const struct h1_msg *m, const char *name)
{
	const struct h1_header	*f = h1_find_header(m, name);

	copy_text(dst, cap, f != NULL ? f->value : "", f != NULL ?
	    f->value_len : 0);
}

/*
 * What the log line and the backend need of the head beyond the request
 * line: the fields the access log format writes (copied only then), and
 * the X-Request-Id of a trusted proxy, kept instead of the one made.
 */
static void
record_fields(struct request *r, const struct h1_msg *m)
{
	const struct log_format	*fmt = r->w->access.fmt;
	const struct h1_header	*f;
	const char		*host, *rest;
	size_t			 hlen, rlen;

	if (log_format_uses(fmt, LOG_FIELD_REFERER))
		copy_field(r->rec.referer, sizeof(r->rec.referer), m,
		    "referer");
	if (log_format_uses(fmt, LOG_FIELD_USER_AGENT))
		copy_field(r->rec.agent, sizeof(r->rec.agent), m,
		    "user-agent");
	if (log_format_uses(fmt, LOG_FIELD_HOST)) {
		if (!rewrite_split_absolute(m->target, m->target_len, &host,
		    &hlen, &rest, &rlen)) {
			host = m->host != NULL ? m->host : "";
			hlen = m->host != NULL ? m->host_len : 0;
		}
		copy_text(r->rec.host, sizeof(r->rec.host), host, hlen);
	}
	if (r->svc->request_id && r->svc->ntrusted_proxies > 0 &&
	    (f = h1_find_header(m, "x-request-id")) != NULL &&
	    request_id_is_valid(f->value, f->value_len) &&
	    rewrite_is_trusted(r->svc, r->peer))
		copy_text(r->rec.request_id, sizeof(r->rec.request_id),
		    f->value, f->value_len);
}

void
request_start(struct request *r, const struct h1_msg *m)
{
	const struct service_conf	*svc = r->svc;
	const struct route_conf		*route = NULL;
	const struct pool_conf		*pool;
	const char			*npath = NULL;
	size_t				 nlen = 0;
	uint64_t			 uri_key = 0;

	copy_text(r->rec.method, sizeof(r->rec.method), m->method,
	    m->method_len);
	copy_text(r->rec.path, sizeof(r->rec.path), m->target, m->target_len);
	record_fields(r, m);
	/* An HTTP/2 front end has set the protocol already. */
	if (r->rec.proto != SHM_PROTO_HTTP2)
		r->rec.proto = m->version_minor == 0 ? SHM_PROTO_HTTP10 :
		    SHM_PROTO_HTTP11;
	r->is_head = method_is(m, "HEAD");

	if (method_is(m, "CONNECT")) {
		/* weir is a reverse proxy, not a tunnel: the method is not
		   one it implements (a 405 would have to name an Allow). */
		local(r, 501, false);
		return;
	}
	if (svc->max_body_bytes != 0 && m->framing == H1_FRAME_LENGTH &&
	    m->content_length > svc->max_body_bytes) {
		log_info("client %s (service %s): body of %llu bytes over "
		    "max_body_bytes %llu", r->rec.peer, svc->name,
		    (unsigned long long)m->content_length,
		    (unsigned long long)svc->max_body_bytes);
		local(r, 413, false);
		return;
	}
	if (svc->redirect_https && !r->is_tls) {
		redirect_https(r, m);
		return;
	}
	if (svc->role == ROLE_WEB_SERVER) {
		serve_static(r, m, svc);
		return;
	}
	if (svc->role == ROLE_STATS) {
		serve_stats(r, m);
		return;
	}
	pool = svc->pool;
	if (svc->nroutes > 0) {
		const char	*host, *rest;
		size_t		 hlen, rlen;

		if (!rewrite_split_absolute(m->target, m->target_len, &host,
		    &hlen, &rest, &rlen)) {
			host = m->host != NULL ? m->host : "";
			hlen = m->host != NULL ? m->host_len : 0;
		}
		if ((npath = normalize_path(r, m, &nlen)) == NULL) {
			local(r, 400, false);
			return;
		}
		route = route_match(svc, host, hlen, npath);
		if (route != NULL && route->service != NULL) {
			serve_static(r, m, route->service);
			return;
		}
		if (route != NULL)
			pool = route->pool;
	}
	if (pool == NULL) {
		local(r, 404, true);
		return;
	}
	if (m->max_forwards == 0 && (method_is(m, "OPTIONS") ||
	    method_is(m, "TRACE"))) {
		answer_max_forwards(r, m, method_is(m, "TRACE"));
		return;
	}
	if (pool->balance == BALANCE_URI) {
		if (npath == NULL &&
		    (npath = normalize_path(r, m, &nlen)) == NULL) {
			local(r, 400, false);
			return;
		}
		uri_key = chash_key(npath, nlen);
	}
	start_proxy(r, m, pool, uri_key);
}

void
request_client_io(struct request *r)
{
	if (r->is_ended)
		return;
	switch (r->kind) {
	case REQ_STATIC:
		if (r->sfd != -1)
			pump_static(r);
		break;
	case REQ_PROXY:
		proxy_client_io(&r->px);
		break;
	default:
		break;
	}
}

/* ---- the end ---- */

static void
flush_log(struct loop_task *t)
{
	struct worker	*w = (struct worker *)((char *)t -
	    offsetof(struct worker, log_flush_task));

	accesslog_flush(&w->access);
}

void
request_account(struct request *r, bool is_cut)
{
	struct worker		*w = r->w;
	struct shm_service	*ss = &w->shm->services[r->svc->index];
	int			 k = shm_class(r->rec.status);

	if (r->is_accounted)
		return;
	r->is_accounted = true;
	/* The exchange ended before its end: the log says why. */
	r->rec.error = is_cut ? end_reason_str(r->end) : NULL;
	shm_add(&ss->requests, 1);
	if ((unsigned)r->rec.proto < SHM_NPROTOS)
		shm_add(&ss->proto_requests[r->rec.proto], 1);
	shm_add(&w->shm->workers[w->id].requests, 1);
	if (k != -1)
		shm_add(&ss->responses[k], 1);
	if (r->is_upgraded)
		return;
	accesslog_add(&w->access, &r->rec, clock_us(), time(NULL));
	w->log_flush_task.run = flush_log;
	loop_at_end(&w->loop, &w->log_flush_task);
}

void
request_end(struct request *r, bool is_cut)
{
	struct worker		*w = r->w;

	if (r->is_ended)
		return;
	r->is_ended = true;
	if (r->kind == REQ_PROXY)
		proxy_release(w, &r->px);
	else
		bufpool_put(&w->head_pool, &r->px.hdr);
	loop_timer_cancel(&w->loop, &r->timer);
	if (r->sfd != -1) {
		close(r->sfd);
		r->sfd = -1;
	}
	request_account(r, is_cut);
	/* Freed at the end of the turn: code still on the stack may look. */
	r->next = w->ended;
	w->ended = r;
	loop_at_end(&w->loop, &w->request_release_task);
}

void
request_end_upgraded(struct request *r)
{
	r->is_upgraded = true;
	request_end(r, false);
}
