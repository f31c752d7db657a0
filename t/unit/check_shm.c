/*
 * The shared segment: a reader refuses a file that is not a segment of
 * this layout, a reload carries counters, admin and health state over to
 * the new generation by name and address, what each worker holds adds up
 * and is released with its row, and latency percentiles come out of the
 * histogram where the samples went in.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/shm.h"

static char	dir[64];
static char	path[96];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_shm.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static struct config *
conf(const char *pools)
{
	char		 json[1024];
	struct config	*cfg;

	snprintf(json, sizeof(json), "{\"pools\": {%s}, \"services\": "
	    "{\"www\": {\"listen\": \"127.0.0.1:1\", \"pool\": \"a\"}}}",
	    pools);
	cfg = config_load_string(json, "t.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static void
patch(size_t off, const void *p, size_t n)
{
	int	fd = open(path, O_WRONLY);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pwrite(fd, p, n, (off_t)off), (ssize_t)n);
	close(fd);
}

START_TEST(attach_reads_what_create_wrote)
{
	struct config	*cfg = conf("\"a\": {\"backends\": [\"127.0.0.1:8\"]}");
	struct shm	 w, r;
	char		 err[256];

	ck_assert_int_eq(shm_create(&w, path, cfg, 3, NULL), 0);
	ck_assert_int_eq(shm_attach(&r, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.hdr->nworkers, 3);
	ck_assert_uint_eq(r.hdr->generation, 1);
	ck_assert_str_eq(r.backends[0].address, "127.0.0.1:8");
	ck_assert_str_eq(r.services[0].listen[0], "127.0.0.1:1");
	shm_detach(&r);
	shm_detach(&w);
	config_free(cfg);
}
END_TEST

START_TEST(attach_refuses_wrong_magic_version_or_size)
{
	struct config	*cfg = conf("\"a\": {\"backends\": [\"127.0.0.1:8\"]}");
	struct shm	 w, r;
	char		 err[256];
	uint32_t	 bad = 0xdeadbeef, version = SHM_LAYOUT_VERSION + 1;

	ck_assert_int_eq(shm_create(&w, path, cfg, 1, NULL), 0);
	shm_detach(&w);
	patch(offsetof(struct shm_header, layout_version), &version,
	    sizeof(version));
	ck_assert_int_eq(shm_attach(&r, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "version") != NULL, "%s", err);

	patch(offsetof(struct shm_header, magic), &bad, sizeof(bad));
	ck_assert_int_eq(shm_attach(&r, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, path));

	ck_assert_int_eq(truncate(path, 16), 0);
	ck_assert_int_eq(shm_attach(&r, path, err, sizeof(err)), -1);
	config_free(cfg);
}
END_TEST

START_TEST(reload_carries_state_by_name_and_address)
{
	struct config	*one = conf("\"a\": {\"backends\": [\"127.0.0.1:8\", "
	    "\"127.0.0.1:9\"]}, \"gone\": {\"backends\": [\"127.0.0.1:7\"]}");
	struct config	*two = conf("\"new\": {\"backends\": [\"127.0.0.1:6\"]},"
	    " \"a\": {\"backends\": [\"127.0.0.1:9\", {\"address\": "
	    "\"127.0.0.1:5\", \"weight\": 4}]}");
	struct shm	 s1, s2;
	struct shm_backend *b9;

	ck_assert_int_eq(shm_create(&s1, path, one, 1, NULL), 0);
	s1.services[0].requests = 42;
	s1.services[0].responses[1] = 40;
	s1.services[0].tunnels = 7;
	s1.services[0].tunnel_bytes_out = 70;
	s1.services[0].body_timeouts = 3;
	s1.services[0].proto_conns[SHM_NPROTOS - 1] = 11;
	s1.services[0].proto_requests[SHM_NPROTOS - 1] = 12;
	s1.services[0].h2_reset_floods = 2;
	s1.services[0].h2_control_floods = 4;
	shm_held_row(&s1, 0)[s1.hdr->nbackends] = 5;
	s1.pools[0].rr = 1000;
	b9 = &s1.backends[1];
	b9->requests = 17;
	shm_held_row(&s1, 0)[1] = 3;
	b9->admin_state = SHM_ADMIN_DRAINING;
	b9->health_state = SHM_HEALTH_DOWN;
	strcpy(b9->check_detail, "connect refused");
	b9->latency[10] = 9;

	ck_assert_int_eq(shm_create(&s2, path, two, 1, &s1), 0);
	ck_assert_uint_eq(s2.hdr->generation, 2);
	ck_assert_uint_eq(s2.services[0].requests, 42);
	ck_assert_uint_eq(s2.services[0].responses[1], 40);
	ck_assert_uint_eq(s2.services[0].tunnels, 7);
	ck_assert_uint_eq(s2.services[0].tunnel_bytes_out, 70);
	/* Every counter, the per-protocol and flood ones too. */
	ck_assert_uint_eq(s2.services[0].body_timeouts, 3);
	ck_assert_uint_eq(s2.services[0].proto_conns[SHM_NPROTOS - 1], 11);
	ck_assert_uint_eq(s2.services[0].proto_requests[SHM_NPROTOS - 1], 12);
	ck_assert_uint_eq(s2.services[0].h2_reset_floods, 2);
	ck_assert_uint_eq(s2.services[0].h2_control_floods, 4);
	ck_assert_uint_eq(shm_service_active(&s2, 0), 0);
	/* Pool "a" is second now; its state followed its name. */
	ck_assert_str_eq(s2.pools[1].name, "a");
	ck_assert_uint_eq(s2.pools[1].rr, 1000);
	ck_assert_uint_eq(s2.pools[0].rr, 0);
	b9 = &s2.backends[s2.pools[1].first_backend];
	ck_assert_str_eq(b9->address, "127.0.0.1:9");
	ck_assert_uint_eq(b9->requests, 17);
	ck_assert_uint_eq(shm_backend_active(&s2,
	    s2.pools[1].first_backend), 0);
	ck_assert_uint_eq(b9->admin_state, SHM_ADMIN_DRAINING);
	ck_assert_uint_eq(b9->health_state, SHM_HEALTH_DOWN);
	ck_assert_str_eq(b9->check_detail, "connect refused");
	ck_assert_uint_eq(b9->latency[10], 9);
	ck_assert_uint_eq(b9->pool, 1);
	/* A new backend starts fresh, with its own weight. */
	ck_assert_uint_eq(b9[1].requests, 0);
	ck_assert_uint_eq(b9[1].weight, 4);
	ck_assert_uint_eq(b9[1].health_state, SHM_HEALTH_UP);
	/* The pools' spare slots follow their backends, free. */
	ck_assert_uint_eq(s2.pools[1].nconf, 2);
	ck_assert_uint_eq(s2.pools[1].nslots, 2 + 16);
	ck_assert_uint_eq(b9[2].slot_state, SHM_SLOT_FREE);
	ck_assert_uint_eq(b9[2].pool, 1);
	ck_assert_uint_eq(b9[1].slot_state, SHM_SLOT_LIVE);
	shm_detach(&s1);
	shm_detach(&s2);
	config_free(one);
	config_free(two);
}
END_TEST

