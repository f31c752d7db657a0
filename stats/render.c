/*
 * The figures of one snapshot for tools and scrapers: one JSON object and
 * the Prometheus text format, walking the tables of metrics.c in the same
 * order for both.  weirctl prints them and the workers' stats role serves
 * them, so the two never disagree.  Rendering only: no I/O besides
 * writing to <out>.
 */
#include "stats/render.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "stats/metrics.h"

/* Every object of <t>'s kind as a JSON array (new reference, or NULL). */
static json_t *
json_objects(const struct metric_table *t, const struct snapshot *snap)
{
	json_t		*arr;
	uint32_t	 i, n = metrics_count(t, snap);

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, metrics_json(t, snap, i)) ==
		    -1) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/* The pools, each with its backends in a "backends" array. */
static json_t *
json_pools(const struct snapshot *snap)
{
	const struct metric_table *pt = &metrics_tables[METRIC_POOL];
	const struct metric_table *bt = &metrics_tables[METRIC_BACKEND];
	const struct shm_pool	*p;
	json_t			*pools, *backends, *o;
	uint32_t		 i, j;

	if ((pools = json_array()) == NULL)
		return NULL;
	for (i = 0; i < snap->hdr->npools; i++) {
		p = &snap->pools[i];
		if ((o = metrics_json(pt, snap, i)) == NULL ||
		    json_array_append_new(pools, o) == -1 ||
		    (backends = json_array()) == NULL ||
		    json_object_set_new(o, "backends", backends) == -1)
			goto fail;
		for (j = 0; j < p->nslots; j++)
			if (metrics_is_shown(bt, snap, p->first_backend + j) &&
			    json_array_append_new(backends, metrics_json(bt,
			    snap, p->first_backend + j)) == -1)
				goto fail;
	}
	return pools;

fail:
	json_decref(pools);
	return NULL;
}

/*
 * Prints one JSON object: "master", "services", "pools" with the keys
 * SPEC.md promises, and "workers".  Returns 0, or -1 with errno ENOMEM
 * when out of memory, or as the write left it.
 */
int
render_stats_json(FILE *out, const struct snapshot *snap)
{
	json_t	*root;
	int	 rv;

	if ((root = json_object()) == NULL ||
	    json_object_set_new(root, "master", metrics_json(
	    &metrics_tables[METRIC_MASTER], snap, 0)) == -1 ||
	    json_object_set_new(root, "services", json_objects(
	    &metrics_tables[METRIC_SERVICE], snap)) == -1 ||
	    json_object_set_new(root, "pools", json_pools(snap)) == -1 ||
	    json_object_set_new(root, "workers", json_objects(
	    &metrics_tables[METRIC_WORKER], snap)) == -1) {
		json_decref(root);
		errno = ENOMEM;
		return -1;
	}
	rv = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (rv == -1 || fputc('\n', out) == EOF)
		return -1;
	return 0;
}

/* <m>'s family: its HELP and TYPE, then a sample per object of <t>. */
static void
prom_family(FILE *out, const struct metric_table *t, const struct metric *m,
    const struct snapshot *snap, enum metric_prom_form form)
{
	uint32_t	i, n = metrics_count(t, snap);

	metrics_prom_help(out, m, form);
	for (i = 0; i < n; i++)
		if (metrics_is_shown(t, snap, i))
			metrics_prom(out, t, m, snap, i, form);
}

/*
 * The families of <t> in table order, except that one with prom_after
 * comes right after the family it names.
 */
static void
prom_table(FILE *out, const struct metric_table *t,
    const struct snapshot *snap, enum metric_prom_form form)
{
	const struct metric	*m, *a;
	size_t			 j, k;

	for (j = 0; j < t->n; j++) {
		m = &t->m[j];
		if (m->prom == NULL || m->prom_after != NULL)
			continue;
		prom_family(out, t, m, snap, form);
		for (k = 0; k < t->n; k++) {
			a = &t->m[k];
			if (a->prom != NULL && a->prom_after != NULL &&
			    strcmp(a->prom_after, m->prom) == 0)
				prom_family(out, t, a, snap, form);
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
	int	o;

	for (o = 0; o < METRIC_NOBJ; o++)
		prom_table(out, &metrics_tables[o], snap, METRIC_PROM_SUMMARY);
	return 0;
}

/* The same, with each latency a histogram: what /metrics serves. */
int
render_stats_metrics(FILE *out, const struct snapshot *snap)
{
	int	o;

	for (o = 0; o < METRIC_NOBJ; o++)
		prom_table(out, &metrics_tables[o], snap,
		    METRIC_PROM_HISTOGRAM);
	return 0;
}

/*
 * What a scraper gets where there is no weir to read: the family that
 * says whether the master runs, declared as a running weir declares it,
 * with the value 0.
 */
int
render_down_prometheus(FILE *out)
{
	const struct metric_table *t = &metrics_tables[METRIC_MASTER];
	size_t			 j;

	for (j = 0; j < t->n; j++)
		if (t->m[j].prom != NULL && strcmp(t->m[j].prom,
		    "weir_up") == 0) {
			metrics_prom_help(out, &t->m[j], METRIC_PROM_SUMMARY);
			fprintf(out, "%s 0\n", t->m[j].prom);
		}
	return 0;
}
