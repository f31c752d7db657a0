/*
 * Check suite for common/h1_parse.c.  Every case runs whole, split at every
 * byte offset, and fed one byte at a time into the same struct h1_msg, each
 * prefix copied into a buffer of exactly its size so that a read past <len>
 * shows up under ASan or valgrind.  The files in t/vectors/ are replayed the
 * same way against the status INDEX gives them, except those INDEX marks
 * head=ok, whose head must parse.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/h1_parse.h"

#define DEFAULT_MAX_HEAD	8192
#define VECTOR_MAX_HEAD		32768	/* the max_header_bytes default */

#define F_CLOSE		0x1
#define F_KEEPALIVE	0x2
#define F_UPGRADE	0x4
#define F_EXPECT	0x8

/* A literal with its length, so that cases may hold NUL bytes. */
#define RAW(s)		.raw = (s), .raw_len = sizeof(s) - 1

/* One input and what parsing it must give. */
static const struct hcase {
	const char	*name;
	const char	*raw;
	size_t		 raw_len;
	int		 expect;	/* 0 = parsed; else error_status */
	size_t		 max_head;	/* 0: DEFAULT_MAX_HEAD */
	bool		 is_response;
	bool		 is_head;	/* response to a HEAD request */
	size_t		 head_len;	/* 0: raw_len */
	/* requests */
	const char	*method;
	const char	*target;
	const char	*host;		/* NULL: no Host */
	/* responses */
	int		 status;
	const char	*reason;
	/* both */
	int		 minor;
	enum h1_framing	 framing;
	uint64_t	 cl;
	unsigned int	 flags;
	size_t		 nh;		/* 0: not checked */
	const char	*hname;		/* a field to look up, and its value */
	const char	*hvalue;
	bool		 has_mf;	/* check max_forwards against mf */
	int64_t		 mf;
} requests_ok[] = {
	{ "get_1_1_minimal",
	  RAW("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "example.com", .minor = 1,
	  .nh = 1 },
	{ "get_1_0_needs_no_host",
	  RAW("GET /index.html HTTP/1.0\r\n\r\n"),
	  .method = "GET", .target = "/index.html", .minor = 0 },
	{ "get_1_0_with_host",
	  RAW("GET / HTTP/1.0\r\nHost: a\r\nUser-Agent: x\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 0, .nh = 2 },
	{ "head_with_query",
	  RAW("HEAD /x?y=1&z HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n"),
	  .method = "HEAD", .target = "/x?y=1&z", .host = "a", .minor = 1,
	  .nh = 2, .hname = "accept", .hvalue = "*/*" },
	{ "post_content_length_head_stops_before_body",
	  RAW("POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
	      "hello"),
	  .head_len = 53, .method = "POST", .target = "/submit", .host = "a",
	  .minor = 1, .framing = H1_FRAME_LENGTH, .cl = 5, .nh = 2 },
	{ "post_1_0_content_length",
	  RAW("POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"),
	  .head_len = 38, .method = "POST", .target = "/", .minor = 0,
	  .framing = H1_FRAME_LENGTH, .cl = 3, .nh = 1 },
	{ "post_chunked",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "5\r\nhello\r\n0\r\n\r\n"),
	  .head_len = 56, .method = "POST", .target = "/", .host = "a",
	  .minor = 1, .framing = H1_FRAME_CHUNKED, .nh = 2 },
	{ "te_chunked_is_case_insensitive",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: ChUnKeD\r\n\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_CHUNKED, .nh = 2 },
	{ "te_list_skips_empty_elements",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n"
	      "\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_CHUNKED, .nh = 2 },
	{ "cl_list_of_identical_values_is_one",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 5, .nh = 2 },
	{ "cl_repeated_identical_fields_are_one",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	      "Content-Length: 5\r\n\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 5, .nh = 3 },
	{ "cl_zero_is_length_framing",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 0, .nh = 2 },
	{ "cl_leading_zeros_are_decimal",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 7, .nh = 2 },
	{ "cl_max_int64_is_accepted",
	  RAW("PUT / HTTP/1.1\r\nHost: a\r\n"
	      "Content-Length: 9223372036854775807\r\n\r\n"),
	  .method = "PUT", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 9223372036854775807ULL, .nh = 2 },
	{ "lone_lf_line_endings_are_accepted",
	  RAW("GET / HTTP/1.1\nHost: a\nX: y\n\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 2,
	  .hname = "x", .hvalue = "y" },
	{ "mixed_crlf_and_lf_are_accepted",
	  RAW("GET / HTTP/1.1\r\nHost: a\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 1 },
	{ "leading_empty_lines_are_skipped_and_counted",
	  RAW("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 1 },
	{ "leading_lone_lf_lines_are_skipped",
	  RAW("\n\nGET / HTTP/1.1\nHost: a\n\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 1 },
	{ "pipelined_head_len_stops_at_first",
	  RAW("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
	      "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .head_len = 28, .method = "GET", .target = "/1", .host = "a",
	  .minor = 1, .nh = 1 },
	{ "absolute_form_is_accepted",
	  RAW("GET http://example.com/p?q HTTP/1.1\r\n"
	      "Host: example.com\r\n\r\n"),
	  .method = "GET", .target = "http://example.com/p?q",
	  .host = "example.com", .minor = 1, .nh = 1 },
	{ "absolute_form_scheme_is_case_insensitive",
	  RAW("GET HTTPS://Example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n"),
	  .method = "GET", .target = "HTTPS://Example.com:443", .host = "x",
	  .minor = 1, .nh = 1 },
	{ "absolute_form_ipv6_authority",
	  RAW("GET http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
	  .method = "GET", .target = "http://[::1]:8080/", .host = "[::1]:8080",
	  .minor = 1, .nh = 1 },
	{ "options_asterisk_form",
	  RAW("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .method = "OPTIONS", .target = "*", .host = "a", .minor = 1,
	  .nh = 1 },
	{ "connect_authority_form",
	  RAW("CONNECT example.com:443 HTTP/1.1\r\n"
	      "Host: example.com:443\r\n\r\n"),
	  .method = "CONNECT", .target = "example.com:443",
	  .host = "example.com:443", .minor = 1, .nh = 1 },
	{ "connect_ipv6_authority_form",
	  RAW("CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: x\r\n\r\n"),
	  .method = "CONNECT", .target = "[2001:db8::1]:443", .host = "x",
	  .minor = 1, .nh = 1 },
	{ "extension_method_is_a_token",
	  RAW("PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .method = "PURGE", .target = "/x", .host = "a", .minor = 1, .nh = 1 },
	{ "value_ows_is_trimmed_both_ends",
	  RAW("GET / HTTP/1.1\r\nHost: \t a \t\r\nX-A: \t in ner \t \r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 2,
	  .hname = "x-a", .hvalue = "in ner" },
	{ "obs_text_in_value_is_accepted",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xc3\xa9\xff\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 2,
	  .hname = "X-A", .hvalue = "caf\xc3\xa9\xff" },
	{ "empty_value_is_accepted",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 2,
	  .hname = "x-empty", .hvalue = "" },
	{ "tchar_punctuation_in_name_is_accepted",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX!#$%&'*+-.^_`|~: v\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 2,
	  .hname = "x!#$%&'*+-.^_`|~", .hvalue = "v" },
	{ "find_header_returns_the_first",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-Dup: one\r\nx-dup: two\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 3,
	  .hname = "X-DUP", .hvalue = "one" },
	{ "host_with_port",
	  RAW("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "example.com:8080",
	  .minor = 1, .nh = 1 },
	{ "host_ipv6_literal",
	  RAW("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "[::1]:80", .minor = 1,
	  .nh = 1 },
	{ "empty_host_is_allowed",
	  RAW("GET / HTTP/1.1\r\nHost:\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "", .minor = 1, .nh = 1 },
	{ "connection_close",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1,
	  .flags = F_CLOSE, .nh = 2 },
	{ "connection_tokens_from_several_fields",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\n"
	      "Connection: Keep-Alive, ,Upgrade\r\n"
	      "Upgrade: websocket\r\nconnection: CLOSE\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1,
	  .flags = F_CLOSE | F_KEEPALIVE | F_UPGRADE, .nh = 4 },
	{ "connection_other_tokens_set_nothing",
	  RAW("GET / HTTP/1.0\r\nConnection: closed, x-keep-alive\r\n\r\n"),
	  .method = "GET", .target = "/", .minor = 0, .nh = 1 },
	{ "expect_100_continue_any_case",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	      "Expect: 100-Continue\r\n\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 1, .flags = F_EXPECT, .nh = 3 },
	{ "expect_100_continue_ignored_in_1_0",
	  RAW("POST / HTTP/1.0\r\nContent-Length: 1\r\n"
	      "Expect: 100-continue\r\n\r\n"),
	  .method = "POST", .target = "/", .minor = 0,
	  .framing = H1_FRAME_LENGTH, .cl = 1, .nh = 2 },
	{ "expect_other_value_is_not_continue",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 2 },
	/* RFC 9110 2.5: a higher minor version is the highest we know. */
	{ "http_1_2_is_read_as_1_1",
	  RAW("GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 1 },
	{ "http_1_9_is_read_as_1_1_and_needs_host",
	  RAW("POST / HTTP/1.9\r\nHost: a\r\nContent-Length: 2\r\n\r\n"),
	  .method = "POST", .target = "/", .host = "a", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 2, .nh = 2 },
	{ "absolute_form_empty_path_with_query",
	  RAW("GET http://example.com?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
	  .method = "GET", .target = "http://example.com?q=1", .host = "x",
	  .minor = 1, .nh = 1 },
	/* RFC 9110 7.6.2: Max-Forwards, read for OPTIONS and TRACE only */
	{ "options_max_forwards_zero",
	  RAW("OPTIONS * HTTP/1.1\r\nHost: a\r\nMax-Forwards: 0\r\n\r\n"),
	  .method = "OPTIONS", .target = "*", .host = "a", .minor = 1,
	  .nh = 2, .has_mf = true, .mf = 0 },
	{ "trace_max_forwards_leading_zeros",
	  RAW("TRACE / HTTP/1.1\r\nHost: a\r\nmax-forwards: 007\r\n\r\n"),
	  .method = "TRACE", .target = "/", .host = "a", .minor = 1,
	  .nh = 2, .has_mf = true, .mf = 7 },
	{ "max_forwards_over_int32_is_int32_max",
	  RAW("OPTIONS / HTTP/1.1\r\nHost: a\r\n"
	      "Max-Forwards: 99999999999999999999999\r\n\r\n"),
	  .method = "OPTIONS", .target = "/", .host = "a", .minor = 1,
	  .nh = 2, .has_mf = true, .mf = INT32_MAX },
	{ "options_without_max_forwards",
	  RAW("OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .method = "OPTIONS", .target = "/", .host = "a", .minor = 1,
	  .nh = 1, .has_mf = true, .mf = -1 },
	{ "max_forwards_of_get_is_not_read",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nMax-Forwards: x\r\n"
	      "Max-Forwards: 0\r\n\r\n"),
	  .method = "GET", .target = "/", .host = "a", .minor = 1,
	  .nh = 3, .has_mf = true, .mf = -1 },
#define HEAD_AT_MAX	"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	{ "head_of_exactly_max_head_is_accepted",
	  RAW(HEAD_AT_MAX), .max_head = sizeof(HEAD_AT_MAX) - 1,
	  .method = "GET", .target = "/", .host = "a", .minor = 1, .nh = 1 },
};

static const struct hcase requests_bad[] = {
	/* framing: RFC 9112 6.1-6.3 */
	{ "cl_with_te_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n"), .expect = 400 },
	{ "te_with_cl_after_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	      "Content-Length: 5\r\n\r\n"), .expect = 400 },
	{ "cl_conflicting_fields_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	      "Content-Length: 6\r\n\r\n"), .expect = 400 },
	{ "cl_conflicting_list_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n"),
	  .expect = 400 },
	{ "cl_plus_sign_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"),
	  .expect = 400 },
	{ "cl_minus_sign_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n"),
	  .expect = 400 },
	{ "cl_hex_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n"),
	  .expect = 400 },
	{ "cl_decimal_point_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5.0\r\n\r\n"),
	  .expect = 400 },
	{ "cl_empty_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"),
	  .expect = 400 },
	{ "cl_inner_space_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n"),
	  .expect = 400 },
	{ "cl_empty_list_element_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n"),
	  .expect = 400 },
	{ "cl_over_int64_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Content-Length: 9223372036854775808\r\n\r\n"), .expect = 400 },
	{ "cl_over_uint64_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Content-Length: 18446744073709551621\r\n\r\n"), .expect = 400 },
	{ "te_chunked_then_gzip_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: chunked, gzip\r\n\r\n"), .expect = 400 },
	{ "te_chunked_then_gzip_in_two_fields_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	      "Transfer-Encoding: gzip\r\n\r\n"), .expect = 400 },
	{ "te_chunked_twice_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: chunked, chunked\r\n\r\n"), .expect = 400 },
	{ "te_chunked_in_two_fields_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n"), .expect = 400 },
	{ "te_gzip_is_501",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
	  .expect = 501 },
	{ "te_gzip_then_chunked_is_501",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: gzip, chunked\r\n\r\n"), .expect = 501 },
	{ "te_identity_is_501",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: identity\r\n\r\n"), .expect = 501 },
	{ "te_chunked_prefix_lookalike_is_501",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: xchunked\r\n\r\n"), .expect = 501 },
	{ "te_empty_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"),
	  .expect = 400 },
	{ "te_chunked_with_parameter_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: chunked;q=1\r\n\r\n"), .expect = 400 },
	{ "te_inner_space_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding: chun ked\r\n\r\n"), .expect = 400 },
	{ "te_in_1_0_is_400",
	  RAW("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .expect = 400 },
	{ "te_vertical_tab_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\n"
	      "Transfer-Encoding:\x0b" "chunked\r\n\r\n"), .expect = 400 },
	{ "te_space_before_colon_is_400",
	  RAW("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n"
	      "\r\n"), .expect = 400 },
	/* fields: RFC 9112 5 */
	{ "obs_fold_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n"),
	  .expect = 400 },
	{ "obs_fold_with_tab_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n"),
	  .expect = 400 },
	{ "whitespace_before_first_field_is_400",
	  RAW("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), .expect = 400 },
	{ "space_before_colon_is_400",
	  RAW("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), .expect = 400 },
	{ "tab_before_colon_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n"), .expect = 400 },
	{ "empty_field_name_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n"), .expect = 400 },
	{ "field_without_colon_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A b\r\n\r\n"), .expect = 400 },
	{ "separator_in_field_name_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n"), .expect = 400 },
	{ "obs_text_in_field_name_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: b\r\n\r\n"),
	  .expect = 400 },
	{ "nul_in_field_name_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX\0A: b\r\n\r\n"), .expect = 400 },
	{ "nul_in_value_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n"),
	  .expect = 400 },
	{ "ctl_in_value_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01" "c\r\n\r\n"),
	  .expect = 400 },
	{ "del_in_value_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x7f\r\n\r\n"),
	  .expect = 400 },
	{ "bare_cr_in_value_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n"),
	  .expect = 400 },
	{ "bare_cr_as_line_end_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n"), .expect = 400 },
	{ "cr_cr_lf_line_end_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"), .expect = 400 },
	{ "bare_cr_in_final_empty_line_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n"), .expect = 400 },
	{ "bare_cr_in_leading_empty_line_is_400",
	  RAW("\r\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "bare_cr_in_request_line_is_400",
	  RAW("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	/* Host: RFC 9112 3.2 */
	{ "missing_host_in_1_1_is_400",
	  RAW("GET / HTTP/1.1\r\nX-A: b\r\n\r\n"), .expect = 400 },
	{ "double_host_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), .expect = 400 },
	{ "double_host_same_value_other_case_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nhOST: a\r\n\r\n"), .expect = 400 },
	{ "double_host_in_1_0_is_400",
	  RAW("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), .expect = 400 },
	{ "host_with_space_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), .expect = 400 },
	{ "host_with_userinfo_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"), .expect = 400 },
	{ "host_with_path_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), .expect = 400 },
	{ "host_port_only_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: :80\r\n\r\n"), .expect = 400 },
	{ "host_bad_port_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n"), .expect = 400 },
	{ "host_unclosed_ipv6_is_400",
	  RAW("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), .expect = 400 },
	/* request line: RFC 9112 3 */
	{ "http_2_0_is_505",
	  RAW("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), .expect = 505 },
	{ "http_0_9_version_is_505",
	  RAW("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), .expect = 505 },
	{ "http_1_1_without_host_is_still_400",
	  RAW("GET / HTTP/1.3\r\nX: y\r\n\r\n"), .expect = 400 },
	{ "http_2_0_line_alone_is_505",
	  RAW("GET / HTTP/2.0\r\n"), .expect = 505 },
	{ "lowercase_version_is_400",
	  RAW("GET / http/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "two_digit_version_is_400",
	  RAW("GET / HTTP/1.10\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "short_version_is_400",
	  RAW("GET / HTTP/1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "space_after_version_is_400",
	  RAW("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "missing_version_is_400",
	  RAW("GET /\r\nHost: a\r\n\r\n"), .expect = 400 },
	/* judged at the request line's end, with no more of the head */
	{ "missing_version_line_alone_is_400",
	  RAW("GET /\r\n"), .expect = 400 },
	{ "missing_version_lone_lf_is_400",
	  RAW("\r\nGET /index.html\n"), .expect = 400 },
	{ "bad_version_line_with_partial_field_is_400",
	  RAW("GET / HTTP/1.1 x\r\nHost: a\r\nX-Partial: b"), .expect = 400 },
	{ "bad_target_line_alone_is_400",
	  RAW("GET * HTTP/1.1\r\n"), .expect = 400 },
	{ "double_space_before_target_is_400",
	  RAW("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "double_space_before_version_is_400",
	  RAW("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "tab_separator_is_400",
	  RAW("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "leading_space_in_request_line_is_400",
	  RAW(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "method_with_separator_is_400",
	  RAW("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "method_only_is_400",
	  RAW("GET\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "target_with_del_is_400",
	  RAW("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "target_with_obs_text_is_400",
	  RAW("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "target_with_nul_is_400",
	  RAW("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "asterisk_form_for_get_is_400",
	  RAW("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "authority_form_for_get_is_400",
	  RAW("GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .expect = 400 },
	{ "connect_origin_form_is_400",
	  RAW("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "connect_without_port_is_400",
	  RAW("CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .expect = 400 },
	{ "connect_absolute_form_is_400",
	  RAW("CONNECT http://example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .expect = 400 },
	{ "relative_target_is_400",
	  RAW("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "other_scheme_is_400",
	  RAW("GET ftp://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .expect = 400 },
	{ "absolute_form_empty_host_is_400",
	  RAW("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"), .expect = 400 },
	{ "absolute_form_userinfo_is_400",
	  RAW("GET http://u:p@example.com/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .expect = 400 },
	{ "absolute_form_fragment_after_host_is_400",
	  RAW("GET http://example.com#x HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .expect = 400 },
	/* Max-Forwards of OPTIONS and TRACE: RFC 9110 7.6.2 */
	{ "options_max_forwards_not_a_number_is_400",
	  RAW("OPTIONS * HTTP/1.1\r\nHost: a\r\nMax-Forwards: 1x\r\n\r\n"),
	  .expect = 400 },
	{ "trace_max_forwards_negative_is_400",
	  RAW("TRACE / HTTP/1.1\r\nHost: a\r\nMax-Forwards: -1\r\n\r\n"),
	  .expect = 400 },
	{ "options_max_forwards_empty_is_400",
	  RAW("OPTIONS * HTTP/1.1\r\nHost: a\r\nMax-Forwards:\r\n\r\n"),
	  .expect = 400 },
	{ "trace_two_max_forwards_is_400",
	  RAW("TRACE / HTTP/1.1\r\nHost: a\r\nMax-Forwards: 1\r\n"
	      "Max-Forwards: 1\r\n\r\n"), .expect = 400 },
	{ "options_max_forwards_list_is_400",
	  RAW("OPTIONS * HTTP/1.1\r\nHost: a\r\nMax-Forwards: 1, 2\r\n"
	      "\r\n"), .expect = 400 },
	/* size: the caller's max_head */
	{ "head_one_byte_over_max_is_431",
	  RAW(HEAD_AT_MAX), .max_head = sizeof(HEAD_AT_MAX) - 2,
	  .expect = 431 },
	{ "unterminated_head_over_max_is_431",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	  .max_head = 40, .expect = 431 },
	{ "leading_empty_lines_count_toward_max",
	  RAW("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n"
	      "Host: a\r\n\r\n"), .max_head = 40, .expect = 431 },
	{ "bare_cr_past_max_is_431",
	  RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: bbbbbbbbbbbbbbbbbbbbbbb\rc\r\n"
	      "\r\n"), .max_head = 30, .expect = 431 },
};

static const struct hcase responses[] = {
	{ "ok_with_content_length",
	  RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
	  .is_response = true, .head_len = 38, .status = 200, .reason = "OK",
	  .minor = 1, .framing = H1_FRAME_LENGTH, .cl = 5, .nh = 1 },
	{ "ok_chunked",
	  RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_CHUNKED, .nh = 1 },
	{ "te_overrides_cl",
	  RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_CHUNKED, .cl = 5, .nh = 2 },
	{ "gzip_then_chunked_is_chunked",
	  RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_CHUNKED, .nh = 1 },
	{ "te_not_ending_in_chunked_reads_until_close",
	  RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_CLOSE, .nh = 1 },
	{ "te_gzip_reads_until_close",
	  RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_CLOSE, .nh = 1 },
	{ "no_framing_reads_until_close",
	  RAW("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody"),
	  .is_response = true, .head_len = 30, .status = 200, .reason = "OK",
	  .minor = 1, .framing = H1_FRAME_CLOSE, .nh = 1 },
	{ "http_1_0_response",
	  RAW("HTTP/1.0 200 OK\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 0,
	  .framing = H1_FRAME_CLOSE },
	{ "no_content_has_no_body",
	  RAW("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
	  .is_response = true, .status = 204, .reason = "No Content",
	  .minor = 1, .framing = H1_FRAME_NONE, .cl = 5, .nh = 1 },
	{ "not_modified_has_no_body",
	  RAW("HTTP/1.1 304 Not Modified\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n"),
	  .is_response = true, .status = 304, .reason = "Not Modified",
	  .minor = 1, .framing = H1_FRAME_NONE, .nh = 1 },
	{ "continue_has_no_body",
	  RAW("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
	  .is_response = true, .head_len = 25, .status = 100,
	  .reason = "Continue", .minor = 1, .framing = H1_FRAME_NONE },
	{ "switching_protocols_has_no_body",
	  RAW("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n"
	      "Upgrade: websocket\r\n\r\n"),
	  .is_response = true, .status = 101, .reason = "Switching Protocols",
	  .minor = 1, .framing = H1_FRAME_NONE, .flags = F_UPGRADE, .nh = 2 },
	{ "head_response_with_length_has_no_body",
	  RAW("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
	  .is_response = true, .is_head = true, .status = 200, .reason = "OK",
	  .minor = 1, .framing = H1_FRAME_NONE, .cl = 1000, .nh = 1 },
	{ "head_response_chunked_has_no_body",
	  RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .is_response = true, .is_head = true, .status = 200, .reason = "OK",
	  .minor = 1, .framing = H1_FRAME_NONE, .nh = 1 },
	{ "empty_reason_after_space",
	  RAW("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"),
	  .is_response = true, .status = 404, .reason = "", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 0, .nh = 1 },
	{ "missing_reason_and_space_is_tolerated",
	  RAW("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .cl = 0, .nh = 1 },
	{ "reason_with_tab_and_obs_text",
	  RAW("HTTP/1.1 599 A\tb \xe9\r\n\r\n"),
	  .is_response = true, .status = 599, .reason = "A\tb \xe9", .minor = 1,
	  .framing = H1_FRAME_CLOSE },
	{ "connection_close_and_keepalive",
	  RAW("HTTP/1.1 200 OK\r\nConnection: close\r\n"
	      "Connection: keep-alive\r\nContent-Length: 0\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .flags = F_CLOSE | F_KEEPALIVE, .nh = 3 },
	{ "leading_empty_line_before_status_is_skipped",
	  RAW("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_LENGTH, .nh = 1 },
	{ "lone_lf_response",
	  RAW("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"),
	  .is_response = true, .head_len = 35, .status = 200, .reason = "OK",
	  .minor = 1, .framing = H1_FRAME_LENGTH, .cl = 2, .nh = 1 },
	{ "host_is_not_checked_in_responses",
	  RAW("HTTP/1.1 200 OK\r\nHost: a\r\nHost: b c\r\n\r\n"),
	  .is_response = true, .status = 200, .reason = "OK", .minor = 1,
	  .framing = H1_FRAME_CLOSE, .nh = 2 },
	/* rejections: always 502 */
	{ "four_digit_status_is_502",
	  RAW("HTTP/1.1 2000 OK\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "two_digit_status_is_502",
	  RAW("HTTP/1.1 20 OK\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "non_digit_status_is_502",
	  RAW("HTTP/1.1 2x0 OK\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "status_below_100_is_502",
	  RAW("HTTP/1.1 099 Low\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "status_600_is_502",
	  RAW("HTTP/1.1 600 High\r\n\r\n"), .is_response = true,
	  .expect = 502 },
	{ "status_glued_to_reason_is_502",
	  RAW("HTTP/1.1 200OK\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "double_space_before_status_is_502",
	  RAW("HTTP/1.1  200 OK\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "http_2_response_is_502",
	  RAW("HTTP/2.0 200 OK\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "not_http_is_502",
	  RAW("ICY 200 OK\r\n\r\n"), .is_response = true, .expect = 502 },
	{ "ctl_in_reason_is_502",
	  RAW("HTTP/1.1 200 O\x01K\r\n\r\n"), .is_response = true,
	  .expect = 502 },
	{ "cl_conflict_in_response_is_502",
	  RAW("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
	      "\r\n"), .is_response = true, .expect = 502 },
	{ "bad_cl_in_no_content_is_still_502",
	  RAW("HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n"),
	  .is_response = true, .expect = 502 },
	{ "bad_cl_in_head_response_is_still_502",
	  RAW("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
	  .is_response = true, .is_head = true, .expect = 502 },
	{ "chunked_twice_in_response_is_502",
	  RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
	  .is_response = true, .expect = 502 },
	{ "te_in_1_0_response_is_502",
	  RAW("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .is_response = true, .expect = 502 },
	{ "obs_fold_in_response_is_502",
	  RAW("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n"), .is_response = true,
	  .expect = 502 },
	{ "bare_cr_in_response_is_502",
	  RAW("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n"), .is_response = true,
	  .expect = 502 },
	{ "space_before_colon_in_response_is_502",
	  RAW("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
	  .is_response = true, .expect = 502 },
	{ "response_head_over_max_is_502",
	  RAW("HTTP/1.1 200 OK\r\nServer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
	      "\r\n"), .is_response = true, .max_head = 32, .expect = 502 },
};

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))

static char *
copy(const char *raw, size_t len)
{
	char	*p = malloc(len > 0 ? len : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, raw, len);
	return p;
}

static enum h1_result
parse(const struct hcase *c, struct h1_msg *m, const char *buf, size_t len)
{
	size_t	 max = c->max_head ? c->max_head : DEFAULT_MAX_HEAD;

	if (c->is_response)
		return h1_parse_response(m, buf, len, max, c->is_head);
	return h1_parse_request(m, buf, len, max);
}

static void
check_slice(const struct hcase *c, const char *how, size_t k, const char *what,
    const char *got, size_t got_len, const char *want, const char *buf,
    size_t len)
{
	ck_assert_msg(got != NULL, "%s (%s %zu): %s is NULL", c->name, how, k,
	    what);
	ck_assert_msg(got >= buf && got + got_len <= buf + len,
	    "%s (%s %zu): %s is not a slice of the buffer", c->name, how, k,
	    what);
	ck_assert_msg(got_len == strlen(want) &&
	    memcmp(got, want, got_len) == 0, "%s (%s %zu): %s is \"%.*s\", "
	    "want \"%s\"", c->name, how, k, what, (int)got_len, got, want);
}

/* Checks a final result (H1_DONE or H1_BAD) against the case. */
static void
verify(const struct hcase *c, const struct h1_msg *m, enum h1_result r,
    const char *buf, size_t len, const char *how, size_t k)
{
	const struct h1_header	*h;
	size_t			 head_len = c->head_len ? c->head_len :
				    c->raw_len;
	unsigned int		 flags;

	if (c->expect != 0) {
		ck_assert_msg(r == H1_BAD, "%s (%s %zu): result %d, want BAD",
		    c->name, how, k, r);
		ck_assert_msg(m->error_status == c->expect,
		    "%s (%s %zu): status %d (%s), want %d", c->name, how, k,
		    m->error_status, m->why, c->expect);
		ck_assert_msg(m->why != NULL && *m->why != '\0',
		    "%s (%s %zu): no why", c->name, how, k);
		return;
	}
	ck_assert_msg(r == H1_DONE, "%s (%s %zu): result %d (%d %s), want DONE",
	    c->name, how, k, r, m->error_status, m->why ? m->why : "");
	ck_assert_msg(m->head_len == head_len, "%s (%s %zu): head_len %zu, "
	    "want %zu", c->name, how, k, m->head_len, head_len);
	if (c->is_response) {
		ck_assert_msg(m->status == c->status, "%s: status %d",
		    c->name, m->status);
		check_slice(c, how, k, "reason", m->reason, m->reason_len,
		    c->reason, buf, len);
	} else {
		check_slice(c, how, k, "method", m->method, m->method_len,
		    c->method, buf, len);
		check_slice(c, how, k, "target", m->target, m->target_len,
		    c->target, buf, len);
		if (c->host == NULL)
			ck_assert_msg(m->host == NULL, "%s: host not NULL",
			    c->name);
		else
			check_slice(c, how, k, "host", m->host, m->host_len,
			    c->host, buf, len);
	}
	ck_assert_msg(m->version_minor == c->minor, "%s: minor %d", c->name,
	    m->version_minor);
	ck_assert_msg(m->framing == c->framing, "%s: framing %d, want %d",
	    c->name, m->framing, c->framing);
	if (c->framing == H1_FRAME_LENGTH || c->cl != 0)
		ck_assert_msg(m->content_length == c->cl, "%s: content_length "
		    "%llu", c->name, (unsigned long long)m->content_length);
	flags = (m->has_connection_close ? F_CLOSE : 0) |
	    (m->has_connection_keepalive ? F_KEEPALIVE : 0) |
	    (m->has_upgrade ? F_UPGRADE : 0) |
	    (m->has_expect_continue ? F_EXPECT : 0);
	ck_assert_msg(flags == c->flags, "%s: flags %#x, want %#x", c->name,
	    flags, c->flags);
	if (c->nh != 0)
		ck_assert_msg(m->nheaders == c->nh,
		    "%s: nheaders %zu, want %zu", c->name, m->nheaders, c->nh);
	if (c->has_mf)
		ck_assert_msg(m->max_forwards == c->mf, "%s: max_forwards "
		    "%lld, want %lld", c->name, (long long)m->max_forwards,
		    (long long)c->mf);
	if (c->hname != NULL) {
		h = h1_find_header(m, c->hname);
		ck_assert_msg(h != NULL, "%s: %s not found", c->name, c->hname);
		check_slice(c, how, k, "value", h->value, h->value_len,
		    c->hvalue, buf, len);
	}
}

/*
 * Runs <c> whole (twice, to show a repeated call changes nothing), then
 * split at every offset k: the prefix must give AGAIN (or, for a rejection,
 * the same rejection), and the whole input on the same struct the final
 * result.  Then one byte at a time, checking that scanned only moves
 * forward and stays within two bytes of the end.
 */
static void
run_case(const struct hcase *c)
{
	struct h1_msg	 m;
	enum h1_result	 r;
	size_t		 k, head_len, prev;
	char		*whole, *part;

	head_len = c->head_len ? c->head_len : c->raw_len;
	whole = copy(c->raw, c->raw_len);
	h1_msg_reset(&m);
	r = parse(c, &m, whole, c->raw_len);
	verify(c, &m, r, whole, c->raw_len, "whole", c->raw_len);
	r = parse(c, &m, whole, c->raw_len);
	verify(c, &m, r, whole, c->raw_len, "again", c->raw_len);

	for (k = 0; k < c->raw_len; k++) {
		part = copy(c->raw, k);
		h1_msg_reset(&m);
		r = parse(c, &m, part, k);
		if (r == H1_AGAIN) {
			ck_assert_msg(c->expect != 0 || k < head_len,
			    "%s: AGAIN with %zu bytes of a %zu-byte head",
			    c->name, k, head_len);
			ck_assert_msg(m.scanned <= k && m.scanned + 2 >= k,
			    "%s: scanned %zu after %zu bytes", c->name,
			    m.scanned, k);
			r = parse(c, &m, whole, c->raw_len);
			verify(c, &m, r, whole, c->raw_len, "split", k);
		} else {
			ck_assert_msg(c->expect != 0 || k >= head_len,
			    "%s: result %d with %zu bytes", c->name, r, k);
			verify(c, &m, r, part, k, "prefix", k);
		}
		free(part);
	}

	h1_msg_reset(&m);
	prev = 0;
	for (k = 0; k <= c->raw_len; k++) {
		part = copy(c->raw, k);
		r = parse(c, &m, part, k);
		if (r != H1_AGAIN) {
			verify(c, &m, r, part, k, "bytewise", k);
			free(part);
			break;
		}
		ck_assert_msg(m.scanned >= prev && m.scanned + 2 >= k,
		    "%s: scanned %zu after %zu bytes (was %zu)", c->name,
		    m.scanned, k, prev);
		prev = m.scanned;
		free(part);
	}
	ck_assert_msg(k <= c->raw_len, "%s: still AGAIN after all %zu bytes",
	    c->name, c->raw_len);
	free(whole);
}

START_TEST(parses_valid_requests)
{
	run_case(&requests_ok[_i]);
}
END_TEST

START_TEST(rejects_malformed_requests)
{
	run_case(&requests_bad[_i]);
}
END_TEST

START_TEST(parses_and_rejects_responses)
{
	run_case(&responses[_i]);
}
END_TEST

/* Builds a head with <nfields> fields, Host first for a request. */
static size_t
many_fields(char *buf, size_t cap, bool is_response, size_t nfields)
{
	size_t	 n, i;

	n = (size_t)snprintf(buf, cap, "%s", is_response ?
	    "HTTP/1.1 200 OK\r\n" : "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = is_response ? 0 : 1; i < nfields; i++)
		n += (size_t)snprintf(buf + n, cap - n, "X-%zu: %zu\r\n", i, i);
	n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	ck_assert_uint_lt(n, cap);
	return n;
}

START_TEST(accepts_max_headers_fields)
{
	static char	 buf[8192];
	struct hcase	 c = { .name = "128 fields", .method = "GET",
			    .target = "/", .host = "a", .minor = 1,
			    .nh = H1_MAX_HEADERS, .hname = "x-127",
			    .hvalue = "127" };

	c.raw_len = many_fields(buf, sizeof(buf), false, H1_MAX_HEADERS);
	c.raw = buf;
	run_case(&c);
}
END_TEST

START_TEST(rejects_one_field_over_max_headers_with_431)
{
	static char	 buf[8192];
	struct hcase	 c = { .name = "129 fields", .expect = 431 };

	c.raw_len = many_fields(buf, sizeof(buf), false, H1_MAX_HEADERS + 1);
	c.raw = buf;
	run_case(&c);
}
END_TEST

START_TEST(rejects_response_over_max_headers_with_502)
{
	static char	 buf[8192];
	struct hcase	 c = { .name = "129 response fields", .expect = 502,
			    .is_response = true };

	c.raw_len = many_fields(buf, sizeof(buf), true, H1_MAX_HEADERS + 1);
	c.raw = buf;
	run_case(&c);
}
END_TEST

START_TEST(rescans_nothing_already_scanned)
{
	static const char	 raw[] = "GET / HTTP/1.1\r\nHost: a\r\nX: bcd";
	struct h1_msg		 m;

	h1_msg_reset(&m);
	ck_assert_int_eq(h1_parse_request(&m, raw, sizeof(raw) - 1, 100),
	    H1_AGAIN);
	ck_assert_uint_eq(m.scanned, sizeof(raw) - 1);
	/* no new bytes: nothing to scan, and scanned stays put */
	ck_assert_int_eq(h1_parse_request(&m, raw, sizeof(raw) - 1, 100),
	    H1_AGAIN);
	ck_assert_uint_eq(m.scanned, sizeof(raw) - 1);
}
END_TEST

START_TEST(reset_clears_a_previous_message)
{
	static const char	 a[] = "POST / HTTP/1.1\r\nHost: a\r\n"
				    "Connection: close\r\n"
				    "Content-Length: 3\r\n\r\n";
	static const char	 b[] = "GET / HTTP/1.0\r\n\r\n";
	struct h1_msg		 m;

	h1_msg_reset(&m);
	ck_assert_int_eq(h1_parse_request(&m, a, sizeof(a) - 1, 100), H1_DONE);
	h1_msg_reset(&m);
	ck_assert_int_eq(h1_parse_request(&m, b, sizeof(b) - 1, 100), H1_DONE);
	ck_assert_uint_eq(m.head_len, sizeof(b) - 1);
	ck_assert_int_eq(m.framing, H1_FRAME_NONE);
	ck_assert(!m.has_connection_close);
	ck_assert_ptr_null(m.host);
	ck_assert_uint_eq(m.nheaders, 0);
}
END_TEST

START_TEST(find_header_is_case_insensitive_and_null_when_absent)
{
	static const char	 raw[] = "GET / HTTP/1.1\r\nHost: a\r\n"
				    "Content-Type: text/plain\r\n\r\n";
	struct h1_msg		 m;
	const struct h1_header	*h;

	h1_msg_reset(&m);
	ck_assert_int_eq(h1_parse_request(&m, raw, sizeof(raw) - 1, 100),
	    H1_DONE);
	h = h1_find_header(&m, "CONTENT-TYPE");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value_len, 10);
	ck_assert(memcmp(h->value, "text/plain", 10) == 0);
	ck_assert_ptr_null(h1_find_header(&m, "content-typ"));
	ck_assert_ptr_null(h1_find_header(&m, "content-type-x"));
	ck_assert_ptr_null(h1_find_header(&m, "x-absent"));
}
END_TEST

START_TEST(token_eq_compares_length_and_ignores_case)
{
	ck_assert(h1_token_eq("Close", 5, "close"));
	ck_assert(h1_token_eq("KEEP-ALIVE", 10, "keep-alive"));
	ck_assert(h1_token_eq("", 0, ""));
	ck_assert(!h1_token_eq("close", 4, "close"));
	ck_assert(!h1_token_eq("closed", 6, "close"));
	ck_assert(!h1_token_eq("clos", 4, "close"));
	ck_assert(!h1_token_eq("cl0se", 5, "close"));
	/* only ASCII letters fold: '[' is not '{' */
	ck_assert(!h1_token_eq("[", 1, "{"));
}
END_TEST

struct tokens {
	char	 seen[8][16];
	size_t	 n;
	size_t	 stop_after;
};

static bool
collect(const char *tok, size_t len, void *arg)
{
	struct tokens	*t = arg;

	ck_assert_uint_lt(t->n, 8);
	ck_assert_uint_lt(len, 16);
	memcpy(t->seen[t->n], tok, len);
	t->seen[t->n][len] = '\0';
	return ++t->n != t->stop_after;
}

START_TEST(each_token_trims_and_skips_empty_elements)
{
	static const char	 v[] = " a ,b,, \t,c\t, d e ,";
	struct tokens		 t = { .stop_after = 0 };

	h1_each_token(v, sizeof(v) - 1, collect, &t);
	ck_assert_uint_eq(t.n, 4);
	ck_assert_str_eq(t.seen[0], "a");
	ck_assert_str_eq(t.seen[1], "b");
	ck_assert_str_eq(t.seen[2], "c");
	ck_assert_str_eq(t.seen[3], "d e");
	t.n = 0;
	h1_each_token("", 0, collect, &t);
	h1_each_token(" , ,", 4, collect, &t);
	ck_assert_uint_eq(t.n, 0);
}
END_TEST

START_TEST(each_token_stops_when_told)
{
	struct tokens	 t = { .stop_after = 2 };

	h1_each_token("a, b, c", 7, collect, &t);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_str_eq(t.seen[1], "b");
}
END_TEST

/* The vectors directory: $top_srcdir, the cwd, or next to this file. */
static const char *
vectors_dir(void)
{
	static char	 path[4096];
	static char	 src[] = __FILE__;
	const char	*top = getenv("top_srcdir");
	const char	*try[] = { "t/vectors", "../vectors",
			    "../../t/vectors" };
	size_t		 i;
	DIR		*d;

	if (top != NULL && *top != '\0') {
		if (snprintf(path, sizeof(path), "%s/t/vectors", top) <
		    (int)sizeof(path))
			return path;
	}
	for (i = 0; i < sizeof(try) / sizeof(try[0]); i++)
		if ((d = opendir(try[i])) != NULL) {
			closedir(d);
			return try[i];
		}
	if (snprintf(path, sizeof(path), "%s/../vectors", dirname(src)) >=
	    (int)sizeof(path))
		return "t/vectors";
	return path;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*p;
	long	 n;

	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/*
 * Steps <*p> over the expectation words ("key=value", key in [a-z-]) that
 * follow the status on an INDEX line.  Returns whether one is "head=ok":
 * the vector's head must parse, its status coming from later than that.
 */
static bool
skip_expectations(const char **p)
{
	const char	*s = *p, *e;
	bool		 is_head_ok = false;

	for (;;) {
		e = s + strspn(s, "abcdefghijklmnopqrstuvwxyz-");
		if (e == s || *e != '=')
			break;
		e += strcspn(e, " \t\n");
		if (e - s == 7 && strncmp(s, "head=ok", 7) == 0)
			is_head_ok = true;
		s = e + strspn(e, " \t");
	}
	*p = s;
	return is_head_ok;
}

START_TEST(replays_vectors_with_their_status)
{
	const char	*dir = vectors_dir();
	char		 path[4096], line[1024], file[256];
	char		*raw;
	const char	*rule;
	struct hcase	 c;
	struct h1_msg	 m;
	struct dirent	*de;
	DIR		*d;
	FILE		*index;
	size_t		 nvec = 0, nfiles = 0;
	int		 status, off;
	bool		 is_head_ok;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/INDEX", dir),
	    (int)sizeof(path));
	index = fopen(path, "r");
	ck_assert_msg(index != NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), index) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		ck_assert_msg(sscanf(line, "%255s %d %n", file, &status,
		    &off) == 2, "INDEX: bad line: %s", line);
		rule = line + off;
		is_head_ok = skip_expectations(&rule);
		ck_assert_msg(*rule != '\0' && *rule != '\n',
		    "INDEX: no rule: %s", line);
		ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir,
		    file), (int)sizeof(path));
		memset(&c, 0, sizeof(c));
		c.name = file;
		c.max_head = VECTOR_MAX_HEAD;
		c.expect = status;
		raw = slurp(path, &c.raw_len);
		c.raw = raw;
		if (is_head_ok) {
			h1_msg_reset(&m);
			ck_assert_msg(parse(&c, &m, raw, c.raw_len) == H1_DONE,
			    "%s: head=ok, but the head does not parse (%d)",
			    file, m.error_status);
		} else
			run_case(&c);
		free(raw);
		nvec++;
	}
	fclose(index);
	ck_assert_uint_gt(nvec, 0);

	/* every vector on disk is listed, so none is silently skipped */
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		size_t	 n = strlen(de->d_name);

		if (n > 5 && strcmp(de->d_name + n - 5, ".http") == 0)
			nfiles++;
	}
	closedir(d);
	ck_assert_msg(nfiles == nvec, "%zu .http files but %zu INDEX lines",
	    nfiles, nvec);
}
END_TEST

static Suite *
h1_parse_suite(void)
{
	Suite	*s = suite_create("h1_parse");
	TCase	*tc;

	tc = tcase_create("requests");
	tcase_add_loop_test(tc, parses_valid_requests, 0, NCASES(requests_ok));
	tcase_add_loop_test(tc, rejects_malformed_requests, 0,
	    NCASES(requests_bad));
	tcase_add_test(tc, accepts_max_headers_fields);
	tcase_add_test(tc, rejects_one_field_over_max_headers_with_431);
	suite_add_tcase(s, tc);

	tc = tcase_create("responses");
	tcase_add_loop_test(tc, parses_and_rejects_responses, 0,
	    NCASES(responses));
	tcase_add_test(tc, rejects_response_over_max_headers_with_502);
	suite_add_tcase(s, tc);

	tc = tcase_create("resume");
	tcase_add_test(tc, rescans_nothing_already_scanned);
	tcase_add_test(tc, reset_clears_a_previous_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc,
	    find_header_is_case_insensitive_and_null_when_absent);
	tcase_add_test(tc, token_eq_compares_length_and_ignores_case);
	tcase_add_test(tc, each_token_trims_and_skips_empty_elements);
	tcase_add_test(tc, each_token_stops_when_told);
	suite_add_tcase(s, tc);

	tc = tcase_create("vectors");
	tcase_add_test(tc, replays_vectors_with_their_status);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(h1_parse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
