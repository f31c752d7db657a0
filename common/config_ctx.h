/*
 * The state of one configuration load, shared by the config_*.c files and
 * nothing else: the JSON path being checked, the errors found so far with
 * their positions, a memory failure, and the checks of one value that
 * several sections use.  Its functions are prefixed ctx_ (not config_ctx_):
 * they are called on nearly every line of the loader.
 */
#ifndef WEIR_COMMON_CONFIG_CTX_H
#define WEIR_COMMON_CONFIG_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "common/addr.h"
#include "common/config.h"
#include "common/json_pos.h"

/* Deepest schema path is services.S.tls.certificates[N].cert: 6 steps. */
#define PATH_DEPTH	16

/* Pool and service names land in fixed shm fields (shm_layout.h). */
#define NAME_MAX_LEN	63

/*
 * Size bounds.  Strings go into request heads, log lines, the segment and
 * system calls, and one value of megabytes must not be copied per backend:
 * every string has a bound, and every array that is walked per request or
 * per probe has one too.  The messages name each.
 */
#define STRING_MAX_LEN		4095	/* PATH_MAX - 1: any other string */
#define HOST_MAX_LEN		255	/* a DNS name (RFC 1035 2.3.4) */
#define USER_MAX_LEN		255	/* LOGIN_NAME_MAX - 1 */
#define HEALTH_PATH_MAX_LEN	1024	/* request target of a probe */
#define ROUTE_PATH_MAX_LEN	1024
#define ADDR_MAX_LEN		(ADDR_STRLEN - 1)	/* "[v6%scope]:port" */
#define FILE_NAME_MAX_LEN	255	/* NAME_MAX */
#define VIA_MAX_LEN		64
#define PROTOCOL_MAX_LEN	64	/* an Upgrade protocol token */

/* An error found, with where it is: kept until all are sorted. */
struct ctx_error {
	size_t		 src;		/* the file, in the order read */
	unsigned	 line;
	unsigned	 col;
	size_t		 seq;		/* keeps same-place errors in order */
	char		*text;		/* owned */
};

/* One file of the configuration: the main one, or one it includes. */
struct ctx_source {
	char		*name;		/* owned: the file, as messages
					   name it */
	char		*text;		/* owned: its JSON, comments blanked */
	size_t		 len;
	struct json_pos	*pos;		/* owned; built on its first error */
	bool		 is_pos_tried;
};

/* A pool or service name and its index, for lookups by name. */
struct ctx_named {
	const char	*name;		/* borrowed from the config */
	size_t		 index;
};

/* Names sorted for bsearch: load time stays n log n in the pools. */
struct ctx_names {
	struct ctx_named	*v;	/* owned */
	size_t			 n;
};

struct config_ctx {
	struct ctx_source	*src;	/* owned: [0] the main file, then
					   those it includes */
	size_t			 nsrc;
	size_t			 srccap;
	/* Which file each part of the merged object came from
	   (config_source.c); NULL while everything is from src[0]. */
	json_t			*origin;	/* owned */
	long			 at_src;	/* >= 0: errors go to this file
						   (while includes are read) */
	struct json_step	 path[PATH_DEPTH];
	size_t			 depth;
	struct ctx_error	*err;	/* owned */
	size_t			 nerr;
	size_t			 errcap;
	bool			 is_nomem;
	struct ctx_names	 pools_by_name;
	struct ctx_names	 services_by_name;
	struct config		*cfg;	/* borrowed: what is being built */
};

/* Starts <x> for a load building <cfg>; no file yet (ctx_add_source). */
void	ctx_init(struct config_ctx *x, struct config *cfg);

/*
 * Adds a file of the configuration: <text> (<len> bytes, NUL-terminated,
 * malloc'ed) becomes <x>'s, and messages call it <name>.  Returns its
 * index, or -1 when out of memory (<text> is then freed).
 */
long	ctx_add_source(struct config_ctx *x, const char *name, char *text,
	    size_t len);

