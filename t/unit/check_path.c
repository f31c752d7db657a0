/*
 * common/path.c: one table of targets and what each normalizes to, or why
 * it is refused.  Every target is copied into a buffer of exactly its size
 * so that a read past <len> shows up under ASan or valgrind.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/path.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A literal with its length, so that cases may hold NUL bytes. */
#define RAW(s)		.raw = (s), .raw_len = sizeof(s) - 1

static const struct pcase {
	const char	*name;
	const char	*raw;
	size_t		 raw_len;
	const char	*want;		/* NULL: refused */
	const char	*why;		/* when refused: part of <*why> */
} cases[] = {
	{ "root", RAW("/"), "/", NULL },
	{ "plain", RAW("/a"), "/a", NULL },
	{ "keeps_trailing_slash", RAW("/a/b/"), "/a/b/", NULL },
	{ "collapses_and_resolves", RAW("/a//b/./c/../d"), "/a/b/d", NULL },
	{ "encoded_dotdot_resolves", RAW("/a/%2e%2e/b"), "/b", NULL },
	{ "encoded_dotdot_mixed_case", RAW("/a/%2E%2e/b"), "/b", NULL },
	{ "half_encoded_dotdot", RAW("/a/.%2e/"), "/", NULL },
	{ "dotdot_at_end_gives_dir", RAW("/a/.."), "/", NULL },
	{ "dotdot_at_end_keeps_slash", RAW("/a/b/.."), "/a/", NULL },
	{ "dot_at_end_keeps_slash", RAW("/a/."), "/a/", NULL },
	{ "encoded_dot_at_end", RAW("/a/%2e"), "/a/", NULL },
	{ "dot_slash_at_root", RAW("/./"), "/", NULL },
	{ "double_slash_root", RAW("//"), "/", NULL },
	{ "many_slashes", RAW("///a///"), "/a/", NULL },
	{ "two_dotdots", RAW("/a/b/../../c"), "/c", NULL },
	{ "dots_everywhere", RAW("/a/./b/./"), "/a/b/", NULL },
	{ "dotdot_back_to_root_then_on", RAW("/a/../b/../c/"), "/c/", NULL },
	{ "strips_query", RAW("/a?x=1"), "/a", NULL },
	{ "query_is_not_resolved", RAW("/a?x=/../../"), "/a", NULL },
	{ "empty_query", RAW("/a?"), "/a", NULL },
	{ "query_on_root", RAW("/?q"), "/", NULL },
	{ "query_may_hold_percent", RAW("/a?%zz"), "/a", NULL },
	{ "decodes_space", RAW("/a%20b"), "/a b", NULL },
	{ "decodes_both_cases", RAW("/%41%62%7e%7E"), "/Ab~~", NULL },
	{ "decodes_once_only", RAW("/%252e%252e/x"), "/%2e%2e/x", NULL },
	{ "decodes_percent", RAW("/%25"), "/%", NULL },
	{ "decodes_utf8", RAW("/%c3%a9"), "/\xc3\xa9", NULL },
	{ "three_dots_is_a_name", RAW("/.../x"), "/.../x", NULL },
	{ "dotfile_is_a_name", RAW("/.a"), "/.a", NULL },
	{ "trailing_dots_is_a_name", RAW("/a.."), "/a..", NULL },
	{ "leading_dots_is_a_name", RAW("/..a"), "/..a", NULL },
	{ "absolute_form", RAW("http://h/a/../b?q"), "/b", NULL },
	{ "absolute_form_no_path", RAW("http://h"), "/", NULL },
	{ "absolute_form_https_query", RAW("HTTPS://h:443?x"), "/", NULL },
	{ "absolute_form_root", RAW("http://h/"), "/", NULL },
	{ "absolute_form_port", RAW("http://h:8080//a/"), "/a/", NULL },

	{ "dotdot_at_root", RAW("/.."), NULL, "escapes" },
	{ "dotdot_slash_at_root", RAW("/../a"), NULL, "escapes" },
	{ "encoded_dotdot_at_root", RAW("/%2e%2e/etc/passwd"), NULL,
	    "escapes" },
	{ "encoded_dotdot_upper", RAW("/%2E%2E/"), NULL, "escapes" },
	{ "climbs_past_root", RAW("/a/../../b"), NULL, "escapes" },
	{ "climbs_past_root_encoded", RAW("/a/%2E%2e/%2e%2E/x"), NULL,
	    "escapes" },
	{ "slashes_do_not_hide_dotdot", RAW("//..//x"), NULL, "escapes" },
	{ "absolute_form_climbs", RAW("http://h/.."), NULL, "escapes" },
	{ "encoded_nul", RAW("/x%00y"), NULL, "control" },
	{ "encoded_lf", RAW("/a%0a"), NULL, "control" },
	{ "encoded_del", RAW("/a%7f"), NULL, "control" },
	{ "lone_percent", RAW("/%"), NULL, "percent" },
	{ "short_escape", RAW("/%4"), NULL, "percent" },
	{ "escape_cut_by_query", RAW("/%4?g"), NULL, "percent" },
	{ "non_hex_escape", RAW("/%zz"), NULL, "percent" },
	{ "half_hex_escape", RAW("/%g0"), NULL, "percent" },
	{ "encoded_slash", RAW("/a%2fb"), NULL, "'/'" },
	{ "encoded_slash_upper", RAW("/a%2Fb"), NULL, "'/'" },
	{ "fragment", RAW("/a#frag"), NULL, "fragment" },
	{ "fragment_after_query", RAW("/a?q#f"), NULL, "fragment" },
	{ "relative", RAW("a/b"), NULL, "form" },
	{ "asterisk", RAW("*"), NULL, "form" },
	{ "empty", RAW(""), NULL, "form" },
	{ "other_scheme", RAW("ftp://h/a"), NULL, "form" },
	{ "raw_space", RAW("/a b"), NULL, "space" },
	{ "raw_control", RAW("/a\x01"), NULL, "control" },
	{ "raw_nul", RAW("/a\0b"), NULL, "control" },
	{ "raw_non_ascii", RAW("/\x80"), NULL, "non-ASCII" },
};

