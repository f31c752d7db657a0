/*
 * A deadline for a peer that weir waits on while it sends, such as a client
 * sending a request body: only the time weir spends waiting on the peer
 * counts, no pause may last longer than a timeout, and after that first
 * timeout the peer must keep up a minimum average rate (Apache
 * mod_reqtimeout's "body=20,MinRate=500" with nginx's client_body_timeout
 * between reads).  Pure bookkeeping: no clock, no I/O.
 */
#ifndef WEIR_COMMON_MIN_RATE_H
#define WEIR_COMMON_MIN_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct min_rate {
	uint64_t	bytes;		/* received in all, when last told */
	uint64_t	waited_ms;	/* time spent waiting on the peer */
	uint64_t	gap_ms;		/* of it, since a byte last came */
	uint64_t	since_ms;	/* when the last update was */
	bool		is_waiting;	/* the last update said so */
};

/* Starts <r> afresh: nothing waited, nothing received. */
void	min_rate_start(struct min_rate *r);

/*
 * Tells <r> that at <now_ms> <bytes> have been received in all (a count
 * that only grows) and whether weir is waiting on the peer from now on.
 * The time since the previous update counts as waited when that update
 * said weir was waiting.
 */
void	min_rate_update(struct min_rate *r, uint64_t now_ms, uint64_t bytes,
	    bool is_waiting);

/*
 * Milliseconds of waiting left, as of the last update, before the peer
 * breaks the limits: a pause of <timeout_ms>, or, past the first
 * <timeout_ms> waited, fewer than <min_rate> bytes a second on average
 * (each <min_rate> bytes buy one more second).  <min_rate> 0 leaves only
 * the pause rule.  0 when a limit is broken.
 */
uint64_t	min_rate_left_ms(const struct min_rate *r, uint32_t timeout_ms,
		    uint32_t min_rate);

/* The average rate seen, bytes a second over the time waited. */
uint64_t	min_rate_seen(const struct min_rate *r);

#endif
