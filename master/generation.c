/*
 * A generation's life: generation_new() builds one whole (child slots,
 * hand-over eventfds, the segment with the state carried over) before
 * anything of the one serving is touched; generation_start() forks its
 * children; generation_retire() tells an old one's workers to drain and
 * its checker to stop; generation_free() frees it once its last child is
 * gone.  Which generation is current, and reaping and respawning its
 * children, are master.c's business; reload.c decides when a new one
 * replaces the old.
 */
#include "master/generation.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "master/account.h"
#include "master/spawn.h"
#include "master/state.h"
#include "tls/tls.h"

/* A fork that failed is tried again as late as the longest respawn
   back-off: the system is out of processes or memory. */
#define FORK_RETRY_MS	10000

/* Closes <g>'s hand-over eventfds and frees their array. */
static void
close_pokes(struct generation *g)
{
	unsigned	i;

	for (i = 0; g->pokes != NULL && i < g->nworkers; i++)
		if (g->pokes[i] != -1)
			close(g->pokes[i]);
	free(g->pokes);
	g->pokes = NULL;
}

int
generation_load(const char *path, FILE *errs, struct config **cfg,
    struct tls_set **tls, struct account *a)
{
	bool	is_bad;

	*tls = NULL;
	if ((*cfg = config_load(path, errs)) == NULL)
		return -1;
	is_bad = account_resolve(*cfg, a, errs) == -1;
	if ((*tls = tls_set_load(*cfg, errs)) == NULL)
		is_bad = true;
	if (!is_bad)
		return 0;
	tls_set_free(*tls);
	*tls = NULL;
	config_free(*cfg);
	*cfg = NULL;
	return -1;
}

static bool
needs_health(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (cfg->pools[i].health.enabled)
			return true;
	return false;
}

struct generation *
generation_new(const char *shm_path, struct config *cfg,
    struct tls_set *tls, const struct listen_sock *ls, size_t nls,
    const struct shm *from)
{
	struct generation	*g;
	long			 ncpu;
	size_t			 i;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_error("out of memory");
		return NULL;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	g->nworkers = cfg->workers != 0 ? cfg->workers :
	    (unsigned)(ncpu > 0 ? ncpu : 1);
	g->nchildren = g->nworkers + (needs_health(cfg) ? 1 : 0);
	g->children = calloc(g->nchildren, sizeof(*g->children));
	g->fds = calloc(nls, sizeof(*g->fds));
	g->pokes = calloc(g->nworkers, sizeof(*g->pokes));
	/* None open yet: the failure path closes only what was opened. */
	for (i = 0; g->pokes != NULL && i < g->nworkers; i++)
		g->pokes[i] = -1;
	if (g->children == NULL || (nls > 0 && g->fds == NULL) ||
	    g->pokes == NULL) {
		log_error("out of memory");
		goto fail;
	}
	for (i = 0; i < g->nworkers; i++)
		if ((g->pokes[i] = eventfd(0, EFD_CLOEXEC |
		    EFD_NONBLOCK)) == -1) {
			log_error("eventfd: %s", strerror(errno));
			goto fail;
		}
	for (i = 0; i < g->nchildren; i++) {
		g->children[i].role = i < g->nworkers ? CHILD_WORKER :
		    CHILD_HEALTH;
		g->children[i].slot = (unsigned)i;
	}
	/* A management console is the master's own (master/manage.c). */
	for (i = 0; i < nls; i++) {
		if (cfg->services[ls[i].service].role == ROLE_MANAGEMENT)
			continue;
		g->fds[g->nfds].fd = ls[i].fd;
		g->fds[g->nfds].service = ls[i].service;
		g->nfds++;
	}
	if (shm_create(&g->shm, shm_path, cfg, g->nworkers, from) == -1)
		goto fail;
	g->shm.hdr->master_pid = getpid();
	g->number = g->shm.hdr->generation;
	g->cfg = cfg;
	g->tls = tls;
	return g;
fail:
	close_pokes(g);
	free(g->children);
	free(g->fds);
	free(g);
	return NULL;
}

const char *
generation_child_name(const struct child *ch, char *buf, size_t len)
{
	if (ch->role == CHILD_HEALTH)
		snprintf(buf, len, "health checker");
	else
		snprintf(buf, len, "worker %u", ch->slot);
	return buf;
}

void
generation_start_child(struct master *m, struct generation *g,
    struct child *ch)
{
	struct shm_worker	*sw = NULL;
	char			 name[32];
	pid_t			 pid;

	/* Before the fork: from then on the worker writes its counts. */
	if (ch->role == CHILD_WORKER) {
		sw = &g->shm.workers[ch->slot];
		shm_store(&sw->active, 0);
		shm_store(&sw->is_accepting, 0);
		shm_held_clear(&g->shm, ch->slot);
	}
	pid = spawn_child(m, g, ch);
	ch->respawn_at_ms = 0;
	if (pid == -1) {
		ch->respawn_at_ms = clock_update() + FORK_RETRY_MS;
		return;
	}
	ch->pid = pid;
	ch->started_ms = clock_update();
	if (sw != NULL) {
		shm_store(&sw->pid, (int64_t)pid);
		shm_store(&sw->started_unix, (int64_t)time(NULL));
	}
	log_debug("%s (generation %llu) started, pid %ld",
	    generation_child_name(ch, name, sizeof(name)),
	    (unsigned long long)g->number, (long)pid);
}

void
generation_start(struct master *m, struct generation *g)
{
	unsigned	i;

	for (i = 0; i < g->nchildren; i++)
		generation_start_child(m, g, &g->children[i]);
}

void
generation_signal(const struct generation *g, int sig,
    enum child_role only, bool any_role)
{
	unsigned	i;

	for (i = 0; i < g->nchildren; i++)
		if (g->children[i].pid != 0 &&
		    (any_role || g->children[i].role == only))
			(void)kill(g->children[i].pid, sig);
}

void
generation_retire(struct master *m, struct generation *g)
{
	/* Workers finish what they hold; the old checker has nothing to
	   finish and would race the new one on the shared state. */
	generation_signal(g, SIGQUIT, CHILD_WORKER, false);
	generation_signal(g, SIGTERM, CHILD_HEALTH, false);
	g->retire_deadline_ms = clock_update() +
	    m->cur->cfg->shutdown_timeout_ms;
	g->next = m->retired;
	m->retired = g;
}

void
generation_free(struct generation *g)
{
	if (g == NULL)
		return;
	close_pokes(g);
	shm_detach(&g->shm);
	free(g->fds);
	free(g->children);
	tls_set_free(g->tls);
	config_free(g->cfg);
	free(g);
}

unsigned
generation_alive(const struct generation *g)
{
	unsigned	i, n = 0;

	for (i = 0; i < g->nchildren; i++)
		n += g->children[i].pid != 0;
	return n;
}
