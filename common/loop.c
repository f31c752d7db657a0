/*
 * One turn of the loop: wait, dispatch every event of the batch, run the
 * timers that are due, run the deferred tasks (and those they queue), then
 * the end-of-turn tasks, and only then make the slots given up during the
 * turn reusable.  Everything runs on one thread; nothing here blocks but
 * epoll_wait.
 */
#include "common/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/signals.h"

#define LOOP_MAX_EVENTS		256
#define LOOP_FIRST_SLOTS	64

static uint64_t
cookie(uint32_t slot, uint32_t gen)
{
	return (uint64_t)gen << 32 | slot;
}

static int
grow_slots(struct loop *l)
{
	struct loop_slot	*s;
	uint32_t		 n, i;

	n = l->nslots == 0 ? LOOP_FIRST_SLOTS : l->nslots * 2;
	if (n <= l->nslots || n == LOOP_NO_SLOT) {
		log_error("event loop: too many descriptors");
		return -1;
	}
	s = realloc(l->slots, (size_t)n * sizeof(*s));
	if (s == NULL) {
		log_error("event loop: out of memory for %u descriptors", n);
		return -1;
	}
	/* New slots go on the free list in index order, lowest first. */
	for (i = n; i > l->nslots; i--) {
		s[i - 1].io = NULL;
		s[i - 1].gen = 0;
		s[i - 1].next_free = l->free_head;
		l->free_head = i - 1;
	}
	l->slots = s;
	l->nslots = n;
	return 0;
}

int
loop_init(struct loop *l, size_t timer_cap)
{
	memset(l, 0, sizeof(*l));
	l->free_head = l->dead_head = LOOP_NO_SLOT;
	loop_io_init(&l->sig_io);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd == -1) {
		log_error("epoll_create1: %s", strerror(errno));
		return -1;
	}
	if (timer_heap_init(&l->timers, timer_cap) == -1) {
		log_error("event loop: out of memory for %zu timers",
		    timer_cap);
		close(l->epfd);
		l->epfd = -1;
		return -1;
	}
	return 0;
}

void
loop_free(struct loop *l)
{
	if (l->sig_io.fd != -1) {
		loop_del(l, &l->sig_io);
		close(l->sig_io.fd);
		l->sig_io.fd = -1;
	}
	if (l->epfd != -1)
		close(l->epfd);
	l->epfd = -1;
	timer_heap_free(&l->timers);
	free(l->slots);
	l->slots = NULL;
	l->nslots = 0;
	l->free_head = l->dead_head = LOOP_NO_SLOT;
}

int
loop_add(struct loop *l, struct loop_io *io, int fd, uint32_t events,
    void (*on_io)(struct loop_io *, uint32_t))
{
	struct epoll_event	ee;
	uint32_t		slot;

	if (l->free_head == LOOP_NO_SLOT && grow_slots(l) == -1)
		return -1;
	slot = l->free_head;
	memset(&ee, 0, sizeof(ee));
	ee.events = events;
	ee.data.u64 = cookie(slot, l->slots[slot].gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee) == -1) {
		log_error("epoll_ctl(ADD, fd %d): %s", fd, strerror(errno));
		return -1;
	}
	l->free_head = l->slots[slot].next_free;
	l->slots[slot].io = io;
	l->slots[slot].next_free = LOOP_NO_SLOT;
	io->on_io = on_io;
	io->fd = fd;
	io->slot = slot;
	return 0;
}

