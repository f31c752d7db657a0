/*
 * worker/accesslog.c: the lines of both formats for records built here,
 * at a fixed time: every field in its place, a backend or "-", the error=
 * field only for an exchange cut short, and whatever came from the client
 * escaped so that it cannot forge a line.
 */
#include <check.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "worker/accesslog.h"

/* 2026-11-25 02:05:30 UTC */
#define NOW	((time_t)1795572330)

static struct access_record	rec;

static void
setup(void)
{
	memset(&rec, 0, sizeof(rec));
	strcpy(rec.peer, "127.0.0.1");
	strcpy(rec.method, "GET");
	strcpy(rec.path, "/index.html?q=1");
	rec.proto = SHM_PROTO_HTTP11;
	rec.status = 200;
	rec.resp_bytes = 10;
	rec.service = "www";
	rec.ntried = 1;
	rec.t_start_us = 1000000;
	rec.t_backend_us = 1000031;
}

static const char *
line(bool is_combined, uint64_t now_us)
{
	static char	out[2048];

	ck_assert_int_gt(accesslog_format(&rec, is_combined, now_us, NOW, out,
	    sizeof(out)), 0);
	return out;
}

START_TEST(weir_format_without_backend)
{
	ck_assert_str_eq(line(false, 1000124),
	    "127.0.0.1 [25/Nov/2026:02:05:30 +0000] \"GET /index.html?q=1 "
	    "HTTP/1.1\" 200 10 service=www backend=- total_ms=0.124 "
	    "backend_ms=0.093 tries=1\n");
}
END_TEST

START_TEST(weir_format_with_backend_and_error)
{
	struct addr	a;

	ck_assert_int_eq(addr_parse("127.0.0.1:38081", &a, NULL), 0);
	rec.backend = &a;
	rec.error = "backend closed early";
	rec.proto = SHM_PROTO_HTTP10;
	ck_assert_str_eq(line(false, 1000124),
	    "127.0.0.1 [25/Nov/2026:02:05:30 +0000] \"GET /index.html?q=1 "
	    "HTTP/1.0\" 200 10 service=www backend=127.0.0.1:38081 "
	    "total_ms=0.124 backend_ms=0.093 tries=1 "
	    "error=\"backend closed early\"\n");
}
END_TEST

START_TEST(combined_format)
{
	strcpy(rec.referer, "http://example.com/");
	strcpy(rec.agent, "curl/7.88.1");
	ck_assert_str_eq(line(true, 1000124),
	    "127.0.0.1 - - [25/Nov/2026:02:05:30 +0000] \"GET "
	    "/index.html?q=1 HTTP/1.1\" 200 10 \"http://example.com/\" "
	    "\"curl/7.88.1\"\n");
	rec.resp_bytes = 0;
	rec.referer[0] = rec.agent[0] = '\0';
	ck_assert_str_eq(line(true, 1000124),
	    "127.0.0.1 - - [25/Nov/2026:02:05:30 +0000] \"GET "
	    "/index.html?q=1 HTTP/1.1\" 200 - \"-\" \"-\"\n");
}
END_TEST

START_TEST(client_text_is_escaped)
{
	strcpy(rec.path, "/a\"b\\c\x01\xff\n");
	strcpy(rec.agent, "x\" 200 1 \"y");
	ck_assert_ptr_nonnull(strstr(line(false, 1000124),
	    "\"GET /a\\\"b\\\\c\\x01\\xff\\x0a HTTP/1.1\""));
	ck_assert_ptr_nonnull(strstr(line(true, 1000124),
	    "\"x\\\" 200 1 \\\"y\"\n"));
	/* One line, whatever came. */
	ck_assert_ptr_eq(strchr(line(true, 1000124), '\n'),
	    line(true, 1000124) + strlen(line(true, 1000124)) - 1);
}
END_TEST

START_TEST(a_rejected_request_logs_dashes)
{
	strcpy(rec.method, "-");
	strcpy(rec.path, "-");
	rec.status = 400;
	rec.resp_bytes = 0;
	rec.t_backend_us = 0;
	ck_assert_str_eq(line(false, 1000500),
	    "127.0.0.1 [25/Nov/2026:02:05:30 +0000] \"- - HTTP/1.1\" 400 0 "
	    "service=www backend=- total_ms=0.500 backend_ms=0.000 "
	    "tries=1\n");
}
END_TEST

static Suite *
accesslog_suite(void)
{
	Suite	*s = suite_create("accesslog");
	TCase	*tc = tcase_create("format");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, weir_format_without_backend);
	tcase_add_test(tc, weir_format_with_backend_and_error);
	tcase_add_test(tc, combined_format);
	tcase_add_test(tc, client_text_is_escaped);
	tcase_add_test(tc, a_rejected_request_logs_dashes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(accesslog_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
