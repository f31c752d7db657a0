/*
 * worker/accesslog.c: the lines of both formats for records built here,
 * at a fixed time: every field in its place, a backend or "-", the error=
 * field only for an exchange cut short, and whatever came from the client
 * escaped so that it cannot forge a line; every field of access_log_format
 * and nginx's names for them, what a refused request logs, and the format
 * language itself: what compiles and what is refused, with what message.
 */
#include <check.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/log_format.h"
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

/* ---- formats: every field, and the language ---- */

static struct addr	backend_addr;

/* A record with every field set, the one the field cases format. */
static void
setup_full(void)
{
	setup();
	ck_assert_int_eq(addr_parse("10.0.0.2:8080", &backend_addr, NULL), 0);
	rec.backend = &backend_addr;
	rec.ntried = 2;
	strcpy(rec.referer, "http://ref.example/");
	strcpy(rec.agent, "curl/7.88.1");
	strcpy(rec.host, "www.example.com");
	rec.tls_version = "TLSv1.3";
	strcpy(rec.sni, "www.example.com");
	strcpy(rec.request_id, "0123456789abcdef");
}

/* The line <spec> makes of rec at 1000124 us, without its newline. */
static const char *
line_of(const char *spec)
{
	static char		out[ACCESSLOG_LINE_BYTES];
	struct log_format	f;
	char			why[1024];
	int			n;

	ck_assert_msg(log_format_parse(&f, spec, why, sizeof(why)) == 0,
	    "%s: %s", spec, why);
	n = accesslog_format_with(&f, &rec, 1000124, NOW, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(out[n - 1], '\n');
	ck_assert_uint_eq(strlen(out), (size_t)n);
	out[n - 1] = '\0';
	return out;
}

static const struct field_case {
	const char	*spec;
	const char	*want;
} field_cases[] = {
	{ "$client", "127.0.0.1" },
	{ "$time", "25/Nov/2026:02:05:30 +0000" },
	{ "$time_iso", "2026-11-25T02:05:30Z" },
	{ "$request", "GET /index.html?q=1 HTTP/1.1" },
	{ "$method", "GET" },
	{ "$uri", "/index.html?q=1" },
	{ "$protocol", "HTTP/1.1" },
	{ "$status", "200" },
	{ "$bytes", "10" },
	{ "$bytes_clf", "10" },
	{ "$host", "www.example.com" },
	{ "$tls_version", "TLSv1.3" },
	{ "$sni", "www.example.com" },
	{ "$service", "www" },
	{ "$backend", "10.0.0.2:8080" },
	{ "$tries", "2" },
	{ "$total_ms", "0.124" },
	{ "$backend_ms", "0.093" },
	{ "$request_time", "0.000" },
	{ "$request_id", "0123456789abcdef" },
	{ "$user_agent", "curl/7.88.1" },
	{ "$referer", "http://ref.example/" },
	{ "$error", "-" },
	{ "[$error_note]", "[]" },
	/* nginx's names */
	{ "$remote_addr", "127.0.0.1" },
	{ "$time_local", "25/Nov/2026:02:05:30 +0000" },
	{ "$time_iso8601", "2026-11-25T02:05:30Z" },
	{ "$request_method", "GET" },
	{ "$request_uri", "/index.html?q=1" },
	{ "$server_protocol", "HTTP/1.1" },
	{ "$body_bytes_sent", "10" },
	{ "$http_host", "www.example.com" },
	{ "$ssl_protocol", "TLSv1.3" },
	{ "$ssl_server_name", "www.example.com" },
	{ "$upstream_addr", "10.0.0.2:8080" },
	{ "$http_user_agent", "curl/7.88.1" },
	{ "$http_referer", "http://ref.example/" },
	/* the language */
	{ "${status}xx", "200xx" },
	{ "$status$bytes", "20010" },
	{ "cost: $$5 $status", "cost: $5 200" },
	{ "$$status $status", "$status 200" },
	{ "\"$request\" $status", "\"GET /index.html?q=1 HTTP/1.1\" 200" },
	{ "weir", "127.0.0.1 [25/Nov/2026:02:05:30 +0000] \"GET "
	    "/index.html?q=1 HTTP/1.1\" 200 10 service=www "
	    "backend=10.0.0.2:8080 total_ms=0.124 backend_ms=0.093 tries=2" },
	{ "combined", "127.0.0.1 - - [25/Nov/2026:02:05:30 +0000] \"GET "
	    "/index.html?q=1 HTTP/1.1\" 200 10 \"http://ref.example/\" "
	    "\"curl/7.88.1\"" },
};

START_TEST(formats_each_field)
{
	const struct field_case	*c = &field_cases[_i];

	ck_assert_msg(strcmp(line_of(c->spec), c->want) == 0, "%s: got "
	    "\"%s\", want \"%s\"", c->spec, line_of(c->spec), c->want);
}
END_TEST

/* What a field with nothing to say writes, and what a plain request has. */
START_TEST(empty_fields_are_dashes)
{
	rec.backend = NULL;
	rec.t_backend_us = 0;
	rec.resp_bytes = 0;
	rec.tls_version = NULL;
	rec.sni[0] = rec.host[0] = rec.referer[0] = rec.agent[0] = '\0';
	rec.request_id[0] = '\0';
	ck_assert_str_eq(line_of("$backend $backend_ms $bytes $bytes_clf "
	    "$tls_version $sni $host $referer $user_agent $request_id"),
	    "- 0.000 0 - - - - - - -");
}
END_TEST

START_TEST(error_fields_say_why)
{
	rec.error = "backend closed early";
	ck_assert_str_eq(line_of("$error|$error_note"),
	    "backend closed early| error=\"backend closed early\"");
}
END_TEST

/* Every field from the request is escaped, not only the quoted ones. */
START_TEST(request_fields_are_escaped_everywhere)
{
	strcpy(rec.path, "/a b\"c");
	strcpy(rec.host, "h\\x\n");
	strcpy(rec.sni, "s\x7f");
	strcpy(rec.agent, "a\" 200 1 \"b");
	strcpy(rec.referer, "\xc3\xa9");
	strcpy(rec.request_id, "id\"");
	ck_assert_str_eq(line_of("$uri|$host|$sni|$user_agent|$referer|"
	    "$request_id"), "/a b\\\"c|h\\\\x\\x0a|s\\x7f|a\\\" 200 1 \\\"b|"
	    "\\xc3\\xa9|id\\\"");
}
END_TEST

/* A refused request logs what came of its line, escaped, NUL included. */
START_TEST(a_refused_request_logs_what_came)
{
	static const char	got[] = "GET /\"x\0\x01 HTTP/1.1";

	strcpy(rec.method, "-");
	strcpy(rec.path, "-");
	rec.status = 400;
	memcpy(rec.received, got, sizeof(got) - 1);
	rec.received_len = sizeof(got) - 1;
	ck_assert_str_eq(line_of("\"$request\" $method $uri $status"),
	    "\"GET /\\\"x\\x00\\x01 HTTP/1.1\" - - 400");
	ck_assert_str_eq(line_of("weir"), "127.0.0.1 [25/Nov/2026:02:05:30 "
	    "+0000] \"GET /\\\"x\\x00\\x01 HTTP/1.1\" 400 10 service=www "
	    "backend=10.0.0.2:8080 total_ms=0.124 backend_ms=0.093 tries=2");
}
END_TEST

/* A line longer than the room is cut, and still one line. */
START_TEST(a_long_line_is_cut_and_ends_in_a_newline)
{
	char			out[64];
	struct log_format	f;
	char			why[256];
	int			n;

	memset(rec.agent, '"', sizeof(rec.agent) - 1);
	rec.agent[sizeof(rec.agent) - 1] = '\0';
	ck_assert_int_eq(log_format_parse(&f, "combined", why, sizeof(why)),
	    0);
	n = accesslog_format_with(&f, &rec, 1000124, NOW, out, sizeof(out));
	ck_assert_int_eq(n, (int)sizeof(out) - 1);
	ck_assert_int_eq(out[n - 1], '\n');
	ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
	n = accesslog_format_with(&f, &rec, 1000124, NOW, out, 3);
	ck_assert_str_eq(out, "1\n");
}
END_TEST

static const struct parse_case {
	const char	*spec;
	const char	*why;	/* NULL: it compiles */
} parse_cases[] = {
	{ "weir", NULL },
	{ "combined", NULL },
	{ "$status", NULL },
	{ "${status}", NULL },
	{ "a $$ b $client", NULL },
	{ "common", "expected \"weir\", \"combined\" or a format with "
	    "$fields" },
	{ "no fields at all", "expected \"weir\", \"combined\" or a format "
	    "with $fields" },
	{ "$$", "expected \"weir\", \"combined\" or a format with $fields" },
	{ "$client $stauts", "unknown field \"$stauts\" at character 9; "
	    "expected one of: client, time, time_iso, request, method, uri, "
	    "protocol, status, bytes, bytes_clf, host, tls_version, sni, "
	    "service, backend, tries, total_ms, backend_ms, request_time, "
	    "request_id, user_agent, referer, error, error_note" },
	{ "$Status", "unknown field \"$Status\" at character 1;" },
	{ "$status $", "\"$\" at character 9 is not followed by a field name "
	    "(\"$$\" writes a \"$\")" },
	{ "$ status", "\"$\" at character 1 is not followed by a field name" },
	{ "${}", "\"$\" at character 1 is not followed by a field name" },
	{ "${status", "\"${\" at character 1 has no closing \"}\"" },
	{ "${status x}", "\"${\" at character 1 has no closing \"}\"" },
	{ "$status\t$bytes", "a control character at character 8: each "
	    "request's line must stay one line" },
	{ "$status\n", "a control character at character 8" },
};

START_TEST(parses_formats)
{
	const struct parse_case	*c = &parse_cases[_i];
	struct log_format	 f;
	char			 why[1024] = "";
	int			 rv;

	rv = log_format_parse(&f, c->spec, why, sizeof(why));
	if (c->why == NULL)
		ck_assert_msg(rv == 0, "\"%s\": %s", c->spec, why);
	else
		ck_assert_msg(rv == -1 && strncmp(why, c->why,
		    strlen(c->why)) == 0, "\"%s\": got %d \"%s\", want \"%s\"",
		    c->spec, rv, why, c->why);
}
END_TEST

START_TEST(refuses_formats_over_the_bounds)
{
	struct log_format	f;
	char			spec[LOG_FORMAT_MAX_LEN + 1], why[256];
	size_t			i;

	memset(spec, 'x', sizeof(spec) - 1);
	spec[0] = '$';
	spec[1] = 's';
	spec[sizeof(spec) - 1] = '\0';
	ck_assert_int_eq(log_format_parse(&f, spec, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "a format of 1024 bytes; at most 1023");
	/* "$status-" 65 times: 130 items, over the 128 a format holds. */
	spec[0] = '\0';
	for (i = 0; i < 65; i++)
		strcat(spec, "$status-");
	ck_assert_int_eq(log_format_parse(&f, spec, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "more than 128 fields and pieces of text");
}
END_TEST

/* The fields a format uses, so that the request copies only those. */
START_TEST(knows_the_fields_it_uses)
{
	struct log_format	f;
	char			why[256];

	ck_assert_int_eq(log_format_parse(&f, "combined", why, sizeof(why)),
	    0);
	ck_assert(log_format_uses(&f, LOG_FIELD_REFERER));
	ck_assert(log_format_uses(&f, LOG_FIELD_USER_AGENT));
	ck_assert(!log_format_uses(&f, LOG_FIELD_HOST));
	ck_assert(!log_format_uses(&f, LOG_FIELD_TEXT));
	ck_assert_int_eq(log_format_parse(&f, "weir", why, sizeof(why)), 0);
	ck_assert(!log_format_uses(&f, LOG_FIELD_REFERER));
	ck_assert(!log_format_uses(&f, LOG_FIELD_SNI));
	ck_assert_int_eq(log_format_parse(&f, "$http_host $ssl_server_name",
	    why, sizeof(why)), 0);
	ck_assert(log_format_uses(&f, LOG_FIELD_HOST));
	ck_assert(log_format_uses(&f, LOG_FIELD_SNI));
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

	tc = tcase_create("fields");
	tcase_add_checked_fixture(tc, setup_full, NULL);
	tcase_add_loop_test(tc, formats_each_field, 0,
	    sizeof(field_cases) / sizeof(field_cases[0]));
	tcase_add_test(tc, empty_fields_are_dashes);
	tcase_add_test(tc, error_fields_say_why);
	tcase_add_test(tc, request_fields_are_escaped_everywhere);
	tcase_add_test(tc, a_refused_request_logs_what_came);
	tcase_add_test(tc, a_long_line_is_cut_and_ends_in_a_newline);
	suite_add_tcase(s, tc);

	tc = tcase_create("language");
	tcase_add_loop_test(tc, parses_formats, 0,
	    sizeof(parse_cases) / sizeof(parse_cases[0]));
	tcase_add_test(tc, refuses_formats_over_the_bounds);
	tcase_add_test(tc, knows_the_fields_it_uses);
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
