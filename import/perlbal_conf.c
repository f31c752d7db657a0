/*
 * The Perlbal configuration as statements leave it: arrays that grow one
 * element at a time, lookups by name, and the messages that name a place.
 * Nothing here knows Perlbal's syntax or weir's keys.
 */
#include "import/perlbal_conf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/perlbal_tables.h"

void
perlbal_conf_init(struct perlbal_conf *c, FILE *msgs)
{
	memset(c, 0, sizeof(*c));
	c->msgs = msgs;
	c->may_vivify_pools = true;
}

static void
free_rules(struct perlbal_rule *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(r[i].pattern);
		free(r[i].target);
	}
	free(r);
}

static void
free_service(struct perlbal_service *s)
{
	size_t	i;

	free(s->name);
	free(s->role);
	for (i = 0; i < s->nsettings; i++)
		free(s->settings[i].value);
	free(s->settings);
	for (i = 0; i < s->nplugins; i++)
		free(s->plugins[i]);
	free(s->plugins);
	free_rules(s->vhosts, s->nvhosts);
	free_rules(s->vpaths, s->nvpaths);
}

void
perlbal_conf_free(struct perlbal_conf *c)
{
	size_t	i;

	for (i = 0; i < c->npools; i++) {
		free(c->pools[i].name);
		free(c->pools[i].nodes);
		free(c->pools[i].nodefile);
	}
	free(c->pools);
	for (i = 0; i < c->nservices; i++)
		free_service(&c->services[i]);
	free(c->services);
	for (i = 0; i < c->ndefaults; i++) {
		free(c->defaults[i].key);
		free(c->defaults[i].value);
	}
	free(c->defaults);
	free(c->pidfile);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	memset(c, 0, sizeof(*c));
}

static void
vmessage(struct perlbal_conf *c, const struct perlbal_where *at,
    const char *kind, const char *fmt, va_list ap)
{
	if (at != NULL && at->file != NULL)
		fprintf(c->msgs, "%s:%u: ", at->file, at->line);
	fputs(kind, c->msgs);
	vfprintf(c->msgs, fmt, ap);
	fputc('\n', c->msgs);
}

void
perlbal_conf_error(struct perlbal_conf *c, const struct perlbal_where *at,
    const char *fmt, ...)
{
	va_list	ap;

	c->nerrors++;
	va_start(ap, fmt);
	vmessage(c, at, "", fmt, ap);
	va_end(ap);
}

void
perlbal_conf_warn(struct perlbal_conf *c, const struct perlbal_where *at,
    const char *fmt, ...)
{
	va_list	ap;

	c->nwarnings++;
	va_start(ap, fmt);
	vmessage(c, at, "warning: ", fmt, ap);
	va_end(ap);
}

char *
perlbal_conf_strdup(struct perlbal_conf *c, const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		perlbal_conf_error(c, NULL, "out of memory");
	return d;
}

int
perlbal_conf_grow(struct perlbal_conf *c, void *base, size_t *cap, size_t n,
    size_t size)
{
	void	**p = base;
	void	 *q;
	size_t	  ncap;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if (ncap > SIZE_MAX / size || (q = realloc(*p, ncap * size)) == NULL) {
		perlbal_conf_error(c, NULL, "out of memory");
		return -1;
	}
	memset((char *)q + *cap * size, 0, (ncap - *cap) * size);
	*p = q;
	*cap = ncap;
	return 0;
}

const char *
perlbal_conf_file(struct perlbal_conf *c, const char *name)
{
	char	**files;
	size_t	  i;

	for (i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i], name) == 0)
			return c->files[i];
	if ((files = realloc(c->files, (c->nfiles + 1) *
	    sizeof(*files))) == NULL) {
		perlbal_conf_error(c, NULL, "out of memory");
		return NULL;
	}
	c->files = files;
	if ((files[c->nfiles] = perlbal_conf_strdup(c, name)) == NULL)
		return NULL;
	return files[c->nfiles++];
}

struct perlbal_pool *
perlbal_conf_pool(struct perlbal_conf *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->npools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return &c->pools[i];
	return NULL;
}

struct perlbal_service *
perlbal_conf_service(struct perlbal_conf *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->nservices; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}

struct perlbal_pool *
perlbal_conf_add_pool(struct perlbal_conf *c, const char *name,
    const struct perlbal_where *at)
{
	struct perlbal_pool	*p;

	if (perlbal_conf_grow(c, &c->pools, &c->pools_cap, c->npools,
	    sizeof(*c->pools)) == -1)
		return NULL;
	p = &c->pools[c->npools];
	if ((p->name = perlbal_conf_strdup(c, name)) == NULL)
		return NULL;
	p->created = *at;
	p->balance = PERLBAL_RANDOM;
	c->npools++;
	return p;
}

