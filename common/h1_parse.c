/*
 * HTTP/1.x head parser (RFC 9112 2-6).  A resumable scan finds the end of the
 * head; the start line and fields are then parsed once, in order, and the
 * body framing is derived from Content-Length and Transfer-Encoding.  What to
 * answer, and whether the connection survives, is the caller's business.
 */
#include "common/h1_parse.h"

#include <stdint.h>
#include <string.h>

/* RFC 9110 5.6.2: tchar, the bytes of a token (method, field name, coding). */
static const unsigned char tchar[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
};

/*
 * RFC 3986 3.2.2 reg-name: unreserved, pct-encoded (the '%') and sub-delims.
 * Anything else in a Host could make routing and the backend disagree.
 */
static const unsigned char regname[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['%'] = 1,
	['!'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1,
	['*'] = 1, ['+'] = 1, [','] = 1, [';'] = 1, ['='] = 1,
};

/* One parse: the message, its bytes, and what the fields said so far. */
struct ctx {
	struct h1_msg	*m;
	const char	*buf;
	bool		 is_response;
	bool		 is_head_request;
	size_t		 nhost;
	size_t		 nmax_forwards;
	bool		 has_cl;
	bool		 has_te;
	unsigned int	 te_chunked;	/* times "chunked" was listed */
	bool		 te_last_chunked;
	bool		 te_other;	/* a coding other than chunked */
};

static inline bool
is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_xdigit(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 9110 5.5: field-vchar / SP / HTAB; obs-text (0x80-0xff) included. */
static inline bool
is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static enum h1_result
fail(struct h1_msg *m, bool is_response, int status, const char *why)
{
	/*
	 * RFC 9110 15.6.3: whatever is wrong with a response, the client
	 * gets 502 from us.
	 */
	m->error_status = is_response ? 502 : status;
	m->why = why;
	return H1_BAD;
}

static enum h1_result
reject(struct ctx *x, int status, const char *why)
{
	return fail(x->m, x->is_response, status, why);
}

/*
 * Looks for the end of the head from m->scanned on, without reading past
 * <max_head> bytes.  The head ends at an empty line that follows a non-empty
 * one, so the empty lines RFC 9112 2.2 lets us skip before the start line
 * never end it.  The decision is taken at the LF that ends the last field
 * line (looking ahead for LF or CRLF); when the bytes to decide are not here
 * yet, scanned stays on that LF or CR and the next call resumes there.
 */
static enum h1_result
scan_head(struct h1_msg *m, const char *buf, size_t len, size_t max_head,
    bool is_response)
{
	size_t	 lim = len < max_head ? len : max_head;
	size_t	 i = m->scanned;
	size_t	 s;

	while (i < lim) {
		if (buf[i] != '\r' && buf[i] != '\n') {
			i++;
			continue;
		}
		if (buf[i] == '\r') {
			if (i + 1 >= lim)
				break;
			/*
			 * RFC 9112 2.2: a bare CR is invalid; we reject it
			 * rather than guess what a backend will make of it.
			 */
			if (buf[i + 1] != '\n')
				return fail(m, is_response, 400,
				    "bare CR in head");
			i++;
			continue;
		}
		s = i;
		if (s > 0 && buf[s - 1] == '\r')
			s--;
		if (s == 0 || buf[s - 1] == '\n') {
			/* an empty line before the start line */
			i++;
			continue;
		}
		if (m->line_end == 0)
			m->line_end = i + 1;
		if (i + 1 >= lim)
			break;
		if (buf[i + 1] == '\n') {
			m->head_len = i + 2;
			m->scanned = i;
			return H1_DONE;
		}
		if (buf[i + 1] == '\r') {
			if (i + 2 >= lim)
				break;
			if (buf[i + 2] == '\n') {
				m->head_len = i + 3;
				m->scanned = i;
				return H1_DONE;
			}
		}
		i++;
	}
	m->scanned = i;
	if (len >= max_head)
		return fail(m, is_response, 431, "head too large");
	return H1_AGAIN;
}

/* Returns the line at *<p> without its CRLF or LF and moves *<p> past it. */
static const char *
next_line(const char *buf, size_t end, size_t *p, size_t *n)
{
	const char	*line = buf + *p;
	const char	*lf = memchr(line, '\n', end - *p);

	/* scan_head() guarantees every line of the head ends in LF */
	*n = (size_t)(lf - line);
	if (*n > 0 && line[*n - 1] == '\r')
		(*n)--;
	*p = (size_t)(lf - buf) + 1;
	return line;
}

/*
 * Parses HTTP-version (RFC 9112 2.3).  Returns the minor version, -1 when
 * <v> is not an HTTP-version at all, -2 for a version we do not speak.
 * RFC 9110 2.5: a higher minor of a major we speak is taken as the highest
 * minor we know, so HTTP/1.2 is HTTP/1.1.
 */
static int
parse_version(const char *v, size_t n)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || !is_digit(v[5]) ||
	    v[6] != '.' || !is_digit(v[7]))
		return -1;
	if (v[5] != '1')
		return -2;
	return v[7] == '0' ? 0 : 1;
}

