/*
 * JSON (jansson) to struct config.  Every check runs even after a failure so
 * that one pass reports every problem; the errors are collected, sorted by
 * position and written at the end.  Positions come from common/json_pos.c,
 * because jansson keeps none for values.  Sockets, files and certificates
 * are left to the roles that use them.
 */
#include "common/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/json_pos.h"
#include "common/readfile.h"

/* Deepest schema path is services.S.tls.certificates[N].cert: 6 steps. */
#define PATH_DEPTH	16

/* Pool and service names land in fixed shm fields (shm_layout.h). */
#define NAME_MAX_LEN	63

#define VIA_MAX_LEN	64

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
#define MAX_BACKENDS		1000000	/* per pool */
#define MAX_LISTEN		64	/* per service */
#define MAX_ROUTES		10000	/* walked per request */
#define MAX_TRUSTED		10000	/* walked per forwarded request */
#define MAX_CERTIFICATES	1000	/* per service; SNI walks them */
#define MAX_EXPECT		64
#define MAX_INDEX_FILES		16	/* tried per directory request */
/* The longest key a message quotes in a path; longer ones end in "...". */
#define PATH_KEY_SHOWN		128
/* The configuration file: a million backend objects fit. */
#define CONFIG_MAX_BYTES	(64u * 1024 * 1024)

#define ROLE_ANY	(1u << ROLE_REVERSE_PROXY | 1u << ROLE_WEB_SERVER)
#define ROLE_PROXY	(1u << ROLE_REVERSE_PROXY)
#define ROLE_WEB	(1u << ROLE_WEB_SERVER)

struct errline {
	unsigned	 line;
	unsigned	 col;
	size_t		 seq;		/* keeps same-place errors in order */
	char		*text;		/* owned */
};

/* A pool or service name and its index, for lookups by name. */
struct named {
	const char	*name;		/* borrowed from the config */
	size_t		 index;
};

/* Names sorted for bsearch: load time stays n log n in the pools. */
struct names {
	struct named	*v;		/* owned */
	size_t		 n;
};

struct ctx {
	const char		*name;	/* the file, as messages name it */
	const char		*text;	/* raw JSON, for positions */
	size_t			 len;
	FILE			*errs;
	struct json_step	 path[PATH_DEPTH];
	size_t			 depth;
	struct errline		*err;	/* owned */
	size_t			 nerr;
	size_t			 errcap;
	bool			 is_nomem;
	struct json_pos		*pos;	/* owned; built on the first error */
	bool			 is_pos_tried;
	struct names		 pools_by_name;
	struct names		 services_by_name;
	struct config		*cfg;
};

/* A key an object may hold, and for services which roles may use it. */
struct keydef {
	const char	*name;
	unsigned	 roles;
};

static const struct keydef top_keys[] = {
	{ "user", ROLE_ANY }, { "group", ROLE_ANY }, { "workers", ROLE_ANY },
	{ "max_connections", ROLE_ANY }, { "shutdown_timeout_ms", ROLE_ANY },
	{ "state_dir", ROLE_ANY }, { "pidfile", ROLE_ANY },
	{ "error_log", ROLE_ANY }, { "access_log", ROLE_ANY },
	{ "access_log_format", ROLE_ANY },
	{ "log_level", ROLE_ANY }, { "pools", ROLE_ANY },
	{ "services", ROLE_ANY }, { NULL, 0 }
};

static const struct keydef pool_keys[] = {
	{ "balance", ROLE_ANY }, { "backends", ROLE_ANY },
	{ "persist", ROLE_ANY }, { "verify", ROLE_ANY },
	{ "connect_timeout_ms", ROLE_ANY }, { "response_timeout_ms", ROLE_ANY },
	{ "retries", ROLE_ANY }, { "max_idle", ROLE_ANY },
	{ "slowstart_ms", ROLE_ANY }, { "queue_timeout_ms", ROLE_ANY },
	{ "tls", ROLE_ANY }, { "tls_ca_file", ROLE_ANY },
	{ "tls_verify", ROLE_ANY }, { "tls_server_name", ROLE_ANY },
	{ "health", ROLE_ANY }, { "when_all_down", ROLE_ANY }, { NULL, 0 }
};

static const struct keydef backend_keys[] = {
	{ "address", ROLE_ANY }, { "weight", ROLE_ANY },
	{ "max_conns", ROLE_ANY }, { "backup", ROLE_ANY }, { NULL, 0 }
};

static const struct keydef health_keys[] = {
	{ "path", ROLE_ANY }, { "host", ROLE_ANY }, { "interval_ms", ROLE_ANY },
	{ "timeout_ms", ROLE_ANY }, { "rise", ROLE_ANY }, { "fall", ROLE_ANY },
	{ "expect", ROLE_ANY }, { NULL, 0 }
};

static const struct keydef service_keys[] = {
	{ "role", ROLE_ANY }, { "listen", ROLE_ANY },
	{ "pool", ROLE_PROXY }, { "routes", ROLE_PROXY },
	{ "persist_client", ROLE_ANY }, { "client_idle_timeout_ms", ROLE_ANY },
	{ "request_header_timeout_ms", ROLE_ANY },
	{ "max_header_bytes", ROLE_ANY }, { "max_body_bytes", ROLE_ANY },
	{ "trusted_proxies", ROLE_PROXY }, { "via", ROLE_PROXY },
	{ "client_body_timeout_ms", ROLE_PROXY },
	{ "client_body_min_rate", ROLE_PROXY },
	{ "tls", ROLE_ANY }, { "docroot", ROLE_WEB }, { "index", ROLE_WEB },
	{ "dirindex", ROLE_WEB }, { "follow_symlinks", ROLE_WEB },
	{ "redirect_https", ROLE_ANY },
	{ NULL, 0 }
};

static const struct keydef route_keys[] = {
	{ "host", ROLE_ANY }, { "path", ROLE_ANY }, { "pool", ROLE_ANY },
	{ "service", ROLE_ANY }, { NULL, 0 }
};

static const struct keydef tls_keys[] = {
	{ "certificates", ROLE_ANY }, { "protocols", ROLE_ANY },
	{ "ciphers", ROLE_ANY }, { "session_tickets", ROLE_ANY },
	{ "hsts_max_age", ROLE_ANY }, { NULL, 0 }
};

static const struct keydef cert_keys[] = {
	{ "cert", ROLE_ANY }, { "key", ROLE_ANY }, { "ocsp", ROLE_ANY },
	{ NULL, 0 }
};

/* Indexed by enum balance. */
static const char *const balance_names[] = {
	"roundrobin", "random", "leastconn", "source", "uri", NULL
};

/* Indexed by enum when_all_down. */
static const char *const when_all_down_names[] = {
	"fail", "panic", NULL
};

/* Indexed by enum log_level. */
static const char *const level_names[] = {
	"error", "warn", "info", "debug", NULL
};

/* Indexed by enum access_format. */
static const char *const access_format_names[] = {
	"weir", "combined", NULL
};

/* Indexed by enum role. */
static const char *const role_names[] = {
	"reverse_proxy", "web_server", NULL
};

static const char *const tls_protocol_names[] = {
	"TLSv1.2", "TLSv1.3", NULL
};

/* Errors */

static void
path_print(const struct ctx *x, FILE *f)
{
	size_t	i;

	if (x->depth == 0)
		fputs("(top level)", f);
	for (i = 0; i < x->depth; i++) {
		if (x->path[i].key == NULL)
			fprintf(f, "[%zu]", x->path[i].index);
		else
			fprintf(f, "%s%.*s%s", i > 0 ? "." : "",
			    PATH_KEY_SHOWN, x->path[i].key,
			    strlen(x->path[i].key) > PATH_KEY_SHOWN ? "..." :
			    "");
	}
}

