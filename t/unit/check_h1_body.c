/*
 * Check suite for common/h1_body.c.  Every case is fed whole, split in two
 * at every offset, one byte at a time and in seeded random pieces, each piece
 * in a buffer of exactly its size; the payload put back together must be the
 * expected one, the framing bytes the rest, and the scanner must stop exactly
 * at the end of the message.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/h1_body.h"

#define RAW(s)		.raw = (s), .raw_len = sizeof(s) - 1
#define PAYLOAD(s)	.payload = (s), .payload_len = sizeof(s) - 1
#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))
#define RANDOM_RUNS	64

/* A body and what scanning it must give. */
struct bcase {
	const char	*name;
	enum h1_framing	 framing;
	uint64_t	 length;	/* H1_FRAME_LENGTH */
	const char	*raw;
	size_t		 raw_len;
	enum h1_result	 expect;	/* AGAIN: all input taken, not ended */
	const char	*payload;
	size_t		 payload_len;
	size_t		 msg_len;	/* on DONE: bytes of the message */
};

static const struct bcase cases[] = {
	/* Content-Length */
	{ "length_stops_at_content_length", H1_FRAME_LENGTH, 5,
	  RAW("helloGET / HTTP/1.1\r\n"), H1_DONE, PAYLOAD("hello"), 5 },
	{ "length_zero_is_done_at_once", H1_FRAME_LENGTH, 0,
	  RAW("GET / HTTP/1.1\r\n"), H1_DONE, PAYLOAD(""), 0 },
	{ "length_short_input_waits", H1_FRAME_LENGTH, 10,
	  RAW("hel"), H1_AGAIN, PAYLOAD("hel") },
	{ "length_payload_may_hold_anything", H1_FRAME_LENGTH, 6,
	  RAW("\r\n0\r\n\0\r"), H1_DONE, PAYLOAD("\r\n0\r\n\0"), 6 },
	/* none and until-close */
	{ "none_is_done_at_once", H1_FRAME_NONE, 0,
	  RAW("GET / HTTP/1.1\r\n"), H1_DONE, PAYLOAD(""), 0 },
	{ "close_takes_everything", H1_FRAME_CLOSE, 0,
	  RAW("a\r\n0\r\n\r\nb"), H1_AGAIN, PAYLOAD("a\r\n0\r\n\r\nb") },
	{ "close_with_no_input_waits", H1_FRAME_CLOSE, 0,
	  RAW(""), H1_AGAIN, PAYLOAD("") },
	/* chunked, valid */
	{ "chunked_one_chunk", H1_FRAME_CHUNKED, 0,
	  RAW("5\r\nhello\r\n0\r\n\r\n"), H1_DONE, PAYLOAD("hello"), 15 },
	{ "chunked_stops_before_next_message", H1_FRAME_CHUNKED, 0,
	  RAW("5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"), H1_DONE,
	  PAYLOAD("hello"), 15 },
	{ "chunked_empty_body", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\n\r\n"), H1_DONE, PAYLOAD(""), 5 },
	{ "chunked_several_chunks", H1_FRAME_CHUNKED, 0,
	  RAW("3\r\nabc\r\n1\r\nd\r\n4\r\nefgh\r\n0\r\n\r\n"), H1_DONE,
	  PAYLOAD("abcdefgh"), 28 },
	{ "chunked_uppercase_hex", H1_FRAME_CHUNKED, 0,
	  RAW("A\r\n0123456789\r\n0\r\n\r\n"), H1_DONE,
	  PAYLOAD("0123456789"), 20 },
	{ "chunked_lowercase_hex", H1_FRAME_CHUNKED, 0,
	  RAW("1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"), H1_DONE,
	  PAYLOAD("abcdefghijklmnopqrstuvwxyz"), 37 },
	{ "chunked_leading_zeros", H1_FRAME_CHUNKED, 0,
	  RAW("0003\r\nabc\r\n000\r\n\r\n"), H1_DONE, PAYLOAD("abc"), 18 },
	{ "chunked_data_may_hold_crlf", H1_FRAME_CHUNKED, 0,
	  RAW("7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n"), H1_DONE,
	  PAYLOAD("0\r\n\r\n\r\n"), 17 },
	{ "chunked_extensions_are_framing", H1_FRAME_CHUNKED, 0,
	  RAW("5;name=value;x\r\nhello\r\n0;last=\"q;\\\"t\"\r\n\r\n"), H1_DONE,
	  PAYLOAD("hello"), 41 },
	{ "chunked_bws_before_extension", H1_FRAME_CHUNKED, 0,
	  RAW("5 \t;a=b\r\nhello\r\n0\r\n\r\n"), H1_DONE, PAYLOAD("hello"),
	  21 },
	{ "chunked_quoted_extension_may_hold_tab_and_obs_text",
	  H1_FRAME_CHUNKED, 0,
	  RAW("2;a=\"\t\xe9\"\r\nhi\r\n0\r\n\r\n"), H1_DONE, PAYLOAD("hi"),
	  19 },
	{ "chunked_extension_grammar_with_bws", H1_FRAME_CHUNKED, 0,
	  RAW("2 ; a = b ;c; d=\"x\\\"y\" \r\nhi\r\n0\r\n\r\n"), H1_DONE,
	  PAYLOAD("hi"), 34 },
	{ "chunked_trailers_are_framing", H1_FRAME_CHUNKED, 0,
	  RAW("2\r\nhi\r\n0\r\nX-Sum: abc\r\nY:\r\nZ: \t v \xff\r\n\r\n"
	      "NEXT"), H1_DONE,
	  PAYLOAD("hi"), 38 },
	{ "chunked_incomplete_waits", H1_FRAME_CHUNKED, 0,
	  RAW("5\r\nhel"), H1_AGAIN, PAYLOAD("hel") },
	{ "chunked_without_final_crlf_waits", H1_FRAME_CHUNKED, 0,
	  RAW("5\r\nhello\r\n0\r\n"), H1_AGAIN, PAYLOAD("hello") },
	{ "chunked_size_at_int64_max_waits_for_data", H1_FRAME_CHUNKED, 0,
	  RAW("7fffffffffffffff\r\nabc"), H1_AGAIN, PAYLOAD("abc") },
	/* chunked, invalid */
	{ "missing_crlf_after_data_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5\r\nhelloX\r\n0\r\n\r\n"), H1_BAD },
	{ "lf_alone_after_data_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5\r\nhello\n0\r\n\r\n"), H1_BAD },
	{ "cr_alone_after_data_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5\r\nhello\r0\r\n\r\n"), H1_BAD },
	{ "data_longer_than_size_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("3\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "size_over_int64_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("8000000000000000\r\n"), H1_BAD },
	{ "size_over_uint64_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("10000000000000005\r\n"), H1_BAD },
	{ "hex_prefix_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0x10\r\n"), H1_BAD },
	{ "negative_size_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("-5\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "plus_sign_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("+5\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "empty_size_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "non_hex_size_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("g\r\n"), H1_BAD },
	{ "leading_space_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW(" 5\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "trailing_space_without_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5 \r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "lf_alone_after_size_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "lf_alone_after_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5;a\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "bare_cr_in_size_line_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5\rX\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "bare_cr_in_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5;a\rb\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "ctl_in_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5;a=\x01\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "nul_in_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("5;a=\0\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	/* RFC 9112 7.1.1 chunk-ext grammar, as llhttp enforces it */
	{ "extension_without_name_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "extension_with_empty_name_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;=x\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "extension_with_empty_value_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;a=\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "unquoted_obs_text_in_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;a=\t\xe9\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "unbalanced_quote_in_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;a=\"abc\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "text_after_quoted_extension_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;a=\"b\"c\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "separator_in_extension_name_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;a/b\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "space_inside_token_value_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("2;a=b c\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "trailer_obs_fold_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\nX: a\r\n b\r\n\r\n"), H1_BAD },
	{ "trailer_without_colon_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\nX-A\r\n\r\n"), H1_BAD },
	{ "trailer_space_before_colon_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\nX-A : b\r\n\r\n"), H1_BAD },
	{ "trailer_empty_name_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\n: b\r\n\r\n"), H1_BAD },
	{ "trailer_nul_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\nX: a\0b\r\n\r\n"), H1_BAD },
	{ "trailer_bare_cr_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\nX: a\rb\r\n\r\n"), H1_BAD },
	{ "trailer_lf_alone_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\nX: a\n\r\n"), H1_BAD },
	{ "final_cr_without_lf_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\r\n\rX"), H1_BAD },
	{ "last_chunk_lf_alone_is_bad", H1_FRAME_CHUNKED, 0,
	  RAW("0\n\r\n"), H1_BAD },
};

