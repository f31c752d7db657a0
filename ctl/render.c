/*
 * Turns one snapshot into text for people (aligned tables), JSON for tools
 * and the Prometheus text format for scrapers.  Every view reads the same
 * fields the same way, so they never disagree about a backend's state.
 */
#include "ctl/render.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/config.h"
#include "common/shm.h"

#define CELL_MAX	96
/* A pool heading: the longest name, counts and the pool's state fit. */
#define TITLE_MAX	160
/* A check detail longer than this is cut, so the table stays readable. */
#define CHECK_CELL_MAX	40

static const char *const class_names[SHM_NCLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx"
};
static const char *const class_heads[SHM_NCLASSES] = {
	"1XX", "2XX", "3XX", "4XX", "5XX"
};

/*
 * A text table whose column widths come from its widest cell.  A row with
 * a title is printed as that line alone, so per-pool headings can sit
 * between rows that still align across pools.
 */
struct table {
	size_t		  ncols;
	const char	**heads;	/* borrowed */
	const bool	 *is_right;	/* borrowed: right-align numbers */
	struct row {
		char	 title[TITLE_MAX];
		char	(*cells)[CELL_MAX];	/* owned: ncols cells */
	}		 *rows;		/* owned */
	size_t		  nrows;
	size_t		  cap;
};

static void
table_init(struct table *t, const char **heads, const bool *is_right,
    size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->heads = heads;
	t->is_right = is_right;
	t->ncols = ncols;
}

/*
 * Column sets that vary (top's rate columns) are built here: heads and
 * alignment go into arrays the caller keeps alive for the table's life.
 */
struct cols {
	const char	*heads[32];
	bool		 is_right[32];
	size_t		 n;
};

static void
col(struct cols *c, const char *head, bool is_right)
{
	if (c->n < 32) {
		c->heads[c->n] = head;
		c->is_right[c->n] = is_right;
		c->n++;
	}
}

static void
table_free(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->nrows; i++)
		free(t->rows[i].cells);
	free(t->rows);
	t->rows = NULL;
	t->nrows = 0;
}

/* Appends an empty row (a title line when <title> is not NULL). */
static struct row *
table_row(struct table *t, const char *title)
{
	struct row	*rows, *r;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		rows = reallocarray(t->rows, t->cap, sizeof(*rows));
		if (rows == NULL)
			return NULL;
		t->rows = rows;
	}
	r = &t->rows[t->nrows];
	memset(r, 0, sizeof(*r));
	if (title != NULL)
		snprintf(r->title, sizeof(r->title), "%s", title);
	else if ((r->cells = calloc(t->ncols, CELL_MAX)) == NULL)
		return NULL;
	t->nrows++;
	return r;
}

