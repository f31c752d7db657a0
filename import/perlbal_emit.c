/*
 * From Perlbal's objects to weir's.  Perlbal keeps backend settings
 * (persist_backend, verify_backend) on the service and nodes on the pool;
 * weir keeps both on the pool, so a pool two services use with different
 * settings becomes two pools.  A selector's rules become routes sorted as
 * Vhosts.pm tries its keys (the host, then "*.host", then each shorter
 * "*.suffix", then "*"), so weir's first match is Perlbal's choice.
 */
#include "import/perlbal_emit.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_ctx.h"
#include "import/perlbal_tables.h"

/* weir's longest client_idle_timeout_ms, in seconds. */
#define IDLE_MAX_S	86400

/* A weir pool: a Perlbal pool with one service's backend settings. */
struct variant {
	size_t		 pool;
	bool		 is_persist;
	bool		 is_verify;
	char		*name;		/* owned */
};

struct emit {
	struct perlbal_conf	*c;
	struct variant		*v;		/* owned */
	size_t			 nv, vcap;
	json_t			**built;	/* owned: per service, or NULL */
	bool			*is_target;	/* owned: a route sends here */
	bool			*is_reported;	/* owned: per pool, empty */
};

/* A route being ordered: Vhosts.pm's candidates, longest first. */
struct hroute {
	char			*host;		/* owned */
	size_t			 base_len;	/* of the name it stands for */
	int			 kind;		/* 0 exact, 1 the domain of a
						   wildcard, 2 the wildcard */
	size_t			 order;
	const struct perlbal_rule *rule;
};

/* The value <name> has on <s>: set, or Perlbal's default; NULL if none. */
static const char *
value_of(const struct perlbal_service *s, const char *name,
    const struct perlbal_where **at)
{
	const struct perlbal_tunable	*t = perlbal_tunable_any(name);
	const struct perlbal_setting	*st = perlbal_conf_setting(s, t);

	if (at != NULL)
		*at = st != NULL ? &st->at : &s->role_at;
	return st != NULL ? st->value : t->def;
}

static bool
is_on(const struct perlbal_service *s, const char *name)
{
	const char	*v = value_of(s, name, NULL);

	return v != NULL && strcmp(v, "1") == 0;
}

static bool
has_plugin(const struct perlbal_service *s, const char *plugin)
{
	size_t	i;

	for (i = 0; i < s->nplugins; i++)
		if (strcmp(s->plugins[i], plugin) == 0)
			return true;
	return false;
}

static bool
is_role(const struct perlbal_service *s, const char *role)
{
	return s->role != NULL && strcmp(s->role, role) == 0;
}

/* Sets <key> of <obj> to <v>, which it takes; false when out of memory. */
static bool
put(struct emit *e, json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) == -1) {
		perlbal_conf_error(e->c, NULL, "out of memory");
		return false;
	}
	return true;
}

/*
 * The weir pool for reverse_proxy service <s>: its Perlbal pool with its
 * backend settings.  NULL after reporting when it has none or the pool
 * has no node.
 */
static const char *
pool_of(struct emit *e, const struct perlbal_service *s)
{
	struct perlbal_conf		*c = e->c;
	const struct perlbal_where	*at;
	const char			*name = value_of(s, "pool", &at);
	struct perlbal_pool		*p;
	struct variant			*v;
	bool				 is_persist, is_verify, is_first = true;
	size_t				 pi, i;
	char				*vname;

	if (name == NULL || (p = perlbal_conf_pool(c, name)) == NULL) {
		perlbal_conf_error(c, &s->created, "service %s: a "
		    "reverse_proxy without a pool (SET pool = <name>)",
		    s->name);
		return NULL;
	}
	pi = (size_t)(p - c->pools);
	if (p->nnodes == 0) {
		if (!e->is_reported[pi])
			perlbal_conf_error(c, &p->created, "pool %s has no "
			    "node (POOL %s ADD <ip>[:<port>]); Perlbal would "
			    "hold its clients until they give up, weir needs a "
			    "backend", p->name, p->name);
		e->is_reported[pi] = true;
		return NULL;
	}
	is_persist = is_on(s, "persist_backend");
	is_verify = is_on(s, "verify_backend");
	for (i = 0; i < e->nv; i++) {
		if (e->v[i].pool != pi)
			continue;
		is_first = false;
		if (e->v[i].is_persist == is_persist &&
		    e->v[i].is_verify == is_verify)
			return e->v[i].name;
	}
	if (is_first)
		vname = strdup(p->name);
	else if (asprintf(&vname, "%s.%s", p->name, s->name) == -1)
		vname = NULL;
	if (vname == NULL || perlbal_conf_grow(c, &e->v, &e->vcap, e->nv,
	    sizeof(*e->v)) == -1) {
		free(vname);
		perlbal_conf_error(c, NULL, "out of memory");
		return NULL;
	}
	if (!is_first)
		perlbal_conf_warn(c, at, "service %s uses pool %s with other "
		    "backend settings than a service before it: it gets a weir "
		    "pool of its own, %s", s->name, p->name, vname);
	v = &e->v[e->nv++];
	v->pool = pi;
	v->is_persist = is_persist;
	v->is_verify = is_verify;
	v->name = vname;
	return vname;
}

