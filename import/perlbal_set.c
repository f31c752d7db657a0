/*
 * Service::set and Pool::set of Perlbal 1.80, in the order they decide:
 * nodefile and balance_method go to the pool (made on demand while no
 * CREATE POOL has run), then a tunable's role and type are checked, then
 * "plugins", "extra.*" and plugin setters; anything else is unknown.  The
 * messages say what Perlbal says, with the line.
 */
#include "import/perlbal_set.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/readfile.h"
#include "import/perlbal_line.h"
#include "import/perlbal_tables.h"

/* A nodefile is a list of addresses: a few MiB is plenty. */
#define NODEFILE_MAX_BYTES	(64u << 20)

/* Room for a normalized value: a list of netmasks is the longest. */
#define VALUE_MAX		PERLBAL_LINE_MAX

static bool
is_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* <n> bytes at <s>: four runs of digits joined by dots, a valid IPv4. */
static bool
is_ipv4(const char *s, size_t n, char *ip)
{
	char		buf[16];
	struct in_addr	a;
	size_t		i, dots = 0;

	if (n == 0 || n >= sizeof(buf))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (i == 0 || s[i - 1] == '.' || ++dots > 3)
				return false;
		} else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	if (dots != 3 || s[n - 1] == '.')
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	if (ip != NULL)
		memcpy(ip, buf, n + 1);
	return true;
}

static bool
parse_port(const char *s, unsigned *port)
{
	unsigned long	v;

	if (!is_digits(s) || strlen(s) > 5)
		return false;
	v = strtoul(s, NULL, 10);
	if (v < 1 || v > 65535)
		return false;
	*port = (unsigned)v;
	return true;
}

int
perlbal_set_ipport(const char *s, unsigned def_port, char *ip,
    unsigned *port)
{
	const char	*colon = strchr(s, ':');

	if (colon == NULL) {
		if (def_port == 0 || !is_ipv4(s, strlen(s), ip))
			return -1;
		*port = def_port;
		return 0;
	}
	if (!is_ipv4(s, (size_t)(colon - s), ip) || !parse_port(colon + 1,
	    port))
		return -1;
	return 0;
}

/* Service.pm's _bool(): a static list rather than a pattern. */
static int
parse_bool(const char *v)
{
	static const char *const	on[] = { "1", "true", "on", "yes" };
	static const char *const	off[] = { "0", "false", "off", "no" };
	size_t				i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, on[i]) == 0)
			return 1;
		if (strcasecmp(v, off[i]) == 0)
			return 0;
	}
	return -1;
}

/* "size": digits with an optional b, k or m (any case); bytes in <out>. */
static bool
parse_size(const char *v, char *out, size_t len)
{
	char			 digits[20];
	size_t			 n = strlen(v);
	unsigned long long	 mult = 1, x;

	if (n > 0 && strchr("bBkKmM", v[n - 1]) != NULL) {
		mult = strchr("kK", v[n - 1]) != NULL ? 1024 :
		    strchr("mM", v[n - 1]) != NULL ? 1024 * 1024 : 1;
		n--;
	}
	if (n == 0 || n >= sizeof(digits) - 1)
		return false;
	memcpy(digits, v, n);
	digits[n] = '\0';
	if (!is_digits(digits))
		return false;
	x = strtoull(digits, NULL, 10);
	if (x > ULLONG_MAX / mult)
		return false;
	snprintf(out, len, "%llu", x * mult);
	return true;
}

