/*
 * The HTTP/2 front end on a client session, over libnghttp2 driven by
 * weir's own loop and buffers: bytes read into the session's input buffer
 * go to nghttp2_session_mem_recv(), frames nghttp2 writes go into the
 * session's output buffer through the send callbacks, and a response's
 * DATA is copied once, from the proxy's buffer (or a file) straight into
 * the output buffer (NGHTTP2_DATA_FLAG_NO_COPY), when both the client's
 * windows and the output buffer have room.  Nothing waits in a queue of
 * its own: a request whose bytes cannot go now is told so (send_body()
 * takes 0) and is called again (request_client_io()) when they can.
 *
 * Nothing that starts nghttp2's sending or receiving runs inside one of
 * its callbacks, and nothing that ends a request runs under the request's
 * feet: both are done by drive(), from the loop (an event on the socket or
 * the kick task).
 *
 * Connection transitions (state, event -> state), the only ones h2_next()
 * allows:
 *   OPEN     DRAIN   -> NOTICE   the worker stops: GOAWAY(2^31-1), PING
 *   OPEN     GOAWAY  -> GOAWAY   idle timeout, or a flood (ENHANCE_YOUR_CALM)
 *   NOTICE   GOAWAY  -> GOAWAY   the PING came back: the real last stream
 *   OPEN, NOTICE, GOAWAY  END -> DONE  nothing left, or the session failed
 */
#include "worker/h2_server.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "tls/tls.h"
#include "worker/client.h"
#include "worker/context.h"
#include "worker/h2_head.h"
#include "worker/request.h"
#include "worker/tunnel.h"

/*
 * A stream's window for request bodies: what nghttp2 lets a client send
 * on it before weir has passed the bytes on, and so what it may hold for
 * it.  The protocol's default (65535), so that a client sending before it
 * has seen weir's SETTINGS stays within it too.  The buffer has room for
 * the window and one chunk's framing.
 */
#define H2_STREAM_WINDOW	65535
#define H2_BODY_BYTES		(H2_STREAM_WINDOW + 64)
/* Request body bytes a connection may have in flight, all streams. */
#define H2_CONN_WINDOW		(1 << 20)
/* Free stream windows kept by a worker for reuse. */
#define H2_BODY_KEEP		64
/*
 * A header block in more CONTINUATION frames than this is a flood: below
 * libnghttp2's own bound (8), so that weir's answer, a GOAWAY counted in
 * the segment, comes first.  A block of twice the default
 * max_header_bytes in 16 KiB frames needs 3.
 */
#define H2_MAX_CONTINUATIONS	7
/* How long a draining worker waits for the PING before the last GOAWAY,
   and how long it lets an idle connection see its GOAWAY. */
#define H2_DRAIN_MS		1000
/* Flood lines a worker logs per second (weirctl counts every one). */
#define H2_LOG_PER_S		10
/* A DATA frame's header, written before its payload. */
#define H2_FRAME_HD		9

static const enum h2_conn_state table[H2_CONN_STATE_COUNT][H2_EV_COUNT] = {
#define N H2_CONN_STATE_COUNT
	/*                  DRAIN           GOAWAY          END */
	[H2_CONN_OPEN] =   { H2_CONN_NOTICE, H2_CONN_GOAWAY, H2_CONN_DONE },
	[H2_CONN_NOTICE] = { N,              H2_CONN_GOAWAY, H2_CONN_DONE },
	[H2_CONN_GOAWAY] = { N,              N,              H2_CONN_DONE },
	[H2_CONN_DONE] =   { N,              N,              N },
#undef N
};

static const char *const state_names[H2_CONN_STATE_COUNT] = {
	[H2_CONN_OPEN] = "open", [H2_CONN_NOTICE] = "notice",
	[H2_CONN_GOAWAY] = "goaway", [H2_CONN_DONE] = "done",
};

void	(*h2_trace)(enum h2_conn_state, enum h2_conn_event,
	    enum h2_conn_state);

enum h2_conn_state
h2_next(enum h2_conn_state s, enum h2_conn_event ev)
{
	if ((unsigned)s >= H2_CONN_STATE_COUNT || (unsigned)ev >= H2_EV_COUNT)
		return H2_CONN_STATE_COUNT;
	return table[s][ev];
}

const char *
h2_state_name(enum h2_conn_state s)
{
	return (unsigned)s < H2_CONN_STATE_COUNT ? state_names[s] : "?";
}

/* The floods that end a connection with ENHANCE_YOUR_CALM. */
enum h2_flood {
	H2_FLOOD_RESET = 0,
	H2_FLOOD_HEADER,
	H2_FLOOD_CONTROL,
};

static void	drive(struct h2_conn *h);
static void	kick(struct h2_conn *h);

static bool
transition(struct h2_conn *h, enum h2_conn_event ev)
{
	enum h2_conn_state	to = h2_next(h->state, ev);

	if (h2_trace != NULL)
		h2_trace(h->state, ev, to);
	if (to == H2_CONN_STATE_COUNT) {
		log_debug("client connection %d: HTTP/2 state %s takes no "
		    "event %d", h->c->s.fd, h2_state_name(h->state), (int)ev);
		return false;
	}
	h->state = to;
	return true;
}

static struct worker *
worker_of(const struct h2_conn *h)
{
	return h->c->w;
}

static struct shm_service *
service_stats(const struct h2_conn *h)
{
	return &worker_of(h)->shm->services[h->c->svc->index];
}

/*
 * Ends the session with GOAWAY <error> and the last stream weir took:
 * nothing more is read, the streams in flight finish (unless the error
 * cuts them), and a client that does not take the GOAWAY within
 * H2_DRAIN_MS is closed.
 */
static void
terminate(struct h2_conn *h, uint32_t error)
{
	if (h->is_terminating)
		return;
	h->is_terminating = true;
	(void)nghttp2_session_terminate_session(h->session, error);
	if (h->state == H2_CONN_OPEN || h->state == H2_CONN_NOTICE)
		(void)transition(h, H2_EV_GOAWAY);
	client_set_deadline(h->c, H2_DRAIN_MS);
}

/* ---- streams ---- */

