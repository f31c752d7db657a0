/*
 * The stats role for one request: which peers it answers, which of its
 * three answers a path asks for (the page, /stats.json, /metrics), and
 * the body, written from a snapshot of the worker's segment into a memfd.
 * It does no I/O on the client socket: the caller sends the head it
 * builds, then the memfd, as it sends a web_server file.
 */
#ifndef WEIR_WORKER_STATS_SERVICE_H
#define WEIR_WORKER_STATS_SERVICE_H

#include <stdint.h>
#include <sys/socket.h>

#include "worker/resp.h"

struct h1_msg;
struct service_conf;
struct shm;

/* The largest body the role writes: about 20,000 backends on /metrics. */
#define STATS_BODY_MAX	(64u << 20)

struct stats_reply {
	int		 fd;		/* owned by the caller afterwards: a
					   memfd holding the body; -1 = none
					   to send */
	uint64_t	 length;	/* body bytes in <fd>, from 0 */
};

/*
 * Answers the request <m> (its slices still valid) that peer <peer> sent
 * to the stats service <svc>, for the normalized path <path>: starts and
 * fills the head <h> and <out>.  The figures come from a snapshot of
 * <shm>, the worker's segment.
 *
 * A GET of the page, /stats.json or /metrics gets 200 with <out>->fd open
 * and <out>->length bytes (h->framing LENGTH); the caller closes the fd.
 * A HEAD gets the same head without a body.  A peer outside the service's
 * "allow" gets 403 and the connection closes; another path 404, another
 * method 405; a body over STATS_BODY_MAX, or a failure to take the
 * snapshot or write the body, 503 (logged).  These carry their short
 * text in h->body, and <out>->fd is -1.
 *
 * Returns 0, or -1 when the answer did not fit in <h>: then no fd is
 * open and the caller answers 500.  Blocks on nothing but memory: the
 * snapshot and the body are written while the caller waits.
 */
int	stats_service_reply(const struct service_conf *svc,
	    const struct shm *shm, const struct sockaddr *peer,
	    const struct h1_msg *m, const char *path, struct resp_head *h,
	    struct stats_reply *out);

#endif
