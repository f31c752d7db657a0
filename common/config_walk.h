/*
 * What a configuration key is (struct config_key, one row of the tables in
 * common/config_keys.c) and the walk that applies a table to a JSON
 * object: unknown keys, defaults, type and bounds checks, and storing
 * each value at its place in the section's struct.  Keys with structure
 * of their own are CONFIG_CUSTOM: the walk hands their value to the row's
 * parse function.
 */
#ifndef WEIR_COMMON_CONFIG_WALK_H
#define WEIR_COMMON_CONFIG_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/config.h"

struct config_ctx;

enum config_type {
	CONFIG_BOOL = 0,	/* bool: true or false */
	CONFIG_UINT,		/* unsigned: an integer from min to max */
	CONFIG_SIZE,		/* size_t: likewise, a size in bytes */
	CONFIG_U64,		/* uint64_t: likewise; max LLONG_MAX is
				   written ">= min" */
	CONFIG_STRING,		/* char *, owned: non-empty, at most
				   max_len bytes */
	CONFIG_STRING_OR_NULL,	/* the same, or null for none */
	CONFIG_ENUM,		/* an enum: one of names, stored as the
				   name's index */
	CONFIG_STRINGS,		/* char ** at offset and size_t at
				   count_offset, both owned: an array of
				   strings of at most max_len bytes */
	CONFIG_CUSTOM,		/* parse() checks and stores the value */
};

/* The service roles that take a key: bits 1u << enum role. */
#define CONFIG_ROLE_PROXY	(1u << ROLE_REVERSE_PROXY)
#define CONFIG_ROLE_WEB		(1u << ROLE_WEB_SERVER)
#define CONFIG_ROLE_STATS	(1u << ROLE_STATS)
#define CONFIG_ROLE_ANY		(CONFIG_ROLE_PROXY | CONFIG_ROLE_WEB | \
				 CONFIG_ROLE_STATS)

/*
 * One key of one section (the top level, a pool, a backend object, ...).
 * A table is an array of these in the order messages list them, ended by a
 * row whose name is NULL.  Fields a type does not use stay zero.
 */
struct config_key {
	const char		*name;
	unsigned		 roles;		/* CONFIG_ROLE_*; other sections
						   than services: ANY */
	enum config_type	 type;
	size_t			 offset;	/* of the field in the section's
						   struct */
	/* Numbers, bools, enums; and the most elements of an array */
	long long		 min;
	long long		 max;
	long long		 def;		/* default; an enum's index */
	const char		*def_key;	/* default: the value of this
						   earlier key of the table */
	/* Strings */
	size_t			 max_len;	/* bytes, of each string */
	const char		*def_str;	/* default; NULL = none */
	const char *const	*def_list;	/* CONFIG_STRINGS default,
						   NULL-terminated */
	const char *const	*names;		/* CONFIG_ENUM, NULL-terminated;
						   CONFIG_STRINGS: the only
						   elements taken, or NULL */
	size_t			 count_offset;	/* CONFIG_STRINGS */
	const char		*what;		/* CONFIG_STRINGS: an element,
						   as "expected %s" */
	bool			 is_nonempty;	/* CONFIG_STRINGS */
	/* CONFIG_STRING, and each element of CONFIG_STRINGS: a value
	   within bounds must also pass this. */
	bool			(*is_valid)(const char *);
	const char		*invalid;	/* message when it does not */
	/* A required key: the message after "missing; ". */
	const char		*missing;
	/*
	 * CONFIG_CUSTOM: parse() gets the value <v> (the path is at the key)
	 * and the section's struct <conf>; NULL when the section's own
	 * parser reads the key.  init(), when set, puts the key's default
	 * in <conf>.  <sub> is the table of a nested object.
	 */
	void			(*parse)(struct config_ctx *x, json_t *v,
				    const struct config_key *k, void *conf);
	void			(*init)(struct config_ctx *x,
				    const struct config_key *k, void *conf);
	const struct config_key	*sub;
};

/*
 * Puts the default of every key of <keys> into <conf>, a zeroed struct,
 * whatever role takes the key: a web_server service still has a "via" for
 * its own answers.  Strings are copies <conf> owns.  What defaults to 0,
 * false or none is left as it is: a pool may hold a million backends.
 */
void	config_walk_defaults(struct config_ctx *x,
	    const struct config_key *keys, void *conf);

/*
 * Applies <keys> to the object <obj> at the current path of <x>, for a
 * service of the roles <roles> (CONFIG_ROLE_ANY elsewhere; <role> names a
 * single role in messages, or is NULL).  Reports every member that no key
 * of those roles names, listing the ones it takes in table order; then,
 * in table order, every key that all of <roles> take: reports it missing
 * when required, else checks and stores it when present, or hands it to
 * its parse function.  Defaults must already be in <conf>.
 */
void	config_walk(struct config_ctx *x, json_t *obj,
	    const struct config_key *keys, unsigned roles, const char *role,
	    void *conf);

/* The row of <keys> named <name>, or NULL. */
const struct config_key *config_walk_find(const struct config_key *keys,
	    const char *name);

#endif
