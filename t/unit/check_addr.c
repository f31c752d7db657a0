/*
 * common/addr.c: host:port parsing as operators write it, formatting for
 * logs, and CIDR matching for trusted_proxies, including IPv4 clients seen
 * through a dual-stack socket as ::ffff:a.b.c.d.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct parse_ok {
	const char	*name;
	const char	*in;
	int		 family;
	const char	*formatted;	/* addr_format() of the result */
} parse_ok[] = {
	{ "ipv4", "1.2.3.4:80", AF_INET, "1.2.3.4:80" },
	{ "ipv4_max_port", "10.0.0.1:65535", AF_INET, "10.0.0.1:65535" },
	{ "ipv4_port_1", "10.0.0.1:1", AF_INET, "10.0.0.1:1" },
	{ "star_is_ipv4_any", "*:80", AF_INET, "0.0.0.0:80" },
	{ "localhost_is_loopback", "localhost:8080", AF_INET,
	    "127.0.0.1:8080" },
	{ "ipv4_any", "0.0.0.0:443", AF_INET, "0.0.0.0:443" },
	{ "ipv6_loopback", "[::1]:80", AF_INET6, "[::1]:80" },
	{ "ipv6_any", "[::]:80", AF_INET6, "[::]:80" },
	{ "ipv6_full", "[2001:db8:0:0:0:0:0:1]:8443", AF_INET6,
	    "[2001:db8::1]:8443" },
	{ "ipv6_mapped", "[::ffff:10.0.0.1]:80", AF_INET6,
	    "[::ffff:10.0.0.1]:80" },
	{ "port_leading_zero", "1.2.3.4:080", AF_INET, "1.2.3.4:80" },
};

static const struct parse_bad {
	const char	*name;
	const char	*in;
} parse_bad[] = {
	{ "empty", "" },
	{ "missing_port", "1.2.3.4" },
	{ "empty_port", "1.2.3.4:" },
	{ "port_zero", "1.2.3.4:0" },
	{ "port_65536", "1.2.3.4:65536" },
	{ "port_huge", "1.2.3.4:99999999999999999999" },
	{ "port_negative", "1.2.3.4:-1" },
	{ "port_plus", "1.2.3.4:+80" },
	{ "port_trailing_junk", "1.2.3.4:80x" },
	{ "port_space", "1.2.3.4: 80" },
	{ "missing_host", ":80" },
	{ "hostname", "example.com:80" },
	{ "ipv4_bad_octet", "1.2.3.256:80" },
	{ "ipv4_short", "1.2.3:80" },
	{ "ipv6_unbracketed", "::1:80" },
	{ "ipv6_no_close", "[::1:80" },
	{ "ipv6_no_port", "[::1]" },
	{ "ipv6_junk_after_bracket", "[::1]x80" },
	{ "ipv6_empty", "[]:80" },
	{ "ipv6_invalid", "[::g]:80" },
	{ "ipv4_in_brackets", "[1.2.3.4]:80" },
	{ "junk", "hello" },
	{ "space_before", " 1.2.3.4:80" },
};

START_TEST(parses_valid_addresses)
{
	const struct parse_ok	*c = &parse_ok[_i];
	struct addr		 a;
	const char		*why = NULL;
	char			 buf[ADDR_STRLEN];

	ck_assert_msg(addr_parse(c->in, &a, &why) == 0, "%s: %s rejected: %s",
	    c->name, c->in, why);
	ck_assert_msg(a.ss.ss_family == c->family, "%s: family", c->name);
	ck_assert_msg(a.len == (c->family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)),
	    "%s: len", c->name);
	addr_format(&a, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, c->formatted) == 0, "%s: formatted %s",
	    c->name, buf);
}
END_TEST

START_TEST(rejects_invalid_addresses_with_a_reason)
{
	const struct parse_bad	*c = &parse_bad[_i];
	struct addr		 a;
	const char		*why = NULL;

	ck_assert_msg(addr_parse(c->in, &a, &why) == -1, "%s: '%s' accepted",
	    c->name, c->in);
	ck_assert_msg(why != NULL && *why != '\0', "%s: no reason", c->name);
}
END_TEST

START_TEST(missing_port_reason_shows_an_example)
{
	struct addr	 a;
	const char	*why = NULL;

	ck_assert_int_eq(addr_parse("127.0.0.1", &a, &why), -1);
	ck_assert_str_eq(why, "expected host:port, e.g. 127.0.0.1:8080");
}
END_TEST

