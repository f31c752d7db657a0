/*
 * What every part of a worker shares: its event loop, the slot arrays of
 * client sessions, requests and backend connections, the buffer pools,
 * per-worker scratch where heads are parsed and built, and its view of the
 * configuration and the segment.  Data only: worker.c sets it up and runs
 * the loop; the modules that use it (accept, client, h1_server, request,
 * proxy, upstream, balance) each own their part.
 */
#ifndef WEIR_WORKER_CONTEXT_H
#define WEIR_WORKER_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bufpool.h"
#include "common/h1_parse.h"
#include "common/loop.h"
#include "common/shm.h"
#include "common/timer.h"
#include "worker/accesslog.h"
#include "worker/front.h"
#include "worker/request_id.h"

struct config;
struct shm;
struct tls_set;
struct client;
struct request;
struct proxy;
struct bconn;
struct tunnel;
struct balance_pool;
struct service_conf;
struct backend_conf;
struct pool_conf;
struct h2_worker;

/* Body bytes buffered per direction; heads may use up to max_header_bytes. */
#define WORKER_BODY_BYTES	16384
/* Room for the fields weir adds to a head (X-Forwarded-*, Via, ...). */
#define WORKER_HEAD_EXTRA	1024

/* A listening socket the master bound. */
struct listener {
	struct loop_io			 io;
	struct worker			*w;
	int				 fd;
	const struct service_conf	*svc;	/* borrowed from the config */
	bool				 is_paused;	/* out of fds */
	bool				 has_more;	/* a batch did not empty
							   its queue */
};

/*
 * Per backend slot (indexed like the shm backends): which backend it is
 * for this worker, and this worker's idle connections to it.
 */
struct backend_rt {
	const struct backend_conf	*conf;	/* borrowed: the configured
						   backend of the slot; NULL
						   for a spare */
	struct backend_conf		*added;	/* owned: the backend a spare
						   slot held last (its address
						   stays valid until the slot
						   holds another) */
	const struct pool_conf		*pool;	/* borrowed */
	uint32_t			 slot_gen;	/* of the slot, as last
						   seen (worker/slots.c) */
	struct bconn			*idle;	/* LIFO list, most recent first */
	unsigned			 nidle;
};


/* Requests of one pool waiting for a backend under its max_conns. */
struct proxy_queue {
	struct proxy	*head;
	struct proxy	*tail;
	size_t		 len;
};

struct worker {
	const struct config	*cfg;		/* borrowed, lives as long */
	struct shm		*shm;		/* borrowed */
	const struct tls_set	*tls;		/* borrowed; NULL = no TLS */
	unsigned		 id;		/* slot in shm->workers */
	struct loop		 loop;

	/* accepting (accept.c) */
	struct listener		*listeners;	/* owned array */
	size_t			 nlisteners;
	struct timer		 resume_accept;	/* after EMFILE */
	const int		*pokes;		/* borrowed: one eventfd per
						   worker slot */
	struct loop_io		 poke_io;
	struct timer		 accept_check;	/* after handing over */
	struct timer		 accept_more;	/* a batch left some queued */

	/* client sessions (client.c) */
	struct client		*clients;	/* owned array, used lazily */
	size_t			 nclients;
	size_t			 nclients_used;	/* slots ever handed out */
	struct client		*free_clients;
	struct client		*live;		/* every open session */
	struct client		*closing;	/* released at the turn's end */
	struct loop_task	 release_task;
	size_t			 nactive;

	/* requests (request.c) */
	struct request		*requests;	/* owned array, used lazily */
	size_t			 nrequests;
	size_t			 nrequests_used;
	struct request		*free_requests;
	struct request		*ended;		/* released at the turn's end */
	struct loop_task	 request_release_task;

