/*
 * worker/h2_head.c: an HTTP/2 extended CONNECT (RFC 8441) becomes the
 * HTTP/1.1 Upgrade request a backend knows, and worker/rewrite.c writes
 * it with Upgrade and Connection: upgrade; requests that are not one are
 * left as they were.  Header blocks are fed field by field, as nghttp2
 * decodes them.
 */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/bufpool.h"
#include "common/config.h"
#include "common/h1_parse.h"
#include "worker/h2_head.h"
#include "worker/rewrite.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct bufpool	pool;
static struct h2_block	block;
static struct h1_msg	msg;
static char		*upgrade_list[] = { "websocket" };
static struct service_conf	svc;

/* Feeds "name", "value", ... (NULL-terminated) as one block; its status. */
static int
block_of(const char *const *fields, bool is_end_stream)
{
	size_t	i;

	ck_assert_int_eq(bufpool_init(&pool, 8192, 4), 0);
	memset(&block, 0, sizeof(block));
	h2_head_block_start(&block, NULL);
	for (i = 0; fields[i] != NULL; i += 2)
		h2_head_block_add(&block, &pool, 8192,
		    (const uint8_t *)fields[i], strlen(fields[i]),
		    (const uint8_t *)fields[i + 1], strlen(fields[i + 1]));
	return h2_head_msg(&block, &msg, is_end_stream);
}

static void
done(void)
{
	h2_head_block_end(&block, &pool);
	bufpool_free(&pool);
}

static const char *
field(const char *name)
{
	const struct h1_header	*f = h1_find_header(&msg, name);
	static char		 v[256];

	if (f == NULL)
		return NULL;
	snprintf(v, sizeof(v), "%.*s", (int)f->value_len, f->value);
	return v;
}

/* The head rewrite_request() writes for msg, NUL-terminated in <out>. */
static void
rewritten(char *out, size_t cap)
{
	struct rewrite_req	 rr;
	struct sockaddr_in	 peer;
	struct buf		 b;

	memset(&svc, 0, sizeof(svc));
	svc.name = "s";
	svc.via = "weir";
	svc.upgrade = upgrade_list;
	svc.nupgrade = NELEM(upgrade_list);
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	memset(&rr, 0, sizeof(rr));
	rr.msg = &msg;
	rr.svc = &svc;
	rr.peer = (const struct sockaddr *)&peer;
	rr.peer_text = "192.0.2.7";
	rr.is_tls = true;
	rr.upgrade = rewrite_upgrade_offer(&msg, &svc);
	ck_assert_uint_eq(rr.upgrade, 1);
	ck_assert_int_eq(buf_init(&b, cap - 1), 0);
	ck_assert_int_eq(rewrite_request(&b, &rr), 0);
	memcpy(out, buf_head(&b), buf_len(&b));
	out[buf_len(&b)] = '\0';
	buf_free(&b);
}

START_TEST(extended_connect_becomes_an_upgrade)
{
	static const char *const f[] = {
		":method", "CONNECT", ":protocol", "websocket",
		":scheme", "https", ":path", "/chat?x=1", ":authority", "a.test",
		"sec-websocket-version", "13", "origin", "https://a.test",
		NULL,
	};
	unsigned char	key[32];
	const char	*k;
	char		head[2048];

	ck_assert_int_eq(block_of(f, false), 0);
	ck_assert(block.is_ext_connect);
	ck_assert_int_eq((int)msg.method_len, 3);
	ck_assert(memcmp(msg.method, "GET", 3) == 0);
	ck_assert_int_eq((int)msg.target_len, 9);
	ck_assert(memcmp(msg.target, "/chat?x=1", 9) == 0);
	ck_assert_int_eq(msg.framing, H1_FRAME_NONE);
	ck_assert(msg.has_upgrade);
	ck_assert_str_eq(field("upgrade"), "websocket");
	/* A key of 16 bytes in base64, as RFC 6455 4.1 asks. */
	ck_assert_ptr_nonnull(k = field("sec-websocket-key"));
	ck_assert_int_eq((int)strlen(k), 24);
	ck_assert_int_eq(EVP_DecodeBlock(key, (const unsigned char *)k, 24),
	    18);
	rewritten(head, sizeof(head));
	ck_assert_msg(strncmp(head, "GET /chat?x=1 HTTP/1.1\r\n", 24) == 0,
	    "%s", head);
	ck_assert_msg(strstr(head, "\r\nUpgrade: websocket\r\n") != NULL, "%s",
	    head);
	ck_assert_msg(strstr(head, "\r\nConnection: upgrade\r\n") != NULL,
	    "%s", head);
	ck_assert_msg(strstr(head, "\r\nsec-websocket-key: ") != NULL, "%s",
	    head);
	ck_assert_msg(strstr(head, "\r\nHost: a.test\r\n") != NULL, "%s",
	    head);
	done();
}
END_TEST

