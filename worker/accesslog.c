/*
 * Access log lines, weir's own format:
 *   CLIENT [TIME] "METHOD PATH HTTP/1.x" STATUS BYTES service=S
 *   backend=ADDR|- total_ms=T backend_ms=B tries=N [error="WHY"]
 * (error= when the exchange ended before the response did: STATUS is what
 * the client was told, BYTES what it got),
 * or Apache's and nginx's "combined", which existing log tools read:
 *   CLIENT - - [TIME] "METHOD PATH HTTP/1.x" STATUS BYTES|- "REFERER" "UA"
 * What comes from the request is escaped (\" \\ \xHH), so a client
 * cannot forge a line.  The time text is rebuilt at most once a second.
 */
#include "worker/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/addr.h"

int
accesslog_open(struct accesslog *al, const char *path, bool combined)
{
	al->fd = -1;
	al->len = 0;
	al->path = (char *)path;
	al->is_combined = combined;
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

/* The time field for <now>, rebuilt at most once a second. */
static const char *
time_text(time_t now)
{
	static char	text[40];
	static time_t	cached = -1;
	struct tm	tm;

	if (now != cached) {
		gmtime_r(&now, &tm);
		strftime(text, sizeof(text), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		cached = now;
	}
	return text;
}

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

/* Copies <src> into <dst> (<cap> bytes) escaped for a quoted log field. */
static void
escape(char *dst, size_t cap, const char *src)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			n = 0;
	unsigned char		ch;

	for (; (ch = (unsigned char)*src) != '\0' && n + 5 < cap; src++) {
		if (ch == '"' || ch == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[ch >> 4];
			dst[n++] = hex[ch & 15];
		} else
			dst[n++] = (char)ch;
	}
	dst[n] = '\0';
}

static int
format_weir(char *out, size_t cap, const struct access_record *r,
    const char *path, uint64_t now_us, time_t now)
{
	char	backend[ADDR_STRLEN] = "-";
	double	total_ms, backend_ms = 0;

	if (r->backend != NULL)
		addr_format(r->backend, backend, sizeof(backend));
	total_ms = (double)(now_us - r->t_start_us) / 1000.0;
	if (r->t_backend_us != 0)
		backend_ms = (double)(now_us - r->t_backend_us) / 1000.0;
	return snprintf(out, cap,
	    "%s [%s] \"%s %s %s\" %d %" PRIu64 " service=%s "
	    "backend=%s total_ms=%.3f backend_ms=%.3f tries=%u%s%s%s\n",
	    r->peer, time_text(now), r->method, path, proto_text(r->proto),
	    r->status,
	    r->resp_bytes, r->service, backend, total_ms, backend_ms,
	    r->ntried, r->error != NULL ? " error=\"" : "",
	    r->error != NULL ? r->error : "", r->error != NULL ? "\"" : "");
}

static int
format_combined(char *out, size_t cap, const struct access_record *r,
    const char *path, time_t now)
{
	char	referer[sizeof(r->referer) * 4], agent[sizeof(r->agent) * 4];
	char	bytes[24] = "-";

	escape(referer, sizeof(referer), r->referer[0] != '\0' ?
	    r->referer : "-");
	escape(agent, sizeof(agent), r->agent[0] != '\0' ? r->agent : "-");
	if (r->resp_bytes != 0)
		snprintf(bytes, sizeof(bytes), "%" PRIu64, r->resp_bytes);
	return snprintf(out, cap,
	    "%s - - [%s] \"%s %s %s\" %d %s \"%s\" \"%s\"\n",
	    r->peer, time_text(now), r->method, path, proto_text(r->proto),
	    r->status,
	    bytes, referer, agent);
}

int
accesslog_format(const struct access_record *r, bool is_combined,
    uint64_t now_us, time_t now, char *out, size_t cap)
{
	char	path[sizeof(r->path) * 4];
	int	n;

	escape(path, sizeof(path), r->path);
	n = is_combined ? format_combined(out, cap, r, path, now) :
	    format_weir(out, cap, r, path, now_us, now);
	if (n <= 0)
		return -1;
	if ((size_t)n >= cap)
		n = (int)cap - 1;
	return n;
}

void
accesslog_add(struct accesslog *al, const struct access_record *r,
    uint64_t now_us, time_t now)
{
	char	line[2048];
	int	n;

	if (al->fd == -1 && !al->is_syslog)
		return;
	n = accesslog_format(r, al->is_combined, now_us, now, line,
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
