/*
 * Supervision.  Signal handlers only set flags; the master sleeps in
 * sigsuspend() with every signal blocked otherwise, so a signal is acted on
 * exactly once, between two steps, never inside one.  A child that dies is
 * forked again at once, or after a back-off that doubles while it keeps
 * dying soon after start.
 */
#include "master/master.h"

#include "weir_build.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "master/control.h"
#include "master/pidfile.h"
#include "master/spawn.h"

/* A child that dies sooner than this after start counts as a quick death. */
#define QUICK_DEATH_MS		2000
#define BACKOFF_FIRST_MS	100
#define BACKOFF_MAX_MS		10000
/* How long TERM waits for children before SIGKILL. */
#define FAST_STOP_MS		3000

static volatile sig_atomic_t	got_chld, got_term, got_quit, got_hup,
				got_usr1, got_alrm;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:	got_chld = 1; break;
	case SIGTERM:
	case SIGINT:	got_term = 1; break;
	case SIGQUIT:	got_quit = 1; break;
	case SIGHUP:	got_hup = 1; break;
	case SIGUSR1:	got_usr1 = 1; break;
	case SIGALRM:	got_alrm = 1; break;
	}
}

static int
install_handlers(void)
{
	static const int signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT,
	    SIGHUP, SIGUSR1, SIGALRM };
	struct sigaction	sa;
	sigset_t		all;
	size_t			i;

	sigemptyset(&all);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaddset(&all, signals[i]);
	if (sigprocmask(SIG_BLOCK, &all, NULL) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_mask = all;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) == -1)
			return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* mkdir for state_dir and the pid file's directory, owned by the user. */
static int
make_dir(const struct master *m, const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_error("cannot create directory %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (m->drop_privileges && chown(path, m->uid, m->gid) == -1)
		log_warn("chown %s: %s", path, strerror(errno));
	return 0;
}

/*
 * Log files are created here, as root, and handed to the user the
 * children run as, so that they can reopen them after logrotate.
 */
static void
prepare_log_file(const struct master *m, const char *path)
{
	int	fd;

	if (path == NULL || strcmp(path, LOG_DEST_SYSLOG) == 0)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		log_warn("log file %s: %s", path, strerror(errno));
		return;
	}
	if (m->drop_privileges && fchown(fd, m->uid, m->gid) == -1)
		log_warn("chown %s: %s", path, strerror(errno));
	close(fd);
}

static const char *
child_name(const struct child *ch, char *buf, size_t len)
{
	if (ch->role == CHILD_HEALTH)
		snprintf(buf, len, "health checker");
	else
		snprintf(buf, len, "worker %u", ch->slot);
	return buf;
}

static void
start_child(struct master *m, struct child *ch)
{
	char	name[32];
	pid_t	pid;

	pid = spawn_child(m, ch);
	ch->respawn_at_ms = 0;
	if (pid == -1) {
		ch->respawn_at_ms = clock_update() + BACKOFF_MAX_MS;
		return;
	}
	ch->pid = pid;
	ch->started_ms = clock_update();
	if (ch->role == CHILD_WORKER) {
		struct shm_worker *sw = &m->shm.workers[ch->slot];

		shm_store(&sw->pid, (int64_t)pid);
		shm_store(&sw->started_unix, (int64_t)time(NULL));
		shm_store(&sw->active, 0);
	}
	log_debug("%s started, pid %ld", child_name(ch, name, sizeof(name)),
	    (long)pid);
}

static void
describe_exit(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)%s",
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, len, "stopped (status %#x)", status);
}

static void
reap(struct master *m)
{
	char		 why[96], name[32];
	uint64_t	 now, delay;
	pid_t		 pid;
	int		 status;
	unsigned	 i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < m->nchildren; i++)
			if (m->children[i].pid == pid)
				break;
		if (i == m->nchildren)
			continue;
		struct child *ch = &m->children[i];

		ch->pid = 0;
		if (ch->role == CHILD_WORKER) {
			shm_store(&m->shm.workers[ch->slot].pid, 0);
			shm_store(&m->shm.workers[ch->slot].active, 0);
		}
		if (m->is_stopping)
			continue;
		describe_exit(status, why, sizeof(why));
		child_name(ch, name, sizeof(name));
		now = clock_update();
		if (now - ch->started_ms < QUICK_DEATH_MS)
			ch->quick_deaths++;
		else
			ch->quick_deaths = 0;
		delay = 0;
		if (ch->quick_deaths > 0) {
			delay = (uint64_t)BACKOFF_FIRST_MS <<
			    (ch->quick_deaths > 7 ? 7 : ch->quick_deaths - 1);
			if (delay > BACKOFF_MAX_MS)
				delay = BACKOFF_MAX_MS;
		}
		if (delay == 0)
			log_error("%s (pid %ld) %s; respawning", name,
			    (long)pid, why);
		else
			log_error("%s (pid %ld) %s %llu ms after start; "
			    "respawning in %llu ms", name, (long)pid, why,
			    (unsigned long long)(now - ch->started_ms),
			    (unsigned long long)delay);
		if (delay == 0)
			start_child(m, ch);
		else
			ch->respawn_at_ms = now + delay;
	}
}

