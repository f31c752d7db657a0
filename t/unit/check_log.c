/*
 * common/log.c: the error log's flood control.  A message repeated is
 * written once and counted; other messages keep their own lines; the
 * count is written when the window ends (here: log_flush_repeats()), and
 * the next repeat starts a new window; errors reach the reload capture
 * every time.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"

static char	path[] = "/tmp/check_log.XXXXXX";

/* The log so far, and how many of its lines contain <needle>. */
static int
count(const char *needle)
{
	char	line[4096];
	FILE	*f = fopen(path, "r");
	int	n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

static void
setup(void)
{
	int	fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	close(fd);
	ck_assert_int_eq(log_open(path, LOG_LVL_INFO, "test"), 0);
}

static void
teardown(void)
{
	/* Without fork (CK_FORK=no, as under valgrind) the next case
	   would inherit this one's pending counts. */
	log_flush_repeats();
	unlink(path);
	strcpy(path, "/tmp/check_log.XXXXXX");
}

START_TEST(a_repeat_is_counted_not_written)
{
	int	i;

	for (i = 0; i < 1000; i++)
		log_warn("backend %s (pool %s): connect failed", "10.0.0.1:80",
		    "web");
	ck_assert_int_eq(count("connect failed"), 1);
	ck_assert(log_has_repeats());
	log_flush_repeats();
	ck_assert_int_eq(count("connect failed"), 2);
	ck_assert_int_eq(count("backend 10.0.0.1:80 (pool web): connect "
	    "failed (999 more times in the last 10 s)"), 1);
	ck_assert(!log_has_repeats());
	/* A new window: written at once. */
	log_warn("backend %s (pool %s): connect failed", "10.0.0.1:80", "web");
	ck_assert_int_eq(count("connect failed"), 3);
}
END_TEST

START_TEST(each_object_keeps_its_line)
{
	int	i;

	for (i = 0; i < 300; i++) {
		log_warn("backend %s: refused", "10.0.0.1:80");
		log_warn("backend %s: refused", i % 3 == 0 ? "10.0.0.2:80" :
		    "10.0.0.3:80");
	}
	ck_assert_int_eq(count("10.0.0.1:80: refused"), 1);
	ck_assert_int_eq(count("10.0.0.2:80: refused"), 1);
	ck_assert_int_eq(count("10.0.0.3:80: refused"), 1);
	log_flush_repeats();
	ck_assert_int_eq(count("10.0.0.1:80: refused (299 more times"), 1);
	ck_assert_int_eq(count("10.0.0.2:80: refused (99 more times"), 1);
	ck_assert_int_eq(count("10.0.0.3:80: refused (199 more times"), 1);
}
END_TEST

START_TEST(a_single_line_has_no_count)
{
	log_info("started");
	log_flush_repeats();
	ck_assert_int_eq(count("started"), 1);
	ck_assert_int_eq(count("more time"), 0);
}
END_TEST

START_TEST(more_messages_than_slots_are_all_written)
{
	char	msg[32];
	int	i;

	for (i = 0; i < 1000; i++) {
		snprintf(msg, sizeof(msg), "client 10.0.%d.%d", i / 256,
		    i % 256);
		log_info("%s: bad request", msg);
		log_info("%s: bad request", msg);
	}
	log_flush_repeats();
	ck_assert_int_eq(count(": bad request\n"), 1000);
	ck_assert_int_eq(count(": bad request (1 more time in the last 10 s)"),
	    1000);
}
END_TEST

START_TEST(errors_reach_the_capture_every_time)
{
	char	buf[256];

	log_capture(buf, sizeof(buf));
	log_error("pools: bad");
	log_error("pools: bad");
	log_capture(NULL, 0);
	ck_assert_str_eq(buf, "pools: bad\npools: bad");
	ck_assert_int_eq(count("pools: bad"), 1);
}
END_TEST

START_TEST(below_the_threshold_nothing_is_kept)
{
	int	i;

	for (i = 0; i < 10; i++)
		log_debug("detail");
	ck_assert(!log_has_repeats());
	ck_assert_int_eq(count("detail"), 0);
}
END_TEST

START_TEST(a_child_counts_its_own)
{
	pid_t	pid;
	int	status, i;

	for (i = 0; i < 5; i++)
		log_warn("shared cause");
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* Its parent wrote it, not this process: written. */
		log_warn("shared cause");
		log_flush_repeats();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(count("shared cause\n"), 2);
	ck_assert_int_eq(count("more time"), 0);
	log_flush_repeats();
	ck_assert_int_eq(count("shared cause (4 more times"), 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("repeats");
	SRunner	*sr;
	int	 nfailed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_repeat_is_counted_not_written);
	tcase_add_test(tc, each_object_keeps_its_line);
	tcase_add_test(tc, a_single_line_has_no_count);
	tcase_add_test(tc, more_messages_than_slots_are_all_written);
	tcase_add_test(tc, errors_reach_the_capture_every_time);
	tcase_add_test(tc, below_the_threshold_nothing_is_kept);
	tcase_add_test(tc, a_child_counts_its_own);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? 0 : 1;
}
