/*
 * Timers as a binary min-heap of deadlines.  Each timer is embedded in its
 * owner and remembers its heap slot, so arming, re-arming and cancelling are
 * O(log n) with no allocation beyond the heap array sized at start.
 */
#ifndef WEIR_COMMON_TIMER_H
#define WEIR_COMMON_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer {
	uint64_t	 deadline_ms;
	size_t		 slot;		/* index in the heap, SIZE_MAX if idle */
	void		(*fire)(struct timer *);
};

struct timer_heap {
	struct timer	**items;	/* owned array of borrowed timers */
	size_t		  len;
	size_t		  cap;
};

/* Sets up <h> for at most <cap> armed timers.  0 or -1 (no memory). */
int	timer_heap_init(struct timer_heap *h, size_t cap);
void	timer_heap_free(struct timer_heap *h);

/* Prepares <t>, which is not armed yet, to call <fire> when it expires. */
void	timer_init(struct timer *t, void (*fire)(struct timer *));

/* Arms or re-arms <t> for <deadline_ms>.  0, or -1 when the heap is full. */
int	timer_arm(struct timer_heap *h, struct timer *t, uint64_t deadline_ms);

/* True while <t> waits in a heap. */
static inline bool
timer_is_armed(const struct timer *t)
{
	return t->slot != SIZE_MAX;
}

/* Disarms <t>; harmless when it is not armed. */
void	timer_cancel(struct timer_heap *h, struct timer *t);

/*
 * Milliseconds until the earliest deadline, 0 if one is due, -1 if none is
 * armed: the epoll_wait timeout.
 */
int	timer_next_ms(const struct timer_heap *h, uint64_t now_ms);

/* Fires (and disarms, before calling) every timer due at <now_ms>. */
void	timer_run(struct timer_heap *h, uint64_t now_ms);

#endif
