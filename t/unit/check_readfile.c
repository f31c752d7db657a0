/*
 * common/readfile.c: regular files of every size up to the bound are read
 * whole and NUL-terminated; a FIFO, a device, a directory, a missing file
 * and a file over the bound are refused at once, with the reason the
 * caller puts after the path.  Each test works in its own directory.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/readfile.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define DIR_TEMPLATE	"/tmp/check_readfile.XXXXXX"

static char	dir[sizeof(DIR_TEMPLATE)];

static void
setup(void)
{
	memcpy(dir, DIR_TEMPLATE, sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A test that blocks is a failure, not a hang. */
	alarm(5);
}

static void
teardown(void)
{
	char	cmd[64 + sizeof(dir)];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

static char *
path_in(const char *name)
{
	static char	p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *path, size_t len, char fill)
{
	FILE	*f = fopen(path, "w");
	size_t	 i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < len; i++)
		fputc(fill, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Sizes around the bound of 1000 bytes and the first internal buffer. */
static const struct size_case {
	const char	*name;
	size_t		 len;
	int		 rv;
} size_cases[] = {
	{ "empty", 0, 0 },
	{ "one_byte", 1, 0 },
	{ "just_under_bound", 999, 0 },
	{ "exactly_the_bound", 1000, 0 },
	{ "one_over_bound", 1001, -1 },
	{ "far_over_bound", 100000, -1 },
};

START_TEST(reads_regular_files_up_to_the_bound)
{
	const struct size_case	*c = &size_cases[_i];
	struct readfile		 f;
	char			 err[READFILE_ERR_MAX];
	char			*p = path_in(c->name);
	size_t			 i;

	write_file(p, c->len, 'x');
	ck_assert_msg(readfile_load(p, 1000, &f, err, sizeof(err)) == c->rv,
	    "%s: %s", c->name, err);
	if (c->rv == -1) {
		ck_assert_msg(strcmp(err, "larger than 1000 bytes") == 0,
		    "%s: got \"%s\"", c->name, err);
		ck_assert_ptr_null(f.data);
		return;
	}
	ck_assert_msg(f.len == c->len, "%s: %zu bytes", c->name, f.len);
	for (i = 0; i < f.len; i++)
		ck_assert_int_eq(f.data[i], 'x');
	ck_assert_int_eq(f.data[f.len], '\0');
	readfile_free(&f);
	ck_assert_ptr_null(f.data);
	ck_assert_uint_eq(f.len, 0);
}
END_TEST

START_TEST(reads_a_file_the_size_of_the_first_buffer)
{
	struct readfile	 f;
	char		 err[READFILE_ERR_MAX];
	char		*p = path_in("b4096");

	write_file(p, 4096, 'y');
	ck_assert_int_eq(readfile_load(p, 1 << 20, &f, err, sizeof(err)), 0);
	ck_assert_uint_eq(f.len, 4096);
	ck_assert_int_eq(f.data[4096], '\0');
	readfile_free(&f);
}
END_TEST

/* /proc files say they are empty and are not: the bound still holds. */
START_TEST(bounds_files_that_report_no_size)
{
	struct readfile	 f;
	char		 err[READFILE_ERR_MAX];

	ck_assert_int_eq(readfile_load("/proc/self/maps", 1 << 20, &f, err,
	    sizeof(err)), 0);
	ck_assert_uint_gt(f.len, 0);
	ck_assert_uint_eq(strlen(f.data), f.len);
	readfile_free(&f);
	ck_assert_int_eq(readfile_load("/proc/self/maps", 10, &f, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "larger than 10 bytes");
}
END_TEST

START_TEST(follows_symbolic_links)
{
	struct readfile	 f;
	char		 err[READFILE_ERR_MAX], target[256];

	snprintf(target, sizeof(target), "%s", path_in("target"));
	write_file(target, 3, 'z');
	ck_assert_int_eq(symlink(target, path_in("link")), 0);
	ck_assert_int_eq(readfile_load(path_in("link"), 100, &f, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(f.data, "zzz");
	readfile_free(&f);
}
END_TEST

static void
assert_refused(const char *path, const char *why)
{
	struct readfile	f;
	char		err[READFILE_ERR_MAX];

	ck_assert_int_eq(readfile_load(path, 1000, &f, err, sizeof(err)), -1);
	ck_assert_msg(strcmp(err, why) == 0, "%s: got \"%s\", expected "
	    "\"%s\"", path, err, why);
	ck_assert_ptr_null(f.data);
	ck_assert_uint_eq(f.len, 0);
}

/* With no writer, an open or a read of a FIFO would wait forever. */
START_TEST(refuses_a_fifo_at_once)
{
	char	*p = path_in("fifo");

	ck_assert_int_eq(mkfifo(p, 0600), 0);
	assert_refused(p, "not a regular file (a FIFO)");
}
END_TEST

START_TEST(refuses_devices)
{
	assert_refused("/dev/zero", "not a regular file (a character "
	    "device)");
	assert_refused("/dev/null", "not a regular file (a character "
	    "device)");
}
END_TEST

START_TEST(refuses_a_directory)
{
	assert_refused(dir, "not a regular file (a directory)");
}
END_TEST

START_TEST(refuses_a_missing_file)
{
	assert_refused(path_in("nope"), "No such file or directory");
}
END_TEST

START_TEST(refuses_a_link_to_a_fifo)
{
	char	target[256];

	snprintf(target, sizeof(target), "%s", path_in("fifo"));
	ck_assert_int_eq(mkfifo(target, 0600), 0);
	ck_assert_int_eq(symlink(target, path_in("link")), 0);
	assert_refused(path_in("link"), "not a regular file (a FIFO)");
}
END_TEST

static Suite *
readfile_suite(void)
{
	Suite	*s = suite_create("readfile");
	TCase	*tc;

	tc = tcase_create("reads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, reads_regular_files_up_to_the_bound, 0,
	    NELEM(size_cases));
	tcase_add_test(tc, reads_a_file_the_size_of_the_first_buffer);
	tcase_add_test(tc, bounds_files_that_report_no_size);
	tcase_add_test(tc, follows_symbolic_links);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuses");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, refuses_a_fifo_at_once);
	tcase_add_test(tc, refuses_devices);
	tcase_add_test(tc, refuses_a_directory);
	tcase_add_test(tc, refuses_a_missing_file);
	tcase_add_test(tc, refuses_a_link_to_a_fifo);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(readfile_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
