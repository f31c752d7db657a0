/*
 * Access log lines, in the format the configuration compiled
 * (common/log_format.c): a walk of its items, each a piece of text or a
 * field of the request's record.  "weir" is
 *   CLIENT [TIME] "METHOD PATH HTTP/1.x" STATUS BYTES service=S
 *   backend=ADDR|- total_ms=T backend_ms=B tries=N [error="WHY"]
 * (error= when the exchange ended before the response did: STATUS is what
 * the client was told, BYTES what it got), "combined" Apache's and
 * nginx's, which existing log tools read:
 *   CLIENT - - [TIME] "METHOD PATH HTTP/1.x" STATUS BYTES|- "REFERER" "UA"
 * What comes from the request is escaped (\" \\ \xHH) in every field, so a
 * client cannot forge a line or a field.  The time texts are rebuilt at
 * most once a second.
 */
#include "worker/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"

int
accesslog_open(struct accesslog *al, const char *path,
    const struct log_format *fmt)
{
	al->fd = -1;
	al->len = 0;
	al->path = (char *)path;
	al->fmt = fmt;
	al->is_syslog = path != NULL && strcmp(path, LOG_DEST_SYSLOG) == 0;
	if (path == NULL)
		return 0;
	if (al->is_syslog) {
		openlog("weir", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		return 0;
	}
	al->fd = open(path, LOG_OPEN_FLAGS, 0640);
	if (al->fd == -1) {
		log_error("access log %s: %s", path, log_file_error(errno));
		return -1;
	}
	return 0;
}

void
accesslog_reopen(struct accesslog *al)
{
	int	fd;

	if (al->path == NULL || al->is_syslog)
		return;
	accesslog_flush(al);
	fd = open(al->path, LOG_OPEN_FLAGS, 0640);
	if (fd == -1) {
		log_error("access log %s: reopen: %s", al->path,
		    log_file_error(errno));
		return;
	}
	if (al->fd != -1)
		close(al->fd);
	al->fd = fd;
}

void
accesslog_flush(struct accesslog *al)
{
	size_t	off = 0;
	ssize_t	n;

	while (al->fd != -1 && off < al->len) {
		n = write(al->fd, al->buf + off, al->len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;	/* a full disk must not stop the proxy */
		}
		off += (size_t)n;
	}
	al->len = 0;
}

/* A time field's text, rebuilt at most once a second. */
struct time_text {
	const char	*fmt;		/* strftime's, UTC */
	time_t		 at;
	char		 text[40];
};

static const char *
time_text(struct time_text *t, time_t now)
{
	struct tm	tm;

	if (now != t->at || t->text[0] == '\0') {
		gmtime_r(&now, &tm);
		strftime(t->text, sizeof(t->text), t->fmt, &tm);
		t->at = now;
	}
	return t->text;
}

static struct time_text	clf_time = { "%d/%b/%Y:%H:%M:%S +0000", 0, "" };
static struct time_text	iso_time = { "%Y-%m-%dT%H:%M:%SZ", 0, "" };

/* A line being built: what does not fit is dropped, never overrun. */
struct out {
	char	*p;
	size_t	 len;
	size_t	 cap;	/* room for the text: newline and NUL excluded */
};

/*
 * The request line's protocol: HTTP/2 as "HTTP/2.0", the way Apache and
 * nginx log it, so that log readers expecting "HTTP/x.y" read it too.
 */
static const char *
proto_text(int proto)
{
	switch (proto) {
	case SHM_PROTO_HTTP10:
		return "HTTP/1.0";
	case SHM_PROTO_HTTP2:
		return "HTTP/2.0";
	default:
		return "HTTP/1.1";
	}
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_fmt(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put_fmt(struct out *o, const char *fmt, ...)
{
	char	tmp[64];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n :
		    sizeof(tmp) - 1);
}

/* <n> bytes of <s> from the request, escaped: \" \\ and \xHH. */
static void
put_escaped(struct out *o, const char *s, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	char			e[4];
	unsigned char		ch;
	size_t			i, run = 0;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			continue;
		put(o, s + run, i - run);
		run = i + 1;
		e[0] = '\\';
		if (ch == '"' || ch == '\\') {
			e[1] = (char)ch;
			put(o, e, 2);
		} else {
			e[1] = 'x';
			e[2] = hex[ch >> 4];
			e[3] = hex[ch & 15];
			put(o, e, 4);
		}
	}
	put(o, s + run, n - run);
}

/* A text field from the request, or "-" when it is empty. */
static void
put_text(struct out *o, const char *s)
{
	if (s == NULL || s[0] == '\0')
		put(o, "-", 1);
	else
		put_escaped(o, s, strlen(s));
}

static void
put_request_line(struct out *o, const struct access_record *r)
{
	if (r->received_len > 0) {
		/* A request refused before its line parsed: what came. */
		put_escaped(o, r->received, r->received_len);
		return;
	}
	put_escaped(o, r->method, strlen(r->method));
	put(o, " ", 1);
	put_escaped(o, r->path, strlen(r->path));
	put(o, " ", 1);
	put_str(o, proto_text(r->proto));
}

static void
put_field(struct out *o, enum log_field field, const struct access_record *r,
    uint64_t now_us, time_t now)
{
	char	backend[ADDR_STRLEN];

	switch (field) {
	case LOG_FIELD_TEXT:
	case LOG_FIELD_COUNT:
		break;
	case LOG_FIELD_CLIENT:
		put_str(o, r->peer);
		break;
	case LOG_FIELD_TIME:
		put_str(o, time_text(&clf_time, now));
		break;
	case LOG_FIELD_TIME_ISO:
		put_str(o, time_text(&iso_time, now));
		break;
	case LOG_FIELD_REQUEST:
		put_request_line(o, r);
		break;
	case LOG_FIELD_METHOD:
		put_text(o, r->method);
		break;
	case LOG_FIELD_URI:
		put_text(o, r->path);
		break;
	case LOG_FIELD_PROTOCOL:
		put_str(o, proto_text(r->proto));
		break;
	case LOG_FIELD_STATUS:
		put_fmt(o, "%d", r->status);
		break;
	case LOG_FIELD_BYTES:
		put_fmt(o, "%" PRIu64, r->resp_bytes);
		break;
	case LOG_FIELD_BYTES_CLF:
		if (r->resp_bytes == 0)
			put(o, "-", 1);
		else
			put_fmt(o, "%" PRIu64, r->resp_bytes);
		break;
	case LOG_FIELD_HOST:
		put_text(o, r->host);
		break;
	case LOG_FIELD_TLS_VERSION:
		put_str(o, r->tls_version != NULL ? r->tls_version : "-");
		break;
	case LOG_FIELD_SNI:
		put_text(o, r->sni);
		break;
	case LOG_FIELD_SERVICE:
		put_str(o, r->service);
		break;
	case LOG_FIELD_BACKEND:
		if (r->backend == NULL) {
			put(o, "-", 1);
			break;
		}
		addr_format(r->backend, backend, sizeof(backend));
		put_str(o, backend);
		break;
	case LOG_FIELD_TRIES:
		put_fmt(o, "%u", r->ntried);
		break;
	case LOG_FIELD_TOTAL_MS:
		put_fmt(o, "%.3f", (double)(now_us - r->t_start_us) / 1000.0);
		break;
	case LOG_FIELD_BACKEND_MS:
		put_fmt(o, "%.3f", r->t_backend_us == 0 ? 0.0 :
		    (double)(now_us - r->t_backend_us) / 1000.0);
		break;
	case LOG_FIELD_REQUEST_TIME:
		put_fmt(o, "%.3f", (double)(now_us - r->t_start_us) / 1e6);
		break;
	case LOG_FIELD_REQUEST_ID:
		put_text(o, r->request_id);
		break;
	case LOG_FIELD_USER_AGENT:
		put_text(o, r->agent);
		break;
	case LOG_FIELD_REFERER:
		put_text(o, r->referer);
		break;
	case LOG_FIELD_ERROR:
		put_text(o, r->error);
		break;
	case LOG_FIELD_ERROR_NOTE:
		if (r->error == NULL)
			break;
		put_str(o, " error=\"");
		put_escaped(o, r->error, strlen(r->error));
		put(o, "\"", 1);
		break;
	}
}

int
accesslog_format_with(const struct log_format *fmt,
    const struct access_record *r, uint64_t now_us, time_t now, char *out,
    size_t cap)
{
	struct out			 o = { out, 0, cap - 2 };
	const struct log_format_item	*it;
	size_t				 i;

	for (i = 0; i < fmt->nitems; i++) {
		it = &fmt->items[i];
		if (it->field == LOG_FIELD_TEXT)
			put(&o, fmt->text + it->off, it->len);
		else
			put_field(&o, (enum log_field)it->field, r, now_us, now);
	}
	out[o.len++] = '\n';
	out[o.len] = '\0';
	return (int)o.len;
}

int
accesslog_format(const struct access_record *r, bool is_combined,
    uint64_t now_us, time_t now, char *out, size_t cap)
{
	static struct log_format	presets[2];
	static bool			is_ready[2];
	struct log_format		*f = &presets[is_combined];
	char				why[256];

	if (!is_ready[is_combined]) {
		if (log_format_parse(f, is_combined ? "combined" : "weir", why,
		    sizeof(why)) == -1)
			return -1;
		is_ready[is_combined] = true;
	}
	return accesslog_format_with(f, r, now_us, now, out, cap);
}

void
accesslog_add(struct accesslog *al, const struct access_record *r,
    uint64_t now_us, time_t now)
{
	char	line[ACCESSLOG_LINE_BYTES];
	int	n;

	if (al->fd == -1 && !al->is_syslog)
		return;
	n = accesslog_format_with(al->fmt, r, now_us, now, line,
	    sizeof(line));
	if (n <= 0)
		return;
	if (al->is_syslog) {
		syslog(LOG_INFO, "%.*s", n - 1, line);
		return;
	}
	if (sizeof(al->buf) - al->len < (size_t)n)
		accesslog_flush(al);
	memcpy(al->buf + al->len, line, (size_t)n);
	al->len += (size_t)n;
}

void
accesslog_close(struct accesslog *al)
{
	accesslog_flush(al);
	if (al->fd != -1)
		close(al->fd);
	al->fd = -1;
}
