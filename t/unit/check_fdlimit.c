/*
 * master/fdlimit.c: what a configuration needs in descriptors (clients and
 * their backend connections, idle ones, listeners, hand-over eventfds, the
 * health checker's probes), and the process limit raised to it, or as far
 * as it goes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "common/config.h"
#include "master/fdlimit.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* What fdlimit.c adds for a process's own descriptors. */
#define SPARE		32

static const struct ncase {
	const char	*name;
	const char	*json;
	size_t		 nlisteners;
	unsigned	 nworkers;
	unsigned long	 need;
} cases[] = {
	{ "clients_backends_listeners_and_eventfds",
	  "{\"max_connections\": 1000, \"pools\": {\"p\": {\"max_idle\": 0, "
	  "\"health\": false, \"backends\": [\"127.0.0.1:1\"]}}, "
	  "\"services\": {\"s\": {\"listen\": \"127.0.0.1:80\", "
	  "\"pool\": \"p\"}}}", 3, 4, 2 * 1000 + 3 + 4 + SPARE },
	{ "idle_connections_per_backend",
	  "{\"max_connections\": 1000, \"pools\": {\"p\": {\"max_idle\": 10, "
	  "\"health\": false, \"backends\": [\"127.0.0.1:1\", "
	  "\"127.0.0.1:2\"]}, \"q\": {\"max_idle\": 5, \"health\": false, "
	  "\"backends\": [\"127.0.0.1:3\"]}}, \"services\": {\"s\": "
	  "{\"listen\": \"127.0.0.1:80\", \"pool\": \"p\"}}}", 1, 1,
	  2 * 1000 + 25 + 1 + 1 + SPARE },
	{ "no_idle_connections_without_persist",
	  "{\"max_connections\": 1000, \"pools\": {\"p\": {\"persist\": false, "
	  "\"health\": false, \"backends\": [\"127.0.0.1:1\"]}}, "
	  "\"services\": {\"s\": {\"listen\": \"127.0.0.1:80\", "
	  "\"pool\": \"p\"}}}", 1, 1, 2 * 1000 + 1 + 1 + SPARE },
	{ "idle_connections_at_most_one_per_client",
	  "{\"max_connections\": 16, \"pools\": {\"p\": {\"max_idle\": 1000, "
	  "\"health\": false, \"backends\": [\"127.0.0.1:1\"]}}, "
	  "\"services\": {\"s\": {\"listen\": \"127.0.0.1:80\", "
	  "\"pool\": \"p\"}}}", 1, 1, 3 * 16 + 1 + 1 + SPARE },
	{ "health_checker_with_many_backends",
	  "{\"max_connections\": 16, \"pools\": {\"p\": {\"max_idle\": 0, "
	  "\"backends\": [\"127.0.0.1:1\", \"127.0.0.1:2\", \"127.0.0.1:3\", "
	  "\"127.0.0.1:4\", \"127.0.0.1:5\", \"127.0.0.1:6\", \"127.0.0.1:7\", "
	  "\"127.0.0.1:8\", \"127.0.0.1:9\", \"127.0.0.1:10\", "
	  "\"127.0.0.1:11\", \"127.0.0.1:12\", \"127.0.0.1:13\", "
	  "\"127.0.0.1:14\", \"127.0.0.1:15\", \"127.0.0.1:16\", "
	  "\"127.0.0.1:17\", \"127.0.0.1:18\", \"127.0.0.1:19\", "
	  "\"127.0.0.1:20\", \"127.0.0.1:21\", \"127.0.0.1:22\", "
	  "\"127.0.0.1:23\", \"127.0.0.1:24\", \"127.0.0.1:25\", "
	  "\"127.0.0.1:26\", \"127.0.0.1:27\", \"127.0.0.1:28\", "
	  "\"127.0.0.1:29\", \"127.0.0.1:30\", \"127.0.0.1:31\", "
	  "\"127.0.0.1:32\", \"127.0.0.1:33\", \"127.0.0.1:34\"]}}, "
	  "\"services\": {\"s\": {\"listen\": \"127.0.0.1:80\", "
	  "\"pool\": \"p\"}}}", 1, 1, 34 + SPARE },
};

static struct config *
load(const char *json, const char *name)
{
	struct config	*cfg;
	char		*errtext = NULL;
	size_t		 len;
	FILE		*errs = open_memstream(&errtext, &len);

	cfg = config_load_string(json, name, errs);
	fclose(errs);
	ck_assert_msg(cfg != NULL, "%s: %s", name, errtext);
	free(errtext);
	return cfg;
}

START_TEST(counts_what_a_process_holds)
{
	const struct ncase	*c = &cases[_i];
	struct config		*cfg = load(c->json, c->name);

	ck_assert_msg(fdlimit_need(cfg, c->nlisteners, c->nworkers) == c->need,
	    "%s: need %lu, want %lu", c->name,
	    fdlimit_need(cfg, c->nlisteners, c->nworkers), c->need);
	config_free(cfg);
}
END_TEST

START_TEST(raises_the_soft_limit_to_the_need)
{
	struct config	*cfg = load(cases[0].json, "raise");
	unsigned long	 need = fdlimit_need(cfg, 1, 1);
	struct rlimit	 rl;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_msg(rl.rlim_max >= need, "hard limit %llu below %lu: "
	    "nothing to test", (unsigned long long)rl.rlim_max, need);
	rl.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(fdlimit_raise(cfg, 1, 1), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, need);
	/* Never lowered: a higher limit stays. */
	rl.rlim_cur = need + 100;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(fdlimit_raise(cfg, 1, 1), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, need + 100);
	config_free(cfg);
}
END_TEST

/*
 * A million connections need twice as many descriptors as the kernel lets
 * any process have (fs.nr_open, 1048576 by default), root or not: the
 * soft limit goes to the hard one, and the call says it fell short.
 */
START_TEST(goes_as_far_as_the_hard_limit)
{
	struct config	*cfg;
	struct rlimit	 rl;
	unsigned long	 nr_open = 0;
	FILE		*f = fopen("/proc/sys/fs/nr_open", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%lu", &nr_open), 1);
	fclose(f);
	cfg = load("{\"max_connections\": 1000000, \"pools\": {\"p\": "
	    "{\"health\": false, \"backends\": [\"127.0.0.1:1\"]}}, "
	    "\"services\": {\"s\": {\"listen\": \"127.0.0.1:80\", "
	    "\"pool\": \"p\"}}}", "short");
	ck_assert_msg(fdlimit_need(cfg, 1, 1) > nr_open, "fs.nr_open %lu "
	    "lets a process have %lu", nr_open, fdlimit_need(cfg, 1, 1));
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(fdlimit_raise(cfg, 1, 1), -1);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, rl.rlim_max);
	config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fdlimit");
	TCase	*tc = tcase_create("limits");
	SRunner	*sr;
	int	 nfailed;

	tcase_add_loop_test(tc, counts_what_a_process_holds, 0, NELEM(cases));
	tcase_add_test(tc, raises_the_soft_limit_to_the_need);
	tcase_add_test(tc, goes_as_far_as_the_hard_limit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? 0 : 1;
}
