/*
 * The chunked body decoder: the input is scanned as a chunked body whole,
 * then again arriving in pieces cut where the input says, each step allowed
 * to read only the bytes received and not yet taken.  Both must agree on
 * the result, the payload bytes (same bytes, same order), the payload
 * total, and, when the body ends, on where it ends.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/h1_body.h"
#include "t/fuzz/fuzz.h"

struct decoded {
	enum h1_result	 result;	/* AGAIN: input ran out first */
	size_t		 taken;		/* bytes accounted for */
	uint64_t	 total;		/* the scanner's payload count */
	char		*data;		/* owned: payload put back together */
	size_t		 ndata;
};

/*
 * Scans <buf>[0..<size>) received in pieces (one piece when <seed> is 0)
 * into <d>.
 */
static void
decode(struct decoded *d, const char *buf, size_t size, uint64_t seed)
{
	struct h1_body	b;
	size_t		avail, n;
	bool		is_data;

	memset(d, 0, sizeof(*d));
	d->result = H1_AGAIN;
	if ((d->data = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	h1_body_init(&b, H1_FRAME_CHUNKED, 0);
	fuzz_poison(buf, size);
	avail = seed == 0 ? size : fuzz_next_cut(&seed, 0, size);
	fuzz_unpoison(buf, avail);
	for (;;) {
		n = SIZE_MAX;
		is_data = false;
		d->result = h1_body_step(&b, buf + d->taken, avail - d->taken,
		    &n, &is_data);
		FUZZ_CHECK(n <= avail - d->taken, "took %zu of %zu bytes", n,
		    avail - d->taken);
		if (is_data) {
			memcpy(d->data + d->ndata, buf + d->taken, n);
			d->ndata += n;
		}
		d->taken += n;
		if (d->result != H1_AGAIN)
			break;
		if (n > 0)
			continue;
		/* Nothing taken: the scanner wants more than it was given. */
		if (avail == size)
			break;
		n = avail;
		avail = seed == 0 ? size : fuzz_next_cut(&seed, avail, size);
		fuzz_unpoison(buf + n, avail - n);
	}
	fuzz_unpoison(buf, size);
	d->total = b.total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoded	 w, s;
	char		*buf;

	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	decode(&w, buf, size, 0);
	decode(&s, buf, size, fuzz_hash(data, size) | 1);
	FUZZ_CHECK(w.result == s.result, "result: whole %d, split %d",
	    (int)w.result, (int)s.result);
	FUZZ_CHECK(w.ndata == s.ndata && memcmp(w.data, s.data, w.ndata) == 0,
	    "payload: whole %zu bytes, split %zu bytes, or other bytes",
	    w.ndata, s.ndata);
	FUZZ_CHECK(w.total == w.ndata && s.total == s.ndata, "total: whole "
	    "%llu for %zu bytes, split %llu for %zu", (unsigned long long)
	    w.total, w.ndata, (unsigned long long)s.total, s.ndata);
	if (w.result == H1_DONE)
		FUZZ_CHECK(w.taken == s.taken, "message end: whole %zu, split "
		    "%zu", w.taken, s.taken);
	if (w.result == H1_AGAIN)
		FUZZ_CHECK(w.taken == size && s.taken == size, "AGAIN with "
		    "bytes left: whole took %zu, split %zu, of %zu", w.taken,
		    s.taken, size);
	free(w.data);
	free(s.data);
	free(buf);
	return 0;
}
