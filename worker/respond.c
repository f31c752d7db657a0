/*
 * The fixed texts of the responses weir answers itself.  Bodies are short
 * and plain so an operator reading curl output knows which side failed.
 */
#include "worker/respond.h"

#include <stdio.h>
#include <string.h>

#include "common/h1_parse.h"

const char respond_503_full[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 48\r\n"
    "Connection: close\r\n"
    "\r\n"
    "weir: no free connection slot, try again later.\n";

static const struct {
	int		 status;
	const char	*reason;
	const char	*body;
} texts[] = {
	{ 301, "Moved Permanently", "weir: moved." },
	{ 308, "Permanent Redirect", "weir: moved." },
	{ 400, "Bad Request", "weir: the request is malformed." },
	{ 403, "Forbidden", "weir: access denied." },
	{ 404, "Not Found", "weir: no route for this request." },
	{ 405, "Method Not Allowed", "weir: method not allowed." },
	{ 408, "Request Timeout",
	    "weir: the request did not arrive in time." },
	{ 413, "Content Too Large",
	    "weir: the request body is larger than this service accepts." },
	{ 414, "URI Too Long", "weir: the request target is too long." },
	{ 431, "Request Header Fields Too Large",
	    "weir: the request head is larger than this service accepts." },
	{ 500, "Internal Server Error", "weir: internal error." },
	{ 501, "Not Implemented",
	    "weir: the request uses a method or transfer coding weir does "
	    "not support." },
	{ 502, "Bad Gateway",
	    "weir: the backend could not be reached or sent an invalid "
	    "response." },
	{ 503, "Service Unavailable", "weir: no backend is available." },
	{ 504, "Gateway Timeout", "weir: the backend did not answer in "
	    "time." },
	{ 505, "HTTP Version Not Supported",
	    "weir: only HTTP/1.0 and HTTP/1.1 are supported." },
};

static int
find(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].status == status)
			return (int)i;
	return -1;
}

const char *
respond_reason(int status)
{
	int	i = find(status);

	return i == -1 ? "Error" : texts[i].reason;
}

int
respond_build(struct buf *out, int status, bool is_head, bool keep,
    const char *via)
{
	char		 head[512];
	const char	*body;
	int		 i, n;
	size_t		 blen;

	i = find(status);
	body = i == -1 ? "weir: error." : texts[i].body;
	blen = strlen(body) + 1;
	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s%s"
	    "%s"
	    "\r\n",
	    status, respond_reason(status), blen,
	    via != NULL ? "Via: 1.1 " : "", via != NULL ? via : "",
	    via != NULL ? "\r\n" : "",
	    keep ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    buf_append(out, head, (size_t)n) == -1)
		return -1;
	if (is_head)
		return 0;
	if (buf_append(out, body, blen - 1) == -1 ||
	    buf_append(out, "\n", 1) == -1)
		return -1;
	return 0;
}

int
respond_redirect(struct buf *out, int status, const char *location,
    bool is_head, bool keep, const char *via)
{
	char	head[2560];
	int	n;

	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\n"
	    "Location: %s\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n"
	    "%s%s%s"
	    "%s"
	    "\r\n"
	    "%s%s",
	    status, respond_reason(status), location,
	    strlen(location) + 1,
	    via != NULL ? "Via: 1.1 " : "", via != NULL ? via : "",
	    via != NULL ? "\r\n" : "",
	    keep ? "" : "Connection: close\r\n",
	    is_head ? "" : location, is_head ? "" : "\n");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	return buf_append(out, head, (size_t)n);
}

/*
 * What weir, as the final recipient of OPTIONS, says the target allows:
 * the methods it forwards (CONNECT is refused with 501).
 */
#define ALLOW	"GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE"

int
respond_options(struct buf *out, bool keep, const char *via)
{
	char	head[512];
	int	n;

	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 200 OK\r\n"
	    "Allow: " ALLOW "\r\n"
	    "Content-Length: 0\r\n"
	    "%s%s%s"
	    "%s"
	    "\r\n",
	    via != NULL ? "Via: 1.1 " : "", via != NULL ? via : "",
	    via != NULL ? "\r\n" : "",
	    keep ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	return buf_append(out, head, (size_t)n);
}

/*
 * RFC 9110 9.3.8: the final recipient "SHOULD exclude any request fields
 * that are likely to contain sensitive data" from the reflected message.
 */
static bool
is_sensitive(const struct h1_header *h)
{
	static const char *const names[] = {
		"authorization", "proxy-authorization", "cookie",
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (h1_token_eq(h->name, h->name_len, names[i]))
			return true;
	return false;
}

/* Appends (or, with <out> NULL, only measures) the reflected head. */
static size_t
put_reflection(struct buf *out, const struct h1_msg *m, bool *is_full)
{
	char	line[32];
	size_t	len = 0, i;
	int	n;

#define PUT(p, k) do {							\
		if (out != NULL && buf_append(out, (p), (k)) == -1)	\
			*is_full = true;				\
		len += (k);						\
	} while (0)
	PUT(m->method, m->method_len);
	PUT(" ", 1);
	PUT(m->target, m->target_len);
	n = snprintf(line, sizeof(line), " HTTP/1.%d\r\n", m->version_minor);
	PUT(line, (size_t)n);
	for (i = 0; i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];

		if (is_sensitive(h))
			continue;
		PUT(h->name, h->name_len);
		PUT(": ", 2);
		PUT(h->value, h->value_len);
		PUT("\r\n", 2);
	}
	PUT("\r\n", 2);
#undef PUT
	return len;
}

int
respond_trace(struct buf *out, const struct h1_msg *m, bool keep,
    const char *via)
{
	char	head[512];
	bool	is_full = false;
	int	n;

	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: message/http\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s%s"
	    "%s"
	    "\r\n",
	    put_reflection(NULL, m, &is_full),
	    via != NULL ? "Via: 1.1 " : "", via != NULL ? via : "",
	    via != NULL ? "\r\n" : "",
	    keep ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    buf_append(out, head, (size_t)n) == -1)
		return -1;
	(void)put_reflection(out, m, &is_full);
	return is_full ? -1 : 0;
}
