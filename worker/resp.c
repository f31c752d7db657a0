/*
 * Building response heads.  Values weir formats itself go into the head's
 * own text; the rest are referenced where they are (a backend's head in
 * its buffer, a configured string), which is why a head lives only until
 * the front end has encoded it.  A field that does not fit marks the head
 * full rather than being dropped quietly; the caller answers 502 or 500.
 */
#include "worker/resp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void
resp_init(struct resp_head *h, int status)
{
	h->status = status;
	h->reason = NULL;
	h->reason_len = 0;
	h->nfields = 0;
	h->text_len = 0;
	h->is_full = false;
	h->framing = H1_FRAME_NONE;
	h->length = 0;
	h->has_length = false;
	h->te = NULL;
	h->te_len = 0;
	h->body = NULL;
	h->must_close = false;
	h->close_on_eof = false;
	h->upgrade = NULL;
	h->upgrade_len = 0;
}

void
resp_add_n(struct resp_head *h, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	struct resp_field	*f;

	if (h->nfields == RESP_MAX_FIELDS) {
		h->is_full = true;
		return;
	}
	f = &h->fields[h->nfields++];
	f->name = name;
	f->name_len = name_len;
	f->value = value;
	f->value_len = value_len;
}

void
resp_add(struct resp_head *h, const char *name, const char *value,
    size_t value_len)
{
	resp_add_n(h, name, strlen(name), value, value_len);
}

void
resp_addf(struct resp_head *h, const char *name, const char *fmt, ...)
{
	va_list	ap;
	size_t	room = sizeof(h->text) - h->text_len;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(h->text + h->text_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		h->is_full = true;
		return;
	}
	resp_add(h, name, h->text + h->text_len, (size_t)n);
	h->text_len += (size_t)n + 1;
}

const struct resp_field *
resp_find(const struct resp_head *h, const char *name)
{
	size_t	i;

	for (i = 0; i < h->nfields; i++)
		if (h->fields[i].name_len == strlen(name) &&
		    strncasecmp(h->fields[i].name, name,
		    h->fields[i].name_len) == 0)
			return &h->fields[i];
	return NULL;
}

void
resp_set(struct resp_head *h, const char *name, const char *value,
    size_t value_len)
{
	size_t	i, k, nlen = strlen(name);

	for (i = 0, k = 0; i < h->nfields; i++)
		if (h->fields[i].name_len != nlen ||
		    strncasecmp(h->fields[i].name, name, nlen) != 0)
			h->fields[k++] = h->fields[i];
	h->nfields = k;
	resp_add_n(h, name, nlen, value, value_len);
}
