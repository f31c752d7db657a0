/*
 * health/probe.c: the verdict on a backend's answer (status against
 * "expect", truncated, garbage, EOF) from bytes alone, every case also fed
 * as a growing prefix; then the state machine over loopback sockets:
 * the exact request, refused connects and timeouts with their details.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/config.h"
#include "health/probe.h"

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))
#define C(n)		(1u << (n))

struct vcase {
	const char		*name;
	unsigned		 mask;		/* expect_class_mask */
	int			 codes[4];	/* expect_codes, 0-terminated */
	const char		*raw;
	bool			 is_eof;
	bool			 has_verdict;
	enum probe_result	 result;
	int			 status;
	const char		*detail;
};

static const struct vcase vcases[] = {
	{ "200 passes 2xx", C(2), { 0 },
	  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false,
	  true, PROBE_OK, 200, "ok: status 200" },
	{ "204 passes 2xx", C(2), { 0 },
	  "HTTP/1.1 204 No Content\r\n\r\n", false,
	  true, PROBE_OK, 204, "ok: status 204" },
	{ "HTTP/1.0 200 passes", C(2), { 0 },
	  "HTTP/1.0 200 OK\r\n\r\n", false,
	  true, PROBE_OK, 200, "ok: status 200" },
	{ "bare LF line ends pass", C(2), { 0 },
	  "HTTP/1.1 200 OK\nServer: x\n\n", false,
	  true, PROBE_OK, 200, "ok: status 200" },
	{ "status without reason passes", C(2), { 0 },
	  "HTTP/1.1 200\r\n\r\n", false,
	  true, PROBE_OK, 200, "ok: status 200" },
	{ "body after the head is not needed", C(2), { 0 },
	  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhel", false,
	  true, PROBE_OK, 200, "ok: status 200" },
	{ "301 fails 2xx", C(2), { 0 },
	  "HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n", false,
	  true, PROBE_BAD_STATUS, 301, "status 301, expected 2xx" },
	{ "301 passes 2xx or 3xx", C(2) | C(3), { 0 },
	  "HTTP/1.1 301 Moved\r\n\r\n", false,
	  true, PROBE_OK, 301, "ok: status 301" },
	{ "404 fails 2xx or 3xx", C(2) | C(3), { 0 },
	  "HTTP/1.1 404 Not Found\r\n\r\n", false,
	  true, PROBE_BAD_STATUS, 404, "status 404, expected 2xx or 3xx" },
	{ "404 passes 4xx", C(4), { 0 },
	  "HTTP/1.1 404 Not Found\r\n\r\n", false,
	  true, PROBE_OK, 404, "ok: status 404" },
	{ "500 fails 2xx", C(2), { 0 },
	  "HTTP/1.1 500 Internal Server Error\r\n\r\n", false,
	  true, PROBE_BAD_STATUS, 500, "status 500, expected 2xx" },
	{ "503 passes a listed 503", 0, { 503 },
	  "HTTP/1.1 503 Busy\r\n\r\n", false,
	  true, PROBE_OK, 503, "ok: status 503" },
	{ "404 passes a list with 404", 0, { 200, 404 },
	  "HTTP/1.1 404 Not Found\r\n\r\n", false,
	  true, PROBE_OK, 404, "ok: status 404" },
	{ "201 fails a list of codes", 0, { 200, 204 },
	  "HTTP/1.1 201 Created\r\n\r\n", false,
	  true, PROBE_BAD_STATUS, 201, "status 201, expected 200 or 204" },
	{ "500 fails a class and codes", C(2), { 301, 302 },
	  "HTTP/1.1 500 Oops\r\n\r\n", false,
	  true, PROBE_BAD_STATUS, 500,
	  "status 500, expected 2xx, 301 or 302" },
	{ "302 passes a class and codes", C(2), { 301, 302 },
	  "HTTP/1.1 302 Found\r\n\r\n", false,
	  true, PROBE_OK, 302, "ok: status 302" },
	{ "interim 100 is skipped for the final 200", C(2), { 0 },
	  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", false,
	  true, PROBE_OK, 200, "ok: status 200" },
	{ "interim 103 is skipped for the final 500", C(2), { 0 },
	  "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
	  "HTTP/1.1 500 Oops\r\n\r\n", false,
	  true, PROBE_BAD_STATUS, 500, "status 500, expected 2xx" },
	{ "interim alone waits for more", C(2), { 0 },
	  "HTTP/1.1 100 Continue\r\n\r\n", false,
	  false, PROBE_OK, 0, NULL },
	{ "interim then EOF is invalid", C(2), { 0 },
	  "HTTP/1.1 100 Continue\r\n\r\n", true,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: closed after an interim 1xx response" },
	{ "101 is a final status", C(2), { 0 },
	  "HTTP/1.1 101 Switching Protocols\r\n\r\n", false,
	  true, PROBE_BAD_STATUS, 101, "status 101, expected 2xx" },
	{ "nothing yet waits", C(2), { 0 },
	  "", false,
	  false, PROBE_OK, 0, NULL },
	{ "EOF before any byte is a closed connection", C(2), { 0 },
	  "", true,
	  true, PROBE_RESET, 0, "connection closed before a response" },
	{ "truncated head waits for more", C(2), { 0 },
	  "HTTP/1.1 200 OK\r\nContent-Le", false,
	  false, PROBE_OK, 0, NULL },
	{ "truncated head at EOF is invalid", C(2), { 0 },
	  "HTTP/1.1 200 OK\r\nContent-Le", true,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: closed before the end of the head" },
	{ "status line alone at EOF is invalid", C(2), { 0 },
	  "HTTP/1.1 200 OK\r\n", true,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: closed before the end of the head" },
	{ "SSH banner is not HTTP", C(2), { 0 },
	  "SSH-2.0-OpenSSH_9.6\r\n", false,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: does not start with HTTP/" },
	{ "TLS alert is not HTTP", C(2), { 0 },
	  "\x15\x03\x01\x00\x02\x02\x46", false,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: does not start with HTTP/" },
	{ "lower-case http is not HTTP", C(2), { 0 },
	  "http/1.1 200 OK\r\n\r\n", false,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: does not start with HTTP/" },
	{ "four-digit status is malformed", C(2), { 0 },
	  "HTTP/1.1 2000 OK\r\n\r\n", false,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: malformed status line" },
	{ "status 999 is out of range", C(2), { 0 },
	  "HTTP/1.1 999 Odd\r\n\r\n", false,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: status code out of range" },
	{ "HTTP/2 status line is rejected", C(2), { 0 },
	  "HTTP/2 200\r\n\r\n", false,
	  true, PROBE_BAD_RESPONSE, 0,
	  "invalid response: bad version in status line" },
	{ "bare CR in a field is rejected", C(2), { 0 },
	  "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", false,
	  true, PROBE_BAD_RESPONSE, 0, "invalid response: bare CR in head" },
};

static void
make_hc(struct health_conf *hc, const struct vcase *vc, int *codes)
{
	size_t	i;

	memset(hc, 0, sizeof(*hc));
	hc->enabled = true;
	hc->path = (char *)"/";
	hc->host = (char *)"localhost";
	hc->interval_ms = 2000;
	hc->timeout_ms = 1000;
	hc->rise = 2;
	hc->fall = 3;
	hc->expect_class_mask = vc->mask;
	for (i = 0; i < 4 && vc->codes[i] != 0; i++)
		codes[i] = vc->codes[i];
	hc->expect_codes = i > 0 ? codes : NULL;
	hc->nexpect_codes = i;
}

START_TEST(judges_whole_answers)
{
	const struct vcase	*vc = &vcases[_i];
	struct health_conf	 hc;
	struct probe_outcome	 o;
	int			 codes[4];
	bool			 got;

	make_hc(&hc, vc, codes);
	memset(&o, 0, sizeof(o));
	got = probe_verdict(&hc, vc->raw, strlen(vc->raw), vc->is_eof, &o);
	ck_assert_msg(got == vc->has_verdict, "%s: verdict %s, expected %s",
	    vc->name, got ? "given" : "pending",
	    vc->has_verdict ? "given" : "pending");
	if (!got)
		return;
	ck_assert_msg(o.result == vc->result, "%s: result %s, expected %s",
	    vc->name, probe_result_str(o.result),
	    probe_result_str(vc->result));
	ck_assert_msg(o.status == vc->status, "%s: status %d, expected %d",
	    vc->name, o.status, vc->status);
	ck_assert_msg(strcmp(o.detail, vc->detail) == 0,
	    "%s: detail \"%s\", expected \"%s\"", vc->name, o.detail,
	    vc->detail);
}
END_TEST

/*
 * Bytes arrive in pieces: on every shorter prefix (no EOF yet) the probe
 * either waits or has already reached the verdict the whole answer gets.
 */
START_TEST(prefix_verdict_is_pending_or_final)
{
	const struct vcase	*vc = &vcases[_i];
	struct health_conf	 hc;
	struct probe_outcome	 whole, part;
	int			 codes[4];
	size_t			 len = strlen(vc->raw), k;

	make_hc(&hc, vc, codes);
	memset(&whole, 0, sizeof(whole));
	(void)probe_verdict(&hc, vc->raw, len, vc->is_eof, &whole);
	for (k = 0; k < len; k++) {
		memset(&part, 0, sizeof(part));
		if (!probe_verdict(&hc, vc->raw, k, false, &part))
			continue;
		ck_assert_msg(vc->has_verdict, "%s: verdict at %zu of %zu "
		    "bytes, none on the whole", vc->name, k, len);
		ck_assert_msg(part.result == whole.result &&
		    part.status == whole.status &&
		    strcmp(part.detail, whole.detail) == 0,
		    "%s: at %zu of %zu bytes \"%s\", whole \"%s\"", vc->name,
		    k, len, part.detail, whole.detail);
	}
}
END_TEST

/* A pool without "expect", as the configuration loader builds it. */
static const struct dcase {
	const char		*name;
	const char		*raw;
	enum probe_result	 result;
	const char		*detail;
} dcases[] = {
	{ "200", "HTTP/1.1 200 OK\r\n\r\n", PROBE_OK, "ok: status 200" },
	{ "204", "HTTP/1.1 204 No Content\r\n\r\n", PROBE_OK,
	  "ok: status 204" },
	{ "302 to a login page",
	  "HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n", PROBE_OK,
	  "ok: status 302" },
	{ "301", "HTTP/1.1 301 Moved Permanently\r\n\r\n", PROBE_OK,
	  "ok: status 301" },
	{ "304", "HTTP/1.1 304 Not Modified\r\n\r\n", PROBE_OK,
	  "ok: status 304" },
	{ "403 of lighttpd without an index file",
	  "HTTP/1.1 403 Forbidden\r\n\r\n", PROBE_BAD_STATUS,
	  "status 403, expected 2xx or 3xx" },
	{ "404", "HTTP/1.1 404 Not Found\r\n\r\n", PROBE_BAD_STATUS,
	  "status 404, expected 2xx or 3xx" },
	{ "500", "HTTP/1.1 500 Internal Server Error\r\n\r\n",
	  PROBE_BAD_STATUS, "status 500, expected 2xx or 3xx" },
	{ "503", "HTTP/1.1 503 Service Unavailable\r\n\r\n",
	  PROBE_BAD_STATUS, "status 503, expected 2xx or 3xx" },
};

/* HAProxy's httpchk default: 2xx and 3xx pass, everything else fails. */
START_TEST(default_expect_passes_2xx_and_3xx_only)
{
	const struct dcase	*dc = &dcases[_i];
	struct config		*cfg;
	struct probe_outcome	 o;

	cfg = config_load_string("{\"pools\": {\"p\": {\"backends\": "
	    "[\"127.0.0.1:8080\"]}}, \"services\": {\"s\": {\"listen\": "
	    "\"127.0.0.1:80\", \"pool\": \"p\"}}}", "t.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	memset(&o, 0, sizeof(o));
	ck_assert(probe_verdict(&cfg->pools[0].health, dc->raw,
	    strlen(dc->raw), false, &o));
	ck_assert_msg(o.result == dc->result && strcmp(o.detail, dc->detail)
	    == 0, "%s: %s \"%s\", expected %s \"%s\"", dc->name,
	    probe_result_str(o.result), o.detail,
	    probe_result_str(dc->result), dc->detail);
	config_free(cfg);
}
END_TEST

START_TEST(head_over_16k_is_invalid_not_pending)
{
	static char		 raw[PROBE_MAX_HEAD];
	struct vcase		 vc = { "big", C(2), { 0 }, NULL, false,
				    true, PROBE_BAD_RESPONSE, 0, NULL };
	struct health_conf	 hc;
	struct probe_outcome	 o;
	int			 codes[4];
	size_t			 off;

	make_hc(&hc, &vc, codes);
	off = (size_t)snprintf(raw, sizeof(raw), "HTTP/1.1 200 OK\r\n");
	while (off + 8 <= sizeof(raw))
		off += (size_t)snprintf(raw + off, sizeof(raw) - off,
		    "X: abc\r\n");
	memset(raw + off, 'x', sizeof(raw) - off);
	ck_assert(probe_verdict(&hc, raw, sizeof(raw), false, &o));
	ck_assert_int_eq(o.result, PROBE_BAD_RESPONSE);
	ck_assert_str_eq(o.detail, "invalid response: head too large");
}
END_TEST

START_TEST(every_result_has_a_distinct_name)
{
	int	i, j;

	for (i = 0; i < PROBE_RESULT_COUNT; i++) {
		ck_assert_ptr_nonnull(probe_result_str((enum probe_result)i));
		ck_assert_str_ne(probe_result_str((enum probe_result)i), "?");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(probe_result_str((enum probe_result)i),
			    probe_result_str((enum probe_result)j));
	}
	ck_assert_str_eq(probe_result_str(PROBE_RESULT_COUNT), "?");
}
END_TEST

/* Loopback fixtures: a listener on an ephemeral port, and the probe. */

static int
listen_any(struct addr *a, bool do_listen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a->ss;
	int			 fd;

	memset(a, 0, sizeof(*a));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->len = sizeof(*sin);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a->ss, a->len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a->ss, &a->len),
	    0);
	if (do_listen)
		ck_assert_int_eq(listen(fd, 8), 0);
	return fd;
}

/*
 * Runs <p> the way health.c does (edge-triggered, both directions) until
 * it ends or <wait_ms> pass without an event.  True when it ended.
 */
static bool
drive(struct probe *p, int wait_ms)
{
	struct epoll_event	ee;
	int			ep, n;
	bool			running = true;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ne(ep, -1);
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN | EPOLLOUT | EPOLLET;
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, p->fd, &ee), 0);
	while (running) {
		n = epoll_wait(ep, &ee, 1, wait_ms);
		if (n == 0)
			break;
		ck_assert_int_eq(n, 1);
		running = probe_run(p, ee.events);
	}
	close(ep);
	return !running;
}

static void
loop_hc(struct health_conf *hc)
{
	static const struct vcase	vc = { "loop", C(2), { 0 }, NULL,
					    false, false, PROBE_OK, 0, NULL };
	static int			codes[4];

	make_hc(hc, &vc, codes);
	hc->path = (char *)"/health?full=1";
	hc->host = (char *)"app.example";
}

START_TEST(sends_the_documented_request_and_passes_on_200)
{
	static const char	want[] = "GET /health?full=1 HTTP/1.1\r\n"
				    "Host: app.example\r\n"
				    "User-Agent: weir-health\r\n"
				    "Connection: close\r\n\r\n";
	static const char	resp[] = "HTTP/1.1 200 OK\r\n"
				    "Content-Length: 2\r\n\r\nok";
	struct health_conf	 hc;
	struct addr		 a;
	struct probe		*p = calloc(1, sizeof(*p));
	char			 got[512];
	size_t			 n = 0;
	ssize_t			 r;
	int			 lfd, cfd;

	ck_assert_ptr_nonnull(p);
	loop_hc(&hc);
	lfd = listen_any(&a, true);
	ck_assert_int_eq(probe_init(p, &hc, &a), 0);
	ck_assert(probe_start(p, 1000));
	/* Connected and sent; now it waits for the answer. */
	ck_assert(!drive(p, 100));
	ck_assert_int_eq(p->state, PROBE_READING);
	cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ne(cfd, -1);
	while (n < sizeof(want) - 1 &&
	    (r = read(cfd, got + n, sizeof(got) - n)) > 0)
		n += (size_t)r;
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert(memcmp(got, want, n) == 0);
	ck_assert_int_eq(write(cfd, resp, sizeof(resp) - 1),
	    (ssize_t)sizeof(resp) - 1);
	ck_assert(drive(p, 1000));
	ck_assert_int_eq(p->out.result, PROBE_OK);
	ck_assert_int_eq(p->out.status, 200);
	ck_assert_str_eq(p->out.detail, "ok: status 200");
	ck_assert_int_eq(p->fd, -1);
	ck_assert_int_eq(p->state, PROBE_IDLE);
	close(cfd);
	close(lfd);
	probe_free(p);
	free(p);
}
END_TEST

START_TEST(port_without_listener_is_connect_refused)
{
	struct health_conf	 hc;
	struct addr		 a;
	struct probe		*p = calloc(1, sizeof(*p));
	int			 fd;

	ck_assert_ptr_nonnull(p);
	loop_hc(&hc);
	/* Bound but not listening: the port stays ours and answers RST. */
	fd = listen_any(&a, false);
	ck_assert_int_eq(probe_init(p, &hc, &a), 0);
	if (probe_start(p, 1000))
		ck_assert(drive(p, 1000));
	ck_assert_int_eq(p->out.result, PROBE_CONNECT_REFUSED);
	ck_assert_str_eq(p->out.detail, "connect refused");
	ck_assert_int_eq(p->fd, -1);
	close(fd);
	probe_free(p);
	free(p);
}
END_TEST

START_TEST(silent_backend_times_out_waiting_for_the_response)
{
	struct health_conf	 hc;
	struct addr		 a;
	struct probe		*p = calloc(1, sizeof(*p));
	int			 lfd;

	ck_assert_ptr_nonnull(p);
	loop_hc(&hc);
	lfd = listen_any(&a, true);
	ck_assert_int_eq(probe_init(p, &hc, &a), 0);
	ck_assert(probe_start(p, 1000));
	ck_assert(!drive(p, 100));
	probe_expire(p);
	ck_assert_int_eq(p->out.result, PROBE_TIMEOUT);
	ck_assert_str_eq(p->out.detail,
	    "timeout after 1000 ms (waiting for the response)");
	ck_assert_int_eq(p->fd, -1);
	ck_assert_int_eq(p->state, PROBE_IDLE);
	close(lfd);
	probe_free(p);
	free(p);
}
END_TEST

START_TEST(backend_closing_at_once_is_closed_before_a_response)
{
	struct health_conf	 hc;
	struct addr		 a;
	struct probe		*p = calloc(1, sizeof(*p));
	int			 lfd, cfd;

	ck_assert_ptr_nonnull(p);
	loop_hc(&hc);
	lfd = listen_any(&a, true);
	ck_assert_int_eq(probe_init(p, &hc, &a), 0);
	ck_assert(probe_start(p, 1000));
	ck_assert(!drive(p, 100));
	cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ne(cfd, -1);
	/* Shut down writing only: a FIN, not the RST unread data causes. */
	ck_assert_int_eq(shutdown(cfd, SHUT_WR), 0);
	ck_assert(drive(p, 1000));
	ck_assert_int_eq(p->out.result, PROBE_RESET);
	ck_assert_str_eq(p->out.detail, "connection closed before a response");
	close(cfd);
	close(lfd);
	probe_free(p);
	free(p);
}
END_TEST

START_TEST(a_probe_can_run_again_after_it_ended)
{
	struct health_conf	 hc;
	struct addr		 a;
	struct probe		*p = calloc(1, sizeof(*p));
	int			 lfd, i;

	ck_assert_ptr_nonnull(p);
	loop_hc(&hc);
	lfd = listen_any(&a, true);
	ck_assert_int_eq(probe_init(p, &hc, &a), 0);
	for (i = 0; i < 3; i++) {
		ck_assert(probe_start(p, 1000 + (uint64_t)i));
		ck_assert(!drive(p, 50));
		probe_expire(p);
		ck_assert_int_eq(p->out.result, PROBE_TIMEOUT);
		ck_assert_int_eq(p->fd, -1);
	}
	probe_abort(p);
	close(lfd);
	probe_free(p);
	free(p);
}
END_TEST

static Suite *
probe_suite(void)
{
	Suite	*s = suite_create("probe");
	TCase	*tc;

	tc = tcase_create("verdict");
	tcase_add_loop_test(tc, judges_whole_answers, 0, NCASES(vcases));
	tcase_add_loop_test(tc, prefix_verdict_is_pending_or_final, 0,
	    NCASES(vcases));
	tcase_add_loop_test(tc, default_expect_passes_2xx_and_3xx_only, 0,
	    NCASES(dcases));
	tcase_add_test(tc, head_over_16k_is_invalid_not_pending);
	tcase_add_test(tc, every_result_has_a_distinct_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket");
	tcase_add_test(tc, sends_the_documented_request_and_passes_on_200);
	tcase_add_test(tc, port_without_listener_is_connect_refused);
	tcase_add_test(tc, silent_backend_times_out_waiting_for_the_response);
	tcase_add_test(tc, backend_closing_at_once_is_closed_before_a_response);
	tcase_add_test(tc, a_probe_can_run_again_after_it_ended);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(probe_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
