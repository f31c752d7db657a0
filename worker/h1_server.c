/*
 * The HTTP/1 front end on a client session.  Heads are parsed in the
 * worker's scratch message with only the parse position kept per
 * session; a request is started for each, and answered in order (the next
 * pipelined head waits in the input buffer until the response is out).
 * Everything a request asks of the connection goes through h1_front_ops;
 * anything that would close the connection under a request's feet is
 * done out of line (a deferred task), so a request's code never runs on a
 * session that closed below it.
 *
 * Transitions (state, event -> state), the only ones h1_next() allows:
 *   IDLE     BYTES       -> HEAD      a head began (however much came)
 *   HEAD     HEAD        -> REQUEST   the head is complete (or refused)
 *   REQUEST  NEXT        -> IDLE      answered, kept alive
 *   REQUEST  NEXT_BYTES  -> HEAD      answered, a pipelined head waits
 *   IDLE, HEAD, REQUEST  END -> DONE  no further request
 */
#include "worker/h1_server.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "worker/client.h"
#include "worker/context.h"
#include "worker/h1_write.h"
#include "worker/request.h"
#include "worker/tunnel.h"
#include "tls/tls.h"

/* How long an idle keep-alive connection of a draining worker may still
   bring a request (answered with Connection: close). */
#define DRAIN_IDLE_MS	1000

static const enum h1_front_state table[H1_FRONT_STATE_COUNT][H1_EV_COUNT] = {
#define N H1_FRONT_STATE_COUNT
	/*                     BYTES          HEAD
	                       NEXT           NEXT_BYTES     END */
	[H1_FRONT_IDLE] =    { H1_FRONT_HEAD, N,
			       N,             N,             H1_FRONT_DONE },
	[H1_FRONT_HEAD] =    { N,             H1_FRONT_REQUEST,
			       N,             N,             H1_FRONT_DONE },
	[H1_FRONT_REQUEST] = { N,             N,
			       H1_FRONT_IDLE, H1_FRONT_HEAD, H1_FRONT_DONE },
	[H1_FRONT_DONE] =    { N,             N,
			       N,             N,             N },
#undef N
};

static const char *const state_names[H1_FRONT_STATE_COUNT] = {
	[H1_FRONT_IDLE] = "idle", [H1_FRONT_HEAD] = "head",
	[H1_FRONT_REQUEST] = "request", [H1_FRONT_DONE] = "done",
};

void	(*h1_trace)(enum h1_front_state, enum h1_front_event,
	    enum h1_front_state);

enum h1_front_state
h1_next(enum h1_front_state s, enum h1_front_event ev)
{
	if ((unsigned)s >= H1_FRONT_STATE_COUNT || (unsigned)ev >= H1_EV_COUNT)
		return H1_FRONT_STATE_COUNT;
	return table[s][ev];
}

const char *
h1_state_name(enum h1_front_state s)
{
	return (unsigned)s < H1_FRONT_STATE_COUNT ? state_names[s] : "?";
}

static void	on_flush_task(struct loop_task *t);
static void	on_next_task(struct loop_task *t);
static void	read_heads(struct client *c);

static bool
transition(struct client *c, enum h1_front_event ev)
{
	struct h1_front		*f = &c->h1;
	enum h1_front_state	 to = h1_next(f->state, ev);

	if (h1_trace != NULL)
		h1_trace(f->state, ev, to);
	if (to == H1_FRONT_STATE_COUNT) {
		log_error("client connection %d: HTTP/1 state %s cannot take "
		    "event %d", c->s.fd, h1_state_name(f->state), (int)ev);
		return false;
	}
	f->state = to;
	return true;
}

static struct client *
client_of(const struct request *r)
{
	return r->fe_ctx;
}

/*
 * The connection failed under a request (a write or a read error): it is
 * closed out of line, and the request ends there as cut short.
 */