static void
cell(struct row *r, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
cell(struct row *r, size_t col, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(r->cells[col], CELL_MAX, fmt, ap);
	va_end(ap);
}

static void
table_print(FILE *out, const struct table *t)
{
	size_t	width[32], i, c, w;

	for (c = 0; c < t->ncols && c < 32; c++)
		width[c] = strlen(t->heads[c]);
	for (i = 0; i < t->nrows; i++) {
		if (t->rows[i].cells == NULL)
			continue;
		for (c = 0; c < t->ncols && c < 32; c++) {
			w = strlen(t->rows[i].cells[c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (i = 0; i <= t->nrows; i++) {
		const char	*s;

		if (i > 0 && t->rows[i - 1].cells == NULL) {
			fprintf(out, "%s\n", t->rows[i - 1].title);
			continue;
		}
		for (c = 0; c < t->ncols && c < 32; c++) {
			s = i == 0 ? t->heads[c] : t->rows[i - 1].cells[c];
			if (c + 1 == t->ncols && !t->is_right[c])
				fprintf(out, "%s", s);
			else if (t->is_right[c])
				fprintf(out, "%*s", (int)width[c], s);
			else
				fprintf(out, "%-*s", (int)width[c], s);
			fputs(c + 1 == t->ncols ? "\n" : "  ", out);
		}
	}
}

/* "3d04h05m", "1h02m03s", "45s": short enough for a table cell. */
static void
format_duration(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m",
		    s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s",
		    s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60,
		    s % 60);
	else
		snprintf(buf, len, "%" PRId64 "s", s);
}

/* Bytes in binary units with one decimal: "512", "80.2K", "1.5G". */
static void
format_bytes(char *buf, size_t len, uint64_t n)
{
	static const char	units[] = "KMGTPE";
	double			v = (double)n;
	size_t			u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64, n);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%c", v, units[u]);
}

static void
format_utc(char *buf, size_t len, int64_t when)
{
	time_t		t = (time_t)when;
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%" PRId64, when);
}

/*
 * The detail of <b>'s last check as a C string of printable ASCII: it
 * comes from a peer's response and must not reach a terminal's escape
 * parser, nor fail JSON's UTF-8 check.
 */
static void
check_detail(char *buf, size_t len, const struct shm_backend *b)
{
	size_t	i, n = strnlen(b->check_detail, sizeof(b->check_detail));

	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = b->check_detail[i] >= 0x20 &&
		    b->check_detail[i] < 0x7f ? b->check_detail[i] : '?';
	buf[n] = '\0';
}

/* The listen addresses of <sv> as a JSON array (new reference). */
static json_t *
seg_listen(const struct shm_service *sv)
{
	json_t		*arr;
	uint32_t	 i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < sv->nlisten && i < SHM_MAX_LISTEN; i++)
		json_array_append_new(arr, json_stringn(sv->listen[i],
		    strnlen(sv->listen[i], SHM_NAME_MAX)));
	return arr;
}

/* The listen addresses of <sv> joined by commas, or "-". */
static void
listen_text(char *buf, size_t len, const struct shm_service *sv)
{
	size_t		n = 0;
	uint32_t	i;

	snprintf(buf, len, "-");
	for (i = 0; i < sv->nlisten && i < SHM_MAX_LISTEN && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%.*s",
		    i > 0 ? "," : "", SHM_NAME_MAX, sv->listen[i]);
}

/* jansson integers are signed; a counter past 2^63 is clamped, not wrapped. */
static json_t *
jint(uint64_t v)
{
	return json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX :
	    (json_int_t)v);
}

static json_t *
json_classes(const uint64_t *responses)
{
	json_t	*o = json_object();
	int	 i;

	for (i = 0; o != NULL && i < SHM_NCLASSES; i++)
		json_object_set_new(o, class_names[i], jint(responses[i]));
	return o;
}

static const char *
master_state(const struct snapshot *snap)
{
	return snap->is_master_alive ? "running" : "not running";
}

/*
 * Prints the master's pid and liveness, uptime, config path, generation,
 * and one row per worker slot with its share of accepted connections, which
 * shows how evenly the kernel spreads them.  Returns 0, or -1 when out of
 * memory.
 */
int
render_status(FILE *out, const struct snapshot *snap)
{
	static const char	*heads[] = { "WORKER", "PID", "STATE", "UP",
	    "ACCEPTED", "SHARE", "ACTIVE", "REQUESTS" };
	static const bool	 is_right[] = { false, true, false, true, true,
	    true, true, true };
	const struct shm_header	*h = snap->hdr;
	const struct shm_worker	*w;
	struct table		 t;
	struct row		*r;
	uint64_t		 accepted = 0, active = 0, requests = 0;
	char			 up[32], since[64];
	uint32_t		 i;

	for (i = 0; i < h->nworkers; i++)
		accepted += snap->workers[i].accepted;
	format_duration(up, sizeof(up), snapshot_uptime(snap));
	format_utc(since, sizeof(since), h->started_unix);
	fprintf(out, "master      pid %" PRId64 ", %s\n", h->master_pid,
	    master_state(snap));
	fprintf(out, "uptime      %s (since %s)\n", up, since);
	fprintf(out, "config      %s\n", h->config_path[0] != '\0' ?
	    h->config_path : "-");
	fprintf(out, "generation  %" PRIu64 "\n", h->generation);
	fprintf(out, "segment     %s\n", snap->path);
	fprintf(out, "workers     %" PRIu32 "\n\n", h->nworkers);

	table_init(&t, heads, is_right, sizeof(heads) / sizeof(heads[0]));
	for (i = 0; i < h->nworkers; i++) {
		w = &snap->workers[i];
		if ((r = table_row(&t, NULL)) == NULL)
			goto nomem;
		cell(r, 0, "%" PRIu32, i);
		if (w->pid == 0) {
			cell(r, 1, "-");
			cell(r, 2, "empty");
			cell(r, 3, "-");
		} else {
			cell(r, 1, "%" PRId64, w->pid);
			cell(r, 2, "%s", snapshot_pid_alive(w->pid) ?
			    "running" : "gone");
			format_duration(r->cells[3], CELL_MAX,
			    snapshot_seconds_since(snap, w->started_unix));
		}
		cell(r, 4, "%" PRIu64, w->accepted);
		cell(r, 5, "%.1f%%", accepted > 0 ?
		    100.0 * (double)w->accepted / (double)accepted : 0.0);
		cell(r, 6, "%" PRIu64, w->active);
		cell(r, 7, "%" PRIu64, w->requests);
		active += w->active;
		requests += w->requests;
	}
	if ((r = table_row(&t, NULL)) == NULL)
		goto nomem;
	cell(r, 0, "total");
	cell(r, 4, "%" PRIu64, accepted);
	cell(r, 6, "%" PRIu64, active);
	cell(r, 7, "%" PRIu64, requests);
	table_print(out, &t);
	table_free(&t);
	return 0;

nomem:
	table_free(&t);
	fprintf(stderr, "weirctl: out of memory\n");
	return -1;
}

/*
 * Per-second rate of a counter that went from <then> to <now> in <dt_ms>
 * (0 when unknown, see rate_interval_ms()), or "-".
 */
static void
format_rate(char *buf, size_t len, uint64_t now, uint64_t then,
    uint64_t dt_ms)
{
	if (dt_ms == 0 || now < then)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", (double)(now - then) * 1000.0 /
		    (double)dt_ms);
}

