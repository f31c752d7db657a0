/*
 * import/perlbal_emit.c: a Perlbal configuration written as weir's.  Each
 * result must load with weir's own loader; the seed scenarios come out as
 * the README writes them by hand (with Perlbal's defaults spelled out);
 * selector rules come out in the order that makes weir's first match
 * Perlbal's choice; what cannot convert is an error naming its line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/config.h"
#include "import/perlbal_conf.h"
#include "import/perlbal_emit.h"
#include "import/perlbal_parse.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct perlbal_conf	 c;
static FILE			*mf;
static char			*msgs;
static size_t			 msglen;

static void
setup(void)
{
	mf = open_memstream(&msgs, &msglen);
	ck_assert_ptr_nonnull(mf);
	perlbal_conf_init(&c, mf);
}

static void
teardown(void)
{
	perlbal_conf_free(&c);
	fclose(mf);
	free(msgs);
}

/*
 * <text> parsed and emitted; a result must pass weir's loader.  NULL when
 * it does not convert (the messages say why).
 */
static json_t *
emit(const char *text)
{
	struct config	*cfg;
	json_t		*root;
	char		*dump;

	perlbal_parse_text(&c, "t.conf", text);
	ck_assert_msg(c.nerrors == 0, "parse: %s", msgs);
	root = perlbal_emit(&c);
	fflush(mf);
	if (root == NULL)
		return NULL;
	dump = json_dumps(root, JSON_INDENT(1));
	cfg = config_load_string(dump, "out.json", mf);
	fflush(mf);
	ck_assert_msg(cfg != NULL, "weir refuses:\n%s\n%s", dump, msgs);
	config_free(cfg);
	free(dump);
	return root;
}

/* <root> equals the JSON <want>, or the test fails showing both. */
static void
assert_json(json_t *root, const char *want)
{
	json_error_t	 je;
	json_t		*w = json_loads(want, 0, &je);
	char		*got;

	ck_assert_msg(w != NULL, "bad expectation: %s", je.text);
	got = json_dumps(root, JSON_INDENT(1));
	ck_assert_msg(json_equal(root, w), "got:\n%s\nwanted:\n%s", got,
	    want);
	free(got);
	json_decref(w);
}

static const char scenario1[] =
	"LOAD vhosts\n"
	"CREATE POOL apache_pool\n"
	"  POOL apache_pool ADD 127.0.0.1:8080\n"
	"CREATE POOL lighttpd_pool\n"
	"  POOL lighttpd_pool ADD 127.0.0.1:8181\n"
	"CREATE SERVICE apache_server\n"
	"  SET role = reverse_proxy\n"
	"  SET pool = apache_pool\n"
	"ENABLE apache_server\n"
	"CREATE SERVICE lighttpd_server\n"
	"  SET role = reverse_proxy\n"
	"  SET pool = lighttpd_pool\n"
	"ENABLE lighttpd_server\n"
	"CREATE SERVICE select\n"
	"  SET listen         = 0.0.0.0:80\n"
	"  SET role           = selector\n"
	"  SET plugins        = vhosts\n"
	"  SET persist_client = on\n"
	"  VHOST static.example.com = lighttpd_server\n"
	"  VHOST *                  = apache_server\n"
	"ENABLE select\n"
	"CREATE SERVICE mgmt\n"
	"  SET role   = management\n"
	"  SET listen = 127.0.0.1:16000\n"
	"ENABLE mgmt\n";

START_TEST(converts_scenario1)
{
	json_t	*root = emit(scenario1);

	ck_assert_msg(root != NULL, "%s", msgs);
	assert_json(root, "{\"pools\": {"
	    "\"apache_pool\": {\"balance\": \"random\", \"backends\": "
	    "[\"127.0.0.1:8080\"], \"persist\": false, \"health\": false},"
	    "\"lighttpd_pool\": {\"balance\": \"random\", \"backends\": "
	    "[\"127.0.0.1:8181\"], \"persist\": false, \"health\": false}},"
	    "\"services\": {\"select\": {\"role\": \"reverse_proxy\", "
	    "\"listen\": \"0.0.0.0:80\", \"pool\": \"apache_pool\", "
	    "\"routes\": [{\"host\": \"static.example.com\", \"pool\": "
	    "\"lighttpd_pool\"}], \"persist_client\": true},"
	    "\"mgmt\": {\"role\": \"management\", \"listen\": "
	    "\"127.0.0.1:16000\"}}}");
	/* The console converts, on the loopback: nothing to say. */
	ck_assert_ptr_null(strstr(msgs, "mgmt"));
	json_decref(root);
}
END_TEST

