/*
 * Binary upgrade, as nginx does it.  On USR2 the master moves its pid file
 * to <pidfile>.oldbin (the lock moves with it) and execs the binary it was
 * started from, with the listening sockets left open across exec and
 * named in WEIR_INHERIT.  The new master adopts them instead of binding,
 * carries the counters over from the segment, and says it is ready the way
 * any daemon start does (its first parent exits 0).  Then the old master
 * stops gracefully, leaving the new one's pid file, segment and control
 * socket alone; if the new one fails, the old one takes its pid file back
 * and goes on serving.
 */
#include "master/upgrade.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "master/notify.h"
#include "master/pidfile.h"

#define INHERIT_ENV		"WEIR_INHERIT"
/* How long the new master may take to serve before we give up on it. */
#define UPGRADE_TIMEOUT_MS	30000

int
upgrade_inherited_listeners(struct listen_sock **out, size_t *n)
{
	struct listen_sock	*ls;
	const char		*env = getenv(INHERIT_ENV);
	char			*copy, *tok, *save, *end;
	size_t			 k = 0, cap = 1;
	long			 fd;

	*out = NULL;
	*n = 0;
	if (env == NULL || *env == '\0')
		return 0;
	for (tok = (char *)env; *tok != '\0'; tok++)
		cap += *tok == ',';
	ls = calloc(cap, sizeof(*ls));
	copy = strdup(env);
	if (ls == NULL || copy == NULL) {
		free(ls);
		free(copy);
		log_error("out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL && k < cap;
	    tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		fd = strtol(tok, &end, 10);
		if (errno != 0 || *end != '\0' || fd < 3 || fd > 65535) {
			log_warn("%s: ignoring \"%s\"", INHERIT_ENV, tok);
			continue;
		}
		ls[k].fd = (int)fd;
		ls[k].addr.len = sizeof(ls[k].addr.ss);
		if (getsockname((int)fd, (struct sockaddr *)&ls[k].addr.ss,
		    &ls[k].addr.len) == -1) {
			log_warn("%s: fd %ld: %s", INHERIT_ENV, fd,
			    strerror(errno));
			continue;
		}
		/* Ours now; not for a later exec. */
		(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		k++;
	}
	free(copy);
	unsetenv(INHERIT_ENV);
	*out = ls;
	*n = k;
	log_info("binary upgrade: took over %zu listening socket(s)", k);
	return 0;
}

/* In the forked child: leave the sockets open across exec and run it. */
static void
exec_new_master(struct master *m)
{
	char		 env[4096], *argv[6];
	size_t		 i, used = 0;
	sigset_t	 none;
	int		 argc = 0;

	env[0] = '\0';
	for (i = 0; i < m->nlisteners; i++) {
		if (fcntl(m->listeners[i].fd, F_SETFD, 0) == -1)
			continue;
		used += (size_t)snprintf(env + used, sizeof(env) - used,
		    "%s%d", used > 0 ? "," : "", m->listeners[i].fd);
		if (used >= sizeof(env))
			_exit(126);
	}
	if (setenv(INHERIT_ENV, env, 1) == -1)
		_exit(126);
	/* exec keeps the signal mask; the new master expects none. */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	argv[argc++] = m->exe_path;
	argv[argc++] = (char *)"-c";
	argv[argc++] = m->config_path;
	if (m->is_foreground)
		argv[argc++] = (char *)"-f";
	argv[argc] = NULL;
	execv(m->exe_path, argv);
	log_error("binary upgrade: exec %s: %s", m->exe_path, strerror(errno));
	_exit(127);
}

void
upgrade_start(struct master *m)
{
	const char	*pidfile = m->pidfile;
	pid_t		 pid;

	if (m->upgrade_pid != 0 || m->is_upgraded) {
		log_warn("USR2: a binary upgrade is already under way");
		return;
	}
	if (m->exe_path == NULL) {
		log_error("USR2: the path of weir's binary is unknown");
		return;
	}
	free(m->oldbin_path);
	if (asprintf(&m->oldbin_path, "%s.oldbin", pidfile) == -1) {
		m->oldbin_path = NULL;
		log_error("USR2: out of memory");
		return;
	}
	if (rename(pidfile, m->oldbin_path) == -1) {
		log_error("USR2: cannot move %s to %s: %s", pidfile,
		    m->oldbin_path, strerror(errno));
		return;
	}
	pid = fork();
	if (pid == -1) {
		log_error("USR2: fork: %s", strerror(errno));
		(void)rename(m->oldbin_path, pidfile);
		return;
	}
	if (pid == 0)
		exec_new_master(m);
	m->upgrade_pid = pid;
	m->upgrade_deadline_ms = clock_update() + UPGRADE_TIMEOUT_MS;
	log_info("binary upgrade: started %s (pid %ld); this master (pid %ld) "
	    "serves until it is ready", m->exe_path, (long)pid,
	    (long)getpid());
}

static void
upgrade_failed(struct master *m, const char *why)
{
	log_error("binary upgrade failed: %s; this master (pid %ld) goes on "
	    "serving", why, (long)getpid());
	if (rename(m->oldbin_path, m->pidfile) == -1)
		log_error("cannot move %s back to %s: %s", m->oldbin_path,
		    m->pidfile, strerror(errno));
	m->upgrade_pid = 0;
}

/* With -f the new master stays our child: it is up once its pid file is. */
static bool
new_master_serves(const struct master *m)
{
	pid_t	pid;

	return pidfile_read(m->pidfile, &pid) == 0 &&
	    pid == m->upgrade_pid;
}

bool
upgrade_check(struct master *m, pid_t pid, int status)
{
	char	why[96], state[32];
	pid_t	newpid;

	if (m->upgrade_pid == 0)
		return false;
	if (pid == m->upgrade_pid) {
		if (!m->is_foreground && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			goto ready;
		if (WIFEXITED(status))
			snprintf(why, sizeof(why), "the new master exited with "
			    "status %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "the new master was killed "
			    "by signal %d", WIFSIGNALED(status) ?
			    WTERMSIG(status) : 0);
		upgrade_failed(m, why);
		return false;
	}
	if (pid != 0)
		return false;
	if (m->is_foreground && new_master_serves(m))
		goto ready;
	if (clock_update() >= m->upgrade_deadline_ms) {
		(void)kill(m->upgrade_pid, SIGTERM);
		upgrade_failed(m, "the new master did not serve within 30 s");
	}
	return false;
ready:
	log_info("binary upgrade: the new master serves; stopping this one "
	    "(pid %ld) gracefully", (long)getpid());
	/* systemd follows the main pid it is told of, from its main pid:
	   the new master's own READY=1 came from a pid it did not know. */
	if (pidfile_read(m->pidfile, &newpid) == 0) {
		snprintf(state, sizeof(state), "MAINPID=%ld", (long)newpid);
		notify_send(state, "binary upgrade: master pid %ld serves",
		    (long)newpid);
	}
	m->is_upgraded = true;
	m->upgrade_pid = 0;
	return true;
}