/* "10.0.0.0/8", "10.0.0.1" or "10.0.0.0/255.0.0.0" as a CIDR block. */
static bool
parse_netmask(const char *s, char *out, size_t len)
{
	const char	*slash = strchr(s, '/');
	char		 ip[16], mask[16];
	struct in_addr	 m;
	uint32_t	 bits;
	unsigned	 prefix = 0;

	if (slash == NULL) {
		if (!is_ipv4(s, strlen(s), ip))
			return false;
		snprintf(out, len, "%s/32", ip);
		return true;
	}
	if (!is_ipv4(s, (size_t)(slash - s), ip))
		return false;
	if (is_digits(slash + 1) && strlen(slash + 1) <= 2) {
		prefix = (unsigned)atoi(slash + 1);
		if (prefix > 32)
			return false;
	} else {
		if (!is_ipv4(slash + 1, strlen(slash + 1), mask) ||
		    inet_pton(AF_INET, mask, &m) != 1)
			return false;
		bits = ntohl(m.s_addr);
		/* A netmask is ones, then zeros. */
		if ((bits | (bits - 1)) != UINT32_MAX && bits != 0)
			return false;
		for (; bits != 0; bits <<= 1)
			prefix++;
	}
	snprintf(out, len, "%s/%u", ip, prefix);
	return true;
}

/* trusted_upstream_proxies: netmasks separated by commas and blanks. */
static bool
parse_netmasks(const char *v, char *out, size_t len, char *bad, size_t blen)
{
	char	*copy, *p, *tok, block[40];
	size_t	 n = 0;
	bool	 ok = true;

	if ((copy = strdup(v)) == NULL)
		return false;
	out[0] = '\0';
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		while (isspace((unsigned char)*tok))
			tok++;
		tok[strcspn(tok, " \t")] = '\0';
		if (*tok == '\0')
			continue;
		if (!parse_netmask(tok, block, sizeof(block))) {
			snprintf(bad, blen, "%s", tok);
			ok = false;
			break;
		}
		n += (size_t)snprintf(out + n, len - n, "%s%s",
		    n > 0 ? "," : "", block);
		if (n >= len) {
			ok = false;
			snprintf(bad, blen, "(too many)");
			break;
		}
	}
	free(copy);
	if (ok && n == 0) {
		snprintf(bad, blen, "(none found)");
		ok = false;
	}
	return ok;
}

/* upload_status_listeners: comma-separated a.b.c.d:port, maybe none. */
static bool
parse_ipports(const char *v, char *bad, size_t blen)
{
	char		*copy, *p, *tok, ip[16];
	unsigned	 port;
	bool		 ok = true;

	if ((copy = strdup(v)) == NULL)
		return false;
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		while (isspace((unsigned char)*tok))
			tok++;
		tok[strcspn(tok, " \t")] = '\0';
		if (*tok != '\0' && perlbal_set_ipport(tok, 0, ip, &port) ==
		    -1) {
			snprintf(bad, blen, "%s", tok);
			ok = false;
			break;
		}
	}
	free(copy);
	return ok;
}

static bool
is_role(struct perlbal_conf *c, const char *v)
{
	static const char *const	roles[] = { "reverse_proxy",
	    "web_server", "management", "selector", "upload_tracker", NULL };
	const struct perlbal_plugin	*p;
	size_t				 i;

	for (i = 0; roles[i] != NULL; i++)
		if (strcmp(roles[i], v) == 0)
			return true;
	for (i = 0; c->loaded[i] != NULL; i++)
		if ((p = perlbal_plugin_find(c->loaded[i])) != NULL &&
		    p->role != NULL && strcmp(p->role, v) == 0)
			return true;
	return false;
}

