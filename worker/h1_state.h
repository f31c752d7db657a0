/*
 * The HTTP/1 front end's state on one client session, kept inside the
 * session (struct client) so that an idle keep-alive connection costs one
 * small object and no buffer.  Data only: worker/h1_server.c reads and
 * writes it.
 */
#ifndef WEIR_WORKER_H1_STATE_H
#define WEIR_WORKER_H1_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/h1_body.h"
#include "common/h1_parse.h"
#include "common/loop.h"

struct request;
struct tunnel;

enum h1_front_state {
	H1_FRONT_IDLE = 0,		/* between requests, nothing received */
	H1_FRONT_HEAD,		/* bytes of a request head received */
	H1_FRONT_REQUEST,		/* a request is being answered */
	H1_FRONT_DONE,		/* no further request on this connection */
	H1_FRONT_STATE_COUNT
};

struct h1_front {
	enum h1_front_state	 state;
	struct h1_resume	 resume;	/* head parse progress */
	uint64_t		 t_start_us;	/* first byte of the head */
	struct request		*req;		/* the one being answered */
	uint32_t		 nrequests;
	bool			 is_10;		/* the request is HTTP/1.0 */
	bool			 is_keep;	/* the connection may go on */
	bool			 is_failed;	/* the connection failed under a
						   request: it closes soon */

	/* the request body: canonical framing in place at the head of
	   c->in (req_fwd bytes ready, reqb.held kept back after them) */
	struct h1_body		 reqb;
	size_t			 req_fwd;
	bool			 req_scan_done;	/* its end was seen */
	bool			 has_expect;	/* Expect: 100-continue */
	bool			 has_interim;	/* a 1xx went out for it */

	/* the response */
	bool			 has_head;	/* final head queued or sent */
	bool			 is_finishing;	/* complete once out drains */
	struct loop_task	 flush_task;	/* a queued head goes out */
	struct loop_task	 next_task;	/* the next request, out of line */
	struct tunnel		*tunnel;	/* a 101 went out: the session
						   goes to it, out of line */
};

#endif