START_TEST(converts_scenario2)
{
	json_t	*root = emit(
	    "CREATE POOL web_servers\n"
	    "  POOL web_servers ADD 192.0.2.1:8080\n"
	    "  POOL web_servers ADD 192.0.2.2:8080\n"
	    "CREATE SERVICE balancer\n"
	    "  SET listen          = 0.0.0.0:80\n"
	    "  SET role            = reverse_proxy\n"
	    "  SET pool            = web_servers\n"
	    "  SET persist_client  = on\n"
	    "  SET persist_backend = on\n"
	    "  SET verify_backend  = on\n"
	    "  SET balance_method  = random\n"
	    "ENABLE balancer\n");

	ck_assert_msg(root != NULL, "%s", msgs);
	assert_json(root, "{\"pools\": {\"web_servers\": {\"balance\": "
	    "\"random\", \"backends\": [\"192.0.2.1:8080\", \"192.0.2.2:8080\"],"
	    " \"persist\": true, \"verify\": true, \"health\": false}},"
	    "\"services\": {\"balancer\": {\"role\": \"reverse_proxy\", "
	    "\"listen\": \"0.0.0.0:80\", \"pool\": \"web_servers\", "
	    "\"persist_client\": true}}}");
	json_decref(root);
}
END_TEST

#define POOLS \
	"LOAD vhosts\nCREATE POOL a\nPOOL a ADD 10.0.0.1\n" \
	"CREATE POOL b\nPOOL b ADD 10.0.0.2\n" \
	"CREATE SERVICE pa\nSET role = reverse_proxy\nSET pool = a\n" \
	"CREATE SERVICE pb\nSET role = reverse_proxy\nSET pool = b\n" \
	"CREATE SERVICE s\nSET role = selector\nSET listen = 80\n" \
	"SET plugins = vhosts\n"

/* Vhosts.pm tries the host, "*.host", each shorter "*.suffix", "*". */
START_TEST(orders_vhosts_as_perlbal_tries_them)
{
	json_t	*root = emit(POOLS
	    "VHOST * = pa\n"
	    "VHOST *.com = pb\n"
	    "VHOST *.example.com = pa\n"
	    "VHOST www.example.com = pb\n"
	    "VHOST *.img.example.com = pb\n"
	    "VHOST example.com = pb\n"
	    "ENABLE s\n");

	ck_assert_msg(root != NULL, "%s", msgs);
	assert_json(json_object_get(json_object_get(root, "services"), "s"),
	    "{\"role\": \"reverse_proxy\", \"listen\": \"0.0.0.0:80\", "
	    "\"pool\": \"a\", \"routes\": ["
	    "{\"host\": \"www.example.com\", \"pool\": \"b\"},"
	    "{\"host\": \"img.example.com\", \"pool\": \"b\"},"
	    "{\"host\": \"*.img.example.com\", \"pool\": \"b\"},"
	    "{\"host\": \"example.com\", \"pool\": \"b\"},"
	    "{\"host\": \"*.example.com\", \"pool\": \"a\"},"
	    "{\"host\": \"com\", \"pool\": \"b\"},"
	    "{\"host\": \"*.com\", \"pool\": \"b\"}],"
	    "\"persist_client\": false}");
	json_decref(root);
}
END_TEST

START_TEST(drops_vhosts_that_never_match)
{
	json_t	*root = emit(POOLS
	    "VHOST a.example.com:8080 = pa\n"
	    "VHOST a.example.com. = pa\n"
	    "VHOST a.*.com = pa\n"
	    "VHOST x.com;using:y.com = pa\n"
	    "VHOST b.example.com = pb\n"
	    "ENABLE s\n");

	ck_assert_msg(root != NULL, "%s", msgs);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(
	    json_object_get(root, "services"), "s"), "routes")), 1);
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:16: warning: VHOST "
	    "a.example.com:8080: Perlbal strips the port"));
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:17: warning: VHOST "
	    "a.example.com.: Perlbal strips the final dot"));
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:18: warning: VHOST a.*.com: "
	    "only a leading"));
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:19: warning: VHOST "
	    "x.com;using:y.com: host twiddling"));
	json_decref(root);
}
END_TEST

