/*
 * Forking a child for a role: it leaves the master's signal handling,
 * closes what only the master needs, drops privileges and runs the role.
 */
#ifndef WEIR_MASTER_SPAWN_H
#define WEIR_MASTER_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct config;
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
 * Looks up the user and group of <cfg> (as root only) for <m>.  0, or -1 after
 * logging which name does not exist.
 */
int	spawn_resolve_user(struct master *m, const struct config *cfg);

#endif
