/*
 * master/control.c: the control socket is created private and replaces a
 * stale one; each command line gets one reply line; backend commands set
 * admin_state in the segment; bad pools, backends and usage are refused
 * with a message that says what exists; slow clients cannot hold it up.
 * The test plays weirctl's part on a real socket in a temporary directory.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/shm.h"
#include "master/control.h"
#include "master/runtime.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define USAGE	"error: usage: backend enable|disable|drain|remove POOL " \
		"ADDRESS | add POOL ADDRESS [WEIGHT] | weight POOL ADDRESS " \
		"WEIGHT\n"

static const char conf_json[] =
    "{\"pools\": {"
    "  \"web\": {\"backends\": [\"127.0.0.1:8081\", \"127.0.0.1:8082\"]},"
    "  \"api\": {\"backends\": [\"10.0.0.9:80\"], \"spare_backends\": 0}},"
    " \"services\": {\"www\": {\"listen\": \"127.0.0.1:8080\","
    "  \"pool\": \"web\"}}}";

static char		 dir[64];
static struct config	*cfg;
static struct shm	 shm;
static int		 lfd = -1;
static struct control_access	 acc;

static void
setup(void)
{
	char	path[256];

	snprintf(dir, sizeof(dir), "/tmp/check_control.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	cfg = config_load_string(conf_json, "t.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	snprintf(path, sizeof(path), "%s/%s", dir, SHM_FILE_NAME);
	ck_assert_int_eq(shm_create(&shm, path, cfg, 2, NULL), 0);
	lfd = control_open(dir, &acc);
	ck_assert_int_ge(lfd, 0);
}

static void
teardown(void)
{
	char	path[256];

	control_close(lfd, dir);
	lfd = -1;
	shm_detach(&shm);
	config_free(cfg);
	snprintf(path, sizeof(path), "%s/%s", dir, SHM_FILE_NAME);
	unlink(path);
	rmdir(dir);
}

static int
client(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir,
	    CONTROL_SOCK_NAME);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "connect %s: %s", sun.sun_path, strerror(errno));
	return fd;
}

static void
send_all(int fd, const char *s, size_t len)
{
	ck_assert_int_eq(write(fd, s, len), (ssize_t)len);
}

/* Everything the server wrote before closing, as a string. */
static void
read_reply(int fd, char *buf, size_t len)
{
	size_t	have = 0;
	ssize_t	n;

	while (have < len - 1 &&
	    (n = read(fd, buf + have, len - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	close(fd);
}

/* Sends <line> as one client, serves it, and returns the reply in <buf>. */
static void
roundtrip(const char *line, char *buf, size_t len)
{
	int	fd = client();

	send_all(fd, line, strlen(line));
	control_serve(lfd, &shm, &acc);
	read_reply(fd, buf, len);
}

static struct shm_backend *
backend(uint32_t pool, uint32_t i)
{
	return &shm_pool_backends(&shm, pool)[i];
}

START_TEST(ping_replies_pong)
{
	char	reply[CONTROL_REPLY_MAX];

	roundtrip("ping\n", reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok pong\n");
}
END_TEST

static const struct admin_case {
	const char	*name;
	const char	*line;
	uint32_t	 from;
	uint32_t	 state;
	const char	*reply;
} admin_cases[] = {
	{ "disable", "backend disable web 127.0.0.1:8082\n",
	    SHM_ADMIN_ENABLED, SHM_ADMIN_DISABLED,
	    "ok backend 127.0.0.1:8082 (pool web): disabled\n" },
	{ "drain", "backend drain web 127.0.0.1:8082\n",
	    SHM_ADMIN_ENABLED, SHM_ADMIN_DRAINING,
	    "ok backend 127.0.0.1:8082 (pool web): draining\n" },
	{ "enable_a_disabled_one", "backend enable web 127.0.0.1:8082\n",
	    SHM_ADMIN_DISABLED, SHM_ADMIN_ENABLED,
	    "ok backend 127.0.0.1:8082 (pool web): enabled\n" },
	{ "enable_a_draining_one", "backend enable web 127.0.0.1:8082\n",
	    SHM_ADMIN_DRAINING, SHM_ADMIN_ENABLED,
	    "ok backend 127.0.0.1:8082 (pool web): enabled\n" },
	{ "disable_twice_is_fine", "backend disable web 127.0.0.1:8082\n",
	    SHM_ADMIN_DISABLED, SHM_ADMIN_DISABLED,
	    "ok backend 127.0.0.1:8082 (pool web): disabled\n" },
	{ "crlf_and_extra_blanks", "backend  disable\tweb 127.0.0.1:8082\r\n",
	    SHM_ADMIN_ENABLED, SHM_ADMIN_DISABLED,
	    "ok backend 127.0.0.1:8082 (pool web): disabled\n" },
	{ "no_newline_before_close", "backend disable web 127.0.0.1:8082",
	    SHM_ADMIN_ENABLED, SHM_ADMIN_DISABLED,
	    "ok backend 127.0.0.1:8082 (pool web): disabled\n" },
};

START_TEST(backend_command_sets_admin_state_of_that_backend_only)
{
	const struct admin_case	*c = &admin_cases[_i];
	char			 reply[CONTROL_REPLY_MAX];
	int			 fd;

	backend(0, 1)->admin_state = c->from;
	fd = client();
	send_all(fd, c->line, strlen(c->line));
	/* The client half-closes, as "printf ... | socat" would. */
	shutdown(fd, SHUT_WR);
	control_serve(lfd, &shm, &acc);
	read_reply(fd, reply, sizeof(reply));
	ck_assert_msg(strcmp(reply, c->reply) == 0, "%s: reply '%s'",
	    c->name, reply);
	ck_assert_msg(backend(0, 1)->admin_state == c->state,
	    "%s: admin_state %u", c->name, backend(0, 1)->admin_state);
	ck_assert_msg(backend(0, 0)->admin_state == SHM_ADMIN_ENABLED,
	    "%s: the other backend changed", c->name);
	ck_assert_msg(backend(1, 0)->admin_state == SHM_ADMIN_ENABLED,
	    "%s: a backend of another pool changed", c->name);
}
END_TEST

static const struct refusal_case {
	const char	*name;
	const char	*line;
	const char	*reply;
} refusal_cases[] = {
	{ "unknown_pool", "backend disable www 127.0.0.1:8082\n",
	    "error: no pool \"www\"\n" },
	{ "backend_of_another_pool", "backend disable web 10.0.0.9:80\n",
	    "error: pool web has no backend 10.0.0.9:80 (it has: "
	    "127.0.0.1:8081, 127.0.0.1:8082)\n" },
	{ "address_spelled_otherwise", "backend disable web localhost:8082\n",
	    "error: pool web has no backend localhost:8082 (it has: "
	    "127.0.0.1:8081, 127.0.0.1:8082)\n" },
	{ "unknown_verb", "backend pause web 127.0.0.1:8082\n",
	    USAGE },
	{ "missing_address", "backend disable web\n",
	    USAGE },
	{ "extra_word", "backend disable web 127.0.0.1:8082 now\n",
	    USAGE },
	{ "bare_backend", "backend\n",
	    USAGE },
	{ "ping_with_argument", "ping me\n", "error: usage: ping\n" },
	{ "unknown_command", "reboot\n",
	    "error: unknown command \"reboot\" (expected: ping, backend)\n" },
	{ "empty_line", "\n", "error: empty command\n" },
	{ "too_many_words", "a b c d e f g h i\n",
	    "error: too many words\n" },
	{ "nul_byte", "ping\0x\n", "error: NUL byte in the command line\n" },
};

START_TEST(bad_commands_are_refused_and_change_nothing)
{
	const struct refusal_case	*c = &refusal_cases[_i];
	char				 reply[CONTROL_REPLY_MAX];
	uint32_t			 i;
	int				 fd;
	size_t				 len;

	/* The only literal with an embedded NUL is sized by hand. */
	len = strcmp(c->name, "nul_byte") == 0 ? 7 : strlen(c->line);
	fd = client();
	send_all(fd, c->line, len);
	control_serve(lfd, &shm, &acc);
	read_reply(fd, reply, sizeof(reply));
	ck_assert_msg(strcmp(reply, c->reply) == 0, "%s: reply '%s'",
	    c->name, reply);
	for (i = 0; i < shm.hdr->nbackends; i++)
		ck_assert_msg(shm.backends[i].admin_state ==
		    SHM_ADMIN_ENABLED, "%s: backend %u changed", c->name, i);
}
END_TEST

/* ---- the runtime API, through the socket ---- */

static uint64_t
pool_generation(uint32_t pool)
{
	return shm.pools[pool].generation;
}

START_TEST(add_fills_a_spare_slot_and_moves_the_generation)
{
	char			 reply[CONTROL_REPLY_MAX];
	struct shm_backend	*b = backend(0, 2);

	ck_assert_uint_eq(shm.pools[0].nconf, 2);
	ck_assert_uint_eq(shm.pools[0].nslots, 2 + 16);
	ck_assert_uint_eq(b->slot_state, SHM_SLOT_FREE);
	roundtrip("backend add web 127.0.0.1:8083 5\n", reply, sizeof(reply));
	ck_assert_str_eq(reply,
	    "ok backend 127.0.0.1:8083 (pool web): added, weight 5\n");
	ck_assert_uint_eq(b->slot_state, SHM_SLOT_LIVE);
	ck_assert_str_eq(b->address, "127.0.0.1:8083");
	ck_assert_uint_eq(b->weight, 5);
	ck_assert_uint_eq(b->slot_gen, 1);
	ck_assert_uint_eq(b->admin_state, SHM_ADMIN_ENABLED);
	ck_assert_uint_eq(b->health_state, SHM_HEALTH_UP);
	ck_assert_uint_ne(b->up_since_ms, 0);
	ck_assert_uint_eq(pool_generation(0), 2);
	ck_assert_uint_eq(pool_generation(1), 0);
	/* The new backend answers to the other commands at once. */
	roundtrip("backend drain web 127.0.0.1:8083\n", reply, sizeof(reply));
	ck_assert_str_eq(reply,
	    "ok backend 127.0.0.1:8083 (pool web): draining\n");
}
END_TEST

static const struct refusal_case add_refusals[] = {
	{ "same_address", "backend add web 127.0.0.1:8081\n",
	    "error: pool web already has backend 127.0.0.1:8081\n" },
	{ "same_address_spelled_otherwise", "backend add web localhost:8081\n",
	    "error: pool web already has backend localhost:8081\n" },
	{ "not_an_address", "backend add web nowhere\n",
	    "error: \"nowhere\" is not a valid address: expected host:port, "
	    "e.g. 127.0.0.1:8080\n" },
	{ "weight_too_big", "backend add web 127.0.0.1:8083 257\n",
	    "error: weight 257: expected 1 to 256\n" },
	{ "weight_not_a_number", "backend add web 127.0.0.1:8083 5x\n",
	    "error: weight \"5x\": expected a number from 1 to 256\n" },
	{ "added_with_weight_zero", "backend add web 127.0.0.1:8083 0\n",
	    "error: weight \"0\": expected a number from 1 to 256\n" },
	{ "no_room", "backend add api 10.0.0.10:80\n",
	    "error: pool api has no room for another backend: its 0 spare "
	    "slots are taken (raise \"spare_backends\" and reload)\n" },
	{ "unknown_pool", "backend add www 127.0.0.1:8083\n",
	    "error: no pool \"www\"\n" },
	{ "weight_zero", "backend weight web 127.0.0.1:8081 0\n",
	    "error: weight \"0\": expected a number from 1 to 256\n" },
	{ "weight_too_big_for_weight", "backend weight web 127.0.0.1:8081 "
	    "300\n", "error: weight 300: expected 1 to 256 (to send it "
	    "nothing, drain or disable it)\n" },
	{ "weight_missing", "backend weight web 127.0.0.1:8081\n", USAGE },
	{ "remove_unknown", "backend remove web 127.0.0.1:9\n",
	    "error: pool web has no backend 127.0.0.1:9 (it has: "
	    "127.0.0.1:8081, 127.0.0.1:8082)\n" },
	{ "remove_with_weight", "backend remove web 127.0.0.1:8081 1\n",
	    USAGE },
};

START_TEST(bad_runtime_changes_are_refused_and_change_nothing)
{
	const struct refusal_case	*c = &add_refusals[_i];
	char				 reply[CONTROL_REPLY_MAX];
	uint32_t			 i;

	roundtrip(c->line, reply, sizeof(reply));
	ck_assert_msg(strcmp(reply, c->reply) == 0, "%s: reply '%s'",
	    c->name, reply);
	for (i = 0; i < shm.hdr->npools; i++)
		ck_assert_msg(pool_generation(i) == 0, "%s: pool %u changed",
		    c->name, i);
	ck_assert_uint_eq(backend(0, 0)->weight, 1);
}
END_TEST

START_TEST(remove_then_add_brings_a_configured_backend_back_in_its_slot)
{
	char			 reply[CONTROL_REPLY_MAX];
	struct shm_backend	*b = backend(0, 1);

	b->requests = 7;
	roundtrip("backend remove web 127.0.0.1:8082\n", reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok backend 127.0.0.1:8082 (pool web): "
	    "removed\n");
	ck_assert_uint_eq(b->slot_state, SHM_SLOT_REMOVED);
	ck_assert_uint_eq(b->slot_gen, 1);
	ck_assert(!shm_backend_is_usable(b));
	roundtrip("backend disable web 127.0.0.1:8082\n", reply,
	    sizeof(reply));
	ck_assert_str_eq(reply, "error: pool web has no backend "
	    "127.0.0.1:8082 (it has: 127.0.0.1:8081)\n");
	roundtrip("backend add web 127.0.0.1:8082\n", reply, sizeof(reply));
	ck_assert_str_eq(reply,
	    "ok backend 127.0.0.1:8082 (pool web): added, weight 1\n");
	ck_assert_uint_eq(b->slot_state, SHM_SLOT_LIVE);
	ck_assert_uint_eq(b->slot_gen, 2);
	ck_assert_uint_eq(b->requests, 7);
	ck_assert_uint_eq(backend(0, 2)->slot_state, SHM_SLOT_FREE);
	ck_assert_uint_eq(pool_generation(0), 4);
}
END_TEST

START_TEST(a_freed_slot_waits_before_it_holds_another_backend)
{
	char	reply[CONTROL_REPLY_MAX];

	roundtrip("backend add web 127.0.0.1:8083\n", reply, sizeof(reply));
	roundtrip("backend remove web 127.0.0.1:8083\n", reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok backend 127.0.0.1:8083 (pool web): "
	    "removed\n");
	ck_assert_uint_eq(backend(0, 2)->slot_state, SHM_SLOT_FREE);
	ck_assert_str_eq(backend(0, 2)->address, "");
	roundtrip("backend add web 127.0.0.1:8084\n", reply, sizeof(reply));
	ck_assert_uint_eq(backend(0, 2)->slot_state, SHM_SLOT_FREE);
	ck_assert_str_eq(backend(0, 3)->address, "127.0.0.1:8084");
	/* A worker still counting a request on a slot keeps it too. */
	backend(0, 2)->free_since_ms = 0;
	shm_held_row(&shm, 1)[shm.pools[0].first_backend + 2] = 1;
	roundtrip("backend add web 127.0.0.1:8085\n", reply, sizeof(reply));
	ck_assert_str_eq(backend(0, 4)->address, "127.0.0.1:8085");
	shm_held_row(&shm, 1)[shm.pools[0].first_backend + 2] = 0;
	roundtrip("backend add web 127.0.0.1:8086\n", reply, sizeof(reply));
	ck_assert_str_eq(backend(0, 2)->address, "127.0.0.1:8086");
	ck_assert_uint_eq(backend(0, 2)->slot_gen, 3);
}
END_TEST

START_TEST(weight_changes_the_weight_and_the_generation)
{
	char	reply[CONTROL_REPLY_MAX];

	roundtrip("backend weight web 127.0.0.1:8081 3\n", reply,
	    sizeof(reply));
	ck_assert_str_eq(reply, "ok backend 127.0.0.1:8081 (pool web): "
	    "weight 3 (was 1)\n");
	ck_assert_uint_eq(backend(0, 0)->weight, 3);
	ck_assert_uint_eq(backend(0, 0)->conf_weight, 1);
	ck_assert_uint_eq(pool_generation(0), 2);
}
END_TEST

/* What a reload to the same file, or to one that has some of it, drops. */
START_TEST(reload_says_which_runtime_changes_it_drops)
{
	struct config	*other;
	char		 reply[CONTROL_REPLY_MAX], note[512];

	roundtrip("backend weight web 127.0.0.1:8081 3\n", reply,
	    sizeof(reply));
	roundtrip("backend remove web 127.0.0.1:8082\n", reply, sizeof(reply));
	roundtrip("backend add web 127.0.0.1:8083\n", reply, sizeof(reply));
	roundtrip("backend drain api 10.0.0.9:80\n", reply, sizeof(reply));
	ck_assert_uint_eq(runtime_dropped(&shm, cfg, "reload", note,
	    sizeof(note)), 3);
	ck_assert_str_eq(note, "pool web: weight 3 of 127.0.0.1:8081 (now 1), "
	    "backend 127.0.0.1:8082 removed, backend 127.0.0.1:8083 added");
	/* A file that has made the changes its own drops none of them. */
	other = config_load_string("{\"pools\": {\"web\": {\"backends\": ["
	    "{\"address\": \"127.0.0.1:8081\", \"weight\": 3}, "
	    "\"127.0.0.1:8083\"]}},"
	    " \"services\": {\"www\": {\"listen\": \"127.0.0.1:8080\","
	    "  \"pool\": \"web\"}}}", "u.json", stderr);
	ck_assert_ptr_nonnull(other);
	ck_assert_uint_eq(runtime_dropped(&shm, other, "reload", note,
	    sizeof(note)), 0);
	ck_assert_str_eq(note, "");
	config_free(other);
}
END_TEST

START_TEST(a_drain_is_said_once_when_nothing_is_left_on_it)
{
	char		 reply[CONTROL_REPLY_MAX];
	uint64_t	*row = shm_held_row(&shm, 0);
	uint32_t	 b = shm.pools[0].first_backend + 1;

	ck_assert_uint_eq(runtime_watch_drains(&shm), UINT64_MAX);
	roundtrip("backend drain web 127.0.0.1:8082\n", reply, sizeof(reply));
	/* A session kept on it: not drained yet. */
	row[shm_held_pin_column(shm.hdr, b)] = 1;
	ck_assert_uint_lt(runtime_watch_drains(&shm), 1000);
	ck_assert_uint_eq(backend(0, 1)->drained_said, 0);
	row[shm_held_pin_column(shm.hdr, b)] = 0;
	row[b] = 1;
	ck_assert_uint_lt(runtime_watch_drains(&shm), 1000);
	row[b] = 0;
	ck_assert_uint_eq(runtime_watch_drains(&shm), UINT64_MAX);
	ck_assert_uint_eq(backend(0, 1)->drained_said, 1);
	/* Draining it again starts a new watch. */
	roundtrip("backend drain web 127.0.0.1:8082\n", reply, sizeof(reply));
	ck_assert_uint_eq(backend(0, 1)->drained_said, 0);
}
END_TEST

/*
 * Workers can write the segment: a pool range they corrupted makes the
 * master refuse the command, never write outside the backend table.
 */
START_TEST(a_corrupt_pool_range_is_refused)
{
	char	reply[CONTROL_REPLY_MAX];

	shm.pools[1].first_backend = shm.hdr->nbackends - 1;
	shm.pools[1].nslots = 2;
	roundtrip("backend add api 10.0.0.10:80\n", reply, sizeof(reply));
	ck_assert_str_eq(reply, "error: corrupt segment: the slots of pool api "
	    "lie outside its backend table\n");
	shm.hdr->npools = 1000;
	roundtrip("backend add web 127.0.0.1:8083\n", reply, sizeof(reply));
	ck_assert_str_eq(reply,
	    "ok backend 127.0.0.1:8083 (pool web): added, weight 1\n");
	ck_assert_uint_eq(runtime_watch_drains(&shm), UINT64_MAX);
}
END_TEST

START_TEST(overlong_line_is_refused)
{
	char	line[CONTROL_LINE_MAX + 100];
	char	reply[CONTROL_REPLY_MAX];
	int	fd;

	memset(line, 'a', sizeof(line));
	fd = client();
	send_all(fd, line, sizeof(line));
	control_serve(lfd, &shm, &acc);
	read_reply(fd, reply, sizeof(reply));
	ck_assert_str_eq(reply, "error: command line too long\n");
}
END_TEST

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(silent_client_is_dropped_within_the_read_bound)
{
	char	reply[CONTROL_REPLY_MAX];
	double	t0, took;
	int	fd;

	fd = client();
	send_all(fd, "pi", 2);
	t0 = now_s();
	control_serve(lfd, &shm, &acc);
	took = now_s() - t0;
	ck_assert_msg(took >= 0.4 && took < 1.0, "served in %.3f s", took);
	read_reply(fd, reply, sizeof(reply));
	ck_assert_str_eq(reply,
	    "error: timed out waiting for a command line\n");
}
END_TEST

START_TEST(serves_every_pending_connection_in_one_call)
{
	char	reply[CONTROL_REPLY_MAX];
	int	fds[3], i;

	fds[0] = client();
	fds[1] = client();
	fds[2] = client();
	send_all(fds[0], "ping\n", 5);
	send_all(fds[1], "backend disable web 127.0.0.1:8081\n", 35);
	send_all(fds[2], "backend drain api 10.0.0.9:80\n", 30);
	control_serve(lfd, &shm, &acc);
	read_reply(fds[0], reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok pong\n");
	read_reply(fds[1], reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok backend 127.0.0.1:8081 (pool web): "
	    "disabled\n");
	read_reply(fds[2], reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok backend 10.0.0.9:80 (pool api): "
	    "draining\n");
	ck_assert_uint_eq(backend(0, 0)->admin_state, SHM_ADMIN_DISABLED);
	ck_assert_uint_eq(backend(1, 0)->admin_state, SHM_ADMIN_DRAINING);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fcntl(fds[i], F_GETFD), -1);
}
END_TEST

START_TEST(returns_at_once_when_nothing_is_pending)
{
	double	t0 = now_s();

	control_serve(lfd, &shm, &acc);
	ck_assert_msg(now_s() - t0 < 0.1, "blocked for %.3f s", now_s() - t0);
}
END_TEST

START_TEST(client_that_leaves_without_a_word_is_harmless)
{
	char	reply[CONTROL_REPLY_MAX];
	int	fd;

	close(client());
	fd = client();
	send_all(fd, "ping\n", 5);
	control_serve(lfd, &shm, &acc);
	read_reply(fd, reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok pong\n");
}
END_TEST

START_TEST(socket_is_private_nonblocking_and_cloexec)
{
	struct stat	st;
	char		path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, CONTROL_SOCK_NAME);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
}
END_TEST

START_TEST(replaces_a_stale_socket)
{
	char	reply[CONTROL_REPLY_MAX];

	/* What a killed master leaves: the file, nobody listening. */
	close(lfd);
	lfd = control_open(dir, &acc);
	ck_assert_int_ge(lfd, 0);
	roundtrip("ping\n", reply, sizeof(reply));
	ck_assert_str_eq(reply, "ok pong\n");
}
END_TEST

START_TEST(refuses_to_replace_a_file_that_is_not_a_socket)
{
	char	path[256];
	int	fd;

	control_close(lfd, dir);
	lfd = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, CONTROL_SOCK_NAME);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(control_open(dir, &acc), -1);
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);
}
END_TEST

START_TEST(close_removes_the_socket)
{
	char	path[256];

	control_close(lfd, dir);
	lfd = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, CONTROL_SOCK_NAME);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(refuses_a_state_dir_too_long_for_a_socket_name)
{
	char	longdir[200];

	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[sizeof(longdir) - 1] = '\0';
	ck_assert_int_eq(control_open(longdir, &acc), -1);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc;

	tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ping_replies_pong);
	tcase_add_loop_test(tc,
	    backend_command_sets_admin_state_of_that_backend_only, 0,
	    NELEM(admin_cases));
	tcase_add_loop_test(tc, bad_commands_are_refused_and_change_nothing,
	    0, NELEM(refusal_cases));
	tcase_add_test(tc, overlong_line_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("runtime");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_fills_a_spare_slot_and_moves_the_generation);
	tcase_add_loop_test(tc,
	    bad_runtime_changes_are_refused_and_change_nothing, 0,
	    NELEM(add_refusals));
	tcase_add_test(tc,
	    remove_then_add_brings_a_configured_backend_back_in_its_slot);
	tcase_add_test(tc, a_freed_slot_waits_before_it_holds_another_backend);
	tcase_add_test(tc, weight_changes_the_weight_and_the_generation);
	tcase_add_test(tc, reload_says_which_runtime_changes_it_drops);
	tcase_add_test(tc, a_drain_is_said_once_when_nothing_is_left_on_it);
	tcase_add_test(tc, a_corrupt_pool_range_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("serving");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, silent_client_is_dropped_within_the_read_bound);
	tcase_add_test(tc, serves_every_pending_connection_in_one_call);
	tcase_add_test(tc, returns_at_once_when_nothing_is_pending);
	tcase_add_test(tc, client_that_leaves_without_a_word_is_harmless);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, socket_is_private_nonblocking_and_cloexec);
	tcase_add_test(tc, replaces_a_stale_socket);
	tcase_add_test(tc, refuses_to_replace_a_file_that_is_not_a_socket);
	tcase_add_test(tc, close_removes_the_socket);
	tcase_add_test(tc, refuses_a_state_dir_too_long_for_a_socket_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(control_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