static struct h2_stream *
stream_new(struct h2_conn *h, int32_t id)
{
	struct h2_worker	*hw = worker_of(h)->h2;
	struct h2_stream	*s;

	if ((s = hw->free_streams) != NULL)
		hw->free_streams = s->next;
	else if ((s = malloc(sizeof(*s))) == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->conn = h;
	s->id = id;
	s->t_start_us = clock_us();
	s->next = h->streams;
	if (h->streams != NULL)
		h->streams->prev = s;
	h->streams = s;
	h->nstreams++;
	return s;
}

static void
stream_free(struct h2_conn *h, struct h2_stream *s)
{
	struct worker	*w = worker_of(h);

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		h->streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (--h->nstreams == 0 && !h->is_torn) {
		h->idle_since_ms = clock_now_ms();
		client_set_deadline(h->c, w->is_draining ? H2_DRAIN_MS :
		    h->c->svc->client_idle_timeout_ms);
	}
	if (s->is_out_blocked)
		h->nout_blocked--;
	bufpool_put(&w->h2->body_pool, &s->body);
	bufpool_put(&w->head_pool, &s->own);
	s->next = w->h2->free_streams;
	w->h2->free_streams = s;
}

/* <s>'s request is called again (request_client_io()) from drive(). */
static void
wake(struct h2_stream *s)
{
	struct h2_conn	*h = s->conn;

	if (s->is_woken || s->is_ending)
		return;
	s->is_woken = true;
	s->wake_next = NULL;
	if (h->wake_tail != NULL)
		h->wake_tail->wake_next = s;
	else
		h->wake = s;
	h->wake_tail = s;
	kick(h);
}

/* ---- floods ---- */

static void
log_flood(struct h2_conn *h, const char *what)
{
	struct h2_worker	*hw = worker_of(h)->h2;
	uint64_t		 now = clock_now_ms() / 1000;
	char			 peer[64];

	if (now != hw->log_second) {
		if (hw->nskipped > 0)
			log_warn("%u more HTTP/2 connections were ended for "
			    "floods in the previous second (not logged one "
			    "by one)", hw->nskipped);
		hw->log_second = now;
		hw->nlogged = hw->nskipped = 0;
	}
	if (hw->nlogged++ >= H2_LOG_PER_S) {
		hw->nskipped++;
		return;
	}
	addr_format_host(&h->c->peer.sa, peer, sizeof(peer));
	log_warn("client %s (service %s): HTTP/2 %s: GOAWAY "
	    "ENHANCE_YOUR_CALM", peer, h->c->svc->name, what);
}

/* Counts a flood of kind <why> that ends the connection; logs <what>. */
static void
count_flood(struct h2_conn *h, enum h2_flood why, const char *what)
{
	struct shm_service	*ss = service_stats(h);

	log_flood(h, what);
	switch (why) {
	case H2_FLOOD_RESET:
		shm_add(&ss->h2_reset_floods, 1);
		break;
	case H2_FLOOD_HEADER:
		shm_add(&ss->h2_header_floods, 1);
		break;
	case H2_FLOOD_CONTROL:
		shm_add(&ss->h2_control_floods, 1);
		break;
	}
}

/*
 * Ends the connection for a flood: GOAWAY ENHANCE_YOUR_CALM with the last
 * stream weir started; what the client sends after it is not read.
 */
static void
calm(struct h2_conn *h, enum h2_flood why, const char *what)
{
	if (h->is_calm)
		return;
	h->is_calm = true;
	count_flood(h, why, what);
	h->c->end = END_BAD_REQUEST;
	terminate(h, NGHTTP2_ENHANCE_YOUR_CALM);
	kick(h);
}

/* Starts a new second of flood accounting when the clock moved on. */
static void
flood_second(struct h2_conn *h)
{
	uint64_t	now = clock_now_ms() / 1000;

	if (now != h->second) {
		h->second = now;
		h->resets = h->control = 0;
	}
}

/* A stream the client reset, or that weir refused (over the limit). */
static void
count_reset(struct h2_conn *h)
{
	flood_second(h);
	if (++h->resets > h->c->svc->h2_max_resets_per_s)
		calm(h, H2_FLOOD_RESET, "too many streams reset or refused "
		    "(h2_max_resets_per_s)");
}

/* A frame that costs weir work and moves no request on. */
static void
count_control(struct h2_conn *h)
{
	flood_second(h);
	if (++h->control > h->c->svc->h2_max_control_frames_per_s)
		calm(h, H2_FLOOD_CONTROL, "too many SETTINGS, PING, PRIORITY "
		    "or empty DATA frames (h2_max_control_frames_per_s)");
}

/* ---- request heads ---- */

/*
 * A refused stream's request as far as it came (:method and :path), for
 * the log's $request: the refusal may be the only trace of a scan.
 */
static void
note_refused(struct request *r, const struct h1_msg *m)
{
	char	line[sizeof(r->rec.received)];
	int	n;

	if (m->method == NULL)
		return;
	n = snprintf(line, sizeof(line), "%.*s %.*s HTTP/2.0",
	    (int)m->method_len, m->method, m->target != NULL ?
	    (int)m->target_len : 1, m->target != NULL ? m->target : "-");
	if (n > 0)
		request_note_received(r, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1);
}

/*
 * The header block of a new stream is complete: a request like an HTTP/1.1
 * one, or its refusal (431, 400) on the stream.  Runs inside nghttp2's
 * callback: what the request sends is only queued until drive().
 */
static void
start_stream(struct h2_conn *h, struct h2_stream *s, bool is_end_stream)
{
	struct client	*c = h->c;
	struct worker	*w = c->w;
	struct h1_msg	*m = &w->req_msg;
	struct request	*r;
	int		 status;

	status = h2_head_msg(&h->block, m, is_end_stream);
	r = request_new(w, &h2_front_ops, s, c->svc, &c->peer.sa,
	    c->s.ssl != NULL, s->t_start_us);
	if (r == NULL) {
		/* Out of request slots: the client may retry it elsewhere. */
		(void)nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE,
		    s->id, NGHTTP2_REFUSED_STREAM);
		h2_head_block_end(&h->block, &worker_of(h)->head_pool);
		return;
	}
	r->rec.proto = SHM_PROTO_HTTP2;
	if (c->s.ssl != NULL)
		request_note_tls(r, tls_conn_version(c->s.ssl),
		    tls_conn_server_name(c->s.ssl));
	/* As an HTTP/1 keep-alive client: its next streams stay with a
	   draining backend its last one went to.  Its requests end before
	   the session (on_close), which unpins it. */
	r->pin = &c->pin;
	s->req = r;
	s->req_framing = m->framing;
	s->is_ext_connect = h->block.is_ext_connect;
	r->must_switch = s->is_ext_connect;
	s->is_req_done = is_end_stream;
	if (status != 0) {
		/* No stream id: repeats of one client's are counted as
		   one line. */
		log_info("client %s (service %s): HTTP/2 stream refused: %s",
		    r->rec.peer, c->svc->name, status == 431 ?
		    "header list too large" : "malformed request");
		note_refused(r, m);
		request_reject(r, status, "bad HTTP/2 request");
		h2_head_block_end(&h->block, &worker_of(h)->head_pool);
		return;
	}
	request_start(r, m);
	h2_head_block_end(&h->block, &worker_of(h)->head_pool);
}

/* ---- the request body ---- */

/*
 * Frames what of the body is raw at <s>'s head: a chunk of all of it
 * (RFC 9112 7.1: "size\r\n" payload "\r\n") for a body without
 * content-length, then the last chunk once END_STREAM came; a body with
 * content-length passes as it is.  Called when nothing framed is left.
 */
static void
frame_body(struct h2_stream *s)
{
	struct buf	*b = &s->body;
	size_t		 raw = b->data != NULL ? buf_len(b) : 0;
	char		 line[24];
	int		 hlen;

	s->fwd = s->fwd_hdr = s->fwd_data = 0;
	if (s->req_framing != H1_FRAME_CHUNKED) {
		s->fwd = s->fwd_data = raw;
		return;
	}
	if (raw == 0 && (!s->is_req_done || s->is_last_framed))
		return;
	if (bufpool_get(&worker_of(s->conn)->h2->body_pool, b) == -1)
		return;
	if (raw > 0) {
		hlen = snprintf(line, sizeof(line), "%zx\r\n", raw);
		if (b->start < (size_t)hlen) {
			/* Room before the payload for its size line. */
			memmove(b->data + hlen, buf_head(b), raw);
			b->start = (size_t)hlen;
			b->end = b->start + raw;
		}
		b->start -= (size_t)hlen;
		memcpy(buf_head(b), line, (size_t)hlen);
		(void)buf_append(b, "\r\n", 2);
		s->fwd_hdr = (size_t)hlen;
		s->fwd_data = raw;
	}
	if (s->is_req_done) {
		(void)buf_append(b, "0\r\n\r\n", 5);
		s->is_last_framed = true;
	}
	s->fwd = buf_len(b);
}

