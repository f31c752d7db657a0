/*
 * Perlbal's management protocol, one line at a time: the line cleaned as
 * Perlbal 1.80 cleans it (comments cut, blanks collapsed, lower case up
 * to the first "="), then read into a request by the same patterns
 * Perlbal's MANAGE_* handlers match, with the same error texts.  Pure:
 * no I/O, no state; master/manage_exec.c runs what this reads.
 */
#ifndef WEIR_MASTER_MANAGE_PARSE_H
#define WEIR_MASTER_MANAGE_PARSE_H

#include <stddef.h>

#include "common/addr.h"

/* Longest command line kept; Perlbal reads 1024 bytes at a time. */
#define MANAGE_LINE_MAX		1024
/* Longest service, pool or key name: the segment's names. */
#define MANAGE_NAME_MAX		64

enum manage_verb {
	MANAGE_NOTHING = 0,	/* blank or a comment: no answer at all */
	MANAGE_QUIT,		/* quit, exit */
	MANAGE_ERROR,		/* answer "ERROR: " and .error */
	MANAGE_SHOW_SERVICES,	/* show service */
	MANAGE_SHOW_SERVICE,	/* show service NAME */
	MANAGE_SHOW_POOLS,	/* show pool */
	MANAGE_SHOW_POOL,	/* show pool NAME */
	MANAGE_POOL_ADD,	/* pool add NAME ip[:port] */
	MANAGE_POOL_REMOVE,	/* pool remove NAME ip[:port] */
	MANAGE_CREATE_POOL,	/* create pool NAME */
	MANAGE_CREATE_SERVICE,	/* create service NAME */
	MANAGE_USE,		/* use NAME */
	MANAGE_SET,		/* set [NAME.]KEY = VALUE */
	MANAGE_ENABLE,		/* enable NAME */
	MANAGE_DISABLE,		/* disable NAME */
	MANAGE_NODES,		/* nodes [ip[:port]] */
	MANAGE_STATS,		/* stats (Perlbal's Stats plugin) */
	MANAGE_QUEUES,		/* queues */
	MANAGE_STATES,		/* states [NAME] */
	MANAGE_PROC,		/* proc */
	MANAGE_VERSION,		/* version, uptime */
	MANAGE_UNSUPPORTED,	/* a Perlbal command weir does not offer */
	MANAGE_VERB_COUNT
};

struct manage_req {
	enum manage_verb verb;
	char		 name[MANAGE_NAME_MAX + 1];	/* service or pool;
							   "" when omitted */
	char		 key[MANAGE_NAME_MAX + 1];	/* SET */
	char		 value[MANAGE_LINE_MAX];	/* SET, as written */
	char		 node[ADDR_STRLEN];	/* POOL, NODES: "ip:port" */
	char		 error[160];	/* MANAGE_ERROR, MANAGE_UNSUPPORTED:
					   the text after "ERROR: " */
};

/*
 * Reads the console line <line> (without its line end; any bytes) into
 * <req>.  Never fails: what cannot be run becomes MANAGE_ERROR with
 * Perlbal's message ("unknown command: foo", "Invalid syntax to 'show'
 * command", ...).
 */
void	manage_parse(const char *line, struct manage_req *req);

/* "show-pool", ... for logs and tests. */
const char	*manage_verb_name(enum manage_verb verb);

#endif
