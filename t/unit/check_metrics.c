/*
 * weirctl's figure tables: every entry appears in each output its entry
 * names (its key in every JSON object of its kind, its family in
 * Prometheus with HELP, TYPE and samples, its columns in the text
 * tables), and the outputs hold nothing that no entry declares.  A figure
 * can then only be added to the table, and the table decides where it
 * shows.  The outputs are rendered from a segment weir writes, with a
 * health check, latencies and a live worker filled in.
 */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/config.h"
#include "common/shm.h"
#include "ctl/render.h"
#include "stats/metrics.h"
#include "stats/render.h"
#include "stats/snapshot.h"

/*
 * What every test looks at: the snapshot and its outputs, the text ones
 * wide (every column) and at weirctl's default width.
 */
static struct {
	struct snapshot	 snap;
	char		*status;	/* render_status(), wide */
	char		*text;		/* render_stats_text(), wide */
	char		*top;		/* render_top(), wide, no previous
					   frame */
	char		*status80;	/* the same three, 80 columns */
	char		*text80;
	char		*top80;
	char		*prom;		/* render_stats_prometheus() */
	json_t		*json;		/* render_stats_json(), parsed */
} out;

static char *
render(int (*fn)(FILE *, const struct snapshot *, unsigned), unsigned width)
{
	char	*s = NULL;
	size_t	 len;
	FILE	*f;

	ck_assert_ptr_nonnull(f = open_memstream(&s, &len));
	ck_assert_int_eq(fn(f, &out.snap, width), 0);
	fclose(f);
	return s;
}

static int
render_top_first(FILE *f, const struct snapshot *snap, unsigned width)
{
	return render_top(f, snap, NULL, width);
}

static int
render_prom(FILE *f, const struct snapshot *snap, unsigned width)
{
	(void)width;
	return render_stats_prometheus(f, snap);
}

static int
render_json(FILE *f, const struct snapshot *snap, unsigned width)
{
	(void)width;
	return render_stats_json(f, snap);
}

/*
 * The segment weir makes for two pools (a: two backends, b: one, panic
 * when all are down), two services, two workers; then a worker that runs
 * (this process), a checked backend, latencies and some traffic.
 */
