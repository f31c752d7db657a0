/*
 * One signal policy for every child process, so that a worker and the
 * health checker cannot drift apart on what kills them.
 */
#include "common/signals.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>

#include "common/log.h"

int
signals_child_fd(void)
{
	sigset_t	set;
	int		fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	/* The master's signals: sent to it, not to us, but never fatal. */
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		log_error("sigprocmask: %s", strerror(errno));
		return -1;
	}
	/* A peer that vanishes mid-write must cost a connection, not us. */
	signal(SIGPIPE, SIG_IGN);
	sigdelset(&set, SIGHUP);
	sigdelset(&set, SIGUSR2);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		log_error("signalfd: %s", strerror(errno));
	return fd;
}