struct perlbal_service *
perlbal_conf_add_service(struct perlbal_conf *c, const char *name,
    const struct perlbal_where *at)
{
	struct perlbal_service	*s;

	if (perlbal_conf_grow(c, &c->services, &c->services_cap, c->nservices,
	    sizeof(*c->services)) == -1)
		return NULL;
	s = &c->services[c->nservices];
	if ((s->name = perlbal_conf_strdup(c, name)) == NULL)
		return NULL;
	s->created = *at;
	c->nservices++;
	return s;
}

const struct perlbal_setting *
perlbal_conf_setting(const struct perlbal_service *s,
    const struct perlbal_tunable *t)
{
	size_t	i;

	for (i = 0; i < s->nsettings; i++)
		if (s->settings[i].tunable == t)
			return &s->settings[i];
	return NULL;
}

int
perlbal_conf_set(struct perlbal_conf *c, struct perlbal_service *s,
    const struct perlbal_tunable *t, const char *value,
    const struct perlbal_where *at)
{
	struct perlbal_setting	*st = (struct perlbal_setting *)
				    perlbal_conf_setting(s, t);
	char			*v;

	if ((v = perlbal_conf_strdup(c, value)) == NULL)
		return -1;
	if (st == NULL) {
		if (perlbal_conf_grow(c, &s->settings, &s->cap, s->nsettings,
		    sizeof(*s->settings)) == -1) {
			free(v);
			return -1;
		}
		st = &s->settings[s->nsettings++];
		st->tunable = t;
	}
	free(st->value);
	st->value = v;
	st->at = *at;
	return 0;
}

void
perlbal_conf_unset(struct perlbal_service *s, const struct perlbal_tunable *t)
{
	size_t	i;

	for (i = 0; i < s->nsettings; i++) {
		if (s->settings[i].tunable != t)
			continue;
		free(s->settings[i].value);
		memmove(&s->settings[i], &s->settings[i + 1],
		    (s->nsettings - i - 1) * sizeof(*s->settings));
		s->nsettings--;
		return;
	}
}

void
perlbal_conf_remove_node(struct perlbal_pool *p, const char *ip,
    unsigned port)
{
	size_t	i, j;

	for (i = j = 0; i < p->nnodes; i++)
		if (p->nodes[i].port != port || strcmp(p->nodes[i].ip, ip) != 0)
			p->nodes[j++] = p->nodes[i];
	p->nnodes = j;
}

int
perlbal_conf_add_node(struct perlbal_conf *c, struct perlbal_pool *p,
    const char *ip, unsigned port, const struct perlbal_where *at)
{
	struct perlbal_node	*n;

	perlbal_conf_remove_node(p, ip, port);
	if (p->nnodes >= PERLBAL_MAX_NODES) {
		perlbal_conf_error(c, at, "pool %s: more than %d nodes; weir "
		    "takes at most that many backends in a pool", p->name,
		    PERLBAL_MAX_NODES);
		return -1;
	}
	if (perlbal_conf_grow(c, &p->nodes, &p->cap, p->nnodes,
	    sizeof(*p->nodes)) == -1)
		return -1;
	n = &p->nodes[p->nnodes++];
	snprintf(n->ip, sizeof(n->ip), "%s", ip);
	n->port = port;
	return 0;
}

int
perlbal_conf_add_rule(struct perlbal_conf *c, struct perlbal_service *s,
    bool is_vpath, const char *pattern, const char *target,
    const struct perlbal_where *at, struct perlbal_where *replaced)
{
	struct perlbal_rule	**rules = is_vpath ? &s->vpaths : &s->vhosts;
	size_t			 *n = is_vpath ? &s->nvpaths : &s->nvhosts;
	size_t			 *cap = is_vpath ? &s->vpaths_cap :
				    &s->vhosts_cap;
	struct perlbal_rule	 *r = NULL;
	char			 *p, *t;
	size_t			  i;

	for (i = 0; !is_vpath && i < *n; i++)
		if (strcmp((*rules)[i].pattern, pattern) == 0)
			r = &(*rules)[i];
	if ((p = perlbal_conf_strdup(c, pattern)) == NULL)
		return -1;
	if ((t = perlbal_conf_strdup(c, target)) == NULL) {
		free(p);
		return -1;
	}
	memset(replaced, 0, sizeof(*replaced));
	if (r != NULL) {
		*replaced = r->at;
		free(r->pattern);
		free(r->target);
	} else {
		if (perlbal_conf_grow(c, rules, cap, *n, sizeof(**rules)) ==
		    -1) {
			free(p);
			free(t);
			return -1;
		}
		r = &(*rules)[(*n)++];
	}
	r->pattern = p;
	r->target = t;
	r->at = *at;
	return 0;
}

void
perlbal_conf_clear_rules(struct perlbal_service *s, bool is_vpath)
{
	if (is_vpath) {
		free_rules(s->vpaths, s->nvpaths);
		s->vpaths = NULL;
		s->nvpaths = s->vpaths_cap = 0;
	} else {
		free_rules(s->vhosts, s->nvhosts);
		s->vhosts = NULL;
		s->nvhosts = s->vhosts_cap = 0;
	}
}
