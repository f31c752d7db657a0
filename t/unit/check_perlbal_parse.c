/*
 * import/perlbal_parse.c and perlbal_set.c: Perlbal 1.80's statements run
 * into a struct perlbal_conf as Perlbal runs them; every malformed or
 * refused line is an error naming the file and line, every tunable weir
 * has nothing for a warning naming the line and the key; INCLUDE and
 * nodefile read their files.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/perlbal_conf.h"
#include "import/perlbal_parse.h"
#include "import/perlbal_tables.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct perlbal_conf	 c;
static FILE			*mf;
static char			*msgs;
static size_t			 msglen;
static char			 dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_perlbal.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	mf = open_memstream(&msgs, &msglen);
	ck_assert_ptr_nonnull(mf);
	perlbal_conf_init(&c, mf);
}

static void
teardown(void)
{
	char	cmd[128];

	perlbal_conf_free(&c);
	fclose(mf);
	free(msgs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Runs <text> as "t.conf"; returns the messages so far. */
static const char *
run(const char *text)
{
	perlbal_parse_text(&c, "t.conf", text);
	fflush(mf);
	return msgs != NULL ? msgs : "";
}

/* A file <name> in the test's directory holding <text>; its path. */
static const char *
file(const char *name, const char *text)
{
	static char	path[4][256];
	static int	n;
	char		*p = path[n++ % 4];
	FILE		*f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static const char *
value(const struct perlbal_service *s, const char *key)
{
	const struct perlbal_setting	*st;

	st = perlbal_conf_setting(s, perlbal_tunable_find(key, c.loaded));
	return st != NULL ? st->value : NULL;
}

START_TEST(runs_every_statement_kind)
{
	struct perlbal_service	*s, *sel, *web;
	struct perlbal_pool	*p;
	const char		*out, *nodes;
	char			 text[2048];

	setenv("W_TEST_DOCS", "/srv/Docs", 1);
	nodes = file("nodes.dat", "# the web servers\n10.0.0.5:81\n"
	    "  server 10.0.0.6  # port 80\n");
	file("more.conf", "CREATE POOL extra\n  POOL extra ADD 10.9.9.9:99\n");
	snprintf(text, sizeof(text),
	    "# comments, blank lines and indents are nothing\n"
	    "\n"
	    "LOAD vhosts\n"
	    "LOAD Include\n"
	    "CREATE POOL web\n"
	    "  POOL web ADD 10.0.0.1:8080\n"
	    "  POOL web ADD 10.0.0.2\n"
	    "  POOL ADD web 10.0.0.3:8081   # verb first, as dumpconfig "
	    "writes\n"
	    "  POOL web ADD 10.0.0.4\n"
	    "  POOL web REMOVE 10.0.0.4\n"
	    "  SET balance_method = random\n"
	    "CREATE POOL filed\n"
	    "  SET nodefile = %s\n"
	    "INCLUDE = %s/m*.conf\n"
	    "DEFAULT persist_client_idle_timeout = 15\n"
	    "CREATE SERVICE Proxy\n"
	    "  SET role = reverse_proxy\n"
	    "  SET pool = web\n"
	    "  SET persist_backend = yes\n"
	    "  SET proxy.verify_backend = ON\n"
	    "  SET trusted_upstream_proxies = 10.0.0.0/8, 192.168.1.1\n"
	    "ENABLE proxy\n"
	    "CREATE SERVICE docs\n"
	    "  SET role = web_server\n"
	    "  SET docroot = $W_TEST_DOCS/\n"
	    "  SET index_files = index.html, index.htm\n"
	    "CREATE SERVICE sel\n"
	    "  SET role = selector\n"
	    "  SET listen = 8000\n"
	    "  SET plugins = vhosts\n"
	    "  VHOST static.example.com = docs\n"
	    "  VHOST sel *.Example.com = proxy\n"
	    "USE proxy\n"
	    "SET listen = 127.0.0.1:8001\n"
	    "ENABLE sel\n"
	    "DISABLE sel\n"
	    "ENABLE sel\n"
	    "SERVER pidfile = /run/pb.pid\n",
	    nodes, dir);
	out = run(text);
	ck_assert_msg(c.nerrors == 0, "%s", out);
	/* weir follows an absolute node file itself: nothing to say. */
	ck_assert_ptr_null(strstr(out, "nodefile"));

	ck_assert_uint_eq(c.npools, 3);
	p = perlbal_conf_pool(&c, "web");
	ck_assert_uint_eq(p->nnodes, 3);
	ck_assert_str_eq(p->nodes[0].ip, "10.0.0.1");
	ck_assert_uint_eq(p->nodes[0].port, 8080);
	ck_assert_uint_eq(p->nodes[1].port, 80);
	ck_assert_str_eq(p->nodes[2].ip, "10.0.0.3");
	ck_assert_int_eq(p->balance, PERLBAL_RANDOM);
	p = perlbal_conf_pool(&c, "filed");
	ck_assert_uint_eq(p->nnodes, 2);
	ck_assert_uint_eq(p->nodes[0].port, 81);
	ck_assert_str_eq(p->nodes[1].ip, "10.0.0.6");
	ck_assert_uint_eq(p->nodes[1].port, 80);
	p = perlbal_conf_pool(&c, "extra");
	ck_assert_uint_eq(p->nodes[0].port, 99);

	/* Names fold to lower case, as everything before '=' does. */
	s = perlbal_conf_service(&c, "proxy");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->role, "reverse_proxy");
	ck_assert(s->is_enabled);
	ck_assert_str_eq(value(s, "pool"), "web");
	ck_assert_str_eq(value(s, "persist_backend"), "1");
	ck_assert_str_eq(value(s, "verify_backend"), "1");
	ck_assert_str_eq(value(s, "listen"), "127.0.0.1:8001");
	ck_assert_str_eq(value(s, "persist_client_idle_timeout"), "15");
	ck_assert_str_eq(value(s, "trusted_upstream_proxies"),
	    "10.0.0.0/8,192.168.1.1/32");
	web = perlbal_conf_service(&c, "docs");
	ck_assert_str_eq(value(web, "docroot"), "/srv/Docs");
	ck_assert(!web->is_enabled);
	sel = perlbal_conf_service(&c, "sel");
	ck_assert(sel->is_enabled);
	ck_assert_str_eq(value(sel, "listen"), "0.0.0.0:8000");
	ck_assert_int_eq(sel->selector, PERLBAL_SELECT_VHOSTS);
	ck_assert_uint_eq(sel->nvhosts, 2);
	ck_assert_str_eq(sel->vhosts[1].pattern, "*.example.com");
	ck_assert_str_eq(sel->vhosts[1].target, "proxy");
	ck_assert_uint_eq(sel->vhosts[1].at.line, 32);
	ck_assert_str_eq(c.pidfile, "/run/pb.pid");
}
END_TEST