static ssize_t
h2_body_peek(struct request *r, const char **p, bool *is_last)
{
	struct h2_stream	*s = r->fe_ctx;
	const struct service_conf *svc = r->svc;

	if (s->req_framing == H1_FRAME_CHUNKED && svc->max_body_bytes != 0 &&
	    s->req_total > svc->max_body_bytes) {
		r->status_hint = 413;
		return -1;
	}
	if (s->fwd == 0)
		frame_body(s);
	*p = s->body.data != NULL ? buf_head(&s->body) : NULL;
	*is_last = s->is_req_done && (s->req_framing == H1_FRAME_CHUNKED ?
	    s->is_last_framed : s->fwd == (s->body.data != NULL ?
	    buf_len(&s->body) : 0));
	if (s->req_framing == H1_FRAME_NONE)
		*is_last = true;
	return (ssize_t)s->fwd;
}

/*
 * The backend took <n> of the bytes offered: the payload among them opens
 * the client's windows again (nghttp2_session_consume(): weir sends
 * WINDOW_UPDATE only for what it has passed on).
 */
static void
h2_body_consume(struct request *r, size_t n)
{
	struct h2_stream	*s = r->fe_ctx;
	struct h2_conn		*h = s->conn;
	size_t			 k, data = 0;

	k = n < s->fwd_hdr ? n : s->fwd_hdr;
	s->fwd_hdr -= k;
	if (n - k > 0) {
		data = n - k < s->fwd_data ? n - k : s->fwd_data;
		s->fwd_data -= data;
	}
	s->fwd -= n;
	buf_consume(&s->body, n);
	bufpool_put_empty(&worker_of(h)->h2->body_pool, &s->body);
	if (data > 0 && !s->is_closed && h->session != NULL) {
		(void)nghttp2_session_consume(h->session, s->id, data);
		kick(h);
	}
}

static bool
h2_body_waits_on_client(const struct request *r, uint64_t *buffered)
{
	const struct h2_stream	*s = r->fe_ctx;
	size_t			 held = s->body.data != NULL ?
				    buf_len(&s->body) : 0;

	*buffered = held;
	return !s->is_req_done && !s->is_closed && held < H2_STREAM_WINDOW;
}

/* DATA payload for <s>: kept for the backend, or dropped after its end. */
static void
take_data(struct h2_conn *h, struct h2_stream *s, const uint8_t *data,
    size_t len)
{
	struct request	*r = s->req;
	bool		 is_tunnel = s->tend != NULL || s->pending_tunnel != NULL;

	if ((!is_tunnel && (r == NULL || r->is_ended || s->is_finished ||
	    s->is_aborted)) ||
	    bufpool_get(&worker_of(h)->h2->body_pool, &s->body) == -1) {
		/* Nobody reads it: the windows open again at once. */
		(void)nghttp2_session_consume(h->session, s->id, len);
		return;
	}
	if (buf_room(&s->body) < len) {
		/* nghttp2 keeps the client within the window, which the
		   buffer holds: this is a bug, not the client's doing. */
		log_error("client connection %d: HTTP/2 stream %d: body "
		    "buffer overrun", h->c->s.fd, s->id);
		(void)nghttp2_submit_rst_stream(h->session,
		    NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
		return;
	}
	(void)buf_append(&s->body, data, len);
	s->req_total += len;
	wake(s);
}

/* ---- responses ---- */

static ssize_t	read_body_cb(nghttp2_session *session, int32_t id,
		    uint8_t *buf, size_t length, uint32_t *flags,
		    nghttp2_data_source *source, void *user);

/*
 * RFC 8441 5: the backend's 101 is a 200 on the stream, whose DATA then
 * carry the tunnel; the handshake's own fields of HTTP/1.1 stay behind
 * (Sec-WebSocket-Accept answers a key weir made).
 */
static void
tunnel_head(struct resp_head *h)
{
	size_t	i;

	h->status = 200;
	h->framing = H1_FRAME_CLOSE;
	h->has_length = false;
	for (i = 0; i < h->nfields; i++)
		if (h->fields[i].name_len == 20 && strncasecmp(
		    h->fields[i].name, "sec-websocket-accept", 20) == 0)
			h->fields[i].name_len = 0;
}

static int
h2_send_head(struct request *r, struct resp_head *h)
{
	struct h2_stream	*s = r->fe_ctx;
	struct h2_conn		*hc = s->conn;
	struct worker		*w = worker_of(hc);
	nghttp2_data_provider	 prd;
	char			 status[4], length[24];
	int			 n;

	if (hc->session == NULL || s->is_closed || s->is_aborted)
		return -1;
	if (h->status == 101 || (s->is_ext_connect && h->status >= 200 &&
	    h->status < 300)) {
		/* A 2xx says a tunnel is open: only one of weir's may. */
		if (h->status != 101 || !s->is_ext_connect || s->has_head)
			return -1;
		tunnel_head(h);
	}
	if ((n = h2_head_encode(w->h2->nva, w->h2->names, w->h2->names_len, h,
	    status, length, sizeof(length))) == -1)
		return -1;
	if (h->status < 200) {
		if (nghttp2_submit_headers(hc->session, NGHTTP2_FLAG_NONE,
		    s->id, NULL, w->h2->nva, (size_t)n, NULL) < 0)
			return -1;
		kick(hc);
		return 0;
	}
	if (s->has_head)
		return -1;
	if (h->body != NULL && h->length > 0) {
		/* Weir's own short text lives only as long as the head. */
		if (bufpool_get(&w->head_pool, &s->own) == -1 ||
		    buf_append(&s->own, h->body, (size_t)h->length) == -1) {
			bufpool_put(&w->head_pool, &s->own);
			return -1;
		}
	}
	s->has_data = h->framing != H1_FRAME_NONE;
	s->has_length = h->framing == H1_FRAME_LENGTH;
	s->resp_left = s->has_length ? h->length : 0;
	prd.source.ptr = s;
	prd.read_callback = read_body_cb;
	if (nghttp2_submit_response(hc->session, s->id, w->h2->nva,
	    (size_t)n, s->has_data ? &prd : NULL) != 0) {
		bufpool_put(&w->head_pool, &s->own);
		return -1;
	}
	s->has_head = true;
	r->rec.status = h->status;
	if (h->body != NULL)
		r->rec.resp_bytes += h->length;
	kick(hc);
	/* HTTP/2 frames the body itself: the proxy hands it over bare. */
	return FRONT_BARE;
}

/*
 * nghttp2 asks for up to <length> bytes of <s>'s body for a DATA frame.
 * Weir's own short text is copied; body bytes are offered only while the
 * request is in send_body() (tx_p) and only as many as the output buffer
 * holds with the frame's header, for send_data_cb() to copy them there
 * (NO_COPY).  Otherwise the stream waits (DEFERRED) and its request is
 * called again when it may go on.
 */
static ssize_t
read_body_cb(nghttp2_session *session, int32_t id, uint8_t *buf,
    size_t length, uint32_t *flags, nghttp2_data_source *source, void *user)
{
	struct h2_stream	*s = source->ptr;
	struct h2_conn		*h = s->conn;
	struct client		*c = h->c;
	size_t			 n, room;

	if (s->own.data != NULL && !buf_empty(&s->own)) {
		n = buf_len(&s->own) < length ? buf_len(&s->own) : length;
		memcpy(buf, buf_head(&s->own), n);
		buf_consume(&s->own, n);
		if (s->has_length)
			s->resp_left -= n < s->resp_left ? n : s->resp_left;
		if (buf_empty(&s->own) && (s->is_finished ||
		    (s->has_length && s->resp_left == 0)))
			*flags |= NGHTTP2_DATA_FLAG_EOF;
		return (ssize_t)n;
	}
	if (s->tx_p != NULL && s->tx_n > s->tx_taken) {
		room = c->out.data != NULL ? buf_room(&c->out) : 0;
		if (room <= H2_FRAME_HD) {
			if (!s->is_out_blocked) {
				s->is_out_blocked = true;
				h->nout_blocked++;
			}
			s->is_deferred = true;
			return NGHTTP2_ERR_DEFERRED;
		}
		n = s->tx_n - s->tx_taken;
		if (n > length)
			n = length;
		if (n > room - H2_FRAME_HD)
			n = room - H2_FRAME_HD;
		*flags |= NGHTTP2_DATA_FLAG_NO_COPY;
		if (s->has_length && s->resp_left == n)
			*flags |= NGHTTP2_DATA_FLAG_EOF;
		return (ssize_t)n;
	}
	if (s->is_finished || (s->has_length && s->resp_left == 0)) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		return 0;
	}
	s->is_deferred = true;
	if (s->wants_write && s->tx_p == NULL)
		wake(s);
	return NGHTTP2_ERR_DEFERRED;
}

