/*
 * Children are forked, never exec'ed: they inherit the parsed
 * configuration, the listening sockets and the shm mapping, which is what
 * makes a worker start in microseconds and share the sockets by design.
 */
#include "master/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "health/health.h"
#include "master/manage.h"
#include "master/state.h"
#include "worker/worker.h"

static int
drop_privileges(const struct master *m)
{
	if (!m->drop_privileges)
		return 0;
	if (setgroups(1, &m->gid) == -1 || setgid(m->gid) == -1 ||
	    setuid(m->uid) == -1) {
		log_error("cannot drop privileges to uid %ld: %s",
		    (long)m->uid, strerror(errno));
		return -1;
	}
	/* Paranoia: a setuid that silently kept root must not serve. */
	if (m->uid != 0 && setuid(0) != -1) {
		log_error("privileges could be regained after dropping them");
		return -1;
	}
	return 0;
}

/* A daemon's child must not keep the terminal (or the init script's pipe)
   that started the master open. */
static void
detach_stderr(void)
{
	int	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd != -1) {
		(void)dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

static void
reset_signals(void)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP,
	    SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM };
	struct sigaction	sa;
	sigset_t		none;
	size_t			i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		(void)sigaction(signals[i], &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The hand-over eventfds of generations other than <keep> (all of them
   when NULL) are not this child's business. */
static void
close_pokes(const struct master *m, const struct generation *keep)
{
	const struct generation	*g;
	unsigned		 i;

	for (g = m->cur; g != NULL; g = g == m->cur ? m->retired : g->next)
		if (g != keep)
			for (i = 0; i < g->nworkers; i++)
				close(g->pokes[i]);
}

/*
 * The listening sockets a worker of <g> does not serve: a management
 * console's (the master's own) and, after a reload, the new set's.
 */
static void
close_foreign_listeners(const struct master *m, const struct generation *g)
{
	size_t	i, j;

	for (i = 0; i < m->nlisteners; i++) {
		for (j = 0; j < g->nfds; j++)
			if (g->fds[j].fd == m->listeners[i].fd)
				break;
		if (j == g->nfds)
			close(m->listeners[i].fd);
	}
}

pid_t
spawn_child(struct master *m, struct generation *g, const struct child *ch)
{
	char			 name[32];
	pid_t			 pid;
	size_t			 i;
	int			 rv;

	pid = fork();
	if (pid == -1) {
		log_error("fork %s: %s", ch->role == CHILD_HEALTH ?
		    "health checker" : "worker", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;

	if (ch->role == CHILD_HEALTH)
		snprintf(name, sizeof(name), "health");
	else
		snprintf(name, sizeof(name), "worker %u", ch->slot);
	log_set_component(name);
	/* A child outliving a killed master would hold the ports. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (ch->role == CHILD_HEALTH)
		snprintf(name, sizeof(name), "weir-health");
	else
		snprintf(name, sizeof(name), "weir-worker%u", ch->slot);
	(void)prctl(PR_SET_NAME, name);
	log_copy_to_stderr(false);
	if (!m->is_foreground)
		detach_stderr();
	if (m->pidfile_fd != -1)
		close(m->pidfile_fd);
	if (m->ready_fd != -1)
		close(m->ready_fd);
	if (m->control_fd != -1)
		close(m->control_fd);
	/* A console session must end when the master closes it. */
	if (m->manage != NULL)
		manage_close_in_child(m->manage);
	if (ch->role == CHILD_HEALTH) {
		/* The checker needs none of the listening sockets. */
		for (i = 0; i < m->nlisteners; i++)
			close(m->listeners[i].fd);
		close_pokes(m, NULL);
		if (drop_privileges(m) == -1)
			_exit(2);
		reset_signals();
		rv = health_main(g->cfg, &g->shm);
		log_flush_repeats();
		_exit(rv);
	}
	close_pokes(m, g);
	close_foreign_listeners(m, g);
	if (drop_privileges(m) == -1)
		_exit(2);
	reset_signals();
	rv = worker_main(g->cfg, &g->shm, g->tls, ch->slot, g->pokes, g->fds,
	    g->nfds);
	log_flush_repeats();
	_exit(rv);
}

/*
 * Log files are created here, as root, and handed to the user the
 * children run as, so that they can reopen them after logrotate.  The
 * directory may be that user's to write: what is at the path is opened
 * without following a link, and only a regular file with one name, ours
 * or already the user's, is handed over; anything else would give the
 * user a file of root's choosing.
 */
void
spawn_prepare_log_file(const struct master *m, const char *path)
{
	struct stat	st;
	int		fd;

	if (path == NULL || strcmp(path, LOG_DEST_SYSLOG) == 0)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_warn("log file %s: %s", path, log_file_error(errno));
		return;
	}
	if (fstat(fd, &st) == -1)
		log_warn("log file %s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != geteuid() && st.st_uid != m->uid))
		log_warn("log file %s: not a regular file of root's or the "
		    "workers' user with a single name; not handing it to "
		    "the workers' user", path);
	else if (m->drop_privileges && fchown(fd, m->uid, m->gid) == -1)
		log_warn("chown %s: %s", path, strerror(errno));
	close(fd);
}