START_TEST(a_key_the_client_sent_is_kept)
{
	static const char *const f[] = {
		":method", "CONNECT", ":protocol", "websocket",
		":scheme", "https", ":path", "/", ":authority", "a.test",
		"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==", NULL,
	};
	size_t	i, n = 0;

	ck_assert_int_eq(block_of(f, false), 0);
	for (i = 0; i < msg.nheaders; i++)
		n += msg.headers[i].name_len == 17 && strncasecmp(
		    msg.headers[i].name, "sec-websocket-key", 17) == 0;
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(field("sec-websocket-key"),
	    "dGhlIHNhbXBsZSBub25jZQ==");
	done();
}
END_TEST

START_TEST(another_protocol_gets_no_key)
{
	static const char *const f[] = {
		":method", "CONNECT", ":protocol", "foo/1",
		":scheme", "https", ":path", "/", ":authority", "a.test", NULL,
	};

	ck_assert_int_eq(block_of(f, false), 0);
	ck_assert_str_eq(field("upgrade"), "foo/1");
	ck_assert_ptr_null(field("sec-websocket-key"));
	done();
}
END_TEST

START_TEST(extended_connect_without_path_is_400)
{
	static const char *const f[] = {
		":method", "CONNECT", ":protocol", "websocket",
		":authority", "a.test", NULL,
	};

	ck_assert_int_eq(block_of(f, false), 400);
	done();
}
END_TEST

START_TEST(protocol_on_another_method_is_400)
{
	static const char *const f[] = {
		":method", "GET", ":protocol", "websocket", ":scheme", "https",
		":path", "/", ":authority", "a.test", NULL,
	};

	ck_assert_int_eq(block_of(f, false), 400);
	done();
}
END_TEST

START_TEST(plain_requests_are_unchanged)
{
	static const char *const get[] = {
		":method", "GET", ":scheme", "https", ":path", "/a",
		":authority", "a.test", NULL,
	};
	static const char *const connect[] = {
		":method", "CONNECT", ":authority", "a.test:443", NULL,
	};

	ck_assert_int_eq(block_of(get, true), 0);
	ck_assert(!block.is_ext_connect);
	ck_assert(!msg.has_upgrade);
	ck_assert_ptr_null(field("upgrade"));
	ck_assert_uint_eq(rewrite_upgrade_offer(&msg, &svc), 0);
	done();
	ck_assert_int_eq(block_of(connect, false), 0);
	ck_assert(!block.is_ext_connect);
	ck_assert(memcmp(msg.method, "CONNECT", 7) == 0);
	ck_assert_int_eq((int)msg.target_len, 10);
	ck_assert_int_eq(msg.framing, H1_FRAME_CHUNKED);
	done();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("h2_head");
	TCase	*tc = tcase_create("extended CONNECT");
	SRunner	*sr;
	int	 nfailed;

	tcase_add_test(tc, extended_connect_becomes_an_upgrade);
	tcase_add_test(tc, a_key_the_client_sent_is_kept);
	tcase_add_test(tc, another_protocol_gets_no_key);
	tcase_add_test(tc, extended_connect_without_path_is_400);
	tcase_add_test(tc, protocol_on_another_method_is_400);
	tcase_add_test(tc, plain_requests_are_unchanged);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? 0 : 1;
}
