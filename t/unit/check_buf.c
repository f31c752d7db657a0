/*
 * common/buf.c: the start <= end <= cap invariant through every operation,
 * compaction only when the tail runs out, and read/write over a pipe.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
assert_invariant(const struct buf *b)
{
	ck_assert(b->start <= b->end);
	ck_assert(b->end <= b->cap);
}

static void
assert_contents(const struct buf *b, const char *want)
{
	assert_invariant(b);
	ck_assert_uint_eq(buf_len(b), strlen(want));
	ck_assert(memcmp(buf_head(b), want, strlen(want)) == 0);
}

START_TEST(new_buffer_is_empty_with_full_room)
{
	struct buf	b;

	ck_assert_int_eq(buf_init(&b, 16), 0);
	ck_assert(buf_empty(&b));
	ck_assert(!buf_full(&b));
	ck_assert_uint_eq(buf_room(&b), 16);
	assert_invariant(&b);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	buf_free(&b);
}
END_TEST

START_TEST(append_until_full_then_refuses_without_writing)
{
	struct buf	b;

	ck_assert_int_eq(buf_init(&b, 8), 0);
	ck_assert_int_eq(buf_append(&b, "abcde", 5), 0);
	ck_assert_int_eq(buf_append(&b, "fgh", 3), 0);
	ck_assert(buf_full(&b));
	ck_assert_uint_eq(buf_room(&b), 0);
	ck_assert_int_eq(buf_append(&b, "i", 1), -1);
	assert_contents(&b, "abcdefgh");
	ck_assert_int_eq(buf_append(&b, "", 0), 0);
	buf_free(&b);
}
END_TEST

START_TEST(append_compacts_when_only_the_tail_is_short)
{
	struct buf	b;

	ck_assert_int_eq(buf_init(&b, 8), 0);
	ck_assert_int_eq(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 4);
	ck_assert_uint_eq(b.start, 4);
	ck_assert_uint_eq(buf_room(&b), 6);
	ck_assert_int_eq(buf_append(&b, "ghijkl", 6), 0);
	ck_assert_uint_eq(b.start, 0);
	assert_contents(&b, "efghijkl");
	buf_free(&b);
}
END_TEST

START_TEST(append_does_not_move_data_when_tail_has_room)
{
	struct buf	b;

	ck_assert_int_eq(buf_init(&b, 8), 0);
	ck_assert_int_eq(buf_append(&b, "abcd", 4), 0);
	buf_consume(&b, 2);
	ck_assert_int_eq(buf_append(&b, "ef", 2), 0);
	ck_assert_uint_eq(b.start, 2);
	assert_contents(&b, "cdef");
	buf_free(&b);
}
END_TEST

START_TEST(consuming_everything_rewinds_to_zero)
{
	struct buf	b;

	ck_assert_int_eq(buf_init(&b, 8), 0);
	ck_assert_int_eq(buf_append(&b, "abcd", 4), 0);
	buf_consume(&b, 1);
	assert_contents(&b, "bcd");
	buf_consume(&b, 3);
	ck_assert(buf_empty(&b));
	ck_assert_uint_eq(b.start, 0);
	ck_assert_uint_eq(b.end, 0);
	buf_consume(&b, 0);
	assert_invariant(&b);
	buf_free(&b);
}
END_TEST

START_TEST(compact_moves_data_to_offset_zero)
{
	struct buf	b;

	ck_assert_int_eq(buf_init(&b, 8), 0);
	ck_assert_int_eq(buf_append(&b, "abcdefg", 7), 0);
	buf_consume(&b, 5);
	buf_compact(&b);
	ck_assert_uint_eq(b.start, 0);
	ck_assert_uint_eq(b.end, 2);
	assert_contents(&b, "fg");
	buf_compact(&b);
	assert_contents(&b, "fg");
	buf_free(&b);
}
END_TEST

static const struct cut_case {
	const char	*name;
	const char	*before;
	size_t		 skip;		/* consumed first, so start > 0 */
	size_t		 off;
	size_t		 n;
	const char	*after;
} cut_cases[] = {
	{ "front", "abcdef", 0, 0, 2, "cdef" },
	{ "middle", "abcdef", 0, 2, 2, "abef" },
	{ "back", "abcdef", 0, 4, 2, "abcd" },
	{ "nothing", "abcdef", 0, 3, 0, "abcdef" },
	{ "everything", "abcdef", 0, 0, 6, "" },
	{ "middle_after_consume", "xxabcdef", 2, 1, 3, "aef" },
	{ "end_after_consume", "xxabcdef", 2, 6, 0, "abcdef" },
};

