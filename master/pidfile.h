/*
 * The pid file, created and locked by the master so that a second weir on
 * the same pid file refuses to start instead of fighting for the ports.
 */
#ifndef WEIR_MASTER_PIDFILE_H
#define WEIR_MASTER_PIDFILE_H

#include <sys/types.h>

/*
 * Creates <path>, locks it and writes our pid.  Its directory must exist
 * and be root's (statedir_prepare()).  A symbolic link, or a file that is
 * not weir's user's own regular file with a single name, writable by no
 * one else, is refused, not followed, reused or replaced: someone put it
 * there.  Returns the open, locked fd, or -1 after logging (already
 * running, refused, no access).
 */
int	pidfile_create(const char *path);

/*
 * Reads the pid in <path> (not through a symbolic link) into <*out>.
 * Returns 0, or -1 when the file is missing or holds anything but one
 * positive decimal number and a newline.
 */
int	pidfile_read(const char *path, pid_t *out);

/* Removes <path> and closes <fd>. */
void	pidfile_remove(const char *path, int fd);

#endif
