/*
 * Backend connections.  Each is an object registered with epoll once, for
 * the socket's whole life: it belongs to a request while one uses it and
 * waits in its backend's idle list otherwise, and handing it from one to
 * the other costs no system call.
 */
#ifndef WEIR_WORKER_UPSTREAM_H
#define WEIR_WORKER_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/timer.h"
#include "worker/worker.h"

struct addr;
struct conn;

struct bconn {
	struct ev		 ev;		/* EV_BACKEND */
	struct worker		*w;
	int			 fd;		/* -1 when the slot is free */
	struct ssl_st		*ssl;		/* owned; NULL = plain (or not
						   yet handshaken) */
	uint32_t		 backend;	/* global index */
	struct conn		*owner;		/* borrowed; NULL while idle */
	struct timer		 timer;		/* idle expiry */
	struct bconn		*next;		/* idle list or free list */
	struct bconn		*prev;
};

/*
 * Backends close idle connections on their own clock (Apache and lighttpd
 * after 5 s by default).  Expiring ours first keeps us from writing a
 * request into a socket the backend is about to close.
 */
#define UPSTREAM_IDLE_MS	4000

/* Sets up <n> connection slots for <w>.  0, or -1 when out of memory. */
int	upstream_init(struct worker *w, size_t n);
void	upstream_free(struct worker *w);

/*
 * Starts a non-blocking connect to backend <backend> for <owner>.  Returns
 * the connection with *done set when it connected at once, clear when it
 * is in progress; NULL with errno when it failed at once.
 */
struct bconn	*upstream_connect(struct worker *w, uint32_t backend,
		    struct conn *owner, int *done);

/*
 * Takes the most recently parked idle connection to <backend> and gives
 * it to <owner>; NULL when none is left.
 */
struct bconn	*upstream_take_idle(struct worker *w, uint32_t backend,
		    struct conn *owner);

/*
 * The owner is done with <bc>: parked as idle when <keep> and its backend
 * has room in the pool, otherwise closed.
 */
void		 upstream_release(struct bconn *bc, bool keep);

/* Called by the loop for an event on <bc>'s socket. */
void		 upstream_event(struct bconn *bc, uint32_t events);

/* Closes every idle connection (draining or leaving). */
void		 upstream_close_idle(struct worker *w);

#endif
