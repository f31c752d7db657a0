/*
 * New connections: the listeners every worker waits on, the hand-over of
 * queued connections to the least loaded worker, and the pause when file
 * descriptors run out.  How and why: accept.c.
 */
#ifndef WEIR_WORKER_ACCEPT_H
#define WEIR_WORKER_ACCEPT_H

#include <stddef.h>

struct worker;
struct listener;

/* A listening socket the master bound, and the service it belongs to. */
struct listen_fd {
	int		fd;
	unsigned	service;	/* index in config->services */
};

/*
 * Registers the <nfds> listening sockets <fds> (which <w> owns from now
 * on) and <w>'s own entry of <pokes>, one eventfd per worker slot of the
 * segment, through which other workers hand connections over.  <pokes>
 * is borrowed and must outlive <w>.  0, or -1 after logging; accept_free()
 * releases what was set up either way.
 */
int	accept_init(struct worker *w, const struct listen_fd *fds, size_t nfds,
	    const int *pokes);

/* Listener <l> reported new connections. */
void	accept_ready(struct worker *w, struct listener *l);

/* Another worker handed over: <w>'s eventfd is readable. */
void	accept_told(struct worker *w);

/*
 * The next turn: goes on with listeners that had more queued than one
 * batch (a timer due at once keeps the loop from sleeping meanwhile).
 */
void	accept_continue(struct worker *w);

/*
 * Graceful stop: takes what is queued (the kernel may have told only this
 * worker about it), then leaves every listener for good and closes it.
 */
void	accept_stop(struct worker *w);

/* Closes the listening sockets still open and frees the listener array. */
void	accept_free(struct worker *w);

#endif