static const struct msg_case {
	const char	*name;
	const char	*text;
	const char	*expect;	/* a substring of the messages */
	bool		 is_error;
} msg_cases[] = {
#define SVC(role)	"CREATE SERVICE s\nSET role = " role "\n"
	/* errors, each naming its line */
	{ "create_usage", "CREATE POOL", "t.conf:1: CREATE: usage", true },
	{ "create_bad_name", "\nCREATE POOL a-b", "t.conf:2: CREATE: usage",
	    true },
	{ "create_taken_name", "CREATE POOL p\nCREATE SERVICE p",
	    "t.conf:2: CREATE: pool 'p' already exists", true },
	{ "pool_unknown", "POOL nope ADD 10.0.0.1",
	    "t.conf:1: POOL: pool 'nope' not found", true },
	{ "pool_bad_ip", "CREATE POOL p\nPOOL p ADD 10.0.0.300",
	    "t.conf:2: POOL p add: \"10.0.0.300\": expected an IPv4", true },
	{ "pool_port_zero", "CREATE POOL p\nPOOL p ADD 10.0.0.1:0",
	    "t.conf:2: POOL p add:", true },
	{ "pool_bad_verb", "CREATE POOL p\nPOOL p PUT 10.0.0.1",
	    "t.conf:2: POOL p put: invalid command: must be 'add' or "
	    "'remove'", true },
	{ "use_unknown", "USE x", "t.conf:1: USE: non-existent pool or "
	    "service 'x'", true },
	{ "set_without_context", "SET listen = 80", "t.conf:1: SET listen: "
	    "omitted service/pool name not implied from context", true },
	{ "set_usage", "CREATE SERVICE s\nSET = 1", "t.conf:2: SET: usage",
	    true },
	{ "set_unknown_target", "SET nosuch.listen = 80", "t.conf:1: SET "
	    "listen: service/pool 'nosuch' does not exist", true },
	{ "set_bad_listen", SVC("reverse_proxy") "SET listen = 80:80",
	    "t.conf:3: SET listen: listen argument must be ip:port or port",
	    true },
	{ "set_listen_port_too_big", SVC("reverse_proxy") "SET listen = "
	    "65536", "t.conf:3: SET listen:", true },
	{ "set_key_of_another_role", "CREATE SERVICE s\nSET pool = p",
	    "t.conf:2: SET pool: the 'pool' option can only be set on a "
	    "'reverse_proxy' service", true },
	{ "set_bad_role", "CREATE SERVICE s\nSET role = proxy",
	    "t.conf:2: SET role: role \"proxy\" not valid", true },
	{ "set_bad_bool", SVC("reverse_proxy") "SET persist_backend = maybe",
	    "t.conf:3: SET persist_backend: expecting boolean value", true },
	{ "set_bad_int", SVC("reverse_proxy") "SET connect_ahead = -1",
	    "t.conf:3: SET connect_ahead: expecting integer value", true },
	{ "set_bad_size", SVC("reverse_proxy") "SET buffer_size = 10q",
	    "t.conf:3: SET buffer_size: expecting size unit value", true },
	{ "set_bad_percent", SVC("reverse_proxy") "SET queue_relief_chance = "
	    "101", "t.conf:3: SET queue_relief_chance: expecting integer "
	    "value between 0 and 100", true },
	{ "set_unknown_pool", SVC("reverse_proxy") "SET pool = nope",
	    "t.conf:3: SET pool: pool 'nope' not found", true },
	{ "set_bad_netmask", SVC("reverse_proxy") "SET "
	    "trusted_upstream_proxies = 10.0.0.0/33", "t.conf:3: SET "
	    "trusted_upstream_proxies: error defining trusted upstream "
	    "proxies: \"10.0.0.0/33\"", true },
	{ "set_unknown_key", SVC("reverse_proxy") "SET frobnicate = 1",
	    "t.conf:3: SET frobnicate: unknown service parameter", true },
	{ "set_plugin_key_before_load", SVC("reverse_proxy")
	    "SET max_content_length = 10", "t.conf:3: SET max_content_length: "
	    "unknown service parameter", true },
	{ "set_unknown_pool_key", "CREATE POOL p\nSET p.weight = 3",
	    "t.conf:2: SET weight: unknown pool parameter", true },
	{ "set_bad_balance", "CREATE POOL p\nSET balance_method = least",
	    "t.conf:2: SET balance_method: unknown balance method 'least'",
	    true },
	{ "nodefile_missing", "CREATE POOL p\nSET nodefile = /nonexistent/n",
	    "t.conf:2: SET nodefile: file not found: /nonexistent/n", true },
	{ "vivify_after_create_pool", "CREATE POOL p\n" SVC("reverse_proxy")
	    "SET balance_method = random", "t.conf:4: SET balance_method: "
	    "attempt to vivify pool s_pool", true },
	{ "vhost_before_load", "VHOST a = b", "t.conf:1: unknown command: "
	    "vhost (it comes with plugin Vhosts", true },
	{ "vhost_on_a_proxy", "LOAD vhosts\n" SVC("reverse_proxy")
	    "VHOST a = b", "t.conf:4: VHOST: service 's' is not a selector",
	    true },
	{ "vhost_bad_pattern", "LOAD vhosts\n" SVC("selector")
	    "VHOST a/b = x", "t.conf:4: VHOST: invalid host pattern: 'a/b'",
	    true },
	{ "vhost_usage", "LOAD vhosts\n" SVC("selector") "VHOST a = b-c",
	    "t.conf:4: VHOST: usage", true },
	{ "vhosts_on_a_proxy", "LOAD vhosts\n" SVC("web_server")
	    "SET plugins = vhosts", "t.conf:4: SET plugins: you can't load the "
	    "vhost plugin on a service not of role selector", true },
	{ "load_unknown", "LOAD nosuch", "t.conf:1: LOAD nosuch: can't "
	    "locate Perlbal/Plugin/nosuch.pm", true },
	{ "load_in_a_case_perl_misses", "LOAD notmodified",
	    "t.conf:1: LOAD notmodified: can't locate", true },
	{ "enable_unknown", "ENABLE x", "t.conf:1: ENABLE: service 'x' does "
	    "not exist", true },
	{ "enable_twice", "CREATE SERVICE s\nENABLE s\nENABLE s",
	    "t.conf:3: ENABLE: service s is already enabled", true },
	{ "disable_management", SVC("management") "ENABLE s\nDISABLE s",
	    "t.conf:4: DISABLE: can't disable management service", true },
	{ "server_unknown", "SERVER bogus = 1", "t.conf:1: SERVER bogus: "
	    "unknown server option", true },
	{ "server_not_numeric", "SERVER max_connections = lots",
	    "t.conf:1: SERVER max_connections: expected numeric", true },
	{ "include_before_load", "INCLUDE = /x.conf", "t.conf:1: unknown "
	    "command: include", true },
	{ "include_missing", "LOAD include\nINCLUDE = /nonexistent/x.conf",
	    "t.conf:2: INCLUDE: error opening config file "
	    "(/nonexistent/x.conf): No such file or directory", true },
	{ "include_usage", "LOAD include\nINCLUDE=/x.conf",
	    "t.conf:2: INCLUDE: usage", true },
	{ "unknown_command", "\n\nfrobnicate the pool",
	    "t.conf:3: unknown command: frobnicate", true },
	{ "invalid_command", "= 1", "t.conf:1: invalid command", true },
	{ "shutdown", "SHUTDOWN", "t.conf:1: shutdown: Perlbal stops here",
	    true },
	{ "bad_variable", "# ok\nSET x = ${ip:nosuchif0}", "t.conf:2: cannot "
	    "find the IPv4 address of interface \"nosuchif0\"", true },
	{ "default_role", "DEFAULT role = web_server", "t.conf:1: DEFAULT "
	    "role:", true },
	{ "header_usage", "HEADER s ADD X-A: 1", "t.conf:1: HEADER: usage",
	    true },

	/* warnings, each naming its line and key */
	{ "unmapped_tunable", SVC("reverse_proxy") "SET enable_reproxy = on",
	    "t.conf:3: warning: service s: enable_reproxy = 1: no weir "
	    "equivalent", false },
	{ "unmapped_size", SVC("reverse_proxy") "SET buffer_size = 64k",
	    "t.conf:3: warning: service s: buffer_size = 65536: no weir "
	    "equivalent", false },
	{ "round_robin", "CREATE POOL p\nSET balance_method = round_robin",
	    "t.conf:2: warning: pool p: balance_method = round_robin: Perlbal "
	    "1.80 refuses it", false },
	{ "header", "CREATE SERVICE s\nHEADER s INSERT X-A: 1",
	    "t.conf:2: warning: service s: HEADER INSERT", false },
	{ "server_option", "SERVER aio_mode = none", "t.conf:1: warning: "
	    "SERVER aio_mode = none: no weir equivalent", false },
	{ "unset_variable", SVC("reverse_proxy") "SET listen = "
	    "80$W_TEST_NOT_SET", "t.conf:3: warning: "
	    "$W_TEST_NOT_SET: not set in the environment", false },
	{ "query_command", "SHOW SERVICE", "t.conf:1: warning: show: shows or "
	    "changes Perlbal's running state", false },
	{ "plugin_not_loaded", SVC("selector") "SET plugins = vhosts",
	    "t.conf:3: warning: SET plugins: plugin vhosts not loaded", false },
	{ "plugin_without_equivalent", "LOAD Stats\n" SVC("reverse_proxy")
	    "SET plugins = stats", "t.conf:4: warning: service s: plugin Stats "
	    "(it keeps request statistics): no weir equivalent", false },
	{ "extra_key", SVC("reverse_proxy") "SET s.extra.foo = 1",
	    "t.conf:3: warning: service s: extra.foo = 1: extra "
	    "configuration", false },
	{ "vhost_replaced", "LOAD vhosts\n" SVC("selector")
	    "VHOST a = x\nVHOST a = y", "t.conf:5: warning: service s: VHOST "
	    "a replaces the one at t.conf:4", false },
	{ "vhosts_before_plugins", "LOAD vhosts\n" SVC("selector")
	    "VHOST a = x\nSET plugins = vhosts", "t.conf:5: warning: service "
	    "s: registering Vhosts forgets the VHOST lines above", false },
	{ "default_unmapped", "DEFAULT blind_proxy = yes", "t.conf:1: "
	    "warning: DEFAULT: blind_proxy = 1: no weir equivalent", false },
	{ "default_unknown", "DEFAULT frobnicate = 1", "t.conf:1: warning: "
	    "DEFAULT frobnicate: no service has such a tunable", false },
	{ "vivified_pool", SVC("reverse_proxy") "SET balance_method = random",
	    "t.conf:3: warning: service s: balance_method set on the service "
	    "goes to pool s_pool", false },
#undef SVC
};