/* Writes a NO_COPY DATA frame: its header, then the offered bytes. */
static int
send_data_cb(nghttp2_session *session, nghttp2_frame *frame,
    const uint8_t *framehd, size_t length, nghttp2_data_source *source,
    void *user)
{
	struct h2_stream	*s = source->ptr;
	struct client		*c = s->conn->c;

	if (s->tx_p == NULL || s->tx_n - s->tx_taken < length ||
	    c->out.data == NULL || buf_room(&c->out) < H2_FRAME_HD + length ||
	    frame->data.padlen != 0) {
		log_error("client connection %d: HTTP/2 stream %d: DATA frame "
		    "without its bytes", c->s.fd, s->id);
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	(void)buf_append(&c->out, framehd, H2_FRAME_HD);
	(void)buf_append(&c->out, s->tx_p + s->tx_taken, length);
	s->tx_taken += length;
	if (s->has_length)
		s->resp_left -= length < s->resp_left ? length : s->resp_left;
	return 0;
}

/* ---- output ---- */

/* The connection failed: it is closed from drive(), out of line. */
static void
fail(struct h2_conn *h, enum end_reason why)
{
	if (h->c->end == END_NONE || h->c->end == END_DONE)
		h->c->end = why;
	h->is_failed = true;
	kick(h);
}

/* Frames nghttp2 writes (all but NO_COPY DATA) go into the output. */
static ssize_t
send_cb(nghttp2_session *session, const uint8_t *data, size_t length,
    int flags, void *user)
{
	struct h2_conn	*h = user;
	struct client	*c = h->c;
	size_t		 n;

	if (client_take_out(c) == -1)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	n = buf_room(&c->out) < length ? buf_room(&c->out) : length;
	if (n == 0)
		return NGHTTP2_ERR_WOULDBLOCK;
	(void)buf_append(&c->out, data, n);
	return (ssize_t)n;
}

/*
 * Writes what the output holds.  1 when it is empty, 0 when the socket is
 * full, -1 when the connection failed.
 */
static int
flush(struct h2_conn *h)
{
	int	rv = client_flush(h->c);

	if (rv == -1)
		fail(h, END_CLIENT_RESET);
	return rv;
}

/*
 * Lets nghttp2 write what it has into the output and sends it, until
 * nothing is left or the socket is full.  Not inside nghttp2's callbacks
 * (they only queue: drive() sends it).
 */
static void
pump_out(struct h2_conn *h)
{
	struct client		*c = h->c;
	struct h2_stream	*s;
	int			 i, rv;

	if (h->in_nghttp2) {
		kick(h);
		return;
	}
	for (i = 0; i < 64 && !h->is_failed; i++) {
		if (h->session != NULL && nghttp2_session_want_write(
		    h->session)) {
			if (client_take_out(c) == -1) {
				fail(h, END_CLIENT_RESET);
				return;
			}
			h->in_nghttp2 = true;
			rv = nghttp2_session_send(h->session);
			h->in_nghttp2 = false;
			if (rv != 0) {
				log_info("client connection %d: HTTP/2: %s",
				    c->s.fd, nghttp2_strerror(rv));
				fail(h, END_CLIENT_RESET);
				return;
			}
		}
		if ((rv = flush(h)) != 1)
			return;
		if (h->session == NULL ||
		    !nghttp2_session_want_write(h->session))
			break;
	}
	client_drop_empty(c);
	/* The output has room again: streams that waited for it go on. */
	if (h->nout_blocked > 0)
		for (s = h->streams; s != NULL; s = s->next)
			if (s->is_out_blocked) {
				s->is_out_blocked = false;
				h->nout_blocked--;
				s->wants_write = true;
				wake(s);
			}
}

/*
 * Lets nghttp2 write what it has into the output, sending only what must
 * go to make room: the rest leaves with the kick task at the end of the
 * turn, so that the responses of one turn share writes (and TLS records).
 */
static void
fill_out(struct h2_conn *h)
{
	struct client	*c = h->c;
	int		 i, rv;

	for (i = 0; i < 64 && !h->is_failed && h->session != NULL; i++) {
		if (!nghttp2_session_want_write(h->session))
			break;
		if (client_take_out(c) == -1) {
			fail(h, END_CLIENT_RESET);
			return;
		}
		h->in_nghttp2 = true;
		rv = nghttp2_session_send(h->session);
		h->in_nghttp2 = false;
		if (rv != 0) {
			log_info("client connection %d: HTTP/2: %s", c->s.fd,
			    nghttp2_strerror(rv));
			fail(h, END_CLIENT_RESET);
			return;
		}
		if (buf_room(&c->out) > H2_FRAME_HD + 1024 ||
		    flush(h) != 1)
			break;
	}
	kick(h);
}

/*
 * Offers <n> bytes at <p> of <s>'s body to nghttp2 and puts what the
 * windows and the output take now into the output.  Returns how many
 * were taken.
 */
static size_t
stream_write(struct h2_stream *s, const char *p, size_t n)
{
	struct h2_conn	*h = s->conn;
	size_t		 k;

	if (h->in_nghttp2) {
		s->wants_write = true;
		wake(s);
		return 0;
	}
	s->tx_p = p;
	s->tx_n = n;
	s->tx_taken = 0;
	s->wants_write = false;
	if (s->is_deferred) {
		s->is_deferred = false;
		(void)nghttp2_session_resume_data(h->session, s->id);
	}
	fill_out(h);
	k = s->tx_taken;
	s->tx_p = NULL;
	s->tx_n = s->tx_taken = 0;
	if (k < n)
		s->wants_write = true;
	return k;
}

static bool
stream_is_gone(const struct h2_stream *s)
{
	return s->conn->session == NULL || s->conn->is_failed ||
	    s->is_closed || s->is_aborted;
}

static ssize_t
h2_send_body(struct request *r, const char *p, size_t n)
{
	struct h2_stream	*s = r->fe_ctx;
	size_t			 k;

	if (stream_is_gone(s))
		return -1;
	if (n == 0)
		return 0;
	k = stream_write(s, p, n);
	r->rec.resp_bytes += k;
	return (ssize_t)k;
}

/*
 * A file goes through the worker's scratch: no more is read than the
 * windows and the output can take now.
 */
static ssize_t
h2_send_file(struct request *r, int fd, off_t *off, size_t n)
{
	struct h2_stream	*s = r->fe_ctx;
	struct h2_conn		*h = s->conn;
	struct client		*c = h->c;
	char			*scratch = r->w->path_scratch;
	int32_t			 win, cwin;
	size_t			 cap, k;
	ssize_t			 got;

	if (stream_is_gone(s))
		return -1;
	if (h->in_nghttp2 || client_take_out(c) == -1) {
		s->wants_write = true;
		wake(s);
		return 0;
	}
	win = nghttp2_session_get_stream_remote_window_size(h->session, s->id);
	cwin = nghttp2_session_get_remote_window_size(h->session);
	cap = r->w->path_scratch_len;
	if (win < 0 || cwin < 0)
		win = 0;
	if ((size_t)win < cap)
		cap = (size_t)win;
	if ((size_t)cwin < cap)
		cap = (size_t)cwin;
	if (buf_room(&c->out) <= H2_FRAME_HD)
		cap = 0;
	else if (buf_room(&c->out) - H2_FRAME_HD < cap)
		cap = buf_room(&c->out) - H2_FRAME_HD;
	if (n < cap)
		cap = n;
	got = 0;
	if (cap > 0) {
		got = pread(fd, scratch, cap, *off);
		if (got <= 0)
			return -1;	/* the file shrank: its length was
					   promised */
	}
	k = stream_write(s, scratch, (size_t)got);
	*off += (off_t)k;
	r->rec.resp_bytes += k;
	return (ssize_t)k;
}

/* Nothing more goes on <s>: END_STREAM after what is queued. */
static void
finish_stream(struct h2_stream *s)
{
	struct h2_conn	*h = s->conn;

	s->is_finished = true;
	if (h->session != NULL && s->is_deferred && !s->is_closed) {
		s->is_deferred = false;
		(void)nghttp2_session_resume_data(h->session, s->id);
	}
	kick(h);
}

static void
h2_finish(struct request *r)
{
	finish_stream(r->fe_ctx);
}

static void
h2_abort(struct request *r)
{
	struct h2_stream	*s = r->fe_ctx;
	struct h2_conn		*h = s->conn;

	if (h->session != NULL && !s->is_closed && !s->is_aborted)
		(void)nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE,
		    s->id, NGHTTP2_INTERNAL_ERROR);
	s->is_aborted = true;
	kick(h);
}

