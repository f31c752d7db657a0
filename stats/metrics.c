/*
 * The figures weirctl and the stats role show, one table per kind of
 * object, and how each kind of figure is written in a text cell, in JSON
 * and as Prometheus samples.  Which objects are shown, in what order and
 * under what headings is the renderers' (stats/render.c, ctl/render.c).
 * Every read goes through a snapshot that snapshot_validate() accepted:
 * indices into other sections (a backend's pool, the held rows) are the
 * ones it checked.
 */
#include "stats/metrics.h"

#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "common/shm.h"
#include "stats/format.h"

/* A check detail longer than this is cut, so the table stays readable. */
#define CHECK_CELL_MAX	40

static const char *const class_names[SHM_NCLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx"
};
static const char *const class_heads[SHM_NCLASSES] = {
	"1XX", "2XX", "3XX", "4XX", "5XX"
};

/* The latency percentiles every output shows, in this order. */
static const struct {
	double		 pct;
	const char	*json;		/* key under "latency_ms" */
	const char	*prom;		/* the summary's quantile label */
} quantiles[] = {
	{ 50.0, "p50", "0.5" },
	{ 99.0, "p99", "0.99" },
};
#define NQUANTILES	(sizeof(quantiles) / sizeof(quantiles[0]))

static const char *const backend_states[] = {
	"up", "down", "disabled", "draining", "drained", NULL
};

static void
master_alive(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	(void)i;
	v->u = snap->is_master_alive;
}

static void
master_uptime(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	(void)i;
	v->i = snapshot_uptime(snap);
}

static void
worker_index(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	(void)snap;
	v->u = i;
}

static void
worker_pid_text(const struct snapshot *snap, uint32_t i, char *buf,
    size_t len)
{
	if (snap->workers[i].pid == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRId64, snap->workers[i].pid);
}

static void
worker_state_text(const struct snapshot *snap, uint32_t i, char *buf,
    size_t len)
{
	const struct shm_worker	*w = &snap->workers[i];

	if (w->pid == 0)
		snprintf(buf, len, "empty");
	else
		snprintf(buf, len, "%s", snapshot_pid_alive(w->pid) ?
		    "running" : "gone");
}

static void
worker_up_text(const struct snapshot *snap, uint32_t i, char *buf,
    size_t len)
{
	const struct shm_worker	*w = &snap->workers[i];

	if (w->pid == 0)
		snprintf(buf, len, "-");
	else
		format_duration(buf, len, snapshot_seconds_since(snap,
		    w->started_unix));
}

/* Its part of all accepted connections: how evenly the kernel spreads. */
static void
worker_share_text(const struct snapshot *snap, uint32_t i, char *buf,
    size_t len)
{
	uint64_t	accepted = 0;
	uint32_t	j;

	for (j = 0; j < snap->hdr->nworkers; j++)
		accepted += snap->workers[j].accepted;
	snprintf(buf, len, "%.1f%%", accepted > 0 ?
	    100.0 * (double)snap->workers[i].accepted / (double)accepted :
	    0.0);
}

static void
service_active(const struct snapshot *snap, uint32_t i,
    struct metric_value *v)
{
	v->u = snapshot_service_active(snap, i);
}

static void
service_tunnels(const struct snapshot *snap, uint32_t i,
    struct metric_value *v)
{
	v->u = snapshot_service_tunnels(snap, i);
}

/* Slots past the count are not validated, so never read. */
static void
service_listen(const struct snapshot *snap, uint32_t i,
    struct metric_value *v)
{
	const struct shm_service *sv = &snap->services[i];

	v->list = sv->listen;
	v->nlist = sv->nlisten < SHM_MAX_LISTEN ? sv->nlisten :
	    SHM_MAX_LISTEN;
}

/* A management console's DISABLE, until the next reload. */
static void
service_state(const struct snapshot *snap, uint32_t i,
    struct metric_value *v)
{
	v->s = snap->services[i].admin_state == SHM_ADMIN_DISABLED ?
	    "disabled" : "enabled";
}

static void
pool_balance(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	v->s = snapshot_balance_name(snap->pools[i].balance);
}

static void
pool_state(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	v->s = snapshot_pool_state(snap, &snap->pools[i]);
}

static void
pool_when_all_down(const struct snapshot *snap, uint32_t i,
    struct metric_value *v)
{
	v->s = snapshot_when_all_down_name(snap->pools[i].when_all_down);
}

static void
backend_pool(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	v->s = snap->pools[snap->backends[i].pool].name;
}

/* Indented: backends are listed under their pool's heading. */
static void
backend_address_text(const struct snapshot *snap, uint32_t i, char *buf,
    size_t len)
{
	snprintf(buf, len, "  %.*s", SHM_NAME_MAX, snap->backends[i].address);
}

static void
backend_is_up(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	v->u = strcmp(snapshot_backend_state(snap, i), "up") == 0;
}

static void
backend_state(const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	v->s = snapshot_backend_state(snap, i);
}

