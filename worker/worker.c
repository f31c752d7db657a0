/*
 * worker_main(): sets up the worker's parts around one event loop and runs
 * it.  Signals arrive through the loop as callbacks: TERM leaves at once,
 * QUIT stops accepting and leaves when the last connection is done, USR1
 * reopens the logs.
 */
#include "worker/worker.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "worker/accept.h"
#include "worker/balance.h"
#include "worker/client.h"
#include "worker/context.h"
#include "worker/h2_server.h"
#include "worker/proxy.h"
#include "worker/request.h"
#include "worker/static.h"
#include "worker/tunnel.h"
#include "worker/upstream.h"

/* Blocks kept for reuse per pool: what a busy worker cycles through. */
#define POOL_KEEP	256

static void
start_draining(struct worker *w)
{
	if (w->is_draining)
		return;
	log_info("graceful stop: %zu connection(s) to finish",
	    w->nactive);
	w->is_draining = true;
	accept_stop(w);
	upstream_close_idle(w);
	client_drain_all(w);
	tunnel_drain_all(w);
	worker_released(w);
}

static void
on_signal(struct loop *l, int signo, void *arg)
{
	struct worker	*w = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		w->is_stopping = true;
		loop_stop(l);
		break;
	case SIGQUIT:
		start_draining(w);
		break;
	case SIGUSR1:
		(void)log_reopen();
		accesslog_reopen(&w->access);
		break;
	default:
		break;
	}
}

/* The largest head any service accepts, and room for what weir adds. */
static size_t
head_bytes(const struct config *cfg)
{
	size_t	head = WORKER_BODY_BYTES, i;

	for (i = 0; i < cfg->nservices; i++)
		if (cfg->services[i].max_header_bytes + WORKER_HEAD_EXTRA >
		    head)
			head = cfg->services[i].max_header_bytes +
			    WORKER_HEAD_EXTRA;
	return head;
}

static int
setup(struct worker *w, const int *pokes, const struct listen_fd *fds,
    size_t nfds)
{
	const struct config	*cfg = w->cfg;
	size_t			 i, j, k, nconn = cfg->max_connections;

	/* A session, its request and a backend connection (two: one in
	   use and one idle) each may have a timer. */
	if (loop_init(&w->loop, 4 * nconn + 64) == -1 ||
	    loop_watch_signals(&w->loop, on_signal, w) == -1)
		return -1;
	w->path_scratch_len = head_bytes(cfg);
	w->path_scratch = malloc(w->path_scratch_len);
	if (w->path_scratch == NULL ||
	    bufpool_init(&w->head_pool, head_bytes(cfg), POOL_KEEP) == -1 ||
	    bufpool_init(&w->body_pool, WORKER_BODY_BYTES, POOL_KEEP) == -1 ||
	    client_pool_init(w, nconn) == -1 ||
	    tunnel_pool_init(w, nconn) == -1 ||
	    request_pool_init(w, nconn) == -1 ||
	    proxy_init(w) == -1)
		goto nomem;
	w->nbackends = w->shm->layout.nbackends;
	w->held = shm_held_row(w->shm, w->id);
	w->backends = calloc(w->nbackends > 0 ? w->nbackends : 1,
	    sizeof(*w->backends));
	/* One in use per connection at most, and as many parked idle. */
	if (w->backends == NULL || upstream_init(w, 2 * nconn) == -1)
		goto nomem;
	/* Configured backends, then the pool's spare slots. */
	for (i = 0, k = 0; i < cfg->npools; i++)
		for (j = 0; j < shm_pool_slots(&cfg->pools[i]) &&
		    k < w->nbackends; j++, k++) {
			if (j < cfg->pools[i].nbackends)
				w->backends[k].conf =
				    &cfg->pools[i].backends[j];
			w->backends[k].pool = &cfg->pools[i];
		}
	/* Last: it follows the slots into w->backends. */
	if (balance_init(w) == -1)
		goto nomem;
	if (accept_init(w, fds, nfds, pokes) == -1)
		return -1;
	w->rand_state = (uint32_t)getpid() ^ (uint32_t)time(NULL) ^
	    0x9e3779b9u;
	if (w->rand_state == 0)
		w->rand_state = 1;
	return 0;
nomem:
	log_error("out of memory for %u connections; lower max_connections",
	    cfg->max_connections);
	return -1;
}

static void
teardown(struct worker *w)
{
	size_t	i;

	if (w->clients != NULL)
		client_close_all(w);
	if (w->tunnels != NULL)
		tunnel_close_all(w);
	if (w->bconns != NULL) {
		upstream_close_idle(w);
		upstream_free(w);
	}
	accesslog_close(&w->access);
	accept_free(w);
	request_pool_free(w);
	client_pool_free(w);
	tunnel_pool_free(w);
	h2_worker_free(w);
	proxy_free(w);
	static_flush_cache();
	balance_free(w);
	for (i = 0; w->backends != NULL && i < w->nbackends; i++)
		if (w->backends[i].added != NULL) {
			free(w->backends[i].added->address);
			free(w->backends[i].added);
		}
	free(w->backends);
	free(w->path_scratch);
	bufpool_free(&w->head_pool);
	bufpool_free(&w->body_pool);
	loop_free(&w->loop);
}

int
worker_init(struct worker *w, const struct config *cfg, struct shm *shm,
    const struct tls_set *tls, unsigned id, const int *pokes,
    const struct listen_fd *fds, size_t nfds)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->shm = shm;
	w->tls = tls;
	w->id = id;
	w->loop.epfd = -1;
	w->access.fd = -1;
	clock_update();
	request_id_init(&w->request_ids);
	if (setup(w, pokes, fds, nfds) == -1 ||
	    accesslog_open(&w->access, cfg->access_log,
	    &cfg->access_log_format) == -1) {
		teardown(w);
		return -1;
	}
	return 0;
}

void
worker_fini(struct worker *w)
{
	teardown(w);
}

int
worker_main(const struct config *cfg, struct shm *shm,
    const struct tls_set *tls, unsigned id, const int *pokes,
    const struct listen_fd *fds, size_t nfds)
{
	struct worker	*w;
	int		 rv = 0;

	/* On the heap: the scratch heads make it too big for a stack. */
	if ((w = malloc(sizeof(*w))) == NULL) {
		log_error("out of memory");
		return 1;
	}
	if (worker_init(w, cfg, shm, tls, id, pokes, fds, nfds) == -1) {
		free(w);
		return 1;
	}
	log_debug("serving %zu listener(s), %u connection slots", nfds,
	    cfg->max_connections);
	if (loop_run(&w->loop) == -1)
		rv = 1;
	if (w->is_draining && w->nactive == 0)
		log_info("graceful stop: done");
	teardown(w);
	free(w);
	return rv;
}
