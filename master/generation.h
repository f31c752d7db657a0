/*
 * A configuration generation: what one configuration runs with (its
 * configuration, TLS set, segment, listening set and children), and its
 * life: built whole, started, then, once a reload has a newer one
 * serving, retired (its workers drain) and freed when its last child is
 * gone.  Supervising the children (reaping, respawning) is master.c's.
 */
#ifndef WEIR_MASTER_GENERATION_H
#define WEIR_MASTER_GENERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "master/state.h"

struct account;

/*
 * Reads the configuration file <path> and what it names outside itself:
 * its TLS certificates and keys, and the account of "user" and "group"
 * into <*a>.  Returns 0 with <*cfg> and <*tls> the caller's, or -1 after
 * writing every problem found to <errs> (all checks run, so that one
 * pass reports them all); nothing is then left to free.
 */
int	generation_load(const char *path, FILE *errs, struct config **cfg,
	    struct tls_set **tls, struct account *a);

/*
 * A generation for <cfg>/<tls> serving <ls>: its segment at <shm_path>
 * (carrying state over from <from> on a reload or an upgrade), its
 * listening set and its child slots.  On success it owns <cfg> and <tls>;
 * on failure returns NULL after logging, and they stay the caller's.
 */
struct generation	*generation_new(const char *shm_path, struct config *cfg,
			    struct tls_set *tls, const struct listen_sock *ls,
			    size_t nls, const struct shm *from);

/* Forks every child of <g>, which <m> holds as current. */
void	generation_start(struct master *m, struct generation *g);

/*
 * Forks <ch> of <g> again.  When the fork fails, <ch> is due for another
 * try later (its respawn_at_ms is set).
 */
void	generation_start_child(struct master *m, struct generation *g,
	    struct child *ch);

/*
 * Asks the children of <g> (no longer current: <m>'s current one is the
 * one that replaces it) to finish: workers drain and stop, the health
 * checker stops; after the current generation's shutdown_timeout_ms the
 * rest are killed.  <g> joins <m>'s retired list.
 */
void	generation_retire(struct master *m, struct generation *g);

/* Frees <g> and what it owns (its children must be gone).  NULL is fine. */
void	generation_free(struct generation *g);

/*
 * Sends <sig> to the running children of <g>: every one when <any_role>,
 * else those in role <only>.
 */
void	generation_signal(const struct generation *g, int sig,
	    enum child_role only, bool any_role);

/* How many children of <g> are running. */
unsigned	generation_alive(const struct generation *g);

/* "worker 3", "health checker": <ch> in log lines, written in <buf>. */
const char	*generation_child_name(const struct child *ch, char *buf,
		    size_t len);

#endif
