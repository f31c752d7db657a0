/*
 * A snapshot as one JSON object (weirctl stats --json, the stats role's
 * /stats.json) and in the Prometheus text exposition format (weirctl
 * stats --prometheus, the stats role's /metrics).
 */
#ifndef WEIR_STATS_RENDER_H
#define WEIR_STATS_RENDER_H

#include <stdio.h>

#include "stats/snapshot.h"

/*
 * One JSON object with the keys SPEC.md promises, plus "workers".  0, or
 * -1 with errno ENOMEM when out of memory, or as a failed write left it;
 * the caller says so.
 */
int	render_stats_json(FILE *out, const struct snapshot *snap);

/*
 * The same figures in the Prometheus text exposition format.  Always 0:
 * a failed write shows in ferror(<out>).
 */
int	render_stats_prometheus(FILE *out, const struct snapshot *snap);

/*
 * What the stats role serves on /metrics: the same families, each
 * backend's latency a histogram (_bucket, _sum, _count) instead of
 * weirctl's summary.  Always 0, as above.
 */
int	render_stats_metrics(FILE *out, const struct snapshot *snap);

/*
 * "weir_up 0" with its HELP and TYPE: weirctl stats --prometheus when no
 * weir is running.  Always 0, as above.
 */
int	render_down_prometheus(FILE *out);

#endif
