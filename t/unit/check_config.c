/*
 * common/config.c: a valid file loads with the right values and defaults;
 * every kind of bad file is refused with "FILE:LINE:COL: path: expected",
 * the position on the offending value (or key), all problems in one pass.
 * Also the JSON position locator it relies on (common/json_pos.c).
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/json_pos.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Bad configs are built so that the offending text starts line 4:
 *   POOL_OPEN  lines 1-3; line 4 holds the members of pool "p"
 *   SVC_OPEN   lines 1-3; line 4 holds the members of service "s"
 *   TOP_OPEN   lines 1-3; line 4 holds more top-level members
 * so a column is the offset within the case's own text, plus one.
 */
#define POOLS_LINE \
	"\"pools\": {\"p\": {\"backends\": [\"127.0.0.1:8080\"]}, " \
	"\"q\": {\"backends\": [\"127.0.0.1:8081\"]}},\n"
#define SVCS_LINE \
	"\"services\": {\"s\": {\"listen\": \"127.0.0.1:80\", \"pool\": \"p\"}}"
#define TOP_OPEN	"{\n" POOLS_LINE SVCS_LINE ",\n"
#define POOL_OPEN	"{\n" SVCS_LINE ",\n\"pools\": {\"p\": {\n"
#define SVC_OPEN	"{\n" POOLS_LINE "\"services\": {\"s\": {\n"
/* Tails that close what the OPENs leave open. */
#define BK		", \"backends\": [\"127.0.0.1:8080\"]}}}"
#define LS		", \"listen\": \"127.0.0.1:80\"}}}"
#define PL		", \"listen\": \"127.0.0.1:80\", \"pool\": \"p\"}}}"
#define WEB		"\"role\": \"web_server\", \"docroot\": \"/srv\", "
#define CERT \
	"\"certificates\": [{\"cert\": \"/c\", \"key\": \"/k\"}]"