/*
 * uri-host [ ":" port ] (RFC 3986 3.2.2-3.2.3), host non-empty.  The port
 * must be present and non-empty when <need_port>.  No userinfo: RFC 9110
 * 4.2.4 says to treat it as an error.
 */
static bool
authority_ok(const char *s, size_t n, bool need_port)
{
	size_t	 i = 0, port;

	if (n > 0 && s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!is_xdigit(s[i]) && s[i] != ':' && s[i] != '.')
				return false;
		if (i == n || i == 1)
			return false;
		i++;
	} else {
		while (i < n && regname[(unsigned char)s[i]])
			i++;
		if (i == 0)
			return false;
	}
	if (i == n)
		return !need_port;
	if (s[i] != ':')
		return false;
	for (port = ++i; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return !need_port || i > port;
}

/* RFC 9110 4.2: "http" or "https" URI with a non-empty authority. */
static bool
absolute_form_ok(const char *t, size_t n)
{
	size_t	 i, a;

	if (n >= 7 && h1_token_eq(t, 7, "http://"))
		a = 7;
	else if (n >= 8 && h1_token_eq(t, 8, "https://"))
		a = 8;
	else
		return false;
	/*
	 * The authority ends where rewrite_split_absolute() ends it; a '#'
	 * (no fragment in a request-target, RFC 9112 3.2) makes it invalid
	 * rather than a second opinion on where the host stops.
	 */
	for (i = a; i < n && t[i] != '/' && t[i] != '?'; i++)
		continue;
	/* RFC 9110 4.2.1: an empty host "MUST" be rejected as invalid. */
	return authority_ok(t + a, i - a, false);
}

/* RFC 9110 9.1: method names are case-sensitive. */
static bool
method_is(const struct h1_msg *m, const char *name)
{
	return m->method_len == strlen(name) &&
	    memcmp(m->method, name, m->method_len) == 0;
}

static enum h1_result
check_target(struct ctx *x)
{
	struct h1_msg	*m = x->m;
	bool		 is_connect, is_options;

	is_connect = method_is(m, "CONNECT");
	is_options = method_is(m, "OPTIONS");
	/* RFC 9112 3.2.3: CONNECT takes the authority-form, and only it. */
	if (is_connect) {
		if (!authority_ok(m->target, m->target_len, true))
			return reject(x, 400, "CONNECT without authority-form");
		return H1_DONE;
	}
	if (m->target[0] == '/')
		return H1_DONE;
	/* RFC 9112 3.2.4: asterisk-form is only for OPTIONS. */
	if (m->target_len == 1 && m->target[0] == '*') {
		if (!is_options)
			return reject(x, 400, "asterisk-form without OPTIONS");
		return H1_DONE;
	}
	if (!absolute_form_ok(m->target, m->target_len))
		return reject(x, 400, "invalid request-target");
	return H1_DONE;
}

/* RFC 9112 3: method SP request-target SP HTTP-version, single spaces. */
static enum h1_result
parse_request_line(struct ctx *x, const char *l, size_t n)
{
	struct h1_msg	*m = x->m;
	size_t		 i = 0, t;
	int		 minor;

	while (i < n && tchar[(unsigned char)l[i]])
		i++;
	if (i == 0 || i == n || l[i] != ' ')
		return reject(x, 400, "malformed method");
	m->method = l;
	m->method_len = i;
	for (t = ++i; i < n; i++)
		if ((unsigned char)l[i] <= 0x20 || (unsigned char)l[i] >= 0x7f)
			break;
	if (i == n)
		return reject(x, 400, "request line without an HTTP version");
	if (i == t || l[i] != ' ')
		return reject(x, 400, "malformed request-target");
	m->target = l + t;
	m->target_len = i - t;
	i++;
	minor = parse_version(l + i, n - i);
	if (minor == -1)
		return reject(x, 400, "malformed HTTP version");
	if (minor == -2)
		return reject(x, 505, "unsupported HTTP version");
	m->version_minor = minor;
	return check_target(x);
}

