/*
 * master/manage_parse.c, master/manage_exec.c and common/nodefile.c: console
 * lines read as Perlbal 1.80 reads them (its patterns, its error texts),
 * answers in its shapes ("OK", "ERROR: ...", listings ending in "."), the
 * changes going to the runtime API and the services' admin state in a
 * real segment, and node files parsed strictly with the line at fault.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/nodefile.h"
#include "common/shm.h"
#include "master/manage_exec.h"
#include "master/manage_parse.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- parsing ---- */

static const struct parse_case {
	const char		*line;
	enum manage_verb	 verb;
	const char		*name;	/* or the error text */
	const char		*node;
	const char		*key;
	const char		*value;
} parse_cases[] = {
	{ "", MANAGE_NOTHING, "", "", "", "" },
	{ "   # just a comment", MANAGE_NOTHING, "", "", "", "" },
	{ "quit", MANAGE_QUIT, "", "", "", "" },
	{ "QUIT", MANAGE_QUIT, "", "", "", "" },
	{ "exit", MANAGE_QUIT, "", "", "", "" },
	{ "show service", MANAGE_SHOW_SERVICES, "", "", "", "" },
	{ "SHOW   SERVICE\t web ", MANAGE_SHOW_SERVICE, "web", "", "", "" },
	{ "show pool", MANAGE_SHOW_POOLS, "", "", "", "" },
	{ "show pool apache # the main one", MANAGE_SHOW_POOL, "apache", "",
	    "", "" },
	{ "show", MANAGE_ERROR, "Invalid syntax to 'show' command", "", "",
	    "" },
	{ "show pools", MANAGE_ERROR, "Invalid syntax to 'show' command", "",
	    "", "" },
	{ "show service a b", MANAGE_ERROR,
	    "Invalid syntax to 'show' command", "", "", "" },
	{ "POOL ADD web 127.0.0.1:8081", MANAGE_POOL_ADD, "web",
	    "127.0.0.1:8081", "", "" },
	{ "pool web add 10.0.0.1", MANAGE_POOL_ADD, "web", "10.0.0.1:80", "",
	    "" },
	{ "pool remove web 10.0.0.1:81", MANAGE_POOL_REMOVE, "web",
	    "10.0.0.1:81", "", "" },
	{ "pool add web [::1]:81", MANAGE_POOL_ADD, "web", "[::1]:81", "",
	    "" },
	{ "pool delete web 10.0.0.1", MANAGE_ERROR,
	    "Invalid command:  must be 'add' or 'remove'", "", "", "" },
	{ "pool add web host.example:80", MANAGE_ERROR,
	    "Invalid syntax to 'pool' command", "", "", "" },
	{ "pool add web 10.0.0.1:99999", MANAGE_ERROR,
	    "Invalid syntax to 'pool' command", "", "", "" },
	{ "pool add web", MANAGE_ERROR, "Invalid syntax to 'pool' command",
	    "", "", "" },
	{ "create pool extra", MANAGE_CREATE_POOL, "extra", "", "", "" },
	{ "create service x", MANAGE_CREATE_SERVICE, "x", "", "", "" },
	{ "create thing x", MANAGE_ERROR,
	    "usage: CREATE {service|pool} <name>", "", "", "" },
	{ "SET web.nodefile = /etc/Nodes", MANAGE_SET, "web", "", "nodefile",
	    "/etc/Nodes" },
	{ "set web nodefile=/x", MANAGE_SET, "web", "", "nodefile", "/x" },
	{ "set balance_method = random", MANAGE_SET, "", "",
	    "balance_method", "random" },
	{ "set web.nodefile =", MANAGE_ERROR,
	    "usage: SET [<service>] <param> = <value>", "", "", "" },
	{ "set", MANAGE_ERROR, "usage: SET [<service>] <param> = <value>", "",
	    "", "" },
	{ "use web", MANAGE_USE, "web", "", "", "" },
	{ "ENABLE web", MANAGE_ENABLE, "web", "", "", "" },
	{ "disable web", MANAGE_DISABLE, "web", "", "", "" },
	{ "disable", MANAGE_ERROR, "Usage: {ENABLE|DISABLE} <service>", "",
	    "", "" },
	{ "nodes", MANAGE_NODES, "", "", "", "" },
	{ "node 127.0.0.1:8081", MANAGE_NODES, "", "127.0.0.1:8081", "", "" },
	{ "nodes 127.0.0.1", MANAGE_NODES, "", "127.0.0.1:80", "", "" },
	{ "nodes web", MANAGE_ERROR, "Invalid syntax to 'nodes' command", "",
	    "", "" },
	{ "stats", MANAGE_STATS, "", "", "", "" },
	{ "queues", MANAGE_QUEUES, "", "", "", "" },
	{ "queues now", MANAGE_ERROR, "The 'queues' command takes no arguments",
	    "", "", "" },
	{ "states web", MANAGE_STATES, "web", "", "", "" },
	{ "proc", MANAGE_PROC, "", "", "", "" },
	{ "version", MANAGE_VERSION, "", "", "", "" },
	{ "uptime", MANAGE_VERSION, "", "", "", "" },
	{ "load stats", MANAGE_UNSUPPORTED,
	    "'load' is a Perlbal command weir does not run", "", "", "" },
	{ "frobnicate", MANAGE_ERROR, "unknown command: frobnicate", "", "",
	    "" },
	{ "!!", MANAGE_ERROR, "invalid command", "", "", "" },
};

