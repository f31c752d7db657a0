/*
 * A stats service's answers.  Each body is written in full before the head
 * goes out, so its length is known and a client that reads slowly holds a
 * memfd (file pages outside the worker's heap, at most STATS_BODY_MAX
 * bytes), never the worker's memory or a snapshot.  The figures are those
 * weirctl prints: the same snapshot code and the same writers (stats/).
 */
#include "worker/stats_service.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/config.h"
#include "common/h1_parse.h"
#include "common/log.h"
#include "common/shm.h"
#include "stats/render.h"
#include "stats/snapshot.h"
#include "worker/respond.h"
#include "worker/stats_page.h"

/* A body being written into a memfd, through stdio. */
struct body {
	int		 fd;
	uint64_t	 length;	/* bytes written to <fd> */
	bool		 is_over;	/* it would pass STATS_BODY_MAX */
	int		 error;		/* errno of a failed write, or 0 */
};

/*
 * The cookie's write: a failure (or the limit) makes stdio see an error,
 * which stops jansson at once and turns the Prometheus writer's remaining
 * lines into no-ops; the caller reads why from <b>.
 */
static ssize_t
body_write(void *cookie, const char *p, size_t n)
{
	struct body	*b = cookie;
	size_t		 done = 0;
	ssize_t		 w;

	if (b->is_over || b->error != 0)
		return -1;
	if (n > STATS_BODY_MAX - b->length) {
		b->is_over = true;
		return -1;
	}
	while (done < n) {
		w = write(b->fd, p + done, n - done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			b->error = errno;
			return -1;
		}
		done += (size_t)w;
	}
	b->length += n;
	return (ssize_t)n;
}

static int
write_page(FILE *out, const struct shm *shm, char *err, size_t errlen)
{
	(void)shm;
	(void)err;
	(void)errlen;
	stats_page_write(out);
	return 0;
}

/* The snapshot the JSON and Prometheus writers read. */
static int
take(struct snapshot *snap, const struct shm *shm, char *err, size_t errlen)
{
	return snapshot_copy(snap, shm, SHM_FILE_NAME, err, errlen);
}

static int
write_json(FILE *out, const struct shm *shm, char *err, size_t errlen)
{
	struct snapshot	snap;
	int		rv;

	if (take(&snap, shm, err, errlen) == -1)
		return -1;
	if ((rv = render_stats_json(out, &snap)) == -1)
		snprintf(err, errlen, "writing JSON: %s", strerror(errno));
	snapshot_free(&snap);
	return rv;
}

static int
write_metrics(FILE *out, const struct shm *shm, char *err, size_t errlen)
{
	struct snapshot	snap;

	if (take(&snap, shm, err, errlen) == -1)
		return -1;
	render_stats_metrics(out, &snap);
	snapshot_free(&snap);
	return 0;
}

/* The paths a stats service answers. */
static const struct stats_path {
	const char	*path;
	const char	*type;		/* Content-Type */
	bool		 is_page;	/* the HTML page: its CSP goes along */
	int		(*write)(FILE *, const struct shm *, char *, size_t);
} paths[] = {
	{ "/", "text/html; charset=utf-8", true, write_page },
	{ "/stats.json", "application/json", false, write_json },
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8", false,
	    write_metrics },
};

static const struct stats_path *
find_path(const char *path)
{
	size_t	i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strcmp(paths[i].path, path) == 0)
			return &paths[i];
	return NULL;
}

static bool
is_allowed(const struct service_conf *svc, const struct sockaddr *peer)
{
	return cidr_list_match(svc->allow, svc->nallow, peer);
}

static bool
method_is(const struct h1_msg *m, const char *name)
{
	return m->method_len == strlen(name) &&
	    memcmp(m->method, name, m->method_len) == 0;
}

/*
 * One line for a body that could not be written, at most once a minute
 * per worker: a page open in a browser asks every second.
 */
static void
warn_once_a_minute(const struct service_conf *svc, const char *path,
    const char *why)
{
	static time_t	last;
	time_t		now = time(NULL);

	if (last != 0 && now - last < 60)
		return;
	last = now;
	log_warn("service %s: %s: answering 503: %s", svc->name, path, why);
}

