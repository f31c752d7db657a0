/*
 * HTTP/2 heads both ways: a request's header block to the parsed head
 * every front end gives a request (struct h1_msg), a response head
 * (struct resp_head) to HTTP/2 fields.  No I/O and no nghttp2 session:
 * worker/h2_server.c feeds the fields as nghttp2 decodes them and submits
 * what comes out.
 */
#ifndef WEIR_WORKER_H2_HEAD_H
#define WEIR_WORKER_H2_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include "common/bufpool.h"
#include "common/h1_parse.h"
#include "worker/h2_state.h"
#include "worker/resp.h"

/* A header block for stream <s> begins in <b>. */
void	h2_head_block_start(struct h2_block *b, struct h2_stream *s);

/* The block is done with: its buffer goes back to <pool>. */
void	h2_head_block_end(struct h2_block *b, struct bufpool *pool);

/*
 * Keeps field <name>: <value> of the block, in a buffer from <pool>.
 * Past <most> bytes (counted as an HTTP/1 head would be) or H1_MAX_HEADERS
 * fields the block is marked too large, to be answered 431 on its stream;
 * the rest is decoded by nghttp2 (HPACK's state needs it) but not kept.
 */
void	h2_head_block_add(struct h2_block *b, struct bufpool *pool,
	    size_t most, const uint8_t *name, size_t nlen,
	    const uint8_t *value, size_t vlen);

/*
 * Fills <m> (reset first) from the block just received: pseudo-header
 * fields to the request line and Host (nghttp2 has checked that they are
 * there, once each, before the others), the rest as fields with cookie
 * crumbs joined (RFC 9113 8.2.3), the framing from content-length and
 * <is_end_stream> (none; a length; chunked for a body of unknown length).
 * Its slices point into the block, valid until h2_head_block_end().
 * An extended CONNECT (RFC 8441 :protocol) becomes an HTTP/1.1 Upgrade
 * request for the backend: GET of :path with Upgrade (and, for websocket,
 * a Sec-WebSocket-Key made here), no body; b->is_ext_connect says so.
 * Returns 0, or the status the request is refused with: 431 too large,
 * 400 malformed (no authority, a bad content-length or Max-Forwards).
 */
int	h2_head_msg(struct h2_block *b, struct h1_msg *m, bool is_end_stream);

/*
 * <h> as HTTP/2 fields in <nv> (room for RESP_MAX_FIELDS + 2), names in
 * lower case (RFC 9113 8.2.1) in <names> (<names_len> bytes), :status
 * first (formatted in <status>, 4 bytes), connection-specific fields left
 * out (8.2.2), content-length from the head's framing (formatted in
 * <length>).  nghttp2 copies them when they are submitted.  The number of
 * fields, or -1 when the names do not fit.
 */
int	h2_head_encode(nghttp2_nv *nv, char *names, size_t names_len,
	    const struct resp_head *h, char *status, char *length,
	    size_t length_cap);

#endif