/* RFC 9112 4: HTTP-version SP 3DIGIT SP [ reason-phrase ]. */
static enum h1_result
parse_status_line(struct ctx *x, const char *l, size_t n)
{
	struct h1_msg	*m = x->m;
	size_t		 i;
	int		 minor;

	minor = parse_version(l, n < 8 ? n : 8);
	if (minor < 0)
		return reject(x, 502, "bad version in status line");
	if (n < 12 || l[8] != ' ' || !is_digit(l[9]) || !is_digit(l[10]) ||
	    !is_digit(l[11]))
		return reject(x, 502, "malformed status line");
	/* "HTTP/1.1 200" without the SP is common enough to accept. */
	if (n > 12 && l[12] != ' ')
		return reject(x, 502, "malformed status line");
	m->version_minor = minor;
	m->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (m->status < 100 || m->status > 599)
		return reject(x, 502, "status code out of range");
	m->reason = n > 12 ? l + 13 : l + 12;
	m->reason_len = n > 12 ? n - 13 : 0;
	for (i = 0; i < m->reason_len; i++)
		if (!is_field_byte(m->reason[i]))
			return reject(x, 502, "control character in reason");
	return H1_DONE;
}

/* RFC 9110 8.6 and RFC 9112 6.3 rule 5. */
static enum h1_result
field_content_length(struct ctx *x, const char *v, size_t n)
{
	struct h1_msg	*m = x->m;
	size_t		 i = 0, d, e;
	uint64_t	 val;

	/*
	 * A list of identical values may stand for one (RFC 9110 8.6);
	 * anything else leaves the length unknown, which RFC 9112 6.3
	 * makes fatal.
	 */
	do {
		while (i < n && is_ows(v[i]))
			i++;
		for (e = i; e < n && v[e] != ','; e++)
			continue;
		val = 0;
		for (d = i; i < e && is_digit(v[i]); i++) {
			if (val > (INT64_MAX - (uint64_t)(v[i] - '0')) / 10)
				return reject(x, 400,
				    "Content-Length overflows");
			val = val * 10 + (uint64_t)(v[i] - '0');
		}
		if (i == d)
			return reject(x, 400, "Content-Length is not a number");
		while (i < e && is_ows(v[i]))
			i++;
		if (i != e)
			return reject(x, 400, "Content-Length is not a number");
		if (x->has_cl && val != m->content_length)
			return reject(x, 400, "conflicting Content-Length");
		m->content_length = val;
		x->has_cl = true;
	} while (i++ < n);
	return H1_DONE;
}

/*
 * transfer-coding list (RFC 9112 6.1, 7).  Several fields form one list
 * (RFC 9110 5.3), so the state lives in <x> and is judged after the last
 * field.
 */
static enum h1_result
field_transfer_encoding(struct ctx *x, const char *v, size_t n)
{
	size_t	 i = 0, tok, e;

	x->has_te = true;
	while (i < n) {
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		if (i == n)
			break;
		for (tok = i; i < n && tchar[(unsigned char)v[i]]; i++)
			continue;
		if (i == tok)
			return reject(x, 400, "malformed Transfer-Encoding");
		for (e = i; e < n && v[e] != ','; e++)
			continue;
		if (h1_token_eq(v + tok, i - tok, "chunked")) {
			/* chunked takes no parameters (RFC 9112 7) */
			while (i < e && is_ows(v[i]))
				i++;
			if (i != e)
				return reject(x, 400,
				    "malformed Transfer-Encoding");
			x->te_chunked++;
			x->te_last_chunked = true;
		} else {
			/*
			 * parameters of codings we refuse anyway are
			 * checked only for their start
			 */
			while (i < e && is_ows(v[i]))
				i++;
			if (i != e && v[i] != ';')
				return reject(x, 400,
				    "malformed Transfer-Encoding");
			x->te_other = true;
			x->te_last_chunked = false;
		}
		i = e;
	}
	return H1_DONE;
}