/* ---- a stream as a tunnel's end (RFC 8441) ---- */

/*
 * What the client sent on the stream, into <b>; the windows open as the
 * bytes leave (nghttp2_session_consume()), so a stream holds at most its
 * window.  END_STREAM is the end's last (0).
 */
static ssize_t
tend_read(struct tunnel_end *e, struct buf *b)
{
	struct h2_stream	*s = e->ctx;
	struct h2_conn		*h = s->conn;
	size_t			 n = s->body.data != NULL ? buf_len(&s->body) : 0;

	if (n > 0) {
		if (n > buf_room(b))
			n = buf_room(b);
		(void)buf_append(b, buf_head(&s->body), n);
		buf_consume(&s->body, n);
		bufpool_put_empty(&worker_of(h)->h2->body_pool, &s->body);
		if (!s->is_closed && h->session != NULL) {
			(void)nghttp2_session_consume(h->session, s->id, n);
			kick(h);
		}
		return (ssize_t)n;
	}
	if (s->is_req_done)
		return 0;
	errno = stream_is_gone(s) ? ECONNRESET : EAGAIN;
	return -1;
}

static ssize_t
tend_write(struct tunnel_end *e, const char *p, size_t n)
{
	struct h2_stream	*s = e->ctx;
	size_t			 k;

	if (stream_is_gone(s) || s->is_finished) {
		errno = ECONNRESET;
		return -1;
	}
	if ((k = stream_write(s, p, n)) == 0) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)k;
}

static int
tend_shut(struct tunnel_end *e)
{
	struct h2_stream	*s = e->ctx;

	if (stream_is_gone(s)) {
		errno = ECONNRESET;
		return -1;
	}
	finish_stream(s);
	return 0;
}

/*
 * The tunnel lets the stream go: cut (RST_STREAM CANCEL), or ended
 * (END_STREAM, then RST_STREAM NO_ERROR if the client is still sending);
 * a stream nghttp2 already closed is freed from drive().
 */
static void
tend_close(struct tunnel_end *e, bool is_reset)
{
	struct h2_stream	*s = e->ctx;
	struct h2_conn		*h = s->conn;

	s->tend = NULL;
	if (h->is_torn || h->session == NULL)
		return;
	if (s->is_closed) {
		if (!s->is_ending) {
			s->is_ending = true;
			s->end_next = h->ended;
			h->ended = s;
		}
	} else if (is_reset) {
		if (!s->is_aborted)
			(void)nghttp2_submit_rst_stream(h->session,
			    NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
		s->is_aborted = true;
	} else if (s->is_eos_sent) {
		if (!s->is_req_done)
			(void)nghttp2_submit_rst_stream(h->session,
			    NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
	} else
		finish_stream(s);
	kick(h);
}

static const struct tunnel_end_ops	stream_end_ops = {
	.read = tend_read,
	.write = tend_write,
	.shut = tend_shut,
	.close = tend_close,
};

/* The 200 is queued: the tunnel starts from drive(), out of line. */
static int
h2_upgrade(struct request *r, struct tunnel *t)
{
	struct h2_stream	*s = r->fe_ctx;

	if (stream_is_gone(s) || s->is_ending || s->pending_tunnel != NULL)
		return -1;
	s->pending_tunnel = t;
	wake(s);
	return 0;
}

/*
 * The stream becomes the tunnel's client end, with what the client sent
 * already; its request ends here (the tunnel writes its log line).
 */
static void
start_tunnel(struct h2_stream *s)
{
	struct tunnel	*t = s->pending_tunnel;
	struct request	*r = s->req;

	s->pending_tunnel = NULL;
	s->req = NULL;
	/* Set first: the tunnel may end, and let the stream go, at once. */
	s->tend = &t->client;
	tunnel_start_end(t, &stream_end_ops, s, &r->rec);
	request_end_upgraded(r);
}

/*
 * The stream is closed, or its connection is going: a tunnel not started
 * is discarded, a running one sees its end lost, or, after a clean close,
 * takes what the client sent last.  False while the tunnel still holds
 * the stream (tend_close() gives it back).
 */
static bool
stream_leaves_tunnel(struct h2_stream *s, bool is_lost)
{
	if (s->pending_tunnel != NULL) {
		tunnel_discard(s->pending_tunnel);
		s->pending_tunnel = NULL;
	}
	if (s->tend == NULL)
		return true;
	if (is_lost || s->close_error != NGHTTP2_NO_ERROR)
		tunnel_end_lost(s->tend);
	else
		tunnel_end_io(s->tend);
	return s->tend == NULL;
}

/*
 * The client's side of the connection ended (FIN): a tunnel whose client
 * had not ended its stream never will, and is cut.
 */
static void
lose_tunnels(struct h2_conn *h)
{
	struct h2_stream	*s;

	for (s = h->streams; s != NULL; s = s->next)
		if (s->tend != NULL && !s->is_req_done)
			tunnel_end_lost(s->tend);
}

/* ---- nghttp2's callbacks ---- */

static struct h2_stream *
stream_of(struct h2_conn *h, int32_t id)
{
	return nghttp2_session_get_stream_user_data(h->session, id);
}

/* Bounds a header block's frames before HPACK spends time on them. */
static int
on_begin_frame(nghttp2_session *session, const nghttp2_frame_hd *hd,
    void *user)
{
	struct h2_conn	*h = user;
	struct h2_block	*b = &h->block;
	size_t		 most = 2 * h->c->svc->max_header_bytes;

	if (h->is_calm)
		return 0;
	if (hd->type == NGHTTP2_HEADERS) {
		b->wire_bytes = hd->length;
		b->ncontinuations = 0;
	} else if (hd->type == NGHTTP2_CONTINUATION) {
		b->wire_bytes += hd->length;
		if (++b->ncontinuations > H2_MAX_CONTINUATIONS)
			calm(h, H2_FLOOD_HEADER, "header block in too many "
			    "CONTINUATION frames");
	}
	if ((hd->type == NGHTTP2_HEADERS ||
	    hd->type == NGHTTP2_CONTINUATION) && b->wire_bytes > most)
		calm(h, H2_FLOOD_HEADER, "header block over twice "
		    "max_header_bytes");
	return 0;
}

static int
on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame,
    void *user)
{
	struct h2_conn		*h = user;
	struct h2_stream	*s;

	if (frame->headers.cat != NGHTTP2_HCAT_REQUEST || h->is_calm) {
		h->block.stream = NULL;
		return 0;
	}
	if ((s = stream_new(h, frame->hd.stream_id)) == NULL) {
		(void)nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE,
		    frame->hd.stream_id, NGHTTP2_REFUSED_STREAM);
		h->block.stream = NULL;
		return 0;
	}
	(void)nghttp2_session_set_stream_user_data(session, s->id, s);
	h2_head_block_start(&h->block, s);
	/* A block begun must end within request_header_timeout_ms. */
	client_set_deadline(h->c, h->c->svc->request_header_timeout_ms);
	return 0;
}

