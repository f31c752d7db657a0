/*
 * One HTTP health probe: connect, send, read, verdict.  Every way a probe
 * ends has a result and a detail written for the operator ("connect
 * refused", "status 500, expected 2xx or 3xx").  The socket is
 * edge-triggered, so each state runs until its I/O would block.  Deadlines
 * belong to the caller, who calls probe_expire().
 *
 *   from        to          on
 *   IDLE        CONNECTING  probe_start(), connect() in progress
 *   IDLE        SENDING     probe_start(), connect() done at once
 *   IDLE        IDLE        probe_start(), connect() failed at once
 *   CONNECTING  SENDING     writable, SO_ERROR 0
 *   SENDING     READING     the whole request written
 *   READING     READING     bytes, head still incomplete
 *   any         IDLE        verdict, error, probe_expire(), probe_abort()
 */
#include "health/probe.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/config.h"
#include "common/h1_parse.h"

enum step {
	STEP_NEXT = 0,		/* state changed: run the next one */
	STEP_WAIT,		/* would block: wait for an event */
	STEP_END,		/* verdict in p->out, socket closed */
};

static enum step	step_connecting(struct probe *, uint32_t);
static enum step	step_sending(struct probe *, uint32_t);
static enum step	step_reading(struct probe *, uint32_t);

static const struct {
	const char	*doing;		/* for "timeout after N ms (...)" */
	enum step	(*run)(struct probe *, uint32_t);
} probe_steps[PROBE_STATE_COUNT] = {
	[PROBE_IDLE] =		{ "idle", NULL },
	[PROBE_CONNECTING] =	{ "connecting", step_connecting },
	[PROBE_SENDING] =	{ "sending the request", step_sending },
	[PROBE_READING] =	{ "waiting for the response", step_reading },
};

static const char *const result_names[PROBE_RESULT_COUNT] = {
	[PROBE_OK] =			"ok",
	[PROBE_CONNECT_REFUSED] =	"connect refused",
	[PROBE_CONNECT_FAILED] =	"connect failed",
	[PROBE_TIMEOUT] =		"timeout",
	[PROBE_RESET] =			"connection closed",
	[PROBE_BAD_RESPONSE] =		"invalid response",
	[PROBE_BAD_STATUS] =		"unexpected status",
};

const char *
probe_result_str(enum probe_result r)
{
	if ((unsigned)r >= PROBE_RESULT_COUNT)
		return "?";
	return result_names[r];
}

