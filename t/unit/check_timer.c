/*
 * common/timer.c: the heap fires in deadline order, re-arm and cancel keep
 * it ordered from any slot, a full heap refuses, and callbacks may re-arm
 * without timer_run() looping forever.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/timer.h"

#define NT	64

struct owner {
	struct timer	 t;
	int		 id;
	int		*log;
	size_t		*nlog;
};

static void
record(struct timer *t)
{
	struct owner	*o = (struct owner *)t;

	o->log[(*o->nlog)++] = o->id;
}

static void
setup_owners(struct owner *o, size_t n, int *log, size_t *nlog)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		timer_init(&o[i].t, record);
		o[i].id = (int)i;
		o[i].log = log;
		o[i].nlog = nlog;
	}
}

START_TEST(next_ms_is_minus_one_when_nothing_is_armed)
{
	struct timer_heap	h;

	ck_assert_int_eq(timer_heap_init(&h, 4), 0);
	ck_assert_int_eq(timer_next_ms(&h, 1000), -1);
	timer_heap_free(&h);
}
END_TEST

START_TEST(next_ms_counts_down_to_the_earliest_and_clamps)
{
	struct timer_heap	h;
	struct owner		o[2];
	int			log[2];
	size_t			nlog = 0;

	setup_owners(o, 2, log, &nlog);
	ck_assert_int_eq(timer_heap_init(&h, 4), 0);
	ck_assert_int_eq(timer_arm(&h, &o[0].t, 1500), 0);
	ck_assert_int_eq(timer_arm(&h, &o[1].t, 1200), 0);
	ck_assert_int_eq(timer_next_ms(&h, 1000), 200);
	ck_assert_int_eq(timer_next_ms(&h, 1200), 0);
	ck_assert_int_eq(timer_next_ms(&h, 5000), 0);
	ck_assert_int_eq(timer_arm(&h, &o[1].t, UINT64_MAX), 0);
	ck_assert_int_eq(timer_arm(&h, &o[0].t, UINT64_MAX), 0);
	ck_assert_int_eq(timer_next_ms(&h, 0), INT_MAX);
	timer_heap_free(&h);
}
END_TEST

START_TEST(fires_due_timers_in_deadline_order_and_disarms_them)
{
	struct timer_heap	h;
	struct owner		o[NT];
	int			log[NT];
	size_t			nlog = 0, i;

	setup_owners(o, NT, log, &nlog);
	ck_assert_int_eq(timer_heap_init(&h, NT), 0);
	/* A scrambled but deterministic order of distinct deadlines. */
	for (i = 0; i < NT; i++)
		ck_assert_int_eq(timer_arm(&h, &o[i].t,
		    100 + (i * 37) % NT), 0);
	timer_run(&h, 100 + NT / 2 - 1);
	ck_assert_uint_eq(nlog, NT / 2);
	for (i = 1; i < nlog; i++)
		ck_assert(o[log[i - 1]].t.deadline_ms <
		    o[log[i]].t.deadline_ms);
	for (i = 0; i < nlog; i++)
		ck_assert_uint_eq(o[log[i]].t.slot, SIZE_MAX);
	ck_assert_uint_eq(h.len, NT - NT / 2);
	timer_run(&h, UINT64_MAX);
	ck_assert_uint_eq(nlog, NT);
	ck_assert_uint_eq(h.len, 0);
	timer_heap_free(&h);
}
END_TEST

START_TEST(rearm_moves_a_timer_earlier_or_later)
{
	struct timer_heap	h;
	struct owner		o[3];
	int			log[3];
	size_t			nlog = 0;

	setup_owners(o, 3, log, &nlog);
	ck_assert_int_eq(timer_heap_init(&h, 3), 0);
	ck_assert_int_eq(timer_arm(&h, &o[0].t, 10), 0);
	ck_assert_int_eq(timer_arm(&h, &o[1].t, 20), 0);
	ck_assert_int_eq(timer_arm(&h, &o[2].t, 30), 0);
	ck_assert_int_eq(timer_arm(&h, &o[2].t, 5), 0);
	ck_assert_int_eq(timer_arm(&h, &o[0].t, 40), 0);
	ck_assert_uint_eq(h.len, 3);
	timer_run(&h, 100);
	ck_assert_uint_eq(nlog, 3);
	ck_assert_int_eq(log[0], 2);
	ck_assert_int_eq(log[1], 1);
	ck_assert_int_eq(log[2], 0);
	timer_heap_free(&h);
}
END_TEST