static const struct bad_case {
	const char	*name;
	const char	*json;
	const char	*expect;	/* a substring of the error output */
} bad_cases[] = {
	/* top level */
	{ "rejects_unknown_top_key_at_the_key",
	    TOP_OPEN "\"wokers\": 1\n}",
	    "t.json:4:1: wokers: unknown key; expected one of: user, group, "
	    "workers, max_connections," },
	{ "rejects_unknown_access_log_format",
	    TOP_OPEN "\"access_log_format\": \"common\"\n}",
	    "t.json:4:22: access_log_format: expected \"weir\", \"combined\" "
	    "or a format with $fields" },
	{ "rejects_access_log_format_unknown_field",
	    TOP_OPEN "\"access_log_format\": \"$client $stauts\"\n}",
	    "t.json:4:22: access_log_format: unknown field \"$stauts\" at "
	    "character 9; expected one of: client, time, time_iso, request," },
	{ "rejects_access_log_format_lone_dollar",
	    TOP_OPEN "\"access_log_format\": \"$status costs $ 5\"\n}",
	    "t.json:4:22: access_log_format: \"$\" at character 15 is not "
	    "followed by a field name (\"$$\" writes a \"$\")" },
	{ "rejects_access_log_format_unclosed_brace",
	    TOP_OPEN "\"access_log_format\": \"${status\"\n}",
	    "t.json:4:22: access_log_format: \"${\" at character 1 has no "
	    "closing \"}\"" },
	{ "rejects_access_log_format_newline",
	    TOP_OPEN "\"access_log_format\": \"$status\\n$bytes\"\n}",
	    "t.json:4:22: access_log_format: a control character at character "
	    "8: each request's line must stay one line" },
	{ "rejects_access_log_format_not_a_string",
	    TOP_OPEN "\"access_log_format\": 2\n}",
	    "t.json:4:22: access_log_format: expected \"weir\", \"combined\" "
	    "or a format with $fields, of at most 1023 bytes" },
	{ "rejects_workers_out_of_range",
	    TOP_OPEN "\"workers\": 257\n}",
	    "t.json:4:12: workers: expected an integer from 0 to 256" },
	{ "rejects_real_where_integer_expected",
	    TOP_OPEN "\"workers\": 2.0\n}",
	    "t.json:4:12: workers: expected an integer from 0 to 256" },
	{ "rejects_string_where_integer_expected",
	    TOP_OPEN "\"max_connections\": \"4096\"\n}",
	    "t.json:4:20: max_connections: expected an integer from 16 to "
	    "1000000" },
	{ "rejects_max_connections_below_16",
	    TOP_OPEN "\"max_connections\": 15\n}",
	    "t.json:4:20: max_connections: expected an integer from 16 to " },
	{ "rejects_negative_shutdown_timeout",
	    TOP_OPEN "\"shutdown_timeout_ms\": -1\n}",
	    "t.json:4:24: shutdown_timeout_ms: expected an integer from 0 to "
	    "3600000" },
	{ "rejects_unknown_log_level",
	    TOP_OPEN "\"log_level\": \"verbose\"\n}",
	    "t.json:4:14: log_level: expected one of: error, warn, info, "
	    "debug" },
	{ "rejects_number_for_user",
	    TOP_OPEN "\"user\": 33\n}",
	    "t.json:4:9: user: expected a non-empty string" },
	{ "rejects_empty_state_dir",
	    TOP_OPEN "\"state_dir\": \"\"\n}",
	    "t.json:4:14: state_dir: expected a non-empty string" },
	{ "rejects_number_for_error_log",
	    TOP_OPEN "\"error_log\": 1\n}",
	    "t.json:4:14: error_log: expected a non-empty string or null" },
	{ "rejects_pools_that_are_not_an_object",
	    "{\n\"pools\": [],\n" SVCS_LINE "}",
	    "t.json:2:10: pools: expected an object of pools by name" },
	{ "rejects_missing_services",
	    "{\n\"workers\": 1\n}",
	    "t.json:1:1: services: missing; expected an object of services "
	    "by name, at least one" },
	{ "rejects_empty_services",
	    "{\n\"services\": {}\n}",
	    "t.json:2:13: services: expected an object of services by name, "
	    "at least one" },
	{ "rejects_array_at_top_level",
	    "[]",
	    "t.json:1:1: (top level): expected an object" },

	/* the management console */
	{ "rejects_a_proxy_key_on_a_console",
	    SVC_OPEN "\"role\": \"management\", \"pool\": \"p\"" LS,
	    "t.json:4:23: services.s.pool: unknown key; expected one of: "
	    "role, listen, allow" },
	{ "rejects_a_console_without_listen",
	    SVC_OPEN "\"role\": \"management\"}}}",
	    "services.s.listen: missing; expected" },
	/* node files */
	{ "rejects_backends_and_nodefile_together",
	    POOL_OPEN "\"nodefile\": \"/dev/null\"" BK,
	    "t.json:3:16: pools.p: expected \"backends\" or \"nodefile\", "
	    "not both" },
	{ "rejects_a_missing_nodefile",
	    POOL_OPEN "\"nodefile\": \"/nonexistent/nodes\"}}}",
	    "t.json:4:13: pools.p.nodefile: /nonexistent/nodes: No such file or "
	    "directory" },
	{ "rejects_a_pool_without_backends_or_nodefile",
	    POOL_OPEN "\"balance\": \"random\"}}}",
	    "pools.p.backends: missing; expected a non-empty array of "
	    "\"host:port\" or backend objects, or a \"nodefile\"" },

	/* pools */
	{ "rejects_unknown_balance",
	    POOL_OPEN "\"balance\": \"weighted\"" BK,
	    "t.json:4:12: pools.p.balance: expected one of: roundrobin, "
	    "random, leastconn, source, uri" },
	{ "rejects_unknown_pool_key",
	    POOL_OPEN "\"retry\": 1" BK,
	    "t.json:4:1: pools.p.retry: unknown key; expected one of: "
	    "balance, nodefile, backends, persist, verify, connect_timeout_ms, "
	    "response_timeout_ms, retries, max_idle, slowstart_ms, "
	    "queue_timeout_ms, tls, tls_ca_file, tls_verify, tls_server_name, "
	    "health, when_all_down" },
	{ "rejects_retries_over_16",
	    POOL_OPEN "\"retries\": 17" BK,
	    "t.json:4:12: pools.p.retries: expected an integer from 0 to 16" },
	{ "rejects_zero_connect_timeout",
	    POOL_OPEN "\"connect_timeout_ms\": 0" BK,
	    "t.json:4:23: pools.p.connect_timeout_ms: expected an integer "
	    "from 1 to 3600000" },
	{ "rejects_response_timeout_over_a_day",
	    POOL_OPEN "\"response_timeout_ms\": 86400001" BK,
	    "t.json:4:24: pools.p.response_timeout_ms: expected an integer "
	    "from 1 to 86400000" },
	{ "rejects_max_idle_over_10000",
	    POOL_OPEN "\"max_idle\": 10001" BK,
	    "t.json:4:13: pools.p.max_idle: expected an integer from 0 to "
	    "10000" },
	{ "rejects_string_for_bool",
	    POOL_OPEN "\"persist\": \"yes\"" BK,
	    "t.json:4:12: pools.p.persist: expected true or false" },
	{ "rejects_pool_without_backends",
	    POOL_OPEN "\"balance\": \"random\"}}}",
	    "t.json:3:16: pools.p.backends: missing; expected a non-empty "
	    "array of \"host:port\" or backend objects" },
	{ "rejects_pool_with_empty_backends",
	    POOL_OPEN "\"backends\": []}}}",
	    "t.json:4:13: pools.p.backends: expected a non-empty array of "
	    "\"host:port\" or backend objects" },
	{ "rejects_duplicate_backend_address",
	    POOL_OPEN "\"backends\": [\"127.0.0.1:8080\", "
	    "\"127.0.0.1:8080\"]}}}",
	    "t.json:4:32: pools.p.backends[1]: \"127.0.0.1:8080\" duplicates "
	    "backends[0] of pool \"p\"" },
	{ "rejects_duplicate_backend_written_differently",
	    POOL_OPEN "\"backends\": [\"127.0.0.1:8080\", "
	    "{\"address\": \"localhost:8080\"}]}}}",
	    "t.json:4:44: pools.p.backends[1].address: \"localhost:8080\" "
	    "duplicates backends[0] of pool \"p\"" },
	{ "rejects_bad_backend_address",
	    POOL_OPEN "\"backends\": [\"127.0.0.1\"]}}}",
	    "t.json:4:14: pools.p.backends[0]: \"127.0.0.1\" is not a valid "
	    "address: " },
	{ "rejects_backend_of_wrong_type",
	    POOL_OPEN "\"backends\": [8080]}}}",
	    "t.json:4:14: pools.p.backends[0]: expected \"host:port\" or an "
	    "object with \"address\"" },
	{ "rejects_backend_weight_zero",
	    POOL_OPEN "\"backends\": [{\"address\": \"127.0.0.1:8080\", "
	    "\"weight\": 0}]}}}",
	    "t.json:4:54: pools.p.backends[0].weight: expected an integer "
	    "from 1 to 256" },
	{ "rejects_backend_weight_over_256",
	    POOL_OPEN "\"backends\": [{\"address\": \"127.0.0.1:8080\", "
	    "\"weight\": 257}]}}}",
	    "t.json:4:54: pools.p.backends[0].weight: expected an integer "
	    "from 1 to 256" },
	{ "rejects_backend_max_conns_over_a_million",
	    POOL_OPEN "\"backends\": [{\"address\": \"127.0.0.1:8080\", "
	    "\"max_conns\": 1000001}]}}}",
	    "t.json:4:57: pools.p.backends[0].max_conns: expected an integer "
	    "from 0 to 1000000" },
	{ "rejects_backend_object_without_address",
	    POOL_OPEN "\"backends\": [{\"weight\": 2}]}}}",
	    "t.json:4:14: pools.p.backends[0].address: missing; expected "
	    "\"host:port\"" },
	{ "rejects_unknown_backend_key",
	    POOL_OPEN "\"backends\": [{\"address\": \"127.0.0.1:8080\", "
	    "\"wieght\": 2}]}}}",
	    "t.json:4:44: pools.p.backends[0].wieght: unknown key; expected "
	    "one of: address, weight, max_conns, backup" },
	{ "rejects_bad_pool_name",
	    "{\n" SVCS_LINE ",\n\"pools\": {\"a b\": {\"backends\": "
	    "[\"127.0.0.1:8080\"]}}}",
	    "t.json:3:11: pools.a b: expected a name of 1 to 63 letters" },

	{ "rejects_unknown_when_all_down",
	    POOL_OPEN "\"when_all_down\": \"retry\"" BK,
	    "t.json:4:18: pools.p.when_all_down: expected one of: fail, "
	    "panic" },
	{ "rejects_boolean_for_when_all_down",
	    POOL_OPEN "\"when_all_down\": true" BK,
	    "t.json:4:18: pools.p.when_all_down: expected one of: fail, "
	    "panic" },

	/* health */
	{ "rejects_health_true",
	    POOL_OPEN "\"health\": true" BK,
	    "t.json:4:11: pools.p.health: expected false or an object" },
	{ "rejects_health_path_without_slash",
	    POOL_OPEN "\"health\": {\"path\": \"x\"}" BK,
	    "t.json:4:20: pools.p.health.path: expected a path starting with "
	    "\"/\"" },
	{ "rejects_health_interval_under_100ms",
	    POOL_OPEN "\"health\": {\"interval_ms\": 99}" BK,
	    "t.json:4:27: pools.p.health.interval_ms: expected an integer "
	    "from 100 to 3600000" },
	{ "rejects_health_timeout_under_10ms",
	    POOL_OPEN "\"health\": {\"timeout_ms\": 9}" BK,
	    "t.json:4:26: pools.p.health.timeout_ms: expected an integer from "
	    "10 to 3600000" },
	{ "rejects_health_rise_zero",
	    POOL_OPEN "\"health\": {\"rise\": 0}" BK,
	    "t.json:4:20: pools.p.health.rise: expected an integer from 1 to "
	    "100" },
	{ "rejects_health_fall_over_100",
	    POOL_OPEN "\"health\": {\"fall\": 101}" BK,
	    "t.json:4:20: pools.p.health.fall: expected an integer from 1 to "
	    "100" },
	{ "rejects_health_expect_bad_class",
	    POOL_OPEN "\"health\": {\"expect\": \"6xx\"}" BK,
	    "t.json:4:22: pools.p.health.expect: expected a status class "
	    "\"1xx\" to \"5xx\" or a status code from 100 to 599" },
	{ "rejects_health_expect_bad_code_in_array",
	    POOL_OPEN "\"health\": {\"expect\": [200, 600]}" BK,
	    "t.json:4:28: pools.p.health.expect[1]: expected a status class" },
	{ "rejects_health_expect_empty_array",
	    POOL_OPEN "\"health\": {\"expect\": []}" BK,
	    "t.json:4:22: pools.p.health.expect: expected a status class" },
	{ "rejects_unknown_health_key",
	    POOL_OPEN "\"health\": {\"uri\": \"/\"}" BK,
	    "t.json:4:12: pools.p.health.uri: unknown key; expected one of: "
	    "path, host, interval_ms, timeout_ms, rise, fall, expect" },

	/* services */
	{ "rejects_unknown_service_key_listing_the_role_keys",
	    SVC_OPEN "\"lisen\": \"127.0.0.1:80\"" PL,
	    "t.json:4:1: services.s.lisen: unknown key; expected one of: "
	    "role, listen, pool, routes, persist_client, " },
	{ "rejects_listen_of_wrong_type",
	    SVC_OPEN "\"listen\": 80, \"pool\": \"p\"}}}",
	    "t.json:4:11: services.s.listen: expected \"host:port\" or an "
	    "array of them" },
	{ "rejects_empty_listen_array",
	    SVC_OPEN "\"listen\": [], \"pool\": \"p\"}}}",
	    "t.json:4:11: services.s.listen: expected \"host:port\" or an "
	    "array of them" },
	{ "rejects_service_without_listen",
	    SVC_OPEN "\"pool\": \"p\"}}}",
	    "t.json:3:19: services.s.listen: missing; expected \"host:port\" "
	    "or an array of them" },
	{ "rejects_web_server_without_listen_that_no_route_reaches",
	    SVC_OPEN WEB "\"dirindex\": true}}}",
	    "t.json:3:19: services.s.listen: missing; expected \"host:port\" "
	    "or an array of them, or a route of another service that sends "
	    "here" },
	{ "rejects_bad_listen_address_in_array",
	    SVC_OPEN "\"listen\": [\"127.0.0.1:80\", \"127.0.0.1:0\"], "
	    "\"pool\": \"p\"}}}",
	    "t.json:4:28: services.s.listen[1]: \"127.0.0.1:0\" is not a "
	    "valid address: " },
	{ "rejects_two_services_on_one_address",
	    "{\n" POOLS_LINE "\"services\": {\"a\": {\"listen\": "
	    "\"0.0.0.0:80\", \"pool\": \"p\"},\n"
	    "\"b\": {\"listen\": \"*:80\", \"pool\": \"p\"}}}",
	    "t.json:4:17: services.b.listen: \"*:80\" is already a listen "
	    "address of service \"a\"" },
	{ "rejects_one_address_twice_in_a_service",
	    SVC_OPEN "\"listen\": [\"127.0.0.1:80\", \"127.0.0.1:80\"], "
	    "\"pool\": \"p\"}}}",
	    "t.json:4:28: services.s.listen[1]: \"127.0.0.1:80\" is already a "
	    "listen address of service \"s\"" },
	{ "rejects_undefined_pool",
	    SVC_OPEN "\"pool\": \"nope\"" LS,
	    "t.json:4:9: services.s.pool: pool \"nope\" is not defined" },
	{ "rejects_reverse_proxy_without_pool_or_routes",
	    SVC_OPEN "\"listen\": \"127.0.0.1:80\"}}}",
	    "t.json:3:19: services.s: expected \"pool\" or \"routes\" in a "
	    "reverse_proxy service" },
	{ "rejects_bad_role",
	    SVC_OPEN "\"role\": \"cache\"" PL,
	    "t.json:4:9: services.s.role: expected one of: reverse_proxy, "
	    "web_server, stats" },
	{ "rejects_docroot_on_reverse_proxy",
	    SVC_OPEN "\"docroot\": \"/srv\"" PL,
	    "t.json:4:1: services.s.docroot: not allowed for role "
	    "reverse_proxy; expected one of: role, listen, pool, " },
	{ "rejects_pool_on_web_server",
	    SVC_OPEN WEB "\"pool\": \"p\"" LS,
	    "t.json:4:42: services.s.pool: not allowed for role web_server; "
	    "expected one of: role, listen, persist_client, " },
	{ "rejects_pool_on_stats",
	    SVC_OPEN "\"role\": \"stats\", \"pool\": \"p\"" LS,
	    "t.json:4:18: services.s.pool: not allowed for role stats; "
	    "expected one of: role, listen, persist_client, " },
	{ "rejects_allow_on_reverse_proxy",
	    SVC_OPEN "\"allow\": [\"10.0.0.0/8\"]" PL,
	    "t.json:4:1: services.s.allow: not allowed for role "
	    "reverse_proxy; " },
	{ "rejects_an_empty_allow",
	    SVC_OPEN "\"role\": \"stats\", \"allow\": []" LS,
	    "t.json:4:27: services.s.allow: expected a non-empty array of "
	    "CIDR blocks (\"0.0.0.0/0\" and \"::/0\" allow every peer)" },
	{ "rejects_a_bad_block_in_allow",
	    SVC_OPEN "\"role\": \"stats\", \"allow\": [\"::1/129\"]" LS,
	    "t.json:4:28: services.s.allow[0]: \"::1/129\" is not a valid "
	    "CIDR block: " },
	{ "rejects_web_server_without_docroot",
	    SVC_OPEN "\"role\": \"web_server\"" LS,
	    "t.json:3:19: services.s.docroot: missing; expected the "
	    "directory a web_server serves" },
	{ "rejects_service_that_is_not_an_object",
	    "{\n" POOLS_LINE "\"services\": {\"s\": 1}}",
	    "t.json:3:19: services.s: expected an object with \"listen\"" },
	{ "rejects_bad_service_name",
	    "{\n" POOLS_LINE "\"services\": {\"\": {\"listen\": "
	    "\"127.0.0.1:80\", \"pool\": \"p\"}}}",
	    "t.json:3:14: services.: expected a name of 1 to 63 letters" },
	{ "rejects_bad_cidr",
	    SVC_OPEN "\"trusted_proxies\": [\"10.0.0.0/40\"]" PL,
	    "t.json:4:21: services.s.trusted_proxies[0]: \"10.0.0.0/40\" is "
	    "not a valid CIDR block: " },
	{ "rejects_number_as_trusted_proxy",
	    SVC_OPEN "\"trusted_proxies\": [10]" PL,
	    "t.json:4:21: services.s.trusted_proxies[0]: expected a CIDR "
	    "block like \"10.0.0.0/8\"" },
	{ "rejects_via_with_a_space",
	    SVC_OPEN "\"via\": \"my proxy\"" PL,
	    "t.json:4:8: services.s.via: expected a token of 1 to 64 "
	    "characters or false" },
	{ "rejects_via_true",
	    SVC_OPEN "\"via\": true" PL,
	    "t.json:4:8: services.s.via: expected a token of 1 to 64 "
	    "characters or false" },
	{ "rejects_via_over_64_characters",
	    SVC_OPEN "\"via\": \"abcdefghijklmnopqrstuvwxyzabcdefghijklm"
	    "nopqrstuvwxyzabcdefghijklm\"" PL,
	    "t.json:4:8: services.s.via: expected a token of 1 to 64 " },
	{ "rejects_upgrade_with_a_space",
	    SVC_OPEN "\"upgrade\": [\"websocket\", \"web socket\"]" PL,
	    "t.json:4:26: services.s.upgrade[1]: expected a protocol token "
	    "like \"websocket\" or \"name/version\"" },
	{ "rejects_upgrade_without_a_name",
	    SVC_OPEN "\"upgrade\": [\"/2\"]" PL,
	    "t.json:4:13: services.s.upgrade[0]: expected a protocol token "
	    "like \"websocket\" or \"name/version\"" },
	{ "rejects_upgrade_as_a_string",
	    SVC_OPEN "\"upgrade\": \"websocket\"" PL,
	    "t.json:4:12: services.s.upgrade: expected an array of strings, "
	    "each a protocol token" },
	{ "rejects_upgrade_on_a_web_server",
	    SVC_OPEN WEB "\"upgrade\": []" LS,
	    "services.s.upgrade: not allowed for role web_server" },
	{ "rejects_tunnel_idle_timeout_ms_0",
	    SVC_OPEN "\"tunnel_idle_timeout_ms\": 0" PL,
	    "t.json:4:27: services.s.tunnel_idle_timeout_ms: expected an "
	    "integer from 1 to 86400000" },
	{ "rejects_max_header_bytes_under_1024",
	    SVC_OPEN "\"max_header_bytes\": 1023" PL,
	    "t.json:4:21: services.s.max_header_bytes: expected an integer "
	    "from 1024 to 1048576" },
	{ "rejects_negative_max_body_bytes",
	    SVC_OPEN "\"max_body_bytes\": -1" PL,
	    "t.json:4:19: services.s.max_body_bytes: expected an integer "
	    ">= 0" },
	{ "rejects_zero_client_idle_timeout",
	    SVC_OPEN "\"client_idle_timeout_ms\": 0" PL,
	    "t.json:4:27: services.s.client_idle_timeout_ms: expected an "
	    "integer from 1 to 86400000" },
	{ "rejects_request_header_timeout_over_an_hour",
	    SVC_OPEN "\"request_header_timeout_ms\": 3600001" PL,
	    "t.json:4:30: services.s.request_header_timeout_ms: expected an "
	    "integer from 1 to 3600000" },
	{ "rejects_zero_client_body_timeout",
	    SVC_OPEN "\"client_body_timeout_ms\": 0" PL,
	    "t.json:4:27: services.s.client_body_timeout_ms: expected an "
	    "integer from 1 to 3600000" },
	{ "rejects_client_body_timeout_over_an_hour",
	    SVC_OPEN "\"client_body_timeout_ms\": 3600001" PL,
	    "t.json:4:27: services.s.client_body_timeout_ms: expected an "
	    "integer from 1 to 3600000" },
	{ "rejects_negative_client_body_min_rate",
	    SVC_OPEN "\"client_body_min_rate\": -1" PL,
	    "t.json:4:25: services.s.client_body_min_rate: expected an "
	    "integer from 0 to 1073741824" },
	{ "rejects_client_body_min_rate_as_a_string",
	    SVC_OPEN "\"client_body_min_rate\": \"500B\"" PL,
	    "t.json:4:25: services.s.client_body_min_rate: expected an "
	    "integer from 0 to 1073741824" },
	{ "rejects_client_body_timeout_on_web_server",
	    SVC_OPEN WEB "\"client_body_timeout_ms\": 1000" LS,
	    "services.s.client_body_timeout_ms: not allowed for role "
	    "web_server; expected one of: " },
	{ "rejects_number_for_persist_client",
	    SVC_OPEN "\"persist_client\": 1" PL,
	    "t.json:4:19: services.s.persist_client: expected true or false" },
	{ "rejects_routes_that_are_not_an_array",
	    SVC_OPEN "\"routes\": {}" PL,
	    "t.json:4:11: services.s.routes: expected an array of route "
	    "objects" },

	/* routes */
	{ "rejects_route_to_undefined_pool",
	    SVC_OPEN "\"routes\": [{\"host\": \"a.example\", "
	    "\"pool\": \"nope\"}]" LS,
	    "t.json:4:42: services.s.routes[0].pool: pool \"nope\" is not "
	    "defined" },
	{ "rejects_route_to_undefined_service",
	    SVC_OPEN "\"routes\": [{\"service\": \"ghost\"}]" LS,
	    "t.json:4:24: services.s.routes[0].service: service \"ghost\" is "
	    "not defined" },
	{ "rejects_route_to_a_service_that_is_not_a_web_server",
	    "{\n" POOLS_LINE "\"services\": {\"other\": {\"listen\": "
	    "\"127.0.0.1:81\", \"pool\": \"p\"},\n\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"routes\": [{\"service\": \"other\"}]}}}",
	    "t.json:4:56: services.s.routes[0].service: service \"other\" is "
	    "not a web_server" },
	{ "rejects_route_with_pool_and_service",
	    SVC_OPEN "\"routes\": [{\"pool\": \"p\", \"service\": \"s\"}]" LS,
	    "t.json:4:12: services.s.routes[0]: expected exactly one of "
	    "\"pool\" or \"service\"" },
	{ "rejects_route_without_target",
	    SVC_OPEN "\"routes\": [{\"host\": \"a.example\"}]" LS,
	    "t.json:4:12: services.s.routes[0]: expected exactly one of "
	    "\"pool\" or \"service\"" },
	{ "rejects_route_host_with_a_space",
	    SVC_OPEN "\"routes\": [{\"host\": \"a b\", \"pool\": \"p\"}]" LS,
	    "t.json:4:21: services.s.routes[0].host: expected \"*\", "
	    "\"*.suffix\" or a host name" },
	{ "rejects_route_host_with_inner_wildcard",
	    SVC_OPEN "\"routes\": [{\"host\": \"a*.x\", \"pool\": \"p\"}]" LS,
	    "t.json:4:21: services.s.routes[0].host: expected \"*\", " },
	{ "rejects_route_path_without_slash",
	    SVC_OPEN "\"routes\": [{\"path\": \"img\", \"pool\": \"p\"}]" LS,
	    "t.json:4:21: services.s.routes[0].path: expected a path prefix "
	    "starting with \"/\"" },
	{ "rejects_unknown_route_key",
	    SVC_OPEN "\"routes\": [{\"hots\": \"a\", \"pool\": \"p\"}]" LS,
	    "t.json:4:13: services.s.routes[0].hots: unknown key; expected "
	    "one of: host, path, pool, service" },
	{ "rejects_route_that_is_not_an_object",
	    SVC_OPEN "\"routes\": [\"p\"]" LS,
	    "t.json:4:12: services.s.routes[0]: expected an object with "
	    "\"pool\" or \"service\"" },

	/* tls */
	{ "rejects_tls_without_certificates",
	    SVC_OPEN "\"tls\": {}" PL,
	    "t.json:4:8: services.s.tls.certificates: missing; expected a "
	    "non-empty array" },
	{ "rejects_empty_certificates",
	    SVC_OPEN "\"tls\": {\"certificates\": []}" PL,
	    "t.json:4:25: services.s.tls.certificates: expected a non-empty "
	    "array" },
	{ "rejects_certificate_without_key",
	    SVC_OPEN "\"tls\": {\"certificates\": [{\"cert\": \"/c.pem\"}]}" PL,
	    "t.json:4:26: services.s.tls.certificates[0].key: missing; "
	    "expected the path of a PEM private key" },
	{ "rejects_tls_1_1",
	    SVC_OPEN "\"tls\": {" CERT ", \"protocols\": [\"TLSv1.1\"]}" PL,
	    "t.json:4:70: services.s.tls.protocols[0]: expected one of: "
	    "TLSv1.2, TLSv1.3" },
	{ "rejects_unknown_tls_key",
	    SVC_OPEN "\"tls\": {\"cert\": \"/c\"}" PL,
	    "t.json:4:9: services.s.tls.cert: unknown key; expected one of: "
	    "certificates, protocols, ciphers, session_tickets, "
	    "hsts_max_age" },
	{ "rejects_unknown_certificate_key",
	    SVC_OPEN "\"tls\": {\"certificates\": [{\"cert\": \"/c\", "
	    "\"key\": \"/k\", \"ocps\": \"/o\"}]}" PL,
	    "t.json:4:54: services.s.tls.certificates[0].ocps: unknown key; "
	    "expected one of: cert, key, ocsp" },
	{ "rejects_empty_ocsp_path",
	    SVC_OPEN "\"tls\": {\"certificates\": [{\"cert\": \"/c\", "
	    "\"key\": \"/k\", \"ocsp\": \"\"}]}" PL,
	    "t.json:4:62: services.s.tls.certificates[0].ocsp: expected a "
	    "non-empty string" },
	{ "rejects_negative_hsts_max_age",
	    SVC_OPEN "\"tls\": {" CERT ", \"hsts_max_age\": -1}" PL,
	    "t.json:4:72: services.s.tls.hsts_max_age: expected an integer "
	    "from 0 to 4294967295" },

	/* web_server */
	{ "rejects_number_in_index",
	    SVC_OPEN WEB "\"index\": [1]" LS,
	    "t.json:4:52: services.s.index[0]: expected a file name" },
	{ "rejects_string_for_dirindex",
	    SVC_OPEN WEB "\"dirindex\": \"no\"" LS,
	    "t.json:4:54: services.s.dirindex: expected true or false" },

	/* syntax */
	{ "rejects_duplicate_keys",
	    TOP_OPEN "\"workers\": 1,\n\"workers\": 2\n}",
	    "t.json:5:1: JSON syntax: duplicate object key" },
	{ "reports_syntax_error_at_the_token",
	    TOP_OPEN "\"workers\": 1\n  \"user\": \"x\"\n}",
	    "t.json:5:3: JSON syntax: '}' expected near '\"user\"'" },
	{ "reports_trailing_comma",
	    TOP_OPEN "\"workers\": 1,\n}",
	    "t.json:5:1: JSON syntax: string or '}' expected near '}'" },
};