static void
backend_active(const struct snapshot *snap, uint32_t i,
    struct metric_value *v)
{
	v->u = snapshot_backend_active(snap, i);
}

static bool
backend_is_checked(const struct snapshot *snap, uint32_t i)
{
	return snap->backends[i].check_at_unix != 0;
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

static void
backend_check_detail(const struct snapshot *snap, uint32_t i,
    struct metric_value *v)
{
	check_detail(v->buf, sizeof(v->buf), &snap->backends[i]);
	v->s = v->buf;
}

/*
 * The detail of the last check, cut to CHECK_CELL_MAX with "...", made
 * printable; "ok 200" when it passed with nothing to say, "-" when never
 * checked (health checks off).
 */
static void
backend_check_text(const struct snapshot *snap, uint32_t i, char *buf,
    size_t len)
{
	const struct shm_backend *b = &snap->backends[i];
	char			 detail[sizeof(b->check_detail)];

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
	if (strlen(detail) > CHECK_CELL_MAX)
		snprintf(buf, len, "%.*s...", CHECK_CELL_MAX - 3, detail);
	else
		snprintf(buf, len, "%s", detail);
}

static const struct metric	master_metrics[] = {
	{ .json = "pid",
	  .kind = METRIC_I64, .off = offsetof(struct shm_header, master_pid) },
	{ .prom = "weir_up", .type = METRIC_GAUGE,
	  .help = "1 when the master is running.",
	  .kind = METRIC_BOOL, .get = master_alive },
	{ .json = "uptime_s",
	  .prom = "weir_uptime_seconds", .type = METRIC_GAUGE,
	  .help = "Seconds since the master started.",
	  .kind = METRIC_I64, .get = master_uptime },
	{ .json = "generation",
	  .prom = "weir_generation", .type = METRIC_GAUGE,
	  .help = "Configuration generation, +1 per reload.",
	  .kind = METRIC_U64, .off = offsetof(struct shm_header, generation) },
	{ .json = "workers",
	  .kind = METRIC_U32, .off = offsetof(struct shm_header, nworkers) },
};

static const struct metric	worker_metrics[] = {
	{ .label = "worker",
	  .head = "WORKER", .cell = METRIC_CELL_LEFT,
	  .kind = METRIC_U32, .get = worker_index },
	{ .json = "pid",
	  .head = "PID", .cell = METRIC_CELL_RIGHT, .text = worker_pid_text,
	  .kind = METRIC_I64, .off = offsetof(struct shm_worker, pid) },
	{ .head = "STATE", .cell = METRIC_CELL_LEFT, .text = worker_state_text,
	  .kind = METRIC_TEXT },
	{ .head = "UP", .cell = METRIC_CELL_RIGHT, .text = worker_up_text,
	  .prio = 2, .kind = METRIC_TEXT },
	{ .json = "accepted",
	  .prom = "weir_worker_accepted_total", .type = METRIC_COUNTER,
	  .help = "Connections accepted by each worker.",
	  .head = "ACCEPTED", .cell = METRIC_CELL_RIGHT, .is_total = true,
	  .kind = METRIC_U64, .off = offsetof(struct shm_worker, accepted) },
	{ .head = "SHARE", .cell = METRIC_CELL_RIGHT, .text = worker_share_text,
	  .prio = 1, .kind = METRIC_TEXT },
	{ .json = "active",
	  .prom = "weir_worker_active_connections", .type = METRIC_GAUGE,
	  .help = "Client connections each worker has open.",
	  .head = "ACTIVE", .cell = METRIC_CELL_RIGHT, .is_total = true,
	  .kind = METRIC_U64, .off = offsetof(struct shm_worker, active) },
	{ .json = "requests",
	  .prom = "weir_worker_requests_total", .type = METRIC_COUNTER,
	  .help = "Requests handled by each worker.",
	  .head = "REQUESTS", .cell = METRIC_CELL_RIGHT, .is_total = true,
	  .kind = METRIC_U64, .off = offsetof(struct shm_worker, requests) },
};

/*
 * A service's connections or requests by protocol (enum shm_proto): in
 * JSON one object keyed by protocol, in --prometheus one family each.
 */
#define PROTO_ROW(fld, idx, grp, key, fam, what) \
	{ .json = key, .group = "by_protocol_" grp, \
	  .prom = "weir_service_" fam "_" grp "_total", \
	  .type = METRIC_COUNTER, .help = what " over " key ".", \
	  .kind = METRIC_U64, \
	  .off = offsetof(struct shm_service, proto_##fld[idx]) }
#define PROTO_ROWS(fld, grp, what) \
	PROTO_ROW(fld, SHM_PROTO_HTTP10, grp, "HTTP/1.0", "http10", what), \
	PROTO_ROW(fld, SHM_PROTO_HTTP11, grp, "HTTP/1.1", "http11", what), \
	PROTO_ROW(fld, SHM_PROTO_HTTP2, grp, "HTTP/2", "http2", what)

static const struct metric	service_metrics[] = {
	{ .json = "name", .label = "service",
	  .head = "SERVICE", .cell = METRIC_CELL_LEFT,
	  .kind = METRIC_WORD, .off = offsetof(struct shm_service, name) },
	{ .json = "listen",
	  .head = "LISTEN", .cell = METRIC_CELL_LEFT, .prio = 3,
	  .kind = METRIC_LIST, .get = service_listen },
	{ .json = "state",
	  .kind = METRIC_WORD, .get = service_state },
	{ .json = "active",
	  .prom = "weir_service_active_connections", .type = METRIC_GAUGE,
	  .help = "Client connections open now.",
	  .head = "ACTIVE", .cell = METRIC_CELL_RIGHT, .prio = 1,
	  .kind = METRIC_U64, .get = service_active },
	{ .json = "requests",
	  .prom = "weir_service_requests_total", .type = METRIC_COUNTER,
	  .help = "Requests received.",
	  .head = "REQUESTS", .cell = METRIC_CELL_RIGHT, .rate_head = "REQ/S",
	  .kind = METRIC_U64, .off = offsetof(struct shm_service, requests) },
	{ .json = "responses",
	  .prom = "weir_service_responses_total", .type = METRIC_COUNTER,
	  .help = "Responses sent, by status class.",
	  .cell = METRIC_CELL_RIGHT, .prio = 2,
	  .kind = METRIC_CLASSES,
	  .off = offsetof(struct shm_service, responses) },
	/* Bytes by what they carry, on every row: requests, responses;
	   a narrow table keeps the responses' longer. */
	{ .json = "bytes_in",
	  .prom = "weir_service_bytes_in_total", .type = METRIC_COUNTER,
	  .help = "Bytes received from clients (requests).",
	  .head = "REQ BYTES", .cell = METRIC_CELL_BYTES, .prio = 5,
	  .kind = METRIC_U64, .off = offsetof(struct shm_service, bytes_in) },
	{ .json = "bytes_out",
	  .prom = "weir_service_bytes_out_total", .type = METRIC_COUNTER,
	  .help = "Bytes sent to clients (responses).",
	  .head = "RESP BYTES", .cell = METRIC_CELL_BYTES, .prio = 4,
	  .kind = METRIC_U64, .off = offsetof(struct shm_service, bytes_out) },
	{ .json = "body_timeouts",
	  .prom = "weir_service_body_timeouts_total", .type = METRIC_COUNTER,
	  .help = "Request bodies cut off as too slow.",
	  .kind = METRIC_U64,
	  .off = offsetof(struct shm_service, body_timeouts) },
	PROTO_ROWS(conns, "connections", "Client connections begun"),
	PROTO_ROWS(requests, "requests", "Requests received"),
	{ .json = "rapid_reset", .group = "h2_calm",
	  .prom = "weir_service_h2_calm_rapid_reset_total",
	  .type = METRIC_COUNTER,
	  .help = "HTTP/2 connections ended with GOAWAY ENHANCE_YOUR_CALM: "
	  "too many streams reset or refused (rapid reset).",
	  .kind = METRIC_U64,
	  .off = offsetof(struct shm_service, h2_reset_floods) },
	{ .json = "header_flood", .group = "h2_calm",
	  .prom = "weir_service_h2_calm_header_flood_total",
	  .type = METRIC_COUNTER,
	  .help = "HTTP/2 connections ended with GOAWAY ENHANCE_YOUR_CALM: "
	  "a header block too long or in too many CONTINUATION frames.",
	  .kind = METRIC_U64,
	  .off = offsetof(struct shm_service, h2_header_floods) },
	{ .json = "control_flood", .group = "h2_calm",
	  .prom = "weir_service_h2_calm_control_flood_total",
	  .type = METRIC_COUNTER,
	  .help = "HTTP/2 connections ended with GOAWAY ENHANCE_YOUR_CALM: "
	  "too many SETTINGS, PING, PRIORITY or empty DATA frames.",
	  .kind = METRIC_U64,
	  .off = offsetof(struct shm_service, h2_control_floods) },
	{ .json = "open", .group = "tunnels",
	  .prom = "weir_service_tunnels_open", .type = METRIC_GAUGE,
	  .help = "Upgrade tunnels (WebSocket) open now.",
	  .head = "TUNNELS", .cell = METRIC_CELL_RIGHT, .prio = 6,
	  .kind = METRIC_U64, .get = service_tunnels },
	{ .json = "total", .group = "tunnels",
	  .prom = "weir_service_tunnels_total", .type = METRIC_COUNTER,
	  .help = "Upgrade tunnels opened (101 relayed).",
	  .kind = METRIC_U64, .off = offsetof(struct shm_service, tunnels) },
	{ .json = "bytes_in", .group = "tunnels",
	  .prom = "weir_service_tunnel_bytes_in_total", .type = METRIC_COUNTER,
	  .help = "Bytes tunnelled from clients to backends.",
	  .kind = METRIC_U64,
	  .off = offsetof(struct shm_service, tunnel_bytes_in) },
	{ .json = "bytes_out", .group = "tunnels",
	  .prom = "weir_service_tunnel_bytes_out_total",
	  .type = METRIC_COUNTER,
	  .help = "Bytes tunnelled from backends to clients.",
	  .kind = METRIC_U64,
	  .off = offsetof(struct shm_service, tunnel_bytes_out) },
};

/* A pool's text is the heading render.c writes above its backends. */
static const struct metric	pool_metrics[] = {
	{ .json = "name",
	  .kind = METRIC_WORD, .off = offsetof(struct shm_pool, name) },
	{ .json = "balance",
	  .kind = METRIC_WORD, .get = pool_balance },
	{ .json = "state",
	  .kind = METRIC_WORD, .get = pool_state },
	{ .json = "when_all_down",
	  .kind = METRIC_WORD, .get = pool_when_all_down },
};

/*
 * Prometheus has always listed responses after the byte counters and the
 * check's time after its duration; prom_after keeps that order.
 */
static const struct metric	backend_metrics[] = {
	{ .label = "pool",
	  .kind = METRIC_WORD, .get = backend_pool },
	{ .json = "address", .label = "backend",
	  .head = "  BACKEND", .cell = METRIC_CELL_LEFT,
	  .text = backend_address_text,
	  .kind = METRIC_WORD, .off = offsetof(struct shm_backend, address) },
	{ .prom = "weir_backend_up", .type = METRIC_GAUGE,
	  .help = "1 when the backend takes new requests.",
	  .kind = METRIC_BOOL, .get = backend_is_up },
	{ .json = "state",
	  .prom = "weir_backend_state", .type = METRIC_GAUGE,
	  .help = "1 for the backend's current state.",
	  .words = backend_states, .word_label = "state",
	  .head = "STATE", .cell = METRIC_CELL_LEFT,
	  .kind = METRIC_WORD, .get = backend_state },
	{ .json = "weight",
	  .prom = "weir_backend_weight", .type = METRIC_GAUGE,
	  .help = "Weight: the configured one, or as set at runtime.",
	  .head = "WEIGHT", .cell = METRIC_CELL_RIGHT, .prio = 5,
	  .kind = METRIC_U32, .off = offsetof(struct shm_backend, weight) },
	{ .json = "active",
	  .prom = "weir_backend_active_connections", .type = METRIC_GAUGE,
	  .help = "Requests in flight now.",
	  .head = "ACTIVE", .cell = METRIC_CELL_RIGHT, .prio = 1,
	  .kind = METRIC_U64, .get = backend_active },
	{ .json = "requests",
	  .prom = "weir_backend_requests_total", .type = METRIC_COUNTER,
	  .help = "Requests sent.",
	  .head = "REQUESTS", .cell = METRIC_CELL_RIGHT, .rate_head = "REQ/S",
	  .kind = METRIC_U64, .off = offsetof(struct shm_backend, requests) },
	{ .json = "errors",
	  .prom = "weir_backend_errors_total", .type = METRIC_COUNTER,
	  .help = "Connect failures and invalid responses.",
	  .head = "ERRORS", .cell = METRIC_CELL_RIGHT, .prio = 2,
	  .kind = METRIC_U64, .off = offsetof(struct shm_backend, errors) },
	{ .json = "responses",
	  .prom = "weir_backend_responses_total", .type = METRIC_COUNTER,
	  .help = "Responses received, by status class.",
	  .prom_after = "weir_backend_bytes_in_total",
	  .cell = METRIC_CELL_RIGHT, .prio = 3,
	  .kind = METRIC_CLASSES,
	  .off = offsetof(struct shm_backend, responses) },
	/* Requests, then responses, as on a service's row. */
	{ .json = "bytes_out",
	  .prom = "weir_backend_bytes_out_total", .type = METRIC_COUNTER,
	  .help = "Bytes sent to the backend (requests).",
	  .head = "REQ BYTES", .cell = METRIC_CELL_BYTES, .prio = 7,
	  .kind = METRIC_U64, .off = offsetof(struct shm_backend, bytes_out) },
	{ .json = "bytes_in",
	  .prom = "weir_backend_bytes_in_total", .type = METRIC_COUNTER,
	  .help = "Bytes received from the backend (responses).",
	  .head = "RESP BYTES", .cell = METRIC_CELL_BYTES, .prio = 6,
	  .kind = METRIC_U64, .off = offsetof(struct shm_backend, bytes_in) },
	/*
	 * Quantiles are exact to ~19%, the width of a bucket.  The summary
	 * weirctl writes has no _sum, as it always had none; the histogram
	 * of /metrics has the sum the workers keep.
	 */
	{ .json = "latency_ms",
	  .prom = "weir_backend_latency_seconds", .type = METRIC_SUMMARY,
	  .help = "Time from sending the request to the response head.",
	  .head = "LAT P50/P99", .cell = METRIC_CELL_RIGHT, .prio = 3,
	  .kind = METRIC_LATENCY,
	  .off = offsetof(struct shm_backend, latency),
	  .sum_off = offsetof(struct shm_backend, latency_sum_us) },
	{ .head = "CHECK", .cell = METRIC_CELL_LEFT, .text = backend_check_text,
	  .prio = 2, .kind = METRIC_TEXT },
	/* All zeros ("at_unix": 0) while health checks are off. */
	{ .json = "ok", .group = "check",
	  .prom = "weir_backend_check_ok", .type = METRIC_GAUGE,
	  .help = "1 when the last health check passed.",
	  .prom_has = backend_is_checked,
	  .kind = METRIC_BOOL, .off = offsetof(struct shm_backend, check_ok) },
	{ .json = "status", .group = "check",
	  .prom = "weir_backend_check_status", .type = METRIC_GAUGE,
	  .help = "HTTP status of the last health check, 0 when none came.",
	  .prom_has = backend_is_checked,
	  .kind = METRIC_U32,
	  .off = offsetof(struct shm_backend, check_status) },
	{ .json = "at_unix", .group = "check",
	  .prom = "weir_backend_check_timestamp_seconds",
	  .type = METRIC_GAUGE,
	  .help = "When the last health check ended (Unix time).",
	  .prom_has = backend_is_checked,
	  .prom_after = "weir_backend_check_duration_seconds",
	  .kind = METRIC_I64,
	  .off = offsetof(struct shm_backend, check_at_unix) },
	{ .json = "detail", .group = "check",
	  .kind = METRIC_WORD, .get = backend_check_detail },
	{ .json = "duration_ms", .group = "check",
	  .prom = "weir_backend_check_duration_seconds",
	  .type = METRIC_GAUGE,
	  .help = "How long the last health check took.",
	  .prom_has = backend_is_checked, .prom_div = 1000,
	  .kind = METRIC_U32,
	  .off = offsetof(struct shm_backend, check_duration_ms) },
	{ .json = "since_unix", .group = "check",
	  .kind = METRIC_I64,
	  .off = offsetof(struct shm_backend, state_since_unix) },
};

#define TABLE(o, nm, type, arr) \
	[o] = { o, nm, sizeof(type), arr, sizeof(arr) / sizeof(arr[0]) }

const struct metric_table	metrics_tables[METRIC_NOBJ] = {
	TABLE(METRIC_MASTER, "master", struct shm_header, master_metrics),
	TABLE(METRIC_WORKER, "worker", struct shm_worker, worker_metrics),
	TABLE(METRIC_SERVICE, "service", struct shm_service, service_metrics),
	TABLE(METRIC_POOL, "pool", struct shm_pool, pool_metrics),
	TABLE(METRIC_BACKEND, "backend", struct shm_backend, backend_metrics),
};

uint32_t
metrics_count(const struct metric_table *t, const struct snapshot *snap)
{
	switch (t->obj) {
	case METRIC_MASTER:
		return 1;
	case METRIC_WORKER:
		return snap->hdr->nworkers;
	case METRIC_SERVICE:
		return snap->hdr->nservices;
	case METRIC_POOL:
		return snap->hdr->npools;
	case METRIC_BACKEND:
		return snap->hdr->nbackends;
	default:
		return 0;
	}
}

bool
metrics_is_shown(const struct metric_table *t, const struct snapshot *snap,
    uint32_t i)
{
	return t->obj != METRIC_BACKEND || snapshot_backend_is_shown(snap, i);
}

/*
 * Among the response classes, 5xx says most about trouble and 1xx least:
 * added to the entry's priority, so narrow tables keep 5XX longest.
 */
static const unsigned	class_drop[SHM_NCLASSES] = { 4, 2, 3, 1, 0 };

unsigned
metrics_prio(const struct metric *m, size_t k)
{
	if (m->prio == 0)
		return 0;
	return m->kind == METRIC_CLASSES && k < SHM_NCLASSES ?
	    m->prio + class_drop[k] : m->prio;
}

/* Object <i> of <t>'s kind in <snap>. */
static const char *
object(const struct metric_table *t, const struct snapshot *snap,
    uint32_t i)
{
	switch (t->obj) {
	case METRIC_WORKER:
		return (const char *)&snap->workers[i];
	case METRIC_SERVICE:
		return (const char *)&snap->services[i];
	case METRIC_POOL:
		return (const char *)&snap->pools[i];
	case METRIC_BACKEND:
		return (const char *)&snap->backends[i];
	default:
		return (const char *)snap->hdr;
	}
}

/*
 * Reads <m> for object <i> into <v>: through <m>->get, or at <m>->off in
 * the object, typed by <m>->kind.
 */
void
metrics_read(const struct metric_table *t, const struct metric *m,
    const struct snapshot *snap, uint32_t i, struct metric_value *v)
{
	const char	*base = object(t, snap, i);

	memset(v, 0, offsetof(struct metric_value, buf));
	v->buf[0] = '\0';
	v->s = "";
	if (m->get != NULL) {
		m->get(snap, i, v);
		return;
	}
	switch (m->kind) {
	case METRIC_U64:
		v->u = *(const uint64_t *)(base + m->off);
		break;
	case METRIC_U32:
		v->u = *(const uint32_t *)(base + m->off);
		break;
	case METRIC_BOOL:
		v->u = *(const uint32_t *)(base + m->off) != 0;
		break;
	case METRIC_I64:
		v->i = *(const int64_t *)(base + m->off);
		break;
	case METRIC_WORD:
		v->s = base + m->off;
		break;
	case METRIC_CLASSES:
		v->arr = (const uint64_t *)(base + m->off);
		break;
	case METRIC_LATENCY:
		v->arr = (const uint64_t *)(base + m->off);
		if (m->sum_off != 0)
			v->u = *(const uint64_t *)(base + m->sum_off);
		break;
	case METRIC_LIST:
	case METRIC_TEXT:
		break;
	}
}

size_t
metrics_ncells(const struct metric *m)
{
	if (m->cell == METRIC_CELL_NONE)
		return 0;
	return m->kind == METRIC_CLASSES ? SHM_NCLASSES : 1;
}

const char *
metrics_head(const struct metric *m, size_t k)
{
	if (m->kind == METRIC_CLASSES)
		return k < SHM_NCLASSES ? class_heads[k] : "";
	return m->head;
}

static uint64_t
latency_count(const uint64_t *hist)
{
	uint64_t	n = 0;
	unsigned	i;

	for (i = 0; i < SHM_LAT_BUCKETS; i++)
		n += hist[i];
	return n;
}

/* "0.31/1.20ms" (p50/p99), or "-" before the first response. */
static void
latency_text(char *buf, size_t len, const uint64_t *hist)
{
	char	ms[16];
	size_t	q, n = 0;

	snprintf(buf, len, "-");
	if (latency_count(hist) == 0)
		return;
	for (q = 0; q < NQUANTILES && n < len; q++) {
		format_ms(ms, sizeof(ms), shm_latency_percentile_ms(hist,
		    quantiles[q].pct));
		n += (size_t)snprintf(buf + n, len - n, "%s%s", q > 0 ? "/" :
		    "", ms);
	}
	if (n < len)
		snprintf(buf + n, len - n, "ms");
}

/* The listen addresses joined by commas, or "-". */
static void
list_text(char *buf, size_t len, const struct metric_value *v)
{
	size_t		n = 0;
	uint32_t	i;

	snprintf(buf, len, "-");
	for (i = 0; i < v->nlist && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%.*s",
		    i > 0 ? "," : "", SHM_NAME_MAX, v->list[i]);
}

void
metrics_cell(const struct metric_table *t, const struct metric *m,
    const struct snapshot *snap, uint32_t i, size_t k, char *buf, size_t len)
{
	struct metric_value	v;

	if (m->text != NULL) {
		m->text(snap, i, buf, len);
		return;
	}
	metrics_read(t, m, snap, i, &v);
	switch (m->kind) {
	case METRIC_U64:
	case METRIC_U32:
	case METRIC_BOOL:
		if (m->cell == METRIC_CELL_BYTES)
			format_bytes(buf, len, v.u);
		else
			snprintf(buf, len, "%" PRIu64, v.u);
		break;
	case METRIC_I64:
		snprintf(buf, len, "%" PRId64, v.i);
		break;
	case METRIC_WORD:
		snprintf(buf, len, "%s", v.s);
		break;
	case METRIC_LIST:
		list_text(buf, len, &v);
		break;
	case METRIC_CLASSES:
		snprintf(buf, len, "%" PRIu64, k < SHM_NCLASSES ? v.arr[k] : 0);
		break;
	case METRIC_LATENCY:
		latency_text(buf, len, v.arr);
		break;
	case METRIC_TEXT:
		snprintf(buf, len, "-");
		break;
	}
}

/* jansson integers are signed; a counter past 2^63 is clamped, not wrapped. */
static json_t *
jint(uint64_t v)
{
	return json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX :
	    (json_int_t)v);
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

/* <v> as JSON, as <m>'s kind says; a new reference, or NULL. */
static json_t *
json_value(const struct metric *m, const struct metric_value *v)
{
	json_t		*o;
	uint32_t	 k;
	size_t		 q;

	switch (m->kind) {
	case METRIC_U64:
		return jint(v->u);
	case METRIC_U32:
		return json_integer((json_int_t)v->u);
	case METRIC_I64:
		return json_integer((json_int_t)v->i);
	case METRIC_BOOL:
		return json_boolean(v->u != 0);
	case METRIC_WORD:
		return json_string(v->s);
	case METRIC_LIST:
		if ((o = json_array()) == NULL)
			return NULL;
		for (k = 0; k < v->nlist; k++)
			if (json_array_append_new(o, json_stringn(v->list[k],
			    strnlen(v->list[k], SHM_NAME_MAX))) == -1)
				goto fail;
		return o;
	case METRIC_CLASSES:
		if ((o = json_object()) == NULL)
			return NULL;
		for (k = 0; k < SHM_NCLASSES; k++)
			if (json_object_set_new(o, class_names[k],
			    jint(v->arr[k])) == -1)
				goto fail;
		return o;
	case METRIC_LATENCY:
		if ((o = json_object()) == NULL)
			return NULL;
		for (q = 0; q < NQUANTILES; q++)
			if (json_object_set_new(o, quantiles[q].json,
			    json_real(round_us(shm_latency_percentile_ms(
			    v->arr, quantiles[q].pct)))) == -1)
				goto fail;
		return o;
	case METRIC_TEXT:
		break;
	}
	return NULL;

fail:
	json_decref(o);
	return NULL;
}

static bool
is_same_group(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * The entries of a group must be next to each other in the table: a group
 * met again later would replace the first object of that name.
 */
json_t *
metrics_json(const struct metric_table *t, const struct snapshot *snap,
    uint32_t i)
{
	struct metric_value	 v;
	const char		*group = NULL;
	json_t			*o, *into, *val;
	size_t			 j;

	if ((o = json_object()) == NULL)
		return NULL;
	into = o;
	for (j = 0; j < t->n; j++) {
		const struct metric	*m = &t->m[j];

		if (m->json == NULL)
			continue;
		if (!is_same_group(m->group, group)) {
			group = m->group;
			into = o;
			if (group != NULL && (into = json_object()) != NULL &&
			    json_object_set_new(o, group, into) == -1)
				into = NULL;
			if (into == NULL)
				goto fail;
		}
		metrics_read(t, m, snap, i, &v);
		if ((val = json_value(m, &v)) == NULL ||
		    json_object_set_new(into, m->json, val) == -1)
			goto fail;
	}
	return o;

fail:
	json_decref(o);
	return NULL;
}

const char *
metrics_type_name(enum metric_type type)
{
	switch (type) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_SUMMARY:
		return "summary";
	case METRIC_HISTOGRAM:
		return "histogram";
	default:
		return "untyped";
	}
}

void
metrics_prom_help(FILE *out, const struct metric *m,
    enum metric_prom_form form)
{
	enum metric_type	type = m->type;

	if (m->kind == METRIC_LATENCY && form == METRIC_PROM_HISTOGRAM)
		type = METRIC_HISTOGRAM;
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", m->prom, m->help,
	    m->prom, metrics_type_name(type));
}

/* Room for the labels of one object: two escaped names, with their keys. */
#define PROM_LABELS_MAX	(4 * (2 * SHM_NAME_MAX + 16))

/*
 * Appends <s> (at most <len> bytes) to <buf> (<n> bytes used of <cap>) as
 * a Prometheus label value; returns the new length (cut at <cap> - 1).
 */
static size_t
prom_escape(char *buf, size_t n, size_t cap, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && s[i] != '\0' && n + 2 < cap; i++) {
		if (s[i] == '\\' || s[i] == '"' || s[i] == '\n')
			buf[n++] = '\\';
		buf[n++] = s[i] == '\n' ? 'n' : s[i];
	}
	buf[n] = '\0';
	return n;
}

/*
 * The labels of object <i> of <t>, 'pool="web",backend="10.0.0.1:80"', in
 * <buf> (PROM_LABELS_MAX bytes); "" for an object without labels.  Built
 * once per object and family, not per line.
 */
static void
prom_labels(char *buf, const struct metric_table *t,
    const struct snapshot *snap, uint32_t i)
{
	struct metric_value	 v;
	char			 num[24];
	size_t			 j, len, n = 0;

	buf[0] = '\0';
	for (j = 0; j < t->n; j++) {
		const struct metric	*m = &t->m[j];

		if (m->label == NULL)
			continue;
		len = strlen(m->label);
		if (n + len + 5 >= PROM_LABELS_MAX)
			break;
		metrics_read(t, m, snap, i, &v);
		if (m->kind != METRIC_WORD) {
			snprintf(num, sizeof(num), "%" PRIu64, v.u);
			v.s = num;
		}
		/* Copies, not a format: this runs for every family of
		   every backend. */
		if (n > 0)
			buf[n++] = ',';
		memcpy(buf + n, m->label, len);
		memcpy(buf + n + len, "=\"", 2);
		n = prom_escape(buf, n + len + 2, PROM_LABELS_MAX - 1, v.s,
		    SHM_NAME_MAX);
		buf[n++] = '"';
		buf[n] = '\0';
	}
}

/*
 * Writes "<name>{<labels>,<key>="<val>"} ", the braces left out when there
 * is no label at all; <key> may be NULL.
 */
static void
prom_start(FILE *out, const char *name, const char *labels, const char *key,
    const char *val)
{
	bool	has_labels = labels[0] != '\0';

	/* Pieces, not a format: /metrics writes this some 40 times a
	   backend, and parsing a format was most of its cost. */
	fputs(name, out);
	if (has_labels || key != NULL)
		fputc('{', out);
	fputs(labels, out);
	if (key != NULL) {
		if (has_labels)
			fputc(',', out);
		fputs(key, out);
		fputs("=\"", out);
		fputs(val, out);
		fputc('"', out);
	}
	fputs(has_labels || key != NULL ? "} " : " ", out);
}

/* <n> and a newline. */
static void
prom_u64(FILE *out, uint64_t n)
{
	char	buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	*--p = '\n';
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	fputs(p, out);
}

/* A real; "NaN" for none, as the format has it for an empty summary. */
static void
prom_real(FILE *out, double v, bool is_known)
{
	if (is_known)
		fprintf(out, "%.9g\n", v);
	else
		fputs("NaN\n", out);
}

/*
 * <us> microseconds as seconds in decimal, exactly and without trailing
 * zeros ("0.00005", "1.5", "3"): bucket bounds read as they are meant.
 */
static void
prom_seconds(char *buf, size_t len, uint64_t us)
{
	size_t	n;

	n = (size_t)snprintf(buf, len, "%" PRIu64 ".%06" PRIu64,
	    us / 1000000, us % 1000000);
	if (n >= len)
		n = len - 1;
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/*
 * Every PROM_LE_STEP-th bound of the segment's buckets is a histogram
 * bound: 50 us doubling up to 52.4 s, then +Inf.  Each bucket is a time
 * series to a scraper, and 84 a backend would weigh on it more than the
 * finer steps help; a subset of the bounds keeps every count exact.
 */
#define PROM_LE_STEP	4

/*
 * <hist> as a Prometheus histogram of family <name> for the object whose
 * labels are <labels>: cumulative _bucket lines (the last, +Inf, holds
 * every longer time too), then _sum (<sum_us>) and _count.
 */
static void
prom_histogram(FILE *out, const char *name, const char *labels,
    const uint64_t *hist, uint64_t sum_us)
{
	/* The bounds as text, written once per process. */
	static char	bounds[SHM_LAT_BUCKETS][24];
	char		series[160], le[32];
	uint64_t	n = 0;
	unsigned	k;

	if (bounds[0][0] == '\0') {
		for (k = 0; k + 1 < SHM_LAT_BUCKETS; k++)
			prom_seconds(bounds[k], sizeof(bounds[k]),
			    shm_latency_bound_us(k));
		snprintf(bounds[k], sizeof(bounds[k]), "+Inf");
	}
	snprintf(series, sizeof(series), "%s_bucket", name);
	for (k = 0; k < SHM_LAT_BUCKETS; k++) {
		n += hist[k];
		if (k % PROM_LE_STEP != 0 && k + 1 != SHM_LAT_BUCKETS)
			continue;
		prom_start(out, series, labels, "le", bounds[k]);
		prom_u64(out, n);
	}
	snprintf(series, sizeof(series), "%s_sum", name);
	prom_start(out, series, labels, NULL, NULL);
	prom_seconds(le, sizeof(le), sum_us);
	fprintf(out, "%s\n", le);
	snprintf(series, sizeof(series), "%s_count", name);
	prom_start(out, series, labels, NULL, NULL);
	prom_u64(out, n);
}

void
metrics_prom(FILE *out, const struct metric_table *t, const struct metric *m,
    const struct snapshot *snap, uint32_t i, enum metric_prom_form form)
{
	struct metric_value	 v;
	char			 count[160], labels[PROM_LABELS_MAX];
	uint64_t		 n;
	size_t			 k;

	if (m->prom_has != NULL && !m->prom_has(snap, i))
		return;
	metrics_read(t, m, snap, i, &v);
	prom_labels(labels, t, snap, i);
	switch (m->kind) {
	case METRIC_WORD:
		for (k = 0; m->words != NULL && m->words[k] != NULL; k++) {
			prom_start(out, m->prom, labels, m->word_label,
			    m->words[k]);
			fprintf(out, "%d\n", strcmp(v.s, m->words[k]) == 0);
		}
		break;
	case METRIC_CLASSES:
		for (k = 0; k < SHM_NCLASSES; k++) {
			prom_start(out, m->prom, labels, "class",
			    class_names[k]);
			prom_u64(out, v.arr[k]);
		}
		break;
	case METRIC_LATENCY:
		if (form == METRIC_PROM_HISTOGRAM) {
			prom_histogram(out, m->prom, labels, v.arr, v.u);
			break;
		}
		n = latency_count(v.arr);
		for (k = 0; k < NQUANTILES; k++) {
			prom_start(out, m->prom, labels, "quantile",
			    quantiles[k].prom);
			prom_real(out, shm_latency_percentile_ms(v.arr,
			    quantiles[k].pct) / 1000.0, n > 0);
		}
		snprintf(count, sizeof(count), "%s_count", m->prom);
		prom_start(out, count, labels, NULL, NULL);
		prom_u64(out, n);
		break;
	case METRIC_I64:
		/* Unix times and uptimes: never before 1970 in weir's own
		   segment, and written unsigned as they always were. */
		prom_start(out, m->prom, labels, NULL, NULL);
		prom_u64(out, (uint64_t)v.i);
		break;
	default:
		prom_start(out, m->prom, labels, NULL, NULL);
		if (m->prom_div != 0)
			prom_real(out, (double)v.u / (double)m->prom_div, true);
		else
			prom_u64(out, v.u);
		break;
	}
}
