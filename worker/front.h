/*
 * The seam between a client session's protocol (a front end: HTTP/1 or
 * HTTP/2) and the request it carries.  A front end parses requests
 * off its connection and starts a struct request for each; the request
 * (routing, a web_server reply, weir's own answers, the proxy exchange)
 * answers only through the front end's operations below and never touches
 * the client socket.  The response head travels as a list of fields with
 * its framing, not as HTTP/1 text, so a second front end can encode it its
 * own way (worker/resp.h).
 */
#ifndef WEIR_WORKER_FRONT_H
#define WEIR_WORKER_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "worker/resp.h"

struct client;
struct request;
struct tunnel;

/*
 * What a request calls on the front end that carries it.  Every call may
 * find the client gone: it then returns -1 and the front end has already
 * arranged for request_client_gone() to end the request.
 */
struct front_ops {
	const char	*name;		/* for the log: "HTTP/1.1" ... */

	/*
	 * An interim (1xx) head, or the final one.  Returns FRONT_BARE when
	 * the front end wants a CHUNKED body handed over as bare payload
	 * rather than as canonical chunks, 0 otherwise, -1 when the head
	 * does not fit (nothing was sent: the caller answers 502 or 500) or
	 * the client is gone.
	 */
	int	(*send_head)(struct request *r, struct resp_head *h);

	/*
	 * Body bytes, in the framing the head announced (bare after
	 * FRONT_BARE): > 0 bytes taken, 0 when the client cannot take more
	 * now (request_client_io() follows), -1 when it is gone.
	 */
	ssize_t	(*send_body)(struct request *r, const char *p, size_t n);

	/* Up to <n> bytes of file <fd> from *<off>; as send_body. */
	ssize_t	(*send_file)(struct request *r, int fd, off_t *off, size_t n);

	/* The response is complete and every byte of it handed over. */
	void	(*finish)(struct request *r);

	/* The response cannot be completed: the client must see it cut. */
	void	(*abort)(struct request *r);

	/*
	 * The request body, as it arrives, framed for a backend (canonical
	 * chunks for a chunked body).  Returns how many bytes are ready at
	 * *<p> (0: none now, request_client_readable() follows), with
	 * *<is_last> when they end the body; or -1 when the body is bad:
	 * r->status_hint says 400 or 413.  May read from the client.
	 */
	ssize_t	(*body_peek)(struct request *r, const char **p, bool *is_last);

	/* The request took <n> of the bytes body_peek() offered. */
	void	(*body_consume)(struct request *r, size_t n);

	/*
	 * True while the request waits on the client for body bytes (every
	 * byte buffered is body and there is room for more), not while the
	 * backend is slow to take them.  *<buffered>: body bytes held.
	 */
	bool	(*body_waits_on_client)(const struct request *r,
		    uint64_t *buffered);

	/*
	 * The head sent was a 101: the connection (or the stream) now
	 * belongs to tunnel <t>, which already holds the backend's side.
	 * The front end gives it the client's side and starts it, out of
	 * line, and ends the request there with request_end_upgraded().  0,
	 * or -1 when the client is gone (the caller discards <t>).
	 */
	int	(*upgrade)(struct request *r, struct tunnel *t);
};

/* send_head(): the body goes out bare, not as canonical chunks. */
#define FRONT_BARE	1

/*
 * What a client session calls on the front end it carries; the session
 * knows nothing of the protocol.
 */
struct front_session_ops {
	/* The connection is ready (accepted, TLS done): start reading. */
	void	(*on_open)(struct client *c);
	/* Readiness changed (see c->s) while the session is OPEN. */
	void	(*on_io)(struct client *c);
	/* The session's deadline passed while it is OPEN. */
	void	(*on_timeout)(struct client *c);
	/* The worker stops: idle connections go, busy ones finish. */
	void	(*on_drain)(struct client *c);
	/* The session is closing: end whatever request it carries. */
	void	(*on_close)(struct client *c);
};

/*
 * Chooses the front end of session <c> once it is open (accepted, and TLS
 * done with its ALPN result): the session itself knows no protocol.
 */
typedef const struct front_session_ops *(*front_pick_fn)(
		    const struct client *c);

#endif