START_TEST(reads_lines_as_perlbal_does)
{
	const struct parse_case	*c = &parse_cases[_i];
	struct manage_req	 r;

	manage_parse(c->line, &r);
	ck_assert_msg(r.verb == c->verb, "\"%s\": verb %s, expected %s",
	    c->line, manage_verb_name(r.verb), manage_verb_name(c->verb));
	if (c->verb == MANAGE_ERROR || c->verb == MANAGE_UNSUPPORTED)
		ck_assert_msg(strcmp(r.error, c->name) == 0,
		    "\"%s\": error \"%s\"", c->line, r.error);
	else
		ck_assert_msg(strcmp(r.name, c->name) == 0,
		    "\"%s\": name \"%s\"", c->line, r.name);
	ck_assert_msg(strcmp(r.node, c->node) == 0, "\"%s\": node \"%s\"",
	    c->line, r.node);
	ck_assert_msg(strcmp(r.key, c->key) == 0, "\"%s\": key \"%s\"",
	    c->line, r.key);
	ck_assert_msg(strcmp(r.value, c->value) == 0, "\"%s\": value \"%s\"",
	    c->line, r.value);
}
END_TEST

START_TEST(overlong_line_is_an_error_not_a_crash)
{
	char			line[4096];
	struct manage_req	r;

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	manage_parse(line, &r);
	ck_assert_int_eq(r.verb, MANAGE_ERROR);
	ck_assert_ptr_nonnull(strstr(r.error, "longer than"));
}
END_TEST

/* ---- answers ---- */

static const char conf_json[] =
    "{\"pools\": {"
    "  \"web\": {\"backends\": [\"127.0.0.1:8081\", \"127.0.0.1:8082\"]},"
    "  \"api\": {\"backends\": [\"10.0.0.9:80\"]}},"
    " \"services\": {"
    "  \"www\": {\"listen\": \"127.0.0.1:8080\", \"pool\": \"web\"},"
    "  \"files\": {\"role\": \"web_server\", \"listen\": \"127.0.0.1:8090\","
    "   \"docroot\": \"/srv\"},"
    "  \"mgmt\": {\"role\": \"management\", \"listen\": \"127.0.0.1:60000\"}"
    "}}";

static char		 dir[64];
static struct config	*cfg;
static struct shm	 shm;
static char		 added[128], removed[128], nodefile[128];

static int
rec_add(void *arg, const char *pool, const char *node, const char *by,
    char *msg, size_t len)
{
	(void)arg;
	(void)by;
	snprintf(added, sizeof(added), "%s %s", pool, node);
	snprintf(msg, len, "added");
	return 0;
}

static int
rec_remove(void *arg, const char *pool, const char *node, const char *by,
    char *msg, size_t len)
{
	(void)arg;
	(void)by;
	snprintf(removed, sizeof(removed), "%s %s", pool, node);
	snprintf(msg, len, "removed");
	return 0;
}

static int
rec_nodefile(void *arg, const char *pool, const char *path, const char *by,
    char *msg, size_t len)
{
	(void)arg;
	(void)by;
	snprintf(nodefile, sizeof(nodefile), "%s %s", pool, path);
	snprintf(msg, len, "File not found");
	return strcmp(path, "/missing") == 0 ? -1 : 0;
}

