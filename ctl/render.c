/*
 * Lays one snapshot out for people: aligned tables for status, stats and
 * top.  Which figures there are and how each cell is written comes from
 * the tables of stats/metrics.c, walked in the same order as the JSON and
 * Prometheus writers of stats/render.c walk them, so the outputs never
 * disagree.
 */
#include "ctl/render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/shm.h"
#include "stats/format.h"
#include "stats/metrics.h"

#define CELL_MAX	96
/* A pool heading: the longest name, counts and the pool's state fit. */
#define TITLE_MAX	160
#define COLS_MAX	32
/* A last column of words is cut to fit, but not below this. */
#define CUT_MIN		12

/*
 * Column sets: heads, alignment and priority (metrics_prio()) go into
 * arrays the caller keeps alive for the table's life.
 */
struct cols {
	const char	*heads[COLS_MAX];
	bool		 is_right[COLS_MAX];
	unsigned	 prio[COLS_MAX];
	size_t		 n;
};

/*
 * A text table whose column widths come from its widest cell.  A row with
 * a title is printed as that line alone, so per-pool headings can sit
 * between rows that still align across pools.  Given a width, it leaves
 * out the columns of least priority until the rest fits.
 */
struct table {
	size_t		  ncols;
	const struct cols *cols;	/* borrowed */
	unsigned	  width;	/* 0: as wide as it takes */
	struct row {
		char	 title[TITLE_MAX];
		char	(*cells)[CELL_MAX];	/* owned: ncols cells */
	}		 *rows;		/* owned */
	size_t		  nrows;
	size_t		  cap;
};

static void
table_init(struct table *t, const struct cols *c, unsigned width)
{
	memset(t, 0, sizeof(*t));
	t->cols = c;
	t->ncols = c->n;
	t->width = width;
}

