/*
 * Reads /proc/PID/maps and /proc/PID/status.  A process's maps are
 * readable by root and by its own user, the ones that may signal it.
 */
#include "ctl/proc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/*
 * 1 when process <pid> maps the file of device <dev> and inode <ino>, 0
 * when it does not, -1 when its maps cannot be read (errno set).
 */
static int
maps_file(long pid, dev_t dev, ino_t ino)
{
	char		path[64], line[512];
	unsigned	maj, min;
	unsigned long	inode;
	FILE		*f;
	int		found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "start-end perms offset maj:min inode path" */
		if (sscanf(line, "%*s %*s %*s %x:%x %lu", &maj, &min,
		    &inode) == 3 && inode == (unsigned long)ino &&
		    maj == major(dev) && min == minor(dev)) {
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* The parent of <pid>, or -1. */
static long
parent_of(long pid)
{
	char	path[64], line[256];
	long	ppid = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "PPid: %ld", &ppid) == 1)
			break;
	fclose(f);
	return ppid;
}

bool
proc_is_master(int64_t pid, const char *shm_path, char *why, size_t len)
{
	struct stat	st;
	long		ppid;
	int		rv;

	if (pid <= 1 || pid > INT_MAX) {
		snprintf(why, len, "%" PRId64 " is not a process id", pid);
		return false;
	}
	if (stat(shm_path, &st) == -1) {
		snprintf(why, len, "%s: %s", shm_path, strerror(errno));
		return false;
	}
	if ((rv = maps_file((long)pid, st.st_dev, st.st_ino)) == -1) {
		snprintf(why, len, "cannot check pid %" PRId64 ": %s", pid,
		    errno == ENOENT ? "no such process" : strerror(errno));
		return false;
	}
	if (rv == 0) {
		snprintf(why, len, "pid %" PRId64 " does not map %s: not its "
		    "master", pid, shm_path);
		return false;
	}
	ppid = parent_of((long)pid);
	if (ppid > 1 && maps_file(ppid, st.st_dev, st.st_ino) == 1) {
		snprintf(why, len, "pid %" PRId64 " is a child of pid %ld, "
		    "which maps %s too: a worker, not the master", pid, ppid,
		    shm_path);
		return false;
	}
	return true;
}
