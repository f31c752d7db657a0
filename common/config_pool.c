/*
 * Pools: each pool object walked with its key table, the backends array
 * (strings or objects, each address once per pool) and the health check.
 * Bounds and defaults come from the rows in common/config_keys.c.
 */
#include "common/config_pool.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/config_ctx.h"
#include "common/config_walk.h"
#include "common/nodefile.h"
#include "common/readfile.h"

static void
parse_pool(struct config_ctx *x, const char *name, json_t *v,
    const struct config_key *keys, struct pool_conf *p)
{
	p->name = ctx_strdup(x, name);
	config_walk_defaults(x, keys, p);
	ctx_check_name(x, name);
	if (!json_is_object(v)) {
		ctx_report(x, "expected an object with \"backends\"");
		return;
	}
	config_walk(x, v, keys, CONFIG_ROLE_ANY, NULL, p);
	if (json_object_get(v, "backends") == NULL &&
	    json_object_get(v, "nodefile") == NULL)
		ctx_report_missing(x, "backends", "missing; expected a "
		    "non-empty array of \"host:port\" or backend objects, or "
		    "a \"nodefile\"");
	else if (json_object_get(v, "backends") != NULL &&
	    json_object_get(v, "nodefile") != NULL)
		ctx_report(x, "expected \"backends\" or \"nodefile\", not "
		    "both: the node file names every backend of the pool");
}

/* Every pool by name, in file order; see config_pool.h. */
void
config_pool_parse_pools(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct config	*cfg = conf;
	const char	*name;
	json_t		*p;
	size_t		 i = 0;

	if (!json_is_object(v)) {
		ctx_report(x, "expected an object of pools by name");
		return;
	}
	if ((cfg->pools = ctx_calloc(x, json_object_size(v),
	    sizeof(*cfg->pools))) == NULL)
		return;
	cfg->npools = json_object_size(v);
	json_object_foreach(v, name, p) {
		ctx_push_key(x, name);
		cfg->pools[i].index = i;
		parse_pool(x, name, p, k->sub, &cfg->pools[i]);
		ctx_leave(x);
		i++;
	}
	ctx_index_names(x, &x->pools_by_name, cfg->pools, cfg->npools,
	    sizeof(*cfg->pools), offsetof(struct pool_conf, name));
}

/* A backend's "address" member. */
void
config_pool_parse_address(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct backend_conf	*b = conf;

	(void)k;
	ctx_want_address(x, v, &b->address, &b->addr);
}

/* Backend <i> of <p>: "host:port" or an object of <keys>. */
static void
parse_backend(struct config_ctx *x, json_t *v, const struct config_key *keys,
    struct pool_conf *p, size_t i)
{
	struct backend_conf	*b = &p->backends[i];

	config_walk_defaults(x, keys, b);
	if (json_is_string(v))
		ctx_want_address(x, v, &b->address, &b->addr);
	else if (json_is_object(v))
		config_walk(x, v, keys, CONFIG_ROLE_ANY, NULL, b);
	else
		ctx_report(x, "expected \"host:port\" or an object with "
		    "\"address\"");
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
check_backends_unique(struct config_ctx *x, json_t *arr, struct pool_conf *p)
{
	const struct backend_conf	*b;
	size_t				*order, i, n = 0, first = 0;
	bool				 is_object;

	if ((order = ctx_calloc(x, p->nbackends, sizeof(*order))) == NULL)
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
		ctx_push_index(x, order[i]);
		if (is_object)
			ctx_push_key(x, "address");
		ctx_report(x, "\"%s\" duplicates backends[%zu] of pool \"%s\"",
		    b->address != NULL ? b->address : "", order[first],
		    p->name != NULL ? p->name : "");
		if (is_object)
			ctx_leave(x);
		ctx_leave(x);
	}
	free(order);
}

/*
 * <path> made absolute against the folder of the configuration file
 * <cfgname>: the master re-reads the node file after it has left the
 * folder it started in.  NULL when out of memory.
 */
