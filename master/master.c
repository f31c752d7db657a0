/*
 * Supervision.  Signal handlers only set flags; the master waits in
 * ppoll() with every signal blocked otherwise, so a signal is acted on
 * exactly once, between two steps, never inside one, and the same wait
 * serves weirctl's control socket.  A child that dies is forked again at
 * once, or after a back-off that doubles while it keeps dying soon after
 * start.  Children belong to a generation: the current one serves, the
 * retired ones (after a reload) drain and are never respawned.
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
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "master/account.h"
#include "master/control.h"
#include "master/fdlimit.h"
#include "master/generation.h"
#include "master/manage.h"
#include "master/notify.h"
#include "master/pidfile.h"
#include "master/reload.h"
#include "master/runtime.h"
#include "master/spawn.h"
#include "master/state.h"
#include "master/statedir.h"
#include "master/upgrade.h"
#include "tls/tls.h"

/* A child that dies sooner than this after start counts as a quick death. */
#define QUICK_DEATH_MS		2000
#define BACKOFF_FIRST_MS	100
#define BACKOFF_MAX_MS		10000
/* How long TERM waits for children before SIGKILL. */
#define FAST_STOP_MS		3000

static volatile sig_atomic_t	got_chld, got_term, got_quit, got_hup,
				got_usr1, got_usr2, got_alrm;

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
	case SIGUSR2:	got_usr2 = 1; break;
	case SIGALRM:	got_alrm = 1; break;
	}
}

static int
install_handlers(void)
{
	static const int signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT,
	    SIGHUP, SIGUSR1, SIGUSR2, SIGALRM };
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

static struct child *
find_child(struct master *m, pid_t pid, struct generation **gp)
{
	struct generation	*g;
	unsigned		 i;

	for (g = m->cur; g != NULL; g = g == m->cur ? m->retired : g->next)
		for (i = 0; i < g->nchildren; i++)
			if (g->children[i].pid == pid) {
				*gp = g;
				return &g->children[i];
			}
	return NULL;
}

/* Frees retired generations whose last child is gone. */
static void
bury_retired(struct master *m)
{
	struct generation	**gp = &m->retired, *g;

	while ((g = *gp) != NULL) {
		if (generation_alive(g) == 0) {
			log_info("generation %llu: drained",
			    (unsigned long long)g->number);
			*gp = g->next;
			generation_free(g);
		} else
			gp = &g->next;
	}
}

static void
respawn_later(struct child *ch, const char *name, pid_t pid,
    const char *why)
{
	uint64_t	now = clock_update(), delay = 0;

	if (now - ch->started_ms < QUICK_DEATH_MS)
		ch->quick_deaths++;
	else
		ch->quick_deaths = 0;
	if (ch->quick_deaths > 0) {
		delay = (uint64_t)BACKOFF_FIRST_MS <<
		    (ch->quick_deaths > 7 ? 7 : ch->quick_deaths - 1);
		if (delay > BACKOFF_MAX_MS)
			delay = BACKOFF_MAX_MS;
	}
	if (delay == 0)
		log_error("%s (pid %ld) %s; respawning", name, (long)pid, why);
	else
		log_error("%s (pid %ld) %s %llu ms after start; respawning in "
		    "%llu ms", name, (long)pid, why,
		    (unsigned long long)(now - ch->started_ms),
		    (unsigned long long)delay);
	ch->respawn_at_ms = now + delay;
}

static void
reap(struct master *m)
{
	struct generation	*g;
	struct child		*ch;
	char			 why[96], name[32];
	pid_t			 pid;
	int			 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->upgrade_pid) {
			if (upgrade_check(m, pid, status))
				got_quit = 1;
			continue;
		}
		if ((ch = find_child(m, pid, &g)) == NULL)
			continue;
		ch->pid = 0;
		if (ch->role == CHILD_WORKER) {
			/* What it held is gone with it. */
			shm_store(&g->shm.workers[ch->slot].pid, 0);
			shm_store(&g->shm.workers[ch->slot].is_accepting, 0);
			shm_store(&g->shm.workers[ch->slot].active, 0);
			shm_held_clear(&g->shm, ch->slot);
		}
		if (m->is_stopping || g != m->cur)
			continue;
		describe_exit(status, why, sizeof(why));
		respawn_later(ch, generation_child_name(ch, name, sizeof(name)),
		    pid, why);
	}
	bury_retired(m);
}

