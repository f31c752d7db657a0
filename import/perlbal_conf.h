/*
 * What a Perlbal 1.80 configuration leaves behind once every line has run:
 * its pools, its services with the values their tunables were set to, the
 * selector rules, the SERVER options; and where each came from, so that
 * every message names a file and a line.  Statements fill it
 * (import/perlbal_parse.c); the emitter reads it (import/perlbal_emit.c).
 */
#ifndef WEIR_IMPORT_PERLBAL_CONF_H
#define WEIR_IMPORT_PERLBAL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct perlbal_tunable;

/* A place in the input: the file's name is owned by the conf. */
struct perlbal_where {
	const char	*file;
	unsigned	 line;
};

/* Perlbal's pool balance methods; its default is random. */
enum perlbal_balance {
	PERLBAL_RANDOM = 0,
	PERLBAL_ROUNDROBIN,
};

struct perlbal_node {
	char			 ip[16];	/* dotted quad */
	unsigned		 port;
};

struct perlbal_pool {
	char			*name;		/* owned */
	struct perlbal_where	 created;
	struct perlbal_node	*nodes;		/* owned */
	size_t			 nnodes, cap;
	enum perlbal_balance	 balance;
	char			*nodefile;	/* owned; NULL = none */
	struct perlbal_where	 nodefile_at;
};

/* A value a SET (or a DEFAULT, when the role was set) gave a tunable. */
struct perlbal_setting {
	const struct perlbal_tunable	*tunable;
	char				*value;	/* owned, normalized: a
						   bool is "1" or "0", a
						   size is in bytes */
	struct perlbal_where		 at;
};

/* A VHOST or VPATH line: a pattern and the service it sends to. */
struct perlbal_rule {
	char			*pattern;	/* owned; a host in lower
						   case, or a regex */
	char			*target;	/* owned, as written */
	struct perlbal_where	 at;
};

/* Which plugin chooses for a selector: the last one registered. */
enum perlbal_selector {
	PERLBAL_SELECT_NONE = 0,
	PERLBAL_SELECT_VHOSTS,
	PERLBAL_SELECT_VPATHS,
};

struct perlbal_service {
	char			*name;		/* owned */
	struct perlbal_where	 created;
	char			*role;		/* owned; NULL until set */
	struct perlbal_where	 role_at;
	bool			 is_enabled;
	struct perlbal_where	 enabled_at;
	struct perlbal_setting	*settings;	/* owned */
	size_t			 nsettings, cap;
	char			**plugins;	/* owned; registered, in
						   order, Perlbal's case */
	size_t			 nplugins;
	struct perlbal_where	 plugins_at;
	enum perlbal_selector	 selector;
	struct perlbal_rule	*vhosts;	/* owned */
	size_t			 nvhosts, vhosts_cap;
	struct perlbal_rule	*vpaths;	/* owned */
	size_t			 nvpaths, vpaths_cap;
};

/* A DEFAULT line: applied to each service when its role is set. */
struct perlbal_default {
	char			*key;		/* owned */
	char			*value;		/* owned */
	struct perlbal_where	 at;
};

struct perlbal_conf {
	struct perlbal_pool	*pools;		/* owned */
	size_t			 npools, pools_cap;
	struct perlbal_service	*services;	/* owned */
	size_t			 nservices, services_cap;
	struct perlbal_default	*defaults;	/* owned */
	size_t			 ndefaults, defaults_cap;
	/* Perlbal's %plugins: loaded, as the file is spelled; NULL ends. */
	const char		*loaded[32];
	/* Pools are made for a service on demand until CREATE POOL runs. */
	bool			 may_vivify_pools;
	/* SERVER options that weir has */
	char			*pidfile;	/* owned; NULL = none */
	struct perlbal_where	 pidfile_at;
	/* Every file name a message may name, owned */
	char			**files;
	size_t			 nfiles;
	/* Messages, written to <msgs> as they come; counted */
	FILE			*msgs;
	unsigned		 nerrors;
	unsigned		 nwarnings;
};

/*
 * Starts <c> empty, its messages going to <msgs> (stderr, or a memory
 * stream in the tests).  Free with perlbal_conf_free().
 */