static void
set_outcome(struct probe_outcome *o, enum probe_result r, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_outcome(struct probe_outcome *o, enum probe_result r, int status,
    const char *fmt, ...)
{
	va_list	ap;

	o->result = r;
	o->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
}

bool
probe_status_expected(const struct health_conf *hc, int status)
{
	size_t	i;

	if (status >= 100 && status <= 599 &&
	    (hc->expect_class_mask & (1u << (status / 100))) != 0)
		return true;
	for (i = 0; i < hc->nexpect_codes; i++)
		if (hc->expect_codes[i] == status)
			return true;
	return false;
}

/* "2xx", "2xx or 3xx", "200, 204 or 3xx": what "expect" asked for. */
static void
render_expect(const struct health_conf *hc, char *buf, size_t len)
{
	char	 items[16][8];
	size_t	 n = 0, i, off = 0;
	unsigned c;

	for (c = 1; c <= 5; c++)
		if ((hc->expect_class_mask & (1u << c)) != 0)
			(void)snprintf(items[n++], sizeof(items[0]), "%uxx", c);
	for (i = 0; i < hc->nexpect_codes && n < 16; i++)
		(void)snprintf(items[n++], sizeof(items[0]), "%d",
		    hc->expect_codes[i]);
	buf[0] = '\0';
	if (n == 0) {
		(void)snprintf(buf, len, "nothing");
		return;
	}
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", items[i]);
}

/* The bytes before which a leading blank line is skipped, as h1_parse does. */
static size_t
skip_blank_lines(const char *buf, size_t len)
{
	size_t	i = 0;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

bool
probe_verdict(const struct health_conf *hc, const char *buf, size_t len,
    bool is_eof, struct probe_outcome *o)
{
	struct h1_msg	m;
	char		want[64];
	size_t		off = 0, s, n;

	for (;;) {
		if (len - off == 0) {
			if (!is_eof)
				return false;
			if (off == 0)
				set_outcome(o, PROBE_RESET, 0,
				    "connection closed before a response");
			else
				set_outcome(o, PROBE_BAD_RESPONSE, 0,
				    "invalid response: closed after an "
				    "interim 1xx response");
			return true;
		}
		/*
		 * Something that is not HTTP (a TLS alert, an SSH banner)
		 * would otherwise only be judged at a line end or EOF,
		 * which may never come before the timeout.
		 */
		s = off + skip_blank_lines(buf + off, len - off);
		n = len - s < 5 ? len - s : 5;
		if (memcmp(buf + s, "HTTP/", n) != 0) {
			set_outcome(o, PROBE_BAD_RESPONSE, 0,
			    "invalid response: does not start with HTTP/");
			return true;
		}
		h1_msg_reset(&m);
		switch (h1_parse_response(&m, buf + off, len - off,
		    PROBE_MAX_HEAD - off, false)) {
		case H1_BAD:
			set_outcome(o, PROBE_BAD_RESPONSE, 0,
			    "invalid response: %s", m.why);
			return true;
		case H1_AGAIN:
			if (!is_eof)
				return false;
			set_outcome(o, PROBE_BAD_RESPONSE, 0, "invalid "
			    "response: closed before the end of the head");
			return true;
		case H1_DONE:
			break;
		}
		/*
		 * RFC 9110 15.2: 1xx heads are interim; the verdict is the
		 * final response's.  101 is final, and unexpected here.
		 */
		if (m.status >= 200 || m.status == 101)
			break;
		off += m.head_len;
	}
	if (probe_status_expected(hc, m.status)) {
		set_outcome(o, PROBE_OK, m.status, "ok: status %d", m.status);
		return true;
	}
	render_expect(hc, want, sizeof(want));
	set_outcome(o, PROBE_BAD_STATUS, m.status, "status %d, expected %s",
	    m.status, want);
	return true;
}

int
probe_init(struct probe *p, const struct health_conf *hc,
    const struct addr *a)
{
	int	n;

	memset(p, 0, sizeof(*p));
	p->hc = hc;
	p->addr = a;
	p->fd = -1;
	p->state = PROBE_IDLE;
	n = asprintf(&p->req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: weir-health\r\nConnection: close\r\n\r\n",
	    hc->path, hc->host);
	if (n == -1) {
		p->req = NULL;
		return -1;
	}
	p->req_len = (size_t)n;
	return 0;
}

/* Ends the probe: the socket goes (and with it the epoll registration). */
static enum step
end(struct probe *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	p->state = PROBE_IDLE;
	return STEP_END;
}

static enum step
connect_error(struct probe *p, int err)
{
	if (err == ECONNREFUSED)
		set_outcome(&p->out, PROBE_CONNECT_REFUSED, 0,
		    "connect refused");
	else
		set_outcome(&p->out, PROBE_CONNECT_FAILED, 0,
		    "connect failed: %s", strerror(err));
	return end(p);
}

bool
probe_start(struct probe *p, uint64_t now_ms)
{
	int	one = 1;

	p->started_ms = now_ms;
	p->req_sent = 0;
	p->resp_len = 0;
	memset(&p->out, 0, sizeof(p->out));
	p->fd = socket(p->addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		(void)connect_error(p, errno);
		return false;
	}
	/* The request is one small segment; it must not wait for Nagle. */
	(void)setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(p->fd, (const struct sockaddr *)&p->addr->ss,
	    p->addr->len) == 0) {
		p->state = PROBE_SENDING;
		return true;
	}
	if (errno != EINPROGRESS) {
		(void)connect_error(p, errno);
		return false;
	}
	p->state = PROBE_CONNECTING;
	return true;
}

static enum step
step_connecting(struct probe *p, uint32_t events)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
		return STEP_WAIT;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0)
		return connect_error(p, err);
	if ((events & EPOLLOUT) == 0)
		return STEP_WAIT;
	p->state = PROBE_SENDING;
	return STEP_NEXT;
}

static enum step
step_sending(struct probe *p, uint32_t events)
{
	ssize_t	n;

	while (p->req_sent < p->req_len) {
		n = send(p->fd, p->req + p->req_sent, p->req_len - p->req_sent,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return STEP_WAIT;
			if (errno == ECONNREFUSED)
				return connect_error(p, errno);
			set_outcome(&p->out, PROBE_RESET, 0,
			    "connection lost while sending the request: %s",
			    strerror(errno));
			return end(p);
		}
		p->req_sent += (size_t)n;
	}
	p->state = PROBE_READING;
	return STEP_NEXT;
}

static enum step
step_reading(struct probe *p, uint32_t events)
{
	ssize_t	n;
	bool	is_eof = false;

	for (;;) {
		/* probe_verdict() always judges a full buffer. */
		n = recv(p->fd, p->resp + p->resp_len,
		    sizeof(p->resp) - p->resp_len, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return STEP_WAIT;
			if (errno == ECONNRESET && p->resp_len == 0) {
				set_outcome(&p->out, PROBE_RESET, 0,
				    "connection reset before a response");
				return end(p);
			}
			if (errno != ECONNRESET) {
				set_outcome(&p->out, PROBE_RESET, 0,
				    "reading the response: %s",
				    strerror(errno));
				return end(p);
			}
			/* A reset after some bytes: judge what came. */
			is_eof = true;
		} else if (n == 0)
			is_eof = true;
		else
			p->resp_len += (size_t)n;
		/* At EOF there is always a verdict. */
		if (probe_verdict(p->hc, p->resp, p->resp_len, is_eof,
		    &p->out) || is_eof)
			return end(p);
	}
}

bool
probe_run(struct probe *p, uint32_t events)
{
	enum step	rv;

	if (p->state == PROBE_IDLE)
		return false;
	do {
		rv = probe_steps[p->state].run(p, events);
	} while (rv == STEP_NEXT);
	return rv == STEP_WAIT;
}

void
probe_expire(struct probe *p)
{
	if (p->state == PROBE_IDLE)
		return;
	set_outcome(&p->out, PROBE_TIMEOUT, 0, "timeout after %u ms (%s)",
	    p->hc->timeout_ms, probe_steps[p->state].doing);
	(void)end(p);
}

void
probe_abort(struct probe *p)
{
	(void)end(p);
}

void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	probe_abort(p);
	free(p->req);
	p->req = NULL;
}