struct outcome {
	enum h1_result	 r;
	size_t		 consumed;
	char		*payload;	/* owned */
	size_t		 payload_len;
	uint64_t	 total;
};

static void
feed(const struct bcase *c, const size_t *cuts, size_t ncuts,
    struct outcome *o, const char *how)
{
	struct h1_body	 b;
	size_t		 avail, len, n, j = 0;
	bool		 is_data;
	char		*piece;

	h1_body_init(&b, c->framing, c->length);
	o->consumed = 0;
	o->payload_len = 0;
	o->payload = malloc(c->raw_len + 1);
	ck_assert_ptr_nonnull(o->payload);
	avail = cuts[0];
	for (;;) {
		len = avail - o->consumed;
		piece = malloc(len > 0 ? len : 1);
		ck_assert_ptr_nonnull(piece);
		memcpy(piece, c->raw + o->consumed, len);
		o->r = h1_body_step(&b, piece, len, &n, &is_data);
		free(piece);
		if (o->r == H1_BAD)
			break;
		ck_assert_msg(n <= len, "%s (%s): took %zu of %zu", c->name,
		    how, n, len);
		ck_assert_msg(n > 0 || !is_data, "%s (%s): empty data run",
		    c->name, how);
		if (is_data) {
			memcpy(o->payload + o->payload_len,
			    c->raw + o->consumed, n);
			o->payload_len += n;
		}
		o->consumed += n;
		if (o->r == H1_DONE)
			break;
		ck_assert_msg(o->r == H1_AGAIN, "%s (%s): result %d", c->name,
		    how, o->r);
		if (n > 0)
			continue;
		/* only an empty view may leave everything untaken */
		ck_assert_msg(len == 0, "%s (%s): took nothing of %zu bytes",
		    c->name, how, len);
		if (++j == ncuts)
			break;
		avail = cuts[j];
	}
	o->total = b.total;
	if (o->r == H1_DONE) {
		/* done stays done and never reaches into the next message */
		ck_assert_int_eq(h1_body_step(&b, c->raw + o->consumed,
		    c->raw_len - o->consumed, &n, &is_data), H1_DONE);
		ck_assert_msg(n == 0, "%s (%s): took %zu after the end",
		    c->name, how, n);
	}
	if (o->r == H1_BAD)
		ck_assert_int_eq(h1_body_step(&b, "0\r\n\r\n", 5, &n, &is_data),
		    H1_BAD);
}

