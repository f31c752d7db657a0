/*
 * flock() rather than a pid check: the lock dies with the process, so a
 * stale file left by a crash never blocks a start.  The file is root's
 * (statedir.c keeps its directory so) and is opened without following a
 * link: root's scripts read it and signal the pid it names.
 */
#include "master/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* "123\n" and nothing else; a pid is positive and fits pid_t. */
static int
parse_pid(const char *text, size_t len, pid_t *out)
{
	long	v = 0;
	size_t	i;

	if (len == 0 || len > 11 || text[len - 1] != '\n')
		return -1;
	for (i = 0; i + 1 < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		v = v * 10 + (text[i] - '0');
	}
	if (len == 1 || v <= 0 || v > INT_MAX)
		return -1;
	*out = (pid_t)v;
	return 0;
}

/* The pid in the file open at <fd>, or -1 when it holds anything else. */
static int
read_pid(int fd, pid_t *out)
{
	char	text[16];
	ssize_t	got;

	got = pread(fd, text, sizeof(text), 0);
	if (got <= 0 || (size_t)got == sizeof(text))
		return -1;
	return parse_pid(text, (size_t)got, out);
}

int
pidfile_read(const char *path, pid_t *out)
{
	int	fd, rv;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	rv = read_pid(fd, out);
	close(fd);
	return rv;
}

/*
 * Refuses a pid file weir did not make: anything but a regular file of
 * weir's own user, with one name, that no one else may write.
 */
static int
check_file(const char *path, int fd)
{
	struct stat	st;

	if (fstat(fd, &st) == -1) {
		log_error("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("pid file %s: not a regular file; move it away",
		    path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		log_error("pid file %s: belongs to uid %ld, not weir's (uid "
		    "%ld): not one weir made; remove it if no weir runs", path,
		    (long)st.st_uid, (long)geteuid());
		return -1;
	}
	if (st.st_nlink != 1) {
		log_error("pid file %s: has %lu names (a hard link): not one "
		    "weir made; remove it if no weir runs", path,
		    (unsigned long)st.st_nlink);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_error("pid file %s: writable by others (mode %04o): not "
		    "one weir made; remove it if no weir runs", path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
pidfile_create(const char *path)
{
	char	text[32];
	pid_t	pid;
	int	fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0644);
	if (fd == -1 && errno == ELOOP) {
		log_error("pid file %s: is a symbolic link; weir does not "
		    "follow it (remove it)", path);
		return -1;
	}
	if (fd == -1) {
		log_error("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (check_file(path, fd) == -1) {
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (read_pid(fd, &pid) == 0)
			log_error("pid file %s: weir is already running (pid "
			    "%ld)", path, (long)pid);
		else
			log_error("pid file %s: weir is already running",
			    path);
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
