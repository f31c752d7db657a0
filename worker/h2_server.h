/*
 * The HTTP/2 front end (RFC 9113): a client session that negotiated "h2"
 * through ALPN, or a plain one on an "h2c" service, carries many streams
 * at once, each a struct request exactly like an HTTP/1.1 one (routing,
 * balancing, rewriting, limits, log line and counters are the request's),
 * answered to backends in HTTP/1.1.  libnghttp2 does the framing, HPACK,
 * stream states and flow control on weir's buffers and event loop; this
 * file joins its callbacks to the session below and the requests above.
 *
 * Its connection states (struct h2_conn in worker/h2_state.h):
 *   OPEN     streams come and go
 *   NOTICE   draining: GOAWAY(2^31-1) sent, the final one follows
 *   GOAWAY   final GOAWAY sent, the streams in flight finish
 *   DONE     the connection is being closed
 * The transitions are the table at the top of h2_server.c; h2_next() is
 * its only reader.
 */
#ifndef WEIR_WORKER_H2_SERVER_H
#define WEIR_WORKER_H2_SERVER_H

#include "worker/front.h"
#include "worker/h2_state.h"

struct worker;

/* What a client session calls on the HTTP/2 front end. */
extern const struct front_session_ops	h2_session_ops;

/* What a request calls on the HTTP/2 front end that carries it. */
extern const struct front_ops		h2_front_ops;

/* Frees what the worker's HTTP/2 connections shared (worker teardown). */
void	h2_worker_free(struct worker *w);

/* The state <s> goes to on <ev>, or H2_CONN_STATE_COUNT when not allowed. */
enum h2_conn_state	h2_next(enum h2_conn_state s, enum h2_conn_event ev);
const char	*h2_state_name(enum h2_conn_state s);

/* Tests: called for every transition taken or refused (to = COUNT). */
extern void	(*h2_trace)(enum h2_conn_state from, enum h2_conn_event ev,
		    enum h2_conn_state to);

#endif