START_TEST(reports_each_problem_with_its_line)
{
	const struct msg_case	*m = &msg_cases[_i];
	const char		*out;

	unsetenv("W_TEST_NOT_SET");
	out = run(m->text);
	ck_assert_msg(strstr(out, m->expect) != NULL, "%s: expected \"%s\" "
	    "in:\n%s", m->name, m->expect, out);
	if (m->is_error)
		ck_assert_msg(c.nerrors == 1, "%s: %u errors:\n%s", m->name,
		    c.nerrors, out);
	else
		ck_assert_msg(c.nerrors == 0 && c.nwarnings >= 1, "%s: %u "
		    "errors, %u warnings:\n%s", m->name, c.nerrors,
		    c.nwarnings, out);
}
END_TEST

/* Values with which weir already does what Perlbal does: no warning. */
START_TEST(keeps_quiet_about_what_weir_already_does)
{
	const char	*out;

	out = run("LOAD XFFExtras\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\n"
	    "SET enable_reproxy = off\nSET verify_backend_path = *\n"
	    "SET blind_proxy = no\nSET max_backend_uses = 0\n"
	    "SET buffer_uploads_path = /tmp\nSET plugins = xffextras\n"
	    "SET send_backend_proto = on\nSET persist_client = on\n"
	    "VERBOSE off\n");
	ck_assert_msg(c.nerrors == 0 && c.nwarnings == 0, "%s", out);
}
END_TEST

