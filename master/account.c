/*
 * "user" and "group" to ids.  The configuration loader leaves system
 * state to the roles that use it, as it leaves certificates; this is the
 * master's part, shared by weir -t, a start and a reload.  A name that
 * does not exist is reported where configuration errors are, with its
 * place in the file, which is read again for that only.
 */
#include "master/account.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "common/config.h"
#include "common/json_pos.h"
#include "common/readfile.h"

/* The configuration is read again only to place an error: any size. */
#define ACCOUNT_FILE_MAX	(64u * 1024 * 1024)

/* "FILE:LINE:COL: KEY: no WHAT \"NAME\" on this system" to <errs>. */
static void
report(const struct config *cfg, const char *key, const char *what,
    const char *name, FILE *errs)
{
	struct readfile		f;
	struct json_step	step = { .key = key };
	char			err[READFILE_ERR_MAX];
	unsigned		line, col;

	if (readfile_load(cfg->path, ACCOUNT_FILE_MAX, &f, err,
	    sizeof(err)) == 0 && json_pos_find(f.data, f.len, &step, 1, false,
	    &line, &col) == 0)
		fprintf(errs, "%s:%u:%u: ", cfg->path, line, col);
	else
		fprintf(errs, "%s: ", cfg->path);
	fprintf(errs, "%s: no %s \"%s\" on this system; expected an existing "
	    "%s\n", key, what, name, what);
	readfile_free(&f);
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
	return rv;
}
