/*
 * The access_log_format language: "$name" and "${name}" are fields, "$$"
 * is a "$", everything else is text.  The names are weir's own and, for
 * the fields nginx has, nginx's: an operator can paste the middle of a
 * log_format line.  Compiled at load (a bad format stops the load with
 * the place and the cause), never at run time.
 */
#include "common/log_format.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char	*name;
	enum log_field	 field;
} fields[] = {
	/* weir's names: the first of each field is what messages list */
	{ "client", LOG_FIELD_CLIENT },
	{ "time", LOG_FIELD_TIME },
	{ "time_iso", LOG_FIELD_TIME_ISO },
	{ "request", LOG_FIELD_REQUEST },
	{ "method", LOG_FIELD_METHOD },
	{ "uri", LOG_FIELD_URI },
	{ "protocol", LOG_FIELD_PROTOCOL },
	{ "status", LOG_FIELD_STATUS },
	{ "bytes", LOG_FIELD_BYTES },
	{ "bytes_clf", LOG_FIELD_BYTES_CLF },
	{ "host", LOG_FIELD_HOST },
	{ "tls_version", LOG_FIELD_TLS_VERSION },
	{ "sni", LOG_FIELD_SNI },
	{ "service", LOG_FIELD_SERVICE },
	{ "backend", LOG_FIELD_BACKEND },
	{ "tries", LOG_FIELD_TRIES },
	{ "total_ms", LOG_FIELD_TOTAL_MS },
	{ "backend_ms", LOG_FIELD_BACKEND_MS },
	{ "request_time", LOG_FIELD_REQUEST_TIME },
	{ "request_id", LOG_FIELD_REQUEST_ID },
	{ "user_agent", LOG_FIELD_USER_AGENT },
	{ "referer", LOG_FIELD_REFERER },
	{ "error", LOG_FIELD_ERROR },
	{ "error_note", LOG_FIELD_ERROR_NOTE },
	/* nginx's names for the same fields */
	{ "remote_addr", LOG_FIELD_CLIENT },
	{ "time_local", LOG_FIELD_TIME },
	{ "time_iso8601", LOG_FIELD_TIME_ISO },
	{ "request_method", LOG_FIELD_METHOD },
	{ "request_uri", LOG_FIELD_URI },
	{ "server_protocol", LOG_FIELD_PROTOCOL },
	{ "body_bytes_sent", LOG_FIELD_BYTES },
	{ "http_host", LOG_FIELD_HOST },
	{ "ssl_protocol", LOG_FIELD_TLS_VERSION },
	{ "ssl_server_name", LOG_FIELD_SNI },
	{ "upstream_addr", LOG_FIELD_BACKEND },
	{ "http_user_agent", LOG_FIELD_USER_AGENT },
	{ "http_referer", LOG_FIELD_REFERER },
};

#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/*
 * The presets, in the language itself.  "weir" and "combined" give the
 * lines weir wrote before formats existed, byte for byte.
 */
static const struct {
	const char	*name;
	const char	*spec;
} presets[] = {
	{ "weir", "$client [$time] \"$request\" $status $bytes "
	    "service=$service backend=$backend total_ms=$total_ms "
	    "backend_ms=$backend_ms tries=$tries$error_note" },
	{ "combined", "$client - - [$time] \"$request\" $status $bytes_clf "
	    "\"$referer\" \"$user_agent\"" },
};

const char *const *
log_format_field_names(void)
{
	static const char	*names[LOG_FIELD_COUNT + 1];
	uint64_t		 seen = 0;
	size_t			 i, n = 0;

	if (names[0] == NULL)
		for (i = 0; i < NFIELDS && n < LOG_FIELD_COUNT; i++)
			if ((seen & UINT64_C(1) << fields[i].field) == 0) {
				seen |= UINT64_C(1) << fields[i].field;
				names[n++] = fields[i].name;
			}
	return names;
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static int
lookup(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].name) == len &&
		    memcmp(fields[i].name, name, len) == 0)
			return (int)fields[i].field;
	return -1;
}