/* Perlbal stops at the first; the import reports them all, in order. */
START_TEST(reports_every_error_in_one_run)
{
	const char	*out;

	out = run("CREATE POOL\nCREATE POOL p\nPOOL p ADD 1.2.3\n"
	    "POOL p ADD 1.2.3.4\nbogus\n");
	ck_assert_uint_eq(c.nerrors, 3);
	ck_assert_ptr_nonnull(strstr(out, "t.conf:1: "));
	ck_assert_ptr_nonnull(strstr(out, "t.conf:3: "));
	ck_assert_ptr_nonnull(strstr(out, "t.conf:5: "));
	ck_assert_uint_eq(perlbal_conf_pool(&c, "p")->nnodes, 1);
}
END_TEST

/* Setting the role again sets every tunable of it to its default. */
START_TEST(role_resets_tunables_to_defaults)
{
	struct perlbal_service	*s;

	run("CREATE SERVICE s\nSET role = reverse_proxy\n"
	    "SET persist_client = on\nSET listen = 81\n"
	    "SET role = reverse_proxy\n");
	s = perlbal_conf_service(&c, "s");
	ck_assert_ptr_null(value(s, "persist_client"));
	ck_assert_str_eq(value(s, "listen"), "0.0.0.0:81");
}
END_TEST