/*
 * A reload builds the pools from the file: a backend added at runtime is
 * not carried into a spare slot, and one removed at runtime that the file
 * still has comes back live, with its counters.
 */
START_TEST(reload_starts_the_slots_from_the_file)
{
	struct config	*one = conf("\"a\": {\"backends\": [\"127.0.0.1:8\", "
	    "\"127.0.0.1:9\"]}");
	struct shm	 s1, s2;
	struct shm_backend *b;

	ck_assert_int_eq(shm_create(&s1, path, one, 1, NULL), 0);
	b = &s1.backends[1];
	b->slot_state = SHM_SLOT_REMOVED;
	b->requests = 3;
	b = &s1.backends[2];
	b->slot_state = SHM_SLOT_LIVE;
	strcpy(b->address, "127.0.0.1:7");
	b->requests = 5;
	s1.backends[0].weight = 9;
	ck_assert_int_eq(shm_create(&s2, path, one, 1, &s1), 0);
	ck_assert_uint_eq(s2.backends[0].weight, 1);
	ck_assert_uint_eq(s2.backends[1].slot_state, SHM_SLOT_LIVE);
	ck_assert_uint_eq(s2.backends[1].requests, 3);
	ck_assert_uint_eq(s2.backends[2].slot_state, SHM_SLOT_FREE);
	ck_assert_uint_eq(s2.backends[2].requests, 0);
	ck_assert_str_eq(s2.backends[2].address, "");
	shm_detach(&s1);
	shm_detach(&s2);
	config_free(one);
}
END_TEST

