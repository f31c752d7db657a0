/*
 * Checks in the spirit of OpenSSH's safe_path(): every directory that
 * leads to the state is looked at, both as written (a symbolic link is an
 * entry of the directory above it, which someone else could replace) and
 * as resolved (where the link goes, and everything above that).  Earlier
 * versions handed state_dir to the workers' user; they never needed it,
 * since they use the segment through the master's mapping.
 */
#include "master/statedir.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* "root" or "uid N", the owner weir expects. */
static const char *
owner_name(char *buf, size_t len)
{
	if (geteuid() == 0)
		return "root";
	snprintf(buf, len, "uid %ld", (long)geteuid());
	return buf;
}

static bool
is_trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * Checks the directory <dir> on the way to <path>: owned by root or weir's
 * user and writable by nobody else, or sticky; <path> itself must be owned
 * by weir's user and writable by nobody else at all.
 */
static int
check_dir(const char *what, const char *path, const char *dir, bool is_last)
{
	struct stat	st;
	char		owner[32];

	if (stat(dir, &st) == -1) {
		log_error("%s %s: %s: %s", what, path, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("%s %s: %s is not a directory", what, path, dir);
		return -1;
	}
	if (is_last ? st.st_uid != geteuid() : !is_trusted_owner(st.st_uid)) {
		log_error("%s %s: %s belongs to uid %ld, not %s: another user "
		    "could replace the pid file weir's scripts signal, or the "
		    "segment (chown %s %s)", what, path, dir,
		    (long)st.st_uid, owner_name(owner, sizeof(owner)),
		    owner_name(owner, sizeof(owner)), dir);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (is_last || (st.st_mode & S_ISVTX) == 0)) {
		log_error("%s %s: %s is writable by %s (mode %04o): another "
		    "user could replace what weir keeps there (chmod go-w %s)",
		    what, path, dir, st.st_mode & S_IWOTH ? "everyone" :
		    "its group", (unsigned)(st.st_mode & 07777), dir);
		return -1;
	}
	return 0;
}

/* Checks the resolved <real> and every directory above it. */
static int
check_resolved(const char *what, const char *path, const char *real,
    bool is_last)
{
	char	buf[PATH_MAX];
	char	*slash;

	snprintf(buf, sizeof(buf), "%s", real);
	if (check_dir(what, path, buf, is_last) == -1)
		return -1;
	while ((slash = strrchr(buf, '/')) != NULL && buf[1] != '\0') {
		slash[slash == buf ? 1 : 0] = '\0';
		if (check_dir(what, path, buf, false) == -1)
			return -1;
	}
	return 0;
}

/* Checks the prefix <prefix> of <path> as written, and where it leads. */
static int
check_prefix(const char *what, const char *path, const char *prefix,
    bool is_last)
{
	struct stat	st;
	char		real[PATH_MAX];

	if (lstat(prefix, &st) == -1) {
		log_error("%s %s: %s: %s", what, path, prefix,
		    strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) && !is_trusted_owner(st.st_uid)) {
		log_error("%s %s: %s is a symbolic link that belongs to uid "
		    "%ld: its owner could point it elsewhere", what, path,
		    prefix, (long)st.st_uid);
		return -1;
	}
	if (realpath(prefix, real) == NULL) {
		log_error("%s %s: %s: %s", what, path, prefix,
		    strerror(errno));
		return -1;
	}
	return check_resolved(what, path, real, is_last);
}

int
statedir_prepare(const char *path, const char *what)
{
	char	prefix[PATH_MAX];
	size_t	len = strlen(path), i;

	if (len == 0 || len >= sizeof(prefix)) {
		log_error("%s \"%s\": not a usable directory name", what,
		    path);
		return -1;
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_error("cannot create directory %s: %s", path,
		    strerror(errno));
		return -1;
	}
	/* Each prefix as written: "/run", then "/run/weir". */
	for (i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		if (check_prefix(what, path, prefix, i == len) == -1)
			return -1;
	}
	return 0;
}
