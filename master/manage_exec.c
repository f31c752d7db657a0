/*
 * The answers of Perlbal's management commands, from weir's state.  The
 * shapes (field names, padding, order, "." at the end) are Perlbal 1.80's
 * (Perlbal.pm MANAGE_*, Service.pm stats_info, Plugin/Stats.pm); where
 * weir has no such figure, or a different one, doc/perlbal.md says what
 * is written instead and why.
 */
#include "weir_build.h"
#include "master/manage_exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"

/* Perlbal's version, for scripts that read "version" */
#define PERLBAL_VERSION		"1.80"

/* ---- output ---- */

/* Room kept at the end of an answer for the line saying it was cut. */
#define OUT_RESERVE	128

static void
append(struct manage_out *out, size_t limit, const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*grown;
	size_t	 need, cap;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	need = out->len + (size_t)n + 3;
	if (need > limit) {
		out->is_cut = true;
		return;
	}
	if (need > out->cap) {
		for (cap = out->cap == 0 ? 4096 : out->cap; cap < need;)
			cap *= 2;
		if ((grown = realloc(out->data, cap)) == NULL) {
			out->is_cut = true;
			return;
		}
		out->data = grown;
		out->cap = cap;
	}
	vsnprintf(out->data + out->len, out->cap - out->len, fmt, ap);
	out->len += (size_t)n;
	memcpy(out->data + out->len, "\r\n", 2);
	out->len += 2;
}

void
manage_out_line(struct manage_out *out, const char *fmt, ...)
{
	va_list	ap;

	if (out->is_cut)
		return;
	va_start(ap, fmt);
	append(out, MANAGE_OUT_MAX - OUT_RESERVE, fmt, ap);
	va_end(ap);
}

/* The last lines of an answer, in the room kept for them. */
static void
out_final(struct manage_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
out_final(struct manage_out *out, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	append(out, MANAGE_OUT_MAX, fmt, ap);
	va_end(ap);
}

void
manage_out_free(struct manage_out *out)
{
	free(out->data);
	memset(out, 0, sizeof(*out));
}

void
manage_out_consume(struct manage_out *out, size_t n)
{
	if (n >= out->len) {
		/* An idle session holds no buffer. */
		manage_out_free(out);
		return;
	}
	memmove(out->data, out->data + n, out->len - n);
	out->len -= n;
}

static void
ok(struct manage_out *out)
{
	manage_out_line(out, "OK");
}

static void
err(struct manage_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
err(struct manage_out *out, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	manage_out_line(out, "ERROR: %s", msg);
}

/* A listing ends with a line holding one dot; a cut one says so first. */
static void
end(struct manage_out *out)
{
	if (out->is_cut)
		out_final(out, "ERROR: answer cut at %d bytes",
		    MANAGE_OUT_MAX - OUT_RESERVE);
	out_final(out, ".");
	out->is_cut = false;
}

/* ---- the state read ---- */

static const char *const role_words[] = {
	[ROLE_REVERSE_PROXY] = "reverse_proxy",
	[ROLE_WEB_SERVER] = "web_server",
	[ROLE_STATS] = "stats",
	[ROLE_MANAGEMENT] = "management",
};

static const struct service_conf *
find_service(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].name, name) == 0)
			return &cfg->services[i];
	return NULL;
}

static const struct pool_conf *
find_pool(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return &cfg->pools[i];
	return NULL;
}

/* The segment's row of service <s>, or NULL if the segment lacks it. */
static struct shm_service *
service_row(const struct manage_ctx *ctx, const struct service_conf *s)
{
	if (s->index >= ctx->shm->layout.nservices)
		return NULL;
	return &ctx->shm->services[s->index];
}

static bool
service_is_enabled(const struct manage_ctx *ctx, const struct service_conf *s)
{
	const struct shm_service *row = service_row(ctx, s);

	return row == NULL ||
	    shm_load(&row->admin_state) != SHM_ADMIN_DISABLED;
}

/*
 * The backends of pool <p> now, in slot order: <*first> and <*n> within
 * the segment's backend table (checked: workers can write the segment).
 */
