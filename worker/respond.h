/*
 * Responses weir writes itself (400 ... 504): a status line, a short plain
 * body that says what happened, and Connection: close when the connection
 * cannot go on.
 */
#ifndef WEIR_WORKER_RESPOND_H
#define WEIR_WORKER_RESPOND_H

#include <stdbool.h>

#include "common/buf.h"

/*
 * Appends a complete response for <status> to <out>.  <is_head> omits the
 * body; <keep> leaves the connection open.  Returns 0 or -1 (no room).
 */
int		 respond_build(struct buf *out, int status, bool is_head,
		    bool keep, const char *via);

/*
 * Appends a redirect (<status> 301 or 308) to <location> to <out>, with a
 * short body naming it.  0, or -1 (no room).
 */
int		 respond_redirect(struct buf *out, int status,
		    const char *location, bool is_head, bool keep,
		    const char *via);

struct h1_msg;

/*
 * Appends weir's own 200 answer to OPTIONS, with Allow, to <out>: for a
 * request weir may not forward (Max-Forwards: 0).  0, or -1 (no room).
 */
int		 respond_options(struct buf *out, bool keep, const char *via);

/*
 * Appends a 200 message/http answer to TRACE reflecting the request head
 * <m> (its bytes must still be where <m> points), minus the fields likely
 * to hold credentials (Authorization, Proxy-Authorization, Cookie).  The
 * reflection is at most the head's size plus 2 bytes a field.  0, or -1
 * (no room).
 */
int		 respond_trace(struct buf *out, const struct h1_msg *m,
		    bool keep, const char *via);

/* Reason phrase for the statuses weir sends itself. */
const char	*respond_reason(int status);

/* A complete "503, no free connection slot" answer, for accept. */
extern const char	respond_503_full[];

#endif
