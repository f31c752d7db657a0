/*
 * common/loop.c: events reach their owner, a slot given up during a turn
 * is not handed to a new descriptor before the turn ends (so a late event
 * of the batch cannot reach the new owner), timers, deferred and
 * end-of-turn tasks run in that order, and signals arrive as callbacks.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/loop.h"

struct pipe_owner {
	struct loop_io	 io;
	int		 wfd;
	int		 calls;
	uint32_t	 events;
};

static struct loop		 L;
static struct pipe_owner	 P[3];
static char			 order[16];
static size_t			 norder;

static void
note(char c)
{
	if (norder < sizeof(order) - 1)
		order[norder++] = c;
}

static void
make_pipe(struct pipe_owner *p, bool readable)
{
	int	fds[2];

	ck_assert_int_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	loop_io_init(&p->io);
	p->io.fd = fds[0];
	p->wfd = fds[1];
	p->calls = 0;
	p->events = 0;
	if (readable)
		ck_assert_int_eq(write(p->wfd, "x", 1), 1);
}

static void
close_pipe(struct pipe_owner *p)
{
	loop_del(&L, &p->io);
	if (p->io.fd != -1)
		close(p->io.fd);
	if (p->wfd != -1)
		close(p->wfd);
	p->io.fd = p->wfd = -1;
}

static void
count_io(struct loop_io *io, uint32_t events)
{
	struct pipe_owner	*p = (struct pipe_owner *)io;

	p->calls++;
	p->events |= events;
	note('e');
}

START_TEST(an_event_reaches_its_owner)
{
	ck_assert_int_eq(loop_init(&L, 8), 0);
	make_pipe(&P[0], true);
	ck_assert_int_eq(loop_add(&L, &P[0].io, P[0].io.fd, EPOLLIN,
	    count_io), 0);
	ck_assert(loop_io_is_added(&P[0].io));
	ck_assert_int_eq(loop_run_once(&L, 1000), 0);
	ck_assert_int_eq(P[0].calls, 1);
	ck_assert(P[0].events & EPOLLIN);
	close_pipe(&P[0]);
	ck_assert(!loop_io_is_added(&P[0].io));
	loop_free(&L);
}
END_TEST

/*
 * Whichever of two readable pipes is dispatched first gives the other one
 * up and registers a third descriptor.  The other's event is in the same
 * batch: it must be dropped, not delivered to anyone, and the third must
 * not have taken the freed slot.
 */
static uint32_t	freed_slot;

static void
replace_other(struct loop_io *io, uint32_t events)
{
	struct pipe_owner	*p = (struct pipe_owner *)io;
	struct pipe_owner	*other = p == &P[0] ? &P[1] : &P[0];

	(void)events;
	p->calls++;
	if (other->io.slot == LOOP_NO_SLOT)
		return;
	freed_slot = other->io.slot;
	close_pipe(other);
	make_pipe(&P[2], true);
	ck_assert_int_eq(loop_add(&L, &P[2].io, P[2].io.fd, EPOLLIN,
	    count_io), 0);
	ck_assert_uint_ne(P[2].io.slot, freed_slot);
}

START_TEST(a_slot_given_up_in_a_turn_is_not_reused_in_it)
{
	ck_assert_int_eq(loop_init(&L, 8), 0);
	make_pipe(&P[0], true);
	make_pipe(&P[1], true);
	ck_assert_int_eq(loop_add(&L, &P[0].io, P[0].io.fd, EPOLLIN,
	    replace_other), 0);
	ck_assert_int_eq(loop_add(&L, &P[1].io, P[1].io.fd, EPOLLIN,
	    replace_other), 0);
	ck_assert_int_eq(loop_run_once(&L, 1000), 0);
	/* One of the two ran, the other's pending event was dropped. */
	ck_assert_int_eq(P[0].calls + P[1].calls, 1);
	ck_assert_int_eq(P[2].calls, 0);
	/* Next turn: the new descriptor's own event, and the freed slot is
	   free again for whoever comes next. */
	ck_assert_int_eq(loop_run_once(&L, 1000), 0);
	ck_assert_int_eq(P[2].calls, 1);
	close_pipe(&P[0]);
	close_pipe(&P[1]);
	close_pipe(&P[2]);
	make_pipe(&P[0], false);
	ck_assert_int_eq(loop_add(&L, &P[0].io, P[0].io.fd, EPOLLIN,
	    count_io), 0);
	close_pipe(&P[0]);
	loop_free(&L);
}
END_TEST

