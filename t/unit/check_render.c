/*
 * stats/render.c's Prometheus forms: /metrics writes each backend's
 * latency as a histogram whose buckets are cumulative, bounded by the
 * segment's buckets in order and ending at +Inf with the _count, with the
 * sum the workers keep; every other line is weirctl's, unchanged; and with
 * no weir to read, weirctl's exposition is weir_up 0 and nothing else.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/shm.h"
#include "stats/render.h"
#include "stats/snapshot.h"

#define FAMILY	"weir_backend_latency_seconds"
/* Backend 0's bucket lines, up to the bound. */
#define BUCKET0	FAMILY "_bucket{pool=\"a\",backend=\"127.0.0.1:8\",le=\""

static struct snapshot	snap;
static char		*summary;	/* render_stats_prometheus() */
static char		*histogram;	/* render_stats_metrics() */

/* What backend 0 answered in: four buckets, so every bound is crossed. */
static const struct {
	unsigned	bucket;
	uint64_t	n;
} traffic[] = {
	{ 0, 3 }, { 20, 4 }, { 47, 2 }, { SHM_LAT_BUCKETS - 1, 1 },
};
#define SUM_US	123456789ULL

/* Responses in the segment's buckets 0 to <last>. */
static uint64_t
upto(unsigned last)
{
	uint64_t	n = 0;
	size_t		k;

	for (k = 0; k < sizeof(traffic) / sizeof(traffic[0]); k++)
		if (traffic[k].bucket <= last)
			n += traffic[k].n;
	return n;
}

static char *
render(int (*fn)(FILE *, const struct snapshot *))
{
	char	*s = NULL;
	size_t	 len;
	FILE	*f;

	ck_assert_ptr_nonnull(f = open_memstream(&s, &len));
	ck_assert_int_eq(fn(f, &snap), 0);
	fclose(f);
	return s;
}

/* The segment weir makes for one pool of two backends and one service. */
static void
setup(void)
{
	char			 dir[] = "/tmp/check_render.XXXXXX", path[64];
	char			 err[512], *seg;
	struct config		*cfg;
	struct shm		 w;
	struct shm_backend	*b;
	size_t			 k, size;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
	cfg = config_load_string("{\"pools\": {\"a\": {\"backends\": "
	    "[\"127.0.0.1:8\", \"127.0.0.1:9\"]}}, \"services\": {\"www\": "
	    "{\"listen\": \"127.0.0.1:1\", \"pool\": \"a\"}}}", "t.json",
	    stderr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(shm_create(&w, path, cfg, 1, NULL), 0);
	config_free(cfg);
	/* The segment as the workers left it: a private copy, as weirctl's. */
	size = w.size;
	ck_assert_ptr_nonnull(seg = malloc(size));
	w.hdr->master_pid = getpid();
	b = w.backends;
	for (k = 0; k < sizeof(traffic) / sizeof(traffic[0]); k++)
		b[0].latency[traffic[k].bucket] = traffic[k].n;
	b[0].latency_sum_us = SUM_US;
	memcpy(seg, w.base, size);
	shm_detach(&w);
	unlink(path);
	rmdir(dir);
	ck_assert_msg(snapshot_adopt(&snap, seg, size, path, err,
	    sizeof(err)) == 0, "%s", err);
	summary = render(render_stats_prometheus);
	histogram = render(render_stats_metrics);
}

static void
teardown(void)
{
	free(summary);
	free(histogram);
	snapshot_free(&snap);
}

/* The value of the line of <text> that starts with <series>, or -1. */
static double
value_of(const char *text, const char *series)
{
	const char	*p = text;
	size_t		 len = strlen(series);

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 :
	    NULL)
		if (strncmp(p, series, len) == 0 && p[len] == ' ')
			return strtod(p + len + 1, NULL);
	return -1;
}