START_TEST(cut_removes_a_range_and_closes_the_gap)
{
	const struct cut_case	*c = &cut_cases[_i];
	struct buf		 b;

	ck_assert_int_eq(buf_init(&b, 16), 0);
	ck_assert_int_eq(buf_append(&b, c->before, strlen(c->before)), 0);
	buf_consume(&b, c->skip);
	buf_cut(&b, c->off, c->n);
	ck_assert_msg(buf_len(&b) == strlen(c->after) &&
	    memcmp(buf_head(&b), c->after, strlen(c->after)) == 0,
	    "%s: got '%.*s', want '%s'", c->name, (int)buf_len(&b),
	    buf_head(&b), c->after);
	assert_invariant(&b);
	buf_free(&b);
}
END_TEST

static void
make_pipe(int fds[2])
{
	ck_assert_int_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
}

START_TEST(read_fd_fills_the_tail_and_reports_eof)
{
	struct buf	b;
	int		fds[2];

	make_pipe(fds);
	ck_assert_int_eq(buf_init(&b, 8), 0);
	ck_assert_int_eq(write(fds[1], "hello", 5), 5);
	ck_assert_int_eq(buf_read_fd(&b, fds[0]), 5);
	assert_contents(&b, "hello");
	ck_assert_int_eq(buf_read_fd(&b, fds[0]), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(fds[1]);
	ck_assert_int_eq(buf_read_fd(&b, fds[0]), 0);
	assert_contents(&b, "hello");
	close(fds[0]);
	buf_free(&b);
}
END_TEST

START_TEST(read_fd_stops_at_capacity_and_compacts_a_full_tail)
{
	struct buf	b;
	int		fds[2];

	make_pipe(fds);
	ck_assert_int_eq(buf_init(&b, 4), 0);
	ck_assert_int_eq(write(fds[1], "abcdefgh", 8), 8);
	ck_assert_int_eq(buf_read_fd(&b, fds[0]), 4);
	ck_assert(buf_full(&b));
	assert_contents(&b, "abcd");
	buf_consume(&b, 3);
	/* The tail is at cap: the read must compact to find room. */
	ck_assert_int_eq(buf_read_fd(&b, fds[0]), 3);
	ck_assert(buf_full(&b));
	assert_contents(&b, "defg");
	close(fds[0]);
	close(fds[1]);
	buf_free(&b);
}
END_TEST

START_TEST(write_fd_consumes_what_was_written)
{
	struct buf	b;
	int		fds[2];
	char		out[16];

	make_pipe(fds);
	ck_assert_int_eq(buf_init(&b, 16), 0);
	ck_assert_int_eq(buf_append(&b, "abcdef", 6), 0);
	ck_assert_int_eq(buf_write_fd(&b, fds[1], 4), 4);
	assert_contents(&b, "ef");
	ck_assert_int_eq(buf_write_fd(&b, fds[1], 100), 2);
	ck_assert(buf_empty(&b));
	ck_assert_int_eq(read(fds[0], out, sizeof(out)), 6);
	ck_assert(memcmp(out, "abcdef", 6) == 0);
	close(fds[0]);
	close(fds[1]);
	buf_free(&b);
}
END_TEST

START_TEST(write_fd_keeps_data_on_eagain)
{
	struct buf	 b;
	int		 fds[2];
	char		*fill;
	ssize_t		 w;
	size_t		 cap = 1 << 20;

	make_pipe(fds);
	fill = calloc(1, cap);
	ck_assert_ptr_nonnull(fill);
	/* Fill the pipe so the next write would block. */
	do {
		w = write(fds[1], fill, cap);
	} while (w > 0);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(buf_init(&b, 8), 0);
	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	ck_assert_int_eq(buf_write_fd(&b, fds[1], 3), -1);
	ck_assert_int_eq(errno, EAGAIN);
	assert_contents(&b, "abc");
	free(fill);
	close(fds[0]);
	close(fds[1]);
	buf_free(&b);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc;

	tc = tcase_create("memory");
	tcase_add_test(tc, new_buffer_is_empty_with_full_room);
	tcase_add_test(tc, append_until_full_then_refuses_without_writing);
	tcase_add_test(tc, append_compacts_when_only_the_tail_is_short);
	tcase_add_test(tc, append_does_not_move_data_when_tail_has_room);
	tcase_add_test(tc, consuming_everything_rewinds_to_zero);
	tcase_add_test(tc, compact_moves_data_to_offset_zero);
	tcase_add_loop_test(tc, cut_removes_a_range_and_closes_the_gap, 0,
	    NELEM(cut_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("fd");
	tcase_add_test(tc, read_fd_fills_the_tail_and_reports_eof);
	tcase_add_test(tc, read_fd_stops_at_capacity_and_compacts_a_full_tail);
	tcase_add_test(tc, write_fd_consumes_what_was_written);
	tcase_add_test(tc, write_fd_keeps_data_on_eagain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(buf_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