/* Finds the current path, or the nearest enclosing place the text has. */
static void
locate(struct ctx *x, bool at_key, unsigned *line, unsigned *col)
{
	size_t	d;

	/* Indexed at the first error: a good file never pays for it. */
	if (x->pos == NULL && !x->is_pos_tried) {
		x->is_pos_tried = true;
		if ((x->pos = json_pos_index(x->text, x->len)) == NULL)
			x->is_nomem = true;
	}
	for (d = x->depth; d > 0; d--) {
		if (json_pos_lookup(x->pos, x->path, d,
		    at_key && d == x->depth, line, col) == 0)
			return;
	}
	if (json_pos_lookup(x->pos, x->path, 0, false, line, col) == -1)
		*line = *col = 1;
}

/*
 * Records "NAME:LINE:COL: PATH[.missing]: message".  With <missing> the
 * problem is an absent key: the position is the enclosing object's.
 */
static void
vreport(struct ctx *x, bool at_key, const char *missing, const char *fmt,
    va_list ap)
{
	struct errline	*e, *grown;
	FILE		*f;
	char		*text = NULL, *p;
	size_t		 textlen, cap;
	unsigned	 line, col;

	locate(x, at_key, &line, &col);
	if ((f = open_memstream(&text, &textlen)) == NULL) {
		x->is_nomem = true;
		return;
	}
	fprintf(f, "%s:%u:%u: ", x->name, line, col);
	if (missing != NULL && x->depth == 0)
		fputs(missing, f);
	else {
		path_print(x, f);
		if (missing != NULL)
			fprintf(f, ".%s", missing);
	}
	fputs(": ", f);
	vfprintf(f, fmt, ap);
	if (fclose(f) != 0) {
		free(text);
		x->is_nomem = true;
		return;
	}
	/* Keys and values may hold escaped control bytes: one error, one
	   line. */
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (x->nerr == x->errcap) {
		cap = x->errcap == 0 ? 8 : x->errcap * 2;
		if ((grown = realloc(x->err, cap * sizeof(*grown))) == NULL) {
			free(text);
			x->is_nomem = true;
			return;
		}
		x->err = grown;
		x->errcap = cap;
	}
	e = &x->err[x->nerr];
	e->line = line;
	e->col = col;
	e->seq = x->nerr++;
	e->text = text;
}

static void report(struct ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void report_key(struct ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void report_missing(struct ctx *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* A problem with the value at the current path. */
static void
report(struct ctx *x, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(x, false, NULL, fmt, ap);
	va_end(ap);
}

/* A problem with the key that ends the current path. */
static void
report_key(struct ctx *x, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(x, true, NULL, fmt, ap);
	va_end(ap);
}

/* Member <key> of the object at the current path is required but absent. */
static void
report_missing(struct ctx *x, const char *key, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(x, false, key, fmt, ap);
	va_end(ap);
}

static int
errline_cmp(const void *a, const void *b)
{
	const struct errline	*ea = a, *eb = b;

	if (ea->line != eb->line)
		return ea->line < eb->line ? -1 : 1;
	if (ea->col != eb->col)
		return ea->col < eb->col ? -1 : 1;
	return ea->seq < eb->seq ? -1 : ea->seq > eb->seq;
}

/* Writes the collected errors in file order and frees them. */
static void
flush_errors(struct ctx *x)
{
	size_t	i;

	qsort(x->err, x->nerr, sizeof(*x->err), errline_cmp);
	for (i = 0; i < x->nerr; i++) {
		fprintf(x->errs, "%s\n", x->err[i].text);
		free(x->err[i].text);
	}
	if (x->is_nomem)
		fprintf(x->errs, "%s: out of memory while loading\n", x->name);
	free(x->err);
	x->err = NULL;
	x->nerr = x->errcap = 0;
}

/* Paths */

static void
push_key(struct ctx *x, const char *key)
{
	/* The schema is shallower than PATH_DEPTH: going deeper is a bug. */
	if (x->depth == PATH_DEPTH)
		abort();
	x->path[x->depth].key = key;
	x->path[x->depth].index = 0;
	x->depth++;
}

static void
push_index(struct ctx *x, size_t index)
{
	if (x->depth == PATH_DEPTH)
		abort();
	x->path[x->depth].key = NULL;
	x->path[x->depth].index = index;
	x->depth++;
}

static void
leave(struct ctx *x)
{
	x->depth--;
}

/* Returns member <key> of <obj> and enters it, or NULL (entering nothing). */
static json_t *
enter(struct ctx *x, json_t *obj, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(obj, key)) != NULL)
		push_key(x, key);
	return v;
}

/* Memory: a failure is remembered and the load fails at the end. */

static void *
xcalloc(struct ctx *x, size_t n, size_t size)
{
	void	*p;

	if (n == 0)
		return NULL;
	if ((p = calloc(n, size)) == NULL)
		x->is_nomem = true;
	return p;
}

static char *
xstrdup(struct ctx *x, const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		x->is_nomem = true;
	return p;
}

/* Replaces the owned string <*dst> with a copy of <s>. */
static void
set_string(struct ctx *x, char **dst, const char *s)
{
	free(*dst);
	*dst = s == NULL ? NULL : xstrdup(x, s);
}

/* Checks of one value at the current path */

static void
print_list(FILE *f, const char *const *names)
{
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? ", " : "", names[i]);
}

/*
 * Reports every key of <obj> that <defs> does not allow for a service of
 * <roles>; <role> names that role in the message, or is NULL.
 */
static void
check_keys(struct ctx *x, json_t *obj, const struct keydef *defs,
    unsigned roles, const char *role)
{
	const struct keydef	*d;
	const char		*key;
	json_t			*v;
	FILE			*f;
	char			*list = NULL;
	size_t			 listlen, n;

	json_object_foreach(obj, key, v) {
		for (d = defs; d->name != NULL; d++)
			if (strcmp(d->name, key) == 0)
				break;
		if (d->name != NULL && (d->roles & roles) != 0)
			continue;
		/* Written once, at the first bad key: objects are many. */
		if (list == NULL) {
			if ((f = open_memstream(&list, &listlen)) == NULL) {
				x->is_nomem = true;
				return;
			}
			for (n = 0, d = defs; d->name != NULL; d++)
				if (d->roles & roles)
					fprintf(f, "%s%s", n++ > 0 ? ", " :
					    "", d->name);
			if (fclose(f) != 0) {
				free(list);
				x->is_nomem = true;
				return;
			}
			for (d = defs; d->name != NULL; d++)
				if (strcmp(d->name, key) == 0)
					break;
		}
		push_key(x, key);
		if (d->name == NULL)
			report_key(x, "unknown key; expected one of: %s", list);
		else if ((d->roles & roles) == 0)
			report_key(x, "not allowed for role %s; expected one "
			    "of: %s", role, list);
		leave(x);
	}
	free(list);
}

/* Takes an integer from <min> to <max>; reals and strings are errors. */
static int
want_int(struct ctx *x, json_t *v, long long min, long long max,
    long long *out)
{
	long long	n;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n >= min && n <= max) {
			*out = n;
			return 0;
		}
	}
	if (max == LLONG_MAX)
		report(x, "expected an integer >= %lld", min);
	else
		report(x, "expected an integer from %lld to %lld", min, max);
	return -1;
}