static bool
is_word_of(const char *words, const char *v)
{
	size_t	n = strlen(v);
	const char *p;

	for (p = words; (p = strstr(p, v)) != NULL; p += n)
		if ((p == words || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/*
 * Perlbal's check_type for <t>: 0 with the normalized value in <out>, or
 * -1 after reporting what Perlbal says.
 */
static int
check_value(struct perlbal_conf *c, const struct perlbal_service *s,
    const struct perlbal_tunable *t, const char *v,
    const struct perlbal_where *at, char *out, size_t len)
{
	char		ip[16], bad[64];
	unsigned	port;
	int		b;

	snprintf(out, len, "%s", v);
	switch (t->type) {
	case PERLBAL_T_STRING:
		return 0;
	case PERLBAL_T_BOOL:
		if ((b = parse_bool(v)) != -1) {
			snprintf(out, len, "%d", b);
			return 0;
		}
		perlbal_conf_error(c, at, "SET %s: expecting boolean value for "
		    "parameter '%s' (on/off, yes/no, true/false or 1/0)",
		    t->name, t->name);
		return -1;
	case PERLBAL_T_INT:
		if (is_digits(v) && strlen(v) <= 18)
			return 0;
		perlbal_conf_error(c, at, "SET %s: expecting integer value "
		    "for parameter '%s'", t->name, t->name);
		return -1;
	case PERLBAL_T_SIZE:
		if (parse_size(v, out, len))
			return 0;
		perlbal_conf_error(c, at, "SET %s: expecting size unit value "
		    "for parameter '%s' in bytes, or suffixed with 'K' or 'M'",
		    t->name, t->name);
		return -1;
	case PERLBAL_T_PERCENT:
		if (is_digits(v) && strlen(v) <= 3 && atoi(v) <= 100)
			return 0;
		perlbal_conf_error(c, at, "SET %s: expecting integer value "
		    "between 0 and 100, inclusive", t->name);
		return -1;
	case PERLBAL_T_ROLE:
		if (is_role(c, v))
			return 0;
		perlbal_conf_error(c, at, "SET role: role \"%s\" not valid for "
		    "service %s; expected reverse_proxy, web_server, "
		    "management, selector or upload_tracker", v, s->name);
		return -1;
	case PERLBAL_T_LISTEN:
		if (is_digits(v) && parse_port(v, &port)) {
			snprintf(out, len, "0.0.0.0:%u", port);
			return 0;
		}
		if (perlbal_set_ipport(v, 0, ip, &port) == 0) {
			snprintf(out, len, "%s:%u", ip, port);
			return 0;
		}
		perlbal_conf_error(c, at, "SET listen: listen argument must be "
		    "ip:port or port, e.g. 192.168.0.1:80 or 81 (a port from "
		    "1 to 65535); got \"%s\"", v);
		return -1;
	case PERLBAL_T_IPPORT:
		if (perlbal_set_ipport(v, 0, ip, &port) == 0)
			return 0;
		perlbal_conf_error(c, at, "SET %s: expecting IP:port of form "
		    "a.b.c.d:port; got \"%s\"", t->name, v);
		return -1;
	case PERLBAL_T_IPPORTS:
		if (parse_ipports(v, bad, sizeof(bad)))
			return 0;
		perlbal_conf_error(c, at, "SET %s: invalid UDP endpoint \"%s\"; "
		    "must be of form a.b.c.d:port", t->name, bad);
		return -1;
	case PERLBAL_T_NETMASKS:
		if (parse_netmasks(v, out, len, bad, sizeof(bad)))
			return 0;
		perlbal_conf_error(c, at, "SET %s: error defining trusted "
		    "upstream proxies: \"%s\"; expected a.b.c.d, a.b.c.d/bits "
		    "or a.b.c.d/mask, separated by commas", t->name, bad);
		return -1;
	case PERLBAL_T_POOL:
		if (perlbal_conf_pool(c, v) != NULL)
			return 0;
		perlbal_conf_error(c, at, "SET pool: pool '%s' not found", v);
		return -1;
	case PERLBAL_T_SERVICE:
		if (perlbal_conf_service(c, v) != NULL)
			return 0;
		perlbal_conf_error(c, at, "SET %s: service '%s' not found",
		    t->name, v);
		return -1;
	case PERLBAL_T_ENUM:
		if (is_word_of(t->words, v))
			return 0;
		perlbal_conf_error(c, at, "SET %s: value of '%s' must be one "
		    "of: %s", t->name, t->name, t->words);
		return -1;
	}
	return 0;
}

/* A tunable weir has nothing for, unless the value is what weir does. */
static void
warn_unmapped(struct perlbal_conf *c, const char *who,
    const struct perlbal_tunable *t, const char *value,
    const struct perlbal_where *at)
{
	if (t->map != PERLBAL_MAP_NONE)
		return;
	if (t->same != NULL && (strcmp(t->same, "*") == 0 ||
	    strcmp(t->same, value) == 0))
		return;
	perlbal_conf_warn(c, at, "%s: %s = %s: no weir equivalent (%s); "
	    "ignored", who, t->name, value, t->instead);
}

/* Service::init(): every tunable of the role back to its default. */
static void
init_role(struct perlbal_conf *c, struct perlbal_service *s)
{
	const struct perlbal_tunable	*t;
	const struct perlbal_default	*d;
	size_t				 i;

	for (t = perlbal_tunables; t->name != NULL; t++) {
		if ((strcmp(t->role, "*") != 0 && strcmp(t->role, s->role) !=
		    0) || perlbal_tunable_find(t->name, c->loaded) != t)
			continue;
		for (i = 0, d = NULL; i < c->ndefaults; i++)
			if (strcmp(c->defaults[i].key, t->name) == 0)
				d = &c->defaults[i];
		if (d != NULL && d->value != NULL)
			perlbal_set_service(c, s, d->key, d->value, &d->at,
			    true);
		else if (t->def != NULL)
			perlbal_conf_unset(s, t);
	}
}

/* Perlbal's plugin_case(): the case of the file a LOAD found. */
static const char *
loaded_case(struct perlbal_conf *c, const char *name)
{
	size_t	i;

	for (i = 0; c->loaded[i] != NULL; i++)
		if (strcasecmp(c->loaded[i], name) == 0)
			return c->loaded[i];
	return NULL;
}

static void
register_plugin(struct perlbal_conf *c, struct perlbal_service *s,
    const char *fn, const struct perlbal_where *at)
{
	const struct perlbal_plugin	*p = perlbal_plugin_find(fn);
	char				**list;
	bool				  is_vpaths;

	if (p->kind == PERLBAL_PLUGIN_SELECTOR) {
		is_vpaths = strcmp(p->name, "Vpaths") == 0;
		if (s->role == NULL || strcmp(s->role, "selector") != 0) {
			perlbal_conf_error(c, at, "SET plugins: you can't load "
			    "the %s plugin on a service not of role selector",
			    is_vpaths ? "vpath" : "vhost");
			return;
		}
		if ((is_vpaths ? s->nvpaths : s->nvhosts) > 0)
			perlbal_conf_warn(c, at, "service %s: registering %s "
			    "forgets the %s lines above, as Perlbal does",
			    s->name, p->name, is_vpaths ? "VPATH" : "VHOST");
		perlbal_conf_clear_rules(s, is_vpaths);
		s->selector = is_vpaths ? PERLBAL_SELECT_VPATHS :
		    PERLBAL_SELECT_VHOSTS;
	} else if (p->kind == PERLBAL_PLUGIN_NONE ||
	    p->kind == PERLBAL_PLUGIN_GLOBAL) {
		perlbal_conf_warn(c, at, "service %s: plugin %s (it %s): no "
		    "weir equivalent; ignored", s->name, p->name, p->does);
	}
	if ((list = realloc(s->plugins, (s->nplugins + 1) *
	    sizeof(*list))) == NULL) {
		perlbal_conf_error(c, at, "out of memory");
		return;
	}
	s->plugins = list;
	if ((list[s->nplugins] = perlbal_conf_strdup(c, p->name)) != NULL)
		s->nplugins++;
}

/* SET plugins: unregister them all, then register each, once. */
static void
set_plugins(struct perlbal_conf *c, struct perlbal_service *s,
    const char *value, const struct perlbal_where *at)
{
	char		*copy, *p, *tok;
	const char	*fn;
	size_t		 i;
	bool		 is_dup;

	for (i = 0; i < s->nplugins; i++)
		free(s->plugins[i]);
	s->nplugins = 0;
	s->selector = PERLBAL_SELECT_NONE;
	s->plugins_at = *at;
	if ((copy = perlbal_conf_strdup(c, value)) == NULL)
		return;
	for (p = copy; (tok = strsep(&p, " \t,")) != NULL;) {
		if (*tok == '\0' || strcmp(tok, "none") == 0)
			continue;
		if ((fn = loaded_case(c, tok)) == NULL) {
			perlbal_conf_warn(c, at, "SET plugins: plugin %s not "
			    "loaded; not registered for %s (Perlbal says so "
			    "and goes on)", tok, s->name);
			continue;
		}
		for (i = 0, is_dup = false; i < s->nplugins; i++)
			is_dup |= strcmp(s->plugins[i], fn) == 0;
		if (!is_dup)
			register_plugin(c, s, fn, at);
	}
	free(copy);
}

/* A pool key set on a service: its pool's, made on demand if need be. */
static void
set_through_pool(struct perlbal_conf *c, struct perlbal_service *s,
    const char *key, const char *value, const struct perlbal_where *at)
{
	const struct perlbal_tunable	*pt = perlbal_tunable_find("pool",
					    c->loaded);
	const struct perlbal_setting	*st = perlbal_conf_setting(s, pt);
	struct perlbal_pool		*p;
	char				 name[512];

	if (st != NULL) {
		perlbal_set_pool(c, perlbal_conf_pool(c, st->value), key,
		    value, at);
		return;
	}
	snprintf(name, sizeof(name), "%s_pool", s->name);
	if (!c->may_vivify_pools) {
		perlbal_conf_error(c, at, "SET %s: attempt to vivify pool %s "
		    "but one or more pools have already been created "
		    "manually; set %s on a previously created pool", key, name,
		    key);
		return;
	}
	if (s->role == NULL || strcmp(s->role, "reverse_proxy") != 0) {
		perlbal_conf_error(c, at, "SET %s: no pool defined for service "
		    "%s", key, s->name);
		return;
	}
	if ((p = perlbal_conf_pool(c, name)) == NULL &&
	    (p = perlbal_conf_add_pool(c, name, at)) == NULL)
		return;
	if (perlbal_conf_set(c, s, pt, name, at) == -1)
		return;
	perlbal_conf_warn(c, at, "service %s: %s set on the service goes to "
	    "pool %s, made for it (obsolete: Perlbal wants it set on a "
	    "pool)", s->name, key, name);
	perlbal_set_pool(c, p, key, value, at);
}

/* The plugin that registered a setter "plugin.key" on <s>, or NULL. */
static const char *
setter_plugin(const struct perlbal_service *s, const char *key)
{
	const char	*dot = strchr(key, '.');
	size_t		 i;

	if (dot == NULL || dot == key || dot[1] == '\0')
		return NULL;
	for (i = 0; i < s->nplugins; i++)
		if (strncasecmp(s->plugins[i], key, (size_t)(dot - key)) ==
		    0 && s->plugins[i][dot - key] == '\0')
			return s->plugins[i];
	return NULL;
}

void
perlbal_set_service(struct perlbal_conf *c, struct perlbal_service *s,
    const char *key, const char *value, const struct perlbal_where *at,
    bool is_default)
{
	const struct perlbal_tunable	*t;
	const char			*plugin;
	char				 who[600], *norm;

	if (strcmp(key, "nodefile") == 0 || strcmp(key, "balance_method") ==
	    0) {
		set_through_pool(c, s, key, value, at);
		return;
	}
	snprintf(who, sizeof(who), "service %s", s->name);
	if ((t = perlbal_tunable_find(key, c->loaded)) != NULL) {
		if (strcmp(t->role, "*") != 0 && (s->role == NULL ||
		    strcmp(s->role, t->role) != 0)) {
			perlbal_conf_error(c, at, "SET %s: the '%s' option can "
			    "only be set on a '%s' service (%s is %s)", key,
			    key, t->role, s->name, s->role != NULL ? s->role :
			    "without a role yet");
			return;
		}
		if ((norm = malloc(VALUE_MAX)) == NULL) {
			perlbal_conf_error(c, at, "out of memory");
			return;
		}
		if (check_value(c, s, t, value, at, norm, VALUE_MAX) == 0) {
			if (!is_default)
				warn_unmapped(c, who, t, norm, at);
			if (strcmp(key, "docroot") == 0 &&
			    strlen(norm) > 1 && norm[strlen(norm) - 1] == '/')
				norm[strlen(norm) - 1] = '\0';
			if (strcmp(key, "role") == 0) {
				free(s->role);
				s->role = perlbal_conf_strdup(c, norm);
				s->role_at = *at;
				if (s->role != NULL)
					init_role(c, s);
			} else if (strcmp(key, "persist_client_timeout") ==
			    0) {
				perlbal_set_service(c, s,
				    "persist_client_idle_timeout", norm, at,
				    is_default);
				perlbal_set_service(c, s, "idle_timeout", norm,
				    at, is_default);
			} else
				perlbal_conf_set(c, s, t, norm, at);
		}
		free(norm);
		return;
	}
	if (strcmp(key, "plugins") == 0) {
		set_plugins(c, s, value, at);
		return;
	}
	if (strncmp(key, "extra.", 6) == 0 && key[6] != '\0') {
		perlbal_conf_warn(c, at, "%s: %s = %s: extra configuration for "
		    "plugins; no weir equivalent; ignored", who, key, value);
		return;
	}
	if ((plugin = setter_plugin(s, key)) != NULL) {
		perlbal_conf_warn(c, at, "%s: %s = %s: a setting of plugin %s; "
		    "no weir equivalent; ignored", who, key, value, plugin);
		return;
	}
	perlbal_conf_error(c, at, "SET %s: unknown service parameter '%s'",
	    key, key);
}

/* Perl's \d+\.\d+\.\d+\.\d+ at <q>: its length, or 0. */
static size_t
match_quad(const char *q)
{
	const char	*p = q;
	int		 i;

	for (i = 0; i < 4; i++) {
		if (i > 0 && *p++ != '.')
			return 0;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return (size_t)(p - q);
}

/* _parse_nodefile: the first a.b.c.d[:port] of each line, '#' cut. */
static void
read_nodefile(struct perlbal_conf *c, struct perlbal_pool *p,
    const char *path, const struct perlbal_where *at)
{
	struct readfile		 f;
	struct perlbal_where	 here;
	char			 err[READFILE_ERR_MAX], ip[16], *line, *next,
				*q, *e, *end;
	unsigned		 port, count = 0;
	size_t			 n;

	if (readfile_load(path, NODEFILE_MAX_BYTES, &f, err, sizeof(err)) ==
	    -1) {
		perlbal_conf_error(c, at, "SET nodefile: %s: %s", path, err);
		return;
	}
	here.file = perlbal_conf_file(c, path);
	here.line = 0;
	p->nnodes = 0;
	for (line = f.data; line != NULL && *line != '\0'; line = next) {
		here.line++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "#")] = '\0';
		for (q = line, n = 0; *q != '\0'; q++)
			if ((n = match_quad(q)) > 0)
				break;
		if (n == 0)
			continue;
		e = q + n;
		if (!is_ipv4(q, n, ip)) {
			perlbal_conf_warn(c, &here, "pool %s: \"%.*s\" is not "
			    "an IPv4 address; line skipped", p->name, (int)n,
			    q);
			continue;
		}
		port = 80;
		if (*e == ':' && isdigit((unsigned char)e[1])) {
			for (end = e + 1; isdigit((unsigned char)*end); end++)
				;
			*end = '\0';
			if (!parse_port(e + 1, &port)) {
				perlbal_conf_warn(c, &here, "pool %s: port %s "
				    "is not from 1 to 65535; line skipped",
				    p->name, e + 1);
				continue;
			}
		}
		if (perlbal_conf_add_node(c, p, ip, port, &here) == -1)
			break;
		count++;
	}
	readfile_free(&f);
	/* weir reads the file again whenever it changes, as Perlbal does;
	   a relative path is taken from weir.json's folder. */
	if (path[0] != '/')
		perlbal_conf_warn(c, at, "pool %s: nodefile %s (%u node%s): "
		    "weir looks for it next to the weir.json written, not in "
		    "the folder Perlbal was started from", p->name, path,
		    count, count == 1 ? "" : "s");
}

void
perlbal_set_pool(struct perlbal_conf *c, struct perlbal_pool *p,
    const char *key, const char *value, const struct perlbal_where *at)
{
	struct stat	st;
	static const char *const none[] = { "none", "undef", "null", "\"\"",
	    "''", NULL };
	size_t		i;

	if (strcmp(key, "nodefile") == 0) {
		for (i = 0; none[i] != NULL; i++)
			if (strcmp(value, none[i]) == 0) {
				free(p->nodefile);
				p->nodefile = NULL;
				return;
			}
		if (stat(value, &st) == -1) {
			perlbal_conf_error(c, at, "SET nodefile: file not "
			    "found: %s", value);
			return;
		}
		free(p->nodefile);
		p->nodefile = perlbal_conf_strdup(c, value);
		p->nodefile_at = *at;
		read_nodefile(c, p, value, at);
		return;
	}
	if (strcmp(key, "balance_method") == 0) {
		if (strcmp(value, "random") == 0)
			p->balance = PERLBAL_RANDOM;
		else if (strcmp(value, "round_robin") == 0) {
			p->balance = PERLBAL_ROUNDROBIN;
			perlbal_conf_warn(c, at, "pool %s: balance_method = "
			    "round_robin: Perlbal 1.80 refuses it (its code "
			    "knows only random); weir takes it as "
			    "\"roundrobin\"", p->name);
		} else
			perlbal_conf_error(c, at, "SET balance_method: unknown "
			    "balance method '%s'; expected random or "
			    "round_robin", value);
		return;
	}
	perlbal_conf_error(c, at, "SET %s: unknown pool parameter '%s' (a pool "
	    "takes nodefile and balance_method; Perlbal stops loading here "
	    "without a message)", key, key);
}

void
perlbal_set_default(struct perlbal_conf *c, const char *key,
    const char *value, const struct perlbal_where *at)
{
	const struct perlbal_tunable	*t;
	struct perlbal_default		*d;
	size_t				 i;

	if (strcmp(key, "role") == 0) {
		perlbal_conf_error(c, at, "DEFAULT role: Perlbal would set the "
		    "role again each time it sets a role, forever");
		return;
	}
	if ((t = perlbal_tunable_any(key)) != NULL)
		warn_unmapped(c, "DEFAULT", t, t->type == PERLBAL_T_BOOL &&
		    parse_bool(value) != -1 ? (parse_bool(value) ? "1" : "0") :
		    value, at);
	else
		perlbal_conf_warn(c, at, "DEFAULT %s: no service has such a "
		    "tunable; Perlbal keeps the value and never uses it", key);
	for (i = 0; i < c->ndefaults; i++)
		if (strcmp(c->defaults[i].key, key) == 0)
			break;
	if (i == c->ndefaults) {
		if (perlbal_conf_grow(c, &c->defaults, &c->defaults_cap,
		    c->ndefaults, sizeof(*c->defaults)) == -1)
			return;
		if ((c->defaults[i].key = perlbal_conf_strdup(c, key)) == NULL)
			return;
		c->ndefaults++;
	}
	d = &c->defaults[i];
	free(d->value);
	d->value = perlbal_conf_strdup(c, value);
	d->at = *at;
}