/*
 * The interval between <prev> and <snap> in ms when their arrays line up
 * index by index (same generation, same counts), else 0: after a reload
 * the sections may describe other pools, and a rate would be nonsense.
 */
static uint64_t
rate_interval_ms(const struct snapshot *snap, const struct snapshot *prev)
{
	if (prev == NULL || prev->hdr == NULL ||
	    prev->hdr->generation != snap->hdr->generation ||
	    prev->hdr->nservices != snap->hdr->nservices ||
	    prev->hdr->nbackends != snap->hdr->nbackends ||
	    snap->mono_ms <= prev->mono_ms)
		return 0;
	return snap->mono_ms - prev->mono_ms;
}

static int
stats_services(FILE *out, const struct snapshot *snap,
    const struct snapshot *prev, bool has_rates)
{
	const struct shm_service *sv;
	struct cols		 cl;
	struct table		 t;
	struct row		*r;
	uint64_t		 dt_ms = rate_interval_ms(snap, prev);
	uint32_t		 i;
	size_t			 c;
	int			 k;

	memset(&cl, 0, sizeof(cl));
	col(&cl, "SERVICE", false);
	col(&cl, "LISTEN", false);
	col(&cl, "ACTIVE", true);
	col(&cl, "REQUESTS", true);
	if (has_rates)
		col(&cl, "REQ/S", true);
	for (k = 0; k < SHM_NCLASSES; k++)
		col(&cl, class_heads[k], true);
	col(&cl, "IN", true);
	col(&cl, "OUT", true);
	table_init(&t, cl.heads, cl.is_right, cl.n);
	for (i = 0; i < snap->hdr->nservices; i++) {
		sv = &snap->services[i];
		if ((r = table_row(&t, NULL)) == NULL) {
			table_free(&t);
			return -1;
		}
		c = 0;
		cell(r, c++, "%.*s", SHM_NAME_MAX, sv->name);
		listen_text(r->cells[c++], CELL_MAX, sv);
		cell(r, c++, "%" PRIu64, snapshot_service_active(snap, i));
		cell(r, c++, "%" PRIu64, sv->requests);
		if (has_rates)
			format_rate(r->cells[c++], CELL_MAX, sv->requests,
			    dt_ms ? prev->services[i].requests : 0, dt_ms);
		for (k = 0; k < SHM_NCLASSES; k++)
			cell(r, c++, "%" PRIu64, sv->responses[k]);
		format_bytes(r->cells[c++], CELL_MAX, sv->bytes_in);
		format_bytes(r->cells[c], CELL_MAX, sv->bytes_out);
	}
	table_print(out, &t);
	table_free(&t);
	return 0;
}

/*
 * Milliseconds short enough for a cell, with the digits that matter:
 * "0.31", "12.4", "250".
 */
static void
format_ms(char *buf, size_t len, double ms)
{
	if (ms < 10.0)
		snprintf(buf, len, "%.2f", ms);
	else if (ms < 100.0)
		snprintf(buf, len, "%.1f", ms);
	else
		snprintf(buf, len, "%.0f", ms);
}

static uint64_t
latency_count(const struct shm_backend *b)
{
	uint64_t	n = 0;
	unsigned	i;

	for (i = 0; i < SHM_LAT_BUCKETS; i++)
		n += b->latency[i];
	return n;
}

/* "0.31/1.20ms" (p50/p99), or "-" before the first response. */
static void
latency_text(char *buf, size_t len, const struct shm_backend *b)
{
	char	p50[16], p99[16];

	if (latency_count(b) == 0) {
		snprintf(buf, len, "-");
		return;
	}
	format_ms(p50, sizeof(p50), shm_latency_percentile_ms(b->latency,
	    50.0));
	format_ms(p99, sizeof(p99), shm_latency_percentile_ms(b->latency,
	    99.0));
	snprintf(buf, len, "%s/%sms", p50, p99);
}

/*
 * The detail of <b>'s last check, cut to CHECK_CELL_MAX with "...", made
 * printable; "ok 200" when it passed with nothing to say, "-" when never
 * checked (health checks off).
 */