static bool
connection_token(const char *tok, size_t len, void *arg)
{
	struct h1_msg	*m = arg;

	if (h1_token_eq(tok, len, "close"))
		m->has_connection_close = true;
	else if (h1_token_eq(tok, len, "keep-alive"))
		m->has_connection_keepalive = true;
	else if (h1_token_eq(tok, len, "upgrade"))
		m->has_upgrade = true;
	return true;
}

static bool
expect_token(const char *tok, size_t len, void *arg)
{
	struct h1_msg	*m = arg;

	if (h1_token_eq(tok, len, "100-continue")) {
		m->has_expect_continue = true;
		return false;
	}
	return true;
}

/*
 * RFC 9110 7.6.2: Max-Forwards = 1*DIGIT, which a proxy must check and
 * decrement on OPTIONS and TRACE; a value it cannot read, or two, would
 * leave it guessing.  Values past INT32_MAX are read as INT32_MAX, the
 * largest weir supports (it forwards the lesser of that and the value
 * minus one).
 */
static enum h1_result
field_max_forwards(struct ctx *x, const char *v, size_t n)
{
	struct h1_msg	*m = x->m;
	int64_t		 val = 0;
	size_t		 i;

	if (++x->nmax_forwards > 1)
		return reject(x, 400, "more than one Max-Forwards");
	if (n == 0)
		return reject(x, 400, "Max-Forwards is not a number");
	for (i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return reject(x, 400, "Max-Forwards is not a number");
		if (val < INT32_MAX)
			val = val * 10 + (v[i] - '0');
	}
	m->max_forwards = val < INT32_MAX ? val : INT32_MAX;
	return H1_DONE;
}

/* What a field means to the parser itself, once it is syntactically fine. */
static enum h1_result
field_meaning(struct ctx *x, const struct h1_header *h)
{
	struct h1_msg	*m = x->m;

	if (h1_token_eq(h->name, h->name_len, "content-length"))
		return field_content_length(x, h->value, h->value_len);
	if (h1_token_eq(h->name, h->name_len, "transfer-encoding"))
		return field_transfer_encoding(x, h->value, h->value_len);
	if (h1_token_eq(h->name, h->name_len, "connection")) {
		h1_each_token(h->value, h->value_len, connection_token, m);
		return H1_DONE;
	}
	if (x->is_response)
		return H1_DONE;
	if (h1_token_eq(h->name, h->name_len, "host")) {
		/*
		 * RFC 9112 3.2: more than one Host, or an invalid one,
		 * "MUST" get 400.  An empty Host is allowed there.
		 */
		if (++x->nhost > 1)
			return reject(x, 400, "more than one Host");
		if (h->value_len > 0 &&
		    !authority_ok(h->value, h->value_len, false))
			return reject(x, 400, "invalid Host");
		m->host = h->value;
		m->host_len = h->value_len;
		return H1_DONE;
	}
	if (h1_token_eq(h->name, h->name_len, "max-forwards") &&
	    (method_is(m, "OPTIONS") || method_is(m, "TRACE")))
		return field_max_forwards(x, h->value, h->value_len);
	/* RFC 9110 10.1.1: 100-continue in HTTP/1.0 "MUST" be ignored. */
	if (h1_token_eq(h->name, h->name_len, "expect") &&
	    m->version_minor == 1)
		h1_each_token(h->value, h->value_len, expect_token, m);
	return H1_DONE;
}

/* RFC 9112 5: field-name ":" OWS field-value OWS. */
static enum h1_result
parse_field(struct ctx *x, const char *l, size_t n)
{
	struct h1_msg		*m = x->m;
	struct h1_header	*h;
	size_t			 i = 0, v, e;

	/*
	 * RFC 9112 5.2: obs-fold "MUST" be rejected outside message/http;
	 * RFC 9112 2.2 likewise for whitespace before the first field.
	 */
	if (is_ows(l[0]))
		return reject(x, 400, "obs-fold");
	while (i < n && tchar[(unsigned char)l[i]])
		i++;
	if (i == n)
		return reject(x, 400, "field line without a colon");
	if (l[i] != ':') {
		/*
		 * RFC 9112 5.1: "MUST" reject whitespace before the colon,
		 * a known smuggling vector.
		 */
		if (is_ows(l[i]))
			return reject(x, 400, "whitespace before colon");
		return reject(x, 400, "invalid character in field name");
	}
	if (i == 0)
		return reject(x, 400, "empty field name");
	for (v = i + 1; v < n; v++)
		if (!is_field_byte(l[v]))
			return reject(x, 400,
			    "control character in field value");
	for (v = i + 1; v < n && is_ows(l[v]); v++)
		continue;
	for (e = n; e > v && is_ows(l[e - 1]); e--)
		continue;
	if (m->nheaders == H1_MAX_HEADERS)
		return reject(x, 431, "too many header fields");
	h = &m->headers[m->nheaders++];
	h->name = l;
	h->name_len = i;
	h->value = l + v;
	h->value_len = e - v;
	return field_meaning(x, h);
}

