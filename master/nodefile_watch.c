/*
 * Following node files: a stat per file per second, and on a change (its
 * inode, size or modification time moved) a read, a parse and the pool's
 * live backends brought to what the file names, through master/runtime.c
 * so that the change is logged, shows in weirctl and is reported by the
 * next reload like any other.
 */
#include "master/nodefile_watch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/nodefile.h"
#include "common/readfile.h"
#include "common/shm.h"
#include "master/runtime.h"

/* A fresh reading: the master's cached clock may be a turn old. */
static uint64_t
now_ms(void)
{
	return clock_us() / 1000;
}

struct watched {
	char		*pool;		/* owned */
	char		*path;		/* owned */
	struct stat	 seen;		/* as last read, or tried */
	bool		 has_seen;
	uint64_t	 due_ms;
	bool		 is_stopped;	/* a console's SET nodefile = none */
	bool		 is_console;	/* changed by a console */
};

struct nodefile_watch {
	struct watched	*files;		/* owned */
	size_t		 nfiles;
};

static void
watched_free(struct watched *f)
{
	free(f->pool);
	free(f->path);
}

void
nodefile_watch_free(struct nodefile_watch *w)
{
	size_t	i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nfiles; i++)
		watched_free(&w->files[i]);
	free(w->files);
	free(w);
}

/* Adds <pool> following <path>, whose current state <st> (may be NULL)
   the configuration already read. */
static int
add(struct nodefile_watch *w, const char *pool, const char *path,
    const struct stat *st)
{
	struct watched	*grown, *f;

	grown = realloc(w->files, (w->nfiles + 1) * sizeof(*w->files));
	if (grown == NULL)
		return -1;
	w->files = grown;
	f = &w->files[w->nfiles];
	memset(f, 0, sizeof(*f));
	f->pool = strdup(pool);
	f->path = strdup(path);
	if (f->pool == NULL || f->path == NULL) {
		watched_free(f);
		return -1;
	}
	if (st != NULL) {
		f->seen = *st;
		f->has_seen = true;
	}
	f->due_ms = now_ms() + NODEFILE_POLL_MS;
	w->nfiles++;
	return 0;
}

struct nodefile_watch *
nodefile_watch_new(const struct config *cfg)
{
	struct nodefile_watch	*w;
	struct stat		 st;
	size_t			 i;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_error("node files: out of memory; not watched");
		return NULL;
	}
	for (i = 0; i < cfg->npools; i++) {
		if (cfg->pools[i].nodefile == NULL)
			continue;
		/* The configuration read it a moment ago: what it saw now is
		   what a later change is measured against. */
		if (add(w, cfg->pools[i].name, cfg->pools[i].nodefile,
		    stat(cfg->pools[i].nodefile, &st) == 0 ? &st : NULL) ==
		    -1) {
			log_error("node files: out of memory; not watched");
			nodefile_watch_free(w);
			return NULL;
		}
	}
	return w;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static uint32_t
pool_index(const struct shm *shm, const char *name)
{
	uint32_t	i;
	size_t		len = strlen(name);

	for (i = 0; i < shm->layout.npools; i++)
		if (strnlen(shm->pools[i].name, SHM_NAME_MAX) == len &&
		    memcmp(shm->pools[i].name, name, len) == 0)
			return i;
	return UINT32_MAX;
}

/* The live slots of a pool, their addresses parsed once. */
struct live {
	uint32_t	slot;		/* in the segment's backends */
	struct addr	addr;
	bool		is_named;	/* by the node file */
};

static bool
is_node(const struct nodefile_node *nodes, size_t n, const struct addr *a)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (addr_equal(&nodes[i].addr, a))
			return true;
	return false;
}

/*
 * Brings pool <pool> of <shm> to <nodes>: removes first, so that a spare
 * slot a removal frees is not what an addition waited for.  Counts what
 * it did into <added> and <removed>; each change is logged by runtime.c.
 */
static void
apply(struct shm *shm, const char *pool, const char *path,
    const struct nodefile_node *nodes, size_t n, unsigned *added,
    unsigned *removed)
{
	struct shm_backend	*b;
	struct live		*live;
	uint32_t		 p, first, nslots, nconf, j, nlive = 0;
	char			 by[300], msg[RUNTIME_MSG_MAX];
	char			 addr[SHM_NAME_MAX + 1];
	const char		*why;
	size_t			 i, k;

	*added = *removed = 0;
	if ((p = pool_index(shm, pool)) == UINT32_MAX ||
	    shm_pool_range(shm, p, &first, &nslots, &nconf) == -1)
		return;
	if ((live = calloc(nslots + 1, sizeof(*live))) == NULL) {
		log_warn("pool %s: node file %s: out of memory", pool, path);
		return;
	}
	snprintf(by, sizeof(by), "by node file %s", path);
	for (j = 0; j < nslots; j++) {
		b = &shm->backends[first + j];
		snprintf(addr, sizeof(addr), "%.*s", SHM_NAME_MAX, b->address);
		if (b->slot_state != SHM_SLOT_LIVE ||
		    addr_parse(addr, &live[nlive].addr, &why) == -1)
			continue;
		live[nlive].slot = first + j;
		live[nlive].is_named = is_node(nodes, n, &live[nlive].addr);
		nlive++;
	}
	for (k = 0; k < nlive; k++) {
		if (live[k].is_named)
			continue;
		b = &shm->backends[live[k].slot];
		snprintf(addr, sizeof(addr), "%.*s", SHM_NAME_MAX, b->address);
		if (runtime_remove(shm, pool, addr, by, msg, sizeof(msg)) == 0)
			(*removed)++;
		else
			log_warn("pool %s: node file %s: %s", pool, path, msg);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < nlive; k++)
			if (live[k].is_named &&
			    addr_equal(&live[k].addr, &nodes[i].addr))
				break;
		if (k < nlive)
			continue;
		if (runtime_add(shm, pool, nodes[i].text, 0, by, msg,
		    sizeof(msg)) == 0)
			(*added)++;
		else
			log_warn("pool %s: node file %s line %zu: %s", pool,
			    path, nodes[i].line, msg);
	}
	free(live);
}