START_TEST(cancel_from_any_slot_keeps_the_heap_ordered)
{
	struct timer_heap	h;
	struct owner		o[NT];
	int			log[NT];
	size_t			nlog = 0, i;

	setup_owners(o, NT, log, &nlog);
	ck_assert_int_eq(timer_heap_init(&h, NT), 0);
	for (i = 0; i < NT; i++)
		ck_assert_int_eq(timer_arm(&h, &o[i].t,
		    1000 + (i * 29) % NT), 0);
	for (i = 0; i < NT; i += 3)
		timer_cancel(&h, &o[i].t);
	timer_cancel(&h, &o[0].t);
	timer_run(&h, UINT64_MAX);
	ck_assert_uint_eq(nlog, NT - (NT + 2) / 3);
	for (i = 0; i < nlog; i++)
		ck_assert_int_ne(log[i] % 3, 0);
	for (i = 1; i < nlog; i++)
		ck_assert(o[log[i - 1]].t.deadline_ms <=
		    o[log[i]].t.deadline_ms);
	timer_heap_free(&h);
}
END_TEST

START_TEST(full_heap_refuses_a_new_timer_but_rearms_an_armed_one)
{
	struct timer_heap	h;
	struct owner		o[3];
	int			log[3];
	size_t			nlog = 0;

	setup_owners(o, 3, log, &nlog);
	ck_assert_int_eq(timer_heap_init(&h, 2), 0);
	ck_assert_int_eq(timer_arm(&h, &o[0].t, 10), 0);
	ck_assert_int_eq(timer_arm(&h, &o[1].t, 20), 0);
	ck_assert_int_eq(timer_arm(&h, &o[2].t, 5), -1);
	ck_assert_uint_eq(o[2].t.slot, SIZE_MAX);
	ck_assert_int_eq(timer_arm(&h, &o[1].t, 1), 0);
	ck_assert_int_eq(timer_next_ms(&h, 0), 1);
	timer_heap_free(&h);
}
END_TEST

static struct timer_heap	*rearm_heap;
static int			 rearm_fires;

static void
rearm_now(struct timer *t)
{
	rearm_fires++;
	ck_assert_int_eq(timer_arm(rearm_heap, t, 0), 0);
}

START_TEST(callback_rearming_for_now_fires_once_per_run)
{
	struct timer_heap	h;
	struct timer		t;

	ck_assert_int_eq(timer_heap_init(&h, 1), 0);
	rearm_heap = &h;
	timer_init(&t, rearm_now);
	ck_assert_int_eq(timer_arm(&h, &t, 0), 0);
	timer_run(&h, 10);
	ck_assert_int_eq(rearm_fires, 1);
	timer_run(&h, 10);
	ck_assert_int_eq(rearm_fires, 2);
	timer_heap_free(&h);
}
END_TEST

START_TEST(cancel_of_an_idle_timer_is_harmless)
{
	struct timer_heap	h;
	struct timer		t;

	ck_assert_int_eq(timer_heap_init(&h, 1), 0);
	timer_init(&t, NULL);
	timer_cancel(&h, &t);
	ck_assert_uint_eq(h.len, 0);
	timer_heap_free(&h);
}
END_TEST

static Suite *
timer_suite(void)
{
	Suite	*s = suite_create("timer");
	TCase	*tc;

	tc = tcase_create("heap");
	tcase_add_test(tc, next_ms_is_minus_one_when_nothing_is_armed);
	tcase_add_test(tc, next_ms_counts_down_to_the_earliest_and_clamps);
	tcase_add_test(tc, fires_due_timers_in_deadline_order_and_disarms_them);
	tcase_add_test(tc, rearm_moves_a_timer_earlier_or_later);
	tcase_add_test(tc, cancel_from_any_slot_keeps_the_heap_ordered);
	tcase_add_test(tc,
	    full_heap_refuses_a_new_timer_but_rearms_an_armed_one);
	tcase_add_test(tc, callback_rearming_for_now_fires_once_per_run);
	tcase_add_test(tc, cancel_of_an_idle_timer_is_harmless);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(timer_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
