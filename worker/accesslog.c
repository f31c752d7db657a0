/*
 * Access log lines:
 *   CLIENT [TIME] "METHOD PATH HTTP/1.x" STATUS BYTES service=S
 *   backend=ADDR|- total_ms=T backend_ms=B tries=N
 * The time text is rebuilt at most once a second.
 */
#include "worker/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "worker/conn.h"

int
accesslog_open(struct accesslog *al, const char *path)
{
	al->fd = -1;
	al->len = 0;
	al->path = (char *)path;
	if (path == NULL)
		return 0;
	al->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (al->fd == -1) {
		log_error("access log %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void
accesslog_reopen(struct accesslog *al)
{
	int	fd;

	if (al->path == NULL)
		return;
	accesslog_flush(al);
	fd = open(al->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_error("access log %s: reopen: %s", al->path,
		    strerror(errno));
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

static const char *
time_text(void)
{
	static char	text[40];
	static time_t	cached;
	time_t		now = time(NULL);
	struct tm	tm;

	if (now != cached) {
		gmtime_r(&now, &tm);
		strftime(text, sizeof(text), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		cached = now;
	}
	return text;
}

void
accesslog_add(struct accesslog *al, const struct conn *c)
{
	char		 backend[ADDR_STRLEN] = "-";
	uint64_t	 now = clock_us();
	double		 total_ms, backend_ms = 0;
	int		 n;

	if (al->fd == -1)
		return;
	if (c->backend != -1)
		addr_format(&c->w->backends[c->backend].conf->addr, backend,
		    sizeof(backend));
	total_ms = (double)(now - c->t_start_us) / 1000.0;
	if (c->t_backend_us != 0)
		backend_ms = (double)(now - c->t_backend_us) / 1000.0;
	if (sizeof(al->buf) - al->len < 1024)
		accesslog_flush(al);
	n = snprintf(al->buf + al->len, sizeof(al->buf) - al->len,
	    "%s [%s] \"%s %s HTTP/1.%d\" %d %" PRIu64 " service=%s "
	    "backend=%s total_ms=%.3f backend_ms=%.3f tries=%u\n",
	    c->peer_text, time_text(), c->method, c->path,
	    c->client_is_10 ? 0 : 1, c->status, c->resp_bytes,
	    c->svc->name, backend, total_ms, backend_ms, c->ntried);
	if (n > 0 && (size_t)n < sizeof(al->buf) - al->len)
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
