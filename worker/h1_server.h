/*
 * The HTTP/1 front end: reads request heads off a client session (one at a
 * time: pipelined requests are answered in order), starts a request for
 * each, keeps the connection alive between them, passes the request body
 * on in canonical framing and the response out in HTTP/1 framing
 * (chunked, or bare for an HTTP/1.0 client), with 100-continue relayed.
 *
 * Its states, per session (struct h1_front in worker/h1_state.h):
 *   IDLE     between requests, nothing received
 *   HEAD     part of a head received
 *   REQUEST  a request is being answered
 *   DONE     no further request on this connection
 * The transitions are the table at the top of h1_server.c; h1_next() is
 * its only reader.
 */
#ifndef WEIR_WORKER_H1_SERVER_H
#define WEIR_WORKER_H1_SERVER_H

#include "worker/front.h"
#include "worker/h1_state.h"

enum h1_front_event {
	H1_EV_BYTES = 0,	/* bytes of a head arrived */
	H1_EV_HEAD,		/* a head is complete (or refused): a request */
	H1_EV_NEXT,		/* answered, kept alive, nothing buffered */
	H1_EV_NEXT_BYTES,	/* answered, kept alive, a next head buffered */
	H1_EV_END,		/* no further request */
	H1_EV_COUNT
};

/* What a client session calls on the HTTP/1 front end. */
extern const struct front_session_ops	h1_session_ops;

/* What a request calls on the HTTP/1 front end that carries it. */
extern const struct front_ops		h1_front_ops;

/* The state <s> goes to on <ev>, or H1_FRONT_STATE_COUNT when not allowed. */
enum h1_front_state	h1_next(enum h1_front_state s, enum h1_front_event ev);
const char	*h1_state_name(enum h1_front_state s);

/* Tests: called for every transition taken or refused (to = COUNT). */
extern void	(*h1_trace)(enum h1_front_state from, enum h1_front_event ev,
		    enum h1_front_state to);

#endif
