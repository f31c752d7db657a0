/*
 * access_log_format: a line of text with named fields, "$client [$time]
 * \"$request\" $status $bytes ..." as nginx writes its log_format, parsed
 * and checked once at load into a list of items (a field id or a piece of
 * text), so that writing a line is a walk of that list.  "weir" and
 * "combined" name presets written in the same language.
 * Only the language is here; worker/accesslog.c renders the fields.
 */
#ifndef WEIR_COMMON_LOG_FORMAT_H
#define WEIR_COMMON_LOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds of one format: its text, and its fields and pieces of text. */
#define LOG_FORMAT_MAX_LEN	1024
#define LOG_FORMAT_MAX_ITEMS	128

enum log_field {
	LOG_FIELD_TEXT = 0,	/* a piece of the format's own text */
	LOG_FIELD_CLIENT,	/* the client's address, no port */
	LOG_FIELD_TIME,		/* 25/Nov/2026:02:05:30 +0000 */
	LOG_FIELD_TIME_ISO,	/* 2026-11-25T02:05:30Z */
	LOG_FIELD_REQUEST,	/* the request line, or what came of it */
	LOG_FIELD_METHOD,
	LOG_FIELD_URI,		/* the target as received */
	LOG_FIELD_PROTOCOL,	/* HTTP/1.1 */
	LOG_FIELD_STATUS,
	LOG_FIELD_BYTES,	/* response body bytes sent */
	LOG_FIELD_BYTES_CLF,	/* the same, "-" for 0 */
	LOG_FIELD_HOST,		/* Host, or an absolute target's authority */
	LOG_FIELD_TLS_VERSION,	/* TLSv1.3; "-" over plain TCP */
	LOG_FIELD_SNI,		/* the server name the client sent */
	LOG_FIELD_SERVICE,
	LOG_FIELD_BACKEND,	/* the last backend tried, host:port */
	LOG_FIELD_TRIES,
	LOG_FIELD_TOTAL_MS,	/* from the request's first byte */
	LOG_FIELD_BACKEND_MS,	/* from when it went to the backend */
	LOG_FIELD_REQUEST_TIME,	/* total, in seconds (nginx) */
	LOG_FIELD_REQUEST_ID,	/* X-Request-Id */
	LOG_FIELD_USER_AGENT,
	LOG_FIELD_REFERER,
	LOG_FIELD_ERROR,	/* why the exchange ended early, or "-" */
	LOG_FIELD_ERROR_NOTE,	/* ' error="WHY"' then, else nothing */
	LOG_FIELD_COUNT
};

struct log_format_item {
	uint8_t		field;		/* enum log_field */
	uint16_t	off;		/* LOG_FIELD_TEXT: in log_format.text */
	uint16_t	len;
};

/* A compiled format: no pointers, so a config can hold it by value. */
struct log_format {
	struct log_format_item	items[LOG_FORMAT_MAX_ITEMS];
	size_t			nitems;
	uint64_t		uses;	/* bit 1 << field of every field */
	char			text[LOG_FORMAT_MAX_LEN];
};

/*
 * Compiles <spec>: a preset's name ("weir", "combined") or a
 * format.  In a format, "$name" or "${name}" is a field (names are those
 * log_format_field_names() lists, nginx's spellings too: remote_addr,
 * time_local, body_bytes_sent, ...) and "$$" a "$"; the rest is text,
 * which may not hold control characters (a line is one line).  Returns 0,
 * or -1 with what is wrong in <why> (<why_len> bytes).
 */
int	log_format_parse(struct log_format *f, const char *spec, char *why,
	    size_t why_len);

/* True when <f> has the field <field>. */
static inline bool
log_format_uses(const struct log_format *f, enum log_field field)
{
	return (f->uses & (UINT64_C(1) << field)) != 0;
}

/* Every field name and alias, NULL-terminated, for messages and docs. */
const char *const	*log_format_field_names(void);

#endif