/* Loads <json> as "t.json"; returns the config and the error text. */
static struct config *
load(const char *json, char **errtext)
{
	struct config	*cfg;
	size_t		 len;
	FILE		*errs;

	errs = open_memstream(errtext, &len);
	ck_assert_ptr_nonnull(errs);
	cfg = config_load_string(json, "t.json", errs);
	ck_assert_int_eq(fclose(errs), 0);
	return cfg;
}

static size_t
count_lines(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

START_TEST(rejects_bad_config_with_position_and_path)
{
	const struct bad_case	*c = &bad_cases[_i];
	struct config		*cfg;
	char			*errtext = NULL;

	cfg = load(c->json, &errtext);
	ck_assert_msg(cfg == NULL, "%s: loaded", c->name);
	ck_assert_msg(strstr(errtext, c->expect) != NULL,
	    "%s: expected \"%s\" in:\n%s", c->name, c->expect, errtext);
	free(errtext);
}
END_TEST

/* Every case above must be a valid config once the bad part is fixed. */
static const char *const good_cases[] = {
	TOP_OPEN "\"workers\": 256\n}",
	POOL_OPEN "\"balance\": \"uri\"" BK,
	POOL_OPEN "\"when_all_down\": \"panic\"" BK,
	POOL_OPEN "\"when_all_down\": \"fail\"" BK,
	SVC_OPEN WEB "\"index\": []" LS,
	SVC_OPEN "\"tls\": {" CERT ", \"protocols\": [\"TLSv1.3\"]}" PL,
	SVC_OPEN "\"tls\": {\"certificates\": [{\"cert\": \"/c\", "
	    "\"key\": \"/k\"}]}" PL,
	SVC_OPEN "\"tls\": {\"certificates\": [{\"cert\": \"/c\", "
	    "\"key\": \"/k\", \"ocsp\": \"/o\"}]}" PL,
	SVC_OPEN "\"routes\": [{\"host\": \"*\", \"pool\": \"p\"}]" LS,
	/* A web_server that only a route reaches needs no listen. */
	SVC_OPEN "\"listen\": \"127.0.0.1:80\", \"routes\": [{\"host\": "
	    "\"*\", \"service\": \"w\"}]}, "
	    "\"w\": {" WEB "\"dirindex\": true}}}",
	SVC_OPEN "\"via\": \"a.b-c_d~1\"" PL,
	SVC_OPEN "\"upgrade\": [\"websocket\", \"web.socket\"]" PL,
	SVC_OPEN "\"upgrade\": [\"HTTP/2.0\"]" PL,
	SVC_OPEN "\"upgrade\": []" PL,
	SVC_OPEN "\"tunnel_idle_timeout_ms\": 1" PL,
	SVC_OPEN "\"role\": \"stats\", \"allow\": [\"::1\"]" LS,
	SVC_OPEN "\"client_body_timeout_ms\": 3600000, "
	    "\"client_body_min_rate\": 0" PL,
	POOL_OPEN "\"backends\": [\"127.0.0.1:8080\", \"[::1]:8080\"]}}}",
	SVC_OPEN "\"role\": \"management\", \"allow\": [\"::1\"]" LS,
	POOL_OPEN "\"backends\": [\"127.0.0.1:8080\"]}}}",
};

START_TEST(accepts_the_fixed_versions_of_bad_cases)
{
	struct config	*cfg;
	char		*errtext = NULL;

	cfg = load(good_cases[_i], &errtext);
	ck_assert_msg(cfg != NULL, "case %d: %s", _i, errtext);
	ck_assert_str_eq(errtext, "");
	config_free(cfg);
	free(errtext);
}
END_TEST

/* The SPEC's example, verbatim. */
static const char spec_example[] =
"{\n"
"  \"user\": \"www-data\",\n"
"  \"group\": \"www-data\",\n"
"  \"workers\": 0,\n"
"  \"state_dir\": \"/run/weir\",\n"
"  \"pidfile\": \"/run/weir/weir.pid\",\n"
"  \"error_log\": \"/var/log/weir/error.log\",\n"
"  \"log_level\": \"info\",\n"
"  \"access_log\": \"/var/log/weir/access.log\",\n"
"\n"
"  \"pools\": {\n"
"    \"apache\": {\n"
"      \"balance\": \"roundrobin\",\n"
"      \"backends\": [\"127.0.0.1:8080\", {\"address\": \"10.0.0.2:8080\", "
"\"weight\": 3, \"max_conns\": 200, \"backup\": false}],\n"
"      \"persist\": true,\n"
"      \"verify\": false,\n"
"      \"connect_timeout_ms\": 3000,\n"
"      \"response_timeout_ms\": 60000,\n"
"      \"retries\": 2,\n"
"      \"health\": {\"path\": \"/\", \"host\": \"localhost\", "
"\"interval_ms\": 2000, \"timeout_ms\": 1000, \"rise\": 2, \"fall\": 3, "
"\"expect\": \"2xx\"}\n"
"    },\n"
"    \"lighttpd\": {\"backends\": [\"127.0.0.1:8181\"]}\n"
"  },\n"
"\n"
"  \"services\": {\n"
"    \"web\": {\n"
"      \"role\": \"reverse_proxy\",\n"
"      \"listen\": [\"0.0.0.0:80\", \"[::]:80\"],\n"
"      \"pool\": \"apache\",\n"
"      \"routes\": [\n"
"        {\"host\": \"static.example.com\", \"pool\": \"lighttpd\"},\n"
"        {\"host\": \"*.img.example.com\", \"path\": \"/thumbs/\", "
"\"pool\": \"lighttpd\"}\n"
"      ],\n"
"      \"persist_client\": true,\n"
"      \"client_idle_timeout_ms\": 30000,\n"
"      \"request_header_timeout_ms\": 10000,\n"
"      \"max_header_bytes\": 32768,\n"
"      \"max_body_bytes\": 0,\n"
"      \"trusted_proxies\": [\"10.0.0.0/8\"]\n"
"    },\n"
"    \"web-tls\": {\n"
"      \"role\": \"reverse_proxy\",\n"
"      \"listen\": \"0.0.0.0:443\",\n"
"      \"pool\": \"apache\",\n"
"      \"tls\": {\n"
"        \"certificates\": [{\"cert\": \"/etc/weir/example.com.pem\", "
"\"key\": \"/etc/weir/example.com.key\"}],\n"
"        \"protocols\": [\"TLSv1.2\", \"TLSv1.3\"],\n"
"        \"session_tickets\": true,\n"
"        \"hsts_max_age\": 0\n"
"      }\n"
"    },\n"
"    \"files\": {\n"
"      \"role\": \"web_server\",\n"
"      \"listen\": \"127.0.0.1:8282\",\n"
"      \"docroot\": \"/var/www/html\",\n"
"      \"index\": [\"index.html\"],\n"
"      \"dirindex\": false\n"
"    }\n"
"  }\n"
"}\n";

START_TEST(loads_spec_example_with_its_values)
{
	struct config		*cfg;
	struct pool_conf	*apache, *lighttpd;
	struct service_conf	*web, *tls, *files;
	char			*errtext = NULL;

	cfg = load(spec_example, &errtext);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	ck_assert_str_eq(cfg->path, "t.json");
	ck_assert_str_eq(cfg->user, "www-data");
	ck_assert_str_eq(cfg->group, "www-data");
	ck_assert_uint_eq(cfg->workers, 0);
	ck_assert_str_eq(cfg->pidfile, "/run/weir/weir.pid");
	ck_assert_str_eq(cfg->error_log, "/var/log/weir/error.log");
	ck_assert_str_eq(cfg->access_log, "/var/log/weir/access.log");
	ck_assert_int_eq(cfg->log_level, LOG_LVL_INFO);

	ck_assert_uint_eq(cfg->npools, 2);
	apache = &cfg->pools[0];
	lighttpd = &cfg->pools[1];
	ck_assert_str_eq(apache->name, "apache");
	ck_assert_uint_eq(apache->index, 0);
	ck_assert_uint_eq(lighttpd->index, 1);
	ck_assert_int_eq(apache->balance, BALANCE_ROUNDROBIN);
	ck_assert_uint_eq(apache->nbackends, 2);
	ck_assert_str_eq(apache->backends[0].address, "127.0.0.1:8080");
	ck_assert_uint_eq(apache->backends[0].weight, 1);
	ck_assert_str_eq(apache->backends[1].address, "10.0.0.2:8080");
	ck_assert_int_eq(apache->backends[1].addr.ss.ss_family, AF_INET);
	ck_assert_uint_eq(apache->backends[1].weight, 3);
	ck_assert_uint_eq(apache->backends[1].max_conns, 200);
	ck_assert(!apache->backends[1].is_backup);
	ck_assert(apache->health.enabled);
	ck_assert_str_eq(apache->health.host, "localhost");
	ck_assert_uint_eq(apache->health.expect_class_mask, 1u << 2);
	ck_assert_ptr_null(apache->health.expect_codes);
	ck_assert_str_eq(lighttpd->name, "lighttpd");
	ck_assert_int_eq(config_find_pool(cfg, "lighttpd"), 1);
	ck_assert_int_eq(config_find_pool(cfg, "nginx"), -1);

	ck_assert_uint_eq(cfg->nservices, 3);
	web = &cfg->services[0];
	tls = &cfg->services[1];
	files = &cfg->services[2];
	ck_assert_str_eq(web->name, "web");
	ck_assert_int_eq(web->role, ROLE_REVERSE_PROXY);
	ck_assert_uint_eq(web->nlisten, 2);
	ck_assert_str_eq(web->listen_text[1], "[::]:80");
	ck_assert_int_eq(web->listen[1].ss.ss_family, AF_INET6);
	ck_assert_ptr_eq(web->pool, apache);
	ck_assert_uint_eq(web->nroutes, 2);
	ck_assert_str_eq(web->routes[0].host, "static.example.com");
	ck_assert_ptr_null(web->routes[0].path);
	ck_assert_ptr_eq(web->routes[0].pool, lighttpd);
	ck_assert_str_eq(web->routes[1].host, "*.img.example.com");
	ck_assert_str_eq(web->routes[1].path, "/thumbs/");
	ck_assert_uint_eq(web->ntrusted_proxies, 1);
	ck_assert_uint_eq(web->trusted_proxies[0].prefix, 8);
	ck_assert_str_eq(web->via, "weir");
	ck_assert_ptr_null(web->tls);

	ck_assert_str_eq(tls->name, "web-tls");
	ck_assert_ptr_nonnull(tls->tls);
	ck_assert_uint_eq(tls->tls->ncertificates, 1);
	ck_assert_str_eq(tls->tls->certificates[0].key,
	    "/etc/weir/example.com.key");
	ck_assert_uint_eq(tls->tls->nprotocols, 2);
	ck_assert(tls->tls->session_tickets);
	ck_assert_ptr_null(tls->tls->ciphers);

	ck_assert_int_eq(files->role, ROLE_WEB_SERVER);
	ck_assert_str_eq(files->docroot, "/var/www/html");
	ck_assert_uint_eq(files->nindex_files, 1);
	ck_assert_str_eq(files->index_files[0], "index.html");
	ck_assert(!files->dirindex);
	ck_assert_ptr_null(files->pool);
	config_free(cfg);
	free(errtext);
}
END_TEST

START_TEST(applies_defaults_to_a_minimal_config)
{
	struct config		*cfg;
	struct pool_conf	*p;
	struct service_conf	*s;
	char			*errtext = NULL;

	cfg = load("{\"pools\": {\"p\": {\"backends\": [\"127.0.0.1:8080\"]}},"
	    "\"services\": {\"s\": {\"listen\": \"*:80\", \"pool\": \"p\"}}}",
	    &errtext);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	ck_assert_ptr_null(cfg->user);
	ck_assert_ptr_null(cfg->group);
	ck_assert_uint_eq(cfg->workers, 0);
	ck_assert_uint_eq(cfg->max_connections, 4096);
	ck_assert_uint_eq(cfg->shutdown_timeout_ms, 30000);
	ck_assert_str_eq(cfg->state_dir, "/run/weir");
	ck_assert_str_eq(cfg->pidfile, "/run/weir/weir.pid");
	ck_assert_ptr_null(cfg->error_log);
	ck_assert_ptr_null(cfg->access_log);
	ck_assert_int_eq(cfg->log_level, LOG_LVL_INFO);

	p = &cfg->pools[0];
	ck_assert_int_eq(p->balance, BALANCE_ROUNDROBIN);
	ck_assert(p->persist);
	ck_assert(!p->verify);
	ck_assert_uint_eq(p->connect_timeout_ms, 3000);
	ck_assert_uint_eq(p->response_timeout_ms, 60000);
	ck_assert_uint_eq(p->retries, 2);
	ck_assert_uint_eq(p->max_idle, 32);
	ck_assert_uint_eq(p->backends[0].weight, 1);
	ck_assert_uint_eq(p->backends[0].max_conns, 0);
	ck_assert(!p->backends[0].is_backup);
	ck_assert(p->health.enabled);
	ck_assert_str_eq(p->health.path, "/");
	ck_assert_str_eq(p->health.host, "localhost");
	ck_assert_uint_eq(p->health.interval_ms, 2000);
	ck_assert_uint_eq(p->health.timeout_ms, 1000);
	ck_assert_uint_eq(p->health.rise, 2);
	ck_assert_uint_eq(p->health.fall, 3);
	/* HAProxy's httpchk: a login redirect is a live server. */
	ck_assert_uint_eq(p->health.expect_class_mask, 1u << 2 | 1u << 3);
	ck_assert_uint_eq(p->health.nexpect_codes, 0);
	ck_assert_int_eq(p->when_all_down, WHEN_ALL_DOWN_FAIL);

	s = &cfg->services[0];
	ck_assert_int_eq(s->role, ROLE_REVERSE_PROXY);
	ck_assert_str_eq(s->listen_text[0], "*:80");
	ck_assert(s->persist_client);
	ck_assert_uint_eq(s->client_idle_timeout_ms, 30000);
	ck_assert_uint_eq(s->request_header_timeout_ms, 10000);
	ck_assert_uint_eq(s->max_header_bytes, 32768);
	ck_assert_uint_eq(s->max_body_bytes, 0);
	ck_assert_uint_eq(s->client_body_timeout_ms, 30000);
	ck_assert_uint_eq(s->client_body_min_rate, 500);
	ck_assert_uint_eq(s->ntrusted_proxies, 0);
	ck_assert_str_eq(s->via, "weir");
	ck_assert_ptr_null(s->tls);
	ck_assert_uint_eq(s->nroutes, 0);
	ck_assert_uint_eq(s->nupgrade, 1);
	ck_assert_str_eq(s->upgrade[0], "websocket");
	ck_assert_uint_eq(s->tunnel_idle_timeout_ms, 3600000);
	config_free(cfg);
	free(errtext);
}
END_TEST

START_TEST(takes_explicit_values_over_defaults)
{
	struct config		*cfg;
	struct pool_conf	*p;
	struct service_conf	*s, *f;
	char			*errtext = NULL;

	cfg = load("{\"state_dir\": \"/tmp/w/\", \"error_log\": null, "
	    "\"log_level\": \"debug\", \"max_connections\": 16,"
	    "\"pools\": {\"p\": {\"balance\": \"leastconn\", \"health\": false,"
	    " \"backends\": [{\"address\": \"[::1]:81\", \"backup\": true}]},"
	    " \"h\": {\"backends\": [\"127.0.0.1:82\"],"
	    " \"when_all_down\": \"panic\","
	    " \"health\": {\"expect\": [\"3XX\", 200, 204]}}},"
	    "\"services\": {\"s\": {\"listen\": \"*:80\", \"via\": false,"
	    " \"max_body_bytes\": 10000000000, \"client_body_timeout_ms\":"
	    " 120000, \"client_body_min_rate\": 1024, \"upgrade\": [\"a\","
	    " \"b/1\"], \"tunnel_idle_timeout_ms\": 5000, \"routes\": [{\"host\":"
	    " \"Static.Example.COM\", \"service\": \"f\"}]},"
	    " \"f\": {\"role\": \"web_server\", \"listen\": \"127.0.0.1:81\","
	    " \"docroot\": \"/srv\", \"index\": [\"a.htm\", \"b.htm\"],"
	    " \"follow_symlinks\": true}}}", &errtext);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	ck_assert_str_eq(cfg->pidfile, "/tmp/w/weir.pid");
	ck_assert_ptr_null(cfg->error_log);
	ck_assert_int_eq(cfg->log_level, LOG_LVL_DEBUG);
	ck_assert_uint_eq(cfg->max_connections, 16);
	p = &cfg->pools[0];
	ck_assert_int_eq(p->balance, BALANCE_LEASTCONN);
	ck_assert(!p->health.enabled);
	ck_assert(p->backends[0].is_backup);
	ck_assert_int_eq(p->backends[0].addr.ss.ss_family, AF_INET6);
	ck_assert_int_eq(p->when_all_down, WHEN_ALL_DOWN_FAIL);
	p = &cfg->pools[1];
	ck_assert_int_eq(p->when_all_down, WHEN_ALL_DOWN_PANIC);
	ck_assert_uint_eq(p->health.expect_class_mask, 1u << 3);
	ck_assert_uint_eq(p->health.nexpect_codes, 2);
	ck_assert_int_eq(p->health.expect_codes[0], 200);
	ck_assert_int_eq(p->health.expect_codes[1], 204);
	s = &cfg->services[0];
	f = &cfg->services[1];
	ck_assert_ptr_null(s->via);
	ck_assert_ptr_null(s->pool);
	ck_assert(s->max_body_bytes == 10000000000ull);
	ck_assert_uint_eq(s->client_body_timeout_ms, 120000);
	ck_assert_uint_eq(s->client_body_min_rate, 1024);
	ck_assert_uint_eq(s->nupgrade, 2);
	ck_assert_str_eq(s->upgrade[1], "b/1");
	ck_assert_uint_eq(s->tunnel_idle_timeout_ms, 5000);
	ck_assert_str_eq(s->routes[0].host, "static.example.com");
	ck_assert_ptr_eq(s->routes[0].service, f);
	ck_assert_ptr_null(s->routes[0].pool);
	ck_assert_uint_eq(f->nindex_files, 2);
	ck_assert_str_eq(f->index_files[1], "b.htm");
	ck_assert(f->follow_symlinks);
	config_free(cfg);
	free(errtext);
}
END_TEST

/* A stats service takes no pool, and answers the loopback unless told. */
START_TEST(loads_a_stats_service)
{
	static const char *const loopback[] = { "127.0.0.1", "127.9.9.9",
	    "::1" };
	static const char *const others[] = { "10.0.0.1", "::2", "128.0.0.1" };
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr		*sa;
	struct config		*cfg;
	struct service_conf	*s;
	char			*errtext = NULL;
	size_t			 i, j;
	bool			 in;

	cfg = load("{\"pools\": {\"p\": {\"backends\": [\"127.0.0.1:8080\"]}},"
	    "\"services\": {\"s\": {\"role\": \"stats\", \"listen\": "
	    "\"127.0.0.1:8404\"}, \"t\": {\"role\": \"stats\", \"listen\": "
	    "\"*:8405\", \"allow\": [\"10.0.0.0/8\"], \"tls\": {" CERT
	    "}}}}", &errtext);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	s = &cfg->services[0];
	ck_assert_int_eq(s->role, ROLE_STATS);
	ck_assert_ptr_null(s->pool);
	ck_assert_uint_eq(s->nallow, 2);
	for (i = 0; i < NELEM(loopback) + NELEM(others); i++) {
		const char *a = i < NELEM(loopback) ? loopback[i] :
		    others[i - NELEM(loopback)];

		memset(&sin, 0, sizeof(sin));
		memset(&sin6, 0, sizeof(sin6));
		sin.sin_family = AF_INET;
		sin6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET, a, &sin.sin_addr) == 1)
			sa = (struct sockaddr *)&sin;
		else {
			ck_assert_int_eq(inet_pton(AF_INET6, a,
			    &sin6.sin6_addr), 1);
			sa = (struct sockaddr *)&sin6;
		}
		for (j = 0, in = false; j < s->nallow; j++)
			in |= cidr_match(&s->allow[j], sa);
		ck_assert_msg(in == (i < NELEM(loopback)), "%s %s", a,
		    in ? "allowed" : "refused");
	}
	s = &cfg->services[1];
	ck_assert_uint_eq(s->nallow, 1);
	ck_assert_uint_eq(s->allow[0].prefix, 8);
	ck_assert_ptr_nonnull(s->tls);
	config_free(cfg);
	free(errtext);
}
END_TEST