/*
 * Writes the errors of <x> to <errs> (NULL: nowhere) in file order, then
 * "out of memory" if that happened, and frees everything <x> owns.  Returns true when there
 * was anything to write (the load failed).
 */
bool	ctx_finish(struct config_ctx *x, FILE *errs);

/*
 * Records a problem with the value at the current path, or with the key
 * that ends it (ctx_report_key), as "NAME:LINE:COL: PATH: message".
 */
void	ctx_report(struct config_ctx *x, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	ctx_report_key(struct config_ctx *x, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* A problem at <line>:<col> of file <src> (JSON syntax), no path. */
void	ctx_report_at(struct config_ctx *x, size_t src, unsigned line,
	    unsigned col, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* "NAME:LINE:COL" of the key that ends the current path, into <buf>. */
void	ctx_where(struct config_ctx *x, char *buf, size_t len);

/*
 * Records that member <key> of the object at the current path is required
 * but absent; the position is the object's.
 */
void	ctx_report_missing(struct config_ctx *x, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Paths: each push is undone by one ctx_leave(). */
void	ctx_push_key(struct config_ctx *x, const char *key);
void	ctx_push_index(struct config_ctx *x, size_t index);
void	ctx_leave(struct config_ctx *x);

/* Returns member <key> of <obj> and enters it, or NULL (entering nothing). */
json_t	*ctx_enter(struct config_ctx *x, json_t *obj, const char *key);

/*
 * Memory: a failure is remembered in <x> and fails the load at the end.
 * ctx_calloc() returns NULL for <n> == 0 too.
 */
void	*ctx_calloc(struct config_ctx *x, size_t n, size_t size);
char	*ctx_strdup(struct config_ctx *x, const char *s);

/* Frees an owned array of <n> owned strings; NULL is fine. */
void	 ctx_free_strings(char **v, size_t n);

/* Replaces the owned string <*dst> with a copy of <s> (NULL: none). */
void	 ctx_set_string(struct config_ctx *x, char **dst, const char *s);

/*
 * Checks of the value <v> at the current path.  Each returns 0 with the
 * result in <*out>, or -1 after reporting what was expected.
 */
int	ctx_want_int(struct config_ctx *x, json_t *v, long long min,
	    long long max, long long *out);
/* A non-empty string of at most <max> bytes; <*out> is borrowed from <v>. */
int	ctx_want_string_max(struct config_ctx *x, json_t *v, size_t max,
	    const char **out);
/* One of the NULL-terminated <names>; <*out> is its index. */
int	ctx_want_enum(struct config_ctx *x, json_t *v,
	    const char *const *names, int *out);

/*
 * A numeric "host:port" into <*addr>, and a copy of the text into the
 * owned <*text>.  On error, addr->len is 0 when the text was parsed.
 */
void	ctx_want_address(struct config_ctx *x, json_t *v, char **text,
	    struct addr *addr);

/* True when the array <v> has at most <max> elements; reports otherwise. */
bool	ctx_array_fits(struct config_ctx *x, json_t *v, size_t max,
	    const char *what);

/* Writes <names> (NULL-terminated) to <f> separated by ", ". */
void	ctx_print_list(FILE *f, const char *const *names);

/* No spaces or control bytes: the text goes into request heads. */
bool	ctx_is_clean(const char *s);

/* An RFC 9110 5.6.2 token: one or more tchar. */
bool	ctx_is_token(const char *s);

/*
 * Reports, at the key ending the path, a pool or service name that is not
 * 1 to 63 letters, digits, '-', '_', '.' or ':' (as HAProxy's).
 */
void	ctx_check_name(struct config_ctx *x, const char *name);

/*
 * Sorts into <out> the <n> names found at <base> + i * <stride> + <off> (a
 * char * in each pool or service) with their indices, for ctx_find_name().
 * Names that failed to copy are left out.
 */
void	ctx_index_names(struct config_ctx *x, struct ctx_names *out,
	    const void *base, size_t n, size_t stride, size_t off);

/* Index of <name> in <names>, or -1. */
int	ctx_find_name(const struct ctx_names *names, const char *name);

#endif