/* <name> has capitals, and a service has its name in lower case. */
static bool
has_lower_namesake(struct perlbal_conf *c, const char *name)
{
	char	*lower, *p;
	bool	 is_found;

	if ((lower = strdup(name)) == NULL)
		return false;
	for (p = lower; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	is_found = strcmp(lower, name) != 0 &&
	    perlbal_conf_service(c, lower) != NULL;
	free(lower);
	return is_found;
}

/*
 * The target of a rule on <route>: a pool for a reverse_proxy, the
 * service itself for a web_server.  <what> and <pattern> name the rule in
 * messages ("VHOST" and "x.com", "SET default_service" and NULL).
 */
static int
route_to(struct emit *e, json_t *route, const char *target,
    const struct perlbal_where *at, const char *what, const char *pattern)
{
	struct perlbal_service	*t = perlbal_conf_service(e->c, target);
	const char		*pool;

	if (t == NULL) {
		perlbal_conf_error(e->c, at, "%s%s%s = %s: no service %s "
		    "(Perlbal answers 404 there)%s", what, pattern != NULL ?
		    " " : "", pattern != NULL ? pattern : "", target, target,
		    has_lower_namesake(e->c, target) ? "; Perlbal's names are "
		    "in lower case, as all that comes before '='" : "; define "
		    "it, or drop the line");
		return -1;
	}
	if (is_role(t, "reverse_proxy")) {
		if ((pool = pool_of(e, t)) == NULL)
			return -1;
		return put(e, route, "pool", json_string(pool)) ? 0 : -1;
	}
	if (is_role(t, "web_server")) {
		e->is_target[t - e->c->services] = true;
		return put(e, route, "service", json_string(t->name)) ? 0 : -1;
	}
	perlbal_conf_error(e->c, at, "%s%s%s = %s: service %s is a %s; weir "
	    "routes to a reverse_proxy's pool or to a web_server", what,
	    pattern != NULL ? " " : "", pattern != NULL ? pattern : "", target,
	    target, t->role != NULL ? t->role : "service without a role");
	return -1;
}

static int
hroute_cmp(const void *a, const void *b)
{
	const struct hroute	*x = a, *y = b;

	if (x->base_len != y->base_len)
		return x->base_len > y->base_len ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The hosts a VHOST pattern stands for in weir; 0 when it never matches. */
static size_t
vhost_hosts(struct emit *e, const struct perlbal_rule *r, struct hroute *h,
    size_t order)
{
	const char	*p = r->pattern, *why = NULL;
	size_t		 n = strlen(p);

	if (strchr(p, ';') != NULL)
		why = "host twiddling (\";using:\") has no weir equivalent";
	else if (strchr(p, ':') != NULL)
		why = "Perlbal strips the port from Host before it looks, so "
		    "this never matches";
	else if (n > 0 && p[n - 1] == '.')
		why = "Perlbal strips the final dot from Host before it looks, "
		    "so this never matches";
	else if (strncmp(p, "*.", 2) == 0 ? n == 2 || strchr(p + 2, '*') !=
	    NULL : strchr(p, '*') != NULL)
		why = "only a leading \"*.\" is a wildcard in Perlbal, so this "
		    "never matches";
	else if (n > HOST_MAX_LEN)
		why = "longer than a host name";
	if (why != NULL) {
		perlbal_conf_warn(e->c, &r->at, "VHOST %s: %s; dropped", p,
		    why);
		return 0;
	}
	if (strncmp(p, "*.", 2) != 0) {
		h[0] = (struct hroute){ strdup(p), n, 0, order, r };
		return 1;
	}
	/* Perlbal tries "*.host" first: "*.example.com" takes example.com. */
	h[0] = (struct hroute){ strdup(p), n - 2, 2, order, r };
	h[1] = (struct hroute){ strdup(p + 2), n - 2, 1, order, r };
	return 2;
}

/* VHOST lines as routes; "*" as the default (<*star>). */
static int
vhost_routes(struct emit *e, const struct perlbal_service *s, json_t *routes,
    const struct perlbal_rule **star)
{
	struct hroute	*h;
	json_t		*route;
	size_t		 i, j, n = 0;
	bool		 is_shadowed;
	int		 rv = 0;

	if ((h = calloc(2 * s->nvhosts + 1, sizeof(*h))) == NULL) {
		perlbal_conf_error(e->c, NULL, "out of memory");
		return -1;
	}
	for (i = 0; i < s->nvhosts; i++) {
		if (strcmp(s->vhosts[i].pattern, "*") == 0)
			*star = &s->vhosts[i];
		else
			n += vhost_hosts(e, &s->vhosts[i], h + n, i);
	}
	qsort(h, n, sizeof(*h), hroute_cmp);
	for (i = 0; i < n && rv == 0; i++) {
		if (h[i].host == NULL) {
			perlbal_conf_error(e->c, NULL, "out of memory");
			rv = -1;
			break;
		}
		/* An exact pattern for a wildcard's domain wins over it. */
		for (j = 0, is_shadowed = false; h[i].kind == 1 && j < n; j++)
			is_shadowed |= h[j].kind == 0 && h[j].host != NULL &&
			    strcmp(h[j].host, h[i].host) == 0;
		if (is_shadowed)
			continue;
		route = json_object();
		if (!put(e, route, "host", json_string(h[i].host)) ||
		    route_to(e, route, h[i].rule->target, &h[i].rule->at,
		    "VHOST", h[i].rule->pattern) == -1 || json_array_append_new(routes, route) ==
		    -1) {
			json_decref(route);
			rv = -1;
		}
	}
	for (i = 0; i < n; i++)
		free(h[i].host);
	free(h);
	return rv;
}

/*
 * A VPATH regex as a path prefix: "^/prefix" with backslash escapes and
 * an optional trailing ".*"; NULL (and a warning) for anything else.
 */
static char *
vpath_prefix(struct emit *e, const struct perlbal_rule *r)
{
	const char	*p = r->pattern;
	char		*out, *o;

	if (*p++ != '^') {
		perlbal_conf_warn(e->c, &r->at, "VPATH %s: not anchored with "
		    "'^'; weir routes by path prefix only; dropped",
		    r->pattern);
		return NULL;
	}
	if ((out = malloc(strlen(p) + 1)) == NULL)
		return NULL;
	for (o = out; *p != '\0'; p++) {
		if (strcmp(p, ".*") == 0)
			break;
		if (*p == '\\' && p[1] != '\0' && strchr("./-_~", p[1]) !=
		    NULL) {
			*o++ = *++p;
			continue;
		}
		if (strchr(".[]()*+?{}|$^\\", *p) != NULL)
			break;
		*o++ = *p;
	}
	*o = '\0';
	if ((*p != '\0' && strcmp(p, ".*") != 0) || out[0] != '/' ||
	    strlen(out) > ROUTE_PATH_MAX_LEN) {
		perlbal_conf_warn(e->c, &r->at, "VPATH %s: not a plain path "
		    "prefix (\"^/path\", maybe ending \".*\"); weir routes by "
		    "path prefix only; dropped", r->pattern);
		free(out);
		return NULL;
	}
	return out;
}

static int
vpath_routes(struct emit *e, const struct perlbal_service *s, json_t *routes)
{
	json_t	*route;
	char	*prefix;
	size_t	 i;

	for (i = 0; i < s->nvpaths; i++) {
		if ((prefix = vpath_prefix(e, &s->vpaths[i])) == NULL)
			continue;
		route = json_object();
		if (!put(e, route, "path", json_string(prefix)) ||
		    route_to(e, route, s->vpaths[i].target, &s->vpaths[i].at,
		    "VPATH", s->vpaths[i].pattern) == -1 || json_array_append_new(routes, route) ==
		    -1) {
			json_decref(route);
			free(prefix);
			return -1;
		}
		free(prefix);
	}
	return 0;
}

/* A selector's default: "pool" for a reverse_proxy, else a last route. */
static int
add_default(struct emit *e, json_t *svc, json_t *routes, const char *target,
    const struct perlbal_where *at, const char *what)
{
	json_t	*route = json_object(), *pool;

	if (!put(e, route, "host", json_string("*")) ||
	    route_to(e, route, target, at, what, NULL) == -1) {
		json_decref(route);
		return -1;
	}
	if ((pool = json_object_get(route, "pool")) != NULL) {
		json_object_set(svc, "pool", pool);
		json_decref(route);
		return 0;
	}
	return json_array_append_new(routes, route) == -1 ? -1 : 0;
}

static int
selector_routes(struct emit *e, const struct perlbal_service *s, json_t *svc)
{
	const struct perlbal_rule	*star = NULL;
	const struct perlbal_where	*at;
	const char			*def = value_of(s, "default_service",
					    &at);
	json_t				*routes = json_array();
	int				 rv;

	if (s->selector == PERLBAL_SELECT_NONE) {
		perlbal_conf_error(e->c, &s->role_at, "service %s: a selector "
		    "without a selecting plugin (SET plugins = vhosts or "
		    "vpaths); Perlbal could not place its clients", s->name);
		json_decref(routes);
		return -1;
	}
	if (s->selector == PERLBAL_SELECT_VHOSTS) {
		rv = vhost_routes(e, s, routes, &star);
		if (rv == 0 && def != NULL)
			perlbal_conf_warn(e->c, at, "service %s: "
			    "default_service does nothing with vhosts (Perlbal "
			    "answers 404 when no VHOST matches, or uses VHOST "
			    "*); ignored", s->name);
		if (rv == 0 && star != NULL)
			rv = add_default(e, svc, routes, star->target,
			    &star->at, "VHOST *");
	} else {
		rv = vpath_routes(e, s, routes);
		if (rv == 0 && def != NULL)
			rv = add_default(e, svc, routes, def, at,
			    "SET default_service");
	}
	if (rv == 0 && json_array_size(routes) == 0 &&
	    json_object_get(svc, "pool") == NULL) {
		perlbal_conf_error(e->c, &s->role_at, "service %s: no rule of "
		    "this selector converts, and it has no default: weir "
		    "needs a route or a pool", s->name);
		rv = -1;
	}
	if (rv == 0 && json_array_size(routes) > 0)
		return put(e, svc, "routes", routes) ? 0 : -1;
	json_decref(routes);
	return rv;
}

/* Seconds, Perlbal's 0 meaning "no limit", as weir's milliseconds. */
static json_int_t
seconds_ms(struct emit *e, const struct perlbal_tunable *t, const char *v,
    const struct perlbal_where *at)
{
	unsigned long long	s = strtoull(v, NULL, 10);

	if (s == 0 || s > IDLE_MAX_S) {
		perlbal_conf_warn(e->c, at, "%s = %s: weir's %s goes up to "
		    "%d s; %d s it is", t->name, v, t->weir, IDLE_MAX_S,
		    IDLE_MAX_S);
		s = IDLE_MAX_S;
	}
	return (json_int_t)s * 1000;
}

/*
 * The keys of a weir service made from <s>: those of its role, and when
 * it listens (<is_listening>) those of its clients' connections.
 */
static bool
add_client_keys(struct emit *e, const struct perlbal_service *s, json_t *svc,
    bool is_proxy, bool is_listening)
{
	const struct perlbal_tunable	*t;
	const struct perlbal_setting	*st;
	const struct perlbal_where	*at;
	const char			*v, *list;
	json_t				*a;
	char				*copy, *p, *tok;

	for (t = perlbal_tunables; t->name != NULL; t++) {
		if ((t->map != PERLBAL_MAP_SERVICE && t->map !=
		    PERLBAL_MAP_SECONDS) || (strcmp(t->role, "*") != 0 &&
		    !is_role(s, t->role)) || (strcmp(t->role, "*") == 0 &&
		    !is_listening))
			continue;
		st = perlbal_conf_setting(s, t);
		if ((v = st != NULL ? st->value : t->is_always ? t->def :
		    NULL) == NULL)
			continue;
		if (t->map == PERLBAL_MAP_SECONDS) {
			if (!put(e, svc, t->weir, json_integer(seconds_ms(e, t,
			    v, st != NULL ? &st->at : &s->role_at))))
				return false;
		} else if (!put(e, svc, t->weir, t->type == PERLBAL_T_BOOL ?
		    json_boolean(strcmp(v, "1") == 0) :
		    json_integer(strtoll(v, NULL, 10))))
			return false;
	}
	if (!is_listening)
		return true;
	list = value_of(s, "trusted_upstream_proxies", &at);
	if (is_on(s, "always_trusted"))
		list = "0.0.0.0/0,::/0";
	if (list != NULL && !is_proxy)
		perlbal_conf_warn(e->c, at, "service %s: trusted proxies mean "
		    "nothing to a web_server in weir; ignored", s->name);
	else if (list != NULL) {
		if ((a = json_array()) == NULL || (copy = strdup(list)) ==
		    NULL) {
			json_decref(a);
			perlbal_conf_error(e->c, NULL, "out of memory");
			return false;
		}
		for (p = copy; (tok = strsep(&p, ",")) != NULL;)
			json_array_append_new(a, json_string(tok));
		free(copy);
		if (!put(e, svc, "trusted_proxies", a))
			return false;
	}
	if (has_plugin(s, "MaxContentLength") &&
	    (v = value_of(s, "max_content_length", NULL)) != NULL &&
	    strcmp(v, "0") != 0 && !put(e, svc, "max_body_bytes",
	    json_integer(strtoll(v, NULL, 10))))
		return false;
	if (is_on(s, "enable_ssl")) {
		json_t	*tls = json_object(), *cert = json_object(),
			*certs = json_array();

		json_object_set_new(cert, "cert", json_string(value_of(s,
		    "ssl_cert_file", NULL)));
		json_object_set_new(cert, "key", json_string(value_of(s,
		    "ssl_key_file", NULL)));
		json_array_append_new(certs, cert);
		json_object_set_new(tls, "certificates", certs);
		if (perlbal_conf_setting(s, perlbal_tunable_any("ssl_cipher_list")) !=
		    NULL)
			json_object_set_new(tls, "ciphers", json_string(
			    value_of(s, "ssl_cipher_list", NULL)));
		if (!put(e, svc, "tls", tls))
			return false;
	}
	return true;
}

/* The start of a weir service for <s>: role, and listen when it does. */
static json_t *
service_head(struct emit *e, const struct perlbal_service *s,
    const char *role)
{
	json_t		*svc = json_object();
	const char	*listen = value_of(s, "listen", NULL);

	if (strlen(s->name) > NAME_MAX_LEN) {
		perlbal_conf_error(e->c, &s->created, "service %s: a name "
		    "longer than %d characters, weir's limit", s->name,
		    NAME_MAX_LEN);
		json_decref(svc);
		return NULL;
	}
	if (!put(e, svc, "role", json_string(role)) || (s->is_enabled &&
	    listen != NULL && !put(e, svc, "listen", json_string(listen)))) {
		json_decref(svc);
		return NULL;
	}
	return svc;
}

static json_t *
proxy_service(struct emit *e, const struct perlbal_service *s)
{
	json_t		*svc = service_head(e, s, "reverse_proxy");
	const char	*pool;

	if (svc == NULL)
		return NULL;
	if (is_role(s, "selector")) {
		if (selector_routes(e, s, svc) == -1)
			goto fail;
	} else if ((pool = pool_of(e, s)) == NULL ||
	    !put(e, svc, "pool", json_string(pool)))
		goto fail;
	if (!add_client_keys(e, s, svc, true, true))
		goto fail;
	return svc;
fail:
	json_decref(svc);
	return NULL;
}

static json_t *
web_service(struct emit *e, const struct perlbal_service *s)
{
	json_t		*svc = service_head(e, s, "web_server"), *index;
	const char	*docroot = value_of(s, "docroot", NULL);
	char		*copy, *p, *tok;

	if (svc == NULL)
		return NULL;
	if (docroot == NULL) {
		perlbal_conf_error(e->c, &s->role_at, "service %s: a web_server "
		    "without a docroot (SET docroot = <directory>)", s->name);
		goto fail;
	}
	if (!put(e, svc, "docroot", json_string(docroot)))
		goto fail;
	/* index_files: split /[\s,]+/ */
	if ((copy = strdup(value_of(s, "index_files", NULL))) == NULL ||
	    (index = json_array()) == NULL) {
		free(copy);
		goto fail;
	}
	for (p = copy; (tok = strsep(&p, " \t,")) != NULL;)
		if (*tok != '\0')
			json_array_append_new(index, json_string(tok));
	free(copy);
	if (json_array_size(index) > 0 && strcmp(value_of(s, "index_files",
	    NULL), "index.html") != 0) {
		if (!put(e, svc, "index", index))
			goto fail;
	} else
		json_decref(index);
	if (!add_client_keys(e, s, svc, false, json_object_get(svc,
	    "listen") != NULL))
		goto fail;
	return svc;
fail:
	json_decref(svc);
	return NULL;
}

/*
 * A management service: weir's console speaks the same commands.  Perlbal
 * answers whoever reaches its port; weir only the loopback unless "allow"
 * says more, which is said when the port is reachable from elsewhere.
 */
static json_t *
management_service(struct emit *e, const struct perlbal_service *s,
    const char *listen, const struct perlbal_where *at)
{
	json_t	*svc = json_object();

	if (svc == NULL || !put(e, svc, "role", json_string("management")) ||
	    !put(e, svc, "listen", json_string(listen))) {
		json_decref(svc);
		return NULL;
	}
	if (strncmp(listen, "127.", 4) != 0 &&
	    strncmp(listen, "localhost:", 10) != 0 &&
	    strncmp(listen, "[::1]:", 6) != 0)
		perlbal_conf_warn(e->c, at, "service %s: the console answers "
		    "only the loopback, where Perlbal answered anyone who "
		    "reaches %s; list the peers it may answer in \"allow\"",
		    s->name, listen);
	return svc;
}

/* What becomes of service <s>, said when it is nothing. */
static void
convert_service(struct emit *e, size_t i)
{
	const struct perlbal_service	*s = &e->c->services[i];
	const struct perlbal_where	*at;
	const char			*listen = value_of(s, "listen", &at);
	bool				 is_listening;

	is_listening = s->is_enabled && listen != NULL;
	if (s->role == NULL) {
		perlbal_conf_warn(e->c, &s->created, "service %s has no role; "
		    "not converted", s->name);
		return;
	}
	if (is_role(s, "management")) {
		if (is_listening)
			e->built[i] = management_service(e, s, listen, at);
		return;
	}
	if (!is_role(s, "reverse_proxy") && !is_role(s, "selector") &&
	    !is_role(s, "web_server")) {
		perlbal_conf_warn(e->c, &s->role_at, "service %s: role %s has "
		    "no weir equivalent; not converted", s->name, s->role);
		return;
	}
	if (listen != NULL && !s->is_enabled)
		perlbal_conf_warn(e->c, at, "service %s is not enabled, so "
		    "Perlbal does not listen on %s; %s", s->name, listen,
		    is_role(s, "web_server") ? "converted only as a route "
		    "target, if it is one" : "not converted");
	if (!is_listening)
		return;
	if (is_role(s, "web_server"))
		e->is_target[i] = true;
	else
		e->built[i] = proxy_service(e, s);
}

static json_t *
pools_object(struct emit *e)
{
	struct perlbal_conf	*c = e->c;
	const struct perlbal_pool *p;
	struct variant		*v;
	json_t			*pools = json_object(), *obj, *backends;
	char			 addr[32];
	size_t			 i, j, k;
	bool			 is_used;

	for (i = 0; i < c->npools; i++) {
		p = &c->pools[i];
		for (j = 0, is_used = false; j < e->nv; j++)
			is_used |= e->v[j].pool == i;
		if (!is_used && p->nnodes == 0) {
			perlbal_conf_warn(c, &p->created, "pool %s has no node "
			    "and no service uses it; not converted", p->name);
			continue;
		}
		if (!is_used) {
			if (perlbal_conf_grow(c, &e->v, &e->vcap, e->nv,
			    sizeof(*e->v)) == -1)
				break;
			e->v[e->nv] = (struct variant){ i, false, false,
			    strdup(p->name) };
			e->nv++;
		}
		for (j = 0; j < e->nv; j++) {
			v = &e->v[j];
			if (v->pool != i)
				continue;
			if (v->name == NULL || strlen(v->name) > NAME_MAX_LEN) {
				perlbal_conf_error(c, &p->created, "pool %s: "
				    "its weir name %s is longer than %d "
				    "characters", p->name, v->name != NULL ?
				    v->name : "", NAME_MAX_LEN);
				continue;
			}
			obj = json_object();
			backends = json_array();
			for (k = 0; k < p->nnodes; k++) {
				snprintf(addr, sizeof(addr), "%s:%u",
				    p->nodes[k].ip, p->nodes[k].port);
				json_array_append_new(backends,
				    json_string(addr));
			}
			json_object_set_new(obj, "balance", json_string(
			    p->balance == PERLBAL_ROUNDROBIN ? "roundrobin" :
			    "random"));
			/* weir follows the file as Perlbal does. */
			if (p->nodefile != NULL) {
				json_decref(backends);
				json_object_set_new(obj, "nodefile",
				    json_string(p->nodefile));
			} else
				json_object_set_new(obj, "backends",
				    backends);
			json_object_set_new(obj, "persist",
			    json_boolean(v->is_persist));
			if (v->is_verify)
				json_object_set_new(obj, "verify",
				    json_true());
			/* Perlbal probes nothing: neither does weir here. */
			json_object_set_new(obj, "health", json_false());
			json_object_set_new(pools, v->name, obj);
		}
	}
	return pools;
}

/* Two converted services on one address: Perlbal's second bind fails. */
static void
check_listen(struct emit *e)
{
	const struct perlbal_where	*ai, *aj;
	const char			*li, *lj;
	size_t				 i, j;

	for (i = 0; i < e->c->nservices; i++) {
		if (e->built[i] == NULL || json_object_get(e->built[i],
		    "listen") == NULL)
			continue;
		li = value_of(&e->c->services[i], "listen", &ai);
		for (j = 0; j < i; j++) {
			if (e->built[j] == NULL || json_object_get(e->built[j],
			    "listen") == NULL)
				continue;
			lj = value_of(&e->c->services[j], "listen", &aj);
			if (strcmp(li, lj) == 0)
				perlbal_conf_error(e->c, ai, "service %s "
				    "listens on %s, as service %s does "
				    "(%s:%u)", e->c->services[i].name, li,
				    e->c->services[j].name, aj->file,
				    aj->line);
		}
	}
}

static json_t *
assemble(struct emit *e)
{
	struct perlbal_conf	*c = e->c;
	json_t			*root = json_object(), *svcs = json_object(),
				*pools;
	size_t			 i, serving = 0;

	if (c->pidfile != NULL)
		json_object_set_new(root, "pidfile", json_string(c->pidfile));
	pools = pools_object(e);
	if (json_object_size(pools) > 0)
		json_object_set(root, "pools", pools);
	json_decref(pools);
	for (i = 0; i < c->nservices; i++)
		if (e->built[i] != NULL) {
			json_object_set(svcs, c->services[i].name,
			    e->built[i]);
			serving += !is_role(&c->services[i], "management");
		}
	/* A console alone serves nobody. */
	if (serving == 0)
		perlbal_conf_error(c, NULL, "no service converts: weir needs "
		    "one that listens (a reverse_proxy, selector or "
		    "web_server, with listen, ENABLEd)");
	json_object_set_new(root, "services", svcs);
	return root;
}

json_t *
perlbal_emit(struct perlbal_conf *c)
{
	struct emit	 e = { .c = c };
	json_t		*root = NULL;
	size_t		 i;
	unsigned	 before = c->nerrors;

	e.built = calloc(c->nservices + 1, sizeof(*e.built));
	e.is_target = calloc(c->nservices + 1, sizeof(*e.is_target));
	e.is_reported = calloc(c->npools + 1, sizeof(*e.is_reported));
	if (e.built == NULL || e.is_target == NULL || e.is_reported == NULL) {
		perlbal_conf_error(c, NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < c->nservices; i++)
		convert_service(&e, i);
	/* Routes have named their web_servers: those are services too. */
	for (i = 0; i < c->nservices; i++)
		if (e.is_target[i])
			e.built[i] = web_service(&e, &c->services[i]);
	check_listen(&e);
	root = assemble(&e);
	if (c->nerrors != before) {
		json_decref(root);
		root = NULL;
	}
done:
	for (i = 0; e.built != NULL && i < c->nservices; i++)
		json_decref(e.built[i]);
	for (i = 0; i < e.nv; i++)
		free(e.v[i].name);
	free(e.v);
	free(e.built);
	free(e.is_target);
	free(e.is_reported);
	return root;
}
