/*
 * Services: each service object walked with its key table for its role,
 * the values with structure (listen addresses, routes, trusted proxies,
 * Via, TLS) and the checks that need every service: no listen address
 * twice, and routes that name a web_server service.  Bounds and defaults
 * come from the rows in common/config_keys.c.
 */
#include "common/config_service.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/config_ctx.h"
#include "common/config_keys.h"
#include "common/config_walk.h"

#define LISTEN_MISSING	"expected \"host:port\" or an array of them"

/* The role a service object asks for; -1 when "role" is not valid. */
static int
role_of(json_t *svc, const struct config_key *keys)
{
	const char *const	*names = config_walk_find(keys, "role")->names;
	json_t			*v;
	int			 i;

	if ((v = json_object_get(svc, "role")) == NULL)
		return ROLE_REVERSE_PROXY;
	if (!json_is_string(v))
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], json_string_value(v)) == 0)
			return i;
	return -1;
}

/* The pool named by the string <v>, or NULL after reporting. */
static struct pool_conf *
resolve_pool(struct config_ctx *x, json_t *v)
{
	int	pi;

	if (!json_is_string(v) || json_string_length(v) > NAME_MAX_LEN)
		ctx_report(x, "expected the name of a pool");
	else if ((pi = ctx_find_name(&x->pools_by_name,
	    json_string_value(v))) == -1)
		ctx_report(x, "pool \"%s\" is not defined",
		    json_string_value(v));
	else
		return &x->cfg->pools[pi];
	return NULL;
}

/* A service's "pool". */
void
config_service_parse_pool(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct pool_conf	**out = (void *)((char *)conf + k->offset);

	*out = resolve_pool(x, v);
}

/*
 * Service <name>: checked against <keys> for the role it asks for; with a
 * role that is not valid, only against the keys every role shares.
 */
static void
parse_service(struct config_ctx *x, const char *name, json_t *v,
    const struct config_key *keys, struct service_conf *s)
{
	const char *const	*names = config_walk_find(keys, "role")->names;
	json_t			*routes;
	int			 role;

	s->name = ctx_strdup(x, name);
	config_walk_defaults(x, keys, s);
	ctx_check_name(x, name);
	if (!json_is_object(v)) {
		ctx_report(x, "expected an object with \"listen\"");
		return;
	}
	role = role_of(v, keys);
	if (role == -1) {
		config_walk(x, v, keys, CONFIG_ROLE_ANY, NULL, s);
		return;
	}
	/* The console, plain text served by the master, has its own few. */
	if (role == ROLE_MANAGEMENT)
		config_walk(x, v, config_keys_console, CONFIG_ROLE_ANY,
		    names[role], s);
	else
		config_walk(x, v, keys, 1u << role, names[role], s);
	if ((role == ROLE_REVERSE_PROXY || role == ROLE_MANAGEMENT) &&
	    json_object_get(v, "listen") == NULL)
		ctx_report_missing(x, "listen", "missing; %s", LISTEN_MISSING);

	routes = json_object_get(v, "routes");
	if (role == ROLE_REVERSE_PROXY && json_object_get(v, "pool") == NULL &&
	    (routes == NULL || (json_is_array(routes) &&
	    json_array_size(routes) == 0)))
		ctx_report(x, "expected \"pool\" or \"routes\" in a "
		    "reverse_proxy service");
	if (s->h2c && s->tls != NULL)
		ctx_report(x, "\"h2c\" is HTTP/2 over plain TCP; a service with "
		    "\"tls\" offers HTTP/2 through ALPN (\"http2\")");
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
check_listen_unique(struct config_ctx *x, struct config *cfg, json_t *svcs)
{
	struct listen_ref	*refs, *r, *first = NULL;
	struct service_conf	*s;
	size_t			 si, li, i, n = 0;
	bool			 is_array;

	for (si = 0; si < cfg->nservices; si++)
		n += cfg->services[si].nlisten;
	if ((refs = ctx_calloc(x, n, sizeof(*refs))) == NULL)
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
		ctx_push_key(x, s->name);
		ctx_push_key(x, "listen");
		if (is_array)
			ctx_push_index(x, r->li);
		ctx_report(x, "\"%s\" is already a listen address of service "
		    "\"%s\"", s->listen_text[r->li],
		    cfg->services[first->svc].name);
		if (is_array)
			ctx_leave(x);
		ctx_leave(x);
		ctx_leave(x);
	}
	free(refs);
}