START_TEST(include_names_the_included_file)
{
	const char	*inc, *out;
	char		 text[512];

	inc = file("inc.conf", "CREATE POOL q\n\nPOOL q ADD 300.1.1.1\n");
	snprintf(text, sizeof(text), "LOAD include\nINCLUDE = %s\n"
	    "CREATE POOL r\n", inc);
	out = run(text);
	snprintf(text, sizeof(text), "%s:3: POOL q add:", inc);
	ck_assert_msg(strstr(out, text) != NULL, "%s", out);
	ck_assert_uint_eq(c.nerrors, 1);
	ck_assert_ptr_nonnull(perlbal_conf_pool(&c, "r"));
}
END_TEST

/* Each file starts without a context: SET needs its own CREATE or USE. */
START_TEST(include_starts_a_new_context)
{
	const char	*inc, *out;
	char		 text[512];

	inc = file("ctx.conf", "SET listen = 81\n");
	snprintf(text, sizeof(text), "LOAD include\nCREATE SERVICE s\n"
	    "INCLUDE = %s\nSET listen = 82\n", inc);
	out = run(text);
	ck_assert_uint_eq(c.nerrors, 1);
	ck_assert_ptr_nonnull(strstr(out, "ctx.conf:1: SET listen: omitted"));
	ck_assert_str_eq(value(perlbal_conf_service(&c, "s"), "listen"),
	    "0.0.0.0:82");
}
END_TEST