static void
check_text(char *buf, size_t len, const struct shm_backend *b)
{
	char	detail[sizeof(b->check_detail)];
	size_t	n;

	if (b->check_at_unix == 0) {
		snprintf(buf, len, "-");
		return;
	}
	check_detail(detail, sizeof(detail), b);
	if (detail[0] == '\0') {
		if (b->check_status != 0)
			snprintf(buf, len, "%s %" PRIu32, b->check_ok ? "ok" :
			    "failed", b->check_status);
		else
			snprintf(buf, len, "%s", b->check_ok ? "ok" : "failed");
		return;
	}
	n = strlen(detail);
	if (n > CHECK_CELL_MAX)
		snprintf(buf, len, "%.*s...", CHECK_CELL_MAX - 3, detail);
	else
		snprintf(buf, len, "%s", detail);
}

/*
 * What a pool heading adds about a pool's backends as a whole: nothing
 * while some backend is up and enabled in the default mode.
 */
static const char *
pool_mode_text(const struct snapshot *snap, const struct shm_pool *p)
{
	bool	is_panic = p->when_all_down == WHEN_ALL_DOWN_PANIC;

	if (strcmp(snapshot_pool_state(snap, p), "up") != 0)
		return is_panic ? ", PANIC: no backend up, sending to all" :
		    ", NO BACKEND UP: answering 503";
	return is_panic ? ", panic when all down" : "";
}

static int
stats_backends(FILE *out, const struct snapshot *snap,
    const struct snapshot *prev, bool has_rates)
{
	const struct shm_pool	*p;
	const struct shm_backend *b;
	struct cols		 cl;
	struct table		 t;
	struct row		*r;
	char			 title[TITLE_MAX];
	uint64_t		 dt_ms = rate_interval_ms(snap, prev);
	uint32_t		 i, j, idx;
	size_t			 c;
	int			 k;

	memset(&cl, 0, sizeof(cl));
	col(&cl, "  BACKEND", false);
	col(&cl, "STATE", false);
	col(&cl, "WEIGHT", true);
	col(&cl, "ACTIVE", true);
	col(&cl, "REQUESTS", true);
	if (has_rates)
		col(&cl, "REQ/S", true);
	col(&cl, "ERRORS", true);
	for (k = 0; k < SHM_NCLASSES; k++)
		col(&cl, class_heads[k], true);
	col(&cl, "IN", true);
	col(&cl, "OUT", true);
	col(&cl, "LAT P50/P99", true);
	col(&cl, "CHECK", false);
	table_init(&t, cl.heads, cl.is_right, cl.n);
	for (i = 0; i < snap->hdr->npools; i++) {
		p = &snap->pools[i];
		snprintf(title, sizeof(title), "pool %.*s (%s, %" PRIu32
		    " backend%s%s)", SHM_NAME_MAX, p->name,
		    snapshot_balance_name(p->balance), p->nbackends,
		    p->nbackends == 1 ? "" : "s", pool_mode_text(snap, p));
		if (table_row(&t, title) == NULL)
			goto nomem;
		for (j = 0; j < p->nbackends; j++) {
			idx = p->first_backend + j;
			b = &snap->backends[idx];
			if ((r = table_row(&t, NULL)) == NULL)
				goto nomem;
			c = 0;
			cell(r, c++, "  %.*s", SHM_NAME_MAX, b->address);
			cell(r, c++, "%s", snapshot_backend_state(b));
			cell(r, c++, "%" PRIu32, b->weight);
			cell(r, c++, "%" PRIu64,
			    snapshot_backend_active(snap, idx));
			cell(r, c++, "%" PRIu64, b->requests);
			if (has_rates)
				format_rate(r->cells[c++], CELL_MAX,
				    b->requests, dt_ms ?
				    prev->backends[idx].requests : 0, dt_ms);
			cell(r, c++, "%" PRIu64, b->errors);
			for (k = 0; k < SHM_NCLASSES; k++)
				cell(r, c++, "%" PRIu64, b->responses[k]);
			format_bytes(r->cells[c++], CELL_MAX, b->bytes_in);
			format_bytes(r->cells[c++], CELL_MAX, b->bytes_out);
			latency_text(r->cells[c++], CELL_MAX, b);
			check_text(r->cells[c], CELL_MAX, b);
		}
	}
	table_print(out, &t);
	table_free(&t);
	return 0;

nomem:
	table_free(&t);
	return -1;
}

/*
 * Prints a one-line summary of the master, a table of services and one of
 * backends grouped by pool, bytes in binary units.  Returns 0, or -1 when
 * out of memory.
 */
int
render_stats_text(FILE *out, const struct snapshot *snap)
{
	char	up[32];

	format_duration(up, sizeof(up), snapshot_uptime(snap));
	fprintf(out, "weir pid %" PRId64 " (%s), up %s, generation %" PRIu64
	    ", %" PRIu32 " workers\n\n", snap->hdr->master_pid,
	    master_state(snap), up, snap->hdr->generation,
	    snap->hdr->nworkers);
	if (stats_services(out, snap, NULL, false) == -1)
		goto nomem;
	fputc('\n', out);
	if (stats_backends(out, snap, NULL, false) == -1)
		goto nomem;
	return 0;

nomem:
	fprintf(stderr, "weirctl: out of memory\n");
	return -1;
}