/* RFC 9112 6.1-6.3 for a request. */
static enum h1_result
request_framing(struct ctx *x)
{
	struct h1_msg	*m = x->m;

	if (x->has_te) {
		/* RFC 9112 6.1: TE in 1.0 means the framing is faulty. */
		if (m->version_minor == 0)
			return reject(x, 400, "Transfer-Encoding in HTTP/1.0");
		/*
		 * RFC 9112 6.1: "ought to be handled as an error"; the
		 * classic smuggling vector.
		 */
		if (x->has_cl)
			return reject(x, 400,
			    "Content-Length with Transfer-Encoding");
		/* RFC 9112 6.1: chunked "MUST NOT" be applied twice. */
		if (x->te_chunked > 1)
			return reject(x, 400, "chunked applied more than once");
		/* RFC 9112 6.3 rule 4: chunked not last "MUST" be 400. */
		if (x->te_chunked == 1 && !x->te_last_chunked)
			return reject(x, 400,
			    "chunked is not the final coding");
		/* RFC 9112 6.1: an unknown coding "SHOULD" be 501. */
		if (x->te_other)
			return reject(x, 501, "unsupported transfer coding");
		if (!x->te_last_chunked)
			return reject(x, 400, "empty Transfer-Encoding");
		m->framing = H1_FRAME_CHUNKED;
	} else if (x->has_cl)
		m->framing = H1_FRAME_LENGTH;
	else
		m->framing = H1_FRAME_NONE;
	/* RFC 9112 3.2: an HTTP/1.1 request without Host "MUST" be 400. */
	if (m->version_minor == 1 && x->nhost == 0)
		return reject(x, 400, "missing Host");
	return H1_DONE;
}

/* RFC 9112 6.3 for a response. */
static enum h1_result
response_framing(struct ctx *x)
{
	struct h1_msg	*m = x->m;

	if (x->has_te) {
		if (m->version_minor == 0)
			return reject(x, 502, "Transfer-Encoding in HTTP/1.0");
		if (x->te_chunked > 1)
			return reject(x, 502, "chunked applied more than once");
		/*
		 * RFC 9112 6.3 rule 3: TE overrides CL (the proxy drops
		 * CL); rule 4: without a final chunked, read until close.
		 */
		m->framing = x->te_last_chunked ? H1_FRAME_CHUNKED :
		    H1_FRAME_CLOSE;
	} else if (x->has_cl)
		m->framing = H1_FRAME_LENGTH;
	else
		m->framing = H1_FRAME_CLOSE;
	/*
	 * RFC 9112 6.3 rule 1: these never have a body, whatever the
	 * fields say.
	 */
	if (x->is_head_request || m->status < 200 || m->status == 204 ||
	    m->status == 304)
		m->framing = H1_FRAME_NONE;
	return H1_DONE;
}

static enum h1_result
parse_head(struct ctx *x)
{
	struct h1_msg	*m = x->m;
	const char	*l;
	size_t		 p = 0, n;
	enum h1_result	 rv;

	m->nheaders = 0;
	m->framing = H1_FRAME_NONE;
	m->content_length = 0;
	m->has_connection_close = false;
	m->has_connection_keepalive = false;
	m->has_expect_continue = false;
	m->has_upgrade = false;
	m->host = NULL;
	m->host_len = 0;
	m->max_forwards = -1;

	/*
	 * RFC 9112 2.2: empty lines before the start line are ignored;
	 * scan_head() made sure each CR here is followed by LF.
	 */
	while (x->buf[p] == '\r' || x->buf[p] == '\n')
		p++;
	l = next_line(x->buf, m->head_len, &p, &n);
	rv = x->is_response ? parse_status_line(x, l, n) :
	    parse_request_line(x, l, n);
	if (rv != H1_DONE)
		return rv;
	for (;;) {
		l = next_line(x->buf, m->head_len, &p, &n);
		if (n == 0)
			break;
		if ((rv = parse_field(x, l, n)) != H1_DONE)
			return rv;
	}
	return x->is_response ? response_framing(x) : request_framing(x);
}

