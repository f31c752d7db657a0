/*
 * The fixed texts of the responses weir answers itself.  Bodies are short
 * and plain so an operator reading curl output knows which side failed.
 */
#include "worker/respond.h"

#include <stdio.h>
#include <string.h>

#include "common/h1_parse.h"
#include "common/http_status.h"

const char respond_503_full[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 48\r\n"
    "Connection: close\r\n"
    "\r\n"
    "weir: no free connection slot, try again later.\n";

/* Via when configured: one place for every answer below. */
static void
add_via(struct resp_head *h, const char *via)
{
	if (via != NULL)
		resp_addf(h, "Via", "1.1 %s", via);
}

/* <body> (<len> bytes, outliving the send) is the answer's content. */
static void
set_body(struct resp_head *h, const char *body, size_t len, bool is_head)
{
	h->length = len;
	h->has_length = true;
	if (!is_head && len > 0) {
		h->framing = H1_FRAME_LENGTH;
		h->body = body;
	}
}

void
respond_local(struct resp_head *h, int status, bool is_head, const char *via)
{
	const char	*text = http_status_text(status, HTTP_VOICE_PROXY);

	resp_init(h, status);
	resp_add(h, "Content-Type", "text/plain", 10);
	resp_add(h, "Cache-Control", "no-store", 8);
	add_via(h, via);
	set_body(h, text, strlen(text), is_head);
	h->close_on_eof = true;
}

void
respond_redirect(struct resp_head *h, int status, const char *location,
    bool is_head, const char *via)
{
	size_t	len = strlen(location);

	resp_init(h, status);
	resp_add(h, "Location", location, len);
	resp_add(h, "Content-Type", "text/plain", 10);
	add_via(h, via);
	/* The body is the location and a newline, kept in the head's text. */
	if (h->text_len + len + 1 > sizeof(h->text)) {
		h->is_full = true;
		return;
	}
	memcpy(h->text + h->text_len, location, len);
	h->text[h->text_len + len] = '\n';
	set_body(h, h->text + h->text_len, len + 1, is_head);
	h->text_len += len + 1;
}

/*
 * What weir, as the final recipient of OPTIONS, says the target allows:
 * the methods it forwards (CONNECT is refused with 501).
 */
#define ALLOW	"GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE"

void
respond_options(struct resp_head *h, const char *via)
{
	resp_init(h, 200);
	resp_add(h, "Allow", ALLOW, sizeof(ALLOW) - 1);
	add_via(h, via);
	set_body(h, "", 0, true);
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

int
respond_trace(struct resp_head *h, const struct h1_msg *m, const char *via,
    struct buf *body)
{
	char	line[32];
	size_t	len0 = buf_len(body), i;
	bool	is_full = false;
	int	n;

#define PUT(p, k) do {							\
		if (!is_full && buf_append(body, (p), (k)) == -1)	\
			is_full = true;					\
	} while (0)
	PUT(m->method, m->method_len);
	PUT(" ", 1);
	PUT(m->target, m->target_len);
	n = snprintf(line, sizeof(line), " HTTP/1.%d\r\n", m->version_minor);
	PUT(line, (size_t)n);
	for (i = 0; i < m->nheaders; i++) {
		const struct h1_header *f = &m->headers[i];

		if (is_sensitive(f))
			continue;
		PUT(f->name, f->name_len);
		PUT(": ", 2);
		PUT(f->value, f->value_len);
		PUT("\r\n", 2);
	}
	PUT("\r\n", 2);
#undef PUT
	if (is_full)
		return -1;
	resp_init(h, 200);
	resp_add(h, "Content-Type", "message/http", 12);
	resp_add(h, "Cache-Control", "no-store", 8);
	add_via(h, via);
	set_body(h, buf_head(body) + len0, buf_len(body) - len0, false);
	return 0;
}