static void
fail(struct client *c, enum end_reason why)
{
	if (c->end == END_NONE || c->end == END_DONE)
		c->end = why;
	c->h1.is_failed = true;
	loop_defer(&c->w->loop, &c->h1.next_task);
}

/* ---- output ---- */

/*
 * Writes what c->out holds.  1 when it is empty, 0 when the socket is
 * full, -1 when the connection failed (fail() has been called).
 */
static int
flush(struct client *c)
{
	int	rv = client_flush(c);

	if (rv == -1)
		fail(c, END_CLIENT_RESET);
	return rv;
}

/*
 * Body bytes handed to the client, for the log: of a chunked body only
 * the payload, not the framing around it, as Apache's %b and the readers
 * of "combined" count.
 */
static void
count_body(struct request *r, const char *p, size_t n)
{
	size_t	k;
	bool	is_data;

	if (r->resp_count.framing != H1_FRAME_CHUNKED) {
		r->rec.resp_bytes += n;
		return;
	}
	while (n > 0 && h1_body_step(&r->resp_count, p, n, &k, &is_data) !=
	    H1_BAD && k > 0) {
		if (is_data)
			r->rec.resp_bytes += k;
		p += k;
		n -= k;
	}
}

static int
h1_send_head(struct request *r, struct resp_head *h)
{
	struct client	*c = client_of(r);
	struct h1_front	*f = &c->h1;
	struct h1_write	 how;

	if (f->is_failed)
		return -1;
	if (client_take_out(c) == -1)
		return -1;
	how.is_10 = f->is_10;
	if (h->status == 101) {
		/* The switch: the head waits in c->out for the tunnel, which
		   sends it before anything of the backend's. */
		how.is_keep = true;
		how.is_dechunked = false;
		if (h1_write_head(&c->out, h, &how) == -1)
			return -1;
		f->has_head = true;
		f->is_keep = false;
		r->rec.status = h->status;
		return 0;
	}
	if (h->status < 200) {
		/* An HTTP/1.0 client knows no interim answers. */
		if (f->is_10)
			return 0;
		how.is_keep = true;
		how.is_dechunked = false;
		if (h1_write_head(&c->out, h, &how) == -1)
			return -1;
		loop_defer(&c->w->loop, &f->flush_task);
		return 0;
	}
	/* A bare body ends with the connection; so does one not all read. */
	how.is_dechunked = f->is_10 && h->framing == H1_FRAME_CHUNKED;
	how.is_keep = f->is_keep && !h->must_close && f->req_scan_done &&
	    !c->w->is_draining && h->framing != H1_FRAME_CLOSE &&
	    !how.is_dechunked && !(h->close_on_eof && c->is_eof);
	if (h1_write_head(&c->out, h, &how) == -1)
		return -1;
	f->is_keep = how.is_keep;
	f->has_head = true;
	h1_body_init(&r->resp_count, h->framing == H1_FRAME_CHUNKED &&
	    !how.is_dechunked ? H1_FRAME_CHUNKED : H1_FRAME_CLOSE, 0);
	r->rec.status = h->status;
	if (h->body != NULL)
		r->rec.resp_bytes += h->length;
	/* Out with the first body bytes if they follow now, else soon. */
	loop_defer(&c->w->loop, &f->flush_task);
	return how.is_dechunked ? FRONT_BARE : 0;
}