START_TEST(normalizes_table)
{
	const struct pcase	*c = &cases[_i];
	char			*t, out[256];
	const char		*why = NULL;
	int			 n;

	/* Exact size, and cap = len + 2 is documented as always enough. */
	t = malloc(c->raw_len + 1);
	ck_assert_ptr_nonnull(t);
	memcpy(t, c->raw, c->raw_len);
	n = path_normalize(t, c->raw_len, out, c->raw_len + 2, &why);
	if (c->want != NULL) {
		ck_assert_msg(n == (int)strlen(c->want),
		    "%s: got %d (%s), want \"%s\"", c->name, n,
		    n == -1 ? why : out, c->want);
		ck_assert_msg(strcmp(out, c->want) == 0,
		    "%s: got \"%s\", want \"%s\"", c->name, out, c->want);
	} else {
		ck_assert_msg(n == -1, "%s: got \"%s\", want refusal",
		    c->name, out);
		ck_assert_msg(why != NULL && strstr(why, c->why) != NULL,
		    "%s: why \"%s\", want \"%s\"", c->name,
		    why == NULL ? "(null)" : why, c->why);
		if (strcmp(c->why, "escapes") == 0)
			ck_assert_msg(why == path_escapes_root, "%s", c->name);
		/* A NULL <why> is allowed. */
		ck_assert_int_eq(path_normalize(t, c->raw_len, out,
		    sizeof(out), NULL), -1);
	}
	free(t);
}
END_TEST

START_TEST(refuses_results_longer_than_cap)
{
	char		 out[8];
	const char	*why = NULL;

	ck_assert_int_eq(path_normalize("/abc", 4, out, 5, &why), 4);
	ck_assert_str_eq(out, "/abc");
	ck_assert_int_eq(path_normalize("/abc", 4, out, 4, &why), -1);
	ck_assert_str_eq(why, "path too long");
	ck_assert_int_eq(path_normalize("/ab/", 4, out, 4, &why), -1);
	ck_assert_int_eq(path_normalize("/", 1, out, 2, &why), 1);
	ck_assert_str_eq(out, "/");
	ck_assert_int_eq(path_normalize("/", 1, out, 1, &why), -1);
	ck_assert_int_eq(path_normalize("/", 1, out, 0, &why), -1);
}
END_TEST

START_TEST(fills_a_buffer_of_exactly_the_result_size)
{
	char	out[6];

	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(path_normalize("/a/b/", 5, out, 6, NULL), 5);
	ck_assert(memcmp(out, "/a/b/", 6) == 0);
	ck_assert_int_eq(path_normalize("/a/b/", 5, out, 5, NULL), -1);
}
END_TEST

START_TEST(reads_no_further_than_len)
{
	char	 out[16];

	/* The bytes after <len> would be a dotdot and a bad escape. */
	ck_assert_int_eq(path_normalize("/a/..%zz", 2, out, sizeof(out),
	    NULL), 2);
	ck_assert_str_eq(out, "/a");
	ck_assert_int_eq(path_normalize("/a%41", 4, out, sizeof(out), NULL),
	    -1);
}
END_TEST

static Suite *
path_suite(void)
{
	Suite	*s = suite_create("path");
	TCase	*tc;

	tc = tcase_create("normalize");
	tcase_add_loop_test(tc, normalizes_table, 0, NELEM(cases));
	tcase_add_test(tc, reads_no_further_than_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("capacity");
	tcase_add_test(tc, refuses_results_longer_than_cap);
	tcase_add_test(tc, fills_a_buffer_of_exactly_the_result_size);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(path_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