/* Pass two: routes to services, now that every service has its role. */
static void
resolve_route_services(struct config_ctx *x, struct config *cfg,
    json_t *svcs, const struct config_key *keys)
{
	const char	*name, *target;
	json_t		*v, *routes, *r, *t;
	size_t		 si = 0, ri;
	int		 ti;

	json_object_foreach(svcs, name, v) {
		routes = json_object_get(v, "routes");
		if (role_of(v, keys) != ROLE_REVERSE_PROXY ||
		    !json_is_array(routes) ||
		    cfg->services[si].nroutes != json_array_size(routes)) {
			si++;
			continue;
		}
		ctx_push_key(x, name);
		ctx_push_key(x, "routes");
		json_array_foreach(routes, ri, r) {
			t = json_object_get(r, "service");
			if (!json_is_string(t) || json_object_get(r, "pool") ||
			    json_string_length(t) > NAME_MAX_LEN)
				continue;
			target = json_string_value(t);
			ctx_push_index(x, ri);
			ctx_push_key(x, "service");
			if ((ti = ctx_find_name(&x->services_by_name,
			    target)) == -1)
				ctx_report(x, "service \"%s\" is not defined",
				    target);
			else if (role_of(json_object_get(svcs, target),
			    keys) == ROLE_WEB_SERVER)
				cfg->services[si].routes[ri].service =
				    &cfg->services[ti];
			else if (role_of(json_object_get(svcs, target),
			    keys) != -1)
				ctx_report(x, "service \"%s\" is not a "
				    "web_server", target);
			ctx_leave(x);
			ctx_leave(x);
		}
		ctx_leave(x);
		ctx_leave(x);
		si++;
	}
}

/*
 * A web_server without "listen" serves only what routes send it (a
 * Perlbal selector's target): one that no route reaches serves nothing.
 */
static void
check_reached(struct config_ctx *x, struct config *cfg)
{
	struct service_conf	*s;
	size_t			 si, ti, ri;
	bool			 is_reached;

	for (si = 0; si < cfg->nservices; si++) {
		s = &cfg->services[si];
		if (s->role != ROLE_WEB_SERVER || s->nlisten != 0)
			continue;
		is_reached = false;
		for (ti = 0; ti < cfg->nservices; ti++)
			for (ri = 0; ri < cfg->services[ti].nroutes; ri++)
				is_reached |= cfg->services[ti].routes[ri].
				    service == s;
		if (is_reached)
			continue;
		ctx_push_key(x, s->name);
		ctx_report_missing(x, "listen", "missing; %s, or a route of "
		    "another service that sends here", LISTEN_MISSING);
		ctx_leave(x);
	}
}

/* Every service by name, then the checks across services. */
void
config_service_parse_services(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct config	*cfg = conf;
	const char	*name;
	json_t		*s;
	size_t		 i = 0;

	if (!json_is_object(v) || json_object_size(v) == 0) {
		ctx_report(x, "%s", k->missing);
		return;
	}
	if ((cfg->services = ctx_calloc(x, json_object_size(v),
	    sizeof(*cfg->services))) == NULL)
		return;
	cfg->nservices = json_object_size(v);
	json_object_foreach(v, name, s) {
		ctx_push_key(x, name);
		cfg->services[i].index = i;
		parse_service(x, name, s, k->sub, &cfg->services[i]);
		ctx_leave(x);
		i++;
	}
	/* A name that failed to copy cannot be looked up. */
	if (!x->is_nomem) {
		ctx_index_names(x, &x->services_by_name, cfg->services,
		    cfg->nservices, sizeof(*cfg->services),
		    offsetof(struct service_conf, name));
		check_listen_unique(x, cfg, v);
		resolve_route_services(x, cfg, v, k->sub);
		check_reached(x, cfg);
	}
}

