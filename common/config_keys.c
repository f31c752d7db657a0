/*
 * The configuration keys, one row each: the unknown-key messages list a
 * table in its order, so a new key goes where it should be read.  Keys
 * with structure (addresses, arrays of objects, cross-references) name
 * their parse function here; everything else is checked, bounded,
 * defaulted and stored by the walk alone.
 */
#include "common/config_keys.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "common/config_ctx.h"
#include "common/config_pool.h"
#include "common/config_service.h"

/* The walk stores an enum through an int. */
_Static_assert(sizeof(enum balance) == sizeof(int), "enum balance");
_Static_assert(sizeof(enum when_all_down) == sizeof(int), "when_all_down");
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum log_level");
_Static_assert(sizeof(enum role) == sizeof(int), "enum role");

#define ANY	CONFIG_ROLE_ANY
#define PROXY	CONFIG_ROLE_PROXY
#define WEB	CONFIG_ROLE_WEB
#define STATS	CONFIG_ROLE_STATS

/* The fields of a row for member <f> of struct <S>, by type. */
#define AS_BOOL(S, f, d) \
	.type = CONFIG_BOOL, .offset = offsetof(struct S, f), .def = (d)
#define AS_UINT(S, f, lo, hi, d) \
	.type = CONFIG_UINT, .offset = offsetof(struct S, f), .min = (lo), \
	.max = (hi), .def = (d)
/* Its default is what the earlier key <key> of the table ended up as. */
#define AS_UINT_FROM(S, f, lo, hi, key) \
	.type = CONFIG_UINT, .offset = offsetof(struct S, f), .min = (lo), \
	.max = (hi), .def_key = (key)
#define AS_SIZE(S, f, lo, hi, d) \
	.type = CONFIG_SIZE, .offset = offsetof(struct S, f), .min = (lo), \
	.max = (hi), .def = (d)
#define AS_U64(S, f, lo, hi, d) \
	.type = CONFIG_U64, .offset = offsetof(struct S, f), .min = (lo), \
	.max = (hi), .def = (d)
#define AS_STRING(S, f, len, d) \
	.type = CONFIG_STRING, .offset = offsetof(struct S, f), \
	.max_len = (len), .def_str = (d)
#define AS_STRING_OR_NULL(S, f, len) \
	.type = CONFIG_STRING_OR_NULL, .offset = offsetof(struct S, f), \
	.max_len = (len)
#define AS_ENUM(S, f, list, d) \
	.type = CONFIG_ENUM, .offset = offsetof(struct S, f), \
	.names = (list), .def = (d)
#define AS_STRINGS(S, f, nf, most, len, d) \
	.type = CONFIG_STRINGS, .offset = offsetof(struct S, f), \
	.count_offset = offsetof(struct S, nf), .max = (most), \
	.max_len = (len), .def_list = (d)
#define AS_CUSTOM(fn) \
	.type = CONFIG_CUSTOM, .parse = (fn)

/* Indexed by enum balance. */
const char *const config_keys_balance_names[] = {
	"roundrobin", "random", "leastconn", "source", "uri", NULL
};

/* Indexed by enum when_all_down. */
static const char *const when_all_down_names[] = {
	"fail", "panic", NULL
};

/* Indexed by enum log_level. */
static const char *const level_names[] = {
	"error", "warn", "info", "debug", NULL
};

/* Indexed by enum role. */
static const char *const role_names[] = {
	"reverse_proxy", "web_server", "stats", "management", NULL
};

/* What "protocols" takes, and its default: all of them. */
static const char *const tls_protocol_names[] = {
	"TLSv1.2", "TLSv1.3", NULL
};

static const char *const index_default[] = {
	"index.html", NULL
};

/* access_log_format: a preset's name or a format, compiled now. */
static void
init_access_format(struct config_ctx *x, const struct config_key *k,
    void *conf)
{
	struct config	*cfg = conf;
	char		 why[512];

	if (log_format_parse(&cfg->access_log_format, k->def_str, why,
	    sizeof(why)) == -1)
		ctx_report(x, "the default format: %s", why);
}

static void
parse_access_format(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct config	*cfg = conf;
	char		 why[1024];

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > k->max_len ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		ctx_report(x, "expected \"weir\", \"combined\" or a format "
		    "with $fields, of at most %zu bytes", k->max_len);
		return;
	}
	if (log_format_parse(&cfg->access_log_format, json_string_value(v),
	    why, sizeof(why)) == -1)
		ctx_report(x, "%s", why);
}

/* The Upgrade protocols a reverse_proxy tunnels unless told otherwise. */
static const char *const upgrade_default[] = {
	"websocket", NULL
};

