/*
 * The pid file, created and locked by the master so that a second weir on
 * the same pid file refuses to start instead of fighting for the ports.
 */
#ifndef WEIR_MASTER_PIDFILE_H
#define WEIR_MASTER_PIDFILE_H

/*
 * Creates <path> (and its directory), locks it and writes our pid.  Returns
 * the open, locked fd, or -1 after logging (already running, no access).
 */
int	pidfile_create(const char *path);

/* Removes <path> and closes <fd>. */
void	pidfile_remove(const char *path, int fd);

#endif