static int
add_item(struct log_format *f, enum log_field field, size_t off, size_t len)
{
	struct log_format_item	*it;

	if (f->nitems == LOG_FORMAT_MAX_ITEMS)
		return -1;
	it = &f->items[f->nitems++];
	it->field = (uint8_t)field;
	it->off = (uint16_t)off;
	it->len = (uint16_t)len;
	f->uses |= UINT64_C(1) << field;
	return 0;
}

/* "unknown field ...; expected one of: client, time, ..." */
static void
unknown(char *why, size_t why_len, const char *name, size_t len,
    size_t at)
{
	const char *const	*p;
	size_t			 n;
	int			 k;

	k = snprintf(why, why_len, "unknown field \"$%.*s\" at character "
	    "%zu; expected one of:", (int)len, name, at);
	n = k > 0 ? (size_t)k : 0;
	for (p = log_format_field_names(); *p != NULL && n < why_len; p++) {
		k = snprintf(why + n, why_len - n, "%s %s",
		    p == log_format_field_names() ? "" : ",", *p);
		n += k > 0 ? (size_t)k : 0;
	}
}

int
log_format_parse(struct log_format *f, const char *spec, char *why,
    size_t why_len)
{
	size_t	i, n, lit, at, len, nlen;
	bool	is_braced;
	int	field;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(spec, presets[i].name) == 0) {
			spec = presets[i].spec;
			break;
		}
	memset(f, 0, sizeof(*f));
	if ((len = strlen(spec)) >= LOG_FORMAT_MAX_LEN) {
		snprintf(why, why_len, "a format of %zu bytes; at most %d",
		    len, LOG_FORMAT_MAX_LEN - 1);
		return -1;
	}
	n = 0;		/* bytes of text kept */
	lit = 0;	/* where the pending piece of text starts */
	for (i = 0; i < len; i++) {
		at = i + 1;
		if ((unsigned char)spec[i] < 0x20 || spec[i] == 0x7f) {
			snprintf(why, why_len, "a control character at "
			    "character %zu: each request's line must stay one "
			    "line", at);
			return -1;
		}
		if (spec[i] != '$' || spec[i + 1] == '$') {
			f->text[n++] = spec[i];
			i += spec[i] == '$';
			continue;
		}
		is_braced = spec[i + 1] == '{';
		i += 1 + is_braced;
		for (nlen = 0; is_name_char(spec[i + nlen]); nlen++)
			;
		if (nlen == 0) {
			snprintf(why, why_len, "\"$\" at character %zu is not "
			    "followed by a field name (\"$$\" writes a \"$\")",
			    at);
			return -1;
		}
		if (is_braced && spec[i + nlen] != '}') {
			snprintf(why, why_len, "\"${\" at character %zu has no "
			    "closing \"}\"", at);
			return -1;
		}
		if ((field = lookup(spec + i, nlen)) == -1) {
			unknown(why, why_len, spec + i, nlen, at);
			return -1;
		}
		if ((n > lit && add_item(f, LOG_FIELD_TEXT, lit, n - lit) ==
		    -1) || add_item(f, (enum log_field)field, 0, 0) == -1)
			goto too_many;
		lit = n;
		i += nlen + is_braced - 1;
	}
	if (n > lit && add_item(f, LOG_FIELD_TEXT, lit, n - lit) == -1)
		goto too_many;
	if (f->uses == UINT64_C(1) << LOG_FIELD_TEXT || f->nitems == 0) {
		/* A typo of a preset's name, not a line of constant text. */
		snprintf(why, why_len, "expected \"weir\", \"combined\" or a "
		    "format with $fields");
		return -1;
	}
	f->uses &= ~(UINT64_C(1) << LOG_FIELD_TEXT);
	return 0;
too_many:
	snprintf(why, why_len, "more than %d fields and pieces of text",
	    LOG_FORMAT_MAX_ITEMS);
	return -1;
}