/* weir keeps persist and verify on the pool, Perlbal on the service. */
START_TEST(splits_a_pool_two_services_set_apart)
{
	json_t	*root = emit(
	    "CREATE POOL p\nPOOL p ADD 10.0.0.1:81\n"
	    "CREATE SERVICE one\nSET role = reverse_proxy\nSET pool = p\n"
	    "SET listen = 81\nENABLE one\n"
	    "CREATE SERVICE two\nSET role = reverse_proxy\nSET pool = p\n"
	    "SET listen = 82\nSET persist_backend = on\nENABLE two\n"
	    "CREATE SERVICE three\nSET role = reverse_proxy\nSET pool = p\n"
	    "SET listen = 83\nENABLE three\n");
	json_t	*pools, *svcs;

	ck_assert_msg(root != NULL, "%s", msgs);
	pools = json_object_get(root, "pools");
	svcs = json_object_get(root, "services");
	ck_assert_uint_eq(json_object_size(pools), 2);
	ck_assert(json_is_false(json_object_get(json_object_get(pools, "p"),
	    "persist")));
	ck_assert(json_is_true(json_object_get(json_object_get(pools,
	    "p.two"), "persist")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    svcs, "three"), "pool")), "p");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    svcs, "two"), "pool")), "p.two");
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:10: warning: service two "
	    "uses pool p with other backend settings"));
	json_decref(root);
}
END_TEST

START_TEST(web_servers_as_targets_and_listeners)
{
	json_t	*root = emit(
	    "LOAD vhosts\n"
	    "CREATE SERVICE site\nSET role = web_server\n"
	    "SET docroot = /srv/site/\nSET dirindexing = on\n"
	    "CREATE SERVICE files\nSET role = web_server\n"
	    "SET docroot = /srv/files\nSET listen = 127.0.0.1:81\n"
	    "SET index_files = index.htm, default.htm\n"
	    "SET persist_client_idle_timeout = 5\nENABLE files\n"
	    "CREATE SERVICE v\nSET role = selector\nSET listen = 80\n"
	    "SET plugins = vhosts\nVHOST *.site.com = site\n"
	    "VHOST * = files\nENABLE v\n");

	ck_assert_msg(root != NULL, "%s", msgs);
	assert_json(root, "{\"services\": {"
	    "\"site\": {\"role\": \"web_server\", \"docroot\": \"/srv/site\", "
	    "\"dirindex\": true},"
	    "\"files\": {\"role\": \"web_server\", \"listen\": "
	    "\"127.0.0.1:81\", \"docroot\": \"/srv/files\", \"index\": "
	    "[\"index.htm\", \"default.htm\"], \"persist_client\": false, "
	    "\"client_idle_timeout_ms\": 5000},"
	    "\"v\": {\"role\": \"reverse_proxy\", \"listen\": \"0.0.0.0:80\", "
	    "\"routes\": [{\"host\": \"site.com\", \"service\": \"site\"}, "
	    "{\"host\": \"*.site.com\", \"service\": \"site\"}, "
	    "{\"host\": \"*\", \"service\": \"files\"}], "
	    "\"persist_client\": false}}}");
	json_decref(root);
}
END_TEST

