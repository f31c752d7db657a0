/*
 * The account weir's children run as: the configuration's "user" and
 * "group" looked up in the system's databases, and the group that may use
 * the control socket ("control_group").  weir -t, a start and a reload all
 * look them up, so that a name that does not exist fails the check instead
 * of a start at boot, as it does in HAProxy and nginx.
 */
#ifndef WEIR_MASTER_ACCOUNT_H
#define WEIR_MASTER_ACCOUNT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct config;

struct account {
	bool	has_user;	/* "user" is set */
	uid_t	uid;
	gid_t	gid;		/* "group"'s, else the user's primary group */
	bool	has_control_group;	/* "control_group" is set */
	gid_t	control_gid;
};

/*
 * Looks up "user", "group" and "control_group" of <cfg>.  Returns 0 with <*a> filled, or
 * -1 after writing to <errs> one line per name that does not exist, as
 * configuration errors are written: "FILE:LINE:COL: user: no user \"x\"
 * on this system".
 */
int	account_resolve(const struct config *cfg, struct account *a,
	    FILE *errs);

#endif