/* Takes a non-empty string of at most <max> bytes. */
static int
want_string_max(struct ctx *x, json_t *v, size_t max, const char **out)
{
	if (!json_is_string(v) || json_string_length(v) == 0) {
		report(x, "expected a non-empty string");
		return -1;
	}
	if (json_string_length(v) > max) {
		report(x, "longer than %zu bytes; expected at most %zu", max,
		    max);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* True when the array <v> has at most <max> elements; reports otherwise. */
static bool
array_fits(struct ctx *x, json_t *v, size_t max, const char *what)
{
	if (json_array_size(v) <= max)
		return true;
	report(x, "%zu %s; expected at most %zu", json_array_size(v), what,
	    max);
	return false;
}

/* Takes one of <names> and returns its index. */
static int
want_enum(struct ctx *x, json_t *v, const char *const *names, int *out)
{
	FILE	*f;
	char	*list = NULL;
	size_t	 listlen;
	int	 i;

	if (json_is_string(v)) {
		for (i = 0; names[i] != NULL; i++) {
			if (strcmp(names[i], json_string_value(v)) == 0) {
				*out = i;
				return 0;
			}
		}
	}
	if ((f = open_memstream(&list, &listlen)) == NULL) {
		x->is_nomem = true;
		return -1;
	}
	print_list(f, names);
	if (fclose(f) == 0)
		report(x, "expected one of: %s", list);
	else
		x->is_nomem = true;
	free(list);
	return -1;
}

/* No spaces or control bytes: the text goes into request heads. */
static bool
is_clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Checks of optional members; absent ones keep the caller's default */

static void
opt_int(struct ctx *x, json_t *obj, const char *key, long long min,
    long long max, long long *out)
{
	json_t	*v;

	if ((v = enter(x, obj, key)) == NULL)
		return;
	want_int(x, v, min, max, out);
	leave(x);
}

static void
opt_uint(struct ctx *x, json_t *obj, const char *key, unsigned min,
    unsigned max, unsigned *out)
{
	long long	n = *out;

	opt_int(x, obj, key, min, max, &n);
	*out = (unsigned)n;
}

static void
opt_bool(struct ctx *x, json_t *obj, const char *key, bool *out)
{
	json_t	*v;

	if ((v = enter(x, obj, key)) == NULL)
		return;
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else
		report(x, "expected true or false");
	leave(x);
}

static void
opt_string_max(struct ctx *x, json_t *obj, const char *key, size_t max,
    char **out)
{
	const char	*s;
	json_t		*v;

	if ((v = enter(x, obj, key)) == NULL)
		return;
	if (want_string_max(x, v, max, &s) == 0)
		set_string(x, out, s);
	leave(x);
}

static void
opt_string(struct ctx *x, json_t *obj, const char *key, char **out)
{
	opt_string_max(x, obj, key, STRING_MAX_LEN, out);
}

/* A string, or null for "none". */
static void
opt_string_or_null(struct ctx *x, json_t *obj, const char *key, char **out)
{
	json_t	*v;

	if ((v = enter(x, obj, key)) == NULL)
		return;
	if (json_is_null(v))
		set_string(x, out, NULL);
	else if (json_is_string(v) && json_string_length(v) > STRING_MAX_LEN)
		report(x, "longer than %d bytes; expected at most %d",
		    STRING_MAX_LEN, STRING_MAX_LEN);
	else if (json_is_string(v) && json_string_length(v) > 0)
		set_string(x, out, json_string_value(v));
	else
		report(x, "expected a non-empty string or null");
	leave(x);
}

static void
opt_enum(struct ctx *x, json_t *obj, const char *key,
    const char *const *names, int *out)
{
	json_t	*v;

	if ((v = enter(x, obj, key)) == NULL)
		return;
	want_enum(x, v, names, out);
	leave(x);
}

/*
 * Takes an array of non-empty strings into <*out>, replacing the default
 * there; <what> is what an element was expected to be.
 */
static void
opt_string_array(struct ctx *x, json_t *obj, const char *key,
    const char *what, bool is_nonempty, size_t max, char ***out,
    size_t *nout)
{
	json_t	*v, *e;
	char	**a;
	size_t	 i, n;

	if ((v = enter(x, obj, key)) == NULL)
		return;
	if (!json_is_array(v) || (is_nonempty && json_array_size(v) == 0)) {
		report(x, "expected %sarray of strings, each %s",
		    is_nonempty ? "a non-empty " : "an ", what);
		leave(x);
		return;
	}
	if (!array_fits(x, v, max, "entries")) {
		leave(x);
		return;
	}
	for (i = 0; i < *nout; i++)
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*nout = 0;
	n = json_array_size(v);
	if ((a = xcalloc(x, n, sizeof(*a))) == NULL) {
		leave(x);
		return;
	}
	*out = a;
	*nout = n;
	json_array_foreach(v, i, e) {
		push_index(x, i);
		if (!json_is_string(e) || json_string_length(e) == 0)
			report(x, "expected %s", what);
		else if (json_string_length(e) > FILE_NAME_MAX_LEN)
			report(x, "longer than %d bytes; expected at most %d",
			    FILE_NAME_MAX_LEN, FILE_NAME_MAX_LEN);
		else
			a[i] = xstrdup(x, json_string_value(e));
		leave(x);
	}
	leave(x);
}

/* Lookups by name */

static int
named_cmp(const void *a, const void *b)
{
	const struct named	*na = a, *nb = b;

	return strcmp(na->name, nb->name);
}

/*
 * Sorts into <out> the <n> names found at <base> + i * <stride> + <off> (a
 * char * in each pool or service) with their indices, for find_named().
 * Names that failed to copy are left out.
 */
static void
index_names(struct ctx *x, struct names *out, const void *base, size_t n,
    size_t stride, size_t off)
{
	const char	*name;
	size_t		 i;

	out->n = 0;
	if ((out->v = xcalloc(x, n, sizeof(*out->v))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		name = *(char *const *)((const char *)base + i * stride + off);
		if (name != NULL) {
			out->v[out->n].name = name;
			out->v[out->n++].index = i;
		}
	}
	qsort(out->v, out->n, sizeof(*out->v), named_cmp);
}

/* Index of <name> in <names>, or -1. */
static int
find_named(const struct names *names, const char *name)
{
	const struct named	*hit;
	struct named		 key = { name, 0 };

	if (names->n == 0)
		return -1;
	hit = bsearch(&key, names->v, names->n, sizeof(*names->v),
	    named_cmp);
	return hit != NULL ? (int)hit->index : -1;
}

/* Pools */

static void
parse_address(struct ctx *x, json_t *v, char **text, struct addr *addr)
{
	const char	*why;

	if (!json_is_string(v)) {
		report(x, "expected \"host:port\"");
		return;
	}
	if (json_string_length(v) > ADDR_MAX_LEN) {
		report(x, "longer than %d bytes; expected a numeric "
		    "\"host:port\"", ADDR_MAX_LEN);
		return;
	}
	if (addr_parse(json_string_value(v), addr, &why) == -1) {
		report(x, "\"%s\" is not a valid address: %s",
		    json_string_value(v), why);
		addr->len = 0;
		return;
	}
	set_string(x, text, json_string_value(v));
}

static void
parse_backend(struct ctx *x, json_t *v, struct pool_conf *p, size_t i)
{
	struct backend_conf	*b = &p->backends[i];
	json_t			*a;

	b->weight = 1;
	if (json_is_string(v))
		parse_address(x, v, &b->address, &b->addr);
	else if (json_is_object(v)) {
		check_keys(x, v, backend_keys, ROLE_ANY, NULL);
		if ((a = enter(x, v, "address")) != NULL) {
			parse_address(x, a, &b->address, &b->addr);
			leave(x);
		} else
			report_missing(x, "address",
			    "missing; expected \"host:port\"");
		opt_uint(x, v, "weight", 1, 256, &b->weight);
		opt_uint(x, v, "max_conns", 0, 1000000, &b->max_conns);
		opt_bool(x, v, "backup", &b->is_backup);
	} else {
		report(x, "expected \"host:port\" or an object with "
		    "\"address\"");
	}
}

/* Orders a pool's backend indices by address, then by position. */
static int
backend_cmp(const void *a, const void *b, void *arg)
{
	const struct pool_conf	*p = arg;
	size_t			 ia = *(const size_t *)a;
	size_t			 ib = *(const size_t *)b;
	int			 r;

	r = addr_compare(&p->backends[ia].addr, &p->backends[ib].addr);
	if (r != 0)
		return r;
	return ia < ib ? -1 : ia > ib;
}

/*
 * Reports each backend of <p> (from the array <arr>, the current path)
 * whose address an earlier one has, naming the first.  Sorted: comparing
 * every pair took a quarter of an hour for half a million backends.
 */
static void
check_backends_unique(struct ctx *x, json_t *arr, struct pool_conf *p)
{
	const struct backend_conf	*b;
	size_t				*order, i, n = 0, first = 0;
	bool				 is_object;

	if ((order = xcalloc(x, p->nbackends, sizeof(*order))) == NULL)
		return;
	for (i = 0; i < p->nbackends; i++)
		if (p->backends[i].addr.len != 0)
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), backend_cmp, p);
	for (i = 1; i < n; i++) {
		b = &p->backends[order[i]];
		if (addr_compare(&b->addr,
		    &p->backends[order[first]].addr) != 0) {
			first = i;
			continue;
		}
		is_object = json_is_object(json_array_get(arr, order[i]));
		push_index(x, order[i]);
		if (is_object)
			push_key(x, "address");
		report(x, "\"%s\" duplicates backends[%zu] of pool \"%s\"",
		    b->address != NULL ? b->address : "", order[first],
		    p->name != NULL ? p->name : "");
		if (is_object)
			leave(x);
		leave(x);
	}
	free(order);
}

static void
parse_backends(struct ctx *x, json_t *obj, struct pool_conf *p)
{
	json_t	*v, *e;
	size_t	 i;

	if ((v = enter(x, obj, "backends")) == NULL) {
		report_missing(x, "backends", "missing; expected a non-empty "
		    "array of \"host:port\" or backend objects");
		return;
	}
	if (!json_is_array(v) || json_array_size(v) == 0) {
		report(x, "expected a non-empty array of \"host:port\" or "
		    "backend objects");
		leave(x);
		return;
	}
	if (!array_fits(x, v, MAX_BACKENDS, "backends")) {
		leave(x);
		return;
	}
	if ((p->backends = xcalloc(x, json_array_size(v),
	    sizeof(*p->backends))) == NULL) {
		leave(x);
		return;
	}
	p->nbackends = json_array_size(v);
	json_array_foreach(v, i, e) {
		push_index(x, i);
		parse_backend(x, e, p, i);
		leave(x);
	}
	check_backends_unique(x, v, p);
	leave(x);
}

/* One "expect" entry: a class "2xx" or a status code 100..599. */
static void
parse_expect_one(struct ctx *x, json_t *v, struct health_conf *h)
{
	const char	*s;
	long long	 code;

	if (json_is_string(v)) {
		s = json_string_value(v);
		if (strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' &&
		    tolower((unsigned char)s[1]) == 'x' &&
		    tolower((unsigned char)s[2]) == 'x') {
			h->expect_class_mask |= 1u << (s[0] - '0');
			return;
		}
	} else if (json_is_integer(v)) {
		code = json_integer_value(v);
		if (code >= 100 && code <= 599) {
			h->expect_codes[h->nexpect_codes++] = (int)code;
			return;
		}
	}
	report(x, "expected a status class \"1xx\" to \"5xx\" or a status "
	    "code from 100 to 599");
}

static void
parse_expect(struct ctx *x, json_t *obj, struct health_conf *h)
{
	json_t	*v, *e;
	size_t	 i, n;

	if ((v = enter(x, obj, "expect")) == NULL)
		return;
	n = json_is_array(v) ? json_array_size(v) : 1;
	if (n == 0) {
		report(x, "expected a status class like \"2xx\", a status "
		    "code, or a non-empty array of them");
		leave(x);
		return;
	}
	if (json_is_array(v) && !array_fits(x, v, MAX_EXPECT, "entries")) {
		leave(x);
		return;
	}
	h->expect_class_mask = 0;
	if ((h->expect_codes = xcalloc(x, n, sizeof(int))) == NULL) {
		leave(x);
		return;
	}
	if (!json_is_array(v))
		parse_expect_one(x, v, h);
	else {
		json_array_foreach(v, i, e) {
			push_index(x, i);
			parse_expect_one(x, e, h);
			leave(x);
		}
	}
	if (h->nexpect_codes == 0) {
		free(h->expect_codes);
		h->expect_codes = NULL;
	}
	leave(x);
}

static void
parse_health(struct ctx *x, json_t *obj, struct health_conf *h)
{
	json_t	*v;

	h->enabled = true;
	h->path = xstrdup(x, "/");
	h->host = xstrdup(x, "localhost");
	h->interval_ms = 2000;
	h->timeout_ms = 1000;
	h->rise = 2;
	h->fall = 3;
	/*
	 * HAProxy's "option httpchk" without "http-check expect": "responses
	 * 2xx and 3xx are considered valid, while all other ones indicate a
	 * server failure".  A redirect to a login page is a live server.
	 */
	h->expect_class_mask = 1u << 2 | 1u << 3;
	if ((v = enter(x, obj, "health")) == NULL)
		return;
	if (json_is_false(v))
		h->enabled = false;
	else if (!json_is_object(v))
		report(x, "expected false or an object");
	else {
		check_keys(x, v, health_keys, ROLE_ANY, NULL);
		opt_string_max(x, v, "path", HEALTH_PATH_MAX_LEN, &h->path);
		if (h->path != NULL && (h->path[0] != '/' ||
		    !is_clean(h->path))) {
			push_key(x, "path");
			report(x, "expected a path starting with \"/\", "
			    "without spaces");
			leave(x);
		}
		opt_string_max(x, v, "host", HOST_MAX_LEN, &h->host);
		if (h->host != NULL && !is_clean(h->host)) {
			push_key(x, "host");
			report(x, "expected a host name without spaces");
			leave(x);
		}
		opt_uint(x, v, "interval_ms", 100, 3600000, &h->interval_ms);
		opt_uint(x, v, "timeout_ms", 10, 3600000, &h->timeout_ms);
		opt_uint(x, v, "rise", 1, 100, &h->rise);
		opt_uint(x, v, "fall", 1, 100, &h->fall);
		parse_expect(x, v, h);
	}
	leave(x);
}

/* 1..63 bytes of letters, digits, '-', '_', '.', ':' (as HAProxy). */
static bool
is_name(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr("-_.:", s[n]) ==
		    NULL)
			return false;
	return n > 0 && n <= NAME_MAX_LEN;
}

