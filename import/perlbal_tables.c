/*
 * The rows below follow Perlbal 1.80: Perlbal/Service.pm's $tunables in
 * its order (role names, check_role, check_type, default), then the
 * tunables its plugins add on LOAD, then the plugins and the SERVER
 * options of Perlbal.pm.  "instead" says in a few words what weir does,
 * for the warning a tunable without an equivalent earns.
 */
#include "import/perlbal_tables.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define RP	"reverse_proxy"
#define WEB	"web_server"
#define SEL	"selector"

#define STR	PERLBAL_T_STRING
#define BOOL	PERLBAL_T_BOOL
#define INT	PERLBAL_T_INT
#define SIZE	PERLBAL_T_SIZE

/* No equivalent: the value weir matches, and what it does instead. */
#define NONE(s, i) \
	.map = PERLBAL_MAP_NONE, .same = (s), .instead = (i)
#define READ	.map = PERLBAL_MAP_READ
#define SERVICE(k) \
	.map = PERLBAL_MAP_SERVICE, .weir = (k)
#define POOL(k) \
	.map = PERLBAL_MAP_POOL, .weir = (k)
#define SECONDS(k) \
	.map = PERLBAL_MAP_SECONDS, .weir = (k)

#define NO_REPROXY	"weir does not act on X-REPROXY headers"
#define NO_PUT		"weir's web_server answers GET and HEAD only"
#define NO_SPOOL	"weir streams request bodies to the backend in " \
			"bounded memory, never to disk"
#define NO_PRIORITY	"weir queues requests in arrival order " \
			"(max_conns, queue_timeout_ms)"