/* A node file names the pool's backends; relative to the file's folder. */
START_TEST(loads_a_pool_from_its_nodefile)
{
	struct config	*cfg;
	char		 dir[] = "/tmp/check_config.XXXXXX", path[128];
	char		 json[512];
	FILE		*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nodes", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("# web\n10.0.0.1:8080\n  10.0.0.2 # port 80\n", f);
	fclose(f);
	snprintf(json, sizeof(json), "{\"pools\": {\"p\": {\"nodefile\": "
	    "\"nodes\"}}, \"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"pool\": \"p\"}}}");
	snprintf(path, sizeof(path), "%s/weir.json", dir);
	cfg = config_load_string(json, path, stderr);
	ck_assert_ptr_nonnull(cfg);
	snprintf(path, sizeof(path), "%s/nodes", dir);
	ck_assert_str_eq(cfg->pools[0].nodefile, path);
	ck_assert_uint_eq(cfg->pools[0].nbackends, 2);
	ck_assert_str_eq(cfg->pools[0].backends[0].address, "10.0.0.1:8080");
	ck_assert_str_eq(cfg->pools[0].backends[1].address, "10.0.0.2:80");
	ck_assert_uint_eq(cfg->pools[0].backends[1].weight, 1);
	config_free(cfg);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(reports_every_error_in_file_order)
{
	struct config	*cfg;
	char		*errtext = NULL, *second, *third;

	/* Services come first in the text but are checked after pools. */
	cfg = load("{\n"
	    "\"services\": {\"s\": {\"listen\": \"nowhere\", "
	    "\"pool\": \"x\"}},\n"
	    "\"pools\": {\"p\": {\"retries\": 99, \"backends\": []}},\n"
	    "\"workers\": -1\n"
	    "}", &errtext);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(count_lines(errtext), 5);
	ck_assert_ptr_eq(strstr(errtext, "t.json:2:30: services.s.listen: "),
	    errtext);
	second = strchr(errtext, '\n') + 1;
	ck_assert_ptr_eq(strstr(second, "t.json:2:49: services.s.pool: "),
	    second);
	third = strchr(second, '\n') + 1;
	ck_assert_ptr_eq(strstr(third, "t.json:3:28: pools.p.retries: "),
	    third);
	ck_assert_ptr_nonnull(strstr(third, "\nt.json:3:44: pools.p.backends: "
	    "expected a non-empty array"));
	ck_assert_ptr_nonnull(strstr(third, "\nt.json:4:12: workers: "));
	free(errtext);
}
END_TEST

START_TEST(locates_keys_written_with_escapes)
{
	struct config	*cfg;
	char		*errtext = NULL;

	/* The strings before the culprit hold quotes and brackets. */
	cfg = load("{\"user\": \"a\\\"}]{[\", \"group\": \"\\\\\", "
	    "\"\\u0077okers\": 1, " SVCS_LINE "}", &errtext);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(strstr(errtext,
	    "t.json:1:36: wokers: unknown key"));
	free(errtext);
}
END_TEST

START_TEST(keeps_one_error_on_one_line)
{
	struct config	*cfg;
	char		*errtext = NULL;

	cfg = load("{\"a\\nb\": 1, " SVCS_LINE "}", &errtext);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(count_lines(errtext), 2);
	ck_assert_ptr_nonnull(strstr(errtext, "t.json:1:2: a?b: unknown key"));
	free(errtext);
}
END_TEST

START_TEST(loads_from_a_file_and_names_it)
{
	char		 path[] = "/tmp/check_config.XXXXXX";
	struct config	*cfg;
	char		*errtext = NULL;
	size_t		 len;
	FILE		*errs;
	int		 fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, spec_example, strlen(spec_example)),
	    (ssize_t)strlen(spec_example));
	close(fd);
	errs = open_memstream(&errtext, &len);
	cfg = config_load(path, errs);
	fclose(errs);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	ck_assert_str_eq(cfg->path, path);
	config_free(cfg);
	free(errtext);

	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "{\"workers\": 1000}", 17), 17);
	close(fd);
	errs = open_memstream(&errtext, &len);
	cfg = config_load(path, errs);
	fclose(errs);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_eq(strstr(errtext, path), errtext);
	ck_assert_ptr_nonnull(strstr(errtext, ":1:13: workers: expected"));
	free(errtext);
	unlink(path);
}
END_TEST