START_TEST(include_loop_is_an_error)
{
	const char	*self, *out;
	char		 text[512];

	self = file("self.conf", "");
	snprintf(text, sizeof(text), "LOAD include\nINCLUDE = %s\n", self);
	file("self.conf", text);
	out = run(text);
	ck_assert_uint_eq(c.nerrors, 1);
	ck_assert_msg(strstr(out, "nested more than 16 deep") != NULL, "%s",
	    out);
}
END_TEST

START_TEST(include_glob_without_match_warns)
{
	const char	*out;
	char		 text[512];

	snprintf(text, sizeof(text), "LOAD include\nINCLUDE = %s/none*.conf\n",
	    dir);
	out = run(text);
	ck_assert_uint_eq(c.nerrors, 0);
	ck_assert_msg(strstr(out, "t.conf:2: warning: INCLUDE") != NULL,
	    "%s", out);
}
END_TEST

START_TEST(nodefile_skips_what_is_not_a_node)
{
	struct perlbal_pool	*p;
	const char		*nodes, *out;
	char			 text[512];

	nodes = file("n.dat", "10.0.0.1:8080\n# 10.0.0.2\nno address here\n"
	    "999.1.1.1\n10.0.0.3:70000\n\n10.0.0.4:81 10.0.0.5\n");
	snprintf(text, sizeof(text), "CREATE POOL p\nPOOL p ADD 10.9.9.9\n"
	    "SET p.nodefile = %s\n", nodes);
	out = run(text);
	ck_assert_msg(c.nerrors == 0, "%s", out);
	p = perlbal_conf_pool(&c, "p");
	/* The file replaces the nodes; a line gives its first address. */
	ck_assert_uint_eq(p->nnodes, 2);
	ck_assert_str_eq(p->nodes[0].ip, "10.0.0.1");
	ck_assert_str_eq(p->nodes[1].ip, "10.0.0.4");
	ck_assert_uint_eq(p->nodes[1].port, 81);
	snprintf(text, sizeof(text), "%s:5: warning: pool p: port 70000",
	    nodes);
	ck_assert_msg(strstr(out, text) != NULL, "%s", out);
}
END_TEST