START_TEST(held_rows_add_up_and_a_cleared_row_is_released)
{
	struct config	*cfg = conf("\"a\": {\"backends\": [\"127.0.0.1:8\", "
	    "\"127.0.0.1:9\"]}");
	struct shm	 w, r;
	char		 err[256];

	ck_assert_int_eq(shm_create(&w, path, cfg, 3, NULL), 0);
	shm_held_row(&w, 0)[0] = 2;
	shm_held_row(&w, 1)[0] = 3;
	shm_held_row(&w, 2)[1] = 1;
	shm_held_row(&w, 1)[w.hdr->nbackends] = 4;	/* service 0 */
	shm_held_row(&w, 2)[shm_held_pin_column(w.hdr, 1)] = 6;
	shm_held_row(&w, 1)[shm_held_tunnels_column(w.hdr, 0)] = 2;	/* service 0's tunnels */
	shm_held_row(&w, 2)[shm_held_tunnels_column(w.hdr, 0)] = 1;
	ck_assert_int_eq(shm_attach(&r, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(shm_backend_active(&r, 0), 5);
	ck_assert_uint_eq(shm_backend_active(&r, 1), 1);
	ck_assert_uint_eq(shm_service_active(&r, 0), 4);
	ck_assert_uint_eq(shm_backend_pinned(&r, 1), 6);
	ck_assert_uint_eq(shm_backend_pinned(&r, 0), 0);
	ck_assert_uint_eq(shm_service_tunnels(&r, 0), 3);
	/* Rows do not share a cache line: each has one writer. */
	ck_assert_uint_eq((uintptr_t)shm_held_row(&w, 1) % 64, 0);
	/* What a worker the master reaped held is gone with it. */
	shm_held_clear(&w, 1);
	ck_assert_uint_eq(shm_backend_active(&r, 0), 2);
	ck_assert_uint_eq(shm_service_active(&r, 0), 0);
	ck_assert_uint_eq(shm_service_tunnels(&r, 0), 1);
	/* Past the last column (the tunnels of the last service). */
	ck_assert_uint_eq(shm_held_sum(r.hdr, r.held,
	    2 * ((uint64_t)r.hdr->nbackends + r.hdr->nservices)), 0);
	shm_detach(&r);
	shm_detach(&w);
	config_free(cfg);
}
END_TEST

/*
 * Any process that maps the segment read-write can rewrite its header.
 * The master clears a dead worker's row and sums the rows from the layout
 * it made, so a worker that writes huge counts into the live header gets
 * no write or read outside the rows.
 */
START_TEST(held_rows_follow_the_layout_not_the_live_header)
{
	struct config	*cfg = conf("\"a\": {\"backends\": [\"127.0.0.1:8\"]}");
	struct shm	 w;
	uint64_t	*next_row;
	uint32_t	 first, nslots, nconf;

	ck_assert_int_eq(shm_create(&w, path, cfg, 2, NULL), 0);
	next_row = shm_held_row(&w, 1);
	next_row[0] = 7;
	shm_held_row(&w, 0)[0] = 1;
	w.hdr->nbackends = UINT32_MAX;
	w.hdr->nservices = UINT32_MAX;
	w.hdr->nworkers = UINT32_MAX;
	ck_assert_ptr_eq(shm_held_row(&w, 1), next_row);
	ck_assert_uint_eq(shm_backend_active(&w, 0), 8);
	shm_held_clear(&w, 0);
	ck_assert_uint_eq(next_row[0], 7);
	ck_assert_uint_eq(shm_backend_active(&w, 0), 7);
	/* A pool whose range was rewritten is refused, not followed. */
	w.pools[0].nslots = UINT32_MAX;
	ck_assert_int_eq(shm_pool_range(&w, 0, &first, &nslots, &nconf), -1);
	ck_assert_int_eq(shm_pool_range(&w, 1, &first, &nslots, &nconf), -1);
	w.pools[0].nslots = 17;
	ck_assert_int_eq(shm_pool_range(&w, 0, &first, &nslots, &nconf), 0);
	ck_assert_uint_eq(first + nslots + nconf, 0 + 17 + 1);
	shm_detach(&w);
	config_free(cfg);
}
END_TEST

START_TEST(attach_refuses_held_rows_outside_the_file)
{
	struct config	*cfg = conf("\"a\": {\"backends\": [\"127.0.0.1:8\"]}");
	struct shm	 w, r;
	char		 err[256];
	uint64_t	 off;

	ck_assert_int_eq(shm_create(&w, path, cfg, 2, NULL), 0);
	off = w.hdr->size - 64;
	shm_detach(&w);
	patch(offsetof(struct shm_header, held_off), &off, sizeof(off));
	ck_assert_int_eq(shm_attach(&r, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "corrupt") != NULL, "%s", err);
	config_free(cfg);
}
END_TEST

START_TEST(percentiles_come_from_the_histogram)
{
	uint64_t	hist[SHM_LAT_BUCKETS] = { 0 };
	unsigned	i;
	double		p50, p99;

	ck_assert(shm_latency_percentile_ms(hist, 50) == 0.0);
	/* 98 samples of 1 ms, 2 of 100 ms. */
	hist[shm_latency_bucket(1000)] += 98;
	hist[shm_latency_bucket(100000)] += 2;
	p50 = shm_latency_percentile_ms(hist, 50);
	p99 = shm_latency_percentile_ms(hist, 99);
	ck_assert_msg(p50 > 0.8 && p50 < 1.25, "p50 %f", p50);
	ck_assert_msg(p99 > 80 && p99 < 125, "p99 %f", p99);
	for (i = 1; i < SHM_LAT_BUCKETS; i++)
		ck_assert_uint_gt(shm_latency_bound_us(i),
		    shm_latency_bound_us(i - 1));
	ck_assert_uint_eq(shm_latency_bucket(0), 0);
	ck_assert_uint_eq(shm_latency_bucket(UINT64_MAX), SHM_LAT_BUCKETS - 1);
}
END_TEST

static Suite *
shm_suite(void)
{
	Suite	*s = suite_create("shm");
	TCase	*tc = tcase_create("segment");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, attach_reads_what_create_wrote);
	tcase_add_test(tc, attach_refuses_wrong_magic_version_or_size);
	tcase_add_test(tc, reload_carries_state_by_name_and_address);
	tcase_add_test(tc, reload_starts_the_slots_from_the_file);
	tcase_add_test(tc, held_rows_add_up_and_a_cleared_row_is_released);
	tcase_add_test(tc, held_rows_follow_the_layout_not_the_live_header);
	tcase_add_test(tc, attach_refuses_held_rows_outside_the_file);
	tcase_add_test(tc, percentiles_come_from_the_histogram);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(shm_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