static void
check(const struct bcase *c, const size_t *cuts, size_t ncuts,
    const char *how)
{
	struct outcome	 o;

	feed(c, cuts, ncuts, &o, how);
	ck_assert_msg(o.r == c->expect, "%s (%s): result %d, want %d at %zu",
	    c->name, how, o.r, c->expect, o.consumed);
	if (c->expect != H1_BAD) {
		ck_assert_msg(o.consumed == (c->expect == H1_DONE ?
		    c->msg_len : c->raw_len), "%s (%s): took %zu bytes",
		    c->name, how, o.consumed);
		ck_assert_msg(o.payload_len == c->payload_len &&
		    memcmp(o.payload, c->payload, c->payload_len) == 0,
		    "%s (%s): payload \"%.*s\"", c->name, how,
		    (int)o.payload_len, o.payload);
		ck_assert_msg(o.total == c->payload_len, "%s (%s): total %llu",
		    c->name, how, (unsigned long long)o.total);
	}
	free(o.payload);
}

/* Small deterministic generator, so a failure replays the same way. */
static uint32_t
next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Checks one case fed in pieces that end at <cuts>[0..<ncuts>). */
typedef void	(*split_check)(const void *c, const size_t *cuts, size_t ncuts,
		    const char *how);

/*
 * Feeds a case of <len> raw bytes whole, split in two at every offset, one
 * byte at a time and in seeded random pieces.
 */
static void
run_splits(const void *c, size_t len, split_check fn)
{
	size_t		*cuts;
	size_t		 k, n, run;
	uint32_t	 seed;
	char		 how[64];

	cuts = calloc(len + 2, sizeof(*cuts));
	ck_assert_ptr_nonnull(cuts);

	cuts[0] = len;
	fn(c, cuts, 1, "whole");

	for (k = 0; k < len; k++) {
		cuts[0] = k;
		cuts[1] = len;
		snprintf(how, sizeof(how), "split at %zu", k);
		fn(c, cuts, 2, how);
	}

	for (k = 0; k <= len; k++)
		cuts[k] = k;
	fn(c, cuts, len + 1, "bytewise");

	for (run = 0; run < RANDOM_RUNS; run++) {
		seed = (uint32_t)run + 1;
		n = 0;
		k = 0;
		while (k < len) {
			k += 1 + next_rand(&seed) % 7;
			cuts[n++] = k < len ? k : len;
		}
		if (n == 0)
			cuts[n++] = 0;
		snprintf(how, sizeof(how), "random seed %zu", run + 1);
		fn(c, cuts, n, how);
	}
	free(cuts);
}

static void
check_bcase(const void *c, const size_t *cuts, size_t ncuts, const char *how)
{
	check(c, cuts, ncuts, how);
}

static void
run_bcase(const struct bcase *c)
{
	run_splits(c, c->raw_len, check_bcase);
}

START_TEST(scans_bodies_as_specified)
{
	run_bcase(&cases[_i]);
}
END_TEST

/* "5;" padding "\r\n" with the whole line <line> bytes long. */
static char *
padded_chunk_line(size_t line, size_t *len)
{
	char	*p = malloc(line + 16);

	ck_assert_ptr_nonnull(p);
	memcpy(p, "5;", 2);
	memset(p + 2, 'x', line - 4);
	memcpy(p + line - 2, "\r\nhello\r\n0\r\n\r\n", 14);
	*len = line + 12;
	return p;
}

