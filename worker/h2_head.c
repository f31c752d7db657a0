/*
 * HTTP/2 heads both ways, for the HTTP/2 front end: a request's header
 * block, kept field by field as nghttp2 decodes it, becomes the same
 * parsed head (struct h1_msg) an HTTP/1 request gives; a response head
 * (struct resp_head) becomes HTTP/2 fields.  No I/O: the front end feeds
 * the fields and submits the result.
 */
#include "worker/h2_head.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

void
h2_head_block_start(struct h2_block *b, struct h2_stream *s)
{
	b->stream = s;
	if (b->fields.data != NULL)
		b->fields.start = b->fields.end = 0;
	b->nfields = 0;
	b->list_bytes = 0;
	b->is_too_large = false;
	b->is_ext_connect = false;
}

void
h2_head_block_end(struct h2_block *b, struct bufpool *pool)
{
	b->stream = NULL;
	bufpool_put(pool, &b->fields);
}

void
h2_head_block_add(struct h2_block *b, struct bufpool *pool, size_t most,
    const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen)
{
	if (b->is_too_large)
		return;
	b->list_bytes += nlen + vlen + 4;
	if (b->list_bytes > most || b->nfields == H1_MAX_HEADERS ||
	    bufpool_get(pool, &b->fields) == -1 ||
	    buf_room(&b->fields) < nlen + vlen + 2) {
		b->is_too_large = true;
		return;
	}
	(void)buf_append(&b->fields, name, nlen);
	(void)buf_append(&b->fields, "", 1);
	(void)buf_append(&b->fields, value, vlen);
	(void)buf_append(&b->fields, "", 1);
	b->nfields++;
}

/* The value of a decimal field, or -1 when it is not one number. */
static int64_t
decimal(const char *v, size_t len)
{
	uint64_t	n = 0;
	size_t		i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	return (int64_t)n;
}

static bool
is_method(const struct h1_msg *m, const char *name)
{
	return m->method_len == strlen(name) &&
	    memcmp(m->method, name, m->method_len) == 0;
}

/*
 * Several cookie fields become one, joined with "; " (RFC 9113 8.2.3), in
 * the block's buffer after its fields.  False when it does not fit.
 */
static bool
join_cookies(struct h2_block *b, struct h1_header *first, const char *p,
    const char *end)
{
	size_t	start = b->fields.end, nlen, vlen;
	bool	is_first = true;

	while (p < end) {
		nlen = strlen(p);
		vlen = strlen(p + nlen + 1);
		if (h1_token_eq(p, nlen, "cookie")) {
			if ((!is_first && buf_append(&b->fields, "; ", 2) ==
			    -1) || buf_append(&b->fields, p + nlen + 1, vlen) ==
			    -1)
				return false;
			is_first = false;
		}
		p += nlen + vlen + 2;
	}
	first->value = b->fields.data + start;
	first->value_len = b->fields.end - start;
	return true;
}

/* One more field of <m>, pointing at <name> and <value>; false when full. */
static bool
add_field(struct h1_msg *m, const char *name, const char *value,
    size_t vlen)
{
	struct h1_header	*f;

	if (m->nheaders == H1_MAX_HEADERS)
		return false;
	f = &m->headers[m->nheaders++];
	f->name = name;
	f->name_len = strlen(name);
	f->value = value;
	f->value_len = vlen;
	return true;
}

/*
 * RFC 8441 4: an extended CONNECT (:protocol) becomes the HTTP/1.1
 * Upgrade request a backend knows (RFC 6455 4.1): GET of :path, no body
 * (the stream's DATA are the tunnel's), Upgrade: the protocol, and for a
 * WebSocket a Sec-WebSocket-Key of its own (HTTP/2 clients send none,
 * RFC 8441 5; the backend's Sec-WebSocket-Accept is dropped on the way
 * back).  Returns 0, 400 without :path, or 431 when no field is left.
 */
static int
ext_connect(struct h2_block *b, struct h1_msg *m, const char *path,
    size_t path_len, const char *proto, size_t proto_len)
{
	unsigned char	nonce[16];

	if (!is_method(m, "CONNECT") || path == NULL)
		return 400;
	b->is_ext_connect = true;
	m->method = "GET";
	m->method_len = 3;
	m->target = path;
	m->target_len = path_len;
	m->framing = H1_FRAME_NONE;
	m->content_length = 0;
	m->has_upgrade = true;
	if (!add_field(m, "upgrade", proto, proto_len))
		return 431;
	if (!h1_token_eq(proto, proto_len, "websocket") ||
	    h1_find_header(m, "sec-websocket-key") != NULL)
		return 0;
	/* Only the backend's handshake reads it: it needs no secrecy. */
	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return 400;
	(void)EVP_EncodeBlock((unsigned char *)b->ws_key, nonce,
	    sizeof(nonce));
	return add_field(m, "sec-websocket-key", b->ws_key,
	    strlen(b->ws_key)) ? 0 : 431;
}