static void
col(struct cols *c, const char *head, bool is_right, unsigned prio)
{
	if (c->n < COLS_MAX) {
		c->heads[c->n] = head;
		c->is_right[c->n] = is_right;
		c->prio[c->n] = prio;
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

/*
 * Which columns of <t> fit its width, into <shown>, and the room left for
 * the last one when it is words that may be cut (*<cut>, 0 for no cut).
 * Columns go by priority, highest number first, the rightmost first among
 * equals; priority 0 stays whatever the width.
 */
static void
table_fit(const struct table *t, const size_t *width, bool *shown,
    size_t *cut)
{
	size_t		c, last, total, drop;
	unsigned	worst;

	*cut = 0;
	for (c = 0; c < t->ncols; c++)
		shown[c] = true;
	if (t->width == 0)
		return;
	for (;;) {
		total = 0;
		last = t->ncols;
		for (c = 0; c < t->ncols; c++)
			if (shown[c]) {
				total += width[c] + (total > 0 ? 2 : 0);
				last = c;
			}
		/* A left-aligned last column can give up all but CUT_MIN. */
		if (last < t->ncols && !t->cols->is_right[last] &&
		    width[last] > CUT_MIN && total - width[last] + CUT_MIN <=
		    t->width) {
			if (total > t->width)
				*cut = t->width - (total - width[last]);
			return;
		}
		if (total <= t->width)
			return;
		drop = t->ncols;
		worst = 0;
		for (c = 0; c < t->ncols; c++)
			if (shown[c] && t->cols->prio[c] >= worst &&
			    t->cols->prio[c] > 0) {
				worst = t->cols->prio[c];
				drop = c;
			}
		if (drop == t->ncols)
			return;
		shown[drop] = false;
	}
}

static void
table_print(FILE *out, const struct table *t)
{
	size_t	width[COLS_MAX], i, c, w, cut, last = 0;
	bool	shown[COLS_MAX];

	for (c = 0; c < t->ncols && c < COLS_MAX; c++)
		width[c] = strlen(t->cols->heads[c]);
	for (i = 0; i < t->nrows; i++) {
		if (t->rows[i].cells == NULL)
			continue;
		for (c = 0; c < t->ncols && c < COLS_MAX; c++) {
			w = strlen(t->rows[i].cells[c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	table_fit(t, width, shown, &cut);
	for (c = 0; c < t->ncols && c < COLS_MAX; c++)
		if (shown[c])
			last = c;
	if (cut != 0)
		width[last] = cut;
	for (i = 0; i <= t->nrows; i++) {
		const char	*s, *sep = "";

		if (i > 0 && t->rows[i - 1].cells == NULL) {
			fprintf(out, "%.*s\n", t->width != 0 ?
			    (int)t->width : TITLE_MAX, t->rows[i - 1].title);
			continue;
		}
		for (c = 0; c < t->ncols && c < COLS_MAX; c++) {
			if (!shown[c])
				continue;
			s = i == 0 ? t->cols->heads[c] :
			    t->rows[i - 1].cells[c];
			fputs(sep, out);
			sep = "  ";
			if (c == last && !t->cols->is_right[c])
				fprintf(out, "%.*s", (int)width[c], s);
			else if (t->cols->is_right[c])
				fprintf(out, "%*s", (int)width[c], s);
			else
				fprintf(out, "%-*s", (int)width[c], s);
		}
		fputc('\n', out);
	}
}

static const char *
master_state(const struct snapshot *snap)
{
	return snap->is_master_alive ? "running" : "not running";
}

/*
 * Adds the text columns of <t> to <c>: each entry's cells, and with
 * <has_rates> a rate column after each entry that has one.
 */
static void
metric_cols(struct cols *c, const struct metric_table *t, bool has_rates)
{
	const struct metric	*m;
	size_t			 j, k;

	for (j = 0; j < t->n; j++) {
		m = &t->m[j];
		for (k = 0; k < metrics_ncells(m); k++)
			col(c, metrics_head(m, k), m->cell != METRIC_CELL_LEFT,
			    metrics_prio(m, k));
		if (has_rates && m->rate_head != NULL && metrics_ncells(m) > 0)
			col(c, m->rate_head, true, metrics_prio(m, 0));
	}
}

/*
 * Fills row <r> of table <tb> (built by metric_cols()) with object <i> of
 * <t>.  Rates are over <dt_ms> since <prev> (see rate_interval_ms()).
 */
static void
metric_row(const struct table *tb, struct row *r, const struct metric_table *t,
    const struct snapshot *snap, const struct snapshot *prev,
    uint64_t dt_ms, uint32_t i, bool has_rates)
{
	const struct metric	*m;
	struct metric_value	 now, then;
	size_t			 j, k, c = 0;

	for (j = 0; j < t->n; j++) {
		m = &t->m[j];
		for (k = 0; k < metrics_ncells(m) && c < tb->ncols; k++)
			metrics_cell(t, m, snap, i, k, r->cells[c++],
			    CELL_MAX);
		if (!has_rates || m->rate_head == NULL ||
		    metrics_ncells(m) == 0 || c >= tb->ncols)
			continue;
		metrics_read(t, m, snap, i, &now);
		then.u = 0;
		if (dt_ms != 0)
			metrics_read(t, m, prev, i, &then);
		format_rate(r->cells[c++], CELL_MAX, now.u, then.u, dt_ms);
	}
}

/*
 * The worker table's last row: "total", and the sum of each column whose
 * entry says it is summed.
 */
static void
worker_total(const struct table *tb, struct row *r,
    const struct snapshot *snap)
{
	const struct metric_table *t = &metrics_tables[METRIC_WORKER];
	const struct metric	*m;
	struct metric_value	 v;
	uint64_t		 sum;
	uint32_t		 i;
	size_t			 j, c = 0;

	cell(r, 0, "total");
	for (j = 0; j < t->n; j++) {
		m = &t->m[j];
		if (m->is_total && metrics_ncells(m) == 1 && c < tb->ncols) {
			sum = 0;
			for (i = 0; i < snap->hdr->nworkers; i++) {
				metrics_read(t, m, snap, i, &v);
				sum += v.u;
			}
			cell(r, c, "%" PRIu64, sum);
		}
		c += metrics_ncells(m);
	}
}

/*
 * Prints the master's pid and liveness, uptime, config path, generation,
 * and one row per worker slot with its share of accepted connections, which
 * shows how evenly the kernel spreads them.  Returns 0, or -1 when out of
 * memory.
 */
int
render_status(FILE *out, const struct snapshot *snap, unsigned width)
{
	const struct metric_table *wt = &metrics_tables[METRIC_WORKER];
	const struct shm_header	*h = snap->hdr;
	struct cols		 cl;
	struct table		 t;
	struct row		*r;
	char			 up[32], since[64];
	uint32_t		 i;

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

	memset(&cl, 0, sizeof(cl));
	metric_cols(&cl, wt, false);
	table_init(&t, &cl, width);
	for (i = 0; i < h->nworkers; i++) {
		if ((r = table_row(&t, NULL)) == NULL)
			goto nomem;
		metric_row(&t, r, wt, snap, NULL, 0, i, false);
	}
	if ((r = table_row(&t, NULL)) == NULL)
		goto nomem;
	worker_total(&t, r, snap);
	table_print(out, &t);
	table_free(&t);
	return 0;

nomem:
	table_free(&t);
	fprintf(stderr, "weirctl: out of memory\n");
	return -1;
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
    const struct snapshot *prev, bool has_rates, unsigned width)
{
	const struct metric_table *st = &metrics_tables[METRIC_SERVICE];
	struct cols		 cl;
	struct table		 t;
	struct row		*r;
	uint64_t		 dt_ms = rate_interval_ms(snap, prev);
	uint32_t		 i;

	memset(&cl, 0, sizeof(cl));
	metric_cols(&cl, st, has_rates);
	table_init(&t, &cl, width);
	for (i = 0; i < snap->hdr->nservices; i++) {
		if ((r = table_row(&t, NULL)) == NULL) {
			table_free(&t);
			return -1;
		}
		metric_row(&t, r, st, snap, prev, dt_ms, i, has_rates);
	}
	table_print(out, &t);
	table_free(&t);
	return 0;
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
    const struct snapshot *prev, bool has_rates, unsigned width)
{
	const struct metric_table *bt = &metrics_tables[METRIC_BACKEND];
	const struct shm_pool	*p;
	struct cols		 cl;
	struct table		 t;
	struct row		*r;
	char			 title[TITLE_MAX];
	uint64_t		 dt_ms = rate_interval_ms(snap, prev);
	uint32_t		 i, j, n;

	memset(&cl, 0, sizeof(cl));
	metric_cols(&cl, bt, has_rates);
	table_init(&t, &cl, width);
	for (i = 0; i < snap->hdr->npools; i++) {
		p = &snap->pools[i];
		n = snapshot_pool_backends(snap, p);
		snprintf(title, sizeof(title), "pool %.*s (%s, %" PRIu32
		    " backend%s%s)", SHM_NAME_MAX, p->name,
		    snapshot_balance_name(p->balance), n, n == 1 ? "" : "s",
		    pool_mode_text(snap, p));
		if (table_row(&t, title) == NULL)
			goto nomem;
		for (j = 0; j < p->nslots; j++) {
			if (!metrics_is_shown(bt, snap, p->first_backend + j))
				continue;
			if ((r = table_row(&t, NULL)) == NULL)
				goto nomem;
			metric_row(&t, r, bt, snap, prev, dt_ms,
			    p->first_backend + j, has_rates);
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
render_stats_text(FILE *out, const struct snapshot *snap, unsigned width)
{
	char	up[32];

	format_duration(up, sizeof(up), snapshot_uptime(snap));
	fprintf(out, "weir pid %" PRId64 " (%s), up %s, generation %" PRIu64
	    ", %" PRIu32 " workers\n\n", snap->hdr->master_pid,
	    master_state(snap), up, snap->hdr->generation,
	    snap->hdr->nworkers);
	if (stats_services(out, snap, NULL, false, width) == -1)
		goto nomem;
	fputc('\n', out);
	if (stats_backends(out, snap, NULL, false, width) == -1)
		goto nomem;
	return 0;

nomem:
	fprintf(stderr, "weirctl: out of memory\n");
	return -1;
}

/*
 * Writes <n> phrases separated by two spaces, starting a new line where
 * the next would pass <width> (0: one line).
 */
static void
print_parts(FILE *out, char (*parts)[64], size_t n, unsigned width)
{
	size_t	i, used = 0, len;

	for (i = 0; i < n; i++) {
		len = strlen(parts[i]);
		if (used > 0 && width != 0 && used + 2 + len > width) {
			fputc('\n', out);
			used = 0;
		}
		fprintf(out, "%s%s", used > 0 ? "  " : "", parts[i]);
		used += (used > 0 ? 2 : 0) + len;
	}
	fputc('\n', out);
}

/*
 * One frame of weirctl top: a header line (local time, master pid and
 * state, uptime, generation, workers), then the stats tables with a REQ/S
 * column measured since <prev> ("-" when <prev> is NULL or from another
 * generation).  Returns 0, or -1 when out of memory.
 */
int
render_top(FILE *out, const struct snapshot *snap,
    const struct snapshot *prev, unsigned width)
{
	time_t		t = (time_t)snap->now_unix;
	struct tm	tm;
	char		up[32], clock[16], parts[6][64];
	uint64_t	active = 0;
	uint32_t	i;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(clock, sizeof(clock), "%H:%M:%S", &tm) == 0)
		snprintf(clock, sizeof(clock), "-");
	for (i = 0; i < snap->hdr->nworkers; i++)
		active += snap->workers[i].active;
	format_duration(up, sizeof(up), snapshot_uptime(snap));
	snprintf(parts[0], sizeof(parts[0]), "weir - %s", clock);
	snprintf(parts[1], sizeof(parts[1]), "master pid %" PRId64 " (%s)",
	    snap->hdr->master_pid, master_state(snap));
	snprintf(parts[2], sizeof(parts[2]), "up %s", up);
	snprintf(parts[3], sizeof(parts[3]), "generation %" PRIu64,
	    snap->hdr->generation);
	snprintf(parts[4], sizeof(parts[4]), "workers %" PRIu32,
	    snap->hdr->nworkers);
	snprintf(parts[5], sizeof(parts[5]), "connections %" PRIu64, active);
	print_parts(out, parts, 6, width);
	fputc('\n', out);
	if (stats_services(out, snap, prev, true, width) == -1)
		goto nomem;
	fputc('\n', out);
	if (stats_backends(out, snap, prev, true, width) == -1)
		goto nomem;
	return 0;

nomem:
	fprintf(stderr, "weirctl: out of memory\n");
	return -1;
}
