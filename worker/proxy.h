/*
 * The proxy exchange: one request joined to one backend connection.  It
 * picks a backend (waiting in the pool's queue while every usable one is
 * at max_conns), sends the rewritten head, pumps the request body up and
 * the response down, retries on another backend while nothing of the
 * request reached the first, and tells the backend's health what live
 * traffic showed.  It answers the client only through the front end's
 * operations (worker/front.h).
 *
 * Its states (px->state):
 *   QUEUED     every usable backend at max_conns; waits queue_timeout_ms
 *   CONNECTING a new backend connection is on its way to READY
 *   SENDING    the request head goes out
 *   EXCHANGE   request body up, response down
 *   DONE       the response is complete, or the exchange was abandoned,
 *              or a 101 handed both sides to a tunnel (worker/tunnel.c)
 */
#ifndef WEIR_WORKER_PROXY_H
#define WEIR_WORKER_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/h1_body.h"
#include "common/h1_parse.h"
#include "common/min_rate.h"
#include "common/timer.h"
#include "worker/end.h"

struct worker;
struct request;
struct front_ops;
struct bconn;
struct pool_conf;
struct service_conf;
struct access_record;
struct backend_pin;

/* Retries are at most 16 (config), so this bounds the backends tried. */
#define PROXY_MAX_TRIES		17

enum proxy_state {
	PROXY_IDLE = 0,		/* not started */
	PROXY_QUEUED,
	PROXY_CONNECTING,
	PROXY_SENDING,
	PROXY_EXCHANGE,
	PROXY_DONE,
};

/* What the exchange is given about its request when it starts. */
struct proxy_req {
	struct request			*r;	/* handed back to the front end */
	const struct front_ops		*fe;
	const struct service_conf	*svc;
	const struct pool_conf		*pool;
	const struct sockaddr		*peer;	/* for balance "source" */
	struct backend_pin		*pin;	/* the session's, or NULL */
	uint64_t			 uri_key;	/* for balance "uri" */
	enum h1_framing			 framing;	/* of its body */
	bool				 is_head;	/* method HEAD */
	bool				 is_idempotent;	/* GET, HEAD, OPTIONS */
	bool				 has_expect;	/* 100-continue */
	bool				 is_tls;	/* the client's side */
	bool				 must_switch;	/* a 2xx is no
							   answer: the
							   request's */
	uint32_t			 upgrade;	/* protocols offered
							   (rewrite_upgrade_
							   offer()), 0: none */
	const char			*peer_text;	/* for the log */
	struct access_record		*rec;	/* filled in as it goes */
	enum end_reason			*end;	/* why it ended */
	const int			*status_hint;	/* a bad body's */
};

struct proxy {
	struct worker		*w;
	struct proxy_req	 q;
	enum proxy_state	 state;
	struct proxy		*qnext;		/* pool queue, while QUEUED */
	bool			 was_queued;
	struct timer		 timer;		/* queue, response, body */
	uint64_t		 deadline_ms;

	/* the backend */
	struct bconn		*bc;
	int			 backend;	/* global index, -1 = none */
	uint32_t		 tried[PROXY_MAX_TRIES];
	unsigned		 ntried;
	bool			 is_fresh_retry;	/* the reuse-race retry */
	bool			 has_wrote;	/* a byte of this request went */

	/* the request going up */
	struct buf		 hdr;		/* rewritten head (pooled) */
	size_t			 hdr_off;	/* of it written */
	uint64_t		 req_bytes;	/* body bytes to the backend */
	bool			 req_body_done;	/* all of it went */
	struct min_rate		 body_pace;	/* the client's, while weir
						   waits for its body */

	/* the response coming down */
	struct buf		 bin;		/* from the backend (pooled) */
	struct h1_resume	 resume;	/* head parse progress */
	struct h1_body		 respb;
	size_t			 resp_fwd;	/* bytes of bin ready to send */
	int			 status;
	bool			 has_interim;	/* a 1xx came back */
	bool			 has_resp_head;	/* final head passed on */
	bool			 is_bare;	/* the front end wants the
						   body without chunking */
	bool			 resp_scan_done;	/* its end was seen */
	bool			 resp_done;	/* and all of it went out */
	bool			 is_b_keep;	/* backend may be reused */
	bool			 is_b_eof;
};

/*
 * Starts the exchange for <q> (with its rewritten head already in
 * px->hdr).  The request's body, if any, is read through q->fe.  Ends by
 * calling q->fe->finish() or q->fe->abort(), or by answering the client
 * itself (502, 503, 504, 408) the same way.
 */
void	proxy_start(struct worker *w, struct proxy *px,
	    const struct proxy_req *q);

/* The client can take more of the response, or sent more of the body. */
void	proxy_client_io(struct proxy *px);

/*
 * The request is over (the front end ended it, or the client left): the
 * backend connection is released (kept only when the exchange completed),
 * the queue left, buffers returned.  Harmless twice.
 */
void	proxy_release(struct worker *w, struct proxy *px);

/* Sets up the per-pool queues of <w> and their timer.  0 or -1. */
int	proxy_init(struct worker *w);
void	proxy_free(struct worker *w);

#endif
