/*
 * common/min_rate.c: sequences of updates (time, bytes so far, waiting or
 * not) with the time left each one must give, for the pause rule, the rate
 * rule and time that does not count.
 */
#include <check.h>
#include <stdint.h>

#include "common/min_rate.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAXSTEPS	8
#define ANY		UINT64_MAX

static const struct mcase {
	const char	*name;
	uint32_t	 timeout_ms;
	uint32_t	 min_rate;
	struct {
		uint64_t	now_ms;
		uint64_t	bytes;
		bool		is_waiting;
		uint64_t	left;	/* ANY: not checked */
	} step[MAXSTEPS];
	size_t		 nsteps;
} cases[] = {
	{ "silent_peer_runs_out_at_the_timeout", 2000, 500,
	  { { 1000, 0, true, 2000 }, { 2999, 0, true, 1 },
	    { 3000, 0, true, 0 } }, 3 },
	{ "time_not_waiting_is_not_counted", 2000, 500,
	  { { 1000, 0, true, 2000 }, { 2000, 0, false, 1000 },
	    { 60000, 0, true, 1000 }, { 60500, 0, true, 500 } }, 4 },
	{ "a_byte_resets_the_pause", 2000, 0,
	  { { 0, 0, true, 2000 }, { 1999, 1, true, 2000 },
	    { 3998, 2, true, 2000 }, { 5997, 2, true, 1 } }, 4 },
	{ "one_byte_each_500_ms_runs_out_of_rate", 2000, 1000,
	  { { 0, 0, true, 2000 }, { 500, 1, true, 1501 },
	    { 1500, 3, true, 503 }, { 2000, 4, true, 4 },
	    { 2500, 5, true, 0 } }, 5 },
	{ "fast_then_a_long_pause_runs_out", 2000, 500,
	  { { 0, 0, true, 2000 }, { 100, 1000000, true, 2000 },
	    { 2099, 1000000, true, 1 }, { 2100, 1000000, true, 0 } }, 4 },
	{ "at_the_minimum_rate_never_runs_out", 1000, 1000,
	  { { 0, 0, true, 1000 }, { 10000, 10000, true, 1000 },
	    { 30000, 30000, true, 1000 }, { 60000, 60000, true, 1000 } },
	  4 },
	{ "below_it_the_grace_wears_off", 1000, 1000,
	  { { 0, 0, true, 1000 }, { 500, 400, true, 900 },
	    { 2000, 1600, true, 600 }, { 5000, 4000, true, 0 } }, 4 },
	{ "rate_zero_is_the_pause_rule_alone", 1000, 0,
	  { { 0, 0, true, 1000 }, { 999, 1, true, 1000 },
	    { 1998, 2, true, 1000 }, { 100000, 3, true, 1000 } }, 4 },
	{ "a_blocked_peer_is_not_charged", 1000, 500,
	  { { 0, 0, true, 1000 }, { 900, 1000, false, 1000 },
	    { 30000, 1000, true, 1000 }, { 30900, 1000, true, 100 } }, 4 },
};

START_TEST(gives_the_time_left)
{
	const struct mcase	*c = &cases[_i];
	struct min_rate		 r;
	uint64_t		 left;
	size_t			 i;

	min_rate_start(&r);
	for (i = 0; i < c->nsteps; i++) {
		min_rate_update(&r, c->step[i].now_ms, c->step[i].bytes,
		    c->step[i].is_waiting);
		left = min_rate_left_ms(&r, c->timeout_ms, c->min_rate);
		if (c->step[i].left != ANY)
			ck_assert_msg(left == c->step[i].left, "%s: step %zu "
			    "(at %llu ms): %llu ms left, want %llu", c->name,
			    i, (unsigned long long)c->step[i].now_ms,
			    (unsigned long long)left,
			    (unsigned long long)c->step[i].left);
	}
}
END_TEST

START_TEST(seen_rate_is_over_the_time_waited)
{
	struct min_rate	r;

	min_rate_start(&r);
	ck_assert_uint_eq(min_rate_seen(&r), 0);
	min_rate_update(&r, 0, 0, true);
	min_rate_update(&r, 2500, 5, false);
	min_rate_update(&r, 90000, 5, true);
	ck_assert_uint_eq(min_rate_seen(&r), 2);
	min_rate_update(&r, 92500, 5, true);
	ck_assert_uint_eq(min_rate_seen(&r), 1);
}
END_TEST

START_TEST(huge_counts_do_not_overflow)
{
	struct min_rate	r;

	min_rate_start(&r);
	min_rate_update(&r, 0, 0, true);
	min_rate_update(&r, 10, UINT64_MAX - 1, true);
	ck_assert_uint_eq(min_rate_left_ms(&r, 1000, 1), 1000);
	ck_assert_uint_eq(min_rate_seen(&r), UINT64_MAX - 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("min_rate");
	TCase	*tc = tcase_create("limits");
	SRunner	*sr;
	int	 nfailed;

	tcase_add_loop_test(tc, gives_the_time_left, 0, NELEM(cases));
	tcase_add_test(tc, seen_rate_is_over_the_time_waited);
	tcase_add_test(tc, huge_counts_do_not_overflow);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? 0 : 1;
}
