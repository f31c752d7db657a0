/*
 * Body pace bookkeeping: waited time and the gap since the last byte only
 * grow while weir is waiting on the peer, so a peer held up by a backend
 * that does not read is never charged for it.
 */
#include "common/min_rate.h"

#include <string.h>

void
min_rate_start(struct min_rate *r)
{
	memset(r, 0, sizeof(*r));
}

void
min_rate_update(struct min_rate *r, uint64_t now_ms, uint64_t bytes,
    bool is_waiting)
{
	uint64_t	d;

	if (r->is_waiting && now_ms > r->since_ms) {
		d = now_ms - r->since_ms;
		r->waited_ms += d;
		r->gap_ms += d;
	}
	if (bytes != r->bytes) {
		r->bytes = bytes;
		r->gap_ms = 0;
	}
	r->since_ms = now_ms;
	r->is_waiting = is_waiting;
}

uint64_t
min_rate_left_ms(const struct min_rate *r, uint32_t timeout_ms,
    uint32_t min_rate)
{
	uint64_t	left, allowed;

	if (r->gap_ms >= timeout_ms)
		return 0;
	left = timeout_ms - r->gap_ms;
	/* Past 2^54 bytes the allowance cannot run out in practice. */
	if (min_rate == 0 || r->bytes > UINT64_MAX / 2000)
		return left;
	allowed = timeout_ms + r->bytes * 1000 / min_rate;
	if (r->waited_ms >= allowed)
		return 0;
	return allowed - r->waited_ms < left ? allowed - r->waited_ms : left;
}

uint64_t
min_rate_seen(const struct min_rate *r)
{
	if (r->waited_ms == 0 || r->bytes > UINT64_MAX / 1000)
		return r->bytes;
	return r->bytes * 1000 / r->waited_ms;
}