static void
check_name(struct ctx *x, const char *name)
{
	if (!is_name(name))
		report_key(x, "expected a name of 1 to %d letters, digits, "
		    "'-', '_', '.' or ':'", NAME_MAX_LEN);
}

static void
parse_pool(struct ctx *x, const char *name, json_t *v, struct pool_conf *p)
{
	int	balance = BALANCE_ROUNDROBIN, all_down = WHEN_ALL_DOWN_FAIL;

	p->name = xstrdup(x, name);
	p->balance = BALANCE_ROUNDROBIN;
	p->persist = true;
	p->connect_timeout_ms = 3000;
	p->response_timeout_ms = 60000;
	p->retries = 2;
	p->max_idle = 32;
	check_name(x, name);
	if (!json_is_object(v)) {
		report(x, "expected an object with \"backends\"");
		parse_health(x, NULL, &p->health);
		return;
	}
	check_keys(x, v, pool_keys, ROLE_ANY, NULL);
	opt_enum(x, v, "balance", balance_names, &balance);
	p->balance = (enum balance)balance;
	parse_backends(x, v, p);
	opt_bool(x, v, "persist", &p->persist);
	opt_bool(x, v, "verify", &p->verify);
	opt_uint(x, v, "connect_timeout_ms", 1, 3600000,
	    &p->connect_timeout_ms);
	opt_uint(x, v, "response_timeout_ms", 1, 86400000,
	    &p->response_timeout_ms);
	opt_uint(x, v, "retries", 0, 16, &p->retries);
	opt_uint(x, v, "max_idle", 0, 10000, &p->max_idle);
	opt_uint(x, v, "slowstart_ms", 0, 3600000, &p->slowstart_ms);
	opt_bool(x, v, "tls", &p->tls);
	p->tls_verify = true;
	opt_bool(x, v, "tls_verify", &p->tls_verify);
	opt_string(x, v, "tls_ca_file", &p->tls_ca_file);
	opt_string_max(x, v, "tls_server_name", HOST_MAX_LEN,
	    &p->tls_server_name);
	p->queue_timeout_ms = p->connect_timeout_ms;
	opt_uint(x, v, "queue_timeout_ms", 1, 3600000, &p->queue_timeout_ms);
	parse_health(x, v, &p->health);
	opt_enum(x, v, "when_all_down", when_all_down_names, &all_down);
	p->when_all_down = (enum when_all_down)all_down;
}