START_TEST(accepts_chunk_line_of_max_length)
{
	struct bcase	 c = { "chunk line at max", H1_FRAME_CHUNKED, 0,
			    .expect = H1_DONE, PAYLOAD("hello") };
	char		*raw = padded_chunk_line(H1_CHUNK_LINE_MAX, &c.raw_len);

	c.raw = raw;
	c.msg_len = c.raw_len;
	run_bcase(&c);
	free(raw);
}
END_TEST

START_TEST(rejects_chunk_line_over_max_length)
{
	struct bcase	 c = { "chunk line over max", H1_FRAME_CHUNKED, 0,
			    .expect = H1_BAD };
	char		*raw = padded_chunk_line(H1_CHUNK_LINE_MAX + 1,
			    &c.raw_len);

	c.raw = raw;
	run_bcase(&c);
	free(raw);
}
END_TEST

/* "0\r\n", then a trailer section of exactly <size> bytes. */
static char *
padded_trailers(size_t size, size_t *len)
{
	char	*p = malloc(size + 3);

	ck_assert_ptr_nonnull(p);
	memcpy(p, "0\r\nX:", 5);
	memset(p + 5, 'v', size - 6);
	memcpy(p + size - 1, "\r\n\r\n", 4);
	*len = size + 3;
	return p;
}

START_TEST(accepts_trailers_of_max_size)
{
	struct bcase	 c = { "trailers at max", H1_FRAME_CHUNKED, 0,
			    .expect = H1_DONE, PAYLOAD("") };
	char		*raw = padded_trailers(H1_TRAILER_MAX, &c.raw_len);
	size_t		 cut = c.raw_len;

	c.raw = raw;
	c.msg_len = c.raw_len;
	/* one feed suffices here: the size logic is not about splits */
	check(&c, &cut, 1, "whole");
	free(raw);
}
END_TEST

START_TEST(rejects_trailers_over_max_size)
{
	struct bcase	 c = { "trailers over max", H1_FRAME_CHUNKED, 0,
			    .expect = H1_BAD };
	char		*raw = padded_trailers(H1_TRAILER_MAX + 1, &c.raw_len);
	size_t		 cut = c.raw_len;

	c.raw = raw;
	check(&c, &cut, 1, "whole");
	free(raw);
}
END_TEST

START_TEST(large_chunks_stream_in_pieces)
{
	enum { NCHUNK = 3, SIZE = 70000 };
	struct bcase	 c = { "large chunks", H1_FRAME_CHUNKED, 0,
			    .expect = H1_DONE };
	char		*raw, *pay;
	size_t		 i, n = 0, cuts[64], ncuts = 0;
	uint32_t	 seed = 7;

	raw = malloc(NCHUNK * (SIZE + 16) + 8);
	pay = malloc(NCHUNK * SIZE);
	ck_assert(raw != NULL && pay != NULL);
	for (i = 0; i < NCHUNK * SIZE; i++)
		pay[i] = (char)next_rand(&seed);
	for (i = 0; i < NCHUNK; i++) {
		n += (size_t)sprintf(raw + n, "%x\r\n", SIZE);
		memcpy(raw + n, pay + i * SIZE, SIZE);
		n += SIZE;
		memcpy(raw + n, "\r\n", 2);
		n += 2;
	}
	memcpy(raw + n, "0\r\n\r\n", 5);
	n += 5;
	c.raw = raw;
	c.raw_len = n;
	c.msg_len = n;
	c.payload = pay;
	c.payload_len = NCHUNK * SIZE;
	for (i = 0; i < n; i += 1 + next_rand(&seed) % 9000)
		cuts[ncuts++] = i;
	cuts[ncuts++] = n;
	check(&c, cuts, ncuts, "random pieces");
	free(raw);
	free(pay);
}
END_TEST

START_TEST(length_counts_down_remaining)
{
	struct h1_body	 b;
	size_t		 n;
	bool		 is_data;

	h1_body_init(&b, H1_FRAME_LENGTH, (uint64_t)1 << 62);
	ck_assert_int_eq(h1_body_step(&b, "0123456789", 10, &n, &is_data),
	    H1_AGAIN);
	ck_assert_uint_eq(n, 10);
	ck_assert(is_data);
	ck_assert_uint_eq(b.remaining, ((uint64_t)1 << 62) - 10);
	ck_assert_uint_eq(b.total, 10);
}
END_TEST

