/*
 * The chunked body decoder: the input is scanned as a chunked body whole,
 * then again arriving in pieces cut where the input says, each step allowed
 * to read only the bytes received and not yet taken.  Both must agree on
 * the result, the payload bytes (same bytes, same order), the payload
 * total, and, when the body ends, on where it ends.  The re-framer that
 * forwards bodies (h1_body_reframe) runs over the same pieces, canonical
 * and de-chunking: whole and split must write the same bytes, the
 * de-chunked bytes must be the decoder's payload, and the canonical bytes
 * must decode to that payload again, ending exactly where they end.
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

struct reframed {
	enum h1_result	 result;	/* AGAIN: input ran out first */
	size_t		 taken;		/* input bytes the message took */
	char		*out;		/* owned: what would be forwarded */
	size_t		 nout;
};

/*
 * Feeds <buf>[0..<size>) to h1_body_reframe() in pieces (one when <seed>
 * is 0), the way a connection's input buffer gets it: the bytes kept back
 * by one call come first in the next, followed by what arrived since.
 */
static void
reframe(struct reframed *r, const char *buf, size_t size, uint64_t seed,
    bool dechunk)
{
	struct h1_body	b;
	char		*work;
	size_t		have = 0, fed = 0, avail, out, used;

	memset(r, 0, sizeof(*r));
	r->result = H1_AGAIN;
	if ((work = malloc(size > 0 ? size : 1)) == NULL ||
	    (r->out = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	h1_body_init(&b, H1_FRAME_CHUNKED, 0);
	for (;;) {
		avail = seed == 0 ? size : fuzz_next_cut(&seed, fed, size);
		memcpy(work + have, buf + fed, avail - fed);
		have += avail - fed;
		fed = avail;
		r->result = h1_body_reframe(&b, work, have, dechunk, &out,
		    &used);
		if (r->result == H1_BAD)
			break;
		FUZZ_CHECK(out <= used && used + b.held <= have, "out %zu, "
		    "used %zu, held %zu of %zu", out, used, b.held, have);
		FUZZ_CHECK(r->nout + out <= size, "wrote more than it read");
		memcpy(r->out + r->nout, work, out);
		r->nout += out;
		if (r->result == H1_DONE) {
			r->taken = fed - (have - used);
			break;
		}
		FUZZ_CHECK(used + b.held == have, "AGAIN left %zu bytes "
		    "untaken", have - used - b.held);
		memmove(work, work + used, b.held);
		have = b.held;
		if (fed == size)
			break;
	}
	free(work);
}

static void
check_reframe(const char *buf, size_t size, uint64_t seed,
    const struct decoded *w)
{
	struct reframed	 cw, cs, dw, ds;
	struct decoded	 again;

	reframe(&cw, buf, size, 0, false);
	reframe(&cs, buf, size, seed, false);
	reframe(&dw, buf, size, 0, true);
	reframe(&ds, buf, size, seed, true);
	FUZZ_CHECK(cw.result == w->result && dw.result == w->result,
	    "re-framer result %d/%d, decoder %d", (int)cw.result,
	    (int)dw.result, (int)w->result);
	FUZZ_CHECK(cs.result == cw.result && ds.result == dw.result,
	    "re-framer whole and split disagree on the result");
	FUZZ_CHECK(cw.nout == cs.nout && memcmp(cw.out, cs.out, cw.nout) == 0,
	    "canonical bytes: whole %zu, split %zu, or other bytes", cw.nout,
	    cs.nout);
	FUZZ_CHECK(dw.nout == ds.nout && memcmp(dw.out, ds.out, dw.nout) == 0,
	    "de-chunked bytes: whole %zu, split %zu, or other bytes", dw.nout,
	    ds.nout);
	if (w->result == H1_DONE) {
		FUZZ_CHECK(cw.taken == w->taken && dw.taken == w->taken &&
		    cs.taken == w->taken && ds.taken == w->taken,
		    "re-framer message end differs from the decoder's %zu",
		    w->taken);
		FUZZ_CHECK(dw.nout == w->ndata &&
		    memcmp(dw.out, w->data, w->ndata) == 0,
		    "de-chunked bytes are not the payload");
		/* What weir forwards decodes to the same payload, whole. */
		decode(&again, cw.out, cw.nout, 0);
		FUZZ_CHECK(again.result == H1_DONE && again.taken == cw.nout &&
		    again.ndata == w->ndata &&
		    memcmp(again.data, w->data, w->ndata) == 0,
		    "canonical bytes do not decode to the payload");
		free(again.data);
	}
	free(cw.out);
	free(cs.out);
	free(dw.out);
	free(ds.out);
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
	if (w.result != H1_BAD)
		check_reframe(buf, size, fuzz_hash(data, size) | 1, &w);
	else {
		struct reframed	r;

		reframe(&r, buf, size, 0, false);
		FUZZ_CHECK(r.result == H1_BAD, "the decoder refuses what the "
		    "re-framer forwards");
		free(r.out);
	}
	free(w.data);
	free(s.data);
	free(buf);
	return 0;
}