/*
 * One frame of weirctl top: a header line (local time, master pid and
 * state, uptime, generation, workers), then the stats tables with a REQ/S
 * column measured since <prev> ("-" when <prev> is NULL or from another
 * generation).  Returns 0, or -1 when out of memory.
 */
int
render_top(FILE *out, const struct snapshot *snap,
    const struct snapshot *prev)
{
	time_t		t = (time_t)snap->now_unix;
	struct tm	tm;
	char		up[32], clock[16];
	uint64_t	active = 0;
	uint32_t	i;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(clock, sizeof(clock), "%H:%M:%S", &tm) == 0)
		snprintf(clock, sizeof(clock), "-");
	for (i = 0; i < snap->hdr->nworkers; i++)
		active += snap->workers[i].active;
	format_duration(up, sizeof(up), snapshot_uptime(snap));
	fprintf(out, "weir - %s  master pid %" PRId64 " (%s)  up %s  "
	    "generation %" PRIu64 "  workers %" PRIu32 "  connections %"
	    PRIu64 "\n\n", clock, snap->hdr->master_pid, master_state(snap),
	    up, snap->hdr->generation, snap->hdr->nworkers, active);
	if (stats_services(out, snap, prev, true) == -1)
		goto nomem;
	fputc('\n', out);
	if (stats_backends(out, snap, prev, true) == -1)
		goto nomem;
	return 0;

nomem:
	fprintf(stderr, "weirctl: out of memory\n");
	return -1;
}

/*
 * Rounds <ms> to a microsecond so the JSON shows 0.412, not the float's
 * seventeen digits.
 */
static double
round_us(double ms)
{
	return (double)(int64_t)(ms * 1000.0 + 0.5) / 1000.0;
}

/*
 * One backend as SPEC.md shows it.  Latency percentiles are 0 before the
 * first response; "check" is all zeros ("at_unix": 0) when health checks
 * are off.
 */
static json_t *
json_backend(const struct shm_backend *b, uint64_t active)
{
	char	detail[sizeof(b->check_detail)];

	check_detail(detail, sizeof(detail), b);
	return json_pack("{s:s%, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:{s:f, s:f}, s:{s:b, s:I, s:I, s:s, s:I, s:I}}",
	    "address", b->address, strnlen(b->address, SHM_NAME_MAX),
	    "state", snapshot_backend_state(b),
	    "weight", (json_int_t)b->weight,
	    "active", jint(active),
	    "requests", jint(b->requests),
	    "errors", jint(b->errors),
	    "responses", json_classes(b->responses),
	    "bytes_in", jint(b->bytes_in),
	    "bytes_out", jint(b->bytes_out),
	    "latency_ms",
	    "p50", round_us(shm_latency_percentile_ms(b->latency, 50.0)),
	    "p99", round_us(shm_latency_percentile_ms(b->latency, 99.0)),
	    "check",
	    "ok", b->check_ok != 0,
	    "status", (json_int_t)b->check_status,
	    "at_unix", (json_int_t)b->check_at_unix,
	    "detail", detail,
	    "duration_ms", (json_int_t)b->check_duration_ms,
	    "since_unix", (json_int_t)b->state_since_unix);
}

static json_t *
json_pools(const struct snapshot *snap)
{
	const struct shm_pool	*p;
	json_t			*pools, *backends, *o;
	uint32_t		 i, j;

	if ((pools = json_array()) == NULL)
		return NULL;
	for (i = 0; i < snap->hdr->npools; i++) {
		p = &snap->pools[i];
		if ((backends = json_array()) == NULL)
			goto fail;
		for (j = 0; j < p->nbackends; j++)
			if (json_array_append_new(backends, json_backend(
			    &snap->backends[p->first_backend + j],
			    snapshot_backend_active(snap,
			    p->first_backend + j))) == -1) {
				json_decref(backends);
				goto fail;
			}
		o = json_pack("{s:s%, s:s, s:s, s:s, s:o}", "name", p->name,
		    strnlen(p->name, SHM_NAME_MAX), "balance",
		    snapshot_balance_name(p->balance), "state",
		    snapshot_pool_state(snap, p), "when_all_down",
		    snapshot_when_all_down_name(p->when_all_down),
		    "backends", backends);
		if (json_array_append_new(pools, o) == -1)
			goto fail;
	}
	return pools;

fail:
	json_decref(pools);
	return NULL;
}

