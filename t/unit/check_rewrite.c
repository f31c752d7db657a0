/*
 * worker/rewrite.c: request heads parsed by h1_parse_request() from literal
 * text and rewritten for a backend, from a peer inside trusted_proxies and
 * from one outside.  Each case names lines the rewritten head must hold and
 * field names it must not hold (compared without case); the X-Request-Id
 * cases add the request's id, or none.
 */
#include <check.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/buf.h"
#include "common/config.h"
#include "common/h1_parse.h"
#include "worker/rewrite.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAXLINES	8

static const struct rcase {
	const char	*name;
	const char	*raw;
	bool		 is_trusted;
	const char	*want[MAXLINES];	/* whole lines, without CRLF */
	const char	*absent[MAXLINES];	/* field names, any case */
} cases[] = {
	/* forwarding fields: what a client cannot make a backend believe */
	{ "xff_underscore_lookalikes_dropped_untrusted",
	  "GET / HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 6.6.6.6\r\n"
	  "x-forwarded_for: 6.6.6.7\r\nX-Forwarded-For: 6.6.6.8\r\n\r\n",
	  false,
	  { "X-Forwarded-For: 192.0.2.7" },
	  { "X_Forwarded_For", "x-forwarded_for" } },
	{ "xff_lookalikes_dropped_trusted_exact_kept",
	  "GET / HTTP/1.1\r\nHost: a\r\nX_FORWARDED_FOR: 6.6.6.6\r\n"
	  "x-forwarded-for: 1.2.3.4\r\n\r\n",
	  true,
	  { "X-Forwarded-For: 1.2.3.4, 10.1.2.3" },
	  { "X_FORWARDED_FOR" } },
	{ "xfp_and_lookalikes_replaced",
	  "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\n"
	  "X_Forwarded_Proto: https\r\n\r\n",
	  true,
	  { "X-Forwarded-Proto: http" },
	  { "X_Forwarded_Proto" } },
	{ "client_fields_dropped_untrusted",
	  "GET / HTTP/1.1\r\nHost: a\r\nForwarded: for=9.9.9.9\r\n"
	  "X-Real-IP: 8.8.8.8\r\nX_Real_IP: 8.8.8.7\r\n"
	  "X-Forwarded-Host: evil.example\r\nX-Forwarded-Port: 1\r\n"
	  "X-Client-IP: 7.7.7.7\r\nX-Forwarded-Server: s\r\n\r\n",
	  false,
	  { "Host: a" },
	  { "Forwarded", "X-Real-IP", "X_Real_IP", "X-Forwarded-Host",
	    "X-Forwarded-Port", "X-Client-IP", "X-Forwarded-Server" } },
	{ "client_fields_kept_trusted_lookalikes_dropped",
	  "GET / HTTP/1.1\r\nHost: a\r\nForwarded: for=9.9.9.9\r\n"
	  "x-real-ip: 8.8.8.8\r\nX_Real_IP: 8.8.8.7\r\n"
	  "X-Forwarded-Host: www.example\r\nX_Forwarded_Host: evil\r\n\r\n",
	  true,
	  { "Forwarded: for=9.9.9.9", "x-real-ip: 8.8.8.8",
	    "X-Forwarded-Host: www.example" },
	  { "X_Real_IP", "X_Forwarded_Host" } },
	{ "framing_underscore_lookalikes_dropped",
	  "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	  "Transfer_Encoding: chunked\r\nContent_Length: 99\r\n"
	  "Keep_Alive: 1\r\n\r\nhi",
	  false,
	  { "Content-Length: 2" },
	  { "Transfer_Encoding", "Content_Length", "Keep_Alive" } },
	{ "other_underscore_fields_pass",
	  "GET / HTTP/1.1\r\nHost: a\r\nX_Custom_Thing: 1\r\n"
	  "X-Forwarded-Fore: 2\r\n\r\n",
	  false,
	  { "X_Custom_Thing: 1", "X-Forwarded-Fore: 2" },
	  { NULL } },
	/* request-target: RFC 9112 3.2 */
	{ "absolute_form_empty_path_with_query",
	  "GET http://h.example?q=1 HTTP/1.1\r\nHost: x\r\n\r\n",
	  false,
	  { "GET /?q=1 HTTP/1.1", "Host: h.example" },
	  { NULL } },
	{ "absolute_form_empty_path",
	  "GET http://h.example HTTP/1.1\r\nHost: x\r\n\r\n",
	  false,
	  { "GET / HTTP/1.1", "Host: h.example" },
	  { NULL } },
	{ "absolute_form_path_kept",
	  "GET HTTP://h.example:81/a/b?c HTTP/1.1\r\nHost: x\r\n\r\n",
	  false,
	  { "GET /a/b?c HTTP/1.1", "Host: h.example:81" },
	  { NULL } },
	{ "options_absolute_form_empty_path_is_asterisk",
	  "OPTIONS http://h.example HTTP/1.1\r\nHost: x\r\n\r\n",
	  false,
	  { "OPTIONS * HTTP/1.1", "Host: h.example" },
	  { NULL } },
	{ "options_absolute_form_query_is_slash",
	  "OPTIONS http://h.example?x HTTP/1.1\r\nHost: x\r\n\r\n",
	  false,
	  { "OPTIONS /?x HTTP/1.1" },
	  { NULL } },
	{ "options_asterisk_forwarded",
	  "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	  false,
	  { "OPTIONS * HTTP/1.1", "Host: a" },
	  { NULL } },
	{ "http_1_2_goes_as_1_1",
	  "GET /v HTTP/1.2\r\nHost: a\r\n\r\n",
	  false,
	  { "GET /v HTTP/1.1" },
	  { NULL } },
	/* Max-Forwards: RFC 9110 7.6.2 */
	{ "options_max_forwards_decremented",
	  "OPTIONS * HTTP/1.1\r\nHost: a\r\nMax-Forwards: 5\r\n\r\n",
	  false,
	  { "Max-Forwards: 4" },
	  { NULL } },
	{ "trace_max_forwards_one_becomes_zero",
	  "TRACE / HTTP/1.1\r\nHost: a\r\nmax-forwards: 01\r\n\r\n",
	  false,
	  { "Max-Forwards: 0" },
	  { NULL } },
	{ "get_max_forwards_untouched",
	  "GET / HTTP/1.1\r\nHost: a\r\nMax-Forwards: 5\r\n\r\n",
	  false,
	  { "Max-Forwards: 5" },
	  { NULL } },
	/* Upgrade: RFC 9110 7.8, the service's "upgrade" list */
	{ "upgrade_websocket_kept",
	  "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
	  "Upgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n",
	  false,
	  { "Upgrade: websocket", "Connection: upgrade",
	    "Sec-WebSocket-Key: k" },
	  { NULL } },
	{ "upgrade_listed_tokens_only_in_client_order",
	  "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, "
	  "HTTP2-Settings, upgrade\r\nUpgrade: h2c, FOO/2, websocket\r\n"
	  "Upgrade: foo/2\r\nHTTP2-Settings: x\r\nKeep-Alive: 5\r\n\r\n",
	  false,
	  { "Upgrade: FOO/2, websocket", "Connection: upgrade" },
	  { "HTTP2-Settings", "Keep-Alive" } },
	{ "upgrade_unlisted_protocol_stripped",
	  "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n"
	  "Upgrade: h2c\r\n\r\n",
	  false,
	  { "Host: a" },
	  { "Upgrade", "Connection" } },
	{ "upgrade_without_connection_token_stripped",
	  "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
	  false,
	  { "Host: a" },
	  { "Upgrade", "Connection" } },
	{ "upgrade_with_a_body_stripped",
	  "POST / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n"
	  "Upgrade: websocket\r\nContent-Length: 2\r\n\r\nhi",
	  false,
	  { "Content-Length: 2" },
	  { "Upgrade", "Connection" } },
	{ "upgrade_in_http_1_0_stripped",
	  "GET / HTTP/1.0\r\nHost: a\r\nConnection: upgrade\r\n"
	  "Upgrade: websocket\r\n\r\n",
	  false,
	  { "Host: a" },
	  { "Upgrade", "Connection" } },
};

