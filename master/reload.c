/*
 * HUP.  A new generation is built whole (configuration, TLS contexts,
 * listening set, segment with the state carried over) before anything of
 * the old one is touched; any failure leaves the old one serving as it
 * was.  Then the new children start on the listeners that stay (the same
 * sockets, never closed and reopened, so no connection is refused) and
 * the old workers stop accepting and finish what they hold.
 */
#include "master/reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "master/account.h"
#include "master/control.h"
#include "master/fdlimit.h"
#include "master/generation.h"
#include "master/manage.h"
#include "master/notify.h"
#include "master/runtime.h"
#include "master/spawn.h"
#include "tls/tls.h"

/*
 * Logs each line of <text>, unless <is_logged> (already logged where it
 * happened), and keeps the first ones for weirctl and systemd.
 */
static void
report_failure(struct master *m, const char *text, bool is_logged)
{
	struct shm_header	*h = m->cur->shm.hdr;
	const char		*p = text, *nl;
	size_t			 used = 0, n;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && !is_logged)
			log_error("reload: %.*s", (int)n, p);
		if (used + n + 1 < sizeof(h->reload_error)) {
			memcpy(h->reload_error + used, p, n);
			used += n;
			h->reload_error[used++] = '\n';
		}
		p += n + (nl != NULL);
	}
	h->reload_error[used > 0 ? used - 1 : 0] = '\0';
	log_error("reload failed: still serving generation %llu (%s)",
	    (unsigned long long)m->cur->number, m->config_path);
	notify_send("READY=1", "reload failed, generation %llu serving on: %s",
	    (unsigned long long)m->cur->number, h->reload_error);
	h->reload_ok = 0;
	h->reload_at_unix = (int64_t)time(NULL);
	/* weirctl waits for this to move: a time in seconds would not
	   tell two failures in the same second apart. */
	__atomic_add_fetch(&h->reload_failures, 1, __ATOMIC_RELEASE);
}

/*
 * Settings a running master cannot change: warn, and keep the ones it
 * runs with.  Compared with what is in effect, not with the previous
 * file: the account by the ids it names, so that spelling out the user's
 * own group says nothing, and a change reverted by a later reload says
 * nothing either.
 */
static void
warn_fixed(const struct master *m, const struct config *new,
    const struct account *a)
{
	const char	*changed[4];
	size_t		 n = 0, i;

	if ((a->has_user && geteuid() == 0) != m->drop_privileges ||
	    (m->drop_privileges && a->uid != m->uid))
		changed[n++] = "user";
	if (m->drop_privileges && a->has_user && a->gid != m->gid)
		changed[n++] = "group";
	if (strcmp(new->state_dir, m->state_dir) != 0)
		changed[n++] = "state_dir";
	if (strcmp(new->pidfile, m->pidfile) != 0)
		changed[n++] = "pidfile";
	for (i = 0; i < n; i++)
		log_warn("reload: \"%s\" changed; it takes effect at the next "
		    "restart", changed[i]);
}

/*
 * control_group may change on a reload: the socket stays, its group and
 * mode follow.  <a> holds the group the new file names, looked up.
 */
static void
apply_control_group(struct master *m, const struct config *new,
    const struct account *a)
{
	struct control_access	acc = {
		.has_group = a->has_control_group,
		.gid = a->control_gid,
	};

	if (acc.has_group == m->control_access.has_group &&
	    (!acc.has_group || acc.gid == m->control_access.gid))
		return;
	/* The socket stays where it was made: state_dir is fixed. */
	if (m->control_fd != -1 &&
	    control_set_access(m->state_dir, &acc) == -1)
		return;
	m->control_access = acc;
	if (acc.has_group)
		log_info("reload: control socket open to group %s",
		    new->control_group);
	else
		log_info("reload: control socket for root alone");
}

int
reload_run(struct master *m)
{
	struct generation	*g, *old = m->cur;
	struct listen_sock	*ls;
	struct config		*cfg;
	struct tls_set		*tls = NULL;
	struct account		 acct;
	char			*errtext = NULL, cause[sizeof(old->shm.hdr->
				    reload_error)];
	size_t			 errlen = 0, nls;
	FILE			*errs;
	int			 rv;

	log_info("reload: reading %s", m->config_path);
	notify_send("RELOADING=1", "reloading %s", m->config_path);
	if ((errs = open_memstream(&errtext, &errlen)) == NULL) {
		report_failure(m, "out of memory", false);
		return -1;
	}
	rv = generation_load(m->config_path, errs, &cfg, &tls, &acct);
	fclose(errs);
	if (rv == -1) {
		report_failure(m, errtext != NULL ? errtext : "", false);
		free(errtext);
		return -1;
	}
	free(errtext);
	warn_fixed(m, cfg, &acct);
	/* A valid file that cannot be put in place: what the functions
	   below log as errors is the cause weirctl and systemd show. */
	log_capture(cause, sizeof(cause));
	if (listen_rebind(cfg, m->listeners, m->nlisteners, &ls, &nls) == -1)
		goto fail;
	g = generation_new(m->shm_path, cfg, tls, ls, nls, &old->shm);
	if (g == NULL) {
		listen_close_unused(ls, nls, m->listeners, m->nlisteners);
		goto fail;
	}
	log_capture(NULL, 0);

	/* Committed: from here on the new generation serves. */
	tls_set_adopt_keys(tls, old->tls);
	(void)runtime_dropped(&old->shm, cfg, "reload",
	    g->shm.hdr->reload_note, sizeof(g->shm.hdr->reload_note));
	if (m->manage != NULL)
		manage_configure(m->manage, cfg, &g->shm, old);
	g->shm.hdr->reload_at_unix = (int64_t)time(NULL);
	/* Last: weirctl may map the new segment before these are written,
	   and waits for this flag to read the note. */
	__atomic_store_n(&g->shm.hdr->reload_ok, 1, __ATOMIC_RELEASE);
	apply_control_group(m, cfg, &acct);
	listen_close_unused(m->listeners, m->nlisteners, ls, nls);
	m->listeners = ls;
	m->nlisteners = nls;
	if (strcmp(old->cfg->error_log != NULL ? old->cfg->error_log : "",
	    cfg->error_log != NULL ? cfg->error_log : "") != 0 &&
	    log_open(cfg->error_log, cfg->log_level, NULL) == -1)
		log_warn("reload: keeping the old error_log");
	log_threshold = cfg->log_level;
	spawn_prepare_log_file(m, cfg->error_log);
	spawn_prepare_log_file(m, cfg->access_log);
	(void)fdlimit_raise(cfg, nls, g->nworkers);
	m->cur = g;
	generation_start(m, g);
	generation_retire(m, old);
	log_info("reload: generation %llu serving (%u worker(s), %zu "
	    "listener(s)); generation %llu draining",
	    (unsigned long long)g->number, g->nworkers, nls,
	    (unsigned long long)old->number);
	notify_send("READY=1", "generation %llu serving %s",
	    (unsigned long long)g->number, m->config_path);
	return 0;
fail:
	log_capture(NULL, 0);
	if (cause[0] != '\0')
		report_failure(m, cause, true);
	else
		report_failure(m, "the new configuration is valid but could not "
		    "be put in place", false);
	tls_set_free(tls);
	config_free(cfg);
	return -1;
}