const struct perlbal_tunable perlbal_tunables[] = {
	{ "role", "*", PERLBAL_T_ROLE, NULL, NULL, READ },
	{ "listen", "*", PERLBAL_T_LISTEN, NULL, NULL, READ },
	{ "backend_persist_cache", RP, INT, "2", NULL,
	    NONE(NULL, "weir keeps up to max_idle idle connections per "
	    "backend and worker") },
	{ "persist_client", "*", BOOL, "0", NULL,
	    SERVICE("persist_client"), .is_always = true },
	{ "persist_backend", RP, BOOL, "0", NULL, POOL("persist"),
	    .is_always = true },
	{ "verify_backend", RP, BOOL, "0", NULL, POOL("verify") },
	{ "verify_backend_path", RP, STR, "*", NULL,
	    NONE("*", "weir's verify sends \"OPTIONS *\"") },
	/* No check_type: Perlbal takes any value here. */
	{ "max_backend_uses", RP, STR, "0", NULL,
	    NONE("0", "weir reuses a backend connection until the backend "
	    "closes it") },
	{ "max_put_size", WEB, SIZE, "0", NULL, NONE("*", NO_PUT) },
	{ "max_chunked_request_size", "*", SIZE, "209715200", NULL,
	    NONE(NULL, "weir streams chunked request bodies, limited by "
	    "max_body_bytes only") },
	{ "buffer_size", RP, SIZE, "262144", NULL,
	    NONE(NULL, "weir's buffers per connection are fixed") },
	{ "buffer_size_reproxy_url", RP, SIZE, "51200", NULL,
	    NONE("*", NO_REPROXY) },
	{ "queue_relief_size", RP, INT, "0", NULL, NONE("0", NO_PRIORITY) },
	{ "queue_relief_chance", RP, PERLBAL_T_PERCENT, "0", NULL,
	    NONE("*", NO_PRIORITY) },
	{ "buffer_backend_connect", RP, SIZE, "102400", NULL,
	    NONE("0", "weir connects to a backend as soon as a request head "
	    "has arrived") },
	{ "docroot", WEB, STR, NULL, NULL, READ },
	{ "enable_put", WEB, BOOL, "0", NULL, NONE("0", NO_PUT) },
	{ "enable_md5", WEB, BOOL, "1", NULL, NONE("*", NO_PUT) },
	{ "enable_delete", WEB, BOOL, "0", NULL, NONE("0", NO_PUT) },
	{ "enable_reproxy", RP, BOOL, "0", NULL, NONE("0", NO_REPROXY) },
	{ "reproxy_cache_maxsize", RP, INT, "0", NULL, NONE("*", NO_REPROXY) },
	{ "upload_status_listeners", RP, PERLBAL_T_IPPORTS, "", NULL,
	    NONE("", "weir sends no upload progress packets") },
	{ "min_put_directory", WEB, INT, "0", NULL, NONE("*", NO_PUT) },
	{ "dirindexing", WEB, BOOL, "0", NULL, SERVICE("dirindex") },
	{ "enable_concatenate_get", WEB, BOOL, "0", NULL,
	    NONE("0", "weir serves one file per request") },
	{ "connect_ahead", RP, INT, "0", NULL,
	    NONE("0", "weir connects when a request comes, and keeps idle "
	    "connections for the next (max_idle)") },
	{ "always_trusted", "*", BOOL, "0", NULL, READ },
	{ "blind_proxy", RP, BOOL, "0", NULL,
	    NONE("0", "weir always sets X-Forwarded-For") },
	{ "high_priority_cookie", RP, STR, NULL, NULL,
	    NONE(NULL, NO_PRIORITY) },
	{ "high_priority_cookie_contents", RP, STR, NULL, NULL,
	    NONE(NULL, NO_PRIORITY) },
	{ "trusted_upstream_proxies", "*", PERLBAL_T_NETMASKS, NULL, NULL,
	    READ },
	{ "index_files", WEB, STR, "index.html", NULL, READ },
	{ "default_service", SEL, PERLBAL_T_SERVICE, NULL, NULL, READ },
	{ "pool", RP, PERLBAL_T_POOL, NULL, NULL, READ },
	{ "server_process", RP, STR, NULL, NULL,
	    NONE(NULL, "weir proxies only to backends on the network") },
	/* Sets both of the next two. */
	{ "persist_client_timeout", "*", INT, NULL, NULL, READ },
	{ "persist_client_idle_timeout", "*", INT, "30", NULL,
	    SECONDS("client_idle_timeout_ms") },
	{ "idle_timeout", "*", INT, "30", NULL,
	    NONE(NULL, "weir bounds those waits with request_header_timeout_ms, "
	    "client_body_timeout_ms and a pool's response_timeout_ms") },
	{ "buffer_uploads_path", RP, STR, NULL, NULL, NONE("*", NO_SPOOL) },
	{ "buffer_uploads", RP, BOOL, "0", NULL, NONE("0", NO_SPOOL) },
	{ "buffer_upload_threshold_time", RP, INT, "5", NULL,
	    NONE("*", NO_SPOOL) },
	{ "buffer_upload_threshold_size", RP, SIZE, "256000", NULL,
	    NONE("*", NO_SPOOL) },
	{ "buffer_upload_threshold_rate", RP, INT, "0", NULL,
	    NONE("*", NO_SPOOL) },
	{ "latency", SEL, INT, "0", NULL,
	    NONE("0", "weir adds no delay") },
	{ "enable_ssl", "*", BOOL, "0", NULL, READ },
	{ "ssl_key_file", "*", STR, "certs/server-key.pem", NULL, READ },
	{ "ssl_cert_file", "*", STR, "certs/server-cert.pem", NULL, READ },
	{ "ssl_cipher_list", "*", STR, "ALL:!LOW:!EXP", NULL, READ },
	{ "ssl_ca_path", "*", STR, NULL, NULL,
	    NONE("*", "weir does not ask clients for certificates") },
	{ "ssl_verify_mode", "*", INT, "0", NULL,
	    NONE("0", "weir does not ask clients for certificates") },
	{ "enable_error_retries", RP, BOOL, "0", NULL,
	    NONE("0", "weir retries a request only when none of it reached "
	    "a backend") },
	{ "error_retry_schedule", RP, STR, "0,.25,.50,1,1,1,1,1", NULL,
	    NONE("*", "weir does not retry after a 500") },
	{ "client_sndbuf_size", "*", SIZE, "0", NULL,
	    NONE("0", "weir keeps the kernel's socket buffer sizes") },
	{ "server_tokens", "*", BOOL, "1", NULL,
	    NONE("0", "weir sends no Server field of its own; it names "
	    "itself in Via (\"via\")") },

	/* Perlbal/Plugin/MaxContentLength.pm: a 413 over the limit. */
	{ "max_content_length", "*", INT, "0", "MaxContentLength", READ },
	/* Perlbal/Plugin/XFFExtras.pm */
	{ "send_backend_port", RP, BOOL, "0", "XFFExtras",
	    NONE("0", "weir sends X-Forwarded-Proto, not X-Forwarded-Port") },
	{ "send_backend_proto", RP, BOOL, "0", "XFFExtras",
	    NONE("1", "weir always sends X-Forwarded-Proto") },
	/* Perlbal/Plugin/LazyCDN.pm */
	{ "fallback_service", WEB, STR, NULL, "LazyCDN",
	    NONE(NULL, "weir's web_server falls back to no other service") },
	{ "fallback_udp_ping_addr", WEB, PERLBAL_T_IPPORT, NULL, "LazyCDN",
	    NONE(NULL, "weir sends no UDP pings") },
	/* Perlbal/Plugin/EchoService.pm */
	{ "echo_delay", "echo", INT, "0", "EchoService",
	    NONE(NULL, "weir has no echo role") },
	/* Perlbal/Plugin/Throttle.pm */
#define THROTTLE(name, type, def) \
	{ name, "*", type, def, "Throttle", \
	    NONE(NULL, "weir does not throttle clients") }
	THROTTLE("whitelist_file", STR, NULL),
	THROTTLE("blacklist_file", STR, NULL),
	{ "default_action", "*", PERLBAL_T_ENUM, "throttle", "Throttle",
	    NONE(NULL, "weir does not throttle clients"),
	    .words = "allow throttle" },
	{ "blacklist_action", "*", PERLBAL_T_ENUM, "deny", "Throttle",
	    NONE(NULL, "weir does not throttle clients"),
	    .words = "deny throttle" },
	THROTTLE("path_regex", STR, NULL),
	THROTTLE("method_regex", STR, NULL),
	THROTTLE("log_events", STR, "all"),
	THROTTLE("log_only", BOOL, "0"),
	THROTTLE("throttle_threshold_seconds", INT, "60"),
	THROTTLE("initial_delay", INT, "3"),
	THROTTLE("max_delay", INT, "300"),
	THROTTLE("max_concurrent", INT, "2"),
	THROTTLE("ban_threshold", INT, "0"),
	THROTTLE("ban_expiration", INT, "60"),
	THROTTLE("memcached_servers", STR, NULL),
	THROTTLE("memcached_async_clients", INT, "10"),
	THROTTLE("instance_name", STR, "Throttle"),
#undef THROTTLE
	{ .name = NULL }
};

