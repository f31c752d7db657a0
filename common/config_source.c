/*
 * Comments and includes.  Comments are blanked byte for byte, so the
 * parser and the position index (json_pos.c) see plain JSON whose lines
 * and columns are the file's.  Includes are merged at the top level: an
 * included file is an object like the main one, whose pools and services
 * join the main file's and whose other keys must not be set twice.  The
 * context (config_ctx.c) keeps every file, and an "origin" object that
 * says which file each top-level key, pool and service came from, so a
 * later error is looked up in the right text.
 */
#include "common/config_source.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/config_ctx.h"
#include "common/readfile.h"

/* The keys whose members several files may each add to. */
static const char *const merged_keys[] = { "pools", "services", NULL };

/* What a pool or service is called in a message about a second one. */
static const char *const merged_what[] = { "pool", "service", NULL };

struct file_id {
	dev_t	dev;
	ino_t	ino;
};

struct merge {
	struct config_ctx	*x;
	json_t			*root;		/* owned: the merged object */
	json_t			*origin;	/* owned: where each part is */
	size_t			 budget;	/* bytes left for more files */
	struct file_id		 ids[CONFIG_MAX_FILES];	/* files read */
	size_t			 nids;
	bool			 is_broken;	/* a file is missing */
};

void
config_source_blank(char *t, size_t len)
{
	size_t	i = 0;
	bool	is_str = false;

	while (i < len) {
		if (is_str) {
			if (t[i] == '\\')
				i++;
			else if (t[i] == '"')
				is_str = false;
			i++;
			continue;
		}
		if (t[i] == '"') {
			is_str = true;
			i++;
			continue;
		}
		if (t[i] == '#' || (t[i] == '/' && i + 1 < len &&
		    t[i + 1] == '/')) {
			for (; i < len && t[i] != '\n'; i++)
				t[i] = ' ';
			continue;
		}
		i++;
	}
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

/* Parses source <i> of <x>, comments blanked; NULL after reporting. */
static json_t *
parse(struct config_ctx *x, long i)
{
	struct ctx_source	*s = &x->src[i];
	json_error_t		 je;
	json_t			*root;
	unsigned		 line, col;

	config_source_blank(s->text, s->len);
	root = json_loadb(s->text, s->len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		syntax_position(s->text, s->len, &je, &line, &col);
		ctx_report_at(x, (size_t)i, line, col, "JSON syntax: %s",
		    je.text);
	}
	return root;
}

/* <dir>/<name> unless <name> is absolute or <dir> empty; NULL: memory. */
static char *
resolve(const char *dir, const char *name)
{
	char	*p;

	if (name[0] == '/' || dir[0] == '\0')
		return strdup(name);
	if (asprintf(&p, "%s/%s", dir, name) == -1)
		return NULL;
	return p;
}

/* The directory of <path>, "" for a bare name; NULL when out of memory. */
static char *
dir_of(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup("");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static void	merge_object(struct merge *m, long src, json_t *obj,
		    unsigned depth);

/*
 * The path of <x> is saved around the reading of another file, whose
 * messages start from the top of that file.
 */
struct saved_path {
	struct json_step	path[PATH_DEPTH];
	size_t			depth;
	long			at_src;
};

static void
path_save(struct config_ctx *x, struct saved_path *sp)
{
	memcpy(sp->path, x->path, sizeof(sp->path));
	sp->depth = x->depth;
	sp->at_src = x->at_src;
	x->depth = 0;
}

static void
path_restore(struct config_ctx *x, const struct saved_path *sp)
{
	memcpy(x->path, sp->path, sizeof(x->path));
	x->depth = sp->depth;
	x->at_src = sp->at_src;
}

/*
 * Reads the file at <path>, named by the include at the current path of
 * the file being read, and merges it.
 */
static void
include_file(struct merge *m, const char *path, unsigned depth)
{
	struct config_ctx	*x = m->x;
	struct readfile		 f;
	struct saved_path	 sp;
	struct stat		 st;
	char			 err[READFILE_ERR_MAX];
	json_t			*obj;
	size_t			 i;
	long			 src;

	memset(&st, 0, sizeof(st));
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		for (i = 0; i < m->nids; i++)
			if (m->ids[i].dev == st.st_dev &&
			    m->ids[i].ino == st.st_ino) {
				ctx_report(x, "includes %s, which is already "
				    "part of the configuration", path);
				return;
			}
	if (m->nids == CONFIG_MAX_FILES) {
		ctx_report(x, "%s: more than %d files make up the "
		    "configuration", path, CONFIG_MAX_FILES);
		m->is_broken = true;
		return;
	}
	if (readfile_load(path, m->budget, &f, err, sizeof(err)) == -1) {
		ctx_report(x, "cannot read %s: %s", path, err);
		m->is_broken = true;
		return;
	}
	m->budget -= f.len;
	m->ids[m->nids].dev = st.st_dev;
	m->ids[m->nids].ino = st.st_ino;
	m->nids++;
	if ((src = ctx_add_source(x, path, f.data, f.len)) == -1) {
		m->is_broken = true;
		return;
	}
	if ((obj = parse(x, src)) == NULL) {
		m->is_broken = true;
		return;
	}
	path_save(x, &sp);
	merge_object(m, src, obj, depth + 1);
	path_restore(x, &sp);
	json_decref(obj);
}

static bool
is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* One name or pattern of an include, at the current path. */
static void
include_one(struct merge *m, long src, json_t *v, unsigned depth)
{
	struct config_ctx	*x = m->x;
	char			*dir, *full;
	glob_t			 g;
	size_t			 i;
	int			 rv;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > STRING_MAX_LEN) {
		ctx_report(x, "expected a file name or a glob pattern of at "
		    "most %d bytes", STRING_MAX_LEN);
		return;
	}
	dir = dir_of(x->src[src].name);
	full = dir != NULL ? resolve(dir, json_string_value(v)) : NULL;
	free(dir);
	if (full == NULL) {
		x->is_nomem = true;
		return;
	}
	if (!is_glob(full)) {
		include_file(m, full, depth);
		free(full);
		return;
	}
	/* A pattern that matches nothing includes nothing: conf.d may be
	   empty.  Matches come sorted, so the order is the names'. */
	memset(&g, 0, sizeof(g));
	rv = glob(full, GLOB_ERR, NULL, &g);
	if (rv == GLOB_NOSPACE)
		x->is_nomem = true;
	else if (rv == GLOB_ABORTED) {
		ctx_report(x, "cannot read the directories of %s: %s", full,
		    strerror(errno));
		m->is_broken = true;
	}
	for (i = 0; rv == 0 && i < g.gl_pathc; i++)
		include_file(m, g.gl_pathv[i], depth);
	globfree(&g);
	free(full);
}

/* The "include" member <v> of source <src>, whose path is entered. */
static void
include(struct merge *m, long src, json_t *v, unsigned depth)
{
	struct config_ctx	*x = m->x;
	json_t			*e;
	size_t			 i;

	if (depth >= CONFIG_MAX_INCLUDE_DEPTH) {
		ctx_report(x, "includes nest deeper than %d files",
		    CONFIG_MAX_INCLUDE_DEPTH);
		m->is_broken = true;
		return;
	}
	if (!json_is_array(v)) {
		include_one(m, src, v, depth);
		return;
	}
	json_array_foreach(v, i, e) {
		ctx_push_index(x, i);
		include_one(m, src, e, depth);
		ctx_leave(x);
	}
}

/* Records that <key> (under <parent>, "" for the top) came from <src>. */
static void
set_origin(struct merge *m, const char *parent, const char *key, long src)
{
	json_t	*o = json_object_get(m->origin, parent);

	if (o == NULL || json_object_set_new(o, key, json_integer(src)) == -1)
		m->x->is_nomem = true;
}

/*
 * Writes where <key> (under <parent>) was first set, as "FILE:LINE:COL",
 * into <buf>.
 */
static void
first_place(struct merge *m, const char *parent, const char *key, char *buf,
    size_t len)
{
	struct config_ctx	*x = m->x;
	struct saved_path	 sp;
	json_t			*o;

	o = json_object_get(json_object_get(m->origin, parent), key);
	path_save(x, &sp);
	x->at_src = o != NULL ? (long)json_integer_value(o) : 0;
	if (parent[0] != '\0')
		ctx_push_key(x, parent);
	ctx_push_key(x, key);
	ctx_where(x, buf, len);
	path_restore(x, &sp);
}

/* Adds the members of <obj> under top-level key <key> (a pool, ...). */
static void
merge_members(struct merge *m, long src, const char *key, size_t k,
    json_t *obj)
{
	struct config_ctx	*x = m->x;
	const char		*name;
	json_t			*have = json_object_get(m->root, key), *v;
	char			 first[512];

	json_object_foreach(obj, name, v) {
		if (json_object_get(have, name) != NULL) {
			first_place(m, key, name, first, sizeof(first));
			ctx_push_key(x, name);
			ctx_report_key(x, "%s \"%s\" is already defined at %s",
			    merged_what[k], name, first);
			ctx_leave(x);
			continue;
		}
		if (json_object_set(have, name, v) == -1)
			x->is_nomem = true;
		set_origin(m, key, name, src);
	}
}

/* Merges the object <obj>, the top of source <src>, into m->root. */
static void
merge_object(struct merge *m, long src, json_t *obj, unsigned depth)
{
	struct config_ctx	*x = m->x;
	const char		*key;
	json_t			*v, *have;
	char			 first[512];
	size_t			 k;

	x->at_src = src;
	if (!json_is_object(obj)) {
		ctx_report(x, "expected an object, as the top of a "
		    "configuration file");
		return;
	}
	json_object_foreach(obj, key, v) {
		x->at_src = src;
		ctx_push_key(x, key);
		for (k = 0; merged_keys[k] != NULL &&
		    strcmp(key, merged_keys[k]) != 0; k++)
			;
		have = json_object_get(m->root, key);
		if (strcmp(key, "include") == 0)
			include(m, src, v, depth);
		else if (have != NULL && merged_keys[k] != NULL &&
		    json_is_object(have) && json_is_object(v))
			merge_members(m, src, key, k, v);
		else if (have != NULL) {
			first_place(m, "", key, first, sizeof(first));
			ctx_report_key(x, "already set at %s", first);
		} else if (merged_keys[k] != NULL && json_is_object(v)) {
			/* A copy of its own, to which later files add. */
			if (json_object_set_new(m->root, key,
			    json_object()) == -1)
				x->is_nomem = true;
			set_origin(m, "", key, src);
			merge_members(m, src, key, k, v);
		} else {
			if (json_object_set(m->root, key, v) == -1)
				x->is_nomem = true;
			set_origin(m, "", key, src);
		}
		ctx_leave(x);
	}
	x->at_src = -1;
}

json_t *
config_source_load(struct config_ctx *x, const char *name, char *text,
    size_t len, size_t max_bytes)
{
	struct merge	*m;
	struct stat	 st;
	json_t		*root;
	long		 src;

	if ((src = ctx_add_source(x, name, text, len)) == -1 ||
	    (root = parse(x, src)) == NULL)
		return NULL;
	/* A file that includes nothing is its own object. */
	if (!json_is_object(root) || json_object_get(root, "include") == NULL)
		return root;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		x->is_nomem = true;
		json_decref(root);
		return NULL;
	}
	m->x = x;
	m->budget = max_bytes > len ? max_bytes - len : 0;
	m->root = json_object();
	m->origin = json_pack("{s{}s{}s{}}", "", "pools", "services");
	if (stat(name, &st) == 0) {
		m->ids[0].dev = st.st_dev;
		m->ids[0].ino = st.st_ino;
		m->nids = 1;
	}
	if (m->root == NULL || m->origin == NULL)
		x->is_nomem = true;
	else
		merge_object(m, src, root, 0);
	json_decref(root);
	root = m->root;
	x->origin = m->origin;
	if (m->is_broken || x->is_nomem) {
		json_decref(root);
		root = NULL;
	}
	free(m);
	return root;
}
