/*
 * Every figure weirctl and the stats role show, declared once: one table
 * per kind of object (master, worker, service, pool, backend), one entry
 * per figure, saying where it appears in JSON, in Prometheus and in
 * weirctl's text tables, and how to read it from a snapshot.
 * stats/render.c and ctl/render.c walk these tables for each output, so a
 * figure added here appears everywhere its entry says.
 */
#ifndef WEIR_STATS_METRICS_H
#define WEIR_STATS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/shm_layout.h"
#include "stats/snapshot.h"

enum metric_obj {
	METRIC_MASTER = 0,	/* struct shm_header, one */
	METRIC_WORKER,		/* struct shm_worker, by slot */
	METRIC_SERVICE,		/* struct shm_service */
	METRIC_POOL,		/* struct shm_pool */
	METRIC_BACKEND,		/* struct shm_backend, by flat index */
	METRIC_NOBJ
};

/* What a figure is, which says how each output writes it. */
enum metric_kind {
	METRIC_U64 = 0,		/* uint64_t; JSON clamps past 2^63 */
	METRIC_U32,		/* uint32_t */
	METRIC_I64,		/* int64_t: pids, Unix times */
	METRIC_BOOL,		/* uint32_t, true when not 0 */
	METRIC_WORD,		/* a string: a name, a state */
	METRIC_LIST,		/* a service's listen addresses */
	METRIC_CLASSES,		/* uint64_t[SHM_NCLASSES], by response class */
	METRIC_LATENCY,		/* uint64_t[SHM_LAT_BUCKETS], a histogram */
	METRIC_TEXT,		/* nothing to read: a text cell, from ->text */
};

enum metric_type {
	METRIC_UNTYPED = 0,	/* not in --prometheus */
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_SUMMARY,
	METRIC_HISTOGRAM,	/* no entry's: SUMMARY as /metrics has it */
};

/*
 * How a LATENCY figure, typed SUMMARY in its table, is written in the
 * Prometheus format: as weirctl stats --prometheus has always written it
 * (weirctl(8) documents the quantiles), or as the real histogram the stats
 * role serves on /metrics, which a scraper can aggregate and rate.
 */
enum metric_prom_form {
	METRIC_PROM_SUMMARY = 0,	/* quantiles 0.5 and 0.99, _count */
	METRIC_PROM_HISTOGRAM,		/* _bucket per bound, _sum, _count */
};

/* A text column: none, or how its cells align and are written. */
enum metric_cell {
	METRIC_CELL_NONE = 0,
	METRIC_CELL_LEFT,	/* words */
	METRIC_CELL_RIGHT,	/* numbers, as they are */
	METRIC_CELL_BYTES,	/* a byte count in binary units, right */
};

/* A figure as read: which fields are set depends on the entry's kind. */
struct metric_value {
	uint64_t	 u;		/* U64, U32, BOOL (0 or 1); LATENCY:
					   the sum (microseconds) */
	int64_t		 i;		/* I64 */
	const char	*s;		/* WORD: into the snapshot, a literal
					   or buf */
	const uint64_t	*arr;		/* CLASSES, LATENCY: into the
					   snapshot */
	const char	(*list)[SHM_NAME_MAX];	/* LIST: into the snapshot */
	uint32_t	 nlist;
	char		 buf[128];	/* a WORD made up for this read */
};

struct metric {
	/* --json: the key, and the object it nests in (NULL: none). */
	const char	*json;
	const char	*group;

	/* --prometheus: the family, or a label every sample carries. */
	const char	*prom;
	enum metric_type type;
	const char	*help;
	const char	*label;		/* label name, the figure its value */
	const char	*prom_after;	/* listed after that family, not in
					   table order */
	const char *const *words;	/* WORD: one sample per word, 1 for the
					   figure's, labelled word_label */
	const char	*word_label;
	unsigned	 prom_div;	/* not 0: written as a real, divided
					   (1000: ms to seconds) */
	bool		(*prom_has)(const struct snapshot *, uint32_t);
					/* NULL, or whether object i has a
					   sample (its family is always
					   declared) */