/*
 * Writes the body of <p> into a new memfd: 0 with <b> holding it, or -1
 * with <b>->fd closed and why in <why>.
 */
static int
write_body(const struct stats_path *p, const struct shm *shm,
    struct body *b, char *why, size_t whylen)
{
	cookie_io_functions_t	 io = { .write = body_write };
	FILE			*f;
	int			 rv;

	memset(b, 0, sizeof(*b));
	if ((b->fd = memfd_create("weir-stats", MFD_CLOEXEC)) == -1) {
		snprintf(why, whylen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if ((f = fopencookie(b, "w", io)) == NULL) {
		snprintf(why, whylen, "fopencookie: %s", strerror(errno));
		close(b->fd);
		return -1;
	}
	/* Fewer, larger writes: /metrics is some 3 KiB a backend. */
	(void)setvbuf(f, NULL, _IOFBF, 64 * 1024);
	why[0] = '\0';
	rv = p->write(f, shm, why, whylen);
	if (ferror(f) != 0)
		rv = -1;
	if (fclose(f) == EOF)
		rv = -1;
	if (b->is_over)
		snprintf(why, whylen, "the body passes %u MiB",
		    STATS_BODY_MAX >> 20);
	else if (b->error != 0)
		snprintf(why, whylen, "writing the body: %s",
		    strerror(b->error));
	else if (rv == -1 && why[0] == '\0')
		snprintf(why, whylen, "writing the body failed");
	if (rv == -1 || b->is_over || b->error != 0) {
		close(b->fd);
		b->fd = -1;
		return -1;
	}
	return 0;
}

/* weir's own short answer <status>. */
static void
refuse(struct resp_head *h, int status, bool is_head, const char *via)
{
	respond_local(h, status, is_head, via);
	if (status == 405)
		resp_add(h, "Allow", "GET, HEAD", 9);
	if (status == 403)
		h->must_close = true;
}

int
stats_service_reply(const struct service_conf *svc, const struct shm *shm,
    const struct sockaddr *peer, const struct h1_msg *m, const char *path,
    struct resp_head *h, struct stats_reply *out)
{
	const struct stats_path	*p;
	const char		*csp;
	struct body		 b;
	char			 why[512];
	bool			 is_head = method_is(m, "HEAD");

	out->fd = -1;
	out->length = 0;
	if (!is_allowed(svc, peer)) {
		refuse(h, 403, is_head, svc->via);
		return h->is_full ? -1 : 0;
	}
	if ((p = find_path(path)) == NULL) {
		refuse(h, 404, is_head, svc->via);
		return h->is_full ? -1 : 0;
	}
	if (!is_head && !method_is(m, "GET")) {
		refuse(h, 405, is_head, svc->via);
		return h->is_full ? -1 : 0;
	}
	csp = p->is_page ? stats_page_csp() : NULL;
	if ((p->is_page && csp == NULL) ||
	    write_body(p, shm, &b, why, sizeof(why)) == -1) {
		warn_once_a_minute(svc, p->path, csp == NULL && p->is_page ?
		    "cannot hash the page for its Content-Security-Policy" :
		    why);
		refuse(h, 503, is_head, svc->via);
		return h->is_full ? -1 : 0;
	}
	resp_init(h, 200);
	resp_add(h, "Content-Type", p->type, strlen(p->type));
	resp_add(h, "Cache-Control", "no-store", 8);
	resp_add(h, "X-Content-Type-Options", "nosniff", 7);
	if (csp != NULL) {
		resp_add(h, "Content-Security-Policy", csp, strlen(csp));
		resp_add(h, "Referrer-Policy", "no-referrer", 11);
	}
	if (svc->via != NULL)
		resp_addf(h, "Via", "1.1 %s", svc->via);
	h->length = b.length;
	h->has_length = true;
	if (h->is_full || is_head || b.length == 0) {
		close(b.fd);
		return h->is_full ? -1 : 0;
	}
	h->framing = H1_FRAME_LENGTH;
	out->fd = b.fd;
	out->length = b.length;
	return 0;
}