/* Starts the children whose back-off ended and arms SIGALRM for the rest. */
static void
respawn_due(struct master *m)
{
	struct itimerval	it;
	uint64_t		now = clock_update(), next = 0;
	unsigned		i;

	for (i = 0; i < m->nchildren; i++) {
		struct child *ch = &m->children[i];

		if (ch->pid != 0 || ch->respawn_at_ms == 0)
			continue;
		if (ch->respawn_at_ms <= now)
			start_child(m, ch);
		else if (next == 0 || ch->respawn_at_ms < next)
			next = ch->respawn_at_ms;
	}
	memset(&it, 0, sizeof(it));
	if (next != 0) {
		it.it_value.tv_sec = (time_t)((next - now) / 1000);
		it.it_value.tv_usec = (suseconds_t)((next - now) % 1000 * 1000);
	}
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

static unsigned
count_alive(const struct master *m)
{
	unsigned	i, n = 0;

	for (i = 0; i < m->nchildren; i++)
		n += m->children[i].pid != 0;
	return n;
}

static void
signal_children(struct master *m, int sig)
{
	unsigned	i;

	for (i = 0; i < m->nchildren; i++)
		if (m->children[i].pid != 0)
			(void)kill(m->children[i].pid, sig);
}

/* Waits until every child is gone or <ms> passed; then SIGKILLs the rest. */
static void
wait_children(struct master *m, uint64_t ms)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	uint64_t	until = clock_update() + ms;

	for (;;) {
		reap(m);
		if (count_alive(m) == 0)
			return;
		if (clock_update() >= until)
			break;
		nanosleep(&ts, NULL);
	}
	log_warn("%u child process(es) still running after %llu ms; killing "
	    "them",
	    count_alive(m), (unsigned long long)ms);
	signal_children(m, SIGKILL);
	while (count_alive(m) > 0) {
		nanosleep(&ts, NULL);
		reap(m);
	}
}

static void
stop(struct master *m, bool graceful)
{
	m->is_stopping = true;
	/* No new connections from here on. */
	listen_close_all(m->listeners, m->nlisteners);
	m->listeners = NULL;
	m->nlisteners = 0;
	if (graceful) {
		log_info("graceful stop: waiting up to %u ms for in-flight "
		    "requests", m->cfg->shutdown_timeout_ms);
		signal_children(m, SIGQUIT);
		wait_children(m, m->cfg->shutdown_timeout_ms);
	} else {
		log_info("stopping");
		signal_children(m, SIGTERM);
		wait_children(m, FAST_STOP_MS);
	}
}

static void
reopen_logs(struct master *m)
{
	log_info("reopening log files");
	prepare_log_file(m, m->cfg->error_log);
	prepare_log_file(m, m->cfg->access_log);
	(void)log_reopen();
	signal_children(m, SIGUSR1);
}

static void
supervise(struct master *m)
{
	struct pollfd	pfd;
	sigset_t	none;

	sigemptyset(&none);
	pfd.fd = m->control_fd;
	pfd.events = POLLIN;
	for (;;) {
		pfd.revents = 0;
		/* ppoll unblocks the signals only while it waits, as
		   sigsuspend would, and also wakes for weirctl. */
		if (!got_chld && !got_term && !got_quit && !got_hup &&
		    !got_usr1 && !got_alrm &&
		    ppoll(&pfd, m->control_fd != -1 ? 1 : 0, NULL,
		    &none) > 0 && (pfd.revents & POLLIN))
			control_serve(m->control_fd, &m->shm);
		if (got_term || got_quit) {
			bool graceful = !got_term;

			got_term = got_quit = 0;
			stop(m, graceful);
			return;
		}
		if (got_chld || got_alrm) {
			got_chld = got_alrm = 0;
			reap(m);
			respawn_due(m);
		}
		if (got_usr1) {
			got_usr1 = 0;
			reopen_logs(m);
		}
		if (got_hup) {
			got_hup = 0;
			log_warn("HUP: configuration reload is not implemented "
			    "yet; still serving %s unchanged", m->cfg->path);
		}
	}
}