START_TEST(chunked_remaining_is_left_in_chunk)
{
	struct h1_body	 b;
	size_t		 n;
	bool		 is_data;

	h1_body_init(&b, H1_FRAME_CHUNKED, 12345);
	ck_assert_uint_eq(b.remaining, 0);
	ck_assert_int_eq(h1_body_step(&b, "a\r\n0123", 7, &n, &is_data),
	    H1_AGAIN);
	ck_assert_uint_eq(n, 3);
	ck_assert(!is_data);
	ck_assert_uint_eq(b.remaining, 10);
	ck_assert_int_eq(h1_body_step(&b, "0123", 4, &n, &is_data), H1_AGAIN);
	ck_assert_uint_eq(n, 4);
	ck_assert(is_data);
	ck_assert_uint_eq(b.remaining, 6);
}
END_TEST

START_TEST(init_resets_a_used_scanner)
{
	struct h1_body	 b;
	size_t		 n;
	bool		 is_data;

	h1_body_init(&b, H1_FRAME_CHUNKED, 0);
	ck_assert_int_eq(h1_body_step(&b, "zz", 2, &n, &is_data), H1_BAD);
	h1_body_init(&b, H1_FRAME_CHUNKED, 0);
	ck_assert_int_eq(h1_body_step(&b, "0\r\n\r\n", 5, &n, &is_data),
	    H1_DONE);
	ck_assert_uint_eq(n, 5);
	h1_body_init(&b, H1_FRAME_LENGTH, 2);
	ck_assert_int_eq(h1_body_step(&b, "abc", 3, &n, &is_data), H1_DONE);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(b.total, 2);
}
END_TEST

/* ---- re-framing ---- */

#define OUT(s)		.out = (s), .out_len = sizeof(s) - 1

/* A body and what h1_body_reframe() must make of it. */
struct rcase {
	const char	*name;
	enum h1_framing	 framing;
	uint64_t	 length;	/* H1_FRAME_LENGTH */
	bool		 dechunk;
	const char	*raw;
	size_t		 raw_len;
	enum h1_result	 expect;	/* AGAIN: all input taken, not ended */
	const char	*out;		/* the bytes to forward */
	size_t		 out_len;
	size_t		 msg_len;	/* on DONE: raw bytes of the message */
};

