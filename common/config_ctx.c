/*
 * One configuration load's path, errors and memory failure, and the value
 * checks the sections share.  Errors are collected, not written: they are
 * sorted by position at the end, because the loader checks keys in its own
 * order, not the file's.  Positions come from common/json_pos.c, because
 * jansson keeps none for values.
 */
#include "common/config_ctx.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The longest key a message quotes in a path; longer ones end in "...". */
#define PATH_KEY_SHOWN	128

/* Starts <x> for a load that fills <cfg>. */
void
ctx_init(struct config_ctx *x, struct config *cfg)
{
	memset(x, 0, sizeof(*x));
	x->at_src = -1;
	x->cfg = cfg;
}

long
ctx_add_source(struct config_ctx *x, const char *name, char *text,
    size_t len)
{
	struct ctx_source	*grown, *s;
	size_t			 cap;

	if (x->nsrc == x->srccap) {
		cap = x->srccap == 0 ? 4 : x->srccap * 2;
		if ((grown = realloc(x->src, cap * sizeof(*grown))) == NULL) {
			free(text);
			x->is_nomem = true;
			return -1;
		}
		x->src = grown;
		x->srccap = cap;
	}
	s = &x->src[x->nsrc];
	memset(s, 0, sizeof(*s));
	if ((s->name = strdup(name)) == NULL) {
		free(text);
		x->is_nomem = true;
		return -1;
	}
	s->text = text;
	s->len = len;
	return (long)x->nsrc++;
}

static int
error_cmp(const void *a, const void *b)
{
	const struct ctx_error	*ea = a, *eb = b;

	if (ea->src != eb->src)
		return ea->src < eb->src ? -1 : 1;
	if (ea->line != eb->line)
		return ea->line < eb->line ? -1 : 1;
	if (ea->col != eb->col)
		return ea->col < eb->col ? -1 : 1;
	return ea->seq < eb->seq ? -1 : ea->seq > eb->seq;
}

/*
 * Writes the errors of <x> in file order to <errs>, then frees what <x>
 * owns.  Returns true when the load failed.
 */
bool
ctx_finish(struct config_ctx *x, FILE *errs)
{
	bool	is_failed = x->nerr > 0 || x->is_nomem;
	size_t	i;

	if (x->nerr > 0)
		qsort(x->err, x->nerr, sizeof(*x->err), error_cmp);
	for (i = 0; i < x->nerr; i++) {
		if (errs != NULL)
			fprintf(errs, "%s\n", x->err[i].text);
		free(x->err[i].text);
	}
	if (x->is_nomem && errs != NULL)
		fprintf(errs, "%s: out of memory while loading\n",
		    x->nsrc > 0 ? x->src[0].name : "configuration");
	free(x->err);
	x->err = NULL;
	x->nerr = x->errcap = 0;
	for (i = 0; i < x->nsrc; i++) {
		free(x->src[i].name);
		free(x->src[i].text);
		json_pos_free(x->src[i].pos);
	}
	free(x->src);
	x->src = NULL;
	x->nsrc = x->srccap = 0;
	json_decref(x->origin);
	x->origin = NULL;
	free(x->pools_by_name.v);
	free(x->services_by_name.v);
	x->pools_by_name.v = x->services_by_name.v = NULL;
	return is_failed;
}

/* Errors */

static void
path_print(const struct config_ctx *x, FILE *f)
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

/*
 * The file the current path is in: the one being read while includes
 * are, else the one its top-level key, pool or service came from.
 */
static size_t
source_of(const struct config_ctx *x)
{
	json_t	*o;

	if (x->at_src >= 0)
		return (size_t)x->at_src;
	if (x->origin == NULL || x->depth == 0 || x->path[0].key == NULL)
		return 0;
	if (x->depth >= 2 && x->path[1].key != NULL &&
	    (o = json_object_get(json_object_get(x->origin, x->path[0].key),
	    x->path[1].key)) != NULL && json_is_integer(o))
		return (size_t)json_integer_value(o);
	o = json_object_get(json_object_get(x->origin, ""), x->path[0].key);
	return o != NULL && json_is_integer(o) ? (size_t)json_integer_value(o) :
	    0;
}

/*
 * Finds the current path in its file, or the nearest enclosing place the
 * text has; returns the file's index.
 */
