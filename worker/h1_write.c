/*
 * HTTP/1 text for a response head.  The framing is written from the
 * head's framing, never copied from a field, so what the client is told
 * and what follows always agree:
 *   LENGTH (or NONE with a length to announce)  Content-Length
 *   CHUNKED   the head's Transfer-Encoding fields (codings before chunked
 *             stay the client's), or "chunked"; none when the body goes
 *             out bare to an HTTP/1.0 client, whose connection then ends
 *   CLOSE     nothing: the close ends the body
 * A 101 names the protocol switched to in Upgrade, with Connection:
 * upgrade (RFC 9110 7.8), and frames nothing: the tunnel follows.
 */
#include "worker/h1_write.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/http_status.h"

struct out {
	struct buf	*b;
	bool		 is_full;
};

static void
put(struct out *o, const char *p, size_t n)
{
	if (!o->is_full && buf_append(o->b, p, n) == -1)
		o->is_full = true;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static bool
is_named(const struct resp_field *f, const char *name)
{
	return f->name_len == strlen(name) &&
	    strncasecmp(f->name, name, f->name_len) == 0;
}

int
h1_write_head(struct buf *outb, const struct resp_head *h,
    const struct h1_write *how)
{
	struct out	 o = { outb, false };
	size_t		 len0 = buf_len(outb), i;
	bool		 has_te = false;
	char		 line[64];
	int		 n;

	n = snprintf(line, sizeof(line), "HTTP/1.1 %03d ", h->status);
	put(&o, line, (size_t)n);
	if (h->reason != NULL)
		put(&o, h->reason, h->reason_len);
	else
		puts_(&o, http_reason(h->status));
	put(&o, "\r\n", 2);
	for (i = 0; i < h->nfields; i++) {
		const struct resp_field *f = &h->fields[i];

		if (is_named(f, "transfer-encoding")) {
			if (how->is_dechunked || h->framing != H1_FRAME_CHUNKED)
				continue;
			has_te = true;
		}
		put(&o, f->name, f->name_len);
		put(&o, ": ", 2);
		put(&o, f->value, f->value_len);
		put(&o, "\r\n", 2);
	}
	if (h->status == 101 && h->upgrade != NULL) {
		puts_(&o, "Upgrade: ");
		put(&o, h->upgrade, h->upgrade_len);
		puts_(&o, "\r\nConnection: upgrade\r\n");
	}
	if (h->status >= 200) {
		if (h->framing == H1_FRAME_LENGTH || (h->framing ==
		    H1_FRAME_NONE && h->has_length)) {
			n = snprintf(line, sizeof(line), "Content-Length: %"
			    PRIu64 "\r\n", h->length);
			put(&o, line, (size_t)n);
		} else if (h->framing == H1_FRAME_CHUNKED &&
		    !how->is_dechunked && !has_te)
			puts_(&o, "Transfer-Encoding: chunked\r\n");
		if (!how->is_keep)
			puts_(&o, "Connection: close\r\n");
		else if (how->is_10)
			puts_(&o, "Connection: keep-alive\r\n");
	}
	put(&o, "\r\n", 2);
	if (h->body != NULL)
		put(&o, h->body, (size_t)h->length);
	if (o.is_full) {
		outb->end = outb->start + len0;
		return -1;
	}
	return 0;
}