	/* backend connections (upstream.c) */
	struct bconn		*bconns;	/* owned array, used lazily */
	size_t			 nbconns;
	size_t			 nbconns_used;
	struct bconn		*free_bconns;
	struct bconn		*dead_bconns;	/* freed at the turn's end */
	struct loop_task	 bconn_release_task;
	struct backend_rt	*backends;	/* owned, shm->hdr->nbackends */
	size_t			 nbackends;
	uint64_t		*held;		/* this worker's row of the
						   segment's held counts */

	/* balancing and the max_conns queues (balance.c, proxy.c) */
	struct balance_pool	*pools;		/* owned, one per pool */
	size_t			 npools;
	struct proxy_queue	*queues;	/* owned, one per pool */
	size_t			 nqueued;	/* in all queues */
	struct timer		 queue_timer;

	/* buffers and scratch */
	struct bufpool		 head_pool;	/* heads, request bodies */
	struct bufpool		 body_pool;	/* response bodies */
	struct h1_msg		 req_msg;	/* a request head being read */
	struct h1_msg		 resp_msg;	/* a response head being read */
	struct resp_head	 resp;		/* a response head being built */
	char			*path_scratch;	/* owned: a normalized path */
	size_t			 path_scratch_len;

	struct h2_worker	*h2;		/* owned: what HTTP/2 connections
						   share (h2_server.c); NULL
						   until the first one */
	struct accesslog	 access;
	struct loop_task	 log_flush_task;
	struct request_ids	 request_ids;	/* X-Request-Id values */
	uint32_t		 rand_state;
	bool			 is_draining;	/* QUIT: no new connections */
	bool			 is_stopping;	/* TERM: leave now */

	/* Upgrade tunnels (tunnel.c) */
	struct tunnel		*tunnels;	/* owned array, used lazily */
	size_t			 ntunnels;
	size_t			 ntunnels_used;
	struct tunnel		*free_tunnels;
	struct tunnel		*live_tunnels;	/* every one not yet closed */
	struct tunnel		*dead_tunnels;	/* released at the turn's end */
	struct loop_task	 tunnel_release_task;
	struct timer		 tunnel_stop_timer;	/* draining: the last
							   moment for them */
};

/* A fast xorshift for random balancing; not for anything secret. */
static inline uint32_t
worker_rand(struct worker *w)
{
	uint32_t	x = w->rand_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	w->rand_state = x;
	return x;
}

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

/* This worker's count of sessions whose last request went to <b>. */
static inline uint64_t *
worker_held_pin(const struct worker *w, size_t b)
{
	return &w->held[w->nbackends + w->cfg->nservices + b];
}

/* The backend slot <b> holds for this worker (configured or added). */
static inline const struct backend_conf *
worker_backend(const struct worker *w, size_t b)
{
	return w->backends[b].conf != NULL ? w->backends[b].conf :
	    w->backends[b].added;
}

/* This worker's count of Upgrade tunnels open on service <svc>. */
static inline uint64_t *
worker_held_tunnels(const struct worker *w, size_t svc)
{
	return &w->held[2 * w->nbackends + w->cfg->nservices + svc];
}

/*
 * A client connection of service <svc> opened, or closed: the counts a
 * draining worker and weirctl see.  A session opens one; whoever has the
 * socket when it closes (the session, or a tunnel it was handed to)
 * closes it.
 */
static inline void
worker_conn_opened(struct worker *w, size_t svc)
{
	w->nactive++;
	shm_own_add(worker_held_service(w, svc), 1);
	shm_add(&w->shm->workers[w->id].active, 1);
}

static inline void
worker_conn_closed(struct worker *w, size_t svc)
{
	shm_own_sub(worker_held_service(w, svc), 1);
	shm_sub(&w->shm->workers[w->id].active, 1);
	w->nactive--;
}

/*
 * Called when sessions were released at the end of a turn: a draining
 * worker stops its loop once the last one is gone.
 */
static inline void
worker_released(struct worker *w)
{
	if (w->is_draining && w->nactive == 0)
		loop_stop(&w->loop);
}

#endif