/* Starts the children whose back-off ended and arms SIGALRM for the rest. */
static void
respawn_due(struct master *m)
{
	struct generation	*g = m->cur;
	struct itimerval	 it;
	uint64_t		 now = clock_update(), next = 0;
	unsigned		 i;

	for (i = 0; i < g->nchildren; i++) {
		struct child *ch = &g->children[i];

		if (ch->pid != 0 || ch->respawn_at_ms == 0)
			continue;
		if (ch->respawn_at_ms <= now)
			generation_start_child(m, g, ch);
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

/* Kills what is left of retired generations past their deadline. */
static void
enforce_deadlines(struct master *m)
{
	struct generation	*g;
	uint64_t		 now = clock_update();

	for (g = m->retired; g != NULL; g = g->next)
		if (g->retire_deadline_ms <= now && generation_alive(g) > 0) {
			log_warn("generation %llu: %u process(es) still "
			    "running after shutdown_timeout_ms; killing them",
			    (unsigned long long)g->number, generation_alive(g));
			generation_signal(g, SIGKILL, CHILD_WORKER, true);
			g->retire_deadline_ms = UINT64_MAX;
		}
}

static void
signal_all(struct master *m, int sig)
{
	struct generation	*g;

	generation_signal(m->cur, sig, CHILD_WORKER, true);
	for (g = m->retired; g != NULL; g = g->next)
		generation_signal(g, sig, CHILD_WORKER, true);
}

static unsigned
alive_all(const struct master *m)
{
	const struct generation	*g;
	unsigned		 n = generation_alive(m->cur);

	for (g = m->retired; g != NULL; g = g->next)
		n += generation_alive(g);
	return n;
}

/* Waits until every child is gone or <ms> passed; then SIGKILLs the rest. */
static void
wait_children(struct master *m, uint64_t ms)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	uint64_t	until = clock_update() + ms;

	for (;;) {
		reap(m);
		if (alive_all(m) == 0)
			return;
		if (clock_update() >= until)
			break;
		nanosleep(&ts, NULL);
	}
	log_warn("%u child process(es) still running after %llu ms; killing "
	    "them", alive_all(m), (unsigned long long)ms);
	signal_all(m, SIGKILL);
	while (alive_all(m) > 0) {
		nanosleep(&ts, NULL);
		reap(m);
	}
}

static void
stop(struct master *m, bool graceful)
{
	m->is_stopping = true;
	/* After a binary upgrade, systemd's main pid is the new master. */
	if (!m->is_upgraded)
		notify_send("STOPPING=1", "%s", graceful ? "graceful stop: "
		    "finishing requests in flight" : "stopping");
	/* No new connections from here on. */
	listen_close_all(m->listeners, m->nlisteners);
	m->listeners = NULL;
	m->nlisteners = 0;
	if (graceful) {
		log_info("graceful stop: waiting up to %u ms for in-flight "
		    "requests", m->cur->cfg->shutdown_timeout_ms);
		signal_all(m, SIGQUIT);
		wait_children(m, m->cur->cfg->shutdown_timeout_ms);
	} else {
		log_info("stopping");
		signal_all(m, SIGTERM);
		wait_children(m, FAST_STOP_MS);
	}
}

static void
reopen_logs(struct master *m)
{
	spawn_prepare_log_file(m, m->cur->cfg->error_log);
	spawn_prepare_log_file(m, m->cur->cfg->access_log);
	(void)log_reopen();
	/* The first line of the new file says why it started. */
	log_info("reopened log files (USR1)");
	signal_all(m, SIGUSR1);
}

/* How long ppoll may sleep: until a TLS key rotation or a drain deadline. */
static struct timespec *
next_wakeup(struct master *m, struct timespec *ts)
{
	struct generation	*g;
	uint64_t		 wait_ms = UINT64_MAX, now = clock_update();
	uint64_t		 drain_ms;

	if (m->cur->tls != NULL)
		wait_ms = tls_set_rotate(m->cur->tls);
	/* A backend being drained is watched until it is drained. */
	if ((drain_ms = runtime_watch_drains(&m->cur->shm)) < wait_ms)
		wait_ms = drain_ms;
	/* Node files are looked at on time. */
	if (m->manage != NULL && manage_next_ms(m->manage) < wait_ms)
		wait_ms = manage_next_ms(m->manage);
	/* A binary upgrade is watched closely. */
	if (m->upgrade_pid != 0 && wait_ms > 100)
		wait_ms = 100;
	/* Repeated log lines have their counts written on time. */
	if (log_has_repeats() && wait_ms > 1000)
		wait_ms = 1000;
	for (g = m->retired; g != NULL; g = g->next)
		if (g->retire_deadline_ms != UINT64_MAX)
			wait_ms = g->retire_deadline_ms <= now ? 0 :
			    (g->retire_deadline_ms - now < wait_ms ?
			    g->retire_deadline_ms - now : wait_ms);
	if (wait_ms == UINT64_MAX)
		return NULL;
	ts->tv_sec = (time_t)(wait_ms / 1000);
	ts->tv_nsec = (long)(wait_ms % 1000) * 1000000;
	return ts;
}

static void
supervise(struct master *m)
{
	/* weirctl's socket, then the consoles' listeners and sessions */
	struct pollfd	pfd[1 + MANAGE_MAX_SESSIONS + 64];
	struct timespec	ts;
	sigset_t	none;
	size_t		n;
	int		ready;

	sigemptyset(&none);
	for (;;) {
		pfd[0].fd = m->control_fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		n = m->manage == NULL ? 0 : manage_pollfds(m->manage, m,
		    pfd + 1, sizeof(pfd) / sizeof(pfd[0]) - 1);
		/* ppoll unblocks the signals only while it waits, as
		   sigsuspend would, and also wakes for weirctl and the
		   consoles; a negative fd is skipped. */
		ready = 0;
		if (!got_chld && !got_term && !got_quit && !got_hup &&
		    !got_usr1 && !got_usr2 && !got_alrm)
			ready = ppoll(pfd, 1 + n, next_wakeup(m, &ts), &none);
		if (ready > 0 && (pfd[0].revents & POLLIN))
			control_serve(m->control_fd, &m->cur->shm,
			    &m->control_access);
		if (m->manage != NULL)
			manage_serve(m->manage, m, pfd + 1,
			    ready > 0 ? n : 0);
		log_tick();
		if (got_term || got_quit) {
			bool graceful = !got_term;

			got_term = got_quit = 0;
			stop(m, graceful);
			log_flush_repeats();
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
			(void)reload_run(m);
		}
		if (got_usr2) {
			got_usr2 = 0;
			upgrade_start(m);
		}
		if (m->upgrade_pid != 0 && upgrade_check(m, 0, 0))
			got_quit = 1;
		enforce_deadlines(m);
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

/*
 * The workers' account, and what is fixed at start whatever a reload
 * says: where the pid file, the segment and the control socket are.
 */
static int
settle(struct master *m, const struct config *cfg, const struct account *a)
{
	m->drop_privileges = geteuid() == 0 && a->has_user;
	m->uid = a->uid;
	m->gid = a->gid;
	m->control_access.has_group = a->has_control_group;
	m->control_access.gid = a->control_gid;
	if (geteuid() == 0 && !a->has_user)
		log_warn("%s: no \"user\": the workers and the health checker "
		    "run as root; set \"user\" to an unprivileged account "
		    "(the Debian package creates \"weir\")", cfg->path);
	m->state_dir = strdup(cfg->state_dir);
	m->pidfile = strdup(cfg->pidfile);
	if (asprintf(&m->shm_path, "%s/%s", cfg->state_dir,
	    SHM_FILE_NAME) == -1)
		m->shm_path = NULL;
	if (m->state_dir == NULL || m->pidfile == NULL || m->shm_path == NULL) {
		log_error("out of memory");
		return -1;
	}
	return 0;
}

static int
start(struct master *m, struct config *cfg, struct tls_set *tls,
    const struct account *a)
{
	char			*dir;
	struct listen_sock	*have;
	struct shm		 old;
	char			 err[512], exe[4096];
	size_t			 nhave;
	ssize_t			 n;
	bool			 is_upgrade;

	if (settle(m, cfg, a) == -1)
		return 2;
	/* The binary USR2 will run: this one's path, read while it exists. */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		m->exe_path = strdup(exe);
	}
	if (upgrade_inherited_listeners(&have, &nhave) == -1)
		return 2;
	is_upgrade = have != NULL;
	if (listen_rebind(cfg, have, nhave, &m->listeners,
	    &m->nlisteners) == -1) {
		listen_close_all(have, nhave);
		return 2;
	}
	listen_close_unused(have, nhave, m->listeners, m->nlisteners);
	/* Root's, not the workers': they open nothing there. */
	if (statedir_prepare(cfg->state_dir, "state_dir") == -1)
		return 2;
	dir = strdup(cfg->pidfile);
	if (dir == NULL || statedir_prepare(dirname(dir),
	    "pidfile directory") == -1) {
		free(dir);
		return 2;
	}
	free(dir);
	if (!m->is_foreground) {
		if (daemonize(m) == -1)
			return 2;
		/* Without an error_log file, syslog is the only place an
		   operator of a daemon will look. */
		if (cfg->error_log == NULL)
			log_use_syslog();
	}
	/* The lock first: a second weir must not touch the first's segment. */
	if ((m->pidfile_fd = pidfile_create(cfg->pidfile)) == -1)
		return 2;
	/* After a binary upgrade the counters go on from the old segment. */
	memset(&old, 0, sizeof(old));
	if (is_upgrade && shm_attach(&old, m->shm_path, err,
	    sizeof(err)) == -1) {
		log_warn("binary upgrade: counters start from zero: %s", err);
		memset(&old, 0, sizeof(old));
	}
	m->cur = generation_new(m->shm_path, cfg, tls, m->listeners,
	    m->nlisteners, old.base != NULL ? &old : NULL);
	/* The old master's runtime changes stay behind, as on a reload. */
	if (m->cur != NULL && old.base != NULL)
		(void)runtime_dropped(&old, cfg, "binary upgrade",
		    m->cur->shm.hdr->reload_note,
		    sizeof(m->cur->shm.hdr->reload_note));
	shm_detach(&old);
	if (m->cur == NULL)
		return 2;
	(void)fdlimit_raise(cfg, m->nlisteners, m->cur->nworkers);
	spawn_prepare_log_file(m, cfg->access_log);
	spawn_prepare_log_file(m, cfg->error_log);
	if (install_handlers() == -1) {
		log_error("signal setup: %s", strerror(errno));
		return 2;
	}
	if ((m->control_fd = control_open(cfg->state_dir,
	    &m->control_access)) == -1)
		log_warn("weirctl backend commands will not work");
	if ((m->manage = manage_new()) != NULL)
		manage_configure(m->manage, m->cur->cfg, &m->cur->shm, NULL);
	generation_start(m, m->cur);
	log_info("weir %s started: pid %ld, %u worker(s)%s, %zu listener(s), "
	    "config %s", PACKAGE_VERSION, (long)getpid(), m->cur->nworkers,
	    m->cur->nchildren > m->cur->nworkers ? " and a health checker" :
	    "", m->nlisteners, cfg->path);
	tell_ready(m);
	notify_send("READY=1", "generation %llu serving %s",
	    (unsigned long long)m->cur->number, cfg->path);
	return 0;
}

int
master_run(struct config *cfg, struct tls_set *tls, const struct account *a,
    bool foreground)
{
	struct master		 m;
	struct generation	*g;
	const char		*state_dir;
	int			 rv;

	memset(&m, 0, sizeof(m));
	m.is_foreground = foreground;
	m.pidfile_fd = -1;
	m.ready_fd = -1;
	m.control_fd = -1;
	if ((m.config_path = strdup(cfg->path)) == NULL) {
		config_free(cfg);
		tls_set_free(tls);
		return 2;
	}
	rv = start(&m, cfg, tls, a);
	if (m.cur == NULL) {
		/* The generation never formed: its parts are still ours. */
		tls_set_free(tls);
		config_free(cfg);
		cfg = NULL;
	}
	if (rv == 0) {
		supervise(&m);
		log_info("stopped");
	}
	state_dir = m.cur != NULL ? m.state_dir : NULL;
	if (m.is_upgraded) {
		/* The pid file, segment and socket are the new master's. */
		if (m.control_fd != -1)
			close(m.control_fd);
		pidfile_remove(m.oldbin_path, m.pidfile_fd);
	} else {
		if (m.control_fd != -1 && state_dir != NULL)
			control_close(m.control_fd, state_dir);
		if (m.cur != NULL && m.pidfile_fd != -1)
			(void)unlink(m.shm_path);
		if (m.pidfile_fd != -1)
			pidfile_remove(m.pidfile, m.pidfile_fd);
	}
	while ((g = m.retired) != NULL) {
		m.retired = g->next;
		generation_free(g);
	}
	manage_free(m.manage);
	generation_free(m.cur);
	listen_close_all(m.listeners, m.nlisteners);
	free(m.shm_path);
	free(m.state_dir);
	free(m.pidfile);
	free(m.config_path);
	free(m.exe_path);
	free(m.oldbin_path);
	return rv;
}