START_TEST(format_round_trips_through_parse)
{
	const struct parse_ok	*c = &parse_ok[_i];
	struct addr		 a, b;
	const char		*why = NULL;
	char			 buf[ADDR_STRLEN];

	ck_assert(addr_parse(c->in, &a, &why) == 0);
	addr_format(&a, buf, sizeof(buf));
	ck_assert_msg(addr_parse(buf, &b, &why) == 0, "%s: reparse %s: %s",
	    c->name, buf, why);
	ck_assert_msg(addr_equal(&a, &b), "%s: %s differs after round trip",
	    c->name, buf);
}
END_TEST

START_TEST(format_host_omits_port_and_brackets)
{
	struct addr	 a;
	const char	*why;
	char		 buf[ADDR_STRLEN];

	ck_assert(addr_parse("[2001:db8::1]:80", &a, &why) == 0);
	addr_format_host((struct sockaddr *)&a.ss, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::1");
	ck_assert(addr_parse("10.1.2.3:80", &a, &why) == 0);
	addr_format_host((struct sockaddr *)&a.ss, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.1.2.3");
}
END_TEST

START_TEST(format_cuts_short_buffers_safely)
{
	struct addr	 a;
	const char	*why;
	char		 buf[8];

	ck_assert(addr_parse("[2001:db8::1]:65535", &a, &why) == 0);
	memset(buf, 'x', sizeof(buf));
	addr_format(&a, buf, sizeof(buf));
	ck_assert_int_eq(strlen(buf), sizeof(buf) - 1);
}
END_TEST

START_TEST(equal_compares_family_host_and_port)
{
	struct addr	 a, b;
	const char	*why;

	ck_assert(addr_parse("127.0.0.1:80", &a, &why) == 0);
	ck_assert(addr_parse("localhost:80", &b, &why) == 0);
	ck_assert(addr_equal(&a, &b));
	ck_assert(addr_parse("127.0.0.1:81", &b, &why) == 0);
	ck_assert(!addr_equal(&a, &b));
	ck_assert(addr_parse("0.0.0.0:80", &a, &why) == 0);
	ck_assert(addr_parse("[::]:80", &b, &why) == 0);
	ck_assert(!addr_equal(&a, &b));
}
END_TEST

static struct sockaddr_storage
peer(const char *host)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(40000);
	} else
		ck_abort_msg("bad test peer %s", host);
	return ss;
}

static const struct match_case {
	const char	*name;
	const char	*cidr;
	const char	*peer;
	bool		 match;
} match_cases[] = {
	{ "v4_inside", "10.0.0.0/8", "10.200.3.4", true },
	{ "v4_outside", "10.0.0.0/8", "11.0.0.1", false },
	{ "v4_odd_prefix_inside", "192.168.4.0/22", "192.168.7.255", true },
	{ "v4_odd_prefix_outside", "192.168.4.0/22", "192.168.8.0", false },
	{ "v4_slash0_matches_all_v4", "0.0.0.0/0", "203.0.113.9", true },
	{ "v4_slash32_exact", "10.1.2.3/32", "10.1.2.3", true },
	{ "v4_slash32_neighbour", "10.1.2.3/32", "10.1.2.4", false },
	{ "v4_bare_is_slash32", "10.1.2.3", "10.1.2.3", true },
	{ "v4_bare_neighbour", "10.1.2.3", "10.1.2.2", false },
	{ "v4_host_bits_ignored", "10.1.2.3/8", "10.9.9.9", true },
	{ "mapped_v6_peer_in_v4_block", "10.0.0.0/8", "::ffff:10.1.2.3",
	    true },
	{ "mapped_v6_peer_outside_v4_block", "10.0.0.0/8",
	    "::ffff:192.0.2.1", false },
	{ "mapped_v6_peer_v4_slash0", "0.0.0.0/0", "::ffff:192.0.2.1", true },
	{ "plain_v6_peer_not_in_v4_slash0", "0.0.0.0/0", "2001:db8::1",
	    false },
	{ "v4_peer_in_mapped_v6_block", "::ffff:10.0.0.0/104", "10.2.3.4",
	    true },
	{ "v6_inside", "2001:db8::/32", "2001:db8:1::5", true },
	{ "v6_outside", "2001:db8::/32", "2001:db9::5", false },
	{ "v6_slash128_exact", "::1/128", "::1", true },
	{ "v6_slash128_neighbour", "::1/128", "::2", false },
	{ "v6_bare_is_slash128", "fd00::7", "fd00::7", true },
	{ "v6_slash0_matches_v6", "::/0", "2001:db8::1", true },
	{ "v6_odd_prefix_inside", "fd00:1234::/31", "fd00:1235::1", true },
	{ "v6_odd_prefix_outside", "fd00:1234::/31", "fd00:1236::1", false },
	{ "v6_block_plain_v4_peer_outside", "2001:db8::/32", "10.0.0.1",
	    false },
};

