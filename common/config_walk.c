/*
 * Walks a key table (common/config_keys.c) over one JSON object: the
 * unknown-key check, defaults, and the check and store of each simple
 * type.  What a key means is the table's business; how a structured value
 * is read is its parse function's.
 */
#include "common/config_walk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_ctx.h"

/* The field of <k> in the section struct <conf>. */
static void *
field(const struct config_key *k, void *conf)
{
	return (char *)conf + k->offset;
}

/* The row of <keys> named <name>, or NULL. */
const struct config_key *
config_walk_find(const struct config_key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static void
store_number(const struct config_key *k, void *conf, long long n)
{
	switch (k->type) {
	case CONFIG_BOOL:
		*(bool *)field(k, conf) = n != 0;
		break;
	case CONFIG_UINT:
		*(unsigned *)field(k, conf) = (unsigned)n;
		break;
	case CONFIG_SIZE:
		*(size_t *)field(k, conf) = (size_t)n;
		break;
	case CONFIG_U64:
		*(uint64_t *)field(k, conf) = (uint64_t)n;
		break;
	case CONFIG_ENUM:
		/* config_keys.c asserts each enum it names is an int. */
		*(int *)field(k, conf) = (int)n;
		break;
	default:
		abort();
	}
}

static long long
load_number(const struct config_key *k, void *conf)
{
	switch (k->type) {
	case CONFIG_UINT:
		return *(unsigned *)field(k, conf);
	case CONFIG_SIZE:
		return (long long)*(size_t *)field(k, conf);
	case CONFIG_U64:
		return (long long)*(uint64_t *)field(k, conf);
	default:
		abort();
	}
}

/* Replaces the array of <k> in <conf> by copies of <list>. */
static void
set_strings(struct config_ctx *x, const struct config_key *k, void *conf,
    const char *const *list)
{
	char	***out = field(k, conf);
	size_t	 *nout = (size_t *)((char *)conf + k->count_offset);
	size_t	  i, n;

	ctx_free_strings(*out, *nout);
	*out = NULL;
	*nout = 0;
	for (n = 0; list[n] != NULL; n++)
		;
	if ((*out = ctx_calloc(x, n, sizeof(**out))) == NULL)
		return;
	*nout = n;
	for (i = 0; i < n; i++)
		(*out)[i] = ctx_strdup(x, list[i]);
}

/* Puts every key's default into <conf>; see config_walk.h. */
void
config_walk_defaults(struct config_ctx *x, const struct config_key *keys,
    void *conf)
{
	const struct config_key	*k, *from;

	for (k = keys; k->name != NULL; k++) {
		switch (k->type) {
		case CONFIG_BOOL:
		case CONFIG_UINT:
		case CONFIG_SIZE:
		case CONFIG_U64:
		case CONFIG_ENUM:
			from = k->def_key != NULL ?
			    config_walk_find(keys, k->def_key) : k;
			if (from->def != 0)
				store_number(k, conf, from->def);
			break;
		case CONFIG_STRING:
		case CONFIG_STRING_OR_NULL:
			if (k->def_str != NULL)
				ctx_set_string(x, field(k, conf), k->def_str);
			break;
		case CONFIG_STRINGS:
			if (k->def_list != NULL)
				set_strings(x, k, conf, k->def_list);
			break;
		case CONFIG_CUSTOM:
			if (k->init != NULL)
				k->init(x, k, conf);
			break;
		}
	}
}

/*
 * Reports each member of <obj> that no key of <keys> for <roles> names;
 * <role> names the role in the message, or is NULL.
 */
static void
check_keys(struct config_ctx *x, json_t *obj, const struct config_key *keys,
    unsigned roles, const char *role)
{
	const struct config_key	*k;
	const char		*key;
	json_t			*v;
	FILE			*f;
	char			*list = NULL;
	size_t			 listlen, n;

	json_object_foreach(obj, key, v) {
		k = config_walk_find(keys, key);
		if (k != NULL && (k->roles & roles) != 0)
			continue;
		/* Written once, at the first bad key: objects are many. */
		if (list == NULL) {
			if ((f = open_memstream(&list, &listlen)) == NULL) {
				x->is_nomem = true;
				return;
			}
			for (n = 0, k = keys; k->name != NULL; k++)
				if (k->roles & roles)
					fprintf(f, "%s%s", n++ > 0 ? ", " :
					    "", k->name);
			if (fclose(f) != 0) {
				free(list);
				x->is_nomem = true;
				return;
			}
			k = config_walk_find(keys, key);
		}
		ctx_push_key(x, key);
		if (k == NULL)
			ctx_report_key(x, "unknown key; expected one of: %s",
			    list);
		else
			ctx_report_key(x, "not allowed for role %s; expected "
			    "one of: %s", role, list);
		ctx_leave(x);
	}
	free(list);
}

/* A string, or null for "none". */
static void
parse_string_or_null(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	if (json_is_null(v))
		ctx_set_string(x, field(k, conf), NULL);
	else if (json_is_string(v) && json_string_length(v) > k->max_len)
		ctx_report(x, "longer than %zu bytes; expected at most %zu",
		    k->max_len, k->max_len);
	else if (json_is_string(v) && json_string_length(v) > 0)
		ctx_set_string(x, field(k, conf), json_string_value(v));
	else
		ctx_report(x, "expected a non-empty string or null");
}

static void
parse_string(struct config_ctx *x, json_t *v, const struct config_key *k,
    void *conf)
{
	char		**out = field(k, conf);
	const char	 *s;

	if (ctx_want_string_max(x, v, k->max_len, &s) == -1)
		return;
	ctx_set_string(x, out, s);
	if (k->is_valid != NULL && *out != NULL && !k->is_valid(*out))
		ctx_report(x, "%s", k->invalid);
}

/* Elements outside <k>'s names, once each element is otherwise checked. */
static void
check_names(struct config_ctx *x, json_t *v, const struct config_key *k)
{
	json_t	*e;
	size_t	 i;
	int	 index;

	json_array_foreach(v, i, e) {
		ctx_push_index(x, i);
		if (json_is_string(e) && json_string_length(e) > 0)
			ctx_want_enum(x, e, k->names, &index);
		ctx_leave(x);
	}
}

/* An array of non-empty strings, replacing the default. */
static void
parse_strings(struct config_ctx *x, json_t *v, const struct config_key *k,
    void *conf)
{
	char	***out = field(k, conf);
	size_t	 *nout = (size_t *)((char *)conf + k->count_offset);
	json_t	 *e;
	char	**a;
	size_t	  i, n;

	if (!json_is_array(v) || (k->is_nonempty && json_array_size(v) == 0))
		ctx_report(x, "expected %sarray of strings, each %s",
		    k->is_nonempty ? "a non-empty " : "an ", k->what);
	else if (ctx_array_fits(x, v, (size_t)k->max, "entries")) {
		ctx_free_strings(*out, *nout);
		*out = NULL;
		*nout = 0;
		n = json_array_size(v);
		if ((a = ctx_calloc(x, n, sizeof(*a))) != NULL) {
			*out = a;
			*nout = n;
			json_array_foreach(v, i, e) {
				ctx_push_index(x, i);
				if (!json_is_string(e) ||
				    json_string_length(e) == 0)
					ctx_report(x, "expected %s", k->what);
				else if (json_string_length(e) > k->max_len)
					ctx_report(x, "longer than %zu bytes; "
					    "expected at most %zu", k->max_len,
					    k->max_len);
				else if (k->is_valid != NULL &&
				    !k->is_valid(json_string_value(e)))
					ctx_report(x, "%s", k->invalid);
				else
					a[i] = ctx_strdup(x,
					    json_string_value(e));
				ctx_leave(x);
			}
		}
	}
	if (k->names != NULL)
		check_names(x, v, k);
}

/* Checks and stores the value <v> of <k>; the path is at the key. */
static void
parse_value(struct config_ctx *x, json_t *v, const struct config_key *k,
    void *conf)
{
	long long	n;
	int		index;

	switch (k->type) {
	case CONFIG_BOOL:
		if (json_is_boolean(v))
			*(bool *)field(k, conf) = json_is_true(v);
		else
			ctx_report(x, "expected true or false");
		break;
	case CONFIG_UINT:
	case CONFIG_SIZE:
	case CONFIG_U64:
		if (ctx_want_int(x, v, k->min, k->max, &n) == 0)
			store_number(k, conf, n);
		break;
	case CONFIG_STRING:
		parse_string(x, v, k, conf);
		break;
	case CONFIG_STRING_OR_NULL:
		parse_string_or_null(x, v, k, conf);
		break;
	case CONFIG_ENUM:
		if (ctx_want_enum(x, v, k->names, &index) == 0)
			store_number(k, conf, index);
		break;
	case CONFIG_STRINGS:
		parse_strings(x, v, k, conf);
		break;
	case CONFIG_CUSTOM:
		k->parse(x, v, k, conf);
		break;
	}
}

/* Applies <keys> to <obj>; see config_walk.h. */
void
config_walk(struct config_ctx *x, json_t *obj, const struct config_key *keys,
    unsigned roles, const char *role, void *conf)
{
	const struct config_key	*k;
	json_t			*v;

	check_keys(x, obj, keys, roles, role);
	for (k = keys; k->name != NULL; k++) {
		if ((k->roles & roles) != roles ||
		    (k->type == CONFIG_CUSTOM && k->parse == NULL))
			continue;
		if ((v = ctx_enter(x, obj, k->name)) == NULL) {
			if (k->missing != NULL)
				ctx_report_missing(x, k->name, "missing; %s",
				    k->missing);
			else if (k->def_key != NULL)
				store_number(k, conf, load_number(
				    config_walk_find(keys, k->def_key), conf));
			continue;
		}
		parse_value(x, v, k, conf);
		ctx_leave(x);
	}
}
