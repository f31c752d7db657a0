/*
 * Perlbal 1.80's vocabulary, read from its source (Perlbal/Service.pm's
 * $tunables, the plugins' add_tunable calls, Perlbal.pm's MANAGE_server):
 * each service tunable with the role that takes it, how Perlbal checks
 * its value, its default and what weir makes of it; each plugin; each
 * SERVER option.  Tables only: the statements that use them are in
 * import/perlbal_parse.c, the mapping to weir's keys in perlbal_emit.c.
 */
#ifndef WEIR_IMPORT_PERLBAL_TABLES_H
#define WEIR_IMPORT_PERLBAL_TABLES_H

#include <stdbool.h>

/* How Perlbal checks a value (check_type) before storing it. */
enum perlbal_type {
	PERLBAL_T_STRING = 0,	/* any value */
	PERLBAL_T_BOOL,		/* 1 true on yes, 0 false off no; any case */
	PERLBAL_T_INT,		/* digits */
	PERLBAL_T_SIZE,		/* digits, with a b, k or m suffix */
	PERLBAL_T_PERCENT,	/* digits, 0 to 100 */
	PERLBAL_T_ROLE,		/* a role Perlbal or a loaded plugin has */
	PERLBAL_T_LISTEN,	/* "a.b.c.d:port" or "port" */
	PERLBAL_T_IPPORT,	/* "a.b.c.d:port" */
	PERLBAL_T_IPPORTS,	/* a comma-separated list of those */
	PERLBAL_T_NETMASKS,	/* comma-separated addresses or CIDR blocks */
	PERLBAL_T_POOL,		/* the name of a pool that exists */
	PERLBAL_T_SERVICE,	/* the name of a service that exists */
	PERLBAL_T_ENUM,		/* one of <words> */
};

/* What weir makes of a tunable. */
enum perlbal_map {
	PERLBAL_MAP_NONE = 0,	/* nothing: a warning, unless the value is
				   <same> (weir already behaves so) */
	PERLBAL_MAP_READ,	/* read by the emitter with others (role,
				   listen, pool, TLS, trusted proxies...) */
	PERLBAL_MAP_SERVICE,	/* the service key <weir>, same value */
	PERLBAL_MAP_POOL,	/* the key <weir> of the service's pool */
	PERLBAL_MAP_SECONDS,	/* the service key <weir>, in milliseconds */
};

struct perlbal_tunable {
	const char		*name;
	const char		*role;		/* "*", or the one role */
	enum perlbal_type	 type;
	const char		*def;		/* Perlbal's default,
						   normalized; NULL: none */
	const char		*plugin;	/* the plugin whose LOAD adds
						   it; NULL: Perlbal's own */
	enum perlbal_map	 map;
	const char		*weir;		/* the weir key */
	bool			 is_always;	/* written even when not set:
						   Perlbal's default is not
						   weir's */
	const char		*same;		/* MAP_NONE: the value with
						   which weir does what
						   Perlbal does; "*": any
						   value; NULL: none */
	const char		*instead;	/* MAP_NONE: what weir does */
	const char		*words;		/* T_ENUM: the values taken,
						   separated by spaces */
};

/* Every tunable, in Service.pm's order, then the plugins'; NULL ends. */
extern const struct perlbal_tunable	perlbal_tunables[];

/*
 * The tunable <name> (lower case) as Perlbal knows it once the plugins
 * in <loaded> (NULL-terminated, Perlbal's case) are loaded; NULL if none.
 */
const struct perlbal_tunable *perlbal_tunable_find(const char *name,
	    const char *const *loaded);

/* The tunable <name>, whichever plugin adds it; NULL if none does. */
const struct perlbal_tunable *perlbal_tunable_any(const char *name);

/* What a plugin does for a service that registers it. */
enum perlbal_plugin_kind {
	PERLBAL_PLUGIN_NONE = 0,	/* nothing weir has: a warning */
	PERLBAL_PLUGIN_SELECTOR,	/* vhosts, vpaths: routes */
	PERLBAL_PLUGIN_TUNABLES,	/* only its tunables matter */
	PERLBAL_PLUGIN_GLOBAL,		/* commands only (include) */
};

struct perlbal_plugin {
	const char		*name;		/* the file's case */
	enum perlbal_plugin_kind kind;
	const char		*command;	/* the command its LOAD adds */
	const char		*role;		/* the role its LOAD adds */
	const char		*does;		/* what it does, for warnings */
};

/* The plugins Perlbal 1.80 ships; NULL name ends. */
extern const struct perlbal_plugin	perlbal_plugins[];

/*
 * The plugin that "LOAD <word>" loads: Perlbal tries the word as
 * written, in lower case and capitalized, and the file system decides;
 * NULL if none of those names a plugin.
 */
const struct perlbal_plugin *perlbal_plugin_load(const char *word);

/* The plugin named <name> in any case (SET plugins), or NULL. */
const struct perlbal_plugin *perlbal_plugin_find(const char *name);

/* A SERVER option: how its value is checked and what weir makes of it. */
struct perlbal_server_option {
	const char		*name;		/* a prefix when ending '(' */
	bool			 is_numeric;	/* Perlbal wants -?\d+ */
	const char		*weir;		/* top-level key, or NULL */
	const char		*instead;	/* when <weir> is NULL */
};

/* Perlbal.pm's MANAGE_server options; NULL name ends. */
extern const struct perlbal_server_option perlbal_server_options[];

#endif
