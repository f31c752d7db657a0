/*
 * JSON (jansson) to struct config: parse the text, walk the key tables of
 * common/config_keys.c from the top-level object, and write every problem
 * found, in file order.  Every check runs even after a failure so that one
 * pass reports them all.  Sockets, files and certificates are left to the
 * roles that use them.
 */
#include "common/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/config_ctx.h"
#include "common/config_keys.h"
#include "common/config_source.h"
#include "common/config_walk.h"
#include "common/readfile.h"

/* The configuration file: a million backend objects fit. */
#define CONFIG_MAX_BYTES	(64u * 1024 * 1024)

/* <dir>/<file>, without doubling a trailing slash. */
static char *
join_path(struct config_ctx *x, const char *dir, const char *file)
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
parse_top(struct config_ctx *x, json_t *root, struct config *cfg)
{
	config_walk_defaults(x, config_keys_top, cfg);
	if (!json_is_object(root)) {
		ctx_report(x, "expected an object");
		return;
	}
	config_walk(x, root, config_keys_top, CONFIG_ROLE_ANY, NULL, cfg);
	if (cfg->pidfile == NULL && cfg->state_dir != NULL)
		cfg->pidfile = join_path(x, cfg->state_dir, "weir.pid");
}

/*
 * Loads <text> (<len> bytes, malloc'ed: taken over) as the file <name>,
 * with the files it includes.
 */
static struct config *
load_text(char *text, size_t len, const char *name, FILE *errs)
{
	struct config_ctx	 x;
	struct config		*cfg;
	json_t			*root;

	cfg = calloc(1, sizeof(*cfg));
	ctx_init(&x, cfg);
	root = config_source_load(&x, name, text, len, CONFIG_MAX_BYTES);
	if (cfg == NULL)
		x.is_nomem = true;
	else if (root != NULL) {
		cfg->path = ctx_strdup(&x, name);
		parse_top(&x, root, cfg);
	}
	json_decref(root);
	if (ctx_finish(&x, errs) || root == NULL) {
		config_free(cfg);
		return NULL;
	}
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
	char	*copy;

	if ((copy = strdup(text)) == NULL) {
		fprintf(errs, "%s: out of memory while loading\n", name);
		return NULL;
	}
	return load_text(copy, strlen(copy), name, errs);
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
	/* The text is the load's now. */
	cfg = load_text(f.data, f.len, path, errs);
	return cfg;
}

/*
 * Reads <path> with its comments and includes as config_load() does and
 * returns the merged JSON without checking it against the key tables (a
 * new reference), or NULL after writing what was wrong to <errs>.
 */
json_t *
config_load_json(const char *path, FILE *errs)
{
	struct config_ctx	 x;
	struct readfile		 f;
	char			 err[READFILE_ERR_MAX];
	json_t			*root;

	if (readfile_load(path, CONFIG_MAX_BYTES, &f, err, sizeof(err)) ==
	    -1) {
		fprintf(errs, "%s: cannot open: %s\n", path, err);
		return NULL;
	}
	ctx_init(&x, NULL);
	root = config_source_load(&x, path, f.data, f.len, CONFIG_MAX_BYTES);
	if (ctx_finish(&x, errs)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

void
config_report_key(const char *path, const char *key, FILE *errs,
    const char *fmt, ...)
{
	struct config_ctx	 x;
	struct readfile		 f;
	char			 err[READFILE_ERR_MAX], msg[512];
	json_t			*root;
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (readfile_load(path, CONFIG_MAX_BYTES, &f, err, sizeof(err)) == 0) {
		ctx_init(&x, NULL);
		root = config_source_load(&x, path, f.data, f.len,
		    CONFIG_MAX_BYTES);
		if (root != NULL && !x.is_nomem && x.nerr == 0) {
			ctx_push_key(&x, key);
			ctx_report(&x, "%s", msg);
			ctx_leave(&x);
			(void)ctx_finish(&x, errs);
			json_decref(root);
			return;
		}
		/* The file changed since the load: its errors are not
		   this message's. */
		(void)ctx_finish(&x, NULL);
		json_decref(root);
	}
	fprintf(errs, "%s: %s: %s\n", path, key, msg);
}

static void
free_pool(struct pool_conf *p)
{
	size_t	i;

	free(p->name);
	free(p->tls_ca_file);
	free(p->tls_server_name);
	free(p->nodefile);
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
	ctx_free_strings(s->listen_text, s->nlisten);
	for (i = 0; i < s->nroutes; i++) {
		free(s->routes[i].host);
		free(s->routes[i].path);
	}
	free(s->routes);
	free(s->trusted_proxies);
	free(s->allow);
	free(s->via);
	if (s->tls != NULL) {
		for (i = 0; i < s->tls->ncertificates; i++) {
			free(s->tls->certificates[i].cert);
			free(s->tls->certificates[i].key);
			free(s->tls->certificates[i].ocsp);
		}
		free(s->tls->certificates);
		ctx_free_strings(s->tls->protocols, s->tls->nprotocols);
		free(s->tls->ciphers);
		free(s->tls);
	}
	free(s->docroot);
	ctx_free_strings(s->index_files, s->nindex_files);
	ctx_free_strings(s->upgrade, s->nupgrade);
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
	free(cfg->control_group);
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
	size_t	n;

	for (n = 0; config_keys_balance_names[n] != NULL; n++)
		;
	if ((unsigned)b >= n)
		return "unknown";
	return config_keys_balance_names[b];
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