static char *
absolute_path(const char *path, const char *cfgname)
{
	char		 cwd[PATH_MAX];
	const char	*slash;
	char		*out = NULL;
	int		 dirlen;

	if (path[0] == '/')
		return strdup(path);
	slash = strrchr(cfgname, '/');
	dirlen = slash == NULL ? 0 : (int)(slash - cfgname);
	if (cfgname[0] == '/') {
		if (asprintf(&out, "%.*s/%s", dirlen, cfgname, path) == -1)
			return NULL;
		return out;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(cwd, sizeof(cwd), ".");
	if (asprintf(&out, "%s/%.*s%s%s", cwd, dirlen, cfgname,
	    dirlen > 0 ? "/" : "", path) == -1)
		return NULL;
	return out;
}

/* A pool's "nodefile": read now; the master watches it afterwards. */
void
config_pool_parse_nodefile(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct pool_conf	*p = conf;
	struct nodefile_node	*nodes;
	struct readfile		 f;
	char			 err[READFILE_ERR_MAX], why[160];
	size_t			 n, i;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > (size_t)k->max_len) {
		ctx_report(x, "expected the path of a file of \"ip:port\" "
		    "lines");
		return;
	}
	/* Relative to the main file, wherever the key was included from. */
	if ((p->nodefile = absolute_path(json_string_value(v),
	    x->nsrc > 0 ? x->src[0].name : ".")) == NULL) {
		ctx_report(x, "out of memory");
		return;
	}
	if (readfile_load(p->nodefile, NODEFILE_MAX_BYTES, &f, err,
	    sizeof(err)) == -1) {
		ctx_report(x, "%s: %s", p->nodefile, err);
		return;
	}
	if (nodefile_parse(f.data, f.len, &nodes, &n, nodefile_log_warn,
	    p->nodefile, why, sizeof(why)) == -1) {
		ctx_report(x, "%s: %s", p->nodefile, why);
		readfile_free(&f);
		return;
	}
	readfile_free(&f);
	/* An empty file is a pool that waits for its first node. */
	if (n > 0 && (p->backends = ctx_calloc(x, n,
	    sizeof(*p->backends))) == NULL) {
		free(nodes);
		return;
	}
	for (i = 0; i < n; i++) {
		p->backends[i].address = ctx_strdup(x, nodes[i].text);
		p->backends[i].addr = nodes[i].addr;
		p->backends[i].weight = 1;
	}
	p->nbackends = n;
	free(nodes);
}

/* A pool's "backends": at most k->max, objects walked with k->sub. */
void
config_pool_parse_backends(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct pool_conf	*p = conf;
	json_t			*e;
	size_t			 i;

	if (!json_is_array(v) || json_array_size(v) == 0) {
		ctx_report(x, "expected a non-empty array of \"host:port\" "
		    "or backend objects");
		return;
	}
	if (!ctx_array_fits(x, v, (size_t)k->max, "backends"))
		return;
	if ((p->backends = ctx_calloc(x, json_array_size(v),
	    sizeof(*p->backends))) == NULL)
		return;
	p->nbackends = json_array_size(v);
	json_array_foreach(v, i, e) {
		ctx_push_index(x, i);
		parse_backend(x, e, k->sub, p, i);
		ctx_leave(x);
	}
	check_backends_unique(x, v, p);
}

/* The health check is on, with the defaults of its keys. */
void
config_pool_init_health(struct config_ctx *x, const struct config_key *k,
    void *conf)
{
	struct health_conf	*h = (void *)((char *)conf + k->offset);

	h->enabled = true;
	config_walk_defaults(x, k->sub, h);
}

/* "health": false, or an object of k->sub's keys. */
void
config_pool_parse_health(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct health_conf	*h = (void *)((char *)conf + k->offset);

	if (json_is_false(v))
		h->enabled = false;
	else if (!json_is_object(v))
		ctx_report(x, "expected false or an object");
	else
		config_walk(x, v, k->sub, CONFIG_ROLE_ANY, NULL, h);
}

/* The classes in k->def: bit N is "Nxx". */
void
config_pool_init_expect(struct config_ctx *x, const struct config_key *k,
    void *conf)
{
	struct health_conf	*h = conf;

	(void)x;
	h->expect_class_mask = (unsigned)k->def;
}

/* One "expect" entry: a class "2xx" or a status code 100..599. */
static void
parse_expect_one(struct config_ctx *x, json_t *v, struct health_conf *h)
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
	ctx_report(x, "expected a status class \"1xx\" to \"5xx\" or a "
	    "status code from 100 to 599");
}

/* One entry or an array of at most k->max, replacing the default. */
void
config_pool_parse_expect(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct health_conf	*h = conf;
	json_t			*e;
	size_t			 i, n;

	n = json_is_array(v) ? json_array_size(v) : 1;
	if (n == 0) {
		ctx_report(x, "expected a status class like \"2xx\", a status "
		    "code, or a non-empty array of them");
		return;
	}
	if (json_is_array(v) && !ctx_array_fits(x, v, (size_t)k->max,
	    "entries"))
		return;
	h->expect_class_mask = 0;
	if ((h->expect_codes = ctx_calloc(x, n, sizeof(int))) == NULL)
		return;
	if (!json_is_array(v))
		parse_expect_one(x, v, h);
	else {
		json_array_foreach(v, i, e) {
			ctx_push_index(x, i);
			parse_expect_one(x, e, h);
			ctx_leave(x);
		}
	}
	if (h->nexpect_codes == 0) {
		free(h->expect_codes);
		h->expect_codes = NULL;
	}
}