/* "host:port" or a non-empty array of at most k->max of them. */
void
config_service_parse_listen(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct service_conf	*s = conf;
	json_t			*e;
	size_t			 i, n;
	bool			 is_array;

	is_array = json_is_array(v);
	n = is_array ? json_array_size(v) : 1;
	if ((!is_array && !json_is_string(v)) || n == 0) {
		ctx_report(x, "%s", LISTEN_MISSING);
		return;
	}
	if (is_array && !ctx_array_fits(x, v, (size_t)k->max, "addresses"))
		return;
	s->listen = ctx_calloc(x, n, sizeof(*s->listen));
	s->listen_text = ctx_calloc(x, n, sizeof(*s->listen_text));
	if (s->listen == NULL || s->listen_text == NULL)
		return;
	s->nlisten = n;
	for (i = 0; i < n; i++) {
		e = is_array ? json_array_get(v, i) : v;
		if (is_array)
			ctx_push_index(x, i);
		ctx_want_address(x, e, &s->listen_text[i], &s->listen[i]);
		if (is_array)
			ctx_leave(x);
	}
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

/* A route's "host", at most k->max_len bytes. */
void
config_service_parse_route_host(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct route_conf	*r = conf;
	char			*p;

	if (json_is_string(v) && json_string_length(v) > k->max_len)
		ctx_report(x, "longer than %zu bytes; expected at most %zu",
		    k->max_len, k->max_len);
	else if (!json_is_string(v) || !is_route_host(json_string_value(v)))
		ctx_report(x, "expected \"*\", \"*.suffix\" or a host name "
		    "without spaces or port");
	else if ((r->host = ctx_strdup(x, json_string_value(v))) != NULL)
		for (p = r->host; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
}

/*
 * A route object: its keys, then exactly one of "pool" and "service".  A
 * service is resolved in pass two, once every service's role is known.
 */
static void
parse_route(struct config_ctx *x, json_t *v, const struct config_key *keys,
    struct route_conf *r)
{
	json_t	*pool, *svc;

	if (!json_is_object(v)) {
		ctx_report(x, "expected an object with \"pool\" or "
		    "\"service\"");
		return;
	}
	config_walk_defaults(x, keys, r);
	config_walk(x, v, keys, CONFIG_ROLE_ANY, NULL, r);
	pool = json_object_get(v, "pool");
	svc = json_object_get(v, "service");
	if ((pool == NULL) == (svc == NULL)) {
		ctx_report(x, "expected exactly one of \"pool\" or "
		    "\"service\"");
		return;
	}
	if (svc != NULL) {
		ctx_push_key(x, "service");
		if (!json_is_string(svc) ||
		    json_string_length(svc) > NAME_MAX_LEN)
			ctx_report(x, "expected the name of a web_server "
			    "service");
		ctx_leave(x);
		return;
	}
	ctx_push_key(x, "pool");
	r->pool = resolve_pool(x, pool);
	ctx_leave(x);
}

/* An array of at most k->max route objects. */
void
config_service_parse_routes(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct service_conf	*s = conf;
	json_t			*e;
	size_t			 i;

	if (!json_is_array(v)) {
		ctx_report(x, "expected an array of route objects");
		return;
	}
	if (!ctx_array_fits(x, v, (size_t)k->max, "routes"))
		return;
	if ((s->routes = ctx_calloc(x, json_array_size(v),
	    sizeof(*s->routes))) == NULL)
		return;
	s->nroutes = json_array_size(v);
	json_array_foreach(v, i, e) {
		ctx_push_index(x, i);
		parse_route(x, e, k->sub, &s->routes[i]);
		ctx_leave(x);
	}
}

/*
 * An array of at most k->max CIDR blocks into *<out> (owned, replacing
 * what it held) and *<n>.
 */
static void
parse_cidrs(struct config_ctx *x, json_t *v, const struct config_key *k,
    struct cidr **out, size_t *n)
{
	const char	*why;
	json_t		*e;
	size_t		 i;

	if (!json_is_array(v)) {
		ctx_report(x, "expected an array of CIDR blocks");
		return;
	}
	if (!ctx_array_fits(x, v, (size_t)k->max, "CIDR blocks"))
		return;
	free(*out);
	*n = 0;
	if ((*out = ctx_calloc(x, json_array_size(v), sizeof(**out))) == NULL)
		return;
	*n = json_array_size(v);
	json_array_foreach(v, i, e) {
		ctx_push_index(x, i);
		if (!json_is_string(e) || json_string_length(e) > ADDR_MAX_LEN)
			ctx_report(x, "expected a CIDR block like "
			    "\"10.0.0.0/8\"");
		else if (cidr_parse(json_string_value(e), &(*out)[i],
		    &why) == -1)
			ctx_report(x, "\"%s\" is not a valid CIDR block: %s",
			    json_string_value(e), why);
		ctx_leave(x);
	}
}

/* An array of at most k->max CIDR blocks. */
void
config_service_parse_trusted(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct service_conf	*s = conf;

	parse_cidrs(x, v, k, &s->trusted_proxies, &s->ntrusted_proxies);
}

/*
 * A stats service answers only the loopback unless told otherwise: its
 * figures name every backend, and its listen address may be a wildcard.
 */
void
config_service_init_allow(struct config_ctx *x, const struct config_key *k,
    void *conf)
{
	static const char *const loopback[] = { "127.0.0.0/8", "::1/128" };
	struct service_conf	*s = conf;
	const char		*why;
	size_t			 i;

	(void)k;
	if ((s->allow = ctx_calloc(x, 2, sizeof(*s->allow))) == NULL)
		return;
	s->nallow = 2;
	for (i = 0; i < s->nallow; i++)
		if (cidr_parse(loopback[i], &s->allow[i], &why) == -1)
			abort();
}

/* A non-empty array of at most k->max CIDR blocks. */
void
config_service_parse_allow(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct service_conf	*s = conf;

	if (json_is_array(v) && json_array_size(v) == 0) {
		ctx_report(x, "expected a non-empty array of CIDR blocks "
		    "(\"0.0.0.0/0\" and \"::/0\" allow every peer)");
		return;
	}
	parse_cidrs(x, v, k, &s->allow, &s->nallow);
}

/* Every service has a Via name, web_server ones for their own answers. */
void
config_service_init_via(struct config_ctx *x, const struct config_key *k,
    void *conf)
{
	struct service_conf	*s = conf;

	ctx_set_string(x, &s->via, k->def_str);
}

/*
 * A token of at most k->max_len characters (it becomes Via's received-by
 * pseudonym), or false for none.
 */
void
config_service_parse_via(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct service_conf	*s = conf;

	if (json_is_false(v))
		ctx_set_string(x, &s->via, NULL);
	else if (json_is_string(v) && ctx_is_token(json_string_value(v)) &&
	    json_string_length(v) <= k->max_len)
		ctx_set_string(x, &s->via, json_string_value(v));
	else
		ctx_report(x, "expected a token of 1 to %zu characters or "
		    "false", k->max_len);
}

/* A certificate object of <keys>. */
static void
parse_certificate(struct config_ctx *x, json_t *v,
    const struct config_key *keys, struct tls_cert_conf *c)
{
	if (!json_is_object(v)) {
		ctx_report(x, "expected an object with \"cert\" and \"key\"");
		return;
	}
	config_walk_defaults(x, keys, c);
	config_walk(x, v, keys, CONFIG_ROLE_ANY, NULL, c);
}

/* A non-empty array of at most k->max certificate objects. */
void
config_service_parse_certificates(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct tls_conf	*t = conf;
	json_t		*e;
	size_t		 i;

	if (!json_is_array(v) || json_array_size(v) == 0) {
		ctx_report(x, "%s", k->missing);
		return;
	}
	if (!ctx_array_fits(x, v, (size_t)k->max, "certificates"))
		return;
	if ((t->certificates = ctx_calloc(x, json_array_size(v),
	    sizeof(*t->certificates))) == NULL)
		return;
	t->ncertificates = json_array_size(v);
	json_array_foreach(v, i, e) {
		ctx_push_index(x, i);
		parse_certificate(x, e, k->sub, &t->certificates[i]);
		ctx_leave(x);
	}
}

/* A service's "tls": the object is the service's own; NULL is plain. */
void
config_service_parse_tls(struct config_ctx *x, json_t *v,
    const struct config_key *k, void *conf)
{
	struct service_conf	*s = conf;

	if (!json_is_object(v)) {
		ctx_report(x, "expected an object with \"certificates\"");
		return;
	}
	if ((s->tls = ctx_calloc(x, 1, sizeof(*s->tls))) == NULL)
		return;
	config_walk_defaults(x, k->sub, s->tls);
	config_walk(x, v, k->sub, CONFIG_ROLE_ANY, NULL, s->tls);
}