/* RFC 9110 7.8: protocol-name ["/" protocol-version], both tokens. */
static bool
is_protocol(const char *s)
{
	char		 name[PROTOCOL_MAX_LEN + 1];
	const char	*slash = strchr(s, '/');
	size_t		 n = slash != NULL ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(name))
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	return ctx_is_token(name) && (slash == NULL || ctx_is_token(slash + 1));
}

/* A request target or route prefix: it goes into request heads. */
static bool
is_path(const char *s)
{
	return s[0] == '/' && ctx_is_clean(s);
}

static const struct config_key backend_keys[] = {
	{ "address", ANY, AS_CUSTOM(config_pool_parse_address),
	    .missing = "expected \"host:port\"" },
	{ "weight", ANY, AS_UINT(backend_conf, weight, 1, 256, 1) },
	{ "max_conns", ANY, AS_UINT(backend_conf, max_conns, 0, 1000000, 0) },
	{ "backup", ANY, AS_BOOL(backend_conf, is_backup, false) },
	{ .name = NULL }
};

static const struct config_key health_keys[] = {
	{ "path", ANY, AS_STRING(health_conf, path, HEALTH_PATH_MAX_LEN, "/"),
	    .is_valid = is_path,
	    .invalid = "expected a path starting with \"/\", without spaces" },
	{ "host", ANY, AS_STRING(health_conf, host, HOST_MAX_LEN, "localhost"),
	    .is_valid = ctx_is_clean,
	    .invalid = "expected a host name without spaces" },
	{ "interval_ms", ANY,
	    AS_UINT(health_conf, interval_ms, 100, 3600000, 2000) },
	{ "timeout_ms", ANY,
	    AS_UINT(health_conf, timeout_ms, 10, 3600000, 1000) },
	{ "rise", ANY, AS_UINT(health_conf, rise, 1, 100, 2) },
	{ "fall", ANY, AS_UINT(health_conf, fall, 1, 100, 3) },
	/*
	 * HAProxy's "option httpchk" without "http-check expect": "responses
	 * 2xx and 3xx are considered valid, while all other ones indicate a
	 * server failure".  A redirect to a login page is a live server.
	 */
	{ "expect", ANY, AS_CUSTOM(config_pool_parse_expect),
	    .init = config_pool_init_expect, .max = 64,
	    .def = 1u << 2 | 1u << 3 },
	{ .name = NULL }
};

static const struct config_key pool_keys[] = {
	{ "balance", ANY, AS_ENUM(pool_conf, balance,
	    config_keys_balance_names, BALANCE_ROUNDROBIN) },
	/* Before "backends": the pool takes one or the other. */
	{ "nodefile", ANY, AS_CUSTOM(config_pool_parse_nodefile),
	    .max_len = STRING_MAX_LEN },
	{ "backends", ANY, AS_CUSTOM(config_pool_parse_backends),
	    .sub = backend_keys, .max = 1000000 },
	{ "persist", ANY, AS_BOOL(pool_conf, persist, true) },
	{ "verify", ANY, AS_BOOL(pool_conf, verify, false) },
	{ "connect_timeout_ms", ANY,
	    AS_UINT(pool_conf, connect_timeout_ms, 1, 3600000, 3000) },
	{ "response_timeout_ms", ANY,
	    AS_UINT(pool_conf, response_timeout_ms, 1, 86400000, 60000) },
	{ "retries", ANY, AS_UINT(pool_conf, retries, 0, 16, 2) },
	{ "max_idle", ANY, AS_UINT(pool_conf, max_idle, 0, 10000, 32) },
	{ "slowstart_ms", ANY,
	    AS_UINT(pool_conf, slowstart_ms, 0, 3600000, 0) },
	{ "queue_timeout_ms", ANY, AS_UINT_FROM(pool_conf, queue_timeout_ms,
	    1, 3600000, "connect_timeout_ms") },
	{ "tls", ANY, AS_BOOL(pool_conf, tls, false) },
	{ "tls_ca_file", ANY,
	    AS_STRING(pool_conf, tls_ca_file, STRING_MAX_LEN, NULL) },
	{ "tls_verify", ANY, AS_BOOL(pool_conf, tls_verify, true) },
	{ "tls_server_name", ANY,
	    AS_STRING(pool_conf, tls_server_name, HOST_MAX_LEN, NULL) },
	{ "health", ANY, AS_CUSTOM(config_pool_parse_health),
	    .init = config_pool_init_health,
	    .offset = offsetof(struct pool_conf, health), .sub = health_keys },
	{ "when_all_down", ANY, AS_ENUM(pool_conf, when_all_down,
	    when_all_down_names, WHEN_ALL_DOWN_FAIL) },
	{ "spare_backends", ANY,
	    AS_UINT(pool_conf, spare_backends, 0, 10000, 16) },
	{ .name = NULL }
};

