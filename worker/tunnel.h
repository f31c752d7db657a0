/*
 * An Upgrade tunnel (RFC 9110 7.8, WebSocket's RFC 6455 4): once a backend
 * answered 101, the client's side and the backend's carry bytes both ways,
 * unchanged, until both have ended, either fails, or nothing moves for
 * tunnel_idle_timeout_ms.  Each direction passes through one pooled
 * buffer, taken only while it holds bytes, so an idle tunnel holds none
 * and a busy one at most one per direction; a side that ends (FIN, TLS
 * close_notify) is passed on as a half-close once what it sent is out.
 *
 * The tunnel knows nothing of the protocols that made it.  The proxy
 * creates it for a 101 and hands it the backend's socket (taken from its
 * READY connection by upstream_hand_over()) with what the backend sent
 * after the 101; the front end hands it the client's side and starts it.
 * That side is a socket too (an HTTP/1 session's, taken by
 * client_hand_over(), with the bytes the session held: the 101 not yet
 * sent, the client's bytes not yet read), or an HTTP/2 stream (RFC 8441
 * extended CONNECT), an end with tunnel_end_ops of its front end's.
 *
 *   JOINING -> OPEN -> HALF -> CLOSED   (CLOSED from any state)
 *
 * The transitions are the table at the top of tunnel.c; tunnel_next() is
 * its only reader.  The access log line of the request that opened it is
 * written when it ends: status 101, the bytes it carried to the client,
 * its whole time.
 */
#ifndef WEIR_WORKER_TUNNEL_H
#define WEIR_WORKER_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/bufpool.h"
#include "common/loop.h"
#include "common/timer.h"
#include "worker/accesslog.h"
#include "worker/end.h"
#include "worker/io.h"

struct worker;
struct service_conf;
struct tunnel;
struct tunnel_end;

enum tunnel_state {
	TUNNEL_JOINING = 0,	/* made for a 101: its ends are being given */
	TUNNEL_OPEN,		/* bytes both ways */
	TUNNEL_HALF,		/* one way ended and was passed on; the other
				   still flows */
	TUNNEL_CLOSED,
	TUNNEL_STATE_COUNT
};

enum tunnel_event {
	TUNNEL_EV_START = 0,	/* both ends are in */
	TUNNEL_EV_EOF,		/* one way ended, its end passed on */
	TUNNEL_EV_CLOSE,	/* it ends now: failure, idle, shutdown, or
				   never started */
	TUNNEL_EV_COUNT
};

/*
 * What the tunnel does with one of its ends.  Each returns at once; "would
 * block" is -1 with errno EAGAIN, and the end's owner then calls
 * tunnel_end_io() when that may have changed.
 */
struct tunnel_end_ops {
	/* Bytes from the end into <b> (room there): > 0, 0 when the end
	   sent its last, -1 with errno. */
	ssize_t	(*read)(struct tunnel_end *e, struct buf *b);
	/* Up to <n> bytes to the end: > 0 taken, -1 with errno. */
	ssize_t	(*write)(struct tunnel_end *e, const char *p, size_t n);
	/* Nothing more will be written to the end (FIN, close_notify): 0,
	   or -1 with errno. */
	int	(*shut)(struct tunnel_end *e);
	/* The tunnel is over: the end is released; <is_reset>: the peer
	   must see it cut (RST, no close_notify). */
	void	(*close)(struct tunnel_end *e, bool is_reset);
};

/* One end of a tunnel, and the bytes read from it, bound for the other. */
struct tunnel_end {
	struct tunnel			*t;
	const struct tunnel_end_ops	*ops;	/* NULL until given */
	struct sock			 s;	/* a socket end's: owned */
	void				*ctx;	/* another end's: its owner's
						   (an HTTP/2 stream) */
	struct loop_io			 io;
	struct buf			 in;	/* read from this end */
	struct bufpool			*in_pool;	/* where in's block
							   goes back to */
	struct buf			 out;	/* owed to this end before
						   anything of the other's
						   (the 101): head pool */
	bool				 is_eof;	/* it sent its last */
	bool				 is_shut;	/* it was sent our last */
	bool				 counts_conn;	/* its close ends a client
							   connection's count */
	uint64_t			 bytes;	/* read from it */
};