/*
 * Leaves the terminal.  The parent waits on a pipe until the daemon says
 * it is serving, so that "weir" returns 0 only once it really started,
 * and 2 when it could not (the cause is on stderr, still shared).
 */
static int
daemonize(struct master *m)
{
	int	pfd[2], devnull;
	char	c;
	ssize_t	n;
	pid_t	pid;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_error("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		do {
			n = read(pfd[0], &c, 1);
		} while (n == -1 && errno == EINTR);
		_exit(n == 1 ? 0 : 2);
	}
	close(pfd[0]);
	m->ready_fd = pfd[1];
	(void)setsid();
	if (chdir("/") == -1)
		log_warn("chdir /: %s", strerror(errno));
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull != -1) {
		(void)dup2(devnull, STDIN_FILENO);
		(void)dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	return 0;
}

static void
tell_ready(struct master *m)
{
	int	devnull;

	log_copy_to_stderr(false);
	if (m->ready_fd == -1)
		return;
	if (write(m->ready_fd, "1", 1) == -1)
		log_warn("readiness pipe: %s", strerror(errno));
	close(m->ready_fd);
	m->ready_fd = -1;
	/* From now on stderr is nobody's terminal. */
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull != -1) {
		(void)dup2(devnull, STDERR_FILENO);
		close(devnull);
	}
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

static int
start(struct master *m)
{
	const struct config	*cfg = m->cfg;
	char			*dir;
	long			 ncpu;
	unsigned		 i;

	if (spawn_resolve_user(m) == -1)
		return 1;
	if (listen_bind_all(cfg, &m->listeners, &m->nlisteners) == -1)
		return 2;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	m->nworkers = cfg->workers != 0 ? cfg->workers :
	    (unsigned)(ncpu > 0 ? ncpu : 1);
	m->nchildren = m->nworkers + (needs_health(cfg) ? 1 : 0);
	m->children = calloc(m->nchildren, sizeof(*m->children));
	if (m->children == NULL ||
	    asprintf(&m->shm_path, "%s/%s", cfg->state_dir,
	    SHM_FILE_NAME) == -1) {
		log_error("out of memory");
		return 2;
	}
	if (make_dir(m, cfg->state_dir) == -1)
		return 2;
	dir = strdup(cfg->pidfile);
	if (dir == NULL || make_dir(m, dirname(dir)) == -1) {
		free(dir);
		return 2;
	}
	free(dir);
	if (shm_create(&m->shm, m->shm_path, cfg, m->nworkers) == -1)
		return 2;
	if (!m->is_foreground) {
		if (daemonize(m) == -1)
			return 2;
		/* Without an error_log file, syslog is the only place an
		   operator of a daemon will look. */
		if (cfg->error_log == NULL)
			log_use_syslog();
	}
	m->shm.hdr->master_pid = getpid();
	if ((m->pidfile_fd = pidfile_create(cfg->pidfile)) == -1)
		return 2;
	prepare_log_file(m, cfg->access_log);
	prepare_log_file(m, cfg->error_log);
	if (install_handlers() == -1) {
		log_error("signal setup: %s", strerror(errno));
		return 2;
	}
	if ((m->control_fd = control_open(cfg->state_dir)) == -1)
		log_warn("weirctl backend commands will not work");
	for (i = 0; i < m->nchildren; i++) {
		m->children[i].role = i < m->nworkers ? CHILD_WORKER :
		    CHILD_HEALTH;
		m->children[i].slot = i;
		start_child(m, &m->children[i]);
	}
	log_info("weir %s started: pid %ld, %u worker(s)%s, %zu listener(s), "
	    "config %s", PACKAGE_VERSION, (long)getpid(), m->nworkers,
	    m->nchildren > m->nworkers ? " and a health checker" : "",
	    m->nlisteners, cfg->path);
	tell_ready(m);
	return 0;
}

int
master_run(struct config *cfg, bool foreground)
{
	struct master	m;
	int		rv;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.is_foreground = foreground;
	m.pidfile_fd = -1;
	m.ready_fd = -1;
	m.control_fd = -1;
	rv = start(&m);
	if (rv == 0) {
		supervise(&m);
		log_info("stopped");
	}
	if (m.control_fd != -1)
		control_close(m.control_fd, cfg->state_dir);
	pidfile_remove(cfg->pidfile, m.pidfile_fd);
	if (m.shm.base != NULL) {
		shm_detach(&m.shm);
		(void)unlink(m.shm_path);
	}
	listen_close_all(m.listeners, m.nlisteners);
	free(m.children);
	free(m.shm_path);
	config_free(cfg);
	return rv;
}