START_TEST(unreadable_file_is_an_error)
{
	perlbal_parse_file(&c, "/nonexistent/perlbal.conf");
	fflush(mf);
	ck_assert_uint_eq(c.nerrors, 1);
	ck_assert_ptr_nonnull(strstr(msgs, "/nonexistent/perlbal.conf: No "
	    "such file or directory"));
}
END_TEST

START_TEST(nul_byte_is_an_error)
{
	char	path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/nul.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite("CREATE POOL p\nCREATE\0 POOL q\n", 1, 29, f);
	fclose(f);
	perlbal_parse_file(&c, path);
	fflush(mf);
	ck_assert_uint_eq(c.nerrors, 1);
	ck_assert_ptr_nonnull(strstr(msgs, "nul.conf:2: a NUL byte"));
}
END_TEST

START_TEST(plugin_names_as_perl_finds_them)
{
	ck_assert_str_eq(perlbal_plugin_load("vhosts")->name, "Vhosts");
	ck_assert_str_eq(perlbal_plugin_load("VHOSTS")->name, "Vhosts");
	ck_assert_str_eq(perlbal_plugin_load("NotModified")->name,
	    "NotModified");
	ck_assert_ptr_null(perlbal_plugin_load("notmodified"));
	ck_assert_ptr_null(perlbal_plugin_load("xffextras"));
	ck_assert_ptr_null(perlbal_plugin_load("nosuch"));
	ck_assert_str_eq(perlbal_plugin_find("xffextras")->name, "XFFExtras");
}
END_TEST

/* doc/perlbal.md has a row for every tunable the import knows. */
START_TEST(documents_every_tunable)
{
	const struct perlbal_tunable	*t;
	const char			*top = getenv("top_srcdir");
	char				 path[4096], name[128], *doc = NULL;
	size_t				 len = 0;
	FILE				*f;

	snprintf(path, sizeof(path), "%s/doc/perlbal.md", top != NULL ? top :
	    ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert(getdelim(&doc, &len, '\0', f) > 0);
	fclose(f);
	for (t = perlbal_tunables; t->name != NULL; t++) {
		snprintf(name, sizeof(name), "`%s`", t->name);
		ck_assert_msg(strstr(doc, name) != NULL, "doc/perlbal.md does "
		    "not name tunable %s", t->name);
	}
	free(doc);
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite	*s = suite_create("perlbal_parse");
	TCase	*tc = tcase_create("statements");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, runs_every_statement_kind);
	tcase_add_loop_test(tc, reports_each_problem_with_its_line, 0,
	    NELEM(msg_cases));
	tcase_add_test(tc, keeps_quiet_about_what_weir_already_does);
	tcase_add_test(tc, reports_every_error_in_one_run);
	tcase_add_test(tc, role_resets_tunables_to_defaults);
	tcase_add_test(tc, include_names_the_included_file);
	tcase_add_test(tc, include_starts_a_new_context);
	tcase_add_test(tc, include_loop_is_an_error);
	tcase_add_test(tc, include_glob_without_match_warns);
	tcase_add_test(tc, nodefile_skips_what_is_not_a_node);
	tcase_add_test(tc, unreadable_file_is_an_error);
	tcase_add_test(tc, nul_byte_is_an_error);
	tcase_add_test(tc, plugin_names_as_perl_finds_them);
	tcase_add_test(tc, documents_every_tunable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(parse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
