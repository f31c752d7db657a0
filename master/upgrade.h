/*
 * Binary upgrade (USR2): the master execs the binary it was started from
 * and hands it the listening sockets; the old master stops once the new
 * one serves, or takes its pid file back and serves on if it fails.
 */
#ifndef WEIR_MASTER_UPGRADE_H
#define WEIR_MASTER_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "master/state.h"

/*
 * USR2: execs the binary weir was started from, handing it the listening
 * sockets (WEIR_INHERIT); the old master stops gracefully once the new one
 * serves, or keeps serving if it fails.
 */
void	upgrade_start(struct master *m);

/*
 * The upgrade's process <pid> ended with <status> (or, with <pid> 0, the
 * supervision loop asks whether the new master is up yet).  Returns true
 * when the old master should now stop gracefully.
 */
bool	upgrade_check(struct master *m, pid_t pid, int status);

/*
 * In a new master started by USR2: the listening sockets the old master
 * handed over, as an owned array (NULL, 0 when there are none).
 */
int	upgrade_inherited_listeners(struct listen_sock **out, size_t *n);

#endif