START_TEST(vpaths_become_path_prefixes)
{
	json_t	*root = emit(
	    "LOAD vpaths\n"
	    "CREATE POOL a\nPOOL a ADD 10.0.0.1\n"
	    "CREATE SERVICE pa\nSET role = reverse_proxy\nSET pool = a\n"
	    "CREATE SERVICE s\nSET role = selector\nSET listen = 80\n"
	    "SET plugins = vpaths\n"
	    "VPATH ^/static/ = pa\n"
	    "VPATH ^/img\\.d/.* = pa\n"
	    "VPATH \\.php$ = pa\n"
	    "VPATH ^/a(b|c) = pa\n"
	    "SET default_service = pa\n"
	    "ENABLE s\n");

	ck_assert_msg(root != NULL, "%s", msgs);
	assert_json(json_object_get(json_object_get(root, "services"), "s"),
	    "{\"role\": \"reverse_proxy\", \"listen\": \"0.0.0.0:80\", "
	    "\"pool\": \"a\", \"routes\": [{\"path\": \"/static/\", "
	    "\"pool\": \"a\"}, {\"path\": \"/img.d/\", \"pool\": \"a\"}], "
	    "\"persist_client\": false}");
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:13: warning: VPATH \\.php$: "
	    "not anchored"));
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:14: warning: VPATH "
	    "^/a(b|c): not a plain path prefix"));
	json_decref(root);
}
END_TEST

START_TEST(maps_client_side_tunables)
{
	json_t	*root = emit(
	    "LOAD MaxContentLength\n"
	    "CREATE POOL a\nPOOL a ADD 10.0.0.1\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 10.0.0.9:443\nSET persist_client_timeout = 0\n"
	    "SET always_trusted = yes\nSET plugins = maxcontentlength\n"
	    "SET max_content_length = 1048576\nSET enable_ssl = on\n"
	    "SET ssl_cert_file = /etc/c.pem\nSET ssl_key_file = /etc/k.pem\n"
	    "SERVER pidfile = /run/weir/w.pid\n"
	    "ENABLE s\n");

	ck_assert_msg(root != NULL, "%s", msgs);
	assert_json(root, "{\"pidfile\": \"/run/weir/w.pid\", "
	    "\"pools\": {\"a\": {\"balance\": \"random\", \"backends\": "
	    "[\"10.0.0.1:80\"], \"persist\": false, \"health\": false}},"
	    "\"services\": {\"s\": {\"role\": \"reverse_proxy\", \"listen\": "
	    "\"10.0.0.9:443\", \"pool\": \"a\", \"persist_client\": false, "
	    "\"client_idle_timeout_ms\": 86400000, \"trusted_proxies\": "
	    "[\"0.0.0.0/0\", \"::/0\"], \"max_body_bytes\": 1048576, "
	    "\"tls\": {\"certificates\": [{\"cert\": \"/etc/c.pem\", "
	    "\"key\": \"/etc/k.pem\"}]}}}}");
	ck_assert_ptr_nonnull(strstr(msgs, "t.conf:8: warning: "
	    "persist_client_idle_timeout = 0: weir's client_idle_timeout_ms "
	    "goes up to 86400 s"));
	json_decref(root);
}
END_TEST

START_TEST(round_robin_is_roundrobin)
{
	json_t	*root = emit(
	    "CREATE POOL a\nPOOL a ADD 10.0.0.1\nSET balance_method = "
	    "round_robin\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 80\nENABLE s\n");

	ck_assert_msg(root != NULL, "%s", msgs);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(root, "pools"), "a"), "balance")), "roundrobin");
	json_decref(root);
}
END_TEST