static void
parse_pools(struct ctx *x, json_t *root, struct config *cfg)
{
	const char	*name;
	json_t		*v, *p;
	size_t		 i = 0;

	if ((v = enter(x, root, "pools")) == NULL)
		return;
	if (!json_is_object(v)) {
		report(x, "expected an object of pools by name");
		leave(x);
		return;
	}
	if ((cfg->pools = xcalloc(x, json_object_size(v),
	    sizeof(*cfg->pools))) == NULL) {
		leave(x);
		return;
	}
	cfg->npools = json_object_size(v);
	json_object_foreach(v, name, p) {
		push_key(x, name);
		cfg->pools[i].index = i;
		parse_pool(x, name, p, &cfg->pools[i]);
		leave(x);
		i++;
	}
	index_names(x, &x->pools_by_name, cfg->pools, cfg->npools,
	    sizeof(*cfg->pools), offsetof(struct pool_conf, name));
	leave(x);
}

/* Services */

/* The role a service object asks for; -1 when "role" is not valid. */
static int
role_of(json_t *svc)
{
	json_t	*v;
	int	 i;

	if ((v = json_object_get(svc, "role")) == NULL)
		return ROLE_REVERSE_PROXY;
	if (!json_is_string(v))
		return -1;
	for (i = 0; role_names[i] != NULL; i++)
		if (strcmp(role_names[i], json_string_value(v)) == 0)
			return i;
	return -1;
}

/* One listen address: service <svc>, its <li>th. */
struct listen_ref {
	size_t	svc;
	size_t	li;
};

static int
listen_cmp(const void *a, const void *b, void *arg)
{
	const struct config	*cfg = arg;
	const struct listen_ref	*ra = a, *rb = b;
	int			 r;

	r = addr_compare(&cfg->services[ra->svc].listen[ra->li],
	    &cfg->services[rb->svc].listen[rb->li]);
	if (r != 0)
		return r;
	if (ra->svc != rb->svc)
		return ra->svc < rb->svc ? -1 : 1;
	return ra->li < rb->li ? -1 : ra->li > rb->li;
}

/*
 * Reports each listen address that an earlier one (in service order, then
 * array order) already took, from the services object <svcs> at the
 * current path.  Sorted rather than compared pairwise.
 */
static void
check_listen_unique(struct ctx *x, struct config *cfg, json_t *svcs)
{
	struct listen_ref	*refs, *r, *first = NULL;
	struct service_conf	*s;
	size_t			 si, li, i, n = 0;
	bool			 is_array;

	for (si = 0; si < cfg->nservices; si++)
		n += cfg->services[si].nlisten;
	if ((refs = xcalloc(x, n, sizeof(*refs))) == NULL)
		return;
	n = 0;
	for (si = 0; si < cfg->nservices; si++)
		for (li = 0; li < cfg->services[si].nlisten; li++)
			if (cfg->services[si].listen[li].len != 0) {
				refs[n].svc = si;
				refs[n++].li = li;
			}
	qsort_r(refs, n, sizeof(*refs), listen_cmp, cfg);
	for (i = 0; i < n; i++) {
		r = &refs[i];
		s = &cfg->services[r->svc];
		if (first == NULL || addr_compare(&s->listen[r->li],
		    &cfg->services[first->svc].listen[first->li]) != 0) {
			first = r;
			continue;
		}
		is_array = json_is_array(json_object_get(json_object_get(svcs,
		    s->name), "listen"));
		push_key(x, s->name);
		push_key(x, "listen");
		if (is_array)
			push_index(x, r->li);
		report(x, "\"%s\" is already a listen address of service "
		    "\"%s\"", s->listen_text[r->li],
		    cfg->services[first->svc].name);
		if (is_array)
			leave(x);
		leave(x);
		leave(x);
	}
	free(refs);
}

static void
parse_listen(struct ctx *x, json_t *obj, struct service_conf *s)
{
	const char	*expected =
			    "expected \"host:port\" or an array of them";
	json_t		*v, *e;
	size_t		 i, n;
	bool		 is_array;

	if ((v = enter(x, obj, "listen")) == NULL) {
		report_missing(x, "listen", "missing; %s", expected);
		return;
	}
	is_array = json_is_array(v);
	n = is_array ? json_array_size(v) : 1;
	if ((!is_array && !json_is_string(v)) || n == 0) {
		report(x, "%s", expected);
		leave(x);
		return;
	}
	if (is_array && !array_fits(x, v, MAX_LISTEN, "addresses")) {
		leave(x);
		return;
	}
	s->listen = xcalloc(x, n, sizeof(*s->listen));
	s->listen_text = xcalloc(x, n, sizeof(*s->listen_text));
	if (s->listen == NULL || s->listen_text == NULL) {
		leave(x);
		return;
	}
	s->nlisten = n;
	for (i = 0; i < n; i++) {
		e = is_array ? json_array_get(v, i) : v;
		if (is_array)
			push_index(x, i);
		parse_address(x, e, &s->listen_text[i], &s->listen[i]);
		if (is_array)
			leave(x);
	}
	leave(x);
}