static size_t
locate(struct config_ctx *x, bool at_key, unsigned *line, unsigned *col)
{
	struct ctx_source	*s;
	size_t			 d, i = source_of(x);

	*line = *col = 1;
	if (i >= x->nsrc)
		return 0;
	s = &x->src[i];
	/* Indexed at the first error: a good file never pays for it. */
	if (s->pos == NULL && !s->is_pos_tried) {
		s->is_pos_tried = true;
		if ((s->pos = json_pos_index(s->text, s->len)) == NULL)
			x->is_nomem = true;
	}
	for (d = x->depth; d > 0; d--) {
		if (json_pos_lookup(s->pos, x->path, d,
		    at_key && d == x->depth, line, col) == 0)
			return i;
	}
	if (json_pos_lookup(s->pos, x->path, 0, false, line, col) == -1)
		*line = *col = 1;
	return i;
}

/* Keeps the error <text> (owned) found at <line>:<col> of file <src>. */
static void
record(struct config_ctx *x, size_t src, unsigned line, unsigned col,
    char *text)
{
	struct ctx_error	*e, *grown;
	size_t			 cap;
	char			*p;

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
	e->src = src;
	e->line = line;
	e->col = col;
	e->seq = x->nerr++;
	e->text = text;
}

/*
 * Records "NAME:LINE:COL: PATH[.missing]: message".  With <missing> the
 * problem is an absent key: the position is the enclosing object's.
 */
static void
vreport(struct config_ctx *x, bool at_key, const char *missing,
    const char *fmt, va_list ap)
{
	FILE		*f;
	char		*text = NULL;
	size_t		 textlen, src;
	unsigned	 line, col;

	src = locate(x, at_key, &line, &col);
	if ((f = open_memstream(&text, &textlen)) == NULL) {
		x->is_nomem = true;
		return;
	}
	fprintf(f, "%s:%u:%u: ", src < x->nsrc ? x->src[src].name : "?", line,
	    col);
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
	record(x, src, line, col, text);
}

/* A problem at <line>:<col> of file <src>, with no path to name. */
void
ctx_report_at(struct config_ctx *x, size_t src, unsigned line, unsigned col,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg = NULL, *text = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || asprintf(&text, "%s:%u:%u: %s", src < x->nsrc ?
	    x->src[src].name : "?", line, col, msg) == -1) {
		free(msg);
		x->is_nomem = true;
		return;
	}
	free(msg);
	record(x, src, line, col, text);
}

/*
 * Where the current path is, in the file it is in, as "NAME:LINE:COL"
 * into <buf>: for messages that point at a second place.
 */
void
ctx_where(struct config_ctx *x, char *buf, size_t len)
{
	unsigned	line, col;
	size_t		src = locate(x, true, &line, &col);

	snprintf(buf, len, "%s:%u:%u", src < x->nsrc ? x->src[src].name : "?",
	    line, col);
}

/* A problem with the value at the current path. */
void
ctx_report(struct config_ctx *x, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(x, false, NULL, fmt, ap);
	va_end(ap);
}

/* A problem with the key that ends the current path. */
void
ctx_report_key(struct config_ctx *x, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(x, true, NULL, fmt, ap);
	va_end(ap);
}

/* Member <key> of the object at the current path is required but absent. */
void
ctx_report_missing(struct config_ctx *x, const char *key, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(x, false, key, fmt, ap);
	va_end(ap);
}

/* Paths */

/* Enters member <key>; the schema is shallower than PATH_DEPTH. */
void
ctx_push_key(struct config_ctx *x, const char *key)
{
	if (x->depth == PATH_DEPTH)
		abort();
	x->path[x->depth].key = key;
	x->path[x->depth].index = 0;
	x->depth++;
}

/* Enters element <index>. */
void
ctx_push_index(struct config_ctx *x, size_t index)
{
	if (x->depth == PATH_DEPTH)
		abort();
	x->path[x->depth].key = NULL;
	x->path[x->depth].index = index;
	x->depth++;
}

/* Leaves the last step entered. */
void
ctx_leave(struct config_ctx *x)
{
	x->depth--;
}

/* Member <key> of <obj>, entered; or NULL, entering nothing. */
json_t *
ctx_enter(struct config_ctx *x, json_t *obj, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(obj, key)) != NULL)
		ctx_push_key(x, key);
	return v;
}

/* Memory */

/* calloc() that remembers a failure; NULL for <n> == 0 as well. */
void *
ctx_calloc(struct config_ctx *x, size_t n, size_t size)
{
	void	*p;

	if (n == 0)
		return NULL;
	if ((p = calloc(n, size)) == NULL)
		x->is_nomem = true;
	return p;
}

/* strdup() that remembers a failure. */
char *
ctx_strdup(struct config_ctx *x, const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		x->is_nomem = true;
	return p;
}

