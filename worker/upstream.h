/*
 * Backend connections: non-blocking connect, the per-worker pool of idle
 * keep-alive connections, and the checks that make reusing one safe.
 */
#ifndef WEIR_WORKER_UPSTREAM_H
#define WEIR_WORKER_UPSTREAM_H

#include <stdint.h>

#include "common/timer.h"
#include "worker/worker.h"

struct addr;

/* An idle keep-alive connection parked in its backend's list. */
struct idle_conn {
	struct ev		 ev;
	struct worker		*w;
	int			 fd;
	uint32_t		 backend;
	struct timer		 timer;		/* idle expiry */
	struct idle_conn	*next;
	struct idle_conn	*prev;
};

/*
 * Backends close idle connections on their own clock (Apache and lighttpd
 * after 5 s by default).  Expiring ours first keeps us from writing a
 * request into a socket the backend is about to close.
 */
#define UPSTREAM_IDLE_MS	4000

/*
 * Starts a non-blocking connect to <a>.  Returns the socket with *done set
 * when it connected at once, the socket with *done clear when it is in
 * progress, or -1 with errno when it failed at once.
 */
int	upstream_connect(const struct addr *a, int *done);

/*
 * Takes the most recently parked idle connection to <backend> that is still
 * open (one the backend closed is discarded on the way).  Returns its fd,
 * which the caller now owns, or -1 when none is left.
 */
int	upstream_take_idle(struct worker *w, uint32_t backend);

/*
 * Parks <fd> (the caller gives up ownership) as idle for <backend>, or
 * closes it when that backend already has its pool's max_idle.
 */
void	upstream_put_idle(struct worker *w, uint32_t backend, int fd);

/* Called by the loop when an idle connection's fd has an event. */
void	upstream_idle_event(struct idle_conn *ic);

/* Closes every idle connection (worker exit). */
void	upstream_close_all(struct worker *w);

#endif