static const struct rcase rcases[] = {
	{ "canonical_framing_is_kept", H1_FRAME_CHUNKED, 0, false,
	  RAW("5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"),
	  H1_DONE,
	  OUT("5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"),
	  47 },
	{ "leading_zeros_go", H1_FRAME_CHUNKED, 0, false,
	  RAW("0003\r\nabc\r\n00000000000000000000000001\r\nd\r\n000\r\n\r\n"),
	  H1_DONE, OUT("3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n"), 49 },
	{ "uppercase_hex_is_lowered", H1_FRAME_CHUNKED, 0, false,
	  RAW("A\r\n0123456789\r\n0\r\n\r\n"), H1_DONE,
	  OUT("a\r\n0123456789\r\n0\r\n\r\n"), 20 },
	{ "extensions_go", H1_FRAME_CHUNKED, 0, false,
	  RAW("5;name=value;x\r\nhello\r\n0;last=\"q;\\\"t\"\r\n\r\n"),
	  H1_DONE, OUT("5\r\nhello\r\n0\r\n\r\n"), 41 },
	{ "bws_and_extension_go", H1_FRAME_CHUNKED, 0, false,
	  RAW("05 \t;a=b\r\nhello\r\n0\r\n\r\n"), H1_DONE,
	  OUT("5\r\nhello\r\n0\r\n\r\n"), 22 },
	{ "extension_bytes_never_pass", H1_FRAME_CHUNKED, 0, false,
	  RAW("2;a=\"\t\xe9\"\r\nhi\r\n0\r\n\r\n"), H1_DONE,
	  OUT("2\r\nhi\r\n0\r\n\r\n"), 19 },
	{ "trailers_go", H1_FRAME_CHUNKED, 0, false,
	  RAW("2\r\nhi\r\n0\r\nX-Forwarded-For: 1.2.3.4\r\nY:\r\n\r\nNEXT"),
	  H1_DONE, OUT("2\r\nhi\r\n0\r\n\r\n"), 42 },
	{ "empty_body_with_zeros", H1_FRAME_CHUNKED, 0, false,
	  RAW("00000;x=y\r\n\r\nGET / HTTP/1.1\r\n"), H1_DONE,
	  OUT("0\r\n\r\n"), 13 },
	{ "next_message_is_left_alone", H1_FRAME_CHUNKED, 0, false,
	  RAW("005\r\nhello\r\n0\r\n\r\nPOST / HTTP/1.1\r\n\r\n05\r\n"),
	  H1_DONE, OUT("5\r\nhello\r\n0\r\n\r\n"), 17 },
	{ "largest_size_with_zeros", H1_FRAME_CHUNKED, 0, false,
	  RAW("00007FFFFFFFFFFFFFFF;e\r\nabc"), H1_AGAIN,
	  OUT("7fffffffffffffff\r\nabc") },
	{ "data_is_forwarded_as_it_comes", H1_FRAME_CHUNKED, 0, false,
	  RAW("0a\r\nhel"), H1_AGAIN, OUT("a\r\nhel") },
	{ "data_crlf_waits_for_its_lf", H1_FRAME_CHUNKED, 0, false,
	  RAW("5\r\nhello\r"), H1_AGAIN, OUT("5\r\nhello") },
	{ "size_line_waits_for_its_lf", H1_FRAME_CHUNKED, 0, false,
	  RAW("5\r\nhello\r\n10;x\r"), H1_AGAIN, OUT("5\r\nhello\r\n") },
	{ "last_chunk_waits_for_the_end", H1_FRAME_CHUNKED, 0, false,
	  RAW("5\r\nhello\r\n0\r\n"), H1_AGAIN, OUT("5\r\nhello\r\n") },
	{ "last_chunk_waits_through_trailers", H1_FRAME_CHUNKED, 0, false,
	  RAW("5\r\nhello\r\n0\r\nX: y\r\n\r"), H1_AGAIN,
	  OUT("5\r\nhello\r\n") },
	{ "length_passes_unchanged", H1_FRAME_LENGTH, 7, false,
	  RAW("0\r\n\r\nabGET"), H1_DONE, OUT("0\r\n\r\nab"), 7 },
	{ "close_passes_unchanged", H1_FRAME_CLOSE, 0, false,
	  RAW("5;x\r\nhello\r\n0\r\n\r\n"), H1_AGAIN,
	  OUT("5;x\r\nhello\r\n0\r\n\r\n") },
	{ "none_forwards_nothing", H1_FRAME_NONE, 0, false,
	  RAW("GET / HTTP/1.1\r\n"), H1_DONE, OUT(""), 0 },
	{ "dechunk_keeps_only_payload", H1_FRAME_CHUNKED, 0, true,
	  RAW("0003;x\r\nabc\r\n1\r\nd\r\n0\r\nT: v\r\n\r\nNEXT"), H1_DONE,
	  OUT("abcd"), 30 },
	{ "dechunk_incomplete", H1_FRAME_CHUNKED, 0, true,
	  RAW("3\r\nabc\r\n10\r\nde"), H1_AGAIN, OUT("abcde") },
	{ "dechunk_empty_body", H1_FRAME_CHUNKED, 0, true,
	  RAW("0\r\n\r\nX"), H1_DONE, OUT(""), 5 },
	{ "bad_after_good_chunks_is_bad", H1_FRAME_CHUNKED, 0, false,
	  RAW("5\r\nhello\r\n3\r\nhello\r\n0\r\n\r\n"), H1_BAD },
	{ "bare_lf_size_line_is_bad", H1_FRAME_CHUNKED, 0, false,
	  RAW("5\r\nhello\r\n0\n\r\n"), H1_BAD },
	{ "size_overflow_is_bad", H1_FRAME_CHUNKED, 0, false,
	  RAW("000010000000000000000\r\n"), H1_BAD },
	{ "empty_extension_is_bad", H1_FRAME_CHUNKED, 0, false,
	  RAW("2;\r\nhi\r\n0\r\n\r\n"), H1_BAD },
	{ "ctl_in_extension_is_bad", H1_FRAME_CHUNKED, 0, true,
	  RAW("5;a=\x01\r\nhello\r\n0\r\n\r\n"), H1_BAD },
};

struct reframed {
	enum h1_result	 r;
	char		*out;		/* owned */
	size_t		 out_len;
	size_t		 consumed;	/* raw bytes the message took */
};

/*
 * Plays the caller: each call gets, in a buffer of exactly that size, the
 * bytes kept back last time followed by the next piece of input.
 */
static void
reframe_feed(const struct rcase *c, const size_t *cuts, size_t ncuts,
    struct reframed *o, const char *how)
{
	struct h1_body	 b;
	char		 keep[H1_REFRAME_HOLD], *piece;
	size_t		 nkeep = 0, pos = 0, j, len, out, used;