static void
setup(void)
{
	char			 dir[] = "/tmp/check_metrics.XXXXXX", path[64];
	char			 err[512], *text = NULL;
	struct config		*cfg;
	struct shm		 w;
	struct shm_header	*h;
	struct shm_backend	*b;
	struct stat		 st;
	json_error_t		 jerr;
	int			 fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
	cfg = config_load_string("{\"pools\": {"
	    "\"a\": {\"backends\": [\"127.0.0.1:8\", \"127.0.0.1:9\"]}, "
	    "\"b\": {\"balance\": \"leastconn\", \"when_all_down\": "
	    "\"panic\", \"backends\": [\"127.0.0.1:7\"]}}, "
	    "\"services\": {\"www\": {\"listen\": [\"127.0.0.1:1\", "
	    "\"127.0.0.1:2\"], \"pool\": \"a\"}, "
	    "\"api\": {\"listen\": \"127.0.0.1:3\", \"pool\": \"b\"}}}",
	    "t.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(shm_create(&w, path, cfg, 2, NULL), 0);
	shm_detach(&w);
	config_free(cfg);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_ptr_nonnull(text = malloc((size_t)st.st_size));
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(read(fd, text, (size_t)st.st_size), st.st_size);
	close(fd);
	unlink(path);
	rmdir(dir);

	h = (struct shm_header *)text;
	h->master_pid = getpid();
	((struct shm_worker *)(text + h->workers_off))[0].pid = getpid();
	((struct shm_worker *)(text + h->workers_off))[0].accepted = 3;
	b = (struct shm_backend *)(text + h->backends_off);
	b[0].check_at_unix = (int64_t)time(NULL) - 5;
	b[0].check_ok = 1;
	b[0].check_status = 200;
	b[0].check_duration_ms = 12;
	b[0].latency[20] = 4;
	b[0].requests = 4;
	b[2].health_state = SHM_HEALTH_DOWN;
	ck_assert_msg(snapshot_adopt(&out.snap, text, (size_t)st.st_size,
	    path, err, sizeof(err)) == 0, "%s", err);

	out.status = render(render_status, 0);
	out.text = render(render_stats_text, 0);
	out.top = render(render_top_first, 0);
	out.status80 = render(render_status, RENDER_WIDTH);
	out.text80 = render(render_stats_text, RENDER_WIDTH);
	out.top80 = render(render_top_first, RENDER_WIDTH);
	out.prom = render(render_prom, 0);
	text = render(render_json, 0);
	out.json = json_loads(text, 0, &jerr);
	ck_assert_msg(out.json != NULL, "--json does not parse: %s: %s",
	    jerr.text, text);
	free(text);
}

static void
teardown(void)
{
	free(out.status);
	free(out.text);
	free(out.top);
	free(out.status80);
	free(out.text80);
	free(out.top80);
	free(out.prom);
	json_decref(out.json);
	snapshot_free(&out.snap);
}

/* Entry <n> counted over all tables, for loop tests. */
static size_t
entry_count(void)
{
	size_t	o, n = 0;

	for (o = 0; o < METRIC_NOBJ; o++)
		n += metrics_tables[o].n;
	return n;
}

static void
entry_at(size_t n, const struct metric_table **t, const struct metric **m)
{
	size_t	o;

	for (o = 0; o < METRIC_NOBJ; o++) {
		if (n < metrics_tables[o].n) {
			*t = &metrics_tables[o];
			*m = &metrics_tables[o].m[n];
			return;
		}
		n -= metrics_tables[o].n;
	}
	ck_abort_msg("no entry %zu", n);
}

/* A short name for messages: "backend requests", "backend #3". */
static const char *
entry_name(const struct metric_table *t, const struct metric *m, char *buf,
    size_t len)
{
	const char	*what = m->json != NULL ? m->json : m->prom != NULL ?
	    m->prom : m->label != NULL ? m->label : m->head;

	if (what != NULL)
		snprintf(buf, len, "%s %s", t->name, what);
	else
		snprintf(buf, len, "%s #%td", t->name, m - t->m);
	return buf;
}

/* Every JSON object of <t>'s kind, in a new array. */
static json_t *
json_objects(const struct metric_table *t)
{
	json_t	*all = json_array(), *pool;
	size_t	 i;

	ck_assert_ptr_nonnull(all);
	switch (t->obj) {
	case METRIC_MASTER:
		json_array_append(all, json_object_get(out.json, "master"));
		break;
	case METRIC_WORKER:
		json_array_extend(all, json_object_get(out.json, "workers"));
		break;
	case METRIC_SERVICE:
		json_array_extend(all, json_object_get(out.json, "services"));
		break;
	case METRIC_POOL:
		json_array_extend(all, json_object_get(out.json, "pools"));
		break;
	case METRIC_BACKEND:
		json_array_foreach(json_object_get(out.json, "pools"), i,
		    pool)
			json_array_extend(all, json_object_get(pool,
			    "backends"));
		break;
	default:
		break;
	}
	return all;
}

/* The text that shows <t>'s table, and the line its headings start. */
static const char *
text_of(const struct metric_table *t, bool has_rates)
{
	if (has_rates)
		return out.top;
	return t->obj == METRIC_WORKER ? out.status : out.text;
}

/*
 * The heading line of <t>'s table in <text>, split at runs of two spaces
 * or more, into <cells>; returns how many, 0 when there is no such line.
 */
static size_t
text_heads(const struct metric_table *t, const char *text,
    char cells[][32], size_t max)
{
	const char	*first = NULL, *line, *end, *p, *q;
	size_t		 j, n = 0, len;

	for (j = 0; j < t->n && first == NULL; j++)
		if (metrics_ncells(&t->m[j]) > 0)
			first = metrics_head(&t->m[j], 0);
	if (first == NULL)
		return 0;
	for (line = text; line != NULL && *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (strncmp(line, first, strlen(first)) != 0)
			continue;
		for (p = line; p < end && n < max; p = q) {
			while (p < end && *p == ' ')
				p++;
			for (q = p; q < end && !(q[0] == ' ' && q + 1 < end &&
			    q[1] == ' '); q++)
				;
			if (q > p) {
				len = (size_t)(q - p) < 31 ? (size_t)(q - p) :
				    31;
				memcpy(cells[n], p, len);
				cells[n++][len] = '\0';
			}
		}
		return n;
	}
	return 0;
}

/*
 * The headings <t>'s entries declare, as text_heads() reads them, and
 * with <prio> not NULL each column's priority.
 */
static size_t
table_heads_prio(const struct metric_table *t, bool has_rates,
    char cells[][32], unsigned *prio, size_t max)
{
	const struct metric	*m;
	const char		*h;
	size_t			 j, k, n = 0;

	for (j = 0; j < t->n; j++) {
		m = &t->m[j];
		for (k = 0; k < metrics_ncells(m) && n < max; k++) {
			for (h = metrics_head(m, k); *h == ' '; h++)
				;
			if (prio != NULL)
				prio[n] = metrics_prio(m, k);
			snprintf(cells[n++], 32, "%s", h);
		}
		if (has_rates && m->rate_head != NULL &&
		    metrics_ncells(m) > 0 && n < max) {
			if (prio != NULL)
				prio[n] = metrics_prio(m, 0);
			snprintf(cells[n++], 32, "%s", m->rate_head);
		}
	}
	return n;
}

static size_t
table_heads(const struct metric_table *t, bool has_rates, char cells[][32],
    size_t max)
{
	return table_heads_prio(t, has_rates, cells, NULL, max);
}

/* True when some line of the Prometheus output starts with <prefix>. */
static bool
prom_has_line(const char *prefix)
{
	const char	*line;
	size_t		 len = strlen(prefix);

	for (line = out.prom; line != NULL; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, prefix, len) == 0)
			return true;
	}
	return false;
}

