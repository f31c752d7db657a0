/*
 * Which front end speaks on a client session: HTTP/2 when TLS negotiated
 * "h2" through ALPN or a plain service asks for prior-knowledge h2c,
 * HTTP/1 otherwise.  The one place that knows both front ends, so that the
 * session (worker/client.c) knows neither.
 */
#ifndef WEIR_WORKER_FRONT_PICK_H
#define WEIR_WORKER_FRONT_PICK_H

#include "worker/front.h"

/* A front_pick_fn: the front end for session <c>, just opened. */
const struct front_session_ops	*front_pick(const struct client *c);

#endif