	h1_body_init(&b, c->framing, c->length);
	o->out = malloc(c->raw_len + 1);
	ck_assert_ptr_nonnull(o->out);
	o->out_len = 0;
	o->consumed = 0;
	o->r = H1_AGAIN;
	for (j = 0; j < ncuts; j++) {
		len = nkeep + (cuts[j] - pos);
		piece = malloc(len > 0 ? len : 1);
		ck_assert_ptr_nonnull(piece);
		memcpy(piece, keep, nkeep);
		memcpy(piece + nkeep, c->raw + pos, cuts[j] - pos);
		o->r = h1_body_reframe(&b, piece, len, c->dechunk, &out, &used);
		if (o->r == H1_BAD) {
			free(piece);
			ck_assert_int_eq(h1_body_reframe(&b, keep, 0,
			    c->dechunk, &out, &used), H1_BAD);
			return;
		}
		ck_assert_msg(out <= used && used <= len, "%s (%s): out %zu "
		    "used %zu of %zu", c->name, how, out, used, len);
		memcpy(o->out + o->out_len, piece, out);
		o->out_len += out;
		if (o->r == H1_DONE) {
			ck_assert_msg(b.held == 0 && used >= nkeep,
			    "%s (%s): held %zu at the end", c->name, how,
			    b.held);
			o->consumed = pos + (used - nkeep);
			ck_assert_msg(memcmp(piece + used, c->raw + o->consumed,
			    len - used) == 0, "%s (%s): touched the next "
			    "message", c->name, how);
			free(piece);
			ck_assert_int_eq(h1_body_reframe(&b, keep, 0,
			    c->dechunk, &out, &used), H1_DONE);
			ck_assert(out == 0 && used == 0);
			return;
		}
		ck_assert_msg(o->r == H1_AGAIN, "%s (%s): result %d", c->name,
		    how, o->r);
		ck_assert_msg(used + b.held == len && b.held <= H1_REFRAME_HOLD,
		    "%s (%s): used %zu held %zu of %zu", c->name, how, used,
		    b.held, len);
		memcpy(keep, piece + used, b.held);
		nkeep = b.held;
		pos = cuts[j];
		free(piece);
	}
	o->consumed = pos;
}

static void
check_rcase(const void *vc, const size_t *cuts, size_t ncuts, const char *how)
{
	const struct rcase	*c = vc;
	struct reframed		 o;

	reframe_feed(c, cuts, ncuts, &o, how);
	ck_assert_msg(o.r == c->expect, "%s (%s): result %d, want %d",
	    c->name, how, o.r, c->expect);
	if (c->expect != H1_BAD) {
		ck_assert_msg(o.out_len == c->out_len &&
		    memcmp(o.out, c->out, c->out_len) == 0,
		    "%s (%s): forwarded \"%.*s\"", c->name, how,
		    (int)o.out_len, o.out);
		ck_assert_msg(o.consumed == (c->expect == H1_DONE ?
		    c->msg_len : c->raw_len), "%s (%s): took %zu bytes",
		    c->name, how, o.consumed);
	}
	free(o.out);
}

START_TEST(reframes_bodies_as_specified)
{
	run_splits(&rcases[_i], rcases[_i].raw_len, check_rcase);
}
END_TEST

/* Re-frames <raw> whole; the result must be <expect>. */
static struct reframed
reframe_whole(enum h1_framing framing, uint64_t length, bool dechunk,
    const char *raw, size_t len, enum h1_result expect)
{
	struct rcase	 c = { "whole", framing, length, dechunk, raw, len,
			    expect, NULL, 0, 0 };
	struct reframed	 o;
	size_t		 cut = len;

	reframe_feed(&c, &cut, 1, &o, "again");
	ck_assert_int_eq(o.r, expect);
	return o;
}

/*
 * Every scanner case through the re-framer, in both modes: de-chunked it
 * gives the payload; in canonical framing it ends where the scanner ends,
 * de-chunks to the same payload and is its own canonical form.
 */
static void
check_bcase_reframed(const void *vc, const size_t *cuts, size_t ncuts,
    const char *how)
{
	const struct bcase	*bc = vc;
	struct rcase		 c = { bc->name, bc->framing, bc->length, true,
				    bc->raw, bc->raw_len, bc->expect,
				    bc->payload, bc->payload_len, bc->msg_len };
	struct reframed		 o, again, plain;

	check_rcase(&c, cuts, ncuts, how);
	c.dechunk = false;
	reframe_feed(&c, cuts, ncuts, &o, how);
	ck_assert_msg(o.r == bc->expect, "%s (%s, canonical): result %d",
	    bc->name, how, o.r);
	if (o.r != H1_BAD && bc->framing == H1_FRAME_CHUNKED) {
		plain = reframe_whole(bc->framing, 0, true, o.out, o.out_len,
		    o.r);
		ck_assert_msg(plain.out_len == bc->payload_len &&
		    memcmp(plain.out, bc->payload, bc->payload_len) == 0,
		    "%s (%s): canonical form carries another payload",
		    bc->name, how);
		free(plain.out);
		if (o.r == H1_DONE) {
			again = reframe_whole(bc->framing, 0, false, o.out,
			    o.out_len, H1_DONE);
			ck_assert_msg(again.out_len == o.out_len &&
			    memcmp(again.out, o.out, o.out_len) == 0,
			    "%s (%s): canonical form is not canonical",
			    bc->name, how);
			free(again.out);
		}
	} else if (o.r != H1_BAD)
		ck_assert_msg(o.out_len == bc->payload_len &&
		    memcmp(o.out, bc->payload, bc->payload_len) == 0,
		    "%s (%s): forwarded \"%.*s\"", bc->name, how,
		    (int)o.out_len, o.out);
	if (o.r != H1_BAD)
		ck_assert_msg(o.consumed == (bc->expect == H1_DONE ?
		    bc->msg_len : bc->raw_len), "%s (%s, canonical): took %zu",
		    bc->name, how, o.consumed);
	free(o.out);
}