/* Every Prometheus line of family <name> also holds <needle>. */
static bool
prom_samples_hold(const char *name, const char *needle)
{
	const char	*line, *end;
	size_t		 len = strlen(name);
	char		 buf[512];

	for (line = out.prom; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		if (strncmp(line, name, len) != 0 || (line[len] != '{' &&
		    line[len] != ' ' && strncmp(line + len, "_count", 6) != 0))
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)(end - line), line);
		if (strstr(buf, needle) == NULL)
			return false;
	}
	return true;
}

START_TEST(entry_is_in_each_output_it_names)
{
	const struct metric_table *t;
	const struct metric	*m, *f;
	json_t			*objs, *o, *in;
	char			 name[96], want[512];
	char			 heads[32][32];
	size_t			 i, j, k, n;

	entry_at((size_t)_i, &t, &m);
	entry_name(t, m, name, sizeof(name));

	if (m->json != NULL) {
		objs = json_objects(t);
		ck_assert_msg(json_array_size(objs) > 0, "%s: no %s in the "
		    "JSON", name, t->name);
		json_array_foreach(objs, i, o) {
			in = m->group != NULL ? json_object_get(o, m->group) :
			    o;
			ck_assert_msg(json_object_get(in, m->json) != NULL,
			    "%s: %s %zu has no \"%s%s%s\"", name, t->name, i,
			    m->group != NULL ? m->group : "",
			    m->group != NULL ? "." : "", m->json);
		}
		json_decref(objs);
	}

	if (m->prom != NULL) {
		snprintf(want, sizeof(want), "# HELP %s %s\n# TYPE %s %s\n",
		    m->prom, m->help, m->prom, metrics_type_name(m->type));
		ck_assert_msg(strstr(out.prom, want) != NULL, "%s: no\n%s",
		    name, want);
		snprintf(want, sizeof(want), "%s%s", m->prom,
		    t->obj == METRIC_MASTER ? " " : "{");
		ck_assert_msg(prom_has_line(want), "%s: no sample", name);
		if (m->type == METRIC_SUMMARY) {
			snprintf(want, sizeof(want), "%s_count", m->prom);
			ck_assert_msg(prom_has_line(want), "%s: no %s", name,
			    want);
		}
	}

	/* A label is on every sample of its kind's families. */
	if (m->label != NULL) {
		snprintf(want, sizeof(want), "%s=\"", m->label);
		for (j = 0, k = 0; j < t->n; j++) {
			f = &t->m[j];
			if (f->prom == NULL)
				continue;
			k++;
			ck_assert_msg(prom_samples_hold(f->prom, want),
			    "%s: a sample of %s has no %s", name, f->prom,
			    want);
		}
		ck_assert_msg(k > 0, "%s: a label, but %s has no family",
		    name, t->name);
	}

	n = text_heads(t, text_of(t, false), heads, 32);
	for (k = 0; k < metrics_ncells(m); k++) {
		const char	*h = metrics_head(m, k);

		while (*h == ' ')
			h++;
		for (j = 0; j < n && strcmp(heads[j], h) != 0; j++)
			;
		ck_assert_msg(j < n, "%s: no column %s", name, h);
	}
	if (m->rate_head != NULL) {
		n = text_heads(t, text_of(t, true), heads, 32);
		for (j = 0; j < n && strcmp(heads[j], m->rate_head) != 0; j++)
			;
		ck_assert_msg(j < n, "%s: no column %s in top", name,
		    m->rate_head);
	}
}
END_TEST

