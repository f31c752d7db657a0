/*
 * flock() rather than a pid check: the lock dies with the process, so a
 * stale file left by a crash never blocks a start.
 */
#include "master/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/log.h"

int
pidfile_create(const char *path)
{
	char	text[32];
	int	fd, n;
	ssize_t	got;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_error("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		got = pread(fd, text, sizeof(text) - 1, 0);
		text[got > 0 ? got : 0] = '\0';
		text[strcspn(text, "\n")] = '\0';
		log_error("pid file %s: weir is already running (pid %s)",
		    path, text[0] != '\0' ? text : "unknown");
		close(fd);
		return -1;
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text, (size_t)n, 0) != n) {
		log_error("pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
pidfile_remove(const char *path, int fd)
{
	if (fd == -1)
		return;
	(void)unlink(path);
	close(fd);
}
