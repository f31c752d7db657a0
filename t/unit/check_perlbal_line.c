/*
 * import/perlbal_line.c: a raw line of a Perlbal configuration becomes the
 * command Perlbal 1.80 runs: '#' starts a comment anywhere, blanks are
 * trimmed and squeezed, ${ip:IFACE} and $NAME expand (and ${NAME}, the
 * import's extension), and only what is left of the first '=' is lowered.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/perlbal_line.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct cook_case {
	const char	*name;
	const char	*raw;
	const char	*cmd;
	const char	*orig;
} cook_cases[] = {
	{ "blank", "   \t\r\n", "", "" },
	{ "comment_only", "# CREATE POOL x", "", "" },
	{ "comment_after", "CREATE POOL web  # the web servers",
	    "create pool web", "CREATE POOL web" },
	{ "hash_inside_a_value_is_a_comment", "SET docroot = /a#b",
	    "set docroot = /a", "SET docroot = /a" },
	{ "indent_and_crlf", "  POOL web ADD 10.0.0.1:80\r\n",
	    "pool web add 10.0.0.1:80", "POOL web ADD 10.0.0.1:80" },
	{ "runs_of_blanks_become_one", "SET\t\tlisten  =\t0.0.0.0:80",
	    "set listen = 0.0.0.0:80", "SET listen = 0.0.0.0:80" },
	{ "value_keeps_case", "SET Docroot = /Var/WWW",
	    "set docroot = /Var/WWW", "SET Docroot = /Var/WWW" },
	{ "only_the_first_equals_splits", "SET A = B = C",
	    "set a = B = C", "SET A = B = C" },
	{ "no_equals_all_lowered", "ENABLE Select", "enable select",
	    "ENABLE Select" },
	{ "env_name", "SET docroot = $W_TEST_ROOT/x",
	    "set docroot = /Srv/Root/x", "SET docroot = $W_TEST_ROOT/x" },
	{ "env_name_before_equals_is_lowered", "CREATE POOL $W_TEST_POOL",
	    "create pool apache_pool", "CREATE POOL $W_TEST_POOL" },
	{ "env_braced_extension", "POOL p ADD ${W_TEST_IP}:8080",
	    "pool p add 10.1.2.3:8080", "POOL p ADD ${W_TEST_IP}:8080" },
	{ "env_unset_reads_empty", "SET x = a$W_TEST_UNSET.b",
	    "set x = a.b", "SET x = a$W_TEST_UNSET.b" },
	{ "lone_dollar_stays", "SET x = 5$ and $", "set x = 5$ and $",
	    "SET x = 5$ and $" },
	{ "empty_braces_stay", "SET x = ${}", "set x = ${}", "SET x = ${}" },
	{ "interface_address", "SET listen = ${ip:lo}:80",
	    "set listen = 127.0.0.1:80", "SET listen = ${ip:lo}:80" },
};

START_TEST(cooks_lines_as_perlbal_does)
{
	const struct cook_case	*c = &cook_cases[_i];
	struct perlbal_line	 l;
	char			 err[PERLBAL_LINE_ERR_MAX];

	setenv("W_TEST_ROOT", "/Srv/Root", 1);
	setenv("W_TEST_POOL", "Apache_Pool", 1);
	setenv("W_TEST_IP", "10.1.2.3", 1);
	unsetenv("W_TEST_UNSET");
	ck_assert_msg(perlbal_line_cook(c->raw, &l, err, sizeof(err)) == 0,
	    "%s: %s", c->name, err);
	ck_assert_msg(strcmp(l.cmd, c->cmd) == 0, "%s: cmd \"%s\", expected "
	    "\"%s\"", c->name, l.cmd, c->cmd);
	ck_assert_msg(strcmp(l.orig, c->orig) == 0, "%s: orig \"%s\", "
	    "expected \"%s\"", c->name, l.orig, c->orig);
	perlbal_line_free(&l);
}
END_TEST

START_TEST(lists_unset_names)
{
	struct perlbal_line	l;
	char			err[PERLBAL_LINE_ERR_MAX];

	unsetenv("W_NOPE1");
	unsetenv("W_NOPE2");
	setenv("W_YES", "y", 1);
	ck_assert_int_eq(perlbal_line_cook("SET a = $W_NOPE1$W_YES${W_NOPE2}",
	    &l, err, sizeof(err)), 0);
	ck_assert_str_eq(l.cmd, "set a = y");
	ck_assert_str_eq(l.unset, "W_NOPE2, W_NOPE1");
	perlbal_line_free(&l);
}
END_TEST

static const struct bad_case {
	const char	*name;
	const char	*raw;
	const char	*why;
} bad_cases[] = {
	{ "unknown_type", "SET listen = ${eth:0}:80",
	    "unknown config variable type in \"${eth:0}\"" },
	{ "not_a_variable", "SET listen = ${a b}:80",
	    "unknown config variable \"${a b}\"" },
	{ "bogus_interface_name", "SET listen = ${ip:e/0}",
	    "bogus-looking interface name in \"${ip:e/0}\"" },
	{ "no_such_interface", "SET listen = ${ip:nosuchif0}",
	    "cannot find the IPv4 address of interface \"nosuchif0\"" },
	{ "empty_type", "SET listen = ${:lo}", "unknown config variable" },
};

START_TEST(refuses_what_perlbal_refuses)
{
	const struct bad_case	*c = &bad_cases[_i];
	struct perlbal_line	 l;
	char			 err[PERLBAL_LINE_ERR_MAX];

	ck_assert_msg(perlbal_line_cook(c->raw, &l, err, sizeof(err)) == -1,
	    "%s: cooked", c->name);
	ck_assert_msg(strstr(err, c->why) != NULL, "%s: \"%s\"", c->name,
	    err);
	perlbal_line_free(&l);
}
END_TEST

START_TEST(bounds_the_expanded_line)
{
	struct perlbal_line	 l;
	char			 err[PERLBAL_LINE_ERR_MAX], *big;

	big = malloc(PERLBAL_LINE_MAX / 2 + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', PERLBAL_LINE_MAX / 2);
	big[PERLBAL_LINE_MAX / 2] = '\0';
	setenv("W_BIG", big, 1);
	ck_assert_int_eq(perlbal_line_cook("SET a = $W_BIG$W_BIG$W_BIG", &l,
	    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "longer than 65536 bytes") != NULL, "%s",
	    err);
	perlbal_line_free(&l);
	ck_assert_int_eq(perlbal_line_cook("SET a = $W_BIG", &l, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(strlen(l.cmd), 8 + PERLBAL_LINE_MAX / 2);
	perlbal_line_free(&l);
	free(big);
}
END_TEST

START_TEST(names_are_perl_words)
{
	ck_assert(perlbal_line_is_name("apache_pool2"));
	ck_assert(!perlbal_line_is_name(""));
	ck_assert(!perlbal_line_is_name("a-b"));
	ck_assert(!perlbal_line_is_name("a.b"));
}
END_TEST

static Suite *
line_suite(void)
{
	Suite	*s = suite_create("perlbal_line");
	TCase	*tc = tcase_create("cook");

	tcase_add_loop_test(tc, cooks_lines_as_perlbal_does, 0,
	    NELEM(cook_cases));
	tcase_add_test(tc, lists_unset_names);
	tcase_add_loop_test(tc, refuses_what_perlbal_refuses, 0,
	    NELEM(bad_cases));
	tcase_add_test(tc, bounds_the_expanded_line);
	tcase_add_test(tc, names_are_perl_words);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(line_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