/* "*", "*.suffix", a host name or a bracketed IPv6 literal. */
static bool
is_route_host(const char *h)
{
	const char	*p = h;

	if (strcmp(h, "*") == 0)
		return true;
	if (h[0] == '*') {
		if (h[1] != '.')
			return false;
		p = h + 2;
	}
	if (*p == '[') {
		if (p[strlen(p) - 1] != ']' || strlen(p) < 3)
			return false;
		for (p++; *p != ']'; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				return false;
		return true;
	}
	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._", *p) == NULL)
			return false;
	return true;
}

static void
parse_route_host(struct ctx *x, json_t *obj, struct route_conf *r)
{
	json_t	*v;
	char	*p;

	if ((v = enter(x, obj, "host")) == NULL)
		return;
	if (json_is_string(v) && json_string_length(v) > HOST_MAX_LEN)
		report(x, "longer than %d bytes; expected at most %d",
		    HOST_MAX_LEN, HOST_MAX_LEN);
	else if (!json_is_string(v) || !is_route_host(json_string_value(v)))
		report(x, "expected \"*\", \"*.suffix\" or a host name "
		    "without spaces or port");
	else if ((r->host = xstrdup(x, json_string_value(v))) != NULL)
		for (p = r->host; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	leave(x);
}

static void
parse_route(struct ctx *x, struct config *cfg, json_t *v,
    struct route_conf *r)
{
	json_t	*pool, *svc;
	int	 pi;

	if (!json_is_object(v)) {
		report(x, "expected an object with \"pool\" or \"service\"");
		return;
	}
	check_keys(x, v, route_keys, ROLE_ANY, NULL);
	parse_route_host(x, v, r);
	opt_string_max(x, v, "path", ROUTE_PATH_MAX_LEN, &r->path);
	if (r->path != NULL && (r->path[0] != '/' || !is_clean(r->path))) {
		push_key(x, "path");
		report(x, "expected a path prefix starting with \"/\", "
		    "without spaces");
		leave(x);
	}
	pool = json_object_get(v, "pool");
	svc = json_object_get(v, "service");
	if ((pool == NULL) == (svc == NULL)) {
		report(x, "expected exactly one of \"pool\" or \"service\"");
		return;
	}
	if (svc != NULL) {
		push_key(x, "service");
		if (!json_is_string(svc) ||
		    json_string_length(svc) > NAME_MAX_LEN)
			report(x, "expected the name of a web_server service");
		leave(x);
		return;
	}
	push_key(x, "pool");
	if (!json_is_string(pool) || json_string_length(pool) > NAME_MAX_LEN)
		report(x, "expected the name of a pool");
	else if ((pi = find_named(&x->pools_by_name,
	    json_string_value(pool))) == -1)
		report(x, "pool \"%s\" is not defined",
		    json_string_value(pool));
	else
		r->pool = &cfg->pools[pi];
	leave(x);
}

/* Routes name services only in pass two, once every service is known. */
static void
parse_routes(struct ctx *x, struct config *cfg, json_t *obj,
    struct service_conf *s)
{
	json_t	*v, *e;
	size_t	 i;

	if ((v = enter(x, obj, "routes")) == NULL)
		return;
	if (!json_is_array(v)) {
		report(x, "expected an array of route objects");
		leave(x);
		return;
	}
	if (!array_fits(x, v, MAX_ROUTES, "routes")) {
		leave(x);
		return;
	}
	if ((s->routes = xcalloc(x, json_array_size(v),
	    sizeof(*s->routes))) != NULL) {
		s->nroutes = json_array_size(v);
		json_array_foreach(v, i, e) {
			push_index(x, i);
			parse_route(x, cfg, e, &s->routes[i]);
			leave(x);
		}
	}
	leave(x);
}

static void
parse_trusted(struct ctx *x, json_t *obj, struct service_conf *s)
{
	const char	*why;
	json_t		*v, *e;
	size_t		 i;

	if ((v = enter(x, obj, "trusted_proxies")) == NULL)
		return;
	if (!json_is_array(v)) {
		report(x, "expected an array of CIDR blocks");
		leave(x);
		return;
	}
	if (!array_fits(x, v, MAX_TRUSTED, "CIDR blocks")) {
		leave(x);
		return;
	}
	if ((s->trusted_proxies = xcalloc(x, json_array_size(v),
	    sizeof(*s->trusted_proxies))) != NULL) {
		s->ntrusted_proxies = json_array_size(v);
		json_array_foreach(v, i, e) {
			push_index(x, i);
			if (!json_is_string(e) ||
			    json_string_length(e) > ADDR_MAX_LEN)
				report(x, "expected a CIDR block like "
				    "\"10.0.0.0/8\"");
			else if (cidr_parse(json_string_value(e),
			    &s->trusted_proxies[i], &why) == -1)
				report(x, "\"%s\" is not a valid CIDR block: "
				    "%s", json_string_value(e), why);
			leave(x);
		}
	}
	leave(x);
}

/* RFC 9110 5.6.2 tchar: "via" becomes a Via received-by pseudonym. */
static bool
is_token(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) &&
		    strchr("!#$%&'*+-.^_`|~", s[n]) == NULL)
			return false;
	return n > 0;
}

static void
parse_via(struct ctx *x, json_t *obj, struct service_conf *s)
{
	json_t	*v;

	if ((v = enter(x, obj, "via")) == NULL)
		return;
	if (json_is_false(v))
		set_string(x, &s->via, NULL);
	else if (json_is_string(v) && is_token(json_string_value(v)) &&
	    json_string_length(v) <= VIA_MAX_LEN)
		set_string(x, &s->via, json_string_value(v));
	else
		report(x, "expected a token of 1 to %d characters or false",
		    VIA_MAX_LEN);
	leave(x);
}

static void
parse_certificate(struct ctx *x, json_t *v, struct tls_cert_conf *c)
{
	if (!json_is_object(v)) {
		report(x, "expected an object with \"cert\" and \"key\"");
		return;
	}
	check_keys(x, v, cert_keys, ROLE_ANY, NULL);
	if (json_object_get(v, "cert") == NULL)
		report_missing(x, "cert", "missing; expected the path of a "
		    "PEM certificate chain");
	if (json_object_get(v, "key") == NULL)
		report_missing(x, "key", "missing; expected the path of a PEM "
		    "private key");
	opt_string(x, v, "cert", &c->cert);
	opt_string(x, v, "key", &c->key);
	opt_string(x, v, "ocsp", &c->ocsp);
}

static void
parse_tls(struct ctx *x, json_t *obj, struct service_conf *s)
{
	struct tls_conf	*t;
	json_t		*v, *c, *e;
	size_t		 i;
	long long	 n;
	int		 proto;

	if ((v = enter(x, obj, "tls")) == NULL)
		return;
	if (!json_is_object(v)) {
		report(x, "expected an object with \"certificates\"");
		leave(x);
		return;
	}
	if ((s->tls = t = xcalloc(x, 1, sizeof(*t))) == NULL) {
		leave(x);
		return;
	}
	check_keys(x, v, tls_keys, ROLE_ANY, NULL);
	t->session_tickets = true;
	if ((c = enter(x, v, "certificates")) == NULL)
		report_missing(x, "certificates", "missing; expected a "
		    "non-empty array of {\"cert\", \"key\"}");
	else if (!json_is_array(c) || json_array_size(c) == 0)
		report(x, "expected a non-empty array of {\"cert\", \"key\"}");
	else if (!array_fits(x, c, MAX_CERTIFICATES, "certificates"))
		;
	else if ((t->certificates = xcalloc(x, json_array_size(c),
	    sizeof(*t->certificates))) != NULL) {
		t->ncertificates = json_array_size(c);
		json_array_foreach(c, i, e) {
			push_index(x, i);
			parse_certificate(x, e, &t->certificates[i]);
			leave(x);
		}
	}
	if (c != NULL)
		leave(x);
	if ((t->protocols = xcalloc(x, 2, sizeof(char *))) != NULL) {
		t->nprotocols = 2;
		t->protocols[0] = xstrdup(x, "TLSv1.2");
		t->protocols[1] = xstrdup(x, "TLSv1.3");
	}
	opt_string_array(x, v, "protocols", "one of: TLSv1.2, TLSv1.3", true,
	    8, &t->protocols, &t->nprotocols);
	if ((c = json_object_get(v, "protocols")) != NULL) {
		push_key(x, "protocols");
		json_array_foreach(c, i, e) {
			push_index(x, i);
			if (json_is_string(e) && json_string_length(e) > 0)
				want_enum(x, e, tls_protocol_names, &proto);
			leave(x);
		}
		leave(x);
	}
	opt_string(x, v, "ciphers", &t->ciphers);
	opt_bool(x, v, "session_tickets", &t->session_tickets);
	n = 0;
	opt_int(x, v, "hsts_max_age", 0, UINT_MAX, &n);
	t->hsts_max_age = (unsigned)n;
	leave(x);
}