static json_t *
json_services(const struct snapshot *snap)
{
	const struct shm_service *sv;
	json_t			*services, *o, *listen;
	uint32_t		 i;

	if ((services = json_array()) == NULL)
		return NULL;
	for (i = 0; i < snap->hdr->nservices; i++) {
		sv = &snap->services[i];
		o = json_pack("{s:s%}", "name", sv->name,
		    strnlen(sv->name, SHM_NAME_MAX));
		if (o == NULL)
			goto fail;
		if ((listen = seg_listen(sv)) != NULL)
			json_object_set_new(o, "listen", listen);
		json_object_set_new(o, "active",
		    jint(snapshot_service_active(snap, i)));
		json_object_set_new(o, "requests", jint(sv->requests));
		json_object_set_new(o, "responses",
		    json_classes(sv->responses));
		json_object_set_new(o, "bytes_in", jint(sv->bytes_in));
		json_object_set_new(o, "bytes_out", jint(sv->bytes_out));
		json_object_set_new(o, "body_timeouts",
		    jint(sv->body_timeouts));
		if (json_array_append_new(services, o) == -1)
			goto fail;
	}
	return services;

fail:
	json_decref(services);
	return NULL;
}

static json_t *
json_workers(const struct snapshot *snap)
{
	const struct shm_worker	*w;
	json_t			*workers;
	uint32_t		 i;

	if ((workers = json_array()) == NULL)
		return NULL;
	for (i = 0; i < snap->hdr->nworkers; i++) {
		w = &snap->workers[i];
		if (json_array_append_new(workers, json_pack(
		    "{s:I, s:o, s:o, s:o}", "pid", (json_int_t)w->pid,
		    "accepted", jint(w->accepted), "active", jint(w->active),
		    "requests", jint(w->requests))) == -1) {
			json_decref(workers);
			return NULL;
		}
	}
	return workers;
}

/*
 * Prints one JSON object: "master", "services", "pools" with the keys
 * SPEC.md promises, and "workers".  Returns 0, or -1 when out of memory or
 * on a write error.
 */
int
render_stats_json(FILE *out, const struct snapshot *snap)
{
	json_t	*root;
	int	 rv;

	root = json_pack("{s:{s:I, s:I, s:o, s:I}, s:o*, s:o*, s:o*}",
	    "master",
	    "pid", (json_int_t)snap->hdr->master_pid,
	    "uptime_s", (json_int_t)snapshot_uptime(snap),
	    "generation", jint(snap->hdr->generation),
	    "workers", (json_int_t)snap->hdr->nworkers,
	    "services", json_services(snap),
	    "pools", json_pools(snap),
	    "workers", json_workers(snap));
	if (root == NULL || json_object_size(root) != 4) {
		json_decref(root);
		fprintf(stderr, "weirctl: out of memory\n");
		return -1;
	}
	rv = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (rv == -1 || fputc('\n', out) == EOF) {
		fprintf(stderr, "weirctl: writing JSON: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes <s> (at most <len> bytes) as a Prometheus label value. */
static void
prom_label(FILE *out, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && s[i] != '\0'; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fputc('\\', out);
		if (s[i] == '\n')
			fputs("\\n", out);
		else
			fputc(s[i], out);
	}
}

static void
prom_help(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
prom_service(FILE *out, const struct shm_service *sv, const char *metric,
    const char *cls, uint64_t v)
{
	fprintf(out, "%s{service=\"", metric);
	prom_label(out, sv->name, SHM_NAME_MAX);
	if (cls != NULL)
		fprintf(out, "\",class=\"%s", cls);
	fprintf(out, "\"} %" PRIu64 "\n", v);
}

/* Writes "<metric>{pool=...,backend=...<extra>} " for <b>. */
static void
prom_backend_labels(FILE *out, const struct snapshot *snap,
    const struct shm_backend *b, const char *metric, const char *extra)
{
	fprintf(out, "%s{pool=\"", metric);
	prom_label(out, snap->pools[b->pool].name, SHM_NAME_MAX);
	fputs("\",backend=\"", out);
	prom_label(out, b->address, SHM_NAME_MAX);
	fprintf(out, "\"%s} ", extra != NULL ? extra : "");
}

static void
prom_backend(FILE *out, const struct snapshot *snap,
    const struct shm_backend *b, const char *metric, const char *extra,
    uint64_t v)
{
	prom_backend_labels(out, snap, b, metric, extra);
	fprintf(out, "%" PRIu64 "\n", v);
}

/* A real value; "NaN" for none, as the format has it for an empty summary. */
static void
prom_backend_real(FILE *out, const struct snapshot *snap,
    const struct shm_backend *b, const char *metric, const char *extra,
    double v, bool is_known)
{
	prom_backend_labels(out, snap, b, metric, extra);
	if (is_known)
		fprintf(out, "%.9g\n", v);
	else
		fputs("NaN\n", out);
}

/*
 * Latency as a summary: two quantiles from the segment's histogram and
 * the count.  No _sum: the histogram does not know it, and an estimate
 * would make rate(_sum)/rate(_count) lie.  Quantiles are exact to ~19%,
 * the width of a bucket.
 */
static void
prom_latency(FILE *out, const struct snapshot *snap)
{
	static const struct {
		const char	*label;
		double		 pct;
	} quantiles[] = {
		{ ",quantile=\"0.5\"", 50.0 },
		{ ",quantile=\"0.99\"", 99.0 },
	};
	const struct shm_backend *b;
	uint64_t		 n;
	uint32_t		 i;
	size_t			 q;

	prom_help(out, "weir_backend_latency_seconds", "summary",
	    "Time from sending the request to the response head.");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		n = latency_count(b);
		for (q = 0; q < sizeof(quantiles) / sizeof(quantiles[0]); q++)
			prom_backend_real(out, snap, b,
			    "weir_backend_latency_seconds", quantiles[q].label,
			    shm_latency_percentile_ms(b->latency,
			    quantiles[q].pct) / 1000.0, n > 0);
		prom_backend(out, snap, b, "weir_backend_latency_seconds_count",
		    NULL, n);
	}
}

/* The last health check, for backends that have had one. */
static void
prom_checks(FILE *out, const struct snapshot *snap)
{
	const struct shm_backend *b;
	uint32_t		 i;

	prom_help(out, "weir_backend_check_ok", "gauge",
	    "1 when the last health check passed.");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		if (b->check_at_unix != 0)
			prom_backend(out, snap, b, "weir_backend_check_ok",
			    NULL, b->check_ok != 0);
	}
	prom_help(out, "weir_backend_check_status", "gauge",
	    "HTTP status of the last health check, 0 when none came.");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		if (b->check_at_unix != 0)
			prom_backend(out, snap, b, "weir_backend_check_status",
			    NULL, b->check_status);
	}
	prom_help(out, "weir_backend_check_duration_seconds", "gauge",
	    "How long the last health check took.");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		if (b->check_at_unix != 0)
			prom_backend_real(out, snap, b,
			    "weir_backend_check_duration_seconds", NULL,
			    (double)b->check_duration_ms / 1000.0, true);
	}
	prom_help(out, "weir_backend_check_timestamp_seconds", "gauge",
	    "When the last health check ended (Unix time).");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		if (b->check_at_unix != 0)
			prom_backend(out, snap, b,
			    "weir_backend_check_timestamp_seconds", NULL,
			    (uint64_t)b->check_at_unix);
	}
}