/* A backend's 101 and whether it answers what was offered. */
static const struct acase {
	const char	*name;
	const char	*raw;
	uint32_t	 offer;		/* bits of upgrade_list */
	int		 rv;
	const char	*proto;
} answers[] = {
	{ "websocket_offered",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\n\r\n", 1, 0, "websocket" },
	{ "any_case",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
	  "Connection: Upgrade\r\n\r\n", 3, 0, "WebSocket" },
	{ "versioned_offered",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo/2\r\n\r\n",
	  2, 0, "foo/2" },
	{ "listed_not_offered",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
	  2, -1, NULL },
	{ "not_listed",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
	  3, -1, NULL },
	{ "two_protocols",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket, foo/2\r\n"
	  "\r\n", 3, -1, NULL },
	{ "no_upgrade_field",
	  "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n\r\n",
	  3, -1, NULL },
	{ "nothing_offered",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
	  0, -1, NULL },
};

static char	*upgrade_list[] = { "websocket", "foo/2" };

static struct service_conf	svc;
static struct cidr		trusted;

static void
setup(void)
{
	const char	*why = NULL;

	memset(&svc, 0, sizeof(svc));
	ck_assert_int_eq(cidr_parse("10.0.0.0/8", &trusted, &why), 0);
	svc.name = "s";
	svc.trusted_proxies = &trusted;
	svc.ntrusted_proxies = 1;
	svc.via = "weir";
	svc.upgrade = upgrade_list;
	svc.nupgrade = NELEM(upgrade_list);
}

/* <head> has a line equal to <line>. */
static bool
has_line(const char *head, const char *line)
{
	const char	*p = head, *e;
	size_t		 n = strlen(line);

	while ((e = strstr(p, "\r\n")) != NULL) {
		if ((size_t)(e - p) == n && memcmp(p, line, n) == 0)
			return true;
		p = e + 2;
	}
	return false;
}

/* <head> has a field named <name>, any case. */
static bool
has_field(const char *head, const char *name)
{
	const char	*p = strstr(head, "\r\n"), *e;
	size_t		 n = strlen(name);

	while (p != NULL && (e = strstr(p + 2, "\r\n")) != NULL) {
		p += 2;
		if ((size_t)(e - p) > n && p[n] == ':' &&
		    strncasecmp(p, name, n) == 0)
			return true;
		p = e;
	}
	return false;
}

/*
 * The backend head for request <raw> of case <name> from a trusted peer
 * or not, with the request's <request_id> (NULL: off), into <head>
 * (8192 bytes).
 */
static void
rewrite_into(char *head, const char *name, const char *raw,
    bool is_trusted, const char *request_id)
{
	struct h1_msg		 m;
	struct buf		 out;
	struct sockaddr_in	 peer;
	struct rewrite_req	 rr;

	setup();
	h1_msg_reset(&m);
	ck_assert_msg(h1_parse_request(&m, raw, strlen(raw), 8192) ==
	    H1_DONE, "%s: does not parse: %s", name, m.why);
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	inet_pton(AF_INET, is_trusted ? "10.1.2.3" : "192.0.2.7",
	    &peer.sin_addr);
	ck_assert(rewrite_is_trusted(&svc, (const struct sockaddr *)&peer) ==
	    is_trusted);
	memset(&rr, 0, sizeof(rr));
	rr.msg = &m;
	rr.svc = &svc;
	rr.peer = (const struct sockaddr *)&peer;
	rr.peer_text = is_trusted ? "10.1.2.3" : "192.0.2.7";
	rr.keep_backend = true;
	rr.upgrade = rewrite_upgrade_offer(&m, &svc);
	rr.request_id = request_id;
	ck_assert_int_eq(buf_init(&out, 8192 - 1), 0);
	ck_assert_msg(rewrite_request(&out, &rr) == 0, "%s: no room", name);
	memcpy(head, buf_head(&out), buf_len(&out));
	head[buf_len(&out)] = '\0';
	buf_free(&out);
}

START_TEST(rewrites_request_heads)
{
	const struct rcase	*c = &cases[_i];
	char			 head[8192];
	size_t			 i;

	rewrite_into(head, c->name, c->raw, c->is_trusted, NULL);
	for (i = 0; i < MAXLINES && c->want[i] != NULL; i++)
		ck_assert_msg(has_line(head, c->want[i]), "%s: no line \"%s\" "
		    "in:\n%s", c->name, c->want[i], head);
	for (i = 0; i < MAXLINES && c->absent[i] != NULL; i++)
		ck_assert_msg(!has_field(head, c->absent[i]), "%s: field %s "
		    "present in:\n%s", c->name, c->absent[i], head);
	/* Exactly one of each forwarding field weir writes. */
	ck_assert_msg(strstr(strstr(head, "X-Forwarded-For: ") + 1,
	    "X-Forwarded-For: ") == NULL, "%s: two XFF", c->name);
	ck_assert_msg(strstr(strstr(head, "X-Forwarded-Proto: ") + 1,
	    "X-Forwarded-Proto: ") == NULL, "%s: two XFP", c->name);
}
END_TEST

static const struct idcase {
	const char	*name;
	const char	*raw;
	bool		 is_trusted;
	const char	*request_id;	/* the request's; NULL: off */
	const char	*want[MAXLINES];
	const char	*gone;		/* text the head must not hold */
} idcases[] = {
	{ "request_id_added",
	  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	  false, "0123456789abcdef",
	  { "X-Request-Id: 0123456789abcdef" }, NULL },
	{ "request_id_replaces_the_clients_and_lookalikes",
	  "GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: forged1\r\n"
	  "x-request-id: forged2\r\nX_Request_Id: forged3\r\n\r\n",
	  false, "0123456789abcdef",
	  { "X-Request-Id: 0123456789abcdef" }, "forged" },
	{ "request_id_kept_from_a_trusted_proxy_is_the_requests",
	  "GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: lb-42\r\n"
	  "X_Request_Id: x\r\n\r\n",
	  true, "lb-42",
	  { "X-Request-Id: lb-42" }, "X_Request_Id" },
	{ "request_id_off_leaves_the_field_alone",
	  "GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: client\r\n"
	  "X_Request_Id: other\r\n\r\n",
	  false, NULL,
	  { "X-Request-Id: client", "X_Request_Id: other" }, NULL },
};

START_TEST(rewrites_the_request_id)
{
	const struct idcase	*c = &idcases[_i];
	char			 head[8192];
	const char		*p;
	size_t			 i, n = 0;

	rewrite_into(head, c->name, c->raw, c->is_trusted, c->request_id);
	for (i = 0; i < MAXLINES && c->want[i] != NULL; i++)
		ck_assert_msg(has_line(head, c->want[i]), "%s: no line \"%s\" "
		    "in:\n%s", c->name, c->want[i], head);
	ck_assert_msg(c->gone == NULL || strstr(head, c->gone) == NULL,
	    "%s: \"%s\" in:\n%s", c->name, c->gone, head);
	for (p = head; (p = strcasestr(p, "\r\nX-Request-Id: ")) != NULL; p++)
		n++;
	ck_assert_msg(n == 1, "%s: %zu X-Request-Id in:\n%s", c->name, n,
	    head);
}
END_TEST

START_TEST(checks_what_a_101_switches_to)
{
	const struct acase	*c = &answers[_i];
	struct h1_msg		 m;
	const char		*proto = NULL;
	size_t			 len = 0;
	int			 rv;

	setup();
	h1_msg_reset(&m);
	ck_assert_msg(h1_parse_response(&m, c->raw, strlen(c->raw), 8192,
	    false) == H1_DONE, "%s: does not parse: %s", c->name, m.why);
	rv = rewrite_upgrade_answer(&m, &svc, c->offer, &proto, &len);
	ck_assert_msg(rv == c->rv, "%s: %d, expected %d", c->name, rv, c->rv);
	if (rv == 0)
		ck_assert_msg(len == strlen(c->proto) &&
		    memcmp(proto, c->proto, len) == 0, "%s: \"%.*s\"",
		    c->name, (int)len, proto);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rewrite");
	TCase	*tc = tcase_create("request");
	SRunner	*sr;
	int	 nfailed;

	tcase_add_loop_test(tc, rewrites_request_heads, 0, NELEM(cases));
	tcase_add_loop_test(tc, rewrites_the_request_id, 0, NELEM(idcases));
	suite_add_tcase(s, tc);
	tc = tcase_create("upgrade");
	tcase_add_loop_test(tc, checks_what_a_101_switches_to, 0,
	    NELEM(answers));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? 0 : 1;
}
