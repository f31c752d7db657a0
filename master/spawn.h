/*
 * Forking a child for a role: it leaves the master's signal handling,
 * closes what only the master needs, drops privileges and runs the role.
 */
#ifndef WEIR_MASTER_SPAWN_H
#define WEIR_MASTER_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct master;

struct child;

/*
 * Forks the process for <ch> (a worker or the health checker) of <m>.
 * Returns the child's pid to the master, or -1 after logging.  Never
 * returns in the child.
 */
pid_t	spawn_child(struct master *m, const struct child *ch);

/*
 * Looks up the configured user and group (as root only).  0, or -1 after
 * logging which name does not exist.
 */
int	spawn_resolve_user(struct master *m);

#endif
