/*
 * weirctl's snapshot reader: a segment written by weir is accepted, and a
 * segment with any one index, count, offset, size, state value or string
 * out of range is refused with a message naming it, before anything reads
 * through it.  Each case starts from a real segment and changes one field.
 * What validation lets through (times, counters) renders without
 * arithmetic that overflows.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/shm.h"
#include "ctl/render.h"
#include "stats/render.h"
#include "stats/snapshot.h"

static char	dir[64];
static char	path[96];

/* A segment as weirctl sees it: a private, aligned copy and its sections. */
struct seg {
	void			*base;	/* owned */
	size_t			 size;
	struct shm_header	*hdr;
	struct shm_worker	*workers;
	struct shm_pool		*pools;
	struct shm_backend	*backends;
	struct shm_service	*services;
};

static void
setup(void)
{
	strcpy(dir, "/tmp/check_snapshot.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/*
 * Writes the segment weir makes for two pools (a: two backends and no
 * spare slot, b: one backend and a spare slot), one service listening on
 * two addresses, two workers, to <path>.
 */
static void
write_segment(void)
{
	struct config	*cfg;
	struct shm	 w;

	cfg = config_load_string("{\"pools\": {"
	    "\"a\": {\"backends\": [\"127.0.0.1:8\", \"127.0.0.1:9\"], "
	    "\"spare_backends\": 0}, "
	    "\"b\": {\"balance\": \"leastconn\", \"spare_backends\": 1, "
	    "\"backends\": [\"127.0.0.1:7\"]}}, "
	    "\"services\": {\"www\": {\"listen\": [\"127.0.0.1:1\", "
	    "\"127.0.0.1:2\"], \"pool\": \"a\"}}}", "t.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(shm_create(&w, path, cfg, 2, NULL), 0);
	shm_detach(&w);
	config_free(cfg);
}

static void
seg_point(struct seg *s)
{
	char	*b = s->base;

	s->hdr = s->base;
	s->workers = (struct shm_worker *)(b + s->hdr->workers_off);
	s->pools = (struct shm_pool *)(b + s->hdr->pools_off);
	s->backends = (struct shm_backend *)(b + s->hdr->backends_off);
	s->services = (struct shm_service *)(b + s->hdr->services_off);
}

/* Reads <path> into <s>, as snapshot_take() copies it. */
static void
seg_read(struct seg *s)
{
	struct stat	st;
	int		fd;

	ck_assert_int_eq(stat(path, &st), 0);
	s->size = (size_t)st.st_size;
	s->base = malloc(s->size);
	ck_assert_ptr_nonnull(s->base);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(read(fd, s->base, s->size), (ssize_t)s->size);
	close(fd);
	seg_point(s);
}

static void
seg_write(const struct seg *s)
{
	int	fd;

	ck_assert_int_ne(fd = open(path, O_WRONLY | O_TRUNC), -1);
	ck_assert_int_eq(write(fd, s->base, s->size), (ssize_t)s->size);
	close(fd);
}

static void
crafted_too_small(struct seg *s)
{
	s->size = 16;
}

static void
crafted_magic(struct seg *s)
{
	s->hdr->magic = 0xdeadbeef;
}

static void
crafted_version(struct seg *s)
{
	s->hdr->layout_version++;
}

static void
crafted_held_outside(struct seg *s)
{
	s->hdr->held_off = s->hdr->size - 8;
}

static void
crafted_size(struct seg *s)
{
	s->hdr->size += 64;
}

static void
crafted_section_outside(struct seg *s)
{
	s->hdr->pools_off = s->size;
}

static void
crafted_section_count(struct seg *s)
{
	s->hdr->nbackends = UINT32_MAX;
}

static void
crafted_section_offset_overflow(struct seg *s)
{
	s->hdr->services_off = UINT64_MAX - 7;
}

static void
crafted_section_misaligned(struct seg *s)
{
	s->hdr->services_off += 4;
}

static void
crafted_section_in_header(struct seg *s)
{
	s->hdr->workers_off = 0;
}

static void
crafted_pool_range_wraps(struct seg *s)
{
	s->pools[1].first_backend = UINT32_MAX;
}

static void
crafted_pool_range_long(struct seg *s)
{
	s->pools[0].nslots = 5;
}

static void
crafted_pool_nconf(struct seg *s)
{
	s->pools[1].nconf = 3;
}

static void
crafted_slot_state(struct seg *s)
{
	s->backends[3].slot_state = SHM_SLOT_REMOVED + 1;
}

static void
crafted_backend_pool(struct seg *s)
{
	s->backends[2].pool = 9;
}

static void
crafted_backend_other_pool(struct seg *s)
{
	s->backends[0].pool = 1;
}

static void
crafted_admin_state(struct seg *s)
{
	s->backends[1].admin_state = SHM_ADMIN_DRAINING + 1;
}

static void
crafted_health_state(struct seg *s)
{
	s->backends[1].health_state = SHM_HEALTH_DOWN + 1;
}

static void
crafted_address_unterminated(struct seg *s)
{
	memset(s->backends[0].address, 'x', SHM_NAME_MAX);
}

static void
crafted_address_escape(struct seg *s)
{
	s->backends[0].address[0] = '\033';
}

static void
crafted_pool_name(struct seg *s)
{
	memset(s->pools[1].name, 'p', SHM_NAME_MAX);
}

static void
crafted_balance(struct seg *s)
{
	s->pools[0].balance = 99;
}

static void
crafted_service_name(struct seg *s)
{
	s->services[0].name[3] = (char)0xc3;
}

static void
crafted_nlisten(struct seg *s)
{
	s->services[0].nlisten = SHM_MAX_LISTEN + 1;
}

static void
crafted_listen(struct seg *s)
{
	memset(s->services[0].listen[1], '1', SHM_NAME_MAX);
}

static void
crafted_config_path(struct seg *s)
{
	memset(s->hdr->config_path, '/', sizeof(s->hdr->config_path));
}

static void
crafted_reload_error(struct seg *s)
{
	memset(s->hdr->reload_error, 'e', sizeof(s->hdr->reload_error));
}

static void
crafted_reload_note(struct seg *s)
{
	memset(s->hdr->reload_note, 'n', sizeof(s->hdr->reload_note));
}

/* The messages below name the layout's version and sizes. */
_Static_assert(SHM_LAYOUT_VERSION == 7 && sizeof(struct shm_worker) == 48 &&
    sizeof(struct shm_pool) == 104,
    "the layout changed: update the expected messages of crafted[]");

static const struct crafted {
	const char	*name;
	void		(*craft)(struct seg *);
	const char	*why;
} crafted[] = {
	{ "too small", crafted_too_small, "too small" },
	{ "magic", crafted_magic, "not a weir stats segment (bad magic)" },
	{ "version", crafted_version, "segment layout version 8, this "
	    "program reads version 7" },
	{ "size", crafted_size, "segment says" },
	{ "held outside", crafted_held_outside,
	    "corrupt segment: held section (2 workers at offset" },
	{ "section outside", crafted_section_outside,
	    "corrupt segment: pool section (2 x 104 bytes at offset" },
	{ "section count", crafted_section_count,
	    "corrupt segment: backend section (4294967295 x" },
	{ "section offset overflow", crafted_section_offset_overflow,
	    "corrupt segment: service section (1 x" },
	{ "section misaligned", crafted_section_misaligned,
	    "corrupt segment: service section" },
	{ "section in header", crafted_section_in_header,
	    "corrupt segment: worker section (2 x 48 bytes at offset 0)" },
	{ "pool range wraps", crafted_pool_range_wraps,
	    "corrupt segment: pool 1 names 2 backends from 4294967295 of 4" },
	{ "pool range long", crafted_pool_range_long,
	    "corrupt segment: pool 0 names 5 backends from 0 of 4" },
	{ "pool configured backends", crafted_pool_nconf,
	    "corrupt segment: pool 1 has 3 configured backends in 2 slots" },
	{ "slot state", crafted_slot_state,
	    "corrupt segment: backend 3 slot state 3 (expected 0 to 2)" },
	{ "backend pool", crafted_backend_pool,
	    "corrupt segment: backend 2 names pool 9 of 2" },
	{ "backend other pool", crafted_backend_other_pool,
	    "corrupt segment: backend 0 is not among the backends of pool 1" },
	{ "admin state", crafted_admin_state,
	    "corrupt segment: backend 1 admin state 3 (expected 0 to 2)" },
	{ "health state", crafted_health_state,
	    "corrupt segment: backend 1 health state 2 (expected 0 to 1)" },
	{ "address unterminated", crafted_address_unterminated,
	    "corrupt segment: backend 0 address is not a terminated "
	    "printable string" },
	{ "address escape", crafted_address_escape,
	    "corrupt segment: backend 0 address is not a terminated "
	    "printable string" },
	{ "pool name", crafted_pool_name,
	    "corrupt segment: pool 1 name is not a terminated printable "
	    "string" },
	{ "balance", crafted_balance,
	    "corrupt segment: pool 0 balance 99 is no algorithm this "
	    "weirctl knows" },
	{ "service name", crafted_service_name,
	    "corrupt segment: service 0 name is not a terminated printable "
	    "string" },
	{ "nlisten", crafted_nlisten,
	    "corrupt segment: service 0 has 9 listen addresses, at most 8" },
	{ "listen", crafted_listen,
	    "corrupt segment: service 0 listen address 1 is not a "
	    "terminated printable string" },
	{ "config_path", crafted_config_path,
	    "corrupt segment: config_path is not terminated" },
	{ "reload_error", crafted_reload_error,
	    "corrupt segment: reload_error is not terminated" },
	{ "reload_note", crafted_reload_note,
	    "corrupt segment: reload_note is not terminated" },
};

START_TEST(accepts_what_weir_wrote)
{
	struct snapshot	snap;
	struct seg	s;
	char		err[4352];

	write_segment();
	seg_read(&s);
	ck_assert_int_eq(snapshot_validate(s.base, s.size, err, sizeof(err)),
	    0);
	free(s.base);
	ck_assert_msg(snapshot_take(&snap, path, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_uint_eq(snap.hdr->nbackends, 4);
	ck_assert_str_eq(snap.backends[2].address, "127.0.0.1:7");
	ck_assert(snapshot_backend_is_shown(&snap, 2));
	ck_assert(!snapshot_backend_is_shown(&snap, 3));
	ck_assert_uint_eq(snapshot_pool_backends(&snap, &snap.pools[1]), 1);
	ck_assert_str_eq(snap.services[0].listen[1], "127.0.0.1:2");
	snapshot_free(&snap);
}
END_TEST

/* Fields past a service's listen count are not read, so not checked. */
START_TEST(ignores_listen_slots_past_the_count)
{
	struct seg	s;
	char		err[256];

	write_segment();
	seg_read(&s);
	memset(s.services[0].listen[SHM_MAX_LISTEN - 1], 'x', SHM_NAME_MAX);
	ck_assert_msg(snapshot_validate(s.base, s.size, err, sizeof(err)) ==
	    0, "%s", err);
	free(s.base);
}
END_TEST

START_TEST(refuses_crafted_segment)
{
	const struct crafted	*c = &crafted[_i];
	struct seg		 s;
	char			 err[512];

	write_segment();
	seg_read(&s);
	c->craft(&s);
	ck_assert_msg(snapshot_validate(s.base, s.size, err, sizeof(err)) ==
	    -1, "%s: accepted", c->name);
	ck_assert_msg(strstr(err, c->why) != NULL, "%s: expected \"%s\", "
	    "got \"%s\"", c->name, c->why, err);
	free(s.base);
}
END_TEST

/*
 * The same through the file and snapshot_take(), which every command uses:
 * the message names the file, and nothing is left to free.
 */
START_TEST(take_refuses_crafted_file)
{
	const struct crafted	*c = &crafted[_i];
	struct snapshot		 snap;
	struct seg		 s;
	char			 err[4352], want[512];

	write_segment();
	seg_read(&s);
	c->craft(&s);
	seg_write(&s);
	free(s.base);
	ck_assert_msg(snapshot_take(&snap, path, err, sizeof(err)) == -1,
	    "%s: accepted", c->name);
	snprintf(want, sizeof(want), "%s: ", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0 &&
	    strstr(err, c->why) != NULL, "%s: expected \"%s%s\", got \"%s\"",
	    c->name, want, c->why, err);
	ck_assert_ptr_null(snap.copy);
	snapshot_free(&snap);
}
END_TEST

START_TEST(take_says_no_running_weir_without_a_file)
{
	struct snapshot	snap;
	char		err[4352], want[512];

	ck_assert_int_eq(snapshot_take(&snap, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "no running weir: %s: %s", path,
	    strerror(ENOENT));
	ck_assert_str_eq(err, want);
}
END_TEST

/*
 * Found by t/fuzz/fuzz_snapshot.c: a start time far in the past made
 * "weirctl status" compute an uptime that overflows int64 (undefined
 * behaviour; UBSan aborts).  Any time not in the past reads as 0 s.
 */
START_TEST(renders_crafted_start_times_as_zero)
{
	struct snapshot	 snap;
	struct seg	 s;
	char		 err[512], *text = NULL;
	size_t		 len;
	FILE		*out;

	write_segment();
	seg_read(&s);
	s.hdr->started_unix = INT64_MIN + 1;
	s.workers[0].pid = 1;
	s.workers[0].started_unix = INT64_MIN;
	s.workers[1].pid = 1;
	s.workers[1].started_unix = INT64_MAX;
	ck_assert_msg(snapshot_adopt(&snap, s.base, s.size, path, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(snapshot_uptime(&snap), 0);
	ck_assert_int_eq(snapshot_seconds_since(&snap, INT64_MIN), 0);
	ck_assert_int_eq(snapshot_seconds_since(&snap, 0), 0);
	ck_assert_int_eq(snapshot_seconds_since(&snap, snap.now_unix - 5), 5);
	ck_assert_ptr_nonnull(out = open_memstream(&text, &len));
	ck_assert_int_eq(render_status(out, &snap, RENDER_WIDTH), 0);
	ck_assert_int_eq(render_stats_json(out, &snap), 0);
	ck_assert_int_eq(render_stats_prometheus(out, &snap), 0);
	fclose(out);
	ck_assert_msg(strstr(text, "uptime      0s (since ") != NULL, "%s",
	    text);
	ck_assert_msg(strstr(text, "\"uptime_s\": 0") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "weir_uptime_seconds 0\n") != NULL, "%s",
	    text);
	free(text);
	snapshot_free(&snap);
}
END_TEST

static Suite *
snapshot_suite(void)
{
	Suite	*s = suite_create("snapshot");
	TCase	*tc = tcase_create("validate");
	int	 n = (int)(sizeof(crafted) / sizeof(crafted[0]));

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, accepts_what_weir_wrote);
	tcase_add_test(tc, ignores_listen_slots_past_the_count);
	tcase_add_loop_test(tc, refuses_crafted_segment, 0, n);
	tcase_add_loop_test(tc, take_refuses_crafted_file, 0, n);
	tcase_add_test(tc, take_says_no_running_weir_without_a_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, renders_crafted_start_times_as_zero);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(snapshot_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