void	perlbal_conf_init(struct perlbal_conf *c, FILE *msgs);

/* Frees everything <c> owns; <c> may be initialized again. */
void	perlbal_conf_free(struct perlbal_conf *c);

/*
 * Keeps a copy of the file name <name> for the messages and places that
 * name it; returns the copy, or NULL when out of memory (reported).
 */
const char *perlbal_conf_file(struct perlbal_conf *c, const char *name);

/*
 * Writes "FILE:LINE: message" (an error: counted, the import fails) or
 * "FILE:LINE: warning: message" as one line to c->msgs.  A NULL <at> or
 * file writes no place.
 */
void	perlbal_conf_error(struct perlbal_conf *c,
	    const struct perlbal_where *at, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	perlbal_conf_warn(struct perlbal_conf *c,
	    const struct perlbal_where *at, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The pool or service named <name> (case matters), or NULL. */
struct perlbal_pool	*perlbal_conf_pool(struct perlbal_conf *c,
			    const char *name);
struct perlbal_service	*perlbal_conf_service(struct perlbal_conf *c,
			    const char *name);

/*
 * Adds a pool or service named <name> created at <at>; returns it, or
 * NULL when out of memory (reported).  The name must be free.  Pointers
 * into the arrays last until the next add.
 */
struct perlbal_pool	*perlbal_conf_add_pool(struct perlbal_conf *c,
			    const char *name, const struct perlbal_where *at);
struct perlbal_service	*perlbal_conf_add_service(struct perlbal_conf *c,
			    const char *name, const struct perlbal_where *at);

/*
 * The value of <t> on <s>: the setting's, else NULL.  A tunable set twice
 * keeps the last value.
 */
const struct perlbal_setting *perlbal_conf_setting(
			    const struct perlbal_service *s,
			    const struct perlbal_tunable *t);

/*
 * Sets <t> on <s> to <value> (copied) from <at>; 0, or -1 when out of
 * memory (reported).
 */
int	perlbal_conf_set(struct perlbal_conf *c, struct perlbal_service *s,
	    const struct perlbal_tunable *t, const char *value,
	    const struct perlbal_where *at);

/* Forgets the value of <t> on <s>, if any. */
void	perlbal_conf_unset(struct perlbal_service *s,
	    const struct perlbal_tunable *t);

/*
 * Appends a node to <p>, replacing an equal one as Perlbal's "add" does
 * (no duplicates); 0, or -1 when out of memory or when the pool already
 * holds PERLBAL_MAX_NODES (reported at <at>).
 */
#define PERLBAL_MAX_NODES	1000000
int	perlbal_conf_add_node(struct perlbal_conf *c, struct perlbal_pool *p,
	    const char *ip, unsigned port, const struct perlbal_where *at);

/* Removes the node ip:port from <p>, if it holds it. */
void	perlbal_conf_remove_node(struct perlbal_pool *p, const char *ip,
	    unsigned port);

/*
 * Appends a VHOST (<is_vpath> false) or VPATH rule to <s>; a VHOST with
 * the pattern of an earlier one replaces it, as Perlbal's hash does, and
 * <*replaced> tells where that one was (line 0: none).  Returns 0, or -1
 * when out of memory (reported).
 */
int	perlbal_conf_add_rule(struct perlbal_conf *c, struct perlbal_service *s,
	    bool is_vpath, const char *pattern, const char *target,
	    const struct perlbal_where *at, struct perlbal_where *replaced);

/* Drops <s>'s VPATH (<is_vpath>) or VHOST rules: a plugin registered. */
void	perlbal_conf_clear_rules(struct perlbal_service *s, bool is_vpath);

/* Owned copy of <s>, or NULL after reporting that memory ran out. */
char	*perlbal_conf_strdup(struct perlbal_conf *c, const char *s);

/*
 * Makes room for one more element in the array <*base> of <n> used of
 * <*cap>, each <size> bytes; 0, or -1 when out of memory (reported).  New
 * room is zeroed.
 */
int	perlbal_conf_grow(struct perlbal_conf *c, void *base, size_t *cap,
	    size_t n, size_t size);

#endif