static void
prom_services(FILE *out, const struct snapshot *snap)
{
	const struct shm_service *sv;
	uint32_t		 i, k;

	prom_help(out, "weir_service_active_connections", "gauge",
	    "Client connections open now.");
	for (i = 0; i < snap->hdr->nservices; i++)
		prom_service(out, &snap->services[i],
		    "weir_service_active_connections", NULL,
		    snapshot_service_active(snap, i));
	prom_help(out, "weir_service_requests_total", "counter",
	    "Requests received.");
	for (i = 0; i < snap->hdr->nservices; i++)
		prom_service(out, &snap->services[i],
		    "weir_service_requests_total", NULL,
		    snap->services[i].requests);
	prom_help(out, "weir_service_responses_total", "counter",
	    "Responses sent, by status class.");
	for (i = 0; i < snap->hdr->nservices; i++) {
		sv = &snap->services[i];
		for (k = 0; k < SHM_NCLASSES; k++)
			prom_service(out, sv, "weir_service_responses_total",
			    class_names[k], sv->responses[k]);
	}
	prom_help(out, "weir_service_bytes_in_total", "counter",
	    "Bytes received from clients.");
	for (i = 0; i < snap->hdr->nservices; i++)
		prom_service(out, &snap->services[i],
		    "weir_service_bytes_in_total", NULL,
		    snap->services[i].bytes_in);
	prom_help(out, "weir_service_bytes_out_total", "counter",
	    "Bytes sent to clients.");
	for (i = 0; i < snap->hdr->nservices; i++)
		prom_service(out, &snap->services[i],
		    "weir_service_bytes_out_total", NULL,
		    snap->services[i].bytes_out);
	prom_help(out, "weir_service_body_timeouts_total", "counter",
	    "Request bodies cut off as too slow.");
	for (i = 0; i < snap->hdr->nservices; i++)
		prom_service(out, &snap->services[i],
		    "weir_service_body_timeouts_total", NULL,
		    snap->services[i].body_timeouts);
}

