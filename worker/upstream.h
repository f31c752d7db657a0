/*
 * Backend connections, each its own small state machine:
 *
 *   CONNECT -> TLS -> VERIFY -> READY <-> IDLE
 *
 * (TLS only for a pool with "tls", VERIFY only for a new connection of a
 * pool with "verify"), and CLOSED from any state; from READY also by
 * handing the socket over (to an Upgrade tunnel), which does not close it.  A connection belongs to
 * whoever uses it, through a callback table and an opaque pointer, never
 * through a type of the user's: it tells its owner once it is READY or
 * that it failed before anything of the owner's was sent, and passes on
 * readiness while READY.  Released with "keep", it waits in its backend's
 * idle list (LIFO, the warmest first) until taken again, closed by the
 * backend, or expired.  The transitions are the table at the top of
 * upstream.c; upstream_next() is its only reader.
 */
#ifndef WEIR_WORKER_UPSTREAM_H
#define WEIR_WORKER_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/h1_body.h"
#include "common/loop.h"
#include "common/timer.h"
#include "worker/io.h"

struct worker;

enum bconn_state {
	BCONN_CONNECT = 0,	/* non-blocking connect in progress */
	BCONN_TLS,		/* TLS handshake with the backend */
	BCONN_VERIFY,		/* OPTIONS * sent, waiting for a 2xx */
	BCONN_READY,		/* the owner's to use */
	BCONN_IDLE,		/* parked for reuse */
	BCONN_CLOSED,
	BCONN_STATE_COUNT
};

enum bconn_event {
	BCONN_EV_START_TLS = 0,	/* connected; the pool speaks TLS */
	BCONN_EV_START_VERIFY,	/* connected (and TLS done); the pool verifies */
	BCONN_EV_READY,		/* connected, handshaken, verified as needed */
	BCONN_EV_RELEASE,	/* the owner is done, the connection kept */
	BCONN_EV_TAKE,		/* a new owner took it from the idle list */
	BCONN_EV_FAIL,		/* failed before READY, or dropped while idle */
	BCONN_EV_CLOSE,		/* the owner is done and it is not kept */
	BCONN_EV_HAND_OVER,	/* the owner took the socket itself */
	BCONN_EV_COUNT
};
/* What a backend connection tells its owner. */
struct bconn_ops {
	/* It is READY: the request may go. */
	void	(*on_ready)(void *owner);
	/*
	 * It failed before READY (refused, timed out, TLS, verify): nothing
	 * of the owner's was sent.  <why> is for the passive health check;
	 * the log line is written.  The connection is gone.
	 */
	void	(*on_fail)(void *owner, const char *why);
	/* READY and its socket's readiness changed (see bc->s). */
	void	(*on_io)(void *owner);
};

struct bconn {
	struct loop_io		 io;
	struct sock		 s;
	struct worker		*w;
	enum bconn_state	 state;
	uint32_t		 backend;	/* global index */
	uint32_t		 slot_gen;	/* the slot's, at connect: the
						   same backend while equal */
	bool			 is_reused;	/* taken from the idle list */
	const struct bconn_ops	*ops;		/* NULL while idle */
	void			*owner;
	struct timer		 timer;		/* connect, TLS, verify, idle */
	struct bconn		*next;		/* idle list or free list */
	struct bconn		*prev;
	/* VERIFY: the answer to OPTIONS *, read and dropped */
	struct buf		 vin;		/* pooled, only while verifying */
	struct h1_resume	 vresume;
	struct h1_body		 vbody;
	bool			 has_vhead;
	bool			 has_vsent;
	struct loop_task	 ready_task;	/* reports READY out of line */
};

/*
 * Backends close idle connections on their own clock (Apache and lighttpd
 * after 5 s by default).  Expiring ours first keeps us from writing a
 * request into a socket the backend is about to close.
 */
#define UPSTREAM_IDLE_MS	4000

/* Sets up room for <n> connections of <w>.  0, or -1 when out of memory. */
int	upstream_init(struct worker *w, size_t n);
void	upstream_free(struct worker *w);

/*
 * The most recently parked idle connection to <backend>, now READY and
 * <owner>'s; NULL when none is left.  Connections parked for a backend
 * the slot held before (slot_gen) are closed on the way.
 */
struct bconn	*upstream_take_idle(struct worker *w, uint32_t backend,
		    const struct bconn_ops *ops, void *owner);

/*
 * Starts a new connection to <backend> for <owner>, who hears of it
 * through <ops> (never from inside this call).  NULL with errno when it
 * failed at once; the caller logs that.
 */
struct bconn	*upstream_connect(struct worker *w, uint32_t backend,
		    const struct bconn_ops *ops, void *owner);

/*
 * The owner is done with <bc>: parked as idle when <keep> (and its backend
 * has room in the pool), otherwise closed.  <bc> is no longer the
 * owner's either way.
 */
void	upstream_release(struct bconn *bc, bool keep);

/*
 * The owner takes <bc>'s socket (a 101 made it a tunnel's): it is moved to
 * *<s>, still open, off the loop, with its TLS state and readiness, and
 * <bc> is gone.  Only while READY.
 */
void	upstream_hand_over(struct bconn *bc, struct sock *s);

/* Closes every idle connection (draining or leaving). */
void	upstream_close_idle(struct worker *w);

/*
 * The state a connection in <s> goes to on <ev>, or BCONN_STATE_COUNT when
 * the table does not allow it (the connection is then closed and the
 * error logged).
 */
enum bconn_state	upstream_next(enum bconn_state s, enum bconn_event ev);

const char	*upstream_state_name(enum bconn_state s);
const char	*upstream_event_name(enum bconn_event ev);

/* Tests: called for every transition taken or refused (to = COUNT). */
extern void	(*upstream_trace)(enum bconn_state from, enum bconn_event ev,
		    enum bconn_state to);

#endif