static int
on_header(nghttp2_session *session, const nghttp2_frame *frame,
    const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen,
    uint8_t flags, void *user)
{
	struct h2_conn	*h = user;

	if (h->block.stream != NULL && !h->is_calm &&
	    h->block.stream->id == frame->hd.stream_id)
		h2_head_block_add(&h->block, &worker_of(h)->head_pool,
		    h->c->svc->max_header_bytes, name, nlen, value, vlen);
	return 0;
}

static int
on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame,
    void *user)
{
	struct h2_conn		*h = user;
	struct h2_stream	*s = frame->hd.stream_id != 0 ?
				    stream_of(h, frame->hd.stream_id) : NULL;
	bool			 is_end = frame->hd.flags &
				    NGHTTP2_FLAG_END_STREAM;

	switch (frame->hd.type) {
	case NGHTTP2_HEADERS:
		if (s == NULL || h->is_calm)
			break;
		if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
			if (h->block.stream == s)
				start_stream(h, s, is_end);
		} else if (is_end) {
			/* Trailers end the body; a canonical chunked body
			   carries none. */
			s->is_req_done = true;
			wake(s);
		}
		break;
	case NGHTTP2_DATA:
		if (frame->hd.length == 0 && !is_end)
			count_control(h);
		if (s != NULL && is_end) {
			s->is_req_done = true;
			wake(s);
		}
		break;
	case NGHTTP2_RST_STREAM:
		count_reset(h);
		break;
	case NGHTTP2_SETTINGS:
	case NGHTTP2_PING:
		if (frame->hd.flags & NGHTTP2_FLAG_ACK) {
			/* The drain's PING came back: every stream the
			   client opened before it has reached weir. */
			if (frame->hd.type == NGHTTP2_PING &&
			    h->state == H2_CONN_NOTICE) {
				(void)nghttp2_submit_goaway(session,
				    NGHTTP2_FLAG_NONE,
				    nghttp2_session_get_last_proc_stream_id(
				    session), NGHTTP2_NO_ERROR, NULL, 0);
				(void)transition(h, H2_EV_GOAWAY);
			}
			break;
		}
		count_control(h);
		break;
	case NGHTTP2_PRIORITY:
		count_control(h);
		break;
	default:
		break;
	}
	return 0;
}

static int
on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *user)
{
	struct h2_conn		*h = user;
	struct h2_stream	*s = stream_of(h, id);

	if (s == NULL || h->is_calm) {
		(void)nghttp2_session_consume(session, id, len);
		return 0;
	}
	take_data(h, s, data, len);
	return 0;
}

/*
 * A response that ended while the client is still sending its body: RFC
 * 9113 8.1 lets the server stop it with RST_STREAM(NO_ERROR).
 */
static int
on_frame_send(nghttp2_session *session, const nghttp2_frame *frame,
    void *user)
{
	struct h2_conn		*h = user;
	struct h2_stream	*s;

	if (frame->hd.type == NGHTTP2_RST_STREAM &&
	    frame->rst_stream.error_code == NGHTTP2_REFUSED_STREAM) {
		count_reset(h);
		return 0;
	}
	if ((frame->hd.type != NGHTTP2_HEADERS &&
	    frame->hd.type != NGHTTP2_DATA) ||
	    !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
	    (s = stream_of(h, frame->hd.stream_id)) == NULL)
		return 0;
	s->is_eos_sent = true;
	/* A tunnel's END_STREAM is a half-close: the client may go on. */
	if (!s->is_req_done && s->tend == NULL)
		(void)nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE,
		    s->id, NGHTTP2_NO_ERROR);
	return 0;
}

/* The stream is over for nghttp2: its request ends in drive(). */
static int
on_stream_close(nghttp2_session *session, int32_t id, uint32_t error,
    void *user)
{
	struct h2_conn		*h = user;
	struct h2_stream	*s = stream_of(h, id);

	if (s == NULL)
		return 0;
	if (h->block.stream == s)
		h->block.stream = NULL;
	s->is_closed = true;
	s->close_error = error;
	s->is_ending = true;
	s->end_next = h->ended;
	h->ended = s;
	kick(h);
	return 0;
}

/* ---- ending streams ---- */

/*
 * Ends the requests of the streams nghttp2 closed: whole when the
 * response went out to its END_STREAM, cut short otherwise.
 */
static void
end_closed(struct h2_conn *h)
{
	struct h2_stream	*s, *p, **pp;
	struct request		*r;

	while ((s = h->ended) != NULL) {
		h->ended = s->end_next;
		/* Off the wake list too. */
		if (s->is_woken) {
			for (pp = &h->wake, p = NULL; *pp != NULL;
			    p = *pp, pp = &(*pp)->wake_next)
				if (*pp == s) {
					*pp = s->wake_next;
					if (h->wake_tail == s)
						h->wake_tail = p;
					break;
				}
		}
		if ((r = s->req) != NULL && !r->is_ended) {
			bool	is_whole = s->is_eos_sent &&
				    s->close_error == NGHTTP2_NO_ERROR;

			if (!is_whole && r->end == END_NONE)
				r->end = s->is_aborted ? END_BACKEND_RESET :
				    END_CLIENT_RESET;
			if (is_whole && r->end == END_NONE)
				r->end = END_DONE;
			request_end(r, !is_whole);
		}
		if (!stream_leaves_tunnel(s, false)) {
			/* Freed when the tunnel lets it go. */
			s->is_ending = false;
			continue;
		}
		stream_free(h, s);
	}
}

