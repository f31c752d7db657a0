/*
 * Monotonic milliseconds, read once per loop turn: per-request code uses the
 * cached value and never calls clock_gettime itself.
 */
#ifndef WEIR_COMMON_CLOCK_H
#define WEIR_COMMON_CLOCK_H

#include <stdint.h>

/* Reads the monotonic clock into the cache and returns it (ms). */
uint64_t	clock_update(void);

/* The cached value from the last clock_update(). */
uint64_t	clock_now_ms(void);

/* Fresh monotonic reading in microseconds, for latencies. */
uint64_t	clock_us(void);

#endif
