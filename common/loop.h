/*
 * The event loop every long-running child runs (a worker, the health
 * checker): epoll for descriptors, the timer heap for deadlines, a
 * signalfd for signals, and deferred callbacks.
 *
 * An object that waits on a descriptor embeds a struct loop_io.  The loop
 * never hands an event to the wrong owner: epoll's cookie carries a slot
 * index and that slot's generation, a slot given up with loop_del() is
 * recycled only at the end of the turn, and an event whose generation no
 * longer matches (a descriptor closed and its slot taken by someone else)
 * is dropped.  The same holds for objects: what an owner frees inside a
 * callback it releases with loop_at_end(), after the last event of the
 * batch has been dispatched.
 */
#ifndef WEIR_COMMON_LOOP_H
#define WEIR_COMMON_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/timer.h"

struct loop;

/* A descriptor registered with the loop, embedded in its owner. */
struct loop_io {
	void		(*on_io)(struct loop_io *io, uint32_t events);
	int		  fd;
	uint32_t	  slot;		/* LOOP_NO_SLOT when not registered */
};

#define LOOP_NO_SLOT	UINT32_MAX

/* A callback to run later in this turn, embedded in its owner. */
struct loop_task {
	void		(*run)(struct loop_task *task);
	struct loop_task *next;
	bool		  is_queued;
};

/* Called once per signal received; <signo> is its number. */
typedef void	(*loop_signal_fn)(struct loop *l, int signo, void *arg);

struct loop_slot {
	struct loop_io	*io;		/* NULL: free, or freed this turn */
	uint32_t	 gen;
	uint32_t	 next_free;
};

struct loop {
	int			 epfd;
	struct timer_heap	 timers;
	struct loop_slot	*slots;		/* owned, grows by doubling */
	uint32_t		 nslots;
	uint32_t		 free_head;	/* reusable now */
	uint32_t		 dead_head;	/* reusable after this turn */
	struct loop_task	*deferred;	/* FIFO: head ... */
	struct loop_task	*deferred_tail;
	struct loop_task	*at_end;	/* LIFO */
	struct loop_io		 sig_io;
	loop_signal_fn		 on_signal;
	void			*signal_arg;
	bool			 is_stopping;
};

/*
 * Sets up <l> with room for <timer_cap> armed timers.  0, or -1 after
 * logging.
 */
int	loop_init(struct loop *l, size_t timer_cap);

/* Closes the epoll descriptor and the signalfd and frees the tables. */
void	loop_free(struct loop *l);

/*
 * Watches <fd> for <events> (EPOLLIN, EPOLLOUT, EPOLLET, ...), calling
 * <on_io> with <io>.  0, or -1 after logging.
 */
int	loop_add(struct loop *l, struct loop_io *io, int fd, uint32_t events,
	    void (*on_io)(struct loop_io *, uint32_t));

/* Changes the events watched for <io>.  0, or -1 after logging. */
int	loop_mod(struct loop *l, struct loop_io *io, uint32_t events);

/*
 * Stops watching <io> (call it before closing its descriptor).  No event
 * for it is delivered after this, even one already in this turn's batch.
 * Harmless when <io> is not registered.
 */
void	loop_del(struct loop *l, struct loop_io *io);

/* True while <io> is registered. */
static inline bool
loop_io_is_added(const struct loop_io *io)
{
	return io->slot != LOOP_NO_SLOT;
}

/* Prepares an embedded <io> that is not registered yet. */
static inline void
loop_io_init(struct loop_io *io)
{
	io->on_io = NULL;
	io->fd = -1;
	io->slot = LOOP_NO_SLOT;
}

/* Timers run on the loop's heap and the loop's cached clock. */
int	loop_timer_arm(struct loop *l, struct timer *t, uint64_t deadline_ms);
int	loop_timer_arm_in(struct loop *l, struct timer *t, uint64_t ms);
void	loop_timer_cancel(struct loop *l, struct timer *t);

/*
 * Runs <t> later in this turn, after the callback that queued it returns
 * (once, however often it is queued meanwhile): how one object tells
 * another something without calling into it from the middle of its own
 * work.
 */
void	loop_defer(struct loop *l, struct loop_task *t);

/*
 * Runs <t> at the very end of this turn, after every event, timer and
 * deferred task: where objects closed during the turn are released.
 */
void	loop_at_end(struct loop *l, struct loop_task *t);

/*
 * Delivers TERM, INT, QUIT and USR1 (the child signal set of
 * common/signals.h) to <fn>.  0, or -1 after logging.
 */
int	loop_watch_signals(struct loop *l, loop_signal_fn fn, void *arg);

/* Makes loop_run() return after the current turn. */
void	loop_stop(struct loop *l);

/*
 * One turn: waits for events at most <max_wait_ms> (-1: until the next
 * timer), dispatches them, runs due timers, deferred tasks and the end of
 * turn.  0, or -1 after logging when epoll fails.
 */
int	loop_run_once(struct loop *l, int max_wait_ms);

/* Turns until loop_stop().  0, or -1 when epoll fails. */
int	loop_run(struct loop *l);

#endif