/* Loads <file> of the source tree, which must be valid. */
static struct config *
load_tree_file(const char *file)
{
	struct config	*cfg;
	const char	*top = getenv("top_srcdir");
	char		 path[4096], *errtext = NULL;
	size_t		 len;
	FILE		*errs;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s",
	    top != NULL ? top : ".", file), (int)sizeof(path));
	errs = open_memstream(&errtext, &len);
	cfg = config_load(path, errs);
	fclose(errs);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	free(errtext);
	return cfg;
}

/* etc/weir.json is installed as the default: it must stay valid. */
START_TEST(loads_the_installed_example_config)
{
	struct config	*cfg = load_tree_file("etc/weir.json");

	ck_assert_int_ne(config_find_pool(cfg, "apache"), -1);
	ck_assert_int_ne(config_find_pool(cfg, "lighttpd"), -1);
	ck_assert_str_eq(cfg->services[0].routes[0].host, "static.example.com");
	/* The Debian package creates this account for the workers. */
	ck_assert_str_eq(cfg->user, "weir");
	ck_assert_str_eq(cfg->group, "weir");
	config_free(cfg);
}
END_TEST

/* The examples the package installs in /usr/share/doc/weir/examples. */
static const char *const shipped_examples[] = {
	"doc/examples/vhosts.json", "doc/examples/random-verify.json",
	"doc/examples/static-and-proxy.json",
};