/* True when <t> has an entry with JSON key <key> in group <group>. */
static bool
has_json(const struct metric_table *t, const char *group, const char *key)
{
	size_t	j;

	for (j = 0; j < t->n; j++)
		if (t->m[j].json != NULL && strcmp(t->m[j].json, key) == 0 &&
		    (group == NULL ? t->m[j].group == NULL :
		    t->m[j].group != NULL && strcmp(t->m[j].group, group) == 0))
			return true;
	return false;
}

static bool
is_group(const struct metric_table *t, const char *key)
{
	size_t	j;

	for (j = 0; j < t->n; j++)
		if (t->m[j].group != NULL && strcmp(t->m[j].group, key) == 0)
			return true;
	return false;
}

START_TEST(json_holds_only_table_keys)
{
	const struct metric_table *t;
	const char		*key, *sub;
	json_t			*objs, *o, *v, *w;
	size_t			 obj, i;

	ck_assert_uint_eq(json_object_size(out.json), 4);
	for (obj = 0; obj < METRIC_NOBJ; obj++) {
		t = &metrics_tables[obj];
		objs = json_objects(t);
		json_array_foreach(objs, i, o) {
			json_object_foreach(o, key, v) {
				/* The one key that nests objects of a kind. */
				if (t->obj == METRIC_POOL &&
				    strcmp(key, "backends") == 0)
					continue;
				if (!is_group(t, key)) {
					ck_assert_msg(has_json(t, NULL, key),
					    "%s: \"%s\" is in no table entry",
					    t->name, key);
					continue;
				}
				json_object_foreach(v, sub, w)
					ck_assert_msg(has_json(t, key, sub),
					    "%s: \"%s.%s\" is in no table "
					    "entry", t->name, key, sub);
			}
		}
		json_decref(objs);
	}
}
END_TEST

/* The family a Prometheus line belongs to, or NULL. */
static const struct metric *
prom_family_of(const char *line, size_t len)
{
	const struct metric_table *t;
	const struct metric	*m;
	size_t			 obj, j, n;

	for (obj = 0; obj < METRIC_NOBJ; obj++) {
		t = &metrics_tables[obj];
		for (j = 0; j < t->n; j++) {
			m = &t->m[j];
			if (m->prom == NULL)
				continue;
			n = strlen(m->prom);
			if (len > n && strncmp(line, m->prom, n) == 0 &&
			    (line[n] == '{' || line[n] == ' ' ||
			    (m->type == METRIC_SUMMARY &&
			    strncmp(line + n, "_count", 6) == 0 &&
			    (line[n + 6] == '{' || line[n + 6] == ' '))))
				return m;
		}
	}
	return NULL;
}

START_TEST(prometheus_holds_only_table_families)
{
	const struct metric	*m;
	const char		*line, *end, *p;
	size_t			 families = 0, entries = 0, obj, j;

	for (line = out.prom; *line != '\0'; line = end + 1) {
		ck_assert_ptr_nonnull(end = strchr(line, '\n'));
		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		p = strncmp(line, "# TYPE ", 7) == 0 ? line + 7 : line;
		m = prom_family_of(p, (size_t)(end - p));
		ck_assert_msg(m != NULL, "no table entry for \"%.*s\"",
		    (int)(end - line), line);
		if (p != line)
			families++;
	}
	for (obj = 0; obj < METRIC_NOBJ; obj++)
		for (j = 0; j < metrics_tables[obj].n; j++)
			entries += metrics_tables[obj].m[j].prom != NULL;
	ck_assert_uint_eq(families, entries);
}
END_TEST