static const struct bad_case {
	const char	*name;
	const char	*text;
	const char	*expect;
	bool		 is_error;
} bad_cases[] = {
	{ "vhost_to_nothing", POOLS "VHOST x.com = nosuch\nENABLE s\n",
	    "t.conf:16: VHOST x.com = nosuch: no service nosuch", true },
	{ "vhost_to_a_capitalized_name", POOLS "VHOST x.com = PA\nENABLE s\n",
	    "t.conf:16: VHOST x.com = PA: no service PA (Perlbal answers 404 "
	    "there); Perlbal's names are in lower case", true },
	{ "vhost_to_a_selector", POOLS "VHOST x.com = s\nENABLE s\n",
	    "t.conf:16: VHOST x.com = s: service s is a selector", true },
	{ "selector_without_plugin", "CREATE SERVICE s\nSET role = selector\n"
	    "SET listen = 80\nENABLE s\n", "t.conf:2: service s: a selector "
	    "without a selecting plugin", true },
	{ "selector_without_rules", "LOAD vhosts\nCREATE SERVICE s\n"
	    "SET role = selector\nSET listen = 80\nSET plugins = vhosts\n"
	    "ENABLE s\n", "t.conf:3: service s: no rule of this selector "
	    "converts", true },
	{ "empty_pool", "CREATE POOL e\nCREATE SERVICE s\n"
	    "SET role = reverse_proxy\nSET pool = e\nSET listen = 80\n"
	    "ENABLE s\n", "t.conf:1: pool e has no node", true },
	{ "proxy_without_pool", "CREATE SERVICE s\nSET role = reverse_proxy\n"
	    "SET listen = 80\nENABLE s\n", "t.conf:1: service s: a "
	    "reverse_proxy without a pool", true },
	{ "web_server_without_docroot", "CREATE SERVICE s\n"
	    "SET role = web_server\nSET listen = 80\nENABLE s\n",
	    "t.conf:2: service s: a web_server without a docroot", true },
	{ "same_listen_twice", "CREATE POOL a\nPOOL a ADD 10.0.0.1\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 80\nENABLE s\n"
	    "CREATE SERVICE t\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 0.0.0.0:80\nENABLE t\n",
	    "t.conf:11: service t listens on 0.0.0.0:80, as service s does "
	    "(t.conf:6)", true },
	{ "nothing_listens", "CREATE SERVICE m\nSET role = management\n"
	    "SET listen = 127.0.0.1:16000\nENABLE m\n", "no service converts",
	    true },
	{ "console_beyond_loopback", "CREATE POOL a\nPOOL a ADD 10.0.0.1\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 80\nENABLE s\n"
	    "CREATE SERVICE m\nSET role = management\n"
	    "SET listen = 0.0.0.0:16000\nENABLE m\n", "t.conf:10: warning: "
	    "service m: the console answers only the loopback, where Perlbal "
	    "answered anyone who reaches 0.0.0.0:16000; list the peers it may "
	    "answer in \"allow\"", false },
	{ "not_enabled", "CREATE POOL a\nPOOL a ADD 10.0.0.1\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 80\nENABLE s\n"
	    "CREATE SERVICE t\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 81\n", "t.conf:11: warning: service t is not "
	    "enabled, so Perlbal does not listen on 0.0.0.0:81; not converted",
	    false },
	{ "unused_empty_pool", "CREATE POOL a\nPOOL a ADD 10.0.0.1\n"
	    "CREATE POOL e\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 80\nENABLE s\n", "t.conf:3: warning: pool e has no "
	    "node and no service uses it", false },
	{ "plugin_role", "LOAD EchoService\nCREATE SERVICE e\n"
	    "SET role = echo\nCREATE POOL a\nPOOL a ADD 10.0.0.1\n"
	    "CREATE SERVICE s\nSET role = reverse_proxy\nSET pool = a\n"
	    "SET listen = 80\nENABLE s\n", "t.conf:3: warning: service e: "
	    "role echo has no weir equivalent", false },
};

START_TEST(says_what_does_not_convert)
{
	const struct bad_case	*b = &bad_cases[_i];
	json_t			*root = emit(b->text);

	ck_assert_msg(strstr(msgs, b->expect) != NULL, "%s: expected \"%s\" "
	    "in:\n%s", b->name, b->expect, msgs);
	if (b->is_error)
		ck_assert_msg(root == NULL && c.nerrors > 0, "%s: converted",
		    b->name);
	else
		ck_assert_msg(root != NULL, "%s: %s", b->name, msgs);
	json_decref(root);
}
END_TEST

static Suite *
emit_suite(void)
{
	Suite	*s = suite_create("perlbal_emit");
	TCase	*tc = tcase_create("emit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, converts_scenario1);
	tcase_add_test(tc, converts_scenario2);
	tcase_add_test(tc, orders_vhosts_as_perlbal_tries_them);
	tcase_add_test(tc, drops_vhosts_that_never_match);
	tcase_add_test(tc, splits_a_pool_two_services_set_apart);
	tcase_add_test(tc, web_servers_as_targets_and_listeners);
	tcase_add_test(tc, vpaths_become_path_prefixes);
	tcase_add_test(tc, maps_client_side_tunables);
	tcase_add_test(tc, round_robin_is_roundrobin);
	tcase_add_loop_test(tc, says_what_does_not_convert, 0,
	    NELEM(bad_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(emit_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
