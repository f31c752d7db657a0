/*
 * A worker process: one event loop serving client connections accepted on
 * the listening sockets the master shares with every worker.  It owns its
 * connections, its idle backend connections and its timers; what all
 * workers must agree on (round-robin position, counters) is in the shm.
 * What its parts share is struct worker, in worker/context.h.
 */
#ifndef WEIR_WORKER_WORKER_H
#define WEIR_WORKER_WORKER_H

#include <stddef.h>

#include "worker/accept.h"

struct config;
struct shm;
struct tls_set;
struct worker;

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

/*
 * The parts of worker_main() on their own, for tests that drive a worker
 * in-process: sets up <w> (listeners, loop, pools) or returns -1 after
 * logging, with nothing left to free.
 */
int	worker_init(struct worker *w, const struct config *cfg,
	    struct shm *shm, const struct tls_set *tls, unsigned id,
	    const int *pokes, const struct listen_fd *fds, size_t nfds);

/* Closes every connection and frees what worker_init() set up. */
void	worker_fini(struct worker *w);

#endif