START_TEST(cidr_matches_peers)
{
	const struct match_case	*c = &match_cases[_i];
	struct cidr		 block;
	struct sockaddr_storage	 ss;
	const char		*why = NULL;

	ck_assert_msg(cidr_parse(c->cidr, &block, &why) == 0, "%s: %s: %s",
	    c->name, c->cidr, why);
	ss = peer(c->peer);
	ck_assert_msg(cidr_match(&block, (struct sockaddr *)&ss) == c->match,
	    "%s: %s in %s should be %s", c->name, c->peer, c->cidr,
	    c->match ? "true" : "false");
}
END_TEST

static const struct cidr_bad {
	const char	*name;
	const char	*in;
} cidr_bad[] = {
	{ "empty", "" },
	{ "v4_prefix_33", "10.0.0.0/33" },
	{ "v6_prefix_129", "::/129" },
	{ "empty_prefix", "10.0.0.0/" },
	{ "negative_prefix", "10.0.0.0/-1" },
	{ "junk_prefix", "10.0.0.0/8x" },
	{ "no_address", "/8" },
	{ "hostname", "example.com/8" },
	{ "bracketed_v6", "[::1]/128" },
	{ "huge_prefix", "10.0.0.0/99999999999" },
};

START_TEST(cidr_rejects_invalid_blocks_with_a_reason)
{
	const struct cidr_bad	*c = &cidr_bad[_i];
	struct cidr		 block;
	const char		*why = NULL;

	ck_assert_msg(cidr_parse(c->in, &block, &why) == -1, "%s: accepted",
	    c->name);
	ck_assert_msg(why != NULL && *why != '\0', "%s: no reason", c->name);
}
END_TEST

START_TEST(cidr_parse_zeroes_host_bits_and_sets_prefix)
{
	struct cidr	 block;
	const char	*why;
	uint8_t		 want[4] = { 192, 168, 4, 0 };

	ck_assert(cidr_parse("192.168.7.9/22", &block, &why) == 0);
	ck_assert_int_eq(block.family, AF_INET);
	ck_assert_uint_eq(block.prefix, 22);
	ck_assert(memcmp(block.bytes, want, 4) == 0);
	ck_assert(cidr_parse("::1", &block, &why) == 0);
	ck_assert_int_eq(block.family, AF_INET6);
	ck_assert_uint_eq(block.prefix, 128);
	ck_assert(cidr_parse("1.2.3.4/0", &block, &why) == 0);
	ck_assert_uint_eq(block.prefix, 0);
	ck_assert(memcmp(block.bytes, "\0\0\0\0", 4) == 0);
}
END_TEST

START_TEST(cidr_list_matches_any_block_and_none_when_empty)
{
	struct cidr		 list[2];
	struct sockaddr_storage	 in = peer("10.1.2.3"), out = peer("192.0.2.1");
	const char		*why;

	ck_assert(cidr_parse("127.0.0.0/8", &list[0], &why) == 0);
	ck_assert(cidr_parse("10.0.0.0/8", &list[1], &why) == 0);
	ck_assert(cidr_list_match(list, 2, (struct sockaddr *)&in));
	ck_assert(!cidr_list_match(list, 2, (struct sockaddr *)&out));
	ck_assert(!cidr_list_match(list, 1, (struct sockaddr *)&in));
	ck_assert(!cidr_list_match(NULL, 0, (struct sockaddr *)&in));
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, parses_valid_addresses, 0, NELEM(parse_ok));
	tcase_add_loop_test(tc, rejects_invalid_addresses_with_a_reason, 0,
	    NELEM(parse_bad));
	tcase_add_test(tc, missing_port_reason_shows_an_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, format_round_trips_through_parse, 0,
	    NELEM(parse_ok));
	tcase_add_test(tc, format_host_omits_port_and_brackets);
	tcase_add_test(tc, format_cuts_short_buffers_safely);
	tcase_add_test(tc, equal_compares_family_host_and_port);
	suite_add_tcase(s, tc);

	tc = tcase_create("cidr");
	tcase_add_loop_test(tc, cidr_matches_peers, 0, NELEM(match_cases));
	tcase_add_loop_test(tc, cidr_rejects_invalid_blocks_with_a_reason, 0,
	    NELEM(cidr_bad));
	tcase_add_test(tc, cidr_parse_zeroes_host_bits_and_sets_prefix);
	tcase_add_test(tc, cidr_list_matches_any_block_and_none_when_empty);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(addr_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