const struct perlbal_tunable *
perlbal_tunable_any(const char *name)
{
	const struct perlbal_tunable	*t;

	for (t = perlbal_tunables; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static bool
is_loaded(const char *plugin, const char *const *loaded)
{
	for (; *loaded != NULL; loaded++)
		if (strcmp(*loaded, plugin) == 0)
			return true;
	return false;
}

/* Names are unique across Perlbal's tunables and its plugins'. */
const struct perlbal_tunable *
perlbal_tunable_find(const char *name, const char *const *loaded)
{
	const struct perlbal_tunable	*t = perlbal_tunable_any(name);

	if (t != NULL && t->plugin != NULL && !is_loaded(t->plugin, loaded))
		return NULL;
	return t;
}

#define P_NONE		PERLBAL_PLUGIN_NONE
#define P_SELECTOR	PERLBAL_PLUGIN_SELECTOR
#define P_TUNABLES	PERLBAL_PLUGIN_TUNABLES
#define P_GLOBAL	PERLBAL_PLUGIN_GLOBAL

const struct perlbal_plugin perlbal_plugins[] = {
	{ "AccessControl", P_NONE, "access", NULL,
	    "allows or denies clients by address" },
	{ "AutoRemoveLeadingDir", P_NONE, NULL, NULL,
	    "strips the first directory of request paths" },
	{ "Cgilike", P_NONE, "perlhandler", NULL,
	    "runs Perl handlers in Perlbal" },
	{ "EchoService", P_NONE, NULL, "echo", "echoes what clients send" },
	{ "FlvStreaming", P_NONE, NULL, NULL, "seeks in FLV files" },
	{ "Highpri", P_NONE, "patterns", NULL,
	    "puts some requests first in line" },
	{ "Include", P_GLOBAL, "include", NULL, "reads more files" },
	{ "LazyCDN", P_NONE, NULL, NULL,
	    "fetches missing files from another service" },
	{ "MaxContentLength", P_TUNABLES, NULL, NULL,
	    "answers 413 to a larger Content-Length" },
	{ "NotModified", P_NONE, NULL, NULL,
	    "answers 304 to any If-Modified-Since" },
	{ "Palimg", P_NONE, NULL, NULL, "rewrites palette images" },
	{ "Queues", P_NONE, NULL, NULL, "reports queue ages" },
	{ "Redirect", P_NONE, "redirect", NULL, "redirects hosts" },
	{ "Stats", P_NONE, "stats", NULL, "keeps request statistics" },
	{ "Throttle", P_NONE, "throttle", NULL, "throttles clients" },
	{ "Vhosts", P_SELECTOR, "vhost", NULL, "chooses a service by Host" },
	{ "Vpaths", P_SELECTOR, "vpath", NULL, "chooses a service by path" },
	{ "XFFExtras", P_TUNABLES, NULL, NULL,
	    "sends X-Forwarded-Port and -Proto" },
	{ .name = NULL }
};

/*
 * Perl's "use Perlbal::Plugin::$name" on a case-sensitive file system:
 * the word must be one of the spellings MANAGE_load tries.
 */
const struct perlbal_plugin *
perlbal_plugin_load(const char *word)
{
	const struct perlbal_plugin	*p;
	const char			*w;
	size_t				 i;
	bool				 is_lower, is_capital;

	for (p = perlbal_plugins; p->name != NULL; p++) {
		if (strcmp(p->name, word) == 0)
			return p;
		if (strcasecmp(p->name, word) != 0)
			continue;
		is_lower = is_capital = true;
		for (i = 0, w = p->name; w[i] != '\0'; i++) {
			if (w[i] >= 'A' && w[i] <= 'Z') {
				is_lower = false;
				if (i > 0)
					is_capital = false;
			}
		}
		if (is_lower || is_capital)
			return p;
	}
	return NULL;
}

const struct perlbal_plugin *
perlbal_plugin_find(const char *name)
{
	const struct perlbal_plugin	*p;

	for (p = perlbal_plugins; p->name != NULL; p++)
		if (strcasecmp(p->name, name) == 0)
			return p;
	return NULL;
}

const struct perlbal_server_option perlbal_server_options[] = {
	{ "max_reproxy_connections", true, NULL, NO_REPROXY },
	{ "max_connections", true, NULL,
	    "it sets Perlbal's descriptor limit; weir's max_connections is a "
	    "limit per worker" },
	{ "nice_level", true, NULL, "start weir under nice(1) instead" },
	{ "aio_mode", false, NULL, "weir sends files with sendfile" },
	{ "aio_threads", true, NULL, "weir sends files with sendfile" },
	{ "track_obj", false, NULL, "a Perlbal debugging aid" },
	{ "pidfile", false, "pidfile", NULL },
	{ "crash_backtrace", false, NULL, "a Perlbal debugging aid" },
	{ .name = NULL }
};
