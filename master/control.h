/*
 * The master's control socket: weirctl's commands (common/control_proto.h
 * has the protocol), applied to the shared segment.
 */
#ifndef WEIR_MASTER_CONTROL_H
#define WEIR_MASTER_CONTROL_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/control_proto.h"

struct shm;

/*
 * Who may use the socket besides root and the master's user: the members
 * of "control_group", when the configuration names one (looked up with
 * the workers' account, master/account.c).
 */
struct control_access {
	bool	has_group;
	gid_t	gid;
};

/*
 * Creates the listening socket <state_dir>/weir.sock, mode 0600, or 0660
 * and <acc>'s group, replacing a stale socket left by a previous master
 * (but not a file of another kind).  Returns a non-blocking, close-on-exec
 * listening fd the caller owns (close with control_close()), or -1 after
 * logging why.
 */
int	control_open(const char *state_dir, const struct control_access *acc);

/*
 * Gives the existing socket in <state_dir> the mode and group <acc> says
 * (a reload that changed control_group).  0, or -1 after logging.
 */
int	control_set_access(const char *state_dir,
	    const struct control_access *acc);

/*
 * Serves the connections pending on <lfd> from peers <acc> lets in: for
 * each, reads one command line (waiting at most 500 ms for it), applies
 * it to <shm> through the runtime API (master/runtime.h), writes one
 * reply line and closes.  Call when <lfd> is readable; it returns when no
 * connection is pending, or after a bounded batch so the master's loop
 * keeps turning (the rest stay pending and make <lfd> readable again).
 */
void	control_serve(int lfd, struct shm *shm,
	    const struct control_access *acc);

/*
 * Closes <fd> (when not -1) and removes <state_dir>/weir.sock, so weirctl
 * says "is weir running?" rather than "Connection refused".
 */
void	control_close(int fd, const char *state_dir);

#endif