	/* Text tables: the heading (CLASSES: one column per class). */
	const char	*head;
	enum metric_cell cell;
	const char	*rate_head;	/* top: a per-second rate column
					   after this one */
	bool		 is_total;	/* summed in the status total row */
	unsigned	 prio;		/* 0: always shown; else a table too
					   wide for its terminal leaves out
					   the highest numbers first */
	void		(*text)(const struct snapshot *, uint32_t, char *,
			    size_t);	/* NULL, or the cell when it is not
					   the value as it is */

	/*
	 * Reading: a field at <off> in the object, or <get>.  A WORD read
	 * at <off> is a name snapshot_validate() found terminated.
	 */
	enum metric_kind kind;
	size_t		 off;
	size_t		 sum_off;	/* LATENCY: not 0, the uint64_t sum of
					   what the histogram counted */
	void		(*get)(const struct snapshot *, uint32_t,
			    struct metric_value *);
};

struct metric_table {
	enum metric_obj		 obj;
	const char		*name;		/* "backend", for messages */
	size_t			 size;		/* of the object's shm struct */
	const struct metric	*m;
	size_t			 n;
};

/* The tables, indexed by enum metric_obj. */
extern const struct metric_table	metrics_tables[METRIC_NOBJ];

/* How many objects of <t>'s kind <snap> holds. */
uint32_t	 metrics_count(const struct metric_table *t,
		    const struct snapshot *snap);

/*
 * Reads entry <m> of table <t> for object <i> (< metrics_count()) of
 * <snap> into <v>, which then points into <snap> or into itself.
 */
void		 metrics_read(const struct metric_table *t,
		    const struct metric *m, const struct snapshot *snap,
		    uint32_t i, struct metric_value *v);

/*
 * False for objects the outputs leave out: backend slots that hold no
 * backend (spares, backends removed at runtime).
 */
bool		 metrics_is_shown(const struct metric_table *t,
		    const struct snapshot *snap, uint32_t i);

/*
 * The priority of <m>'s text column <k>: 0 never dropped; higher numbers
 * go first when a table does not fit its width.  A rate column (top) has
 * its entry's.
 */
unsigned	 metrics_prio(const struct metric *m, size_t k);

/* Text columns <m> has: 0, 1, or SHM_NCLASSES for CLASSES. */
size_t		 metrics_ncells(const struct metric *m);

/* The heading of <m>'s column <k> (< metrics_ncells(m)). */
const char	*metrics_head(const struct metric *m, size_t k);

/* Writes <m>'s cell <k> for object <i> into <buf> (<len> bytes). */
void		 metrics_cell(const struct metric_table *t,
		    const struct metric *m, const struct snapshot *snap,
		    uint32_t i, size_t k, char *buf, size_t len);

/*
 * Object <i> as JSON: every entry of <t> with a key, in table order, those
 * of a group nested under the group's key.  A new reference, or NULL when
 * out of memory.
 */
json_t		*metrics_json(const struct metric_table *t,
		    const struct snapshot *snap, uint32_t i);

/* "# HELP" and "# TYPE" of <m>'s family, a LATENCY one in <form>. */
void		 metrics_prom_help(FILE *out, const struct metric *m,
		    enum metric_prom_form form);

/*
 * <m>'s samples for object <i>, labelled by <t>'s label entries: one line,
 * or one per class, word, quantile or bucket (<form> says which a LATENCY
 * figure has); none when <m>->prom_has says so.
 */
void		 metrics_prom(FILE *out, const struct metric_table *t,
		    const struct metric *m, const struct snapshot *snap,
		    uint32_t i, enum metric_prom_form form);

/* "counter", "gauge", "summary" or "histogram". */
const char	*metrics_type_name(enum metric_type type);

#endif
