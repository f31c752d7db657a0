/*
 * Backend choice over the shared segment: the smooth weighted order, one
 * rotation whatever the number of callers, and what is passed over
 * (down, disabled, draining, tried, full) and what stands in (backups,
 * and in panic, down backends).
 */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/shm.h"
#include "worker/balance.h"
#include "worker/context.h"

static struct config	*cfg;
static struct shm	 shm;
static struct worker	 w;
static char		 dir[] = "/tmp/check_balance.XXXXXX";
static char		 path[64];

static void
setup_pool(const char *pool_json)
{
	char	json[1024];

	snprintf(json, sizeof(json),
	    "{\"pools\": {\"p\": %s},"
	    " \"services\": {\"s\": {\"listen\": \"127.0.0.1:1\","
	    " \"pool\": \"p\"}}}", pool_json);
	cfg = config_load_string(json, "t.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
	ck_assert_int_eq(shm_create(&shm, path, cfg, 2, NULL), 0);
	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.shm = &shm;
	w.rand_state = 12345;
	ck_assert_int_eq(balance_init(&w), 0);
}

static void
teardown(void)
{
	balance_free(&w);
	shm_detach(&shm);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/check_balance.XXXXXX");
	config_free(cfg);
}

/* Backend <b> has <n> requests in flight, held by workers 0 and 1. */
static void
set_active(uint32_t b, uint64_t n)
{
	shm_held_row(&shm, 0)[b] = n / 2;
	shm_held_row(&shm, 1)[b] = n - n / 2;
}

static int
pick(void)
{
	struct balance_req	r = { NULL, 0, NULL, 0, NULL };

	return balance_pick(&w, &cfg->pools[0], &r);
}

START_TEST(smooth_order_interleaves_a_heavy_backend)
{
	static const unsigned	weights[3] = { 5, 1, 1 };
	static const uint32_t	want[7] = { 0, 0, 1, 0, 2, 0, 0 };
	uint32_t		out[7];

	ck_assert_uint_eq(balance_smooth_order(weights, 3, out), 7);
	ck_assert_mem_eq(out, want, sizeof(want));
}
END_TEST

/* nginx's loop as written, every backend compared at every step. */
static size_t
smooth_order_direct(const unsigned *weights, size_t n, uint32_t *out)
{
	long	cur[64] = { 0 }, total = 0;
	size_t	i, k, best, len = 0;

	for (i = 0; i < n; i++)
		total += weights[i];
	for (k = 0; k < (size_t)total; k++) {
		best = 0;
		for (i = 0; i < n; i++) {
			cur[i] += weights[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		out[len++] = (uint32_t)best;
	}
	return len;
}

/* The grouped computation gives exactly nginx's order, ties included. */
START_TEST(smooth_order_matches_nginx_for_any_weights)
{
	static uint32_t	got[64 * 256], want[64 * 256];
	unsigned	weights[64];
	size_t		n, i, ngot, nwant;
	int		round;

	srandom(1);
	for (round = 0; round < 500; round++) {
		n = 1 + (size_t)random() % 64;
		for (i = 0; i < n; i++)
			/* Few distinct weights, many ties; or any of 1..256. */
			weights[i] = round % 2 == 0 ?
			    1 + (unsigned)random() % 4 :
			    1 + (unsigned)random() % 256;
		nwant = smooth_order_direct(weights, n, want);
		ngot = balance_smooth_order(weights, n, got);
		ck_assert_uint_eq(ngot, nwant);
		ck_assert_msg(memcmp(got, want, nwant * sizeof(*got)) == 0,
		    "round %d: %zu backends: orders differ", round, n);
	}
}
END_TEST

START_TEST(roundrobin_rotates_strictly)
{
	int	i;

	setup_pool("{\"backends\": [\"127.0.0.1:1\", \"127.0.0.1:2\","
	    " \"127.0.0.1:3\"], \"health\": false}");
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(pick(), i % 3);
	teardown();
}
END_TEST

START_TEST(roundrobin_follows_weights)
{
	int	i, count[2] = { 0, 0 };

	setup_pool("{\"backends\": [{\"address\": \"127.0.0.1:1\", "
	    "\"weight\": 3}, \"127.0.0.1:2\"], \"health\": false}");
	for (i = 0; i < 400; i++)
		count[pick()]++;
	ck_assert_int_eq(count[0], 300);
	ck_assert_int_eq(count[1], 100);
	teardown();
}
END_TEST

START_TEST(passes_over_down_disabled_and_draining)
{
	int	i;

	setup_pool("{\"backends\": [\"127.0.0.1:1\", \"127.0.0.1:2\","
	    " \"127.0.0.1:3\", \"127.0.0.1:4\"]}");
	shm.backends[0].health_state = SHM_HEALTH_DOWN;
	shm.backends[1].admin_state = SHM_ADMIN_DISABLED;
	shm.backends[2].admin_state = SHM_ADMIN_DRAINING;
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(pick(), 3);
	teardown();
}
END_TEST

START_TEST(backup_stands_in_only_when_no_primary_is_up)
{
	setup_pool("{\"backends\": [\"127.0.0.1:1\", {\"address\": "
	    "\"127.0.0.1:2\", \"backup\": true}]}");
	ck_assert_int_eq(pick(), 0);
	ck_assert_int_eq(pick(), 0);
	shm.backends[0].health_state = SHM_HEALTH_DOWN;
	ck_assert_int_eq(pick(), 1);
	shm.backends[1].health_state = SHM_HEALTH_DOWN;
	ck_assert_int_eq(pick(), BALANCE_NONE);
	teardown();
}
END_TEST

START_TEST(full_backends_mean_wait_not_backup)
{
	setup_pool("{\"backends\": [{\"address\": \"127.0.0.1:1\", "
	    "\"max_conns\": 2}, {\"address\": \"127.0.0.1:2\", "
	    "\"backup\": true}]}");
	set_active(0, 2);
	ck_assert_int_eq(pick(), BALANCE_FULL);
	set_active(0, 1);
	ck_assert_int_eq(pick(), 0);
	teardown();
}
END_TEST

START_TEST(a_reaped_workers_requests_stop_counting)
{
	setup_pool("{\"balance\": \"leastconn\", \"backends\": ["
	    "{\"address\": \"127.0.0.1:1\", \"max_conns\": 4}, "
	    "{\"address\": \"127.0.0.1:2\", \"max_conns\": 4}]}");
	/* Worker 0 held 4 and 3 when it was killed; worker 1 holds 1. */
	shm_held_row(&shm, 0)[0] = 4;
	shm_held_row(&shm, 0)[1] = 3;
	shm_held_row(&shm, 1)[1] = 1;
	ck_assert_int_eq(pick(), BALANCE_FULL);
	shm_held_clear(&shm, 0);
	ck_assert_int_eq(pick(), 0);
	teardown();
}
END_TEST

START_TEST(retry_never_picks_a_tried_backend)
{
	uint32_t		tried[1] = { 0 };
	struct balance_req	r = { tried, 1, NULL, 0, NULL };
	int			i;

	setup_pool("{\"backends\": [\"127.0.0.1:1\", \"127.0.0.1:2\"]}");
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(balance_pick(&w, &cfg->pools[0], &r), 1);
	teardown();
}
END_TEST

START_TEST(leastconn_takes_the_least_loaded_per_weight)
{
	setup_pool("{\"balance\": \"leastconn\", \"backends\": ["
	    "\"127.0.0.1:1\", {\"address\": \"127.0.0.1:2\", \"weight\": 4},"
	    " \"127.0.0.1:3\"]}");
	set_active(0, 3);
	set_active(1, 8);	/* 2 per unit of weight */
	set_active(2, 5);
	ck_assert_int_eq(pick(), 1);
	set_active(1, 16);
	ck_assert_int_eq(pick(), 0);
	teardown();
}
END_TEST

START_TEST(source_keeps_a_client_on_one_backend)
{
	struct sockaddr_in	sin;
	struct balance_req	r = { NULL, 0, (struct sockaddr *)&sin, 0,
	    NULL };
	int			first, i;

	setup_pool("{\"balance\": \"source\", \"backends\": ["
	    "\"127.0.0.1:1\", \"127.0.0.1:2\", \"127.0.0.1:3\"]}");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x0a000001);
	first = balance_pick(&w, &cfg->pools[0], &r);
	ck_assert_int_ge(first, 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(balance_pick(&w, &cfg->pools[0], &r), first);
	/* Its backend down: it moves, and only while that one is down. */
	shm.backends[first].health_state = SHM_HEALTH_DOWN;
	ck_assert_int_ne(balance_pick(&w, &cfg->pools[0], &r), first);
	shm.backends[first].health_state = SHM_HEALTH_UP;
	ck_assert_int_eq(balance_pick(&w, &cfg->pools[0], &r), first);
	teardown();
}
END_TEST

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

START_TEST(slowstart_ramps_a_returning_backend)
{
	int	i, count[2] = { 0, 0 };

	setup_pool("{\"slowstart_ms\": 10000, \"backends\": ["
	    "\"127.0.0.1:1\", \"127.0.0.1:2\"]}");
	/* Up for a tenth of the ramp: about a tenth of its share. */
	shm.backends[0].up_since_ms = mono_ms() - 1000;
	for (i = 0; i < 2000; i++)
		count[pick()]++;
	ck_assert_msg(count[0] > 40 && count[0] < 200,
	    "backend 1s into a 10 s ramp got %d of 2000", count[0]);
	/* Past the ramp: its full share. */
	shm.backends[0].up_since_ms = mono_ms() - 20000;
	count[0] = count[1] = 0;
	for (i = 0; i < 2000; i++)
		count[pick()]++;
	ck_assert_int_eq(count[0], 1000);
	teardown();
}
END_TEST

START_TEST(random_follows_weights_roughly)
{
	int	i, count[2] = { 0, 0 };

	setup_pool("{\"balance\": \"random\", \"backends\": [{\"address\": "
	    "\"127.0.0.1:1\", \"weight\": 3}, \"127.0.0.1:2\"]}");
	for (i = 0; i < 4000; i++)
		count[pick()]++;
	ck_assert_msg(count[0] > 2800 && count[0] < 3200, "%d of 4000",
	    count[0]);
	teardown();
}
END_TEST

START_TEST(all_down_pool_has_no_backend_by_default)
{
	setup_pool("{\"backends\": [\"127.0.0.1:1\", \"127.0.0.1:2\"]}");
	shm.backends[0].health_state = SHM_HEALTH_DOWN;
	shm.backends[1].health_state = SHM_HEALTH_DOWN;
	ck_assert_int_eq(pick(), BALANCE_NONE);
	ck_assert_int_eq(pick(), BALANCE_NONE);
	teardown();
}
END_TEST

START_TEST(panic_spreads_over_every_down_backend)
{
	int	i, count[2] = { 0, 0 };

	setup_pool("{\"when_all_down\": \"panic\", \"backends\": "
	    "[\"127.0.0.1:1\", \"127.0.0.1:2\"]}");
	shm.backends[0].health_state = SHM_HEALTH_DOWN;
	shm.backends[1].health_state = SHM_HEALTH_DOWN;
	for (i = 0; i < 10; i++)
		count[pick()]++;
	ck_assert_int_eq(count[0], 5);
	ck_assert_int_eq(count[1], 5);
	teardown();
}
END_TEST

START_TEST(panic_waits_until_no_backend_is_up)
{
	uint32_t		tried[1] = { 1 };
	struct balance_req	r = { tried, 1, NULL, 0, NULL };
	int			i;

	setup_pool("{\"when_all_down\": \"panic\", \"backends\": "
	    "[\"127.0.0.1:1\", \"127.0.0.1:2\"]}");
	shm.backends[0].health_state = SHM_HEALTH_DOWN;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pick(), 1);
	/* The up one was tried: a retry has nowhere to go, as without
	   panic; the down one is not a fallback while another is up. */
	ck_assert_int_eq(balance_pick(&w, &cfg->pools[0], &r), BALANCE_NONE);
	teardown();
}
END_TEST

START_TEST(panic_keeps_out_disabled_draining_and_tried)
{
	uint32_t		tried[1] = { 0 };
	struct balance_req	r = { tried, 1, NULL, 0, NULL };
	int			i;

	setup_pool("{\"when_all_down\": \"panic\", \"backends\": "
	    "[\"127.0.0.1:1\", \"127.0.0.1:2\", \"127.0.0.1:3\","
	    " \"127.0.0.1:4\"]}");
	for (i = 0; i < 4; i++)
		shm.backends[i].health_state = SHM_HEALTH_DOWN;
	/* Up but disabled does not count as up: the pool is in panic. */
	shm.backends[1].health_state = SHM_HEALTH_UP;
	shm.backends[1].admin_state = SHM_ADMIN_DISABLED;
	shm.backends[2].admin_state = SHM_ADMIN_DRAINING;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(balance_pick(&w, &cfg->pools[0], &r), 3);
	tried[0] = 3;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(balance_pick(&w, &cfg->pools[0], &r), 0);
	teardown();
}
END_TEST

START_TEST(panic_takes_primaries_before_backups)
{
	uint32_t		tried[2] = { 0, 1 };
	struct balance_req	r = { tried, 2, NULL, 0, NULL };
	int			i;

	setup_pool("{\"when_all_down\": \"panic\", \"backends\": "
	    "[\"127.0.0.1:1\", \"127.0.0.1:2\", {\"address\": "
	    "\"127.0.0.1:3\", \"backup\": true}]}");
	for (i = 0; i < 3; i++)
		shm.backends[i].health_state = SHM_HEALTH_DOWN;
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(pick(), i % 2);
	/* Once every primary was tried, the backup. */
	ck_assert_int_eq(balance_pick(&w, &cfg->pools[0], &r), 2);
	/* An up backup is used as usual: no panic. */
	shm.backends[2].health_state = SHM_HEALTH_UP;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pick(), 2);
	teardown();
}
END_TEST

/* Panic works whatever the method; full backends still mean waiting. */
START_TEST(panic_applies_to_every_method)
{
	static const char *const methods[] = { "roundrobin", "random",
	    "leastconn", "source", "uri" };
	char	json[256];
	int	idx;

	snprintf(json, sizeof(json), "{\"balance\": \"%s\", "
	    "\"when_all_down\": \"panic\", \"backends\": [{\"address\": "
	    "\"127.0.0.1:1\", \"max_conns\": 1}]}", methods[_i]);
	setup_pool(json);
	shm.backends[0].health_state = SHM_HEALTH_DOWN;
	idx = pick();
	ck_assert_msg(idx == 0, "%s: picked %d", methods[_i], idx);
	set_active(0, 1);
	idx = pick();
	ck_assert_msg(idx == BALANCE_FULL, "%s: full, picked %d",
	    methods[_i], idx);
	teardown();
}
END_TEST

static Suite *
balance_suite(void)
{
	Suite	*s = suite_create("balance");
	TCase	*tc = tcase_create("pick");

	tcase_add_test(tc, smooth_order_interleaves_a_heavy_backend);
	tcase_add_test(tc, smooth_order_matches_nginx_for_any_weights);
	tcase_add_test(tc, roundrobin_rotates_strictly);
	tcase_add_test(tc, roundrobin_follows_weights);
	tcase_add_test(tc, passes_over_down_disabled_and_draining);
	tcase_add_test(tc, backup_stands_in_only_when_no_primary_is_up);
	tcase_add_test(tc, full_backends_mean_wait_not_backup);
	tcase_add_test(tc, a_reaped_workers_requests_stop_counting);
	tcase_add_test(tc, retry_never_picks_a_tried_backend);
	tcase_add_test(tc, leastconn_takes_the_least_loaded_per_weight);
	tcase_add_test(tc, source_keeps_a_client_on_one_backend);
	tcase_add_test(tc, random_follows_weights_roughly);
	tcase_add_test(tc, slowstart_ramps_a_returning_backend);
	tcase_add_test(tc, all_down_pool_has_no_backend_by_default);
	tcase_add_test(tc, panic_spreads_over_every_down_backend);
	tcase_add_test(tc, panic_waits_until_no_backend_is_up);
	tcase_add_test(tc, panic_keeps_out_disabled_draining_and_tried);
	tcase_add_test(tc, panic_takes_primaries_before_backups);
	tcase_add_loop_test(tc, panic_applies_to_every_method, 0, 5);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(balance_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
