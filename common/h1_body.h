/*
 * Body framing as a small resumable scanner (RFC 9112 6, 7.1).  It tells the
 * caller how many of the next bytes belong to the message and whether they
 * are payload or chunk framing; h1_body_reframe() goes one step further and
 * rewrites a chunked body in place, in canonical framing or de-chunked, so
 * that what a proxy forwards is what it understood.  Memory use is constant
 * whatever the body size.
 */
#ifndef WEIR_COMMON_H1_BODY_H
#define WEIR_COMMON_H1_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/h1_parse.h"

/* Longest chunk-size line (with extensions) and trailer section accepted. */
#define H1_CHUNK_LINE_MAX	4096
#define H1_TRAILER_MAX		16384
/*
 * Most bytes h1_body_reframe() keeps back between calls: room for the
 * longest canonical chunk-size line, "7fffffffffffffff\r\n".
 */
#define H1_REFRAME_HOLD		18

struct h1_body {
	enum h1_framing	 framing;
	uint64_t	 remaining;	/* LENGTH: bytes left; CHUNKED: left in
					   the current chunk */
	uint64_t	 total;		/* payload bytes seen so far */
	size_t		 held;		/* h1_body_reframe(): bytes kept back
					   at the front of the next input */
	/* private to the scanner */
	int		 state;
	size_t		 line_len;
	bool		 done;
};

/*
 * Starts a body of the given framing; <length> is the Content-Length for
 * H1_FRAME_LENGTH and ignored otherwise.
 */
void	h1_body_init(struct h1_body *b, enum h1_framing framing,
	    uint64_t length);

/*
 * Looks at <in>[0..<len>), the bytes that follow everything already
 * scanned, and accounts for a prefix of them:
 *   *n        how many bytes were taken (0 when more input is needed)
 *   *is_data  whether those bytes are payload (true) or chunk framing, chunk
 *             CRLFs, last-chunk and trailers (false)
 * Returns H1_DONE when the message ends right after those <*n> bytes,
 * H1_AGAIN when it goes on (call again with the rest, or with more input
 * when *n was 0), H1_BAD on a framing error (bad hex, overflow, a missing
 * CRLF, a bare CR, an over-long chunk line or trailer section).
 * For H1_FRAME_CLOSE every byte is data and the end is the peer's EOF, which
 * the caller observes; H1_FRAME_NONE is H1_DONE at once with *n = 0.
 */
enum h1_result	h1_body_step(struct h1_body *b, const char *in, size_t len,
		    size_t *n, bool *is_data);

/*
 * Rewrites the body bytes at <p>[0..<len>) in place for forwarding.  A
 * chunked body comes out in canonical framing: each chunk-size in lowercase
 * hex without leading zeros, no chunk extensions, no trailer fields, every
 * line ending in CRLF; with <dechunk>, as the bare payload.  Other framings
 * pass unchanged.  <p> must start with the b->held bytes kept back by the
 * previous call, followed by what arrived since; <dechunk> must not change
 * during a body.  On return:
 *   <p>[0..*out)                   bytes to forward, in order
 *   <p>[*out..*used)               bytes to drop (framing replaced or cut)
 *   <p>[*used..*used + b->held)    kept back: pass them again, first
 * Returns H1_AGAIN when the body goes on, and then every byte was taken
 * (*used + b->held == <len>); H1_DONE when it ended at *used, the bytes
 * after it being the next message's (b->held is 0); H1_BAD on a framing
 * error (see h1_body_step), when nothing of <p> may be forwarded.
 * The canonical end of a chunked body, "0\r\n\r\n", is written only with
 * H1_DONE, so a message cut short or found bad never looks complete.
 */
enum h1_result	h1_body_reframe(struct h1_body *b, char *p, size_t len,
		    bool dechunk, size_t *out, size_t *used);

#endif
