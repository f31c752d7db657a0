/*
 * "user", "group" and "control_group" to ids.  The configuration loader
 * leaves system state to the roles that use it, as it leaves certificates;
 * this is the master's part, shared by weir -t, a start and a reload.  A
 * name that does not exist is reported where configuration errors are,
 * with its place in the file (or the file it includes that holds it).
 */
#include "master/account.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "common/config.h"

/* "FILE:LINE:COL: KEY: no WHAT \"NAME\" on this system" to <errs>. */
static void
report(const struct config *cfg, const char *key, const char *what,
    const char *name, FILE *errs)
{
	config_report_key(cfg->path, key, errs, "no %s \"%s\" on this "
	    "system; expected an existing %s", what, name, what);
}

int
account_resolve(const struct config *cfg, struct account *a, FILE *errs)
{
	struct passwd	*pw = NULL;
	struct group	*gr;
	int		 rv = 0;

	a->has_user = false;
	a->uid = geteuid();
	a->gid = getegid();
	a->has_control_group = false;
	a->control_gid = 0;
	if (cfg->user != NULL) {
		if ((pw = getpwnam(cfg->user)) == NULL) {
			report(cfg, "user", "user", cfg->user, errs);
			rv = -1;
		} else {
			a->has_user = true;
			a->uid = pw->pw_uid;
			a->gid = pw->pw_gid;
		}
	}
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			report(cfg, "group", "group", cfg->group, errs);
			rv = -1;
		} else
			a->gid = gr->gr_gid;
	}
	if (cfg->control_group != NULL) {
		if ((gr = getgrnam(cfg->control_group)) == NULL) {
			report(cfg, "control_group", "group",
			    cfg->control_group, errs);
			rv = -1;
		} else {
			a->has_control_group = true;
			a->control_gid = gr->gr_gid;
		}
	}
	return rv;
}
