/*
 * The web_server role for one request: picks the file, evaluates the
 * conditional and Range fields, and writes the response head.  It does no
 * I/O on the client socket: the caller writes the head and then sends the
 * body this module names (an fd, an offset and a length) with sendfile(2).
 */
#ifndef WEIR_WORKER_STATIC_H
#define WEIR_WORKER_STATIC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "worker/resp.h"

struct h1_msg;
struct service_conf;

struct static_reply {
	int		 status;	/* 200 206 301 304 400 403 404 405 414
					   416 500 */
	int		 fd;		/* owned by the caller afterwards: the
					   file, or a memfd holding a directory
					   listing; -1 = nothing to send */
	off_t		 offset;	/* where the body starts in <fd> */
	uint64_t	 length;	/* body bytes to send from <fd> */
};

/*
 * Answers the request <req> (a parsed head; its slices must still be valid)
 * from the docroot of the web_server service <svc>: fills the response
 * head <h> (which it starts) and <out>.
 *
 * For 200 and 206 to GET, <out>->fd is open and <out>->length bytes from
 * <out>->offset are the body (h->framing LENGTH); the caller must close
 * the fd.  Every other answer has fd -1: a response to HEAD and a 304
 * announce only; the errors and redirects carry their short text/plain
 * body in h->body.  <via>, when not NULL, is sent as "Via: 1.1 <via>".
 *
 * Returns 0, or -1 when the answer did not fit in <h>: then no fd is open,
 * <out>->status is 500, and the caller answers 500 on its own.  Blocks on
 * the filesystem (open, getdents, writes to a memfd), never on the
 * network.  Loads /etc/mime.types on first use.
 */
int	static_reply(const struct service_conf *svc, const struct h1_msg *req,
	    const char *via, struct resp_head *h, struct static_reply *out);

/*
 * Closes the docroot directories kept open (one per docroot, reopened
 * every second so a swapped docroot is seen).  For a worker's exit, and
 * for tests that count descriptors.
 */
void	static_flush_cache(void);

#endif