/* ---- input ---- */

/*
 * nghttp2 gave up on the session (a flood it caught itself, a broken
 * preface, out of memory): counted like weir's own catches when it was a
 * flood, and closed.
 */
static void
fatal_input(struct h2_conn *h, int err)
{
	struct client	*c = h->c;

	if (err == NGHTTP2_ERR_FLOODED)
		count_flood(h, H2_FLOOD_CONTROL, "frames whose answers it does "
		    "not read");
	else if (err == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS)
		count_flood(h, H2_FLOOD_HEADER, "header block in too many "
		    "CONTINUATION frames");
	else {
		char	peer[ADDR_STRLEN];

		addr_format_host(&c->peer.sa, peer, sizeof(peer));
		log_info("client %s (service %s): HTTP/2: %s", peer,
		    c->svc->name, nghttp2_strerror(err));
	}
	fail(h, END_BAD_REQUEST);
}

/*
 * Reads what the client sent and hands it to nghttp2, whose callbacks
 * start requests and queue what answers them.  After a flood's GOAWAY
 * nothing more is read.
 */
static void
read_in(struct h2_conn *h)
{
	struct client	*c = h->c;
	ssize_t		 n;

	while (!h->is_failed && !h->is_calm && h->session != NULL) {
		if (c->in.data != NULL && !buf_empty(&c->in)) {
			h->in_nghttp2 = true;
			n = nghttp2_session_mem_recv(h->session,
			    (const uint8_t *)buf_head(&c->in),
			    buf_len(&c->in));
			h->in_nghttp2 = false;
			if (n < 0) {
				fatal_input(h, (int)n);
				return;
			}
			buf_consume(&c->in, (size_t)n);
			continue;
		}
		if (!c->s.is_readable || c->is_eof)
			break;
		if (client_take_in(c) == -1) {
			fail(h, END_CLIENT_RESET);
			return;
		}
		n = sock_read(&c->s, &c->in);
		if (n > 0) {
			client_count_in(c, (size_t)n);
			continue;
		}
		if (n == 0) {
			c->is_eof = true;
			break;
		}
		if (sock_would_block())
			break;
		fail(h, END_CLIENT_RESET);
		return;
	}
	if (c->in.data != NULL && !buf_empty(&c->in) && h->is_calm)
		buf_consume(&c->in, buf_len(&c->in));
}

/* ---- the connection ---- */

static void
kick(struct h2_conn *h)
{
	loop_defer(&worker_of(h)->loop, &h->kick_task);
}

/* Calls again the requests that may go on: body bytes, room, windows. */
static void
run_wakes(struct h2_conn *h)
{
	struct h2_stream	*s;
	unsigned		 n = 0;

	while ((s = h->wake) != NULL && !h->is_failed && n++ < 4096) {
		h->wake = s->wake_next;
		if (h->wake == NULL)
			h->wake_tail = NULL;
		s->is_woken = false;
		if (s->pending_tunnel != NULL)
			start_tunnel(s);
		else if (s->tend != NULL)
			tunnel_end_io(s->tend);
		else if (s->req != NULL && !s->req->is_ended &&
		    !s->is_ending)
			request_client_io(s->req);
	}
	if (h->wake != NULL)
		kick(h);
}

static void	teardown(struct h2_conn *h);
static void	h2_drain(struct client *c);

/*
 * The connection is done, well or not: the session's close path does the
 * rest (on_close).  A connection that ends in good order lingers, so that
 * its last frames (the GOAWAY) are not destroyed by a reset.
 */
static void
finish_conn(struct h2_conn *h, bool is_clean)
{
	struct client	*c = h->c;

	(void)transition(h, H2_EV_END);
	if (!is_clean) {
		client_close(c);
		return;
	}
	teardown(h);
	client_drop_empty(c);
	client_linger(c);
}

/*
 * Everything the connection has to do now, in order: read and hand to
 * nghttp2, send, call the requests that may go on, end the closed
 * streams, and close the connection when it has nothing left.
 */
static void
drive(struct h2_conn *h)
{
	struct client	*c = h->c;

	if (c->is_closing || h->session == NULL)
		return;
	read_in(h);
	if (c->is_eof)
		lose_tunnels(h);
	pump_out(h);
	run_wakes(h);
	end_closed(h);
	if (h->is_failed) {
		client_close(c);
		return;
	}
	pump_out(h);
	if (h->is_failed) {
		client_close(c);
		return;
	}
	if (c->out.data != NULL && !buf_empty(&c->out))
		return;
	if (!nghttp2_session_want_read(h->session) &&
	    !nghttp2_session_want_write(h->session)) {
		finish_conn(h, true);
		return;
	}
	if (c->is_eof && h->nstreams == 0) {
		if (c->end == END_NONE)
			c->end = END_CLIENT_CLOSED;
		finish_conn(h, true);
		return;
	}
}

static void
on_kick(struct loop_task *t)
{
	struct h2_conn	*h = (struct h2_conn *)((char *)t -
	    offsetof(struct h2_conn, kick_task));

	if (h->session != NULL && !h->c->is_closing)
		drive(h);
}

static void
on_free(struct loop_task *t)
{
	struct h2_conn	*h = (struct h2_conn *)((char *)t -
	    offsetof(struct h2_conn, free_task));

	free(h);
}

/*
 * Ends every stream's request (cut short), frees nghttp2's session and the
 * streams; the connection itself is freed at the end of the turn, since
 * its kick task may still be queued.
 */
static void
teardown(struct h2_conn *h)
{
	struct worker		*w = worker_of(h);
	struct h2_stream	*s;
	struct request		*r;

	if (h->is_torn)
		return;
	h->is_torn = true;
	end_closed(h);
	while ((s = h->streams) != NULL) {
		(void)stream_leaves_tunnel(s, true);
		if ((r = s->req) != NULL && !r->is_ended) {
			if (r->end == END_NONE)
				r->end = h->c->end != END_NONE ? h->c->end :
				    END_CLIENT_RESET;
			request_end(r, true);
		}
		stream_free(h, s);
	}
	if (h->session != NULL)
		nghttp2_session_del(h->session);
	h->session = NULL;
	h2_head_block_end(&h->block, &worker_of(h)->head_pool);
	h->wake = h->wake_tail = NULL;
	h->c->h2 = NULL;
	loop_at_end(&w->loop, &h->free_task);
}

/* ---- what the session calls ---- */

/* The worker's shared part, made with its first HTTP/2 connection. */
static struct h2_worker *
worker_setup(struct worker *w)
{
	struct h2_worker		*hw;
	nghttp2_session_callbacks	*cb;

	if (w->h2 != NULL)
		return w->h2;
	if ((hw = calloc(1, sizeof(*hw))) == NULL)
		return NULL;
	hw->names_len = w->head_pool.size + RESP_TEXT_BYTES;
	hw->nva = calloc(RESP_MAX_FIELDS + 2, sizeof(*hw->nva));
	hw->names = malloc(hw->names_len);
	if (hw->nva == NULL || hw->names == NULL ||
	    bufpool_init(&hw->body_pool, H2_BODY_BYTES, H2_BODY_KEEP) == -1 ||
	    nghttp2_session_callbacks_new(&hw->callbacks) != 0 ||
	    nghttp2_option_new(&hw->option) != 0) {
		w->h2 = hw;
		h2_worker_free(w);
		return NULL;
	}
	cb = hw->callbacks;
	nghttp2_session_callbacks_set_send_callback(cb, send_cb);
	nghttp2_session_callbacks_set_send_data_callback(cb, send_data_cb);
	nghttp2_session_callbacks_set_on_begin_frame_callback(cb,
	    on_begin_frame);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
	    on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
	    on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	    on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb,
	    on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    on_stream_close);
	/* Windows open as the backend takes the bytes, not on arrival. */
	nghttp2_option_set_no_auto_window_update(hw->option, 1);
	/* No priority tree of closed streams to keep. */
	nghttp2_option_set_no_closed_streams(hw->option, 1);
	w->h2 = hw;
	return hw;
}