/* Reads <f> and applies it.  0, or -1 with why in <msg>. */
static int
load(struct watched *f, struct shm *shm, char *msg, size_t len)
{
	struct nodefile_node	*nodes;
	struct readfile		 rf;
	char			 err[READFILE_ERR_MAX], why[160];
	size_t			 n;
	unsigned		 added, removed;

	if (readfile_load(f->path, NODEFILE_MAX_BYTES, &rf, err,
	    sizeof(err)) == -1) {
		snprintf(msg, len, "node file %s: %s", f->path, err);
		return -1;
	}
	if (nodefile_parse(rf.data, rf.len, &nodes, &n, nodefile_log_warn,
	    f->path, why, sizeof(why)) == -1) {
		readfile_free(&rf);
		snprintf(msg, len, "node file %s: %s; the pool keeps its "
		    "backends", f->path, why);
		return -1;
	}
	readfile_free(&rf);
	apply(shm, f->pool, f->path, nodes, n, &added, &removed);
	free(nodes);
	snprintf(msg, len, "pool %s: node file %s read: %zu node(s), %u "
	    "added, %u removed", f->pool, f->path, n, added, removed);
	return 0;
}

void
nodefile_watch_poll(struct nodefile_watch *w, struct shm *shm)
{
	struct watched	*f;
	struct stat	 st;
	uint64_t	 now = now_ms();
	char		 msg[512];
	size_t		 i;

	for (i = 0; w != NULL && i < w->nfiles; i++) {
		f = &w->files[i];
		if (f->due_ms > now || f->is_stopped)
			continue;
		f->due_ms = now + NODEFILE_POLL_MS;
		/* Gone for now (a deploy's rename in progress): wait. */
		if (stat(f->path, &st) == -1 ||
		    (f->has_seen && same_file(&st, &f->seen)))
			continue;
		f->seen = st;
		f->has_seen = true;
		if (load(f, shm, msg, sizeof(msg)) == -1)
			log_warn("pool %s: %s", f->pool, msg);
		else
			log_info("%s", msg);
	}
}

void
nodefile_watch_forget(struct nodefile_watch *w,
    void (*tell)(void *arg, const char *what), void *arg)
{
	char	what[600];
	size_t	i;

	for (i = 0; tell != NULL && w != NULL && i < w->nfiles; i++) {
		if (!w->files[i].is_stopped)
			continue;
		snprintf(what, sizeof(what), "pool %s follows node file %s "
		    "again (a console had stopped it)", w->files[i].pool,
		    w->files[i].path);
		tell(arg, what);
	}
	nodefile_watch_free(w);
}

uint64_t
nodefile_watch_next_ms(const struct nodefile_watch *w)
{
	uint64_t	now = now_ms(), next = UINT64_MAX;
	size_t		i;

	for (i = 0; w != NULL && i < w->nfiles; i++) {
		if (w->files[i].due_ms <= now)
			return 0;
		if (w->files[i].due_ms - now < next)
			next = w->files[i].due_ms - now;
	}
	return next;
}

int
nodefile_watch_set(struct nodefile_watch *w, struct shm *shm,
    const char *pool, const char *path, const char *by, char *msg,
    size_t len)
{
	struct watched	*f = NULL;
	struct stat	 st;
	size_t		 i;

	for (i = 0; w != NULL && i < w->nfiles; i++)
		if (strcmp(w->files[i].pool, pool) == 0)
			f = &w->files[i];
	if (f == NULL) {
		snprintf(msg, len, "pool %s has no nodefile in the "
		    "configuration; a console can only stop or resume "
		    "following the one it names", pool);
		return -1;
	}
	if (path[0] == '\0') {
		if (!f->is_stopped)
			log_info("pool %s: node file %s no longer followed %s "
			    "until the next reload", pool, f->path, by);
		f->is_stopped = f->is_console = true;
		snprintf(msg, len, "pool %s follows no node file", pool);
		return 0;
	}
	/*
	 * The master is root and a console is anyone on the loopback: it
	 * reads no file the configuration did not name.
	 */
	if (strcmp(path, f->path) != 0) {
		snprintf(msg, len, "pool %s follows only its nodefile from the "
		    "configuration, %s", pool, f->path);
		return -1;
	}
	if (stat(path, &st) == -1) {
		snprintf(msg, len, "File not found");
		return -1;
	}
	if (f->is_stopped)
		log_info("pool %s: node file %s followed again %s", pool,
		    path, by);
	f->is_stopped = f->is_console = false;
	f->seen = st;
	f->has_seen = true;
	if (load(f, shm, msg, len) == -1)
		return -1;
	log_info("%s", msg);
	return 0;
}
