/*
 * The consistent-hash ring: keys spread evenly, and adding or removing
 * one of N backends moves about 1/N of the keys, all of them to or from
 * the backend that changed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "worker/chash.h"

#define NKEYS	100000

static const char *const names[] = {
	"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80",
	"10.0.0.5:80", "10.0.0.6:80", "10.0.0.7:80", "10.0.0.8:80",
	"10.0.0.9:80", "10.0.0.10:80", "10.0.0.11:80",
};

static uint32_t
owner(const struct chash *ch, unsigned key)
{
	char	text[32];
	int	n = snprintf(text, sizeof(text), "/page/%u", key);

	return ch->points[chash_find(ch, chash_key(text, (size_t)n))].backend;
}

/* Builds a ring of the first <n> names, backend ids = their positions. */
static void
ring(struct chash *ch, size_t n, const unsigned *weights)
{
	static const unsigned	ones[11] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	uint32_t		ids[11];
	size_t			i;

	for (i = 0; i < n; i++)
		ids[i] = (uint32_t)i;
	ck_assert_int_eq(chash_build(ch, names, weights != NULL ? weights :
	    ones, ids, n), 0);
}

START_TEST(spreads_keys_evenly)
{
	struct chash	ch;
	unsigned	count[10] = { 0 }, k;
	size_t		i;

	ring(&ch, 10, NULL);
	for (k = 0; k < NKEYS; k++)
		count[owner(&ch, k)]++;
	for (i = 0; i < 10; i++)
		ck_assert_msg(count[i] > NKEYS / 10 * 80 / 100 &&
		    count[i] < NKEYS / 10 * 120 / 100,
		    "backend %zu got %u of %d keys", i, count[i], NKEYS);
	chash_free(&ch);
}
END_TEST

START_TEST(removing_one_of_ten_moves_only_its_keys)
{
	struct chash	all, less;
	unsigned	moved = 0, k;
	uint32_t	a, b;

	ring(&all, 10, NULL);
	ring(&less, 9, NULL);	/* the 10th is gone */
	for (k = 0; k < NKEYS; k++) {
		a = owner(&all, k);
		b = owner(&less, k);
		if (a != b) {
			ck_assert_msg(a == 9, "key %u moved from %u to %u", k,
			    a, b);
			moved++;
		}
	}
	/* About 1/10 of the keys, within a few percent. */
	ck_assert_msg(moved > NKEYS * 7 / 100 && moved < NKEYS * 13 / 100,
	    "%u of %d keys moved", moved, NKEYS);
	chash_free(&all);
	chash_free(&less);
}
END_TEST

START_TEST(adding_an_eleventh_moves_about_one_in_eleven)
{
	struct chash	ten, eleven;
	unsigned	moved = 0, k;
	uint32_t	a, b;

	ring(&ten, 10, NULL);
	ring(&eleven, 11, NULL);
	for (k = 0; k < NKEYS; k++) {
		a = owner(&ten, k);
		b = owner(&eleven, k);
		if (a != b) {
			ck_assert_msg(b == 10, "key %u moved to %u", k, b);
			moved++;
		}
	}
	ck_assert_msg(moved > NKEYS * 6 / 100 && moved < NKEYS * 12 / 100,
	    "%u of %d keys moved", moved, NKEYS);
	chash_free(&ten);
	chash_free(&eleven);
}
END_TEST

START_TEST(weight_gives_a_proportional_share)
{
	static const unsigned	weights[3] = { 2, 1, 1 };
	struct chash		ch;
	unsigned		count[3] = { 0 }, k;

	ring(&ch, 3, weights);
	for (k = 0; k < NKEYS; k++)
		count[owner(&ch, k)]++;
	ck_assert_msg(count[0] > NKEYS * 45 / 100 && count[0] <
	    NKEYS * 55 / 100, "weight 2 got %u of %d", count[0], NKEYS);
	chash_free(&ch);
}
END_TEST

START_TEST(find_wraps_past_the_last_point)
{
	struct chash	ch;

	ring(&ch, 2, NULL);
	ck_assert_uint_eq(chash_find(&ch, UINT64_MAX), 0);
	ck_assert_uint_eq(chash_find(&ch, 0), 0);
	chash_free(&ch);
}
END_TEST

static Suite *
chash_suite(void)
{
	Suite	*s = suite_create("chash");
	TCase	*tc = tcase_create("ring");

	tcase_add_test(tc, spreads_keys_evenly);
	tcase_add_test(tc, removing_one_of_ten_moves_only_its_keys);
	tcase_add_test(tc, adding_an_eleventh_moves_about_one_in_eleven);
	tcase_add_test(tc, weight_gives_a_proportional_share);
	tcase_add_test(tc, find_wraps_past_the_last_point);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(chash_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
