/*
 * A client session: one accepted connection, from accept to close.  It owns
 * the socket, the TLS state, the input and output buffers (taken from the
 * worker's pools only while they hold bytes), one deadline, the linger
 * after a final response and the close.  What the bytes mean is the front
 * end's business (HTTP/1 today): the session hands it readiness and
 * deadlines through struct front_session_ops, of the front end chosen when
 * the session opens (after TLS, by its ALPN result).
 *
 *   TLS -> OPEN -> LINGER -> CLOSED   (TLS only on a TLS service; CLOSED
 *                                      from any state)
 *   OPEN -> CLOSED, the socket handed over to an Upgrade tunnel
 *
 * The transitions are the table at the top of client.c; client_next() is
 * its only reader.
 */
#ifndef WEIR_WORKER_CLIENT_H
#define WEIR_WORKER_CLIENT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/loop.h"
#include "common/timer.h"
#include "worker/balance.h"
#include "worker/end.h"
#include "worker/front.h"
#include "worker/h1_state.h"
#include "worker/io.h"

struct worker;
struct service_conf;
struct request;

enum client_state {
	CLIENT_TLS = 0,		/* TLS handshake with the client */
	CLIENT_OPEN,		/* the front end reads and writes */
	CLIENT_LINGER,		/* final response sent, draining input */
	CLIENT_CLOSED,
	CLIENT_STATE_COUNT
};

enum client_event {
	CLIENT_EV_HANDSHAKE = 0,	/* the TLS handshake completed */
	CLIENT_EV_LINGER,	/* the front end is done: FIN, drain input */
	CLIENT_EV_CLOSE,	/* the connection ends now */
	CLIENT_EV_HAND_OVER,	/* the session ends, its connection goes on
				   in other hands (a tunnel) */
	CLIENT_EV_COUNT
};


union client_addr {
	struct sockaddr		sa;
	struct sockaddr_in	in;
	struct sockaddr_in6	in6;
};

struct front_session_ops;
struct h2_conn;

struct client {
	struct loop_io		 io;
	struct sock		 s;
	struct worker		*w;
	struct client		*next;		/* free, closing or live list */
	struct client		*prev;		/* live list */
	enum client_state	 state;
	bool			 is_eof;	/* the client sent FIN */
	bool			 is_closing;
	bool			 is_reset;	/* close with RST, not FIN */
	const struct service_conf *svc;		/* borrowed from the config */
	union client_addr	 peer;
	struct timer		 timer;
	uint64_t		 deadline_ms;
	struct buf		 in;		/* bytes from the client */
	struct buf		 out;		/* bytes to the client */
	const struct front_session_ops *fe;	/* the protocol on top, chosen
						   when the session opens */
	front_pick_fn		 pick;		/* chooses it */
	struct h1_front		 h1;		/* the HTTP/1 front end's state */
	struct backend_pin	 pin;		/* its last request's backend */
	struct h2_conn		*h2;		/* the HTTP/2 one's (owned by
						   worker/h2_server.c) */
	enum end_reason		 end;
};

/*
 * Takes over accepted socket <fd> from <peer> for service <svc>; <pick>
 * chooses the front end that speaks to it once it is open.  When no slot
 * is free it answers 503 and closes <fd>.
 */
void	client_accept(struct worker *w, int fd, const struct sockaddr *peer,
	    socklen_t peerlen, const struct service_conf *svc,
	    front_pick_fn pick);

/* Sets up <n> session slots (touched only when used).  0 or -1. */
int	client_pool_init(struct worker *w, size_t n);
void	client_pool_free(struct worker *w);

/*
 * Arms the session's deadline <ms> from now.  A later deadline is only
 * remembered (the timer re-arms itself when it fires early), which keeps
 * the heap out of the per-read path.
 */
void	client_set_deadline(struct client *c, unsigned ms);

/*
 * Gives <c> its input (or output) buffer if it has none.  0, or -1 when
 * out of memory.
 */
int	client_take_in(struct client *c);
int	client_take_out(struct client *c);

/* Returns buffers that hold no bytes to the pool. */
void	client_drop_empty(struct client *c);

/* Counts <n> bytes read from (in) or written to (out) the client. */
void	client_count_in(struct client *c, size_t n);
void	client_count_out(struct client *c, size_t n);

/*
 * Writes what c->out holds, counting it.  1 when it is empty, 0 when the
 * socket is full, -1 when the connection failed: the front end fails it.
 */
int	client_flush(struct client *c);

/*
 * The front end is done with the connection: FIN now, then what the
 * client still sends is read and dropped for a while (closing with unread
 * input would make the kernel reset the connection and could destroy the
 * response still on its way).
 */
void	client_linger(struct client *c);

/* Closes <c> now (with RST when c->is_reset).  Released at turn's end. */
void	client_close(struct client *c);

/*
 * Ends the OPEN session <c> without closing its connection, which goes on
 * in other hands: its socket is moved to *<s>, its input buffer (bytes
 * received and not used) to <in> and its output buffer (bytes not yet
 * sent) to <out>, both blocks of the worker's head pool.  The connection
 * stays counted as open: the new holder calls worker_conn_closed() when
 * it closes it.  The front end is not told (it asked for this).  Released
 * at turn's end.
 */
void	client_hand_over(struct client *c, struct sock *s, struct buf *in,
	    struct buf *out);

/* QUIT: idle sessions close soon, busy ones finish their request. */
void	client_drain_all(struct worker *w);

/* TERM: closes everything. */
void	client_close_all(struct worker *w);

/* The state <s> goes to on <ev>, or CLIENT_STATE_COUNT when not allowed. */
enum client_state	client_next(enum client_state s, enum client_event ev);
const char	*client_state_name(enum client_state s);

/* Tests: called for every transition taken or refused (to = COUNT). */
extern void	(*client_trace)(enum client_state from, enum client_event ev,
		    enum client_state to);

#endif
