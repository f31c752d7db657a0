/*
 * Forking a child for a role: it leaves the master's signal handling,
 * closes what only the master needs, drops privileges and runs the role.
 * Also what the children's user is given before that: who it is, and the
 * log files it may reopen.
 */
#ifndef WEIR_MASTER_SPAWN_H
#define WEIR_MASTER_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct generation;
struct master;

struct child;

/*
 * Forks the process for <ch> (a worker or the health checker) of
 * generation <g>.
 * Returns the child's pid to the master, or -1 after logging.  Never
 * returns in the child.
 */
pid_t	spawn_child(struct master *m, struct generation *g,
	    const struct child *ch);

/*
 * Creates the log file <path> (NULL or "syslog": nothing to do) as root,
 * if need be, and hands it to the children's user so that they can reopen
 * it after a rotation.  Problems are warnings: the children then log
 * where they can.
 */
void	spawn_prepare_log_file(const struct master *m, const char *path);

#endif
