/*
 * worker/route.c: routes from a configuration, tried in order, the first
 * that matches wins; hosts without case, port or trailing dot, "*" and
 * "*.suffix" patterns; path prefixes on the normalized path.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "worker/route.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct config	*cfg;

static void
setup(void)
{
	static const char	json[] =
	    "{\"pools\": {\"app\": {\"health\": false,"
	    " \"backends\": [\"127.0.0.1:1\"]},"
	    " \"static\": {\"health\": false, \"backends\": [\"127.0.0.1:2\"]},"
	    " \"img\": {\"health\": false, \"backends\": [\"127.0.0.1:3\"]},"
	    " \"any\": {\"health\": false, \"backends\": [\"127.0.0.1:4\"]}},"
	    " \"services\": {\"www\": {\"listen\": \"127.0.0.1:80\","
	    " \"pool\": \"app\", \"routes\": ["
	    "  {\"host\": \"static.example.com\", \"pool\": \"static\"},"
	    "  {\"host\": \"*.cdn.example.com\", \"path\": \"/img/\","
	    "   \"pool\": \"img\"},"
	    "  {\"path\": \"/thumbs/\", \"pool\": \"static\"},"
	    "  {\"host\": \"*\", \"path\": \"/any/\", \"pool\": \"any\"}]}}}";

	cfg = config_load_string(json, "route.json", stderr);
	ck_assert_ptr_nonnull(cfg);
}

static void
teardown(void)
{
	config_free(cfg);
}

static const struct mcase {
	const char	*host;
	const char	*path;
	const char	*pool;		/* NULL: no route, the default */
} mcases[] = {
	{ "static.example.com", "/", "static" },
	{ "STATIC.Example.COM", "/x", "static" },
	{ "static.example.com:8080", "/", "static" },
	{ "static.example.com.", "/", "static" },
	{ "static.example.com.:80", "/", "static" },
	{ "xstatic.example.com", "/", NULL },
	{ "static.example.co", "/", NULL },
	{ "a.cdn.example.com", "/img/1.png", "img" },
	{ "a.b.cdn.example.com", "/img/", "img" },
	{ "cdn.example.com", "/img/1.png", NULL },
	{ "a.cdn.example.com", "/imgx", NULL },
	{ "anything", "/thumbs/a.jpg", "static" },
	{ "", "/thumbs/", "static" },
	{ "anything", "/thumbs", NULL },
	{ "[::1]:8080", "/any/", "any" },
	{ "[::1]", "/x", NULL },
	/* The first rule that matches wins, in configuration order. */
	{ "static.example.com", "/any/", "static" },
};

START_TEST(routes_match_in_order)
{
	const struct mcase		*c = &mcases[_i];
	const struct route_conf		*r;

	r = route_match(&cfg->services[0], c->host, strlen(c->host), c->path);
	if (c->pool == NULL) {
		ck_assert_msg(r == NULL, "%s %s: matched a route to %s",
		    c->host, c->path, r != NULL && r->pool != NULL ?
		    r->pool->name : "?");
		return;
	}
	ck_assert_msg(r != NULL, "%s %s: no route", c->host, c->path);
	ck_assert_str_eq(r->pool->name, c->pool);
}
END_TEST

START_TEST(host_len_drops_port_and_trailing_dot)
{
	ck_assert_uint_eq(route_host_len("a.example:80", 12), 9);
	ck_assert_uint_eq(route_host_len("a.example.", 10), 9);
	ck_assert_uint_eq(route_host_len("[::1]:443", 9), 5);
	ck_assert_uint_eq(route_host_len("[::1", 4), 4);
	ck_assert_uint_eq(route_host_len("", 0), 0);
	ck_assert_uint_eq(route_host_len(".", 1), 1);
}
END_TEST

START_TEST(host_patterns)
{
	ck_assert(route_host_matches("*", "x", 1));
	ck_assert(route_host_matches("*.a.test", "b.a.test", 8));
	ck_assert(!route_host_matches("*.a.test", "a.test", 6));
	ck_assert(!route_host_matches("*.a.test", ".a.test", 7));
	ck_assert(route_host_matches("a.test", "A.TEST", 6));
	ck_assert(!route_host_matches("a.test", "a.test2", 7));
}
END_TEST

static Suite *
route_suite(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("match");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, routes_match_in_order, 0, NELEM(mcases));
	tcase_add_test(tc, host_len_drops_port_and_trailing_dot);
	tcase_add_test(tc, host_patterns);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(route_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
