/*
 * Monotonic time for deadlines.  The loop calls clock_update() once per turn
 * and everything else reads the cached value, so a request costs no
 * clock_gettime() calls and all timers armed in one turn agree on "now".
 */
#include "common/clock.h"

#include <time.h>

static uint64_t	clock_cached_ms;

/* Reads CLOCK_MONOTONIC; it cannot fail with a valid clock id and pointer. */
static struct timespec
clock_read(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* Reads the monotonic clock into the cache and returns it in ms. */
uint64_t
clock_update(void)
{
	struct timespec	ts = clock_read();

	clock_cached_ms = (uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000;
	return clock_cached_ms;
}

/*
 * The cached value from the last clock_update(), reading the clock once if
 * nothing has yet: a deadline armed before the first loop turn must not be
 * relative to zero.
 */
uint64_t
clock_now_ms(void)
{
	if (clock_cached_ms == 0)
		return clock_update();
	return clock_cached_ms;
}

/* A fresh monotonic reading in microseconds, for latencies. */
uint64_t
clock_us(void)
{
	struct timespec	ts = clock_read();

	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