int
loop_mod(struct loop *l, struct loop_io *io, uint32_t events)
{
	struct epoll_event	ee;

	memset(&ee, 0, sizeof(ee));
	ee.events = events;
	ee.data.u64 = cookie(io->slot, l->slots[io->slot].gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ee) == -1) {
		log_error("epoll_ctl(MOD, fd %d): %s", io->fd,
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
loop_del(struct loop *l, struct loop_io *io)
{
	struct loop_slot	*s;

	if (io->slot == LOOP_NO_SLOT)
		return;
	/* Another process may share the open file (a fork), so closing
	   alone would not take it out of this epoll set. */
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	s = &l->slots[io->slot];
	s->io = NULL;
	s->gen++;
	s->next_free = l->dead_head;
	l->dead_head = io->slot;
	io->slot = LOOP_NO_SLOT;
}

int
loop_timer_arm(struct loop *l, struct timer *t, uint64_t deadline_ms)
{
	if (timer_arm(&l->timers, t, deadline_ms) == -1) {
		log_error("event loop: timer heap full (%zu timers)",
		    l->timers.cap);
		return -1;
	}
	return 0;
}

int
loop_timer_arm_in(struct loop *l, struct timer *t, uint64_t ms)
{
	return loop_timer_arm(l, t, clock_now_ms() + ms);
}

void
loop_timer_cancel(struct loop *l, struct timer *t)
{
	timer_cancel(&l->timers, t);
}

void
loop_defer(struct loop *l, struct loop_task *t)
{
	if (t->is_queued)
		return;
	t->is_queued = true;
	t->next = NULL;
	if (l->deferred_tail != NULL)
		l->deferred_tail->next = t;
	else
		l->deferred = t;
	l->deferred_tail = t;
}

void
loop_at_end(struct loop *l, struct loop_task *t)
{
	if (t->is_queued)
		return;
	t->is_queued = true;
	t->next = l->at_end;
	l->at_end = t;
}

static void
read_signals(struct loop_io *io, uint32_t events)
{
	struct loop		*l = (struct loop *)((char *)io -
	    offsetof(struct loop, sig_io));
	struct signalfd_siginfo	 si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == sizeof(si))
		l->on_signal(l, (int)si.ssi_signo, l->signal_arg);
}

int
loop_watch_signals(struct loop *l, loop_signal_fn fn, void *arg)
{
	int	fd;

	if ((fd = signals_child_fd()) == -1)
		return -1;
	l->on_signal = fn;
	l->signal_arg = arg;
	if (loop_add(l, &l->sig_io, fd, EPOLLIN, read_signals) == -1) {
		close(fd);
		return -1;
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->is_stopping = true;
}

/*
 * Every deferred task runs before the turn ends, those queued meanwhile
 * too: an object released at the end of the turn must have none left in
 * the queue.
 */
static void
run_deferred(struct loop *l)
{
	struct loop_task	*t;

	while ((t = l->deferred) != NULL) {
		l->deferred = t->next;
		if (l->deferred == NULL)
			l->deferred_tail = NULL;
		t->next = NULL;
		t->is_queued = false;
		t->run(t);
	}
}

static void
end_turn(struct loop *l)
{
	struct loop_task	*t;
	uint32_t		 slot;

	while ((t = l->at_end) != NULL) {
		l->at_end = t->next;
		t->next = NULL;
		t->is_queued = false;
		t->run(t);
	}
	while ((slot = l->dead_head) != LOOP_NO_SLOT) {
		l->dead_head = l->slots[slot].next_free;
		l->slots[slot].next_free = l->free_head;
		l->free_head = slot;
	}
}

static void
dispatch(struct loop *l, const struct epoll_event *e)
{
	uint32_t	 slot = (uint32_t)e->data.u64;
	uint32_t	 gen = (uint32_t)(e->data.u64 >> 32);
	struct loop_io	*io;

	if (slot >= l->nslots || l->slots[slot].gen != gen ||
	    (io = l->slots[slot].io) == NULL)
		return;
	io->on_io(io, e->events);
}

int
loop_run_once(struct loop *l, int max_wait_ms)
{
	struct epoll_event	events[LOOP_MAX_EVENTS];
	int			n, i, timeout;

	timeout = timer_next_ms(&l->timers, clock_now_ms());
	if (max_wait_ms >= 0 && (timeout == -1 || timeout > max_wait_ms))
		timeout = max_wait_ms;
	/* Repeated log lines have their counts written on time. */
	if (log_has_repeats() && (timeout == -1 || timeout > 1000))
		timeout = 1000;
	if (l->deferred != NULL || l->is_stopping)
		timeout = 0;
	n = epoll_wait(l->epfd, events, LOOP_MAX_EVENTS, timeout);
	if (n == -1 && errno != EINTR) {
		log_error("epoll_wait: %s", strerror(errno));
		return -1;
	}
	clock_update();
	for (i = 0; i < n; i++)
		dispatch(l, &events[i]);
	timer_run(&l->timers, clock_now_ms());
	run_deferred(l);
	end_turn(l);
	log_tick();
	return 0;
}

int
loop_run(struct loop *l)
{
	clock_update();
	while (!l->is_stopping)
		if (loop_run_once(l, -1) == -1)
			return -1;
	return 0;
}