START_TEST(loads_the_shipped_examples)
{
	struct config	*cfg = load_tree_file(shipped_examples[_i]);

	ck_assert_str_eq(cfg->user, "weir");
	config_free(cfg);
}
END_TEST

START_TEST(reports_a_file_it_cannot_open)
{
	struct config	*cfg;
	char		*errtext = NULL;
	size_t		 len;
	FILE		*errs;

	errs = open_memstream(&errtext, &len);
	cfg = config_load("/nonexistent/weir.json", errs);
	fclose(errs);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(errtext, "/nonexistent/weir.json: cannot open: "
	    "No such file or directory\n");
	free(errtext);
}
END_TEST

/* ---- comments and includes ---- */

/*
 * "#" and "//" to the end of the line are comments outside strings, and
 * positions after them are the file's: an error two lines under a comment
 * is on its line and column.
 */
START_TEST(comments_are_blanks_outside_strings)
{
	static const char	text[] =
	    "# weir.json, with comments\n"
	    "{ // the top\n"
	    "  \"access_log\": \"/var/log/a#b//c.log\", # not these\n"
	    "  \"pools\": {\"p\": {\"backends\": [\"127.0.0.1:8080\"]}},\n"
	    "  // \"workers\": 1000,\n"
	    "  \"services\": {\"s\": {\"listen\": \"127.0.0.1:80\", "
	    "\"pool\": \"p\"}}\n"
	    "}\n";
	static const char	bad[] =
	    "{ # a comment with a \" and a { in it\n"
	    "  // and another, \"workers\": 1,\n"
	    "  \"workers\": 300,\n"
	    "  \"services\": {\"s\": {\"role\": \"web_server\", "
	    "\"listen\": \"127.0.0.1:80\", \"docroot\": \"/srv\"}}}\n";
	struct config	*cfg;
	char		*errtext = NULL;
	size_t		 len;
	FILE		*errs;

	errs = open_memstream(&errtext, &len);
	cfg = config_load_string(text, "t.json", errs);
	fclose(errs);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	ck_assert_str_eq(cfg->access_log, "/var/log/a#b//c.log");
	ck_assert_uint_eq(cfg->workers, 0);
	config_free(cfg);
	free(errtext);
	errtext = NULL;
	errs = open_memstream(&errtext, &len);
	cfg = config_load_string(bad, "t.json", errs);
	fclose(errs);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(errtext, "t.json:3:14: workers: expected an integer "
	    "from 0 to 256\n");
	free(errtext);
}
END_TEST

/* A JSON syntax error after a comment is where the file has it. */
START_TEST(syntax_errors_after_comments_keep_their_place)
{
	struct config	*cfg;
	char		*errtext = NULL;
	size_t		 len;
	FILE		*errs;

	errs = open_memstream(&errtext, &len);
	cfg = config_load_string("// one\n{\"workers\": 1 # two\n"
	    "  \"pools\": {}}\n", "t.json", errs);
	fclose(errs);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strncmp(errtext, "t.json:3:3: JSON syntax: ", 25) == 0,
	    "%s", errtext);
	free(errtext);
}
END_TEST

static char	incdir[64];