static void
parse_service_proxy(struct ctx *x, struct config *cfg, json_t *v,
    struct service_conf *s)
{
	json_t	*pool, *routes;
	int	 pi;

	if ((pool = enter(x, v, "pool")) != NULL) {
		if (!json_is_string(pool) ||
		    json_string_length(pool) > NAME_MAX_LEN)
			report(x, "expected the name of a pool");
		else if ((pi = find_named(&x->pools_by_name,
		    json_string_value(pool))) == -1)
			report(x, "pool \"%s\" is not defined",
			    json_string_value(pool));
		else
			s->pool = &cfg->pools[pi];
		leave(x);
	}
	parse_routes(x, cfg, v, s);
	routes = json_object_get(v, "routes");
	if (pool == NULL && (routes == NULL || (json_is_array(routes) &&
	    json_array_size(routes) == 0)))
		report(x, "expected \"pool\" or \"routes\" in a "
		    "reverse_proxy service");
	parse_trusted(x, v, s);
	parse_via(x, v, s);
	opt_uint(x, v, "client_body_timeout_ms", 1, 3600000,
	    &s->client_body_timeout_ms);
	opt_uint(x, v, "client_body_min_rate", 0, 1073741824,
	    &s->client_body_min_rate);
}

static void
parse_service_web(struct ctx *x, json_t *v, struct service_conf *s)
{
	if ((s->index_files = xcalloc(x, 1, sizeof(char *))) != NULL) {
		s->nindex_files = 1;
		s->index_files[0] = xstrdup(x, "index.html");
	}
	if (json_object_get(v, "docroot") == NULL)
		report_missing(x, "docroot", "missing; expected the directory "
		    "a web_server serves");
	opt_string(x, v, "docroot", &s->docroot);
	opt_string_array(x, v, "index", "a file name", false,
	    MAX_INDEX_FILES, &s->index_files, &s->nindex_files);
	opt_bool(x, v, "dirindex", &s->dirindex);
	opt_bool(x, v, "follow_symlinks", &s->follow_symlinks);
}

static void
parse_service(struct ctx *x, struct config *cfg, const char *name,
    json_t *v, struct service_conf *s)
{
	long long	n;
	int		role;

	s->name = xstrdup(x, name);
	s->persist_client = true;
	s->client_idle_timeout_ms = 30000;
	s->request_header_timeout_ms = 10000;
	s->client_body_timeout_ms = 30000;
	s->client_body_min_rate = 500;
	s->max_header_bytes = 32768;
	s->via = xstrdup(x, "weir");
	check_name(x, name);
	if (!json_is_object(v)) {
		report(x, "expected an object with \"listen\"");
		return;
	}
	role = role_of(v);
	if (role == -1) {
		push_key(x, "role");
		want_enum(x, json_object_get(v, "role"), role_names, &role);
		leave(x);
		/* Unknown role: check only what every role shares. */
		check_keys(x, v, service_keys, ROLE_ANY, NULL);
	} else {
		s->role = (enum role)role;
		check_keys(x, v, service_keys, 1u << role, role_names[role]);
	}
	parse_listen(x, v, s);
	opt_bool(x, v, "persist_client", &s->persist_client);
	opt_bool(x, v, "redirect_https", &s->redirect_https);
	opt_uint(x, v, "client_idle_timeout_ms", 1, 86400000,
	    &s->client_idle_timeout_ms);
	opt_uint(x, v, "request_header_timeout_ms", 1, 3600000,
	    &s->request_header_timeout_ms);
	n = (long long)s->max_header_bytes;
	opt_int(x, v, "max_header_bytes", 1024, 1048576, &n);
	s->max_header_bytes = (size_t)n;
	n = 0;
	opt_int(x, v, "max_body_bytes", 0, LLONG_MAX, &n);
	s->max_body_bytes = (uint64_t)n;
	parse_tls(x, v, s);
	if (role == ROLE_REVERSE_PROXY)
		parse_service_proxy(x, cfg, v, s);
	else if (role == ROLE_WEB_SERVER)
		parse_service_web(x, v, s);
}

/* Pass two: routes to services, now that every service has its role. */
static void
resolve_route_services(struct ctx *x, struct config *cfg, json_t *svcs)
{
	const char	*name, *target;
	json_t		*v, *routes, *r, *t;
	size_t		 si = 0, ri;
	int		 ti;

	json_object_foreach(svcs, name, v) {
		routes = json_object_get(v, "routes");
		if (role_of(v) != ROLE_REVERSE_PROXY ||
		    !json_is_array(routes) ||
		    cfg->services[si].nroutes != json_array_size(routes)) {
			si++;
			continue;
		}
		push_key(x, name);
		push_key(x, "routes");
		json_array_foreach(routes, ri, r) {
			t = json_object_get(r, "service");
			if (!json_is_string(t) || json_object_get(r, "pool") ||
			    json_string_length(t) > NAME_MAX_LEN)
				continue;
			target = json_string_value(t);
			push_index(x, ri);
			push_key(x, "service");
			if ((ti = find_named(&x->services_by_name, target)) ==
			    -1)
				report(x, "service \"%s\" is not defined",
				    target);
			else if (role_of(json_object_get(svcs, target)) ==
			    ROLE_WEB_SERVER)
				cfg->services[si].routes[ri].service =
				    &cfg->services[ti];
			else if (role_of(json_object_get(svcs, target)) != -1)
				report(x, "service \"%s\" is not a "
				    "web_server", target);
			leave(x);
			leave(x);
		}
		leave(x);
		leave(x);
		si++;
	}
}

static void
parse_services(struct ctx *x, json_t *root, struct config *cfg)
{
	const char	*expected = "expected an object of services by name, "
			    "at least one";
	const char	*name;
	json_t		*v, *s;
	size_t		 i = 0;

	if ((v = enter(x, root, "services")) == NULL) {
		report_missing(x, "services", "missing; %s", expected);
		return;
	}
	if (!json_is_object(v) || json_object_size(v) == 0) {
		report(x, "%s", expected);
		leave(x);
		return;
	}
	if ((cfg->services = xcalloc(x, json_object_size(v),
	    sizeof(*cfg->services))) == NULL) {
		leave(x);
		return;
	}
	cfg->nservices = json_object_size(v);
	json_object_foreach(v, name, s) {
		push_key(x, name);
		cfg->services[i].index = i;
		parse_service(x, cfg, name, s, &cfg->services[i]);
		leave(x);
		i++;
	}
	/* A name that failed to copy cannot be looked up. */
	if (!x->is_nomem) {
		index_names(x, &x->services_by_name, cfg->services,
		    cfg->nservices, sizeof(*cfg->services),
		    offsetof(struct service_conf, name));
		check_listen_unique(x, cfg, v);
		resolve_route_services(x, cfg, v);
	}
	leave(x);
}