static void
pool_range(const struct manage_ctx *ctx, const struct pool_conf *p,
    uint32_t *first, uint32_t *n)
{
	uint32_t	nconf;

	if (p->index >= ctx->shm->layout.npools ||
	    shm_pool_range(ctx->shm, (uint32_t)p->index, first, n,
	    &nconf) == -1)
		*first = *n = 0;
}

/* True when slot <b> holds a backend of its pool (not a spare). */
static bool
slot_is_live(const struct shm_backend *b)
{
	return shm_load(&b->slot_state) == SHM_SLOT_LIVE;
}

static bool
addr_is(const struct shm_backend *b, const char *node)
{
	size_t	len = strnlen(b->address, SHM_NAME_MAX);

	return strlen(node) == len && memcmp(b->address, node, len) == 0;
}

/* The live backend <node> of pool <p>, or NULL. */
static const struct shm_backend *
pool_node(const struct manage_ctx *ctx, const struct pool_conf *p,
    const char *node)
{
	const struct shm_backend	*b;
	uint32_t			 first, n, j;

	pool_range(ctx, p, &first, &n);
	for (j = 0; j < n; j++) {
		b = &ctx->shm->backends[first + j];
		if (slot_is_live(b) && addr_is(b, node))
			return b;
	}
	return NULL;
}

/* Perlbal's node_used: how often it was chosen; weir's requests. */
static uint64_t
node_used(const struct shm_backend *b)
{
	return shm_load(&b->requests);
}