/* The heading lines hold the columns the tables declare, in their order. */
START_TEST(text_columns_are_the_tables)
{
	const struct metric_table *t;
	char			 got[32][32], want[32][32];
	size_t			 obj, ngot, nwant, k;
	int			 has_rates;

	for (obj = 0; obj < METRIC_NOBJ; obj++) {
		t = &metrics_tables[obj];
		for (has_rates = 0; has_rates < 2; has_rates++) {
			if (has_rates && t->obj == METRIC_WORKER)
				continue;
			nwant = table_heads(t, has_rates, want, 32);
			ngot = text_heads(t, text_of(t, has_rates), got, 32);
			ck_assert_msg(ngot == nwant, "%s%s: %zu columns, the "
			    "table has %zu", t->name, has_rates ? " (top)" :
			    "", ngot, nwant);
			for (k = 0; k < ngot; k++)
				ck_assert_msg(strcmp(got[k], want[k]) == 0,
				    "%s: column %zu is \"%s\", the table says "
				    "\"%s\"", t->name, k, got[k], want[k]);
		}
	}
}
END_TEST

/* Every line of <text> fits <width> columns. */
static void
assert_fits(const char *what, const char *text, size_t width)
{
	const char	*line, *end;

	for (line = text; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		ck_assert_msg((size_t)(end - line) <= width, "%s: a line of "
		    "%td columns:\n%.*s", what, end - line, (int)(end - line),
		    line);
	}
}

/*
 * At 80 columns every line fits, and each table shows its columns in
 * table order, leaving out only columns of a priority no lower than any
 * it keeps: narrowing drops the least important first, never a column of
 * priority 0.
 */
START_TEST(default_tables_fit_80_columns_by_priority)
{
	const struct metric_table *t;
	char			 got[32][32], all[32][32];
	unsigned		 prio[32], kept_max, dropped_min;
	size_t			 obj, ngot, nall, k, g, dropped = 0;
	int			 has_rates;
	const char		*text;

	assert_fits("status", out.status80, RENDER_WIDTH);
	assert_fits("stats", out.text80, RENDER_WIDTH);
	assert_fits("top", out.top80, RENDER_WIDTH);
	for (obj = 0; obj < METRIC_NOBJ; obj++) {
		t = &metrics_tables[obj];
		for (has_rates = 0; has_rates < 2; has_rates++) {
			if (has_rates && t->obj == METRIC_WORKER)
				continue;
			text = has_rates ? out.top80 : t->obj ==
			    METRIC_WORKER ? out.status80 : out.text80;
			nall = table_heads_prio(t, has_rates, all, prio, 32);
			ngot = text_heads(t, text, got, 32);
			kept_max = 0;
			dropped_min = UINT32_MAX;
			for (k = 0, g = 0; k < nall; k++) {
				if (g < ngot && strcmp(got[g], all[k]) == 0) {
					g++;
					if (prio[k] > kept_max)
						kept_max = prio[k];
					continue;
				}
				ck_assert_msg(prio[k] != 0, "%s: column %s of "
				    "priority 0 left out", t->name, all[k]);
				if (prio[k] < dropped_min)
					dropped_min = prio[k];
				dropped++;
			}
			ck_assert_msg(g == ngot, "%s: column %s is not the "
			    "table's, or out of order", t->name,
			    g < ngot ? got[g] : "?");
			ck_assert_msg(kept_max <= dropped_min, "%s: kept a "
			    "column of priority %u, left out one of %u",
			    t->name, kept_max, dropped_min);
		}
	}
	/* The backends' table is wider than 80 columns in full. */
	ck_assert_uint_gt(dropped, 0);
}
END_TEST

/*
 * What the walkers rely on: a counter is in JSON and Prometheus; every
 * family has a help text, a type and a "weir_" name used once; a group's
 * entries are next to each other; prom_after names a family of the same
 * table; a field read at an offset lies inside the object.
 */