static ssize_t
h1_send_body(struct request *r, const char *p, size_t n)
{
	struct client	*c = client_of(r);
	struct iovec	 iov[2];
	size_t		 hlen, k, taken = 0;
	ssize_t		 w;
	int		 rv;

	if (c->h1.is_failed)
		return -1;
	if (n == 0 || !c->s.is_writable)
		return 0;
	hlen = c->out.data != NULL ? buf_len(&c->out) : 0;
	if (hlen > 0 && c->s.ssl != NULL) {
		/*
		 * No writev under TLS: the body goes into the head's buffer,
		 * so head and body leave as one record and one system call.
		 */
		k = buf_room(&c->out) < n ? buf_room(&c->out) : n;
		if (k > 0 && buf_append(&c->out, p, k) == -1)
			k = 0;
		count_body(r, p, k);
		taken = k;
		p += k;
		n -= k;
		if ((rv = flush(c)) != 1)
			return rv == 0 ? (ssize_t)taken : -1;
		hlen = 0;
	} else if (hlen > 0) {
		iov[0].iov_base = buf_head(&c->out);
		iov[0].iov_len = hlen;
		iov[1].iov_base = (void *)p;
		iov[1].iov_len = n;
		w = sock_writev(&c->s, iov, 2);
		if (w == -1) {
			if (sock_would_block())
				return 0;
			fail(c, END_CLIENT_RESET);
			return -1;
		}
		client_count_out(c, (size_t)w);
		if ((size_t)w <= hlen) {
			buf_consume(&c->out, (size_t)w);
			return 0;
		}
		buf_consume(&c->out, hlen);
		k = (size_t)w - hlen;
		count_body(r, p, k);
		return (ssize_t)k;
	}
	if (n == 0)
		return (ssize_t)taken;
	w = sock_send(&c->s, p, n);
	if (w == -1) {
		if (sock_would_block())
			return (ssize_t)taken;
		fail(c, END_CLIENT_RESET);
		return -1;
	}
	client_count_out(c, (size_t)w);
	count_body(r, p, (size_t)w);
	return (ssize_t)(taken + (size_t)w);
}

static ssize_t
h1_send_file(struct request *r, int fd, off_t *off, size_t n)
{
	struct client	*c = client_of(r);
	ssize_t		 k;
	int		 rv;

	if (c->h1.is_failed)
		return -1;
	if ((rv = flush(c)) != 1)
		return rv == 0 ? 0 : -1;
	if (!c->s.is_writable || n == 0)
		return 0;
	if (c->s.ssl == NULL) {
		k = sock_sendfile(&c->s, fd, off, n);
		if (k == -1 && sock_would_block())
			return 0;
	} else {
		/* sendfile cannot encrypt: a block through the output
		   buffer, the next once it is gone. */
		if (client_take_out(c) == -1)
			return -1;
		if (n > buf_room(&c->out))
			n = buf_room(&c->out);
		buf_compact(&c->out);
		k = pread(fd, buf_tail(&c->out), n, *off);
		if (k > 0) {
			c->out.end += (size_t)k;
			*off += k;
			if (flush(c) == -1)
				return -1;
		}
	}
	if (k > 0) {
		if (c->s.ssl == NULL)
			client_count_out(c, (size_t)k);
		r->rec.resp_bytes += (uint64_t)k;
		return k;
	}
	if (k == 0)
		return -1;	/* the file shrank: its length was promised */
	fail(c, END_CLIENT_RESET);
	return -1;
}

static void
h1_finish(struct request *r)
{
	struct client	*c = client_of(r);

	request_account(r, false);
	c->h1.is_finishing = true;
	loop_defer(&c->w->loop, &c->h1.next_task);
}

static void
h1_abort(struct request *r)
{
	struct client	*c = client_of(r);

	c->is_reset = true;
	fail(c, r->end != END_NONE ? r->end : END_BACKEND_RESET);
}