static void
inc_setup(void)
{
	char	d[96];

	strcpy(incdir, "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(incdir));
	snprintf(d, sizeof(d), "%s/conf.d", incdir);
	ck_assert_int_eq(mkdir(d, 0755), 0);
}

static void
inc_teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", incdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes <text> to <name> under the test's directory. */
static void
inc_write(const char *name, const char *text)
{
	char	path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", incdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	fclose(f);
}

/* Loads main.json; returns the config, errors in *<errtext>. */
static struct config *
inc_load(char **errtext)
{
	char		 path[256];
	struct config	*cfg;
	size_t		 len;
	FILE		*errs;

	snprintf(path, sizeof(path), "%s/main.json", incdir);
	*errtext = NULL;
	errs = open_memstream(errtext, &len);
	cfg = config_load(path, errs);
	fclose(errs);
	return cfg;
}

/* *<errtext> with the test's directory written as "D". */
static char *
inc_errors(char *errtext)
{
	char	*p, *out = errtext;
	size_t	 n = strlen(incdir);

	while ((p = strstr(out, incdir)) != NULL) {
		*p = 'D';
		memmove(p + 1, p + n, strlen(p + n) + 1);
	}
	return errtext;
}

#define INC_MAIN(more) \
	"{\n" \
	"  \"include\": \"conf.d/*.json\",\n" \
	"  \"workers\": 2" more "\n" \
	"}\n"
#define INC_POOL(name, port) \
	"{\"pools\": {\"" name "\": {\"backends\": [\"127.0.0.1:" port "\"]}}}\n"
#define INC_SVC \
	"{\"services\": {\"www\": {\"listen\": \"127.0.0.1:80\", " \
	"\"pool\": \"a\"}}}\n"

START_TEST(includes_merge_pools_and_services_in_name_order)
{
	struct config	*cfg;
	char		*errtext;

	inc_write("main.json", INC_MAIN(","
	    "\n  \"pools\": {\"main\": {\"backends\": [\"127.0.0.1:1\"]}}"));
	inc_write("conf.d/20-b.json", INC_POOL("b", "3"));
	inc_write("conf.d/10-a.json", INC_POOL("a", "2"));
	inc_write("conf.d/30-www.json", "# the site\n" INC_SVC);
	inc_write("conf.d/README", "not JSON, and not included");
	cfg = inc_load(&errtext);
	ck_assert_msg(cfg != NULL, "%s", errtext);
	ck_assert_uint_eq(cfg->workers, 2);
	/* In reading order: the include comes first in main.json. */
	ck_assert_uint_eq(cfg->npools, 3);
	ck_assert_str_eq(cfg->pools[0].name, "a");
	ck_assert_str_eq(cfg->pools[1].name, "b");
	ck_assert_str_eq(cfg->pools[2].name, "main");
	ck_assert_uint_eq(cfg->nservices, 1);
	ck_assert_ptr_eq(cfg->services[0].pool, &cfg->pools[0]);
	config_free(cfg);
	free(errtext);
}
END_TEST

static const struct inc_case {
	const char	*name;
	const char	*files[5][2];	/* name, text */
	const char	*expect;	/* the whole error output */
} inc_cases[] = {
	{ "an_error_in_an_included_file_names_it", {
	    { "main.json", INC_MAIN("") },
	    { "conf.d/a.json", "{\"pools\": {\"a\": {\"balance\": \"rr\",\n"
	      "  \"backends\": [\"127.0.0.1:2\"]}}}\n" },
	    { "conf.d/www.json", INC_SVC } },
	    "D/conf.d/a.json:1:29: pools.a.balance: expected one of: "
	    "roundrobin, random, leastconn, source, uri\n" },
	{ "a_syntax_error_in_an_included_file_names_it", {
	    { "main.json", INC_MAIN("") },
	    { "conf.d/a.json", "{\"pools\": {\n  \"a\" {}}}\n" } },
	    "D/conf.d/a.json:2:7: JSON syntax: ':' expected near '{'\n" },
	{ "a_pool_defined_twice_names_both_places", {
	    { "main.json", INC_MAIN(",\n  \"pools\": {\"a\": {\"backends\": "
	      "[\"127.0.0.1:1\"]}}") },
	    { "conf.d/a.json", "\n" INC_POOL("a", "2") },
	    { "conf.d/www.json", INC_SVC } },
	    "D/main.json:4:13: pools.a: pool \"a\" is already defined at "
	    "D/conf.d/a.json:2:12\n" },
	{ "a_top_key_set_twice_names_both_places", {
	    { "main.json", INC_MAIN("") },
	    { "conf.d/a.json", "{\"workers\": 4,\n \"pools\": {\"a\": "
	      "{\"backends\": [\"127.0.0.1:2\"]}}}\n" },
	    { "conf.d/www.json", INC_SVC } },
	    NULL },
	{ "a_missing_file_is_named_at_the_include", {
	    { "main.json", "{\"include\": [\"conf.d/*.json\", \"nope.json\"],\n"
	      "\"workers\": 1}\n" } },
	    "D/main.json:1:31: include[1]: cannot read D/nope.json: No such "
	    "file or directory\n" },
	{ "an_include_that_is_no_name", {
	    { "main.json", "{\"include\": 3, \"services\": {\"www\": "
	      "{\"role\": \"web_server\", \"listen\": \"127.0.0.1:80\", "
	      "\"docroot\": \"/srv\"}}}\n" } },
	    "D/main.json:1:13: include: expected a file name or a glob "
	    "pattern of at most 4095 bytes\n" },
	{ "a_file_that_includes_itself", {
	    { "main.json", INC_MAIN("") },
	    { "conf.d/a.json", "{\"include\": \"../main.json\"}\n" },
	    { "conf.d/b.json", INC_POOL("a", "2") },
	    { "conf.d/www.json", INC_SVC } },
	    "D/conf.d/a.json:1:13: include: includes D/conf.d/../main.json, "
	    "which is already part of the configuration\n" },
	{ "an_included_file_that_is_no_object", {
	    { "main.json", INC_MAIN("") },
	    { "conf.d/a.json", "[1]\n" },
	    { "conf.d/b.json", INC_POOL("a", "2") },
	    { "conf.d/www.json", INC_SVC } },
	    "D/conf.d/a.json:1:1: (top level): expected an object, as the top "
	    "of a configuration file\n" },
	{ "errors_of_every_file_in_the_order_read", {
	    { "main.json", "{\"workers\": 999,\n"
	      " \"include\": \"conf.d/*.json\"}" },
	    { "conf.d/a.json", "{\"pools\": {\"a\": {\"backends\": [\"x\"]}}}" },
	    { "conf.d/b.json", "{\"services\": {\"www\": {\"listen\": "
	      "\"127.0.0.1:80\", \"pool\": \"zz\"}}}" } },
	    "D/main.json:1:13: workers: expected an integer from 0 to 256\n"
	    "D/conf.d/a.json:1:31: pools.a.backends[0]: \"x\" is not a valid "
	    "address: expected host:port, e.g. 127.0.0.1:8080\n"
	    "D/conf.d/b.json:1:57: services.www.pool: pool \"zz\" is not "
	    "defined\n" },
};

START_TEST(include_errors_name_the_file_line_and_column)
{
	const struct inc_case	*c = &inc_cases[_i];
	struct config		*cfg;
	char			*errtext;
	size_t			 i;

	for (i = 0; i < 5 && c->files[i][0] != NULL; i++)
		inc_write(c->files[i][0], c->files[i][1]);
	cfg = inc_load(&errtext);
	ck_assert_msg(cfg == NULL, "%s: loaded", c->name);
	if (c->expect != NULL)
		ck_assert_msg(strcmp(inc_errors(errtext), c->expect) == 0,
		    "%s: expected\n%sgot\n%s", c->name, c->expect, errtext);
	else
		ck_assert_msg(strstr(inc_errors(errtext), "D/main.json:3:3: "
		    "workers: already set at D/conf.d/a.json:1:2\n") != NULL,
		    "%s: got\n%s", c->name, errtext);
	free(errtext);
}
END_TEST

/* weirctl reads only state_dir, through the same comments and includes. */
START_TEST(load_json_merges_without_checking)
{
	char	 path[256], *errtext = NULL;
	size_t	 len;
	json_t	*root;
	FILE	*errs;

	inc_write("main.json", "// weirctl reads this\n{\"include\": "
	    "\"conf.d/*.json\", \"bogus\": 1}");
	inc_write("conf.d/state.json", "{\"state_dir\": \"/run/w\"} # here");
	snprintf(path, sizeof(path), "%s/main.json", incdir);
	errs = open_memstream(&errtext, &len);
	root = config_load_json(path, errs);
	fclose(errs);
	ck_assert_msg(root != NULL, "%s", errtext);
	ck_assert_str_eq(json_string_value(json_object_get(root, "state_dir")),
	    "/run/w");
	json_decref(root);
	free(errtext);
}
END_TEST

/*
 * A check made after the load (an account that does not exist) is placed
 * in the file that holds the key, past comments; the main file's own keys
 * stay in it; a key no file has is named by its path alone.
 */
START_TEST(report_key_names_the_file_that_holds_it)
{
	char	 path[256], *errtext = NULL;
	size_t	 len;
	FILE	*errs;

	inc_write("main.json", "// the site\n{\"include\": \"conf.d/*.json\",\n"
	    "  \"group\": \"g\"}\n");
	inc_write("conf.d/ops.json", "# who\n{\n  \"control_group\": \"x\"}");
	snprintf(path, sizeof(path), "%s/main.json", incdir);
	errs = open_memstream(&errtext, &len);
	config_report_key(path, "control_group", errs, "no group \"%s\"", "x");
	config_report_key(path, "group", errs, "no group \"g\"");
	config_report_key(path, "user", errs, "none");
	inc_write("main.json", "{\"include\": ");
	config_report_key(path, "group", errs, "gone");
	fclose(errs);
	ck_assert_str_eq(inc_errors(errtext),
	    "D/conf.d/ops.json:3:20: control_group: no group \"x\"\n"
	    "D/main.json:3:12: group: no group \"g\"\n"
	    "D/main.json:2:1: user: none\n"
	    "D/main.json: group: gone\n");
	free(errtext);
}
END_TEST

START_TEST(names_every_balance_method)
{
	ck_assert_str_eq(balance_name(BALANCE_ROUNDROBIN), "roundrobin");
	ck_assert_str_eq(balance_name(BALANCE_RANDOM), "random");
	ck_assert_str_eq(balance_name(BALANCE_LEASTCONN), "leastconn");
	ck_assert_str_eq(balance_name(BALANCE_SOURCE), "source");
	ck_assert_str_eq(balance_name(BALANCE_URI), "uri");
	ck_assert_str_eq(balance_name((enum balance)99), "unknown");
}
END_TEST

START_TEST(frees_null)
{
	config_free(NULL);
}
END_TEST

/*
 * String bounds: each key takes a string of exactly its bound and refuses
 * one byte more, naming the key and the bound.  The JSON around the
 * string is "%s" in <fmt>, filled with <fill> repeated.
 */
static const struct bound_case {
	const char	*name;
	const char	*fmt;
	const char	*prefix;	/* leads the string: "/" for paths */
	char		 fill;
	size_t		 bound;
	const char	*path;		/* the key, as the message names it */
} bound_cases[] = {
	{ "health_path", "{\"pools\": {\"p\": {\"backends\": [\"127.0.0.1:1\"], "
	    "\"health\": {\"path\": \"%s\"}}}, " "\"services\": {\"s\": "
	    "{\"listen\": \"127.0.0.1:80\", \"pool\": \"p\"}}}", "/", 'a', 1024,
	    "pools.p.health.path" },
	{ "health_host", "{\"pools\": {\"p\": {\"backends\": [\"127.0.0.1:1\"], "
	    "\"health\": {\"host\": \"%s\"}}}, " "\"services\": {\"s\": "
	    "{\"listen\": \"127.0.0.1:80\", \"pool\": \"p\"}}}", "", 'h', 255,
	    "pools.p.health.host" },
	{ "tls_server_name", "{\"pools\": {\"p\": {\"backends\": "
	    "[\"127.0.0.1:1\"], \"tls_server_name\": \"%s\"}}, \"services\": "
	    "{\"s\": {\"listen\": \"127.0.0.1:80\", \"pool\": \"p\"}}}", "", 'n',
	    255, "pools.p.tls_server_name" },
	{ "user", "{\"user\": \"%s\", " POOLS_LINE SVCS_LINE "}", "", 'u', 255,
	    "user" },
	{ "route_path", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"routes\": [{\"path\": \"%s\", \"pool\": "
	    "\"p\"}]}}}", "/", 'r', 1024, "services.s.routes[0].path" },
	{ "route_host", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"routes\": [{\"host\": \"%s\", \"pool\": "
	    "\"p\"}]}}}", "", 'h', 255, "services.s.routes[0].host" },
	{ "index_file", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", " WEB "\"index\": [\"%s\"]}}}", "", 'i', 255,
	    "services.s.index[0]" },
	{ "docroot", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"role\": \"web_server\", \"docroot\": \"%s\"}}}",
	    "/", 'd', 4095, "services.s.docroot" },
	{ "error_log", "{\"error_log\": \"%s\", " POOLS_LINE SVCS_LINE "}",
	    "/", 'e', 4095, "error_log" },
	{ "upgrade", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"pool\": \"p\", \"upgrade\": [\"%s\"]}}}",
	    "", 'u', 64, "services.s.upgrade[0]" },
};

static char *
bound_json(const struct bound_case *c, size_t len)
{
	char	*value, *json;

	ck_assert_ptr_nonnull(value = malloc(len + 1));
	memset(value, c->fill, len);
	memcpy(value, c->prefix, strlen(c->prefix));
	value[len] = '\0';
	ck_assert_int_ne(asprintf(&json, c->fmt, value), -1);
	free(value);
	return json;
}

START_TEST(bounds_every_string)
{
	const struct bound_case	*c = &bound_cases[_i];
	struct config		*cfg;
	char			*json, *errtext = NULL, want[256];

	json = bound_json(c, c->bound);
	cfg = load(json, &errtext);
	ck_assert_msg(cfg != NULL, "%s: %zu bytes refused: %s", c->name,
	    c->bound, errtext);
	config_free(cfg);
	free(errtext);
	free(json);

	errtext = NULL;
	json = bound_json(c, c->bound + 1);
	cfg = load(json, &errtext);
	ck_assert_msg(cfg == NULL, "%s: %zu bytes loaded", c->name,
	    c->bound + 1);
	snprintf(want, sizeof(want), "%s: longer than %zu bytes; expected at "
	    "most %zu\n", c->path, c->bound, c->bound);
	ck_assert_msg(strstr(errtext, want) != NULL, "%s: expected \"%s\" in:"
	    "\n%s", c->name, want, errtext);
	free(errtext);
	free(json);
}
END_TEST

START_TEST(refuses_an_overlong_address_without_quoting_it)
{
	struct config	*cfg;
	char		*errtext = NULL, *json, addr[80];

	memset(addr, '1', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	ck_assert_int_ne(asprintf(&json, "{\"pools\": {\"p\": {\"backends\": "
	    "[\"%s\"]}}, " SVCS_LINE "}", addr), -1);
	cfg = load(json, &errtext);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(errtext, "pools.p.backends[0]: longer than 63 "
	    "bytes; expected a numeric \"host:port\"\n") != NULL, "%s",
	    errtext);
	ck_assert_ptr_null(strstr(errtext, addr));
	free(errtext);
	free(json);
}
END_TEST

/*
 * Array bounds: <n> elements of <elem> in the array "%s" of <fmt>, the
 * element numbered <first> + i (valid and distinct where it matters).
 */
static const struct count_case {
	const char	*name;
	const char	*fmt;
	const char	*elem;		/* "%d" becomes the element's number */
	int		 first;
	size_t		 bound;
	const char	*expect;	/* "%zu" becomes bound + 1 */
} count_cases[] = {
	{ "listen", "{" POOLS_LINE "\"services\": {\"s\": {\"pool\": \"p\", "
	    "\"listen\": [%s]}}}", "\"127.0.0.1:%d\"", 1, 64,
	    "services.s.listen: %zu addresses; expected at most 64" },
	{ "expect", "{\"pools\": {\"p\": {\"backends\": [\"127.0.0.1:1\"], "
	    "\"health\": {\"expect\": [%s]}}}, " SVCS_LINE "}", "%d", 100, 64,
	    "pools.p.health.expect: %zu entries; expected at most 64" },
	{ "index", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", " WEB "\"index\": [%s]}}}", "\"i%d.html\"", 1,
	    16, "services.s.index: %zu entries; expected at most 16" },
	{ "upgrade", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"pool\": \"p\", \"upgrade\": [%s]}}}",
	    "\"proto%d\"", 1, 16,
	    "services.s.upgrade: %zu entries; expected at most 16" },
	{ "routes", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"routes\": [%s]}}}",
	    "{\"host\": \"h%d.test\", \"pool\": \"p\"}", 1, 10000,
	    "services.s.routes: %zu routes; expected at most 10000" },
	{ "trusted_proxies", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"pool\": \"p\", \"trusted_proxies\": [%s]}}}",
	    "\"fd00::%d/128\"", 0, 10000,
	    "services.s.trusted_proxies: %zu CIDR blocks; expected at most "
	    "10000" },
	{ "certificates", "{" POOLS_LINE "\"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"pool\": \"p\", \"tls\": {\"certificates\": "
	    "[%s]}}}}", "{\"cert\": \"/c%d\", \"key\": \"/k\"}", 1, 1000,
	    "services.s.tls.certificates: %zu certificates; expected at most "
	    "1000" },
};

static char *
count_json(const struct count_case *c, size_t n)
{
	char	*list, *json, one[128];
	size_t	 i, len = 0, cap = 64;
	int	 w;

	ck_assert_ptr_nonnull(list = malloc(cap));
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(one, sizeof(one), c->elem, c->first + (int)i);
		while (len + (size_t)w + 3 > cap)
			ck_assert_ptr_nonnull(list = realloc(list, cap *= 2));
		len += (size_t)sprintf(list + len, "%s%s", i > 0 ? ", " : "",
		    one);
	}
	ck_assert_int_ne(asprintf(&json, c->fmt, list), -1);
	free(list);
	return json;
}