START_TEST(tables_are_consistent)
{
	const struct metric_table *t;
	const struct metric	*m, *a;
	char			 name[96];
	size_t			 size, obj, j, k;
	bool			 found;

	for (obj = 0; obj < METRIC_NOBJ; obj++) {
		t = &metrics_tables[obj];
		ck_assert_uint_eq(t->obj, obj);
		for (j = 0; j < t->n; j++) {
			m = &t->m[j];
			entry_name(t, m, name, sizeof(name));
			if (m->type == METRIC_COUNTER)
				ck_assert_msg(m->json != NULL &&
				    m->prom != NULL, "%s: a counter must be "
				    "in --json and --prometheus", name);
			if (m->prom != NULL) {
				ck_assert_msg(m->help != NULL && m->type !=
				    METRIC_UNTYPED && strncmp(m->prom, "weir_",
				    5) == 0, "%s: family without help, type "
				    "or weir_ prefix", name);
				ck_assert_msg(m->kind != METRIC_LIST &&
				    m->kind != METRIC_TEXT && (m->kind !=
				    METRIC_WORD || m->words != NULL), "%s: no "
				    "way to write it in Prometheus", name);
			}
			if (m->json != NULL)
				ck_assert_msg(m->kind != METRIC_TEXT, "%s: no "
				    "value for --json", name);
			if (m->label != NULL)
				ck_assert_msg(m->kind == METRIC_WORD ||
				    m->kind == METRIC_U32 || m->kind ==
				    METRIC_U64, "%s: a label of that kind",
				    name);
			if (m->cell != METRIC_CELL_NONE)
				ck_assert_msg(metrics_head(m, 0) != NULL,
				    "%s: a column without a heading", name);
			if (m->kind == METRIC_TEXT)
				ck_assert_msg(m->text != NULL, "%s: nothing "
				    "to show", name);
			if (m->kind == METRIC_LIST)
				ck_assert_msg(m->get != NULL, "%s: a list is "
				    "read through get", name);
			if (m->get == NULL && m->kind != METRIC_TEXT &&
			    m->kind != METRIC_LIST) {
				size = m->kind == METRIC_U64 || m->kind ==
				    METRIC_I64 ? 8 : m->kind == METRIC_CLASSES ?
				    8 * SHM_NCLASSES : m->kind ==
				    METRIC_LATENCY ? 8 * SHM_LAT_BUCKETS :
				    m->kind == METRIC_WORD ? SHM_NAME_MAX : 4;
				ck_assert_msg(m->off + size <= t->size,
				    "%s: field past the object", name);
			}
			if (m->prom_after != NULL) {
				for (k = 0, found = false; k < t->n; k++)
					found |= t->m[k].prom != NULL &&
					    t->m[k].prom_after == NULL &&
					    strcmp(t->m[k].prom,
					    m->prom_after) == 0;
				ck_assert_msg(found, "%s: after %s, which is "
				    "no family of %s", name, m->prom_after,
				    t->name);
			}
			/* A group, once left, is not met again. */
			if (m->group != NULL && j > 0 && (t->m[j - 1].group ==
			    NULL || strcmp(t->m[j - 1].group, m->group) != 0))
				for (k = 0; k < j; k++)
					ck_assert_msg(t->m[k].group == NULL ||
					    strcmp(t->m[k].group, m->group) !=
					    0, "%s: group %s split", name,
					    m->group);
		}
	}
	for (j = 0; j < entry_count(); j++)
		for (k = j + 1; k < entry_count(); k++) {
			entry_at(j, &t, &m);
			entry_at(k, &t, &a);
			ck_assert_msg(m->prom == NULL || a->prom == NULL ||
			    strcmp(m->prom, a->prom) != 0, "%s twice",
			    m->prom);
		}
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("outputs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, entry_is_in_each_output_it_names, 0,
	    (int)entry_count());
	tcase_add_test(tc, json_holds_only_table_keys);
	tcase_add_test(tc, prometheus_holds_only_table_families);
	tcase_add_test(tc, text_columns_are_the_tables);
	tcase_add_test(tc, default_tables_fit_80_columns_by_priority);
	suite_add_tcase(s, tc);
	tc = tcase_create("tables");
	tcase_add_test(tc, tables_are_consistent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(metrics_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