static void
prom_backends(FILE *out, const struct snapshot *snap)
{
	static const struct {
		const char	*name;
		const char	*type;
		const char	*help;
		size_t		 off;
	} counters[] = {
		{ "weir_backend_requests_total", "counter",
		    "Requests sent.", offsetof(struct shm_backend, requests) },
		{ "weir_backend_errors_total", "counter",
		    "Connect failures and invalid responses.",
		    offsetof(struct shm_backend, errors) },
		{ "weir_backend_bytes_in_total", "counter",
		    "Bytes received from the backend.",
		    offsetof(struct shm_backend, bytes_in) },
		{ "weir_backend_bytes_out_total", "counter",
		    "Bytes sent to the backend.",
		    offsetof(struct shm_backend, bytes_out) },
	};
	static const char *const states[] = {
		"up", "down", "disabled", "draining"
	};
	const struct shm_backend *b;
	char			 extra[64];
	uint32_t		 i, k;
	size_t			 c;

	prom_help(out, "weir_backend_up", "gauge",
	    "1 when the backend takes new requests.");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		prom_backend(out, snap, b, "weir_backend_up", NULL,
		    strcmp(snapshot_backend_state(b), "up") == 0);
	}
	prom_help(out, "weir_backend_state", "gauge",
	    "1 for the backend's current state.");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		for (k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
			snprintf(extra, sizeof(extra), ",state=\"%s\"",
			    states[k]);
			prom_backend(out, snap, b, "weir_backend_state", extra,
			    strcmp(snapshot_backend_state(b), states[k]) == 0);
		}
	}
	prom_help(out, "weir_backend_weight", "gauge", "Configured weight.");
	for (i = 0; i < snap->hdr->nbackends; i++)
		prom_backend(out, snap, &snap->backends[i],
		    "weir_backend_weight", NULL, snap->backends[i].weight);
	prom_help(out, "weir_backend_active_connections", "gauge",
	    "Requests in flight now.");
	for (i = 0; i < snap->hdr->nbackends; i++)
		prom_backend(out, snap, &snap->backends[i],
		    "weir_backend_active_connections", NULL,
		    snapshot_backend_active(snap, i));
	for (c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		prom_help(out, counters[c].name, counters[c].type,
		    counters[c].help);
		for (i = 0; i < snap->hdr->nbackends; i++) {
			b = &snap->backends[i];
			prom_backend(out, snap, b, counters[c].name, NULL,
			    *(const uint64_t *)((const char *)b +
			    counters[c].off));
		}
	}
	prom_help(out, "weir_backend_responses_total", "counter",
	    "Responses received, by status class.");
	for (i = 0; i < snap->hdr->nbackends; i++) {
		b = &snap->backends[i];
		for (k = 0; k < SHM_NCLASSES; k++) {
			snprintf(extra, sizeof(extra), ",class=\"%s\"",
			    class_names[k]);
			prom_backend(out, snap, b,
			    "weir_backend_responses_total", extra,
			    b->responses[k]);
		}
	}
}

/*
 * Prints the figures of <snap> in the Prometheus text exposition format
 * (version 0.0.4): master, worker, service and backend metrics, names
 * prefixed "weir_" and labelled by pool, backend, service, class.
 */
int
render_stats_prometheus(FILE *out, const struct snapshot *snap)
{
	const struct shm_worker	*w;
	uint32_t		 i;

	prom_help(out, "weir_up", "gauge", "1 when the master is running.");
	fprintf(out, "weir_up %d\n", snap->is_master_alive ? 1 : 0);
	prom_help(out, "weir_uptime_seconds", "gauge",
	    "Seconds since the master started.");
	fprintf(out, "weir_uptime_seconds %" PRId64 "\n",
	    snapshot_uptime(snap));
	prom_help(out, "weir_generation", "gauge",
	    "Configuration generation, +1 per reload.");
	fprintf(out, "weir_generation %" PRIu64 "\n", snap->hdr->generation);
	prom_help(out, "weir_worker_accepted_total", "counter",
	    "Connections accepted by each worker.");
	for (i = 0; i < snap->hdr->nworkers; i++) {
		w = &snap->workers[i];
		fprintf(out, "weir_worker_accepted_total{worker=\"%" PRIu32
		    "\"} %" PRIu64 "\n", i, w->accepted);
	}
	prom_help(out, "weir_worker_active_connections", "gauge",
	    "Client connections each worker has open.");
	for (i = 0; i < snap->hdr->nworkers; i++)
		fprintf(out, "weir_worker_active_connections{worker=\"%" PRIu32
		    "\"} %" PRIu64 "\n", i, snap->workers[i].active);
	prom_help(out, "weir_worker_requests_total", "counter",
	    "Requests handled by each worker.");
	for (i = 0; i < snap->hdr->nworkers; i++)
		fprintf(out, "weir_worker_requests_total{worker=\"%" PRIu32
		    "\"} %" PRIu64 "\n", i, snap->workers[i].requests);
	prom_services(out, snap);
	prom_backends(out, snap);
	prom_latency(out, snap);
	prom_checks(out, snap);
	return 0;
}