/* Frees the <n> owned strings of the owned array <v>. */
void
ctx_free_strings(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Replaces the owned string <*dst> with a copy of <s>, or NULL. */
void
ctx_set_string(struct config_ctx *x, char **dst, const char *s)
{
	free(*dst);
	*dst = s == NULL ? NULL : ctx_strdup(x, s);
}

/* Checks of one value at the current path */

/*
 * Takes an integer from <min> to <max> into <*out>; reals and strings are
 * errors.  Returns 0, or -1 after reporting.
 */
int
ctx_want_int(struct config_ctx *x, json_t *v, long long min, long long max,
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
		ctx_report(x, "expected an integer >= %lld", min);
	else
		ctx_report(x, "expected an integer from %lld to %lld", min,
		    max);
	return -1;
}

/*
 * Takes a non-empty string of at most <max> bytes; <*out> points into <v>.
 * Returns 0, or -1 after reporting.
 */
int
ctx_want_string_max(struct config_ctx *x, json_t *v, size_t max,
    const char **out)
{
	if (!json_is_string(v) || json_string_length(v) == 0) {
		ctx_report(x, "expected a non-empty string");
		return -1;
	}
	if (json_string_length(v) > max) {
		ctx_report(x, "longer than %zu bytes; expected at most %zu",
		    max, max);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* Writes <names> to <f> as "a, b, c". */
void
ctx_print_list(FILE *f, const char *const *names)
{
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? ", " : "", names[i]);
}

/*
 * Takes one of <names> (NULL-terminated) and stores its index in <*out>.
 * Returns 0, or -1 after reporting the list.
 */
int
ctx_want_enum(struct config_ctx *x, json_t *v, const char *const *names,
    int *out)
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
	ctx_print_list(f, names);
	if (fclose(f) == 0)
		ctx_report(x, "expected one of: %s", list);
	else
		x->is_nomem = true;
	free(list);
	return -1;
}

/*
 * Takes a numeric "host:port" into <*addr> and its text into the owned
 * <*text>.  An over-long value is not quoted back: it could be megabytes.
 */
void
ctx_want_address(struct config_ctx *x, json_t *v, char **text,
    struct addr *addr)
{
	const char	*why;

	if (!json_is_string(v)) {
		ctx_report(x, "expected \"host:port\"");
		return;
	}
	if (json_string_length(v) > ADDR_MAX_LEN) {
		ctx_report(x, "longer than %d bytes; expected a numeric "
		    "\"host:port\"", ADDR_MAX_LEN);
		return;
	}
	if (addr_parse(json_string_value(v), addr, &why) == -1) {
		ctx_report(x, "\"%s\" is not a valid address: %s",
		    json_string_value(v), why);
		addr->len = 0;
		return;
	}
	ctx_set_string(x, text, json_string_value(v));
}

/* True when the array <v> has at most <max> elements; reports otherwise. */
bool
ctx_array_fits(struct config_ctx *x, json_t *v, size_t max, const char *what)
{
	if (json_array_size(v) <= max)
		return true;
	ctx_report(x, "%zu %s; expected at most %zu", json_array_size(v), what,
	    max);
	return false;
}

/* True when <s> has no spaces or control bytes. */
bool
ctx_is_clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* True when <s> is one or more RFC 9110 5.6.2 tchar. */
bool
ctx_is_token(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) &&
		    strchr("!#$%&'*+-.^_`|~", s[n]) == NULL)
			return false;
	return n > 0;
}

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

/* Reports <name> at the key ending the path unless it is a valid name. */
void
ctx_check_name(struct config_ctx *x, const char *name)
{
	if (!is_name(name))
		ctx_report_key(x, "expected a name of 1 to %d letters, digits, "
		    "'-', '_', '.' or ':'", NAME_MAX_LEN);
}

/* Lookups by name */

static int
named_cmp(const void *a, const void *b)
{
	const struct ctx_named	*na = a, *nb = b;

	return strcmp(na->name, nb->name);
}

/* Sorts the names at <base> + i * <stride> + <off> into <out>. */
void
ctx_index_names(struct config_ctx *x, struct ctx_names *out,
    const void *base, size_t n, size_t stride, size_t off)
{
	const char	*name;
	size_t		 i;

	out->n = 0;
	if ((out->v = ctx_calloc(x, n, sizeof(*out->v))) == NULL)
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
int
ctx_find_name(const struct ctx_names *names, const char *name)
{
	const struct ctx_named	*hit;
	struct ctx_named	 key = { name, 0 };

	if (names->n == 0)
		return -1;
	hit = bsearch(&key, names->v, names->n, sizeof(*names->v),
	    named_cmp);
	return hit != NULL ? (int)hit->index : -1;
}
