/*
 * A response head in HTTP/1.1 text: the status line, the head's fields,
 * then the framing and connection fields that are the HTTP/1 front end's
 * to decide (Content-Length, Transfer-Encoding, Connection).
 */
#ifndef WEIR_WORKER_H1_WRITE_H
#define WEIR_WORKER_H1_WRITE_H

#include <stdbool.h>

#include "common/buf.h"
#include "worker/resp.h"

struct h1_write {
	bool	is_10;		/* the client speaks HTTP/1.0 */
	bool	is_keep;	/* the connection goes on after this */
	bool	is_dechunked;	/* a CHUNKED body goes out bare (1.0) */
};

/*
 * Appends <h> as HTTP/1.1 text to <out>, followed by its short body
 * (h->body) when it has one.  0, or -1 when it does not fit (<out> is then
 * as it was).
 */
int	h1_write_head(struct buf *out, const struct resp_head *h,
	    const struct h1_write *how);

#endif