static const struct manage_ops rec_ops = {
	.pool_add = rec_add,
	.pool_remove = rec_remove,
	.set_nodefile = rec_nodefile,
};

static void
setup(void)
{
	char	path[128];

	strcpy(dir, "/tmp/check_manage.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
	cfg = config_load_string(conf_json, "t.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(shm_create(&shm, path, cfg, 2, NULL), 0);
	added[0] = removed[0] = nodefile[0] = '\0';
}

static void
teardown(void)
{
	char	path[128];

	shm_detach(&shm);
	config_free(cfg);
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
	unlink(path);
	rmdir(dir);
}

/* The answer to <lines> (one session, "\n" between commands). */
static char *
session(const char *lines)
{
	struct manage_ctx	 ctx = { .cfg = cfg, .shm = &shm,
				    .ops = &rec_ops, .by = "by test" };
	struct manage_state	 st;
	struct manage_out	 out = { 0 };
	struct manage_req	 req;
	char			*copy = strdup(lines), *line, *save = NULL;
	char			*text;

	memset(&st, 0, sizeof(st));
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		manage_parse(line, &req);
		manage_exec(&req, &ctx, &st, &out);
	}
	free(copy);
	text = strndup(out.data != NULL ? out.data : "", out.len);
	manage_out_free(&out);
	return text;
}

static const struct answer_case {
	const char	*name;
	const char	*lines;
	const char	*answer;
} answer_cases[] = {
	{ "show service lists by name with state",
	    "show service",
	    "files 127.0.0.1:8090 ENABLED\r\n"
	    "mgmt 127.0.0.1:60000 ENABLED\r\n"
	    "www 127.0.0.1:8080 ENABLED\r\n.\r\n" },
	{ "show service of a proxy: Perlbal's stats_info",
	    "show service www",
	    "SERVICE www\r\n"
	    "     listening: 127.0.0.1:8080\r\n"
	    "          role: reverse_proxy\r\n"
	    "  pend clients: 0\r\n"
	    "  pend backend: 0\r\n"
	    " connect-ahead: 0/0\r\n"
	    "          pool: web\r\n"
	    "         nodes:\r\n"
	    "                127.0.0.1:8081              0\r\n"
	    "                127.0.0.1:8082              0\r\n.\r\n" },
	{ "show service of a web server",
	    "show service files",
	    "SERVICE files\r\n"
	    "     listening: 127.0.0.1:8090\r\n"
	    "          role: web_server\r\n"
	    "  pend clients: 0\r\n"
	    "  pend backend: 0\r\n"
	    "        docroot: /srv\r\n.\r\n" },
	{ "show service of nothing",
	    "show service nope", "ERROR: Unknown service\r\n" },
	{ "show pool lists nodes and users",
	    "show pool",
	    "api nodes 1\r\napi services 0\r\n"
	    "web nodes 2\r\nweb services 1\r\n.\r\n" },
	{ "show pool of one",
	    "show pool web",
	    "127.0.0.1:8081 0\r\n127.0.0.1:8082 0\r\n.\r\n" },
	{ "show pool of nothing",
	    "show pool nope", "ERROR: pool 'nope' does not exist\r\n" },
	{ "pool add of a member is OK and changes nothing",
	    "pool add web 127.0.0.1:8081", "OK\r\n" },
	{ "pool remove of a stranger is OK and changes nothing",
	    "pool remove web 127.0.0.1:9", "OK\r\n" },
	{ "pool add to no pool",
	    "pool add nope 127.0.0.1:9", "ERROR: Pool 'nope' not found\r\n" },
	{ "create an existing pool",
	    "create pool web", "ERROR: pool 'web' already exists\r\n" },
	{ "create a pool named as a service",
	    "create pool www", "ERROR: service 'www' already exists\r\n" },
	{ "use then set without a name",
	    "use api\nset nodefile = none", "OK\r\nOK\r\n" },
	{ "set without a name or context",
	    "set nodefile = /x",
	    "ERROR: omitted service/pool name not implied from context\r\n" },
	{ "set on nothing",
	    "set nope.nodefile = /x",
	    "ERROR: service/pool 'nope' does not exist\r\n" },
	{ "set a node file that is not there",
	    "set web.nodefile = /missing", "ERROR: File not found\r\n" },
	{ "use of nothing",
	    "use nope", "ERROR: Non-existent pool or service 'nope'\r\n" },
	{ "enable an enabled service",
	    "enable www", "ERROR: service www is already enabled\r\n" },
	{ "disable the console itself",
	    "disable mgmt", "ERROR: can't disable management service\r\n" },
	{ "disable twice",
	    "disable www\ndisable www\nshow service",
	    "OK\r\nERROR: service www is already disabled\r\n"
	    "files 127.0.0.1:8090 ENABLED\r\n"
	    "mgmt 127.0.0.1:60000 ENABLED\r\n"
	    "www 127.0.0.1:8080 DISABLED\r\n.\r\n" },
	{ "enable of nothing",
	    "enable nope", "ERROR: service 'nope' does not exist\r\n" },
	{ "queues of each proxy",
	    "queues",
	    "www-normal.age 0\r\nwww-normal.count 0\r\n"
	    "www-highpri.age 0\r\nwww-highpri.count 0\r\n"
	    "www-lowpri.age 0\r\nwww-lowpri.count 0\r\n.\r\n" },
	{ "states when idle", "states", ".\r\n" },
	{ "states of nothing", "states nope", "ERROR: Service not found.\r\n" },
	{ "nodes never tried are not listed", "nodes 10.0.0.9", ".\r\n" },
	{ "blank lines and comments say nothing", "\n# x\n   \n", "" },
	{ "unknown command", "frob", "ERROR: unknown command: frob\r\n" },
};

START_TEST(answers_in_perlbal_shapes)
{
	const struct answer_case	*c = &answer_cases[_i];
	char				*got = session(c->lines);

	ck_assert_msg(strcmp(got, c->answer) == 0, "%s:\n%s\nexpected:\n%s",
	    c->name, got, c->answer);
	free(got);
}
END_TEST

START_TEST(stats_lines_are_perlbal_plugin_columns)
{
	char	*got;

	shm.services[0].requests = 42;
	got = session("stats");
	ck_assert_ptr_nonnull(strstr(got, "www             proxy_requests     "
	    "                 42\r\n"));
	ck_assert_ptr_nonnull(strstr(got, "total           proxy_requests     "
	    "                 42\r\n"));
	ck_assert_ptr_nonnull(strstr(got, "\r\n.\r\n"));
	free(got);
}
END_TEST

START_TEST(nodes_lists_what_a_node_did)
{
	struct shm_backend	*b;
	char			*got;

	b = &shm.backends[shm.pools[1].first_backend];
	b->requests = 3;
	b->responses[1] = 2;
	b->responses[4] = 1;
	got = session("nodes 10.0.0.9");
	ck_assert_str_eq(got, "10.0.0.9:80 attempts 3\r\n"
	    "10.0.0.9:80 requests 3\r\n"
	    "10.0.0.9:80 responsecodes 2xx 2\r\n"
	    "10.0.0.9:80 responsecodes 5xx 1\r\n.\r\n");
	free(got);
}
END_TEST

START_TEST(pool_changes_go_through_the_ops)
{
	char	*got = session("pool add web 10.1.1.1:81\n"
	    "POOL web REMOVE 127.0.0.1:8082\nset web.nodefile = /etc/n");

	ck_assert_str_eq(got, "OK\r\nOK\r\nOK\r\n");
	ck_assert_str_eq(added, "web 10.1.1.1:81");
	ck_assert_str_eq(removed, "web 127.0.0.1:8082");
	ck_assert_str_eq(nodefile, "web /etc/n");
	free(got);
}
END_TEST

START_TEST(disable_reaches_the_segment)
{
	char	*got = session("disable www");

	ck_assert_str_eq(got, "OK\r\n");
	ck_assert_uint_eq(shm.services[0].admin_state, SHM_ADMIN_DISABLED);
	free(got);
	got = session("enable www");
	ck_assert_str_eq(got, "OK\r\n");
	ck_assert_uint_eq(shm.services[0].admin_state, SHM_ADMIN_ENABLED);
	free(got);
}
END_TEST

START_TEST(version_and_proc_end_with_a_dot)
{
	char	*got = session("version\nproc");

	ck_assert_ptr_nonnull(strstr(got, "version 1.80\r\n"));
	ck_assert_ptr_nonnull(strstr(got, "starttime "));
	ck_assert_ptr_nonnull(strstr(got, "pid: "));
	ck_assert_ptr_nonnull(strstr(got, "reqs: 0 (+0)\r\n.\r\n"));
	free(got);
}
END_TEST

START_TEST(answer_is_bounded)
{
	struct manage_out	out = { 0 };
	int			i;

	for (i = 0; i < 100000; i++)
		manage_out_line(&out, "%0100d", i);
	ck_assert(out.is_cut);
	ck_assert_uint_le(out.len, MANAGE_OUT_MAX);
	manage_out_free(&out);
}
END_TEST

/* ---- node files ---- */

static char	warned[1024];

static void
record(void *arg, size_t line, const char *what)
{
	size_t	len = strlen(warned);

	(void)arg;
	snprintf(warned + len, sizeof(warned) - len, "%zu: %s\n", line, what);
}

static const struct nodefile_case {
	const char	*name;
	const char	*text;
	const char	*nodes;		/* space-separated, as read */
	const char	*warnings;
} nodefile_cases[] = {
	{ "empty", "", "", "" },
	{ "comments and blanks", "# nodes\n\n   \t\n", "", "" },
	{ "one per line, port 80 by default",
	    "10.0.0.1:8080\n10.0.0.2 # second\r\n", "10.0.0.1:8080 10.0.0.2:80",
	    "" },
	{ "bare address", "  192.168.1.5  ", "192.168.1.5:80", "" },
	{ "v6", "[::1]:81\n[::2]\n", "[::1]:81 [::2]:80", "" },
	{ "no newline at the end", "10.0.0.1:1", "10.0.0.1:1", "" },
	{ "Perlbal takes the first address of a line",
	    "10.0.0.4:81 10.0.0.5\n", "10.0.0.4:81",
	    "1: \"10.0.0.4:81 10.0.0.5\": read as 10.0.0.4:81, the rest "
	    "ignored\n" },
	{ "a line naming nothing is skipped, said",
	    "\nweb1.example:80\n10.0.0.1\n", "10.0.0.1:80",
	    "2: \"web1.example:80\" names no node; skipped\n" },
	{ "out of range is skipped, said", "10.0.0.1:70000\n999.1.1.1\n", "",
	    "1: \"10.0.0.1:70000\" is not an address (port must be a number "
	    "1..65535); skipped\n"
	    "2: \"999.1.1.1\" is not an address (expected a numeric IPv4 "
	    "address, \"*\" or \"localhost\" before ':port', e.g. "
	    "127.0.0.1:8080); skipped\n" },
	{ "a node named twice counts once", "10.0.0.1\n10.0.0.1:80\n",
	    "10.0.0.1:80", "2: 10.0.0.1:80 is on line 1 already; skipped\n" },
};

START_TEST(nodefile_reads_as_perlbal_and_says_what_it_skips)
{
	const struct nodefile_case	*c = &nodefile_cases[_i];
	struct nodefile_node		*nodes;
	size_t				 n, i;
	char				 why[160], got[512] = "";

	warned[0] = '\0';
	ck_assert_int_eq(nodefile_parse(c->text, strlen(c->text), &nodes, &n,
	    record, NULL, why, sizeof(why)), 0);
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i > 0 ? " " : "", nodes[i].text);
	free(nodes);
	ck_assert_msg(strcmp(got, c->nodes) == 0, "%s: nodes \"%s\"", c->name,
	    got);
	ck_assert_msg(strcmp(warned, c->warnings) == 0, "%s: warnings \"%s\"",
	    c->name, warned);
}
END_TEST

static Suite *
manage_suite(void)
{
	Suite	*s = suite_create("manage");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, reads_lines_as_perlbal_does, 0,
	    NELEM(parse_cases));
	tcase_add_test(tc, overlong_line_is_an_error_not_a_crash);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, answers_in_perlbal_shapes, 0,
	    NELEM(answer_cases));
	tcase_add_test(tc, stats_lines_are_perlbal_plugin_columns);
	tcase_add_test(tc, nodes_lists_what_a_node_did);
	tcase_add_test(tc, pool_changes_go_through_the_ops);
	tcase_add_test(tc, disable_reaches_the_segment);
	tcase_add_test(tc, version_and_proc_end_with_a_dot);
	tcase_add_test(tc, answer_is_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("nodefile");
	tcase_add_loop_test(tc,
	    nodefile_reads_as_perlbal_and_says_what_it_skips, 0,
	    NELEM(nodefile_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(manage_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
