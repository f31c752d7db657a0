/*
 * The directories the master writes its state into: state_dir (segment,
 * control socket) and the pid file's.  Root reads the pid file back and
 * signals what it names (init script, logrotate), so no other user may be
 * able to change what these directories hold.
 */
#ifndef WEIR_MASTER_STATEDIR_H
#define WEIR_MASTER_STATEDIR_H

/*
 * Creates the directory <path> (mode 0755, owned by whoever runs weir:
 * root, never the workers' user) unless it exists, then checks it: it must
 * belong to that user and be writable by no one else, and so must every
 * directory above it, except that one with the sticky bit (/tmp) may be
 * writable by all; a symbolic link on the way must belong to root or that
 * user.  <what> names the setting in messages ("state_dir").  Returns 0,
 * or -1 after logging which directory is wrong, why, and the fix.
 */
int	statedir_prepare(const char *path, const char *what);

#endif