START_TEST(reframes_scanner_cases)
{
	run_splits(&cases[_i], cases[_i].raw_len, check_bcase_reframed);
}
END_TEST

START_TEST(reframes_long_extension_in_held_room)
{
	struct rcase	 c = { "long extension", H1_FRAME_CHUNKED, 0, false,
			    .expect = H1_DONE, OUT("5\r\nhello\r\n0\r\n\r\n") };
	char		*raw = padded_chunk_line(H1_CHUNK_LINE_MAX, &c.raw_len);

	c.raw = raw;
	c.msg_len = c.raw_len;
	run_splits(&c, c.raw_len, check_rcase);
	free(raw);
}
END_TEST

START_TEST(reframes_large_chunks_in_pieces)
{
	enum { NCHUNK = 3, SIZE = 70000 };
	struct rcase	 c = { "large chunks", H1_FRAME_CHUNKED, 0, false,
			    .expect = H1_DONE };
	char		*raw, *want, *pay;
	size_t		 i, n = 0, m = 0, cuts[64], ncuts = 0;
	uint32_t	 seed = 11;

	raw = malloc(NCHUNK * (SIZE + 64) + 8);
	want = malloc(NCHUNK * (SIZE + 16) + 8);
	pay = malloc(SIZE);
	ck_assert(raw != NULL && want != NULL && pay != NULL);
	for (i = 0; i < NCHUNK; i++) {
		for (n = 0; n < SIZE; n++)
			pay[n] = (char)next_rand(&seed);
		n = c.raw_len;
		n += (size_t)sprintf(raw + n, "%08X;i=%zu\r\n", SIZE, i);
		memcpy(raw + n, pay, SIZE);
		memcpy(raw + n + SIZE, "\r\n", 2);
		c.raw_len = n + SIZE + 2;
		m += (size_t)sprintf(want + m, "%x\r\n", SIZE);
		memcpy(want + m, pay, SIZE);
		memcpy(want + m + SIZE, "\r\n", 2);
		m += SIZE + 2;
	}
	memcpy(raw + c.raw_len, "0\r\nT: x\r\n\r\n", 11);
	c.raw_len += 11;
	memcpy(want + m, "0\r\n\r\n", 5);
	m += 5;
	c.raw = raw;
	c.msg_len = c.raw_len;
	c.out = want;
	c.out_len = m;
	for (i = 0; i < c.raw_len; i += 1 + next_rand(&seed) % 9000)
		cuts[ncuts++] = i;
	cuts[ncuts++] = c.raw_len;
	check_rcase(&c, cuts, ncuts, "random pieces");
	c.dechunk = true;
	c.out_len = 0;
	for (i = 0; i < NCHUNK; i++)
		c.out_len += SIZE;
	/* the payload is what sits between the framing of <want> */
	for (i = 0, m = 0, n = 0; i < NCHUNK; i++) {
		n += (size_t)snprintf(NULL, 0, "%x\r\n", SIZE);
		memmove(want + m, want + n, SIZE);
		m += SIZE;
		n += SIZE + 2;
	}
	check_rcase(&c, cuts, ncuts, "random pieces, de-chunked");
	free(raw);
	free(want);
	free(pay);
}
END_TEST

static Suite *
h1_body_suite(void)
{
	Suite	*s = suite_create("h1_body");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_loop_test(tc, scans_bodies_as_specified, 0, NCASES(cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, accepts_chunk_line_of_max_length);
	tcase_add_test(tc, rejects_chunk_line_over_max_length);
	tcase_add_test(tc, accepts_trailers_of_max_size);
	tcase_add_test(tc, rejects_trailers_over_max_size);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_add_test(tc, large_chunks_stream_in_pieces);
	tcase_add_test(tc, length_counts_down_remaining);
	tcase_add_test(tc, chunked_remaining_is_left_in_chunk);
	tcase_add_test(tc, init_resets_a_used_scanner);
	suite_add_tcase(s, tc);

	tc = tcase_create("reframe");
	tcase_add_loop_test(tc, reframes_bodies_as_specified, 0,
	    NCASES(rcases));
	tcase_add_loop_test(tc, reframes_scanner_cases, 0, NCASES(cases));
	tcase_add_test(tc, reframes_long_extension_in_held_room);
	tcase_add_test(tc, reframes_large_chunks_in_pieces);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(h1_body_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