/* "pool" and "service": exactly one, so the route's parser reads both. */
static const struct config_key route_keys[] = {
	{ "host", ANY, AS_CUSTOM(config_service_parse_route_host),
	    .max_len = HOST_MAX_LEN },
	{ "path", ANY, AS_STRING(route_conf, path, ROUTE_PATH_MAX_LEN, NULL),
	    .is_valid = is_path, .invalid = "expected a path prefix starting "
	    "with \"/\", without spaces" },
	{ "pool", ANY, AS_CUSTOM(NULL) },
	{ "service", ANY, AS_CUSTOM(NULL) },
	{ .name = NULL }
};

static const struct config_key certificate_keys[] = {
	{ "cert", ANY,
	    AS_STRING(tls_cert_conf, cert, STRING_MAX_LEN, NULL),
	    .missing = "expected the path of a PEM certificate chain" },
	{ "key", ANY, AS_STRING(tls_cert_conf, key, STRING_MAX_LEN, NULL),
	    .missing = "expected the path of a PEM private key" },
	{ "ocsp", ANY,
	    AS_STRING(tls_cert_conf, ocsp, STRING_MAX_LEN, NULL) },
	{ .name = NULL }
};

static const struct config_key tls_keys[] = {
	{ "certificates", ANY, AS_CUSTOM(config_service_parse_certificates),
	    .sub = certificate_keys, .max = 1000,
	    .missing = "expected a non-empty array of {\"cert\", \"key\"}" },
	{ "protocols", ANY, AS_STRINGS(tls_conf, protocols, nprotocols, 8,
	    FILE_NAME_MAX_LEN, tls_protocol_names),
	    .names = tls_protocol_names, .is_nonempty = true,
	    .what = "one of: TLSv1.2, TLSv1.3" },
	{ "ciphers", ANY, AS_STRING(tls_conf, ciphers, STRING_MAX_LEN, NULL) },
	{ "session_tickets", ANY, AS_BOOL(tls_conf, session_tickets, true) },
	{ "hsts_max_age", ANY,
	    AS_UINT(tls_conf, hsts_max_age, 0, UINT_MAX, 0) },
	{ .name = NULL }
};

static const struct config_key service_keys[] = {
	{ "role", ANY, AS_ENUM(service_conf, role, role_names,
	    ROLE_REVERSE_PROXY) },
	/* Required but in a web_server a route reaches: config_service.c. */
	{ "listen", ANY, AS_CUSTOM(config_service_parse_listen), .max = 64 },
	{ "pool", PROXY, AS_CUSTOM(config_service_parse_pool),
	    .offset = offsetof(struct service_conf, pool) },
	{ "routes", PROXY, AS_CUSTOM(config_service_parse_routes),
	    .sub = route_keys, .max = 10000 },
	{ "persist_client", ANY, AS_BOOL(service_conf, persist_client, true) },
	{ "client_idle_timeout_ms", ANY, AS_UINT(service_conf,
	    client_idle_timeout_ms, 1, 86400000, 30000) },
	{ "request_header_timeout_ms", ANY, AS_UINT(service_conf,
	    request_header_timeout_ms, 1, 3600000, 10000) },
	{ "max_header_bytes", ANY, AS_SIZE(service_conf, max_header_bytes,
	    1024, 1048576, 32768) },
	{ "max_body_bytes", ANY,
	    AS_U64(service_conf, max_body_bytes, 0, LLONG_MAX, 0) },
	{ "trusted_proxies", PROXY, AS_CUSTOM(config_service_parse_trusted),
	    .max = 10000 },
	{ "via", PROXY, AS_CUSTOM(config_service_parse_via),
	    .init = config_service_init_via, .max_len = VIA_MAX_LEN,
	    .def_str = "weir" },
	{ "request_id", ANY, AS_BOOL(service_conf, request_id, true) },
	{ "client_body_timeout_ms", PROXY, AS_UINT(service_conf,
	    client_body_timeout_ms, 1, 3600000, 30000) },
	{ "client_body_min_rate", PROXY, AS_UINT(service_conf,
	    client_body_min_rate, 0, 1073741824, 500) },
	{ "tls", ANY, AS_CUSTOM(config_service_parse_tls), .sub = tls_keys },
	{ "docroot", WEB,
	    AS_STRING(service_conf, docroot, STRING_MAX_LEN, NULL),
	    .missing = "expected the directory a web_server serves" },
	{ "index", WEB, AS_STRINGS(service_conf, index_files, nindex_files,
	    16, FILE_NAME_MAX_LEN, index_default), .what = "a file name" },
	{ "dirindex", WEB, AS_BOOL(service_conf, dirindex, false) },
	{ "follow_symlinks", WEB,
	    AS_BOOL(service_conf, follow_symlinks, false) },
	{ "redirect_https", ANY, AS_BOOL(service_conf, redirect_https, false) },
	{ "upgrade", PROXY, AS_STRINGS(service_conf, upgrade, nupgrade,
	    CONFIG_UPGRADE_MAX, PROTOCOL_MAX_LEN, upgrade_default),
	    .is_valid = is_protocol, .what = "a protocol token",
	    .invalid = "expected a protocol token like \"websocket\" or "
	    "\"name/version\"" },
	{ "tunnel_idle_timeout_ms", PROXY, AS_UINT(service_conf,
	    tunnel_idle_timeout_ms, 1, 86400000, 3600000) },
	{ "http2", ANY, AS_BOOL(service_conf, http2, true) },
	{ "h2c", ANY, AS_BOOL(service_conf, h2c, false) },
	{ "max_concurrent_streams", ANY, AS_UINT(service_conf,
	    max_concurrent_streams, 1, 1024, 128) },
	{ "h2_max_frame_bytes", ANY, AS_UINT(service_conf, h2_max_frame_bytes,
	    16384, 16777215, 16384) },
	{ "h2_max_resets_per_s", ANY, AS_UINT(service_conf,
	    h2_max_resets_per_s, 1, 1000000, 200) },
	{ "h2_max_control_frames_per_s", ANY, AS_UINT(service_conf,
	    h2_max_control_frames_per_s, 1, 1000000, 500) },
	{ "allow", STATS, AS_CUSTOM(config_service_parse_allow),
	    .init = config_service_init_allow, .max = 10000 },
	{ .name = NULL }
};