void
h2_worker_free(struct worker *w)
{
	struct h2_worker	*hw = w->h2;
	struct h2_stream	*s;

	if (hw == NULL)
		return;
	while ((s = hw->free_streams) != NULL) {
		hw->free_streams = s->next;
		free(s);
	}
	if (hw->callbacks != NULL)
		nghttp2_session_callbacks_del(hw->callbacks);
	if (hw->option != NULL)
		nghttp2_option_del(hw->option);
	bufpool_free(&hw->body_pool);
	free(hw->nva);
	free(hw->names);
	free(hw);
	w->h2 = NULL;
}

static void
h2_open(struct client *c)
{
	const struct service_conf	*svc = c->svc;
	struct h2_worker		*hw = worker_setup(c->w);
	struct h2_conn			*h;
	nghttp2_settings_entry		 iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
		    svc->max_concurrent_streams },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_STREAM_WINDOW },
		{ NGHTTP2_SETTINGS_MAX_FRAME_SIZE, svc->h2_max_frame_bytes },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
		    (uint32_t)svc->max_header_bytes },
		/* RFC 8441: where a service tunnels, last (left out
		   otherwise). */
		{ NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1 },
	};
	size_t				 niv = sizeof(iv) / sizeof(iv[0]);

	if (hw == NULL || (h = calloc(1, sizeof(*h))) == NULL) {
		log_error("service %s: no memory for an HTTP/2 connection",
		    svc->name);
		c->h2 = NULL;
		client_close(c);
		return;
	}
	h->c = c;
	h->state = H2_CONN_OPEN;
	h->kick_task.run = on_kick;
	h->free_task.run = on_free;
	c->h2 = h;
	if (nghttp2_session_server_new2(&h->session, hw->callbacks, h,
	    hw->option) != 0 ||
	    nghttp2_submit_settings(h->session, NGHTTP2_FLAG_NONE, iv,
	    svc->role == ROLE_REVERSE_PROXY && svc->nupgrade > 0 ? niv :
	    niv - 1) != 0 ||
	    nghttp2_session_set_local_window_size(h->session,
	    NGHTTP2_FLAG_NONE, 0, H2_CONN_WINDOW) != 0) {
		log_error("service %s: cannot start an HTTP/2 session",
		    svc->name);
		client_close(c);
		return;
	}
	shm_add(&c->w->shm->services[svc->index].proto_conns[SHM_PROTO_HTTP2],
	    1);
	h->idle_since_ms = clock_now_ms();
	client_set_deadline(c, svc->client_idle_timeout_ms);
	if (c->w->is_draining)
		h2_drain(c);
	drive(h);
}

static void
h2_io(struct client *c)
{
	if (c->h2 != NULL)
		drive(c->h2);
}

/*
 * Idle (no stream) past client_idle_timeout_ms, or a drain whose PING did
 * not come back: GOAWAY and close once it is out.  With streams in flight
 * the requests keep their own deadlines.
 */
static void
h2_timeout(struct client *c)
{
	struct h2_conn	*h = c->h2;

	if (h == NULL)
		return;
	if (h->is_terminating) {
		/* Its GOAWAY did not get out in time: the client is not
		   reading. */
		if (c->end == END_NONE)
			c->end = END_CLIENT_TIMEOUT;
		client_close(c);
		return;
	}
	if (h->block.stream != NULL && clock_us() -
	    h->block.stream->t_start_us >=
	    (uint64_t)c->svc->request_header_timeout_ms * 1000) {
		/* A header block begun and not finished: the connection can
		   carry nothing else until it ends (RFC 9113 6.10). */
		char	peer[ADDR_STRLEN];

		addr_format_host(&c->peer.sa, peer, sizeof(peer));
		log_info("client %s (service %s): HTTP/2 header block "
		    "incomplete after %u ms", peer, c->svc->name,
		    c->svc->request_header_timeout_ms);
		c->end = END_CLIENT_TIMEOUT;
		terminate(h, NGHTTP2_PROTOCOL_ERROR);
		drive(h);
		return;
	}
	if (h->state == H2_CONN_NOTICE) {
		(void)nghttp2_submit_goaway(h->session, NGHTTP2_FLAG_NONE,
		    nghttp2_session_get_last_proc_stream_id(h->session),
		    NGHTTP2_NO_ERROR, NULL, 0);
		(void)transition(h, H2_EV_GOAWAY);
	} else if (h->nstreams == 0) {
		unsigned	limit = c->w->is_draining ? H2_DRAIN_MS :
				    c->svc->client_idle_timeout_ms;
		uint64_t	idle = clock_now_ms() - h->idle_since_ms;

		if (idle < limit) {
			/* An earlier deadline (a header block's) fired. */
			client_set_deadline(c, (unsigned)(limit - idle));
			return;
		}
		if (c->end == END_NONE)
			c->end = c->w->is_draining ? END_SHUTDOWN :
			    END_CLIENT_TIMEOUT;
		terminate(h, NGHTTP2_NO_ERROR);
		drive(h);
		return;
	}
	client_set_deadline(c, h->state == H2_CONN_OPEN ?
	    c->svc->client_idle_timeout_ms : H2_DRAIN_MS);
	drive(h);
}

/*
 * The worker stops: GOAWAY with the largest stream id (RFC 9113 6.8: a
 * client stops opening streams), then, once a PING comes back or after
 * H2_DRAIN_MS, the final GOAWAY with the last stream weir took.  The
 * streams in flight finish; the connection closes after them.
 */
static void
h2_drain(struct client *c)
{
	struct h2_conn	*h = c->h2;

	if (h == NULL || h->session == NULL || h->state != H2_CONN_OPEN)
		return;
	if (c->end == END_NONE)
		c->end = END_SHUTDOWN;
	(void)nghttp2_submit_shutdown_notice(h->session);
	(void)nghttp2_submit_ping(h->session, NGHTTP2_FLAG_NONE, NULL);
	(void)transition(h, H2_EV_DRAIN);
	client_set_deadline(c, H2_DRAIN_MS);
	kick(h);
}

static void
h2_close(struct client *c)
{
	struct h2_conn	*h = c->h2;

	if (h == NULL)
		return;
	(void)transition(h, H2_EV_END);
	teardown(h);
}

const struct front_session_ops h2_session_ops = {
	.on_open = h2_open,
	.on_io = h2_io,
	.on_timeout = h2_timeout,
	.on_drain = h2_drain,
	.on_close = h2_close,
};

const struct front_ops h2_front_ops = {
	.name = "HTTP/2",
	.send_head = h2_send_head,
	.send_body = h2_send_body,
	.send_file = h2_send_file,
	.finish = h2_finish,
	.abort = h2_abort,
	.body_peek = h2_body_peek,
	.body_consume = h2_body_consume,
	.body_waits_on_client = h2_body_waits_on_client,
	.upgrade = h2_upgrade,
};