/* <dir>/<file>, without doubling a trailing slash. */
static char *
join_path(struct ctx *x, const char *dir, const char *file)
{
	size_t	 dlen = strlen(dir), flen = strlen(file);
	char	*p;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if ((p = malloc(dlen + 1 + flen + 1)) == NULL) {
		x->is_nomem = true;
		return NULL;
	}
	memcpy(p, dir, dlen);
	p[dlen] = '/';
	memcpy(p + dlen + 1, file, flen + 1);
	return p;
}

static void
parse_top(struct ctx *x, json_t *root, struct config *cfg)
{
	int	level = LOG_LVL_INFO;

	cfg->max_connections = 4096;
	cfg->shutdown_timeout_ms = 30000;
	cfg->state_dir = xstrdup(x, "/run/weir");
	cfg->log_level = LOG_LVL_INFO;
	if (!json_is_object(root)) {
		report(x, "expected an object");
		return;
	}
	check_keys(x, root, top_keys, ROLE_ANY, NULL);
	opt_string_max(x, root, "user", USER_MAX_LEN, &cfg->user);
	opt_string_max(x, root, "group", USER_MAX_LEN, &cfg->group);
	opt_uint(x, root, "workers", 0, 256, &cfg->workers);
	opt_uint(x, root, "max_connections", 16, 1000000,
	    &cfg->max_connections);
	opt_uint(x, root, "shutdown_timeout_ms", 0, 3600000,
	    &cfg->shutdown_timeout_ms);
	opt_string(x, root, "state_dir", &cfg->state_dir);
	opt_string(x, root, "pidfile", &cfg->pidfile);
	if (cfg->pidfile == NULL && cfg->state_dir != NULL)
		cfg->pidfile = join_path(x, cfg->state_dir, "weir.pid");
	opt_string_or_null(x, root, "error_log", &cfg->error_log);
	opt_string_or_null(x, root, "access_log", &cfg->access_log);
	opt_enum(x, root, "log_level", level_names, &level);
	cfg->log_level = (enum log_level)level;
	level = ACCESS_FORMAT_WEIR;
	opt_enum(x, root, "access_log_format", access_format_names, &level);
	cfg->access_log_format = (enum access_format)level;
	parse_pools(x, root, cfg);
	parse_services(x, root, cfg);
}

/*
 * Line and byte column of the token jansson choked on.  Its position counts
 * the bytes read up to the end of that token, and its message quotes the
 * token ("... near '\"b\"'"), so the token starts that many bytes earlier.
 */
static void
syntax_position(const char *text, size_t len, const json_error_t *je,
    unsigned *line, unsigned *col)
{
	const char	*near;
	size_t		 i, at, toklen = 1, linestart = 0;

	if (je->position <= 0) {
		*line = je->line > 0 ? (unsigned)je->line : 1;
		*col = je->column > 0 ? (unsigned)je->column : 1;
		return;
	}
	at = (size_t)je->position;
	if ((near = strstr(je->text, " near '")) != NULL &&
	    strlen(near) > strlen(" near ''") &&
	    near[strlen(near) - 1] == '\'')
		toklen = strlen(near) - strlen(" near ''");
	at = toklen <= at ? at - toklen : 0;
	if (at > len)
		at = len;
	*line = 1;
	for (i = 0; i < at; i++) {
		if (text[i] == '\n') {
			(*line)++;
			linestart = i + 1;
		}
	}
	*col = (unsigned)(at - linestart + 1);
}

static struct config *
load_text(const char *text, size_t len, const char *name, FILE *errs)
{
	struct ctx	 x;
	struct config	*cfg;
	json_error_t	 je;
	json_t		*root;
	unsigned	 line, col;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		syntax_position(text, len, &je, &line, &col);
		fprintf(errs, "%s:%u:%u: JSON syntax: %s\n", name, line, col,
		    je.text);
		return NULL;
	}
	memset(&x, 0, sizeof(x));
	x.name = name;
	x.text = text;
	x.len = len;
	x.errs = errs;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		x.is_nomem = true;
	else {
		x.cfg = cfg;
		cfg->path = xstrdup(&x, name);
		parse_top(&x, root, cfg);
	}
	json_decref(root);
	json_pos_free(x.pos);
	free(x.pools_by_name.v);
	free(x.services_by_name.v);
	if (x.nerr > 0 || x.is_nomem) {
		flush_errors(&x);
		config_free(cfg);
		return NULL;
	}
	free(x.err);
	return cfg;
}

/*
 * Loads the JSON in <text> as if read from a file called <name>.  Returns a
 * config the caller frees with config_free(), or NULL after writing every
 * problem found to <errs>, one line each, in file order.
 */
struct config *
config_load_string(const char *text, const char *name, FILE *errs)
{
	return load_text(text, strlen(text), name, errs);
}

/*
 * Reads the file at <path> whole and loads it as config_load_string() does,
 * naming <path> in messages.  Returns NULL with one line on <errs> when the
 * file cannot be read: missing, not a regular file (a FIFO would block a
 * reload forever), or larger than CONFIG_MAX_BYTES.
 */
struct config *
config_load(const char *path, FILE *errs)
{
	struct config	*cfg;
	struct readfile	 f;
	char		 err[READFILE_ERR_MAX];

	if (readfile_load(path, CONFIG_MAX_BYTES, &f, err, sizeof(err)) ==
	    -1) {
		fprintf(errs, "%s: cannot open: %s\n", path, err);
		return NULL;
	}
	cfg = load_text(f.data, f.len, path, errs);
	readfile_free(&f);
	return cfg;
}

static void
free_strings(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_pool(struct pool_conf *p)
{
	size_t	i;

	free(p->name);
	free(p->tls_ca_file);
	free(p->tls_server_name);
	for (i = 0; i < p->nbackends; i++)
		free(p->backends[i].address);
	free(p->backends);
	free(p->health.path);
	free(p->health.host);
	free(p->health.expect_codes);
}

static void
free_service(struct service_conf *s)
{
	size_t	i;

	free(s->name);
	free(s->listen);
	free_strings(s->listen_text, s->nlisten);
	for (i = 0; i < s->nroutes; i++) {
		free(s->routes[i].host);
		free(s->routes[i].path);
	}
	free(s->routes);
	free(s->trusted_proxies);
	free(s->via);
	if (s->tls != NULL) {
		for (i = 0; i < s->tls->ncertificates; i++) {
			free(s->tls->certificates[i].cert);
			free(s->tls->certificates[i].key);
			free(s->tls->certificates[i].ocsp);
		}
		free(s->tls->certificates);
		free_strings(s->tls->protocols, s->tls->nprotocols);
		free(s->tls->ciphers);
		free(s->tls);
	}
	free(s->docroot);
	free_strings(s->index_files, s->nindex_files);
}

/* Frees <cfg> and everything it owns, including borrowed-by-others parts. */
void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->npools; i++)
		free_pool(&cfg->pools[i]);
	free(cfg->pools);
	for (i = 0; i < cfg->nservices; i++)
		free_service(&cfg->services[i]);
	free(cfg->services);
	free(cfg->path);
	free(cfg->user);
	free(cfg->group);
	free(cfg->state_dir);
	free(cfg->pidfile);
	free(cfg->error_log);
	free(cfg->access_log);
	free(cfg);
}

/* The config spelling of <b>, a static string; "unknown" when out of range. */
const char *
balance_name(enum balance b)
{
	if ((unsigned)b >= sizeof(balance_names) / sizeof(balance_names[0]) -
	    1)
		return "unknown";
	return balance_names[b];
}

/* Index of the pool named <name> in <cfg>, or -1.  Linear: load time only. */
int
config_find_pool(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (cfg->pools[i].name != NULL &&
		    strcmp(cfg->pools[i].name, name) == 0)
			return (int)i;
	return -1;
}