START_TEST(buckets_are_cumulative_and_end_at_count)
{
	const char	*line, *end, *le;
	char		 want[160];
	double		 bound, prev_bound = -1, count, prev = -1;
	unsigned	 nbuckets = 0;
	uint64_t	 total = 0;
	size_t		 k;

	for (k = 0; k < sizeof(traffic) / sizeof(traffic[0]); k++)
		total += traffic[k].n;
	for (line = histogram; *line != '\0'; line = end + 1) {
		ck_assert_ptr_nonnull(end = strchr(line, '\n'));
		if (strncmp(line, BUCKET0, strlen(BUCKET0)) != 0)
			continue;
		le = line + strlen(BUCKET0);
		bound = strncmp(le, "+Inf\"", 5) == 0 ? INFINITY :
		    strtod(le, NULL);
		count = strtod(strstr(le, "} ") + 2, NULL);
		ck_assert_msg(bound > prev_bound, "bounds out of order at "
		    "%.*s", (int)(end - line), line);
		ck_assert_msg(count >= prev, "not cumulative at %.*s",
		    (int)(end - line), line);
		ck_assert_msg(count == (double)upto(isinf(bound) ?
		    SHM_LAT_BUCKETS : 4 * nbuckets), "count at %.*s",
		    (int)(end - line), line);
		if (!isinf(bound))
			ck_assert_msg((uint64_t)(bound * 1e6 + 0.5) ==
			    shm_latency_bound_us(4 * nbuckets) &&
			    (uint64_t)(bound * 1e6 + 0.5) == 50ull << nbuckets,
			    "bucket %u bound %.*s", nbuckets,
			    (int)(end - line), line);
		prev_bound = bound;
		prev = count;
		nbuckets++;
	}
	/* Every fourth bound of the segment's (50 us doubling), and +Inf. */
	ck_assert_uint_eq(nbuckets, (SHM_LAT_BUCKETS - 1) / 4 + 2);
	ck_assert_msg(isinf(prev_bound), "the last bucket is not +Inf");
	ck_assert(prev == (double)total);
	snprintf(want, sizeof(want), "%s_count{pool=\"a\",backend="
	    "\"127.0.0.1:8\"}", FAMILY);
	ck_assert(value_of(histogram, want) == (double)total);
	snprintf(want, sizeof(want), "%s_sum{pool=\"a\",backend="
	    "\"127.0.0.1:8\"}", FAMILY);
	ck_assert_msg(strstr(histogram, "_sum{pool=\"a\",backend=\"127.0.0.1"
	    ":8\"} 123.456789\n") != NULL, "no exact _sum: %g",
	    value_of(histogram, want));
	/* A bucket holds what is at most its bound. */
	ck_assert_uint_eq(shm_latency_bucket(shm_latency_bound_us(5)), 5);
	ck_assert_uint_eq(shm_latency_bucket(shm_latency_bound_us(5) + 1), 6);
}
END_TEST

START_TEST(an_empty_histogram_has_zeros)
{
	ck_assert_ptr_nonnull(strstr(histogram, FAMILY "_bucket{pool=\"a\","
	    "backend=\"127.0.0.1:9\",le=\"+Inf\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(histogram, FAMILY "_sum{pool=\"a\","
	    "backend=\"127.0.0.1:9\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(histogram, FAMILY "_count{pool=\"a\","
	    "backend=\"127.0.0.1:9\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(histogram, "# TYPE " FAMILY
	    " histogram\n"));
}
END_TEST

/* Without the latency family's lines, both forms are the same text. */
static char *
without_latency(const char *text)
{
	char		*out = malloc(strlen(text) + 1), *o = out;
	const char	*line, *end;

	ck_assert_ptr_nonnull(out);
	for (line = text; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		if (strstr(line, FAMILY) != NULL && strstr(line, FAMILY) < end)
			continue;
		memcpy(o, line, (size_t)(end - line + 1));
		o += end - line + 1;
	}
	*o = '\0';
	return out;
}

START_TEST(other_families_are_weirctls)
{
	char	*a = without_latency(summary), *b = without_latency(histogram);

	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(summary, "# TYPE " FAMILY " summary\n"));
	ck_assert_ptr_null(strstr(summary, FAMILY "_bucket"));
	free(a);
	free(b);
}
END_TEST

START_TEST(down_is_weir_up_0)
{
	char	*s = NULL;
	size_t	 len;
	FILE	*f;

	ck_assert_ptr_nonnull(f = open_memstream(&s, &len));
	ck_assert_int_eq(render_down_prometheus(f), 0);
	fclose(f);
	ck_assert_str_eq(s, "# HELP weir_up 1 when the master is running.\n"
	    "# TYPE weir_up gauge\nweir_up 0\n");
	/* The running form declares it the same way. */
	ck_assert_ptr_nonnull(strstr(summary, "# HELP weir_up 1 when the "
	    "master is running.\n# TYPE weir_up gauge\nweir_up 1\n"));
	free(s);
}
END_TEST

static Suite *
render_suite(void)
{
	Suite	*s = suite_create("render");
	TCase	*tc = tcase_create("prometheus");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, buckets_are_cumulative_and_end_at_count);
	tcase_add_test(tc, an_empty_histogram_has_zeros);
	tcase_add_test(tc, other_families_are_weirctls);
	tcase_add_test(tc, down_is_weir_up_0);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(render_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