/*
 * A management service's keys (its role's defaults come from
 * service_keys): listen and allow mean what they mean for the others.
 */
const struct config_key config_keys_console[] = {
	{ "role", ANY, AS_ENUM(service_conf, role, role_names,
	    ROLE_REVERSE_PROXY) },
	{ "listen", ANY, AS_CUSTOM(config_service_parse_listen), .max = 64 },
	{ "allow", ANY, AS_CUSTOM(config_service_parse_allow),
	    .init = config_service_init_allow, .max = 10000 },
	{ .name = NULL }
};

/* pidfile's default, state_dir/weir.pid, is set once state_dir is known. */
const struct config_key config_keys_top[] = {
	{ "user", ANY, AS_STRING(config, user, USER_MAX_LEN, NULL) },
	{ "group", ANY, AS_STRING(config, group, USER_MAX_LEN, NULL) },
	{ "workers", ANY, AS_UINT(config, workers, 0, 256, 0) },
	{ "max_connections", ANY,
	    AS_UINT(config, max_connections, 16, 1000000, 4096) },
	{ "shutdown_timeout_ms", ANY,
	    AS_UINT(config, shutdown_timeout_ms, 0, 3600000, 30000) },
	{ "state_dir", ANY,
	    AS_STRING(config, state_dir, STRING_MAX_LEN, "/run/weir") },
	{ "pidfile", ANY, AS_STRING(config, pidfile, STRING_MAX_LEN, NULL) },
	{ "control_group", ANY,
	    AS_STRING(config, control_group, USER_MAX_LEN, NULL) },
	{ "error_log", ANY,
	    AS_STRING_OR_NULL(config, error_log, STRING_MAX_LEN) },
	{ "access_log", ANY,
	    AS_STRING_OR_NULL(config, access_log, STRING_MAX_LEN) },
	{ "access_log_format", ANY, AS_CUSTOM(parse_access_format),
	    .init = init_access_format, .def_str = "weir",
	    .max_len = LOG_FORMAT_MAX_LEN - 1 },
	{ "log_level", ANY,
	    AS_ENUM(config, log_level, level_names, LOG_LVL_INFO) },
	{ "pools", ANY, AS_CUSTOM(config_pool_parse_pools), .sub = pool_keys },
	{ "services", ANY, AS_CUSTOM(config_service_parse_services),
	    .sub = service_keys,
	    .missing = "expected an object of services by name, at least one" },
	/* Read and merged before the walk (common/config_source.c). */
	{ "include", ANY, AS_CUSTOM(NULL) },
	{ .name = NULL }
};

const struct config_section config_sections[] = {
	{ "top", config_keys_top },
	{ "pool", pool_keys },
	{ "backend", backend_keys },
	{ "health", health_keys },
	{ "service", service_keys },
	{ "route", route_keys },
	{ "tls", tls_keys },
	{ "certificate", certificate_keys },
	{ NULL, NULL }
};