/*
 * Judges the request line once its LF is here, before the fields are: a
 * request line without a version (an HTTP/0.9 "GET /") or with a version
 * we do not speak is answered at once, not after the client's next bytes
 * or a timeout.  The full parse checks it again, from the same bytes.
 */
static enum h1_result
check_request_line(struct h1_msg *m, const char *buf)
{
	struct ctx	 x;
	const char	*l;
	size_t		 p = 0, n;

	memset(&x, 0, sizeof(x));
	x.m = m;
	x.buf = buf;
	m->is_line_checked = true;
	while (buf[p] == '\r' || buf[p] == '\n')
		p++;
	l = next_line(buf, m->line_end, &p, &n);
	return parse_request_line(&x, l, n);
}

/*
 * Clears <m> entirely, including the resume offset.  The caller owns <m>;
 * nothing in it is freed because nothing in it is owned.
 */
void
h1_msg_reset(struct h1_msg *m)
{
	memset(m, 0, sizeof(*m));
}

/*
 * See h1_parse.h.  Only bytes past m->scanned are searched for the end of
 * the head; once it is found, the head is parsed in one pass.  <buf> may have
 * moved between calls as long as its first <len> bytes are the same message.
 */
enum h1_result
h1_parse_request(struct h1_msg *m, const char *buf, size_t len,
    size_t max_head)
{
	struct ctx	 x;
	enum h1_result	 rv;

	/* A rejected request stays rejected, however it is called again. */
	if (m->error_status != 0)
		return H1_BAD;
	rv = scan_head(m, buf, len, max_head, false);
	if (m->line_end != 0 && !m->is_line_checked &&
	    check_request_line(m, buf) == H1_BAD)
		return H1_BAD;
	if (rv != H1_DONE)
		return rv;
	memset(&x, 0, sizeof(x));
	x.m = m;
	x.buf = buf;
	return parse_head(&x);
}

/* See h1_parse.h; as h1_parse_request() with 502 for every rejection. */
enum h1_result
h1_parse_response(struct h1_msg *m, const char *buf, size_t len,
    size_t max_head, bool is_head_request)
{
	struct ctx	 x;
	enum h1_result	 rv;

	if ((rv = scan_head(m, buf, len, max_head, true)) != H1_DONE)
		return rv;
	memset(&x, 0, sizeof(x));
	x.m = m;
	x.buf = buf;
	x.is_response = true;
	x.is_head_request = is_head_request;
	return parse_head(&x);
}

/*
 * Returns the first field of <m> named <name> (any case), or NULL.  The
 * result points into <m> and is valid as long as <m> and its buffer are.
 */
const struct h1_header *
h1_find_header(const struct h1_msg *m, const char *name)
{
	size_t	 i;

	for (i = 0; i < m->nheaders; i++)
		if (h1_token_eq(m->headers[i].name, m->headers[i].name_len,
		    name))
			return &m->headers[i];
	return NULL;
}

/* ASCII case folding only: header tokens are not locale text. */
bool
h1_token_eq(const char *a, size_t alen, const char *b)
{
	size_t	 i;

	for (i = 0; i < alen; i++)
		if (b[i] == '\0' ||
		    lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return b[alen] == '\0';
}

/*
 * Splits <value> on commas, trims OWS, skips empty elements (RFC 9110
 * 5.6.1) and hands each element to <fn> with <arg> until <fn> returns false.
 */
void
h1_each_token(const char *value, size_t len,
    bool (*fn)(const char *tok, size_t toklen, void *arg), void *arg)
{
	size_t	 i = 0, s, e;

	while (i < len) {
		for (s = i; s < len && is_ows(value[s]); s++)
			continue;
		for (e = s; e < len && value[e] != ','; e++)
			continue;
		i = e + 1;
		while (e > s && is_ows(value[e - 1]))
			e--;
		if (e > s && !fn(value + s, e - s, arg))
			return;
	}
}