int
h2_head_msg(struct h2_block *b, struct h1_msg *m, bool is_end_stream)
{
	const char		*p, *end, *name, *value;
	const char		*authority = NULL, *path = NULL, *proto = NULL;
	struct h1_header	*f, *cookie = NULL;
	size_t			 nlen, vlen, authority_len = 0, ncookies = 0;
	size_t			 path_len = 0, proto_len = 0;
	int64_t			 n;

	h1_msg_reset(m);
	m->version_minor = 1;
	m->max_forwards = -1;
	m->framing = is_end_stream ? H1_FRAME_NONE : H1_FRAME_CHUNKED;
	if (b->is_too_large)
		return 431;
	p = b->fields.data != NULL ? buf_head(&b->fields) : NULL;
	end = p != NULL ? p + buf_len(&b->fields) : NULL;
	while (p < end) {
		name = p;
		nlen = strlen(name);
		value = name + nlen + 1;
		vlen = strlen(value);
		p = value + vlen + 1;
		if (nlen > 0 && name[0] == ':') {
			if (h1_token_eq(name, nlen, ":method")) {
				m->method = value;
				m->method_len = vlen;
			} else if (h1_token_eq(name, nlen, ":path")) {
				m->target = path = value;
				m->target_len = path_len = vlen;
			} else if (h1_token_eq(name, nlen, ":authority")) {
				authority = value;
				authority_len = vlen;
			} else if (h1_token_eq(name, nlen, ":protocol")) {
				/* RFC 8441: only where weir's SETTINGS
				   enabled it, nghttp2 checks. */
				proto = value;
				proto_len = vlen;
			}
			/* :scheme says what the client used; the backend
			   learns it from X-Forwarded-Proto. */
			continue;
		}
		if (h1_token_eq(name, nlen, "cookie") && ncookies++ > 0)
			continue;
		f = &m->headers[m->nheaders++];
		f->name = name;
		f->name_len = nlen;
		f->value = value;
		f->value_len = vlen;
		if (h1_token_eq(name, nlen, "cookie"))
			cookie = f;
		else if (h1_token_eq(name, nlen, "host") && m->host == NULL) {
			m->host = value;
			m->host_len = vlen;
		} else if (h1_token_eq(name, nlen, "content-length")) {
			if ((n = decimal(value, vlen)) == -1)
				return 400;
			m->framing = H1_FRAME_LENGTH;
			m->content_length = (uint64_t)n;
		} else if (h1_token_eq(name, nlen, "expect") &&
		    h1_token_eq(value, vlen, "100-continue"))
			m->has_expect_continue = true;
	}
	if (ncookies > 1 && !join_cookies(b, cookie, buf_head(&b->fields),
	    buf_head(&b->fields) + buf_len(&b->fields)))
		return 431;
	/* RFC 9113 8.3.1: :authority stands for Host; the backend gets one
	   Host, from it. */
	if (authority != NULL) {
		m->host = authority;
		m->host_len = authority_len;
	}
	if (m->method == NULL)
		return 400;
	if (proto != NULL)
		return ext_connect(b, m, path, path_len, proto, proto_len);
	if (is_method(m, "CONNECT")) {
		/* No :path: what it names is the authority. */
		m->target = m->host != NULL ? m->host : "";
		m->target_len = m->host != NULL ? m->host_len : 0;
	} else if (m->target == NULL || m->host == NULL)
		return 400;
	if (is_method(m, "OPTIONS") || is_method(m, "TRACE")) {
		const struct h1_header	*mf = h1_find_header(m, "max-forwards");

		if (mf != NULL && (m->max_forwards = decimal(mf->value,
		    mf->value_len)) == -1)
			return 400;
	}
	if (is_end_stream && m->framing == H1_FRAME_LENGTH &&
	    m->content_length > 0)
		return 400;
	return 0;
}

/*
 * Fields that do not exist in HTTP/2 (RFC 9113 8.2.2) and the framing,
 * which is the frames' (content-length is written from the head's
 * framing, as HTTP/1 does).
 */
static bool
is_connection_field(const struct resp_field *f)
{
	static const char *const names[] = {
		"connection", "keep-alive", "proxy-connection", "te",
		"transfer-encoding", "upgrade", "content-length",
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f->name_len == strlen(names[i]) &&
		    strncasecmp(f->name, names[i], f->name_len) == 0)
			return true;
	return false;
}

static void
nv_set(nghttp2_nv *nv, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	nv->name = (uint8_t *)(uintptr_t)name;
	nv->namelen = nlen;
	nv->value = (uint8_t *)(uintptr_t)value;
	nv->valuelen = vlen;
	nv->flags = NGHTTP2_NV_FLAG_NONE;
}

int
h2_head_encode(nghttp2_nv *nv, char *names, size_t names_len,
    const struct resp_head *h, char *status, char *length, size_t length_cap)
{
	size_t		 i, j, used = 0;
	int		 n = 0;

	snprintf(status, 4, "%03d", h->status);
	nv_set(&nv[n++], ":status", 7, status, 3);
	for (i = 0; i < h->nfields; i++) {
		const struct resp_field	*f = &h->fields[i];

		if (is_connection_field(f) || f->name_len == 0)
			continue;
		if (names_len - used < f->name_len)
			return -1;
		for (j = 0; j < f->name_len; j++)
			names[used + j] = (char)(f->name[j] >= 'A' &&
			    f->name[j] <= 'Z' ? f->name[j] + 32 : f->name[j]);
		nv_set(&nv[n++], names + used, f->name_len, f->value,
		    f->value_len);
		used += f->name_len;
	}
	if (h->status >= 200 && (h->framing == H1_FRAME_LENGTH ||
	    (h->framing == H1_FRAME_NONE && h->has_length)))
		nv_set(&nv[n++], "content-length", 14, length,
		    (size_t)snprintf(length, length_cap, "%" PRIu64,
		    h->length));
	return n;
}