START_TEST(bounds_every_walked_array)
{
	const struct count_case	*c = &count_cases[_i];
	struct config		*cfg;
	char			*json, *errtext = NULL, want[256];

	json = count_json(c, c->bound);
	cfg = load(json, &errtext);
	/* Certificates are only paths here: the config loads. */
	ck_assert_msg(cfg != NULL, "%s: %zu refused: %s", c->name, c->bound,
	    errtext);
	config_free(cfg);
	free(errtext);
	free(json);

	errtext = NULL;
	json = count_json(c, c->bound + 1);
	cfg = load(json, &errtext);
	ck_assert_msg(cfg == NULL, "%s: %zu loaded", c->name, c->bound + 1);
	snprintf(want, sizeof(want), c->expect, c->bound + 1);
	ck_assert_msg(strstr(errtext, want) != NULL, "%s: expected \"%s\" in:"
	    "\n%s", c->name, want, errtext);
	free(errtext);
	free(json);
}
END_TEST

/* Each duplicate names the first of its address, whatever the order. */
START_TEST(reports_each_duplicate_against_the_first)
{
	struct config	*cfg;
	char		*errtext = NULL;

	cfg = load("{\"pools\": {\"p\": {\"backends\": [\n"
	    "\"127.0.0.1:2\",\n\"127.0.0.1:1\",\n\"127.0.0.1:2\",\n"
	    "{\"address\": \"localhost:2\"},\n\"127.0.0.1:1\"]}},\n"
	    "\"services\": {\"a\": {\"listen\": [\"127.0.0.1:80\", "
	    "\"127.0.0.1:81\"], \"pool\": \"p\"},\n"
	    "\"b\": {\"listen\": [\"127.0.0.1:81\", \"127.0.0.1:80\"], "
	    "\"pool\": \"p\"}}}", &errtext);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(errtext,
	    "t.json:4:1: pools.p.backends[2]: \"127.0.0.1:2\" duplicates "
	    "backends[0] of pool \"p\"\n"
	    "t.json:5:13: pools.p.backends[3].address: \"localhost:2\" "
	    "duplicates backends[0] of pool \"p\"\n"
	    "t.json:6:1: pools.p.backends[4]: \"127.0.0.1:1\" duplicates "
	    "backends[1] of pool \"p\"\n"
	    "t.json:8:18: services.b.listen[0]: \"127.0.0.1:81\" is already a "
	    "listen address of service \"a\"\n"
	    "t.json:8:34: services.b.listen[1]: \"127.0.0.1:80\" is already a "
	    "listen address of service \"a\"\n");
	free(errtext);
}
END_TEST

/* The locator on its own: nesting, escapes and missing places. */
/* The locator on its own: nesting, escapes and missing places. */
static const char locate_text[] =
    "{\"a\": [1, {\"b\\\"]\": \"}\"}, [[], {\"c\": 2}]],\n"
    " \"\\ud83d\\ude00\": {\"x\": true}, \"\\u00e9\": null}";

START_TEST(locator_finds_nested_values_and_keys)
{
	struct json_step	 p[4];
	unsigned		 line = 0, col = 0;
	const size_t		 len = strlen(locate_text);

	p[0].key = "a";
	p[1].key = NULL;
	p[1].index = 2;
	p[2].key = NULL;
	p[2].index = 1;
	p[3].key = "c";
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 4, false, &line,
	    &col), 0);
	ck_assert_uint_eq(line, 1);
	ck_assert_uint_eq(col, 37);
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 4, true, &line,
	    &col), 0);
	ck_assert_uint_eq(col, 32);

	p[1].index = 1;
	p[2].key = "b\"]";
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 3, false, &line,
	    &col), 0);
	ck_assert_uint_eq(col, 20);

	p[0].key = "\xf0\x9f\x98\x80";
	p[1].key = "x";
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 2, false, &line,
	    &col), 0);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(col, 24);
	p[0].key = "\xc3\xa9";
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 1, true, &line,
	    &col), 0);
	ck_assert_uint_eq(col, 31);

	ck_assert_int_eq(json_pos_find(locate_text, len, p, 0, false, &line,
	    &col), 0);
	ck_assert_uint_eq(line, 1);
	ck_assert_uint_eq(col, 1);
}
END_TEST

START_TEST(locator_fails_on_missing_places)
{
	struct json_step	 p[2];
	unsigned		 line, col;
	const size_t		 len = strlen(locate_text);

	p[0].key = "nope";
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 1, false, &line,
	    &col), -1);
	p[0].key = "a";
	p[1].key = NULL;
	p[1].index = 3;
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 2, false, &line,
	    &col), -1);
	p[1].key = "k";
	ck_assert_int_eq(json_pos_find(locate_text, len, p, 2, false, &line,
	    &col), -1);
	/* Truncated text must not be read past its end. */
	p[0].key = "\xc3\xa9";
	ck_assert_int_eq(json_pos_find(locate_text, 20, p, 1, false, &line,
	    &col), -1);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("rejects");
	tcase_add_loop_test(tc, rejects_bad_config_with_position_and_path, 0,
	    NELEM(bad_cases));
	tcase_add_loop_test(tc, accepts_the_fixed_versions_of_bad_cases, 0,
	    NELEM(good_cases));
	tcase_add_test(tc, reports_every_error_in_file_order);
	tcase_add_test(tc, locates_keys_written_with_escapes);
	tcase_add_test(tc, keeps_one_error_on_one_line);
	tcase_add_test(tc, reports_each_duplicate_against_the_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_loop_test(tc, bounds_every_string, 0, NELEM(bound_cases));
	tcase_add_test(tc, refuses_an_overlong_address_without_quoting_it);
	tcase_add_loop_test(tc, bounds_every_walked_array, 0,
	    NELEM(count_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("loads");
	tcase_add_test(tc, loads_spec_example_with_its_values);
	tcase_add_test(tc, applies_defaults_to_a_minimal_config);
	tcase_add_test(tc, takes_explicit_values_over_defaults);
	tcase_add_test(tc, loads_a_stats_service);
	tcase_add_test(tc, loads_a_pool_from_its_nodefile);
	tcase_add_test(tc, loads_from_a_file_and_names_it);
	tcase_add_test(tc, loads_the_installed_example_config);
	tcase_add_loop_test(tc, loads_the_shipped_examples, 0,
	    sizeof(shipped_examples) / sizeof(shipped_examples[0]));
	tcase_add_test(tc, reports_a_file_it_cannot_open);
	tcase_add_test(tc, names_every_balance_method);
	tcase_add_test(tc, frees_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("comments and includes");
	tcase_add_test(tc, comments_are_blanks_outside_strings);
	tcase_add_test(tc, syntax_errors_after_comments_keep_their_place);
	tcase_add_checked_fixture(tc, inc_setup, inc_teardown);
	tcase_add_test(tc, includes_merge_pools_and_services_in_name_order);
	tcase_add_loop_test(tc, include_errors_name_the_file_line_and_column,
	    0, NELEM(inc_cases));
	tcase_add_test(tc, load_json_merges_without_checking);
	tcase_add_test(tc, report_key_names_the_file_that_holds_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("locator");
	tcase_add_test(tc, locator_finds_nested_values_and_keys);
	tcase_add_test(tc, locator_fails_on_missing_places);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