START_TEST(slots_grow_past_the_first_table)
{
	struct pipe_owner	*many;
	size_t			 i, n = 200;
	int			 total = 0;

	ck_assert_int_eq(loop_init(&L, 8), 0);
	many = calloc(n, sizeof(*many));
	ck_assert_ptr_nonnull(many);
	for (i = 0; i < n; i++) {
		make_pipe(&many[i], i % 2 == 0);
		ck_assert_int_eq(loop_add(&L, &many[i].io, many[i].io.fd,
		    EPOLLIN, count_io), 0);
	}
	ck_assert_int_eq(loop_run_once(&L, 1000), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(many[i].calls, i % 2 == 0 ? 1 : 0);
		total += many[i].calls;
	}
	ck_assert_int_eq(total, (int)n / 2);
	for (i = 0; i < n; i++)
		close_pipe(&many[i]);
	free(many);
	loop_free(&L);
}
END_TEST

struct task_owner {
	struct loop_task	task;
	struct timer		timer;
	struct loop_task	end;
	int			runs;
};

static struct task_owner	T;

static void
on_deferred(struct loop_task *t)
{
	struct task_owner	*o = (struct task_owner *)t;

	o->runs++;
	note('d');
	loop_at_end(&L, &o->end);
}

static void
on_end(struct loop_task *t)
{
	(void)t;
	note('z');
}

static void
on_timer(struct timer *t)
{
	(void)t;
	note('t');
	/* Queued twice, runs once. */
	loop_defer(&L, &T.task);
	loop_defer(&L, &T.task);
}

START_TEST(timers_then_deferred_then_end_of_turn)
{
	memset(&T, 0, sizeof(T));
	norder = 0;
	memset(order, 0, sizeof(order));
	ck_assert_int_eq(loop_init(&L, 8), 0);
	T.task.run = on_deferred;
	T.end.run = on_end;
	timer_init(&T.timer, on_timer);
	clock_update();
	ck_assert_int_eq(loop_timer_arm_in(&L, &T.timer, 5), 0);
	/* The first turn waits for the timer, no longer. */
	while (T.runs == 0)
		ck_assert_int_eq(loop_run_once(&L, 1000), 0);
	ck_assert_str_eq(order, "tdz");
	ck_assert_int_eq(T.runs, 1);
	ck_assert(!T.task.is_queued && !T.end.is_queued);
	loop_free(&L);
}
END_TEST

static int	got_signal;

static void
on_signal(struct loop *l, int signo, void *arg)
{
	(void)l;
	*(int *)arg = signo;
}

START_TEST(a_signal_arrives_as_a_callback)
{
	got_signal = 0;
	ck_assert_int_eq(loop_init(&L, 8), 0);
	ck_assert_int_eq(loop_watch_signals(&L, on_signal, &got_signal), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(loop_run_once(&L, 1000), 0);
	ck_assert_int_eq(got_signal, SIGUSR1);
	loop_free(&L);
}
END_TEST

static void
stop_now(struct loop_task *t)
{
	(void)t;
	loop_stop(&L);
}

START_TEST(stop_ends_run_after_the_turn)
{
	struct loop_task	t = { .run = stop_now };

	ck_assert_int_eq(loop_init(&L, 8), 0);
	loop_defer(&L, &t);
	ck_assert_int_eq(loop_run(&L), 0);
	loop_free(&L);
}
END_TEST

static Suite *
loop_suite(void)
{
	Suite	*s = suite_create("loop");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, an_event_reaches_its_owner);
	tcase_add_test(tc, a_slot_given_up_in_a_turn_is_not_reused_in_it);
	tcase_add_test(tc, slots_grow_past_the_first_table);
	tcase_add_test(tc, timers_then_deferred_then_end_of_turn);
	tcase_add_test(tc, a_signal_arrives_as_a_callback);
	tcase_add_test(tc, stop_ends_run_after_the_turn);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(loop_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