static int
h1_upgrade(struct request *r, struct tunnel *t)
{
	struct client	*c = client_of(r);

	if (c->h1.is_failed || c->is_closing)
		return -1;
	c->h1.tunnel = t;
	loop_defer(&c->w->loop, &c->h1.next_task);
	return 0;
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
take_body(struct client *c)
{
	struct h1_front	*f = &c->h1;
	enum h1_result	 r;
	size_t		 out, used;

	if (!f->req_scan_done && c->in.data != NULL) {
		r = h1_body_reframe(&f->reqb, buf_head(&c->in) + f->req_fwd,
		    buf_len(&c->in) - f->req_fwd, false, &out, &used);
		if (r == H1_BAD)
			return 400;
		buf_cut(&c->in, f->req_fwd + out, used - out);
		f->req_fwd += out;
		f->req_scan_done = r == H1_DONE;
	}
	if (c->svc->max_body_bytes != 0 &&
	    f->reqb.total > c->svc->max_body_bytes)
		return 413;
	return 0;
}

/*
 * More body from the client, when the request is waiting for it: only
 * once every buffered byte is body, so that a pipelined next request
 * stays where it is.
 */
static void
read_body(struct client *c)
{
	struct h1_front	*f = &c->h1;
	ssize_t		 k;

	if (f->req_scan_done || f->is_failed || !c->s.is_readable ||
	    c->is_eof || c->in.data == NULL ||
	    f->req_fwd + f->reqb.held != buf_len(&c->in) ||
	    buf_room(&c->in) == 0)
		return;
	k = sock_read(&c->s, &c->in);
	if (k > 0) {
		client_count_in(c, (size_t)k);
		return;
	}
	if (k == -1 && sock_would_block())
		return;
	log_info("client %s (service %s): gone during the request body",
	    f->req->rec.peer, c->svc->name);
	c->is_eof = true;
	fail(c, END_CLIENT_CLOSED);
}

static ssize_t
h1_body_peek(struct request *r, const char **p, bool *is_last)
{
	struct client	*c = client_of(r);
	struct h1_front	*f = &c->h1;
	int		 status;

	if ((status = take_body(c)) != 0) {
		r->status_hint = status;
		return -1;
	}
	if (f->req_fwd == 0 && !f->req_scan_done) {
		read_body(c);
		if ((status = take_body(c)) != 0) {
			r->status_hint = status;
			return -1;
		}
	}
	*p = c->in.data != NULL ? buf_head(&c->in) : NULL;
	*is_last = f->req_scan_done;
	return (ssize_t)f->req_fwd;
}

static void
h1_body_consume(struct request *r, size_t n)
{
	struct client	*c = client_of(r);

	buf_consume(&c->in, n);
	c->h1.req_fwd -= n;
}

static bool
h1_body_waits_on_client(const struct request *r, uint64_t *buffered)
{
	const struct client	*c = client_of(r);
	const struct h1_front	*f = &c->h1;

	*buffered = c->in.data != NULL ? buf_len(&c->in) : 0;
	return !f->req_scan_done && !c->is_eof && c->in.data != NULL &&
	    f->req_fwd + f->reqb.held == buf_len(&c->in) &&
	    buf_room(&c->in) > 0;
}

/* ---- requests, one after the other ---- */

/*
 * The response is out: on to the next request on this connection, or to
 * its end when it is not kept (or the client half-closed and nothing of a
 * next request is buffered).
 */
static void
complete(struct client *c)
{
	struct h1_front	*f = &c->h1;
	struct request	*r = f->req;

	f->req = NULL;
	f->is_finishing = false;
	if (r != NULL)
		request_end(r, false);
	if (f->is_keep && f->req_fwd > 0) {
		/* The body is known in full and was not all taken (the
		   backend answered first, or weir did): dropped, so the
		   stream stays in sync for the next request. */
		buf_consume(&c->in, f->req_fwd);
		f->req_fwd = 0;
	}
	if (!f->is_keep || (c->is_eof && (c->in.data == NULL ||
	    buf_empty(&c->in)))) {
		(void)transition(c, H1_EV_END);
		client_drop_empty(c);
		client_linger(c);
		return;
	}
	f->has_head = f->has_interim = false;
	memset(&f->resume, 0, sizeof(f->resume));
	client_drop_empty(c);
	if (c->in.data != NULL && !buf_empty(&c->in)) {
		(void)transition(c, H1_EV_NEXT_BYTES);
		f->t_start_us = clock_us();
		client_set_deadline(c, c->svc->request_header_timeout_ms);
	} else {
		(void)transition(c, H1_EV_NEXT);
		client_set_deadline(c, c->w->is_draining ? DRAIN_IDLE_MS :
		    c->svc->client_idle_timeout_ms);
	}
	read_heads(c);
}

/*
 * A refused head's first line, as far as it came, for the log: the
 * refusal may be the only trace of a scan or an attack.  Empty lines
 * before a request line are allowed (RFC 9112 2.2) and skipped.
 */
static void
note_received(struct client *c, struct request *r)
{
	const char	*p, *end, *eol;

	if (c->in.data == NULL || buf_empty(&c->in))
		return;
	p = buf_head(&c->in);
	end = p + buf_len(&c->in);
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	for (eol = p; eol < end && *eol != '\r' && *eol != '\n'; eol++)
		;
	if (eol > p)
		request_note_received(r, p, (size_t)(eol - p));
}

/* Starts a request for the head in the scratch message (or a refusal). */
static void
start_request(struct client *c, struct h1_msg *m, enum h1_result res)
{
	struct worker	*w = c->w;
	struct h1_front	*f = &c->h1;
	struct request	*r;

	if (!transition(c, H1_EV_HEAD)) {
		client_close(c);
		return;
	}
	r = request_new(w, &h1_front_ops, c, c->svc, &c->peer.sa,
	    c->s.ssl != NULL, f->t_start_us);
	if (r == NULL) {
		c->end = END_SHUTDOWN;
		client_close(c);
		return;
	}
	if (c->s.ssl != NULL)
		request_note_tls(r, tls_conn_version(c->s.ssl),
		    tls_conn_server_name(c->s.ssl));
	/* Keep-alive clients stay with a draining backend. */
	r->pin = &c->pin;
	f->req = r;
	f->nrequests++;
	f->has_head = f->has_interim = f->is_finishing = false;
	f->req_fwd = 0;
	memset(&f->resume, 0, sizeof(f->resume));
	if (res == H1_BAD) {
		f->is_10 = false;
		f->is_keep = false;
		f->req_scan_done = false;
		f->has_expect = false;
		h1_body_init(&f->reqb, H1_FRAME_NONE, 0);
		c->end = END_BAD_REQUEST;
		note_received(c, r);
		request_reject(r, m->error_status, m->why);
		return;
	}
	f->is_10 = m->version_minor == 0;
	if (f->nrequests == 1)
		shm_add(&w->shm->services[c->svc->index].proto_conns[f->is_10 ?
		    SHM_PROTO_HTTP10 : SHM_PROTO_HTTP11], 1);
	f->is_keep = c->svc->persist_client && !w->is_draining &&
	    (f->is_10 ? m->has_connection_keepalive :
	    !m->has_connection_close);
	f->has_expect = m->has_expect_continue;
	h1_body_init(&f->reqb, m->framing, m->content_length);
	f->req_scan_done = m->framing == H1_FRAME_NONE ||
	    (m->framing == H1_FRAME_LENGTH && m->content_length == 0);
	if (m->host == NULL) {
		/* HTTP/1.0 without Host: the target's authority is the
		   address the client reached (RFC 9112 3.3). */
		union client_addr	 local;
		socklen_t		 len = sizeof(local);

		if (getsockname(c->s.fd, &local.sa, &len) == 0)
			addr_format_sa(&local.sa, r->local_authority,
			    sizeof(r->local_authority));
	}
	/*
	 * The head's bytes are consumed before the request sees them: it
	 * uses their slices during request_start() only, and nothing reads
	 * into c->in until it returns.
	 */
	buf_consume(&c->in, m->head_len);
	request_start(r, m);
}

/* Reads and parses heads while the session is between requests. */
static void
read_heads(struct client *c)
{
	struct h1_front	*f = &c->h1;
	struct h1_msg	*m = &c->w->req_msg;
	enum h1_result	 res;
	ssize_t		 n;

	while (f->state == H1_FRONT_IDLE || f->state == H1_FRONT_HEAD) {
		if (c->in.data != NULL && !buf_empty(&c->in)) {
			if (f->state == H1_FRONT_IDLE) {
				(void)transition(c, H1_EV_BYTES);
				f->t_start_us = clock_us();
				if (f->nrequests > 0)
					client_set_deadline(c,
					    c->svc->request_header_timeout_ms);
			}
			h1_msg_reset(m);
			h1_resume_load(m, &f->resume);
			res = h1_parse_request(m, buf_head(&c->in),
			    buf_len(&c->in), c->svc->max_header_bytes);
			if (res == H1_DONE) {
				start_request(c, m, res);
				return;
			}
			if (res == H1_BAD) {
				char	peer[ADDR_STRLEN];

				/* The client, not the descriptor: repeats of
				   one client's are counted as one. */
				addr_format_host(&c->peer.sa, peer,
				    sizeof(peer));
				log_info("client %s (service %s): rejected "
				    "request: %s", peer, c->svc->name, m->why);
				start_request(c, m, res);
				return;
			}
			h1_resume_save(m, &f->resume);
		}
		if (c->is_eof) {
			c->end = END_CLIENT_CLOSED;
			(void)transition(c, H1_EV_END);
			client_close(c);
			return;
		}
		if (!c->s.is_readable) {
			client_drop_empty(c);
			return;
		}
		if (client_take_in(c) == -1) {
			client_close(c);
			return;
		}
		if (buf_room(&c->in) == 0) {
			/* The head outgrew the buffer: 431. */
			h1_msg_reset(m);
			m->error_status = 431;
			m->why = "request head too large";
			start_request(c, m, H1_BAD);
			return;
		}
		n = sock_read(&c->s, &c->in);
		if (n > 0) {
			client_count_in(c, (size_t)n);
			continue;
		}
		if (n == 0) {
			c->is_eof = true;
			continue;
		}
		if (sock_would_block())
			continue;
		c->end = END_CLIENT_RESET;
		(void)transition(c, H1_EV_END);
		client_close(c);
		return;
	}
}

/*
 * A 101 is queued: the connection becomes the tunnel's, with the bytes the
 * session holds (the 101 not yet sent, what the client sent after its
 * request), and the session and its request end here.
 */
static void
hand_over(struct client *c)
{
	struct h1_front	*f = &c->h1;
	struct tunnel	*t = f->tunnel;
	struct request	*r = f->req;
	struct sock	 s;
	struct buf	 in, out;

	f->tunnel = NULL;
	f->req = NULL;
	(void)transition(c, H1_EV_END);
	client_hand_over(c, &s, &in, &out);
	tunnel_start_socket(t, &s, &in, &out, &c->w->head_pool, &r->rec);
	request_end_upgraded(r);
}

/* The session can go on: flush, then the request, or the next head. */
static void
resume(struct client *c)
{
	struct h1_front	*f = &c->h1;
	int		 rv;

	if (c->is_closing)
		return;
	if (f->is_failed) {
		client_close(c);
		return;
	}
	if (f->tunnel != NULL) {
		hand_over(c);
		return;
	}
	switch (f->state) {
	case H1_FRONT_IDLE:
	case H1_FRONT_HEAD:
		read_heads(c);
		return;
	case H1_FRONT_REQUEST:
		break;
	default:
		return;
	}
	if ((rv = flush(c)) == -1) {
		client_close(c);
		return;
	}
	if (f->is_finishing) {
		if (rv == 1)
			complete(c);
		return;
	}
	read_body(c);
	if (f->is_failed) {
		client_close(c);
		return;
	}
	if (f->req != NULL)
		request_client_io(f->req);
}

static void
on_flush_task(struct loop_task *t)
{
	struct client	*c = (struct client *)((char *)t -
	    offsetof(struct client, h1.flush_task));

	resume(c);
}

static void
on_next_task(struct loop_task *t)
{
	struct client	*c = (struct client *)((char *)t -
	    offsetof(struct client, h1.next_task));

	resume(c);
}

/* ---- what the session calls ---- */

static void
h1_open(struct client *c)
{
	struct h1_front	*f = &c->h1;

	memset(f, 0, sizeof(*f));
	f->state = H1_FRONT_IDLE;
	f->flush_task.run = on_flush_task;
	f->next_task.run = on_next_task;
	client_set_deadline(c, c->svc->request_header_timeout_ms);
	read_heads(c);
}

static void
h1_io(struct client *c)
{
	resume(c);
}

static void
h1_timeout(struct client *c)
{
	struct h1_front	*f = &c->h1;
	struct h1_msg	*m = &c->w->req_msg;
	char		 peer[ADDR_STRLEN];

	switch (f->state) {
	case H1_FRONT_HEAD:
		/* A partial head is 408; a silent idle connection just
		   goes. */
		addr_format_host(&c->peer.sa, peer, sizeof(peer));
		log_info("client %s (service %s): request head incomplete "
		    "after %u ms", peer, c->svc->name,
		    c->svc->request_header_timeout_ms);
		c->end = END_CLIENT_TIMEOUT;
		h1_msg_reset(m);
		m->error_status = 408;
		m->why = "request head timeout";
		start_request(c, m, H1_BAD);
		break;
	case H1_FRONT_REQUEST:
		/* The request keeps its own deadlines. */
		break;
	default:
		if (c->end == END_NONE)
			c->end = END_CLIENT_TIMEOUT;
		(void)transition(c, H1_EV_END);
		client_close(c);
		break;
	}
}

/*
 * Closing an idle keep-alive connection races with a request the client
 * may be sending on it right now.  So each one gets a short grace: a
 * request that comes is served with Connection: close (the client then
 * reconnects, to a worker that accepts), one that does not come lets the
 * connection close quietly.
 */
static void
h1_drain(struct client *c)
{
	if (c->h1.state == H1_FRONT_IDLE && (c->in.data == NULL ||
	    buf_empty(&c->in))) {
		c->end = END_SHUTDOWN;
		client_set_deadline(c, DRAIN_IDLE_MS);
	}
}

static void
h1_close(struct client *c)
{
	struct h1_front	*f = &c->h1;
	struct request	*r = f->req;

	f->req = NULL;
	if (f->tunnel != NULL) {
		/* The 101 never left: its tunnel goes with the session. */
		tunnel_discard(f->tunnel);
		f->tunnel = NULL;
	}
	if (r == NULL)
		return;
	/*
	 * A response already under way that is cut short must not end the
	 * way a whole one does: after a close-delimited body (de-chunked for
	 * an HTTP/1.0 client) a FIN, or a TLS close_notify, is the end of
	 * the body, and a client or cache would keep what it got as the
	 * complete response.  A reset (RST, no close_notify) cannot be
	 * mistaken; HAProxy ends such a response the same way.
	 */
	if (f->has_head && !f->is_finishing)
		c->is_reset = true;
	if (r->end == END_NONE)
		r->end = c->end;
	request_end(r, !f->is_finishing);
}

const struct front_session_ops h1_session_ops = {
	.on_open = h1_open,
	.on_io = h1_io,
	.on_timeout = h1_timeout,
	.on_drain = h1_drain,
	.on_close = h1_close,
};

const struct front_ops h1_front_ops = {
	.name = "HTTP/1",
	.send_head = h1_send_head,
	.send_body = h1_send_body,
	.send_file = h1_send_file,
	.finish = h1_finish,
	.abort = h1_abort,
	.body_peek = h1_body_peek,
	.body_consume = h1_body_consume,
	.body_waits_on_client = h1_body_waits_on_client,
	.upgrade = h1_upgrade,
};