struct tunnel {
	struct worker			*w;
	const struct service_conf	*svc;	/* borrowed from the config */
	struct tunnel			*next;	/* free, live or dead list */
	struct tunnel			*prev;	/* live list */
	enum tunnel_state		 state;
	struct tunnel_end		 client;
	struct tunnel_end		 backend;
	uint32_t			 backend_index;	/* global */
	bool				 holds_backend;	/* counted as in use */
	struct timer			 timer;	/* idle */
	uint64_t			 deadline_ms;
	enum end_reason			 end;
	bool				 has_rec;	/* rec is the request's */
	struct access_record		 rec;	/* the 101's request */
};

/* Sets up <n> tunnel slots (touched only when used).  0 or -1. */
int	tunnel_pool_init(struct worker *w, size_t n);
void	tunnel_pool_free(struct worker *w);

/*
 * A new tunnel for a 101 on service <svc>, JOINING; NULL when no slot is
 * left.  The caller gives it its ends, then it starts; or discards it.
 */
struct tunnel	*tunnel_new(struct worker *w, const struct service_conf *svc);

/*
 * The backend's side: socket <s> (moved: the tunnel owns it) of backend
 * <backend> (global index; counted as in use until the tunnel ends), and
 * <in>, what the backend sent after its 101, a block of <pool> (moved).
 */
void	tunnel_take_backend(struct tunnel *t, struct sock *s, struct buf *in,
	    struct bufpool *pool, uint32_t backend);

/*
 * The client's side, a socket: <s> (moved), <in> what the client sent
 * that was not used, <out> what is owed to it first (the 101), both
 * blocks of <pool> (moved).  The connection stays counted as open until
 * the tunnel ends.  <rec>, the request's log record, is copied: the
 * tunnel writes its line.  Then the tunnel starts.
 */
void	tunnel_start_socket(struct tunnel *t, struct sock *s, struct buf *in,
	    struct buf *out, struct bufpool *pool,
	    const struct access_record *rec);

/*
 * The client's side, an end its front end keeps (an HTTP/2 stream):
 * <ops> on <ctx>, which the front end calls tunnel_end_io() for when it
 * may read or write again, and tunnel_end_lost() when it is gone.  The
 * end's bytes are counted by its front end's connection, not here.
 * <rec> as for tunnel_start_socket().  Then the tunnel starts; the end
 * is returned (it is the tunnel's until ops->close).
 */
struct tunnel_end	*tunnel_start_end(struct tunnel *t,
			    const struct tunnel_end_ops *ops, void *ctx,
			    const struct access_record *rec);

/*
 * End <e> is gone without a word (its stream reset, its connection
 * closed): the tunnel ends, the other side cut.  e->ops->close follows.
 */
void	tunnel_end_lost(struct tunnel_end *e);

/*
 * A tunnel that will not start (the client left before it could): what
 * it was given is closed, and it is released.
 */
void	tunnel_discard(struct tunnel *t);

/* An end's readiness changed: the tunnel pumps again. */
void	tunnel_end_io(struct tunnel_end *e);

/*
 * Graceful stop: tunnels keep running, but those still open when the
 * master's shutdown_timeout_ms is nearly over are closed here, so their
 * log lines are written before the master kills the worker.
 */
void	tunnel_drain_all(struct worker *w);

/* TERM: closes every tunnel. */
void	tunnel_close_all(struct worker *w);

/* The state <s> goes to on <ev>, or TUNNEL_STATE_COUNT when not allowed. */
enum tunnel_state	tunnel_next(enum tunnel_state s, enum tunnel_event ev);
const char	*tunnel_state_name(enum tunnel_state s);

/* Tests: called for every transition taken or refused (to = COUNT). */
extern void	(*tunnel_trace)(enum tunnel_state from, enum tunnel_event ev,
		    enum tunnel_state to);

#endif
