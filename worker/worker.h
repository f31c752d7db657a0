/*
 * A worker process: one epoll loop serving client connections accepted on
 * the listening sockets the master shares with every worker.  It owns its
 * connections, its idle backend connections and its timers; what all
 * workers must agree on (round-robin position, counters) is in the shm.
 */
#ifndef WEIR_WORKER_WORKER_H
#define WEIR_WORKER_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/timer.h"
#include "worker/accesslog.h"

struct config;
struct shm;
struct tls_set;
struct conn;
struct bconn;
struct balance_pool;

/* Requests of one pool waiting for a backend under its max_conns. */
struct conn_queue {
	struct conn	*head;
	struct conn	*tail;
	size_t		 len;
};

/* What an epoll cookie points at: every registered object starts with one. */
enum ev_kind {
	EV_LISTENER = 0,
	EV_CLIENT,
	EV_BACKEND,
	EV_SIGNAL,
	EV_POKE,	/* another worker hands connections over */
};

struct ev {
	enum ev_kind	kind;
};

/* A listening socket the master bound, and the service it belongs to. */
struct listen_fd {
	int		fd;
	unsigned	service;	/* index in config->services */
};

struct listener {
	struct ev			 ev;
	int				 fd;
	const struct service_conf	*svc;	/* borrowed from the config */
	bool				 is_paused;	/* out of fds */
	bool				 has_more;	/* a batch did not empty
							   its queue */
};

/* Per backend (indexed like the shm backends): this worker's idle pool. */
struct backend_rt {
	const struct backend_conf	*conf;	/* borrowed */
	const struct pool_conf		*pool;	/* borrowed */
	struct bconn			*idle;	/* LIFO list, most recent first */
	unsigned			 nidle;
};

struct worker {
	const struct config	*cfg;		/* borrowed, lives as long */
	struct shm		*shm;		/* borrowed */
	const struct tls_set	*tls;		/* borrowed; NULL = no TLS */
	unsigned		 id;		/* slot in shm->workers */
	int			 epfd;
	int			 sigfd;
	struct ev		 sig_ev;
	struct listener		*listeners;	/* owned array */
	size_t			 nlisteners;
	struct timer_heap	 timers;
	struct timer		 resume_accept;	/* after EMFILE */
	const int		*pokes;		/* borrowed: one eventfd per
						   worker slot (accept.c) */
	struct ev		 poke_ev;
	struct timer		 accept_check;	/* after handing over */
	bool			 is_accept_pending;	/* see
							   accept_continue() */

	struct conn		*conns;		/* owned array */
	size_t			 nconns;
	struct conn		*free_conns;
	struct conn		*closing;	/* released at the turn's end */
	size_t			 nactive;

	struct bconn		*bconns;	/* owned: backend connections */
	size_t			 nbconns;
	struct bconn		*free_bconns;

	struct backend_rt	*backends;	/* owned, shm->hdr->nbackends */
	size_t			 nbackends;
	uint64_t		*held;		/* this worker's row of the
						   segment's held counts */
	struct balance_pool	*pools;		/* owned, one per pool */
	size_t			 npools;
	struct conn_queue	*queues;	/* owned, one per pool */
	size_t			 nqueued;	/* in all queues */

	struct accesslog	 access;
	uint32_t		 rand_state;
	bool			 is_draining;	/* QUIT: no new connections */
	bool			 is_stopping;	/* TERM: leave now */
};

/*
 * Runs a worker until it is told to stop.  <tls> holds the TLS contexts
 * the master loaded (NULL when no service uses TLS).  <pokes> holds one
 * eventfd per worker slot of <shm> (hdr->nworkers), made by the master for
 * the generation; worker <id> waits on its own and writes the others'.
 * <fds> are the master's listening sockets (the worker keeps them open but
 * owns no other fds of the master's).  Returns the process exit status.
 */
int	worker_main(const struct config *cfg, struct shm *shm,
	    const struct tls_set *tls, unsigned id, const int *pokes,
	    const struct listen_fd *fds, size_t nfds);

/* Registers <fd> with <events>, cookie <ev>.  0 or -1 (logged). */
int	worker_watch(struct worker *w, int fd, uint32_t events, struct ev *ev);

/* A fast xorshift for random balancing; not for anything secret. */
uint32_t worker_rand(struct worker *w);

/* This worker's count of requests in flight to backend <b>, in the shm. */
static inline uint64_t *
worker_held_backend(const struct worker *w, size_t b)
{
	return &w->held[b];
}

/* This worker's count of client connections open on service <svc>. */
static inline uint64_t *
worker_held_service(const struct worker *w, size_t svc)
{
	return &w->held[w->nbackends + svc];
}

#endif