/* Services that send to pool <p>: by default or by a route. */
static unsigned
pool_use_count(const struct config *cfg, const struct pool_conf *p)
{
	const struct service_conf	*s;
	unsigned			 count = 0;
	size_t				 i, r;
	bool				 uses;

	for (i = 0; i < cfg->nservices; i++) {
		s = &cfg->services[i];
		uses = s->pool == p;
		for (r = 0; r < s->nroutes; r++)
			uses |= s->routes[r].pool == p;
		count += uses;
	}
	return count;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names at <base> (<n> structs of <size>, a char * at <off>), sorted:
   Perlbal lists services and pools by "sort keys". */
static const char **
sorted_names(const void *base, size_t n, size_t size, size_t off)
{
	const char	**names;
	size_t		  i;

	if ((names = calloc(n + 1, sizeof(*names))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		names[i] = *(char *const *)((const char *)base + i * size +
		    off);
	qsort(names, n, sizeof(*names), cmp_names);
	return names;
}

/* ---- the commands ---- */

static void
show_services(const struct manage_ctx *ctx, struct manage_out *out)
{
	const struct config		*cfg = ctx->cfg;
	const struct service_conf	*s;
	const char			**names;
	size_t				  i;

	names = sorted_names(cfg->services, cfg->nservices,
	    sizeof(*cfg->services), offsetof(struct service_conf, name));
	if (names == NULL) {
		err(out, "out of memory");
		return;
	}
	for (i = 0; i < cfg->nservices; i++) {
		s = find_service(cfg, names[i]);
		manage_out_line(out, "%s %s %s", s->name, s->nlisten > 0 ?
		    s->listen_text[0] : "not_listening",
		    service_is_enabled(ctx, s) ? "ENABLED" : "DISABLED");
	}
	free(names);
	end(out);
}

static void
show_service(const struct manage_ctx *ctx, const char *name,
    struct manage_out *out)
{
	const struct service_conf	*s = find_service(ctx->cfg, name);
	const struct shm_backend	*b;
	uint32_t			 first, n, j;
	char				 node[ADDR_STRLEN];

	if (s == NULL) {
		err(out, "Unknown service");
		return;
	}
	manage_out_line(out, "SERVICE %s", s->name);
	manage_out_line(out, "     listening: %s", s->nlisten > 0 ?
	    s->listen_text[0] : "--");
	manage_out_line(out, "          role: %s", role_words[s->role]);
	if (s->role == ROLE_REVERSE_PROXY || s->role == ROLE_WEB_SERVER) {
		/* Queued requests are not counted in the segment. */
		manage_out_line(out, "  pend clients: 0");
		manage_out_line(out, "  pend backend: 0");
	}
	if (s->role == ROLE_REVERSE_PROXY) {
		manage_out_line(out, " connect-ahead: 0/0");
		if (s->pool != NULL) {
			manage_out_line(out, "          pool: %s",
			    s->pool->name);
			manage_out_line(out, "         nodes:");
			pool_range(ctx, s->pool, &first, &n);
			for (j = 0; j < n; j++) {
				b = &ctx->shm->backends[first + j];
				if (!slot_is_live(b))
					continue;
				snprintf(node, sizeof(node), "%.*s",
				    (int)sizeof(node) - 1, b->address);
				manage_out_line(out, "%16s%-21s %7llu", "",
				    node, (unsigned long long)node_used(b));
			}
		}
	} else if (s->role == ROLE_WEB_SERVER)
		manage_out_line(out, "        docroot: %s", s->docroot);
	end(out);
}

static void
show_pools(const struct manage_ctx *ctx, struct manage_out *out)
{
	const struct config	*cfg = ctx->cfg;
	const struct pool_conf	*p;
	const char		**names;
	uint32_t		 first, n, j, live;
	size_t			 i;

	names = sorted_names(cfg->pools, cfg->npools, sizeof(*cfg->pools),
	    offsetof(struct pool_conf, name));
	if (names == NULL) {
		err(out, "out of memory");
		return;
	}
	for (i = 0; i < cfg->npools; i++) {
		p = find_pool(cfg, names[i]);
		pool_range(ctx, p, &first, &n);
		for (j = live = 0; j < n; j++)
			live += slot_is_live(&ctx->shm->backends[first + j]);
		manage_out_line(out, "%s nodes %u", p->name, live);
		manage_out_line(out, "%s services %u", p->name,
		    pool_use_count(cfg, p));
	}
	free(names);
	end(out);
}

static void
show_pool(const struct manage_ctx *ctx, const char *name,
    struct manage_out *out)
{
	const struct pool_conf		*p = find_pool(ctx->cfg, name);
	const struct shm_backend	*b;
	uint32_t			 first, n, j;

	if (p == NULL) {
		err(out, "pool '%s' does not exist", name);
		return;
	}
	pool_range(ctx, p, &first, &n);
	for (j = 0; j < n; j++) {
		b = &ctx->shm->backends[first + j];
		if (slot_is_live(b))
			manage_out_line(out, "%.*s %llu", SHM_NAME_MAX,
			    b->address, (unsigned long long)node_used(b));
	}
	end(out);
}

static void
pool_change(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_out *out)
{
	const struct pool_conf	*p = find_pool(ctx->cfg, req->name);
	bool			 is_add = req->verb == MANAGE_POOL_ADD;
	bool			 has = p != NULL &&
				    pool_node(ctx, p, req->node) != NULL;
	char			 msg[1024];
	int			 rv;

	if (p == NULL) {
		err(out, "Pool '%s' not found", req->name);
		return;
	}
	/* Perlbal's add never duplicates and its remove of a stranger is
	   no error: scripts repeat them freely. */
	if (is_add == has) {
		ok(out);
		return;
	}
	rv = is_add ? ctx->ops->pool_add(ctx->arg, p->name, req->node,
	    ctx->by, msg, sizeof(msg)) : ctx->ops->pool_remove(ctx->arg,
	    p->name, req->node, ctx->by, msg, sizeof(msg));
	if (rv == -1)
		err(out, "%s", msg);
	else
		ok(out);
}

static void
create(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_out *out)
{
	bool	is_pool = req->verb == MANAGE_CREATE_POOL;

	/* Perlbal's order of checks, and its words. */
	if (is_pool ? find_pool(ctx->cfg, req->name) != NULL :
	    find_service(ctx->cfg, req->name) != NULL)
		err(out, "%s '%s' already exists", is_pool ? "pool" :
		    "service", req->name);
	else if (is_pool ? find_service(ctx->cfg, req->name) != NULL :
	    find_pool(ctx->cfg, req->name) != NULL)
		err(out, "%s '%s' already exists", is_pool ? "service" :
		    "pool", req->name);
	else
		err(out, "weir makes %ss only from its configuration: add "
		    "\"%s\" to \"%ss\" in weir.json and reload", is_pool ?
		    "pool" : "service", req->name, is_pool ? "pool" :
		    "service");
}

static void
use(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_state *state, struct manage_out *out)
{
	if (find_pool(ctx->cfg, req->name) == NULL &&
	    find_service(ctx->cfg, req->name) == NULL) {
		err(out, "Non-existent pool or service '%s'", req->name);
		return;
	}
	snprintf(state->last_created, sizeof(state->last_created), "%s",
	    req->name);
	ok(out);
}

static bool
is_none(const char *v)
{
	return strcmp(v, "none") == 0 || strcmp(v, "undef") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "\"\"") == 0 ||
	    strcmp(v, "''") == 0;
}

static void
set(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_state *state, struct manage_out *out)
{
	const char		*name = req->name;
	const struct pool_conf	*p;
	char			 msg[1024];

	if (name[0] == '\0')
		name = state->last_created;
	if (name[0] == '\0') {
		err(out, "omitted service/pool name not implied from context");
		return;
	}
	if (find_service(ctx->cfg, name) != NULL) {
		err(out, "service settings come from weir.json: change "
		    "\"%s\" of service \"%s\" there and reload", req->key,
		    name);
		return;
	}
	if ((p = find_pool(ctx->cfg, name)) == NULL) {
		err(out, "service/pool '%s' does not exist", name);
		return;
	}
	if (strcmp(req->key, "nodefile") == 0) {
		if (ctx->ops->set_nodefile(ctx->arg, p->name,
		    is_none(req->value) ? "" : req->value, ctx->by, msg,
		    sizeof(msg)) == -1)
			err(out, "%s", msg);
		else
			ok(out);
		return;
	}
	/* Perlbal 1.80 knows "random" alone: anything else is its error,
	   and "random" on a pool that already has it changes nothing. */
	if (strcmp(req->key, "balance_method") == 0) {
		if (strcmp(req->value, "random") != 0)
			err(out, "Unknown balance method");
		else if (p->balance == BALANCE_RANDOM)
			ok(out);
		else
			err(out, "a pool's balancing comes from weir.json: set "
			    "\"balance\" of pool \"%s\" there and reload",
			    p->name);
		return;
	}
	err(out, "pool setting '%s' unknown (weir takes nodefile)",
	    req->key);
}

static void
enable(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_out *out)
{
	const struct service_conf	*s = find_service(ctx->cfg, req->name);
	struct shm_service		*row;
	bool				 want = req->verb == MANAGE_ENABLE;

	if (s == NULL || (row = service_row(ctx, s)) == NULL) {
		err(out, "service '%s' does not exist", req->name);
		return;
	}
	if (service_is_enabled(ctx, s) == want) {
		err(out, "service %s is already %s", s->name, want ?
		    "enabled" : "disabled");
		return;
	}
	if (!want && s->role == ROLE_MANAGEMENT) {
		err(out, "can't disable management service");
		return;
	}
	/* Every worker reads it at its next accept on the service. */
	shm_store(&row->admin_state, want ? SHM_ADMIN_ENABLED :
	    SHM_ADMIN_DISABLED);
	log_info("service %s: %s %s%s", s->name, want ? "enabled" :
	    "disabled", ctx->by, want ? "" : " until the next reload");
	ok(out);
}

static void
nodes_of(const struct manage_ctx *ctx, const struct shm_backend *b,
    struct manage_out *out)
{
	static const char *const classes[SHM_NCLASSES] = {
		"1xx", "2xx", "3xx", "4xx", "5xx"
	};
	uint64_t	answered = 0, v;
	unsigned	c;
	char		node[SHM_NAME_MAX + 1];

	(void)ctx;
	snprintf(node, sizeof(node), "%.*s", SHM_NAME_MAX, b->address);
	for (c = 0; c < SHM_NCLASSES; c++)
		answered += shm_load(&b->responses[c]);
	manage_out_line(out, "%s attempts %llu", node,
	    (unsigned long long)(shm_load(&b->requests)));
	manage_out_line(out, "%s requests %llu", node,
	    (unsigned long long)answered);
	for (c = 0; c < SHM_NCLASSES; c++)
		if ((v = shm_load(&b->responses[c])) > 0)
			manage_out_line(out, "%s responsecodes %s %llu", node,
			    classes[c], (unsigned long long)v);
	if ((v = shm_load(&b->errors)) > 0)
		manage_out_line(out, "%s errors %llu", node,
		    (unsigned long long)v);
	if ((v = shm_load(&b->last_failure_unix)) > 0)
		manage_out_line(out, "%s lastfailure %llu", node,
		    (unsigned long long)v);
}

static void
nodes(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_out *out)
{
	const struct shm_backend	*b;
	uint32_t			 first, n, j;
	size_t				 i;

	for (i = 0; i < ctx->cfg->npools; i++) {
		pool_range(ctx, &ctx->cfg->pools[i], &first, &n);
		for (j = 0; j < n; j++) {
			b = &ctx->shm->backends[first + j];
			/* Perlbal knows a node once it was tried. */
			if (slot_is_live(b) && (req->node[0] == '\0' ||
			    addr_is(b, req->node)) &&
			    shm_load(&b->requests) + shm_load(&b->errors) > 0)
				nodes_of(ctx, b, out);
		}
	}
	end(out);
}

/* The Stats plugin's lines: "%-15s %-25s %12d", keys sorted. */
static void
stats(const struct manage_ctx *ctx, struct manage_out *out)
{
	static const char *const keys[] = {
		"files_reproxied", "files_sent", "proxy_requests",
		"proxy_requests_highpri", "web_requests"
	};
	const struct service_conf	*s;
	const struct shm_service	*row;
	uint64_t			 v[5], total[5] = { 0 };
	size_t				 i, k;

	for (i = 0; i < ctx->cfg->nservices; i++) {
		s = &ctx->cfg->services[i];
		if ((s->role != ROLE_REVERSE_PROXY &&
		    s->role != ROLE_WEB_SERVER) ||
		    (row = service_row(ctx, s)) == NULL)
			continue;
		memset(v, 0, sizeof(v));
		if (s->role == ROLE_REVERSE_PROXY)
			v[2] = shm_load(&row->requests);
		else {
			v[1] = shm_load(&row->responses[1]);	/* 2xx */
			v[4] = shm_load(&row->requests);
		}
		for (k = 0; k < 5; k++) {
			manage_out_line(out, "%-15s %-25s %12llu", s->name,
			    keys[k], (unsigned long long)v[k]);
			total[k] += v[k];
		}
	}
	for (k = 0; k < 5; k++)
		manage_out_line(out, "%-15s %-25s %12llu", "total", keys[k],
		    (unsigned long long)total[k]);
	end(out);
}

static void
queues(const struct manage_ctx *ctx, struct manage_out *out)
{
	static const char *const names[] = { "normal", "highpri", "lowpri" };
	const struct service_conf	*s;
	size_t				 i, q;

	for (i = 0; i < ctx->cfg->nservices; i++) {
		s = &ctx->cfg->services[i];
		if (s->role != ROLE_REVERSE_PROXY)
			continue;
		for (q = 0; q < 3; q++) {
			manage_out_line(out, "%s-%s.age 0", s->name, names[q]);
			manage_out_line(out, "%s-%s.count 0", s->name,
			    names[q]);
		}
	}
	end(out);
}

/* Connections open now, by weir's objects, for one service or all. */
static void
states(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_out *out)
{
	const struct service_conf	*s = NULL;
	uint64_t			 clients = 0, busy = 0;
	uint32_t			 first, n, j;
	size_t				 i;

	if (req->name[0] != '\0' &&
	    (s = find_service(ctx->cfg, req->name)) == NULL) {
		err(out, "Service not found.");
		return;
	}
	for (i = 0; i < ctx->cfg->nservices; i++)
		if ((s == NULL || s == &ctx->cfg->services[i]) &&
		    i < ctx->shm->layout.nservices)
			clients += shm_service_active(ctx->shm, (uint32_t)i);
	for (i = 0; i < ctx->cfg->npools; i++) {
		if (s != NULL && s->pool != &ctx->cfg->pools[i])
			continue;
		pool_range(ctx, &ctx->cfg->pools[i], &first, &n);
		for (j = 0; j < n; j++)
			busy += shm_backend_active(ctx->shm, first + j);
	}
	if (busy > 0)
		manage_out_line(out, "weir::Backend busy %llu",
		    (unsigned long long)busy);
	if (clients > 0)
		manage_out_line(out, "weir::Client open %llu",
		    (unsigned long long)clients);
	end(out);
}

static uint64_t
tv_us(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

/* The master and the children it reaped: the workers' time once they
   have gone; the segment's request counter for every worker. */
static void
proc(const struct manage_ctx *ctx, struct manage_state *state,
    struct manage_out *out)
{
	struct rusage	self, kids;
	uint64_t	ut, st, reqs = 0;
	uint32_t	i;

	(void)getrusage(RUSAGE_SELF, &self);
	(void)getrusage(RUSAGE_CHILDREN, &kids);
	ut = tv_us(self.ru_utime) + tv_us(kids.ru_utime);
	st = tv_us(self.ru_stime) + tv_us(kids.ru_stime);
	for (i = 0; i < ctx->shm->layout.nworkers; i++)
		reqs += shm_load(&ctx->shm->workers[i].requests);
	manage_out_line(out, "time: %lld", (long long)time(NULL));
	manage_out_line(out, "pid: %ld", (long)getpid());
	manage_out_line(out, "utime: %.6f (+%.6f)", ut / 1e6,
	    (ut - state->last_utime_us) / 1e6);
	manage_out_line(out, "stime: %.6f (+%.6f)", st / 1e6,
	    (st - state->last_stime_us) / 1e6);
	manage_out_line(out, "reqs: %llu (+%llu)", (unsigned long long)reqs,
	    (unsigned long long)(reqs - state->last_reqs));
	state->last_utime_us = ut;
	state->last_stime_us = st;
	state->last_reqs = reqs;
	end(out);
}

static void
version(const struct manage_ctx *ctx, struct manage_out *out)
{
	int64_t	start = ctx->shm->hdr->started_unix;

	manage_out_line(out, "starttime %lld", (long long)start);
	manage_out_line(out, "uptime %lld", (long long)(time(NULL) - start));
	manage_out_line(out, "version %s", PERLBAL_VERSION);
	manage_out_line(out, "weir %s", PACKAGE_VERSION);
	end(out);
}

void
manage_exec(const struct manage_req *req, const struct manage_ctx *ctx,
    struct manage_state *state, struct manage_out *out)
{
	switch (req->verb) {
	case MANAGE_NOTHING:
	case MANAGE_QUIT:
	case MANAGE_VERB_COUNT:
		break;
	case MANAGE_ERROR:
	case MANAGE_UNSUPPORTED:
		err(out, "%s", req->error);
		break;
	case MANAGE_SHOW_SERVICES:
		show_services(ctx, out);
		break;
	case MANAGE_SHOW_SERVICE:
		show_service(ctx, req->name, out);
		break;
	case MANAGE_SHOW_POOLS:
		show_pools(ctx, out);
		break;
	case MANAGE_SHOW_POOL:
		show_pool(ctx, req->name, out);
		break;
	case MANAGE_POOL_ADD:
	case MANAGE_POOL_REMOVE:
		pool_change(req, ctx, out);
		break;
	case MANAGE_CREATE_POOL:
	case MANAGE_CREATE_SERVICE:
		create(req, ctx, out);
		break;
	case MANAGE_USE:
		use(req, ctx, state, out);
		break;
	case MANAGE_SET:
		set(req, ctx, state, out);
		break;
	case MANAGE_ENABLE:
	case MANAGE_DISABLE:
		enable(req, ctx, out);
		break;
	case MANAGE_NODES:
		nodes(req, ctx, out);
		break;
	case MANAGE_STATS:
		stats(ctx, out);
		break;
	case MANAGE_QUEUES:
		queues(ctx, out);
		break;
	case MANAGE_STATES:
		states(req, ctx, out);
		break;
	case MANAGE_PROC:
		proc(ctx, state, out);
		break;
	case MANAGE_VERSION:
		version(ctx, out);
		break;
	}
}
