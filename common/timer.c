/*
 * Binary min-heap of timers keyed by deadline.  Each timer stores its own
 * slot, so cancel and re-arm find it in O(1) and fix the heap in O(log n).
 * The heap never grows: its capacity comes from the configuration, and a
 * full heap is reported to the caller rather than hidden by realloc.
 */
#include "common/timer.h"

#include <limits.h>
#include <stdlib.h>

static void
heap_set(struct timer_heap *h, size_t i, struct timer *t)
{
	h->items[i] = t;
	t->slot = i;
}

static void
sift_up(struct timer_heap *h, size_t i)
{
	struct timer	*t = h->items[i];
	size_t		 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (h->items[parent]->deadline_ms <= t->deadline_ms)
			break;
		heap_set(h, i, h->items[parent]);
		i = parent;
	}
	heap_set(h, i, t);
}

static void
sift_down(struct timer_heap *h, size_t i)
{
	struct timer	*t = h->items[i];
	size_t		 child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= h->len)
			break;
		if (child + 1 < h->len && h->items[child + 1]->deadline_ms <
		    h->items[child]->deadline_ms)
			child++;
		if (t->deadline_ms <= h->items[child]->deadline_ms)
			break;
		heap_set(h, i, h->items[child]);
		i = child;
	}
	heap_set(h, i, t);
}

/* Restores the heap order around slot <i> after its deadline changed. */
static void
heap_fix(struct timer_heap *h, size_t i)
{
	if (i > 0 && h->items[(i - 1) / 2]->deadline_ms >
	    h->items[i]->deadline_ms)
		sift_up(h, i);
	else
		sift_down(h, i);
}

/*
 * Sets up <h> for at most <cap> armed timers.  Returns 0, or -1 when out of
 * memory.  Free with timer_heap_free().
 */
int
timer_heap_init(struct timer_heap *h, size_t cap)
{
	h->items = calloc(cap > 0 ? cap : 1, sizeof(*h->items));
	h->len = 0;
	h->cap = h->items != NULL ? cap : 0;
	return h->items != NULL ? 0 : -1;
}

/*
 * Frees the heap array of <h>.  Timers still armed are left with a stale
 * slot: their owners are being torn down too.
 */
void
timer_heap_free(struct timer_heap *h)
{
	free(h->items);
	h->items = NULL;
	h->len = 0;
	h->cap = 0;
}

/* Prepares <t>, which is not armed, to call <fire> when it expires. */
void
timer_init(struct timer *t, void (*fire)(struct timer *))
{
	t->deadline_ms = 0;
	t->slot = SIZE_MAX;
	t->fire = fire;
}

/*
 * Arms <t> for <deadline_ms>, or moves its deadline if it is armed already.
 * Returns 0, or -1 when <t> is not armed and <h> is full; <t> is then left
 * unarmed.
 */
int
timer_arm(struct timer_heap *h, struct timer *t, uint64_t deadline_ms)
{
	if (t->slot != SIZE_MAX) {
		t->deadline_ms = deadline_ms;
		heap_fix(h, t->slot);
		return 0;
	}
	if (h->len == h->cap)
		return -1;
	t->deadline_ms = deadline_ms;
	heap_set(h, h->len, t);
	h->len++;
	sift_up(h, t->slot);
	return 0;
}

/* Disarms <t>; harmless when it is not armed. */
void
timer_cancel(struct timer_heap *h, struct timer *t)
{
	size_t		 i = t->slot;
	struct timer	*last;

	if (i == SIZE_MAX)
		return;
	t->slot = SIZE_MAX;
	h->len--;
	if (i == h->len)
		return;
	last = h->items[h->len];
	heap_set(h, i, last);
	heap_fix(h, i);
}

/*
 * Milliseconds from <now_ms> to the earliest deadline in <h>: 0 if one is
 * due, -1 if none is armed, capped at INT_MAX.  This is the epoll_wait
 * timeout.
 */
int
timer_next_ms(const struct timer_heap *h, uint64_t now_ms)
{
	uint64_t	d;

	if (h->len == 0)
		return -1;
	d = h->items[0]->deadline_ms;
	if (d <= now_ms)
		return 0;
	if (d - now_ms > INT_MAX)
		return INT_MAX;
	return (int)(d - now_ms);
}

/*
 * Fires every timer of <h> due at <now_ms>, earliest first, disarming each
 * before its callback runs so the callback may re-arm or free it.  At most
 * as many callbacks run as timers were armed on entry: a callback that
 * re-arms for a deadline already due fires on the next call, not in a loop
 * here that would starve I/O.
 */
void
timer_run(struct timer_heap *h, uint64_t now_ms)
{
	struct timer	*t;
	size_t		 budget = h->len;

	while (budget > 0 && h->len > 0 &&
	    h->items[0]->deadline_ms <= now_ms) {
		t = h->items[0];
		timer_cancel(h, t);
		budget--;
		t->fire(t);
	}
}
