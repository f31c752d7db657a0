/*
 * The shared segment: a file under state_dir, sized from the configuration
 * and mapped MAP_SHARED by every process.  The master builds it under a
 * temporary name and renames it into place, so weirctl never maps a
 * half-written file.  Counter updates are the writers' business (shm.h).
 */
#include "common/shm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"

/*
 * Sections start on cache-line boundaries: the counters are hot atomics
 * written by every worker, and a section sharing a line with the header
 * would make weirctl's reads of the header contend with them.
 */
#define SHM_ALIGN	64

_Static_assert(sizeof(struct shm_header) % 8 == 0, "shm_header padding");
_Static_assert(sizeof(struct shm_worker) % 8 == 0, "shm_worker padding");
_Static_assert(sizeof(struct shm_pool) % 8 == 0, "shm_pool padding");
_Static_assert(sizeof(struct shm_backend) % 8 == 0, "shm_backend padding");
_Static_assert(sizeof(struct shm_service) % 8 == 0, "shm_service padding");

struct shm_plan {
	uint64_t	workers_off;
	uint64_t	pools_off;
	uint64_t	backends_off;
	uint64_t	services_off;
	uint64_t	held_off;
	uint64_t	size;
};

static uint64_t
align_up(uint64_t v)
{
	return (v + SHM_ALIGN - 1) & ~(uint64_t)(SHM_ALIGN - 1);
}

static void
plan_layout(struct shm_plan *p, uint64_t nworkers, uint64_t npools,
    uint64_t nbackends, uint64_t nservices)
{
	uint64_t	off = align_up(sizeof(struct shm_header));

	p->workers_off = off;
	off = align_up(off + nworkers * sizeof(struct shm_worker));
	p->pools_off = off;
	off = align_up(off + npools * sizeof(struct shm_pool));
	p->backends_off = off;
	off = align_up(off + nbackends * sizeof(struct shm_backend));
	p->services_off = off;
	off = align_up(off + nservices * sizeof(struct shm_service));
	/* Each worker's row on cache lines of its own: only it writes. */
	p->held_off = off;
	off += nworkers * align_up((2 * nbackends + 2 * nservices) *
	    sizeof(uint64_t));
	p->size = align_up(off);
}

/*
 * Points the section pointers of <s> into its mapping, per its layout (a
 * checked copy of the header).
 */
static void
set_sections(struct shm *s)
{
	char	*base = s->base;

	s->hdr = s->base;
	s->workers = (struct shm_worker *)(base + s->layout.workers_off);
	s->pools = (struct shm_pool *)(base + s->layout.pools_off);
	s->backends = (struct shm_backend *)(base + s->layout.backends_off);
	s->services = (struct shm_service *)(base + s->layout.services_off);
	s->held = (uint64_t *)(base + s->layout.held_off);
}

/* Copies <src> into a fixed name field, cut to fit; NULL gives "". */
static void
copy_name(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

static void
fill_segment(struct shm *s, const struct config *cfg, unsigned nworkers,
    uint32_t nbackends)
{
	struct shm_header	*h = s->hdr;
	const struct pool_conf	*pc;
	struct shm_backend	*sb;
	size_t			 i, j;
	uint32_t		 next = 0;

	h->magic = SHM_MAGIC;
	h->layout_version = SHM_LAYOUT_VERSION;
	h->size = s->size;
	h->generation = 1;
	h->master_pid = (int64_t)getpid();
	h->started_unix = (int64_t)time(NULL);
	h->nworkers = nworkers;
	h->npools = (uint32_t)cfg->npools;
	h->nbackends = nbackends;
	h->nservices = (uint32_t)cfg->nservices;
	copy_name(h->config_path, sizeof(h->config_path), cfg->path);

	for (i = 0; i < cfg->npools; i++) {
		pc = &cfg->pools[i];
		copy_name(s->pools[i].name, sizeof(s->pools[i].name),
		    pc->name);
		s->pools[i].balance = (uint32_t)pc->balance;
		s->pools[i].first_backend = next;
		s->pools[i].nslots = (uint32_t)shm_pool_slots(pc);
		s->pools[i].nconf = (uint32_t)pc->nbackends;
		s->pools[i].when_all_down = (uint32_t)pc->when_all_down;
		for (j = 0; j < pc->nbackends; j++, next++) {
			sb = &s->backends[next];
			if (pc->backends[j].address != NULL)
				copy_name(sb->address, sizeof(sb->address),
				    pc->backends[j].address);
			else
				addr_format(&pc->backends[j].addr,
				    sb->address, sizeof(sb->address));
			sb->pool = (uint32_t)i;
			sb->weight = pc->backends[j].weight;
			sb->conf_weight = pc->backends[j].weight;
			sb->is_backup = pc->backends[j].is_backup;
			sb->max_conns = pc->backends[j].max_conns;
			sb->admin_state = SHM_ADMIN_ENABLED;
			sb->health_state = SHM_HEALTH_UP;
			sb->slot_state = SHM_SLOT_LIVE;
		}
		/* Spares: free, zeroed, theirs by pool. */
		for (j = 0; j < pc->spare_backends; j++, next++)
			s->backends[next].pool = (uint32_t)i;
	}
	for (i = 0; i < cfg->nservices; i++) {
		struct shm_service		*ss = &s->services[i];
		const struct service_conf	*sc = &cfg->services[i];

		copy_name(ss->name, sizeof(ss->name), sc->name);
		for (j = 0; j < sc->nlisten && j < SHM_MAX_LISTEN; j++)
			copy_name(ss->listen[j], sizeof(ss->listen[j]),
			    sc->listen_text[j]);
		ss->nlisten = (uint32_t)j;
	}
}

/*
 * Items of a segment section (<n> of <stride> bytes from <base>) sorted by
 * their name field (<SHM_NAME_MAX> bytes at <off>), so that a reload that
 * carries half a million backends over looks each one up in log n.
 */
struct name_index {
	const char	*base;		/* borrowed from the old segment */
	size_t		 stride;
	size_t		 off;
	uint32_t	*order;		/* owned: item numbers by name */
	uint32_t	 n;
};

static const char *
item_name(const struct name_index *ix, uint32_t i)
{
	return ix->base + (size_t)i * ix->stride + ix->off;
}

static int
item_cmp(const void *a, const void *b, void *arg)
{
	const struct name_index	*ix = arg;

	return strncmp(item_name(ix, *(const uint32_t *)a),
	    item_name(ix, *(const uint32_t *)b), SHM_NAME_MAX);
}

/* Returns 0, or -1 when out of memory (lookups then go item by item). */
static int
index_build(struct name_index *ix, const void *base, size_t stride,
    size_t off, uint32_t n)
{
	uint32_t	i;

	ix->base = base;
	ix->stride = stride;
	ix->off = off;
	ix->n = n;
	if ((ix->order = calloc(n > 0 ? n : 1, sizeof(*ix->order))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		ix->order[i] = i;
	qsort_r(ix->order, n, sizeof(*ix->order), item_cmp, ix);
	return 0;
}

/*
 * The number of the item named <name>, or -1.  Tries <hint> first (an
 * unchanged configuration keeps every position), then the index, then,
 * without one, every item.
 */
static long
index_find(const struct name_index *ix, const char *name, uint32_t hint)
{
	uint32_t	lo = 0, hi = ix->n, mid, i;
	int		r;

	if (hint < ix->n && strncmp(item_name(ix, hint), name,
	    SHM_NAME_MAX) == 0)
		return hint;
	if (ix->order == NULL) {
		for (i = 0; i < ix->n; i++)
			if (strncmp(item_name(ix, i), name, SHM_NAME_MAX) == 0)
				return i;
		return -1;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = strncmp(item_name(ix, ix->order[mid]), name, SHM_NAME_MAX);
		if (r == 0)
			return ix->order[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The backends of new pool <np> take over what the old pool's slots
 * [<ofirst>, <ofirst> + <onslots>) of <from> held under their addresses.
 */
static void
carry_backends(struct shm *to, const struct shm_pool *np,
    const struct shm *from, uint32_t ofirst, uint32_t onslots)
{
	const struct shm_backend	*ob;
	struct name_index		 ix;
	uint32_t			 j;
	long				 k;

	memset(&ix, 0, sizeof(ix));
	ix.base = (const char *)&from->backends[ofirst];
	ix.stride = sizeof(*ob);
	ix.off = offsetof(struct shm_backend, address);
	ix.n = onslots;
	for (j = 0; j < np->nconf; j++) {
		struct shm_backend *nb = &to->backends[np->first_backend + j];
		struct shm_backend  keep = *nb;

		k = index_find(&ix, nb->address, j);
		/* A backend that moved: sort the old ones, once. */
		if (k == -1 && ix.order == NULL && index_build(&ix, ix.base,
		    ix.stride, ix.off, ix.n) == 0)
			k = index_find(&ix, nb->address, j);
		if (k == -1)
			continue;
		ob = &from->backends[ofirst + (uint32_t)k];
		/* A free slot keeps no address, so only a backend, or one
		   removed at runtime that the file brings back, matches. */
		if (ob->slot_state == SHM_SLOT_FREE)
			continue;
		/* Counters, admin and health state; the new
		   configuration's own settings and the slot are new. */
		memcpy(nb, ob, sizeof(*nb));
		nb->pool = keep.pool;
		nb->weight = keep.weight;
		nb->conf_weight = keep.conf_weight;
		nb->is_backup = keep.is_backup;
		nb->max_conns = keep.max_conns;
		nb->slot_state = keep.slot_state;
		nb->slot_gen = keep.slot_gen;
		nb->free_since_ms = 0;
		nb->passive_fails = 0;
		if (nb->check_seq & 1)
			nb->check_seq++;
	}
	free(ix.order);
}

/* A service's counters: the uint64_t fields from requests to the end. */
#define SVC_COUNTERS_AT	offsetof(struct shm_service, requests)
#define SVC_NCOUNTERS	\
	((sizeof(struct shm_service) - SVC_COUNTERS_AT) / sizeof(uint64_t))
_Static_assert((sizeof(struct shm_service) -
    offsetof(struct shm_service, requests)) % sizeof(uint64_t) == 0 &&
    offsetof(struct shm_service, requests) % _Alignof(uint64_t) == 0,
    "shm_service ends with uint64_t counters from requests on");

/*
 * Copies what outlives a generation from <from> into the fresh <to>.
 * Gauges (active connections) stay at zero: the old workers still count
 * theirs in the old segment until they are gone.  The old segment's
 * counts and ranges are read through its checked layout and
 * shm_pool_range(): its workers could have rewritten them.
 */
static void
carry_over(struct shm *to, const struct shm *from)
{
	const struct shm_service	*os;
	const uint64_t			*src;
	uint64_t			*dst;
	struct name_index		 svcs, pools;
	uint32_t			 i, j, ofirst, onslots, onconf;
	long				 k;

	to->hdr->generation = shm_load(&from->hdr->generation) + 1;
	to->hdr->started_unix = from->hdr->started_unix;
	(void)index_build(&svcs, from->services, sizeof(*from->services),
	    offsetof(struct shm_service, name), from->layout.nservices);
	(void)index_build(&pools, from->pools, sizeof(*from->pools),
	    offsetof(struct shm_pool, name), from->layout.npools);
	for (i = 0; i < to->hdr->nservices; i++) {
		struct shm_service *ns = &to->services[i];

		if ((k = index_find(&svcs, ns->name, i)) == -1)
			continue;
		os = &from->services[k];
		/* Every field from requests to the end is a counter: carried
		   whole, so a counter added later cannot be forgotten here
		   (the per-protocol and flood counts once were). */
		dst = (uint64_t *)((char *)ns + SVC_COUNTERS_AT);
		src = (const uint64_t *)((const char *)os + SVC_COUNTERS_AT);
		for (j = 0; j < SVC_NCOUNTERS; j++)
			dst[j] = shm_load(&src[j]);
	}
	for (i = 0; i < to->hdr->npools; i++) {
		struct shm_pool *np = &to->pools[i];

		if ((k = index_find(&pools, np->name, i)) == -1 ||
		    shm_pool_range(from, (uint32_t)k, &ofirst, &onslots,
		    &onconf) == -1)
			continue;
		np->rr = shm_load(&from->pools[k].rr);
		carry_backends(to, np, from, ofirst, onslots);
	}
	free(svcs.order);
	free(pools.order);
}

/*
 * Creates the segment for <cfg> with <nworkers> worker slots at <path>,
 * replacing any old file by rename() so a reader maps either the old or the
 * new segment whole, and maps it read-write into <s>.  Pools appear in
 * configuration order with their backends consecutive; every counter
 * starts at zero, every backend enabled and up.  Returns 0, or -1 after
 * logging; <s> is then unmapped.  Unmap with shm_detach().
 */
int
shm_create(struct shm *s, const char *path, const struct config *cfg,
    unsigned nworkers, const struct shm *from)
{
	struct shm_plan	 plan;
	char		 tmp[4096];
	uint64_t	 nbackends = 0;
	size_t		 i;
	void		*base;
	int		 fd;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < cfg->npools; i++)
		nbackends += shm_pool_slots(&cfg->pools[i]);
	if (nbackends > UINT32_MAX || cfg->npools > UINT32_MAX ||
	    cfg->nservices > UINT32_MAX) {
		log_error("state segment %s: too many pools or backends", path);
		return -1;
	}
	plan_layout(&plan, nworkers, cfg->npools, nbackends, cfg->nservices);

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp)) {
		log_error("state segment %s: path too long", path);
		return -1;
	}
	/* A fresh file: nothing left at that name is written through. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		log_error("state segment %s: cannot remove: %s", tmp,
		    strerror(errno));
		return -1;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1) {
		log_error("state segment %s: cannot create: %s", tmp,
		    strerror(errno));
		return -1;
	}
	/* The umask must not hide the stats from an unprivileged weirctl. */
	if (fchmod(fd, 0644) == -1) {
		log_error("state segment %s: chmod: %s", tmp, strerror(errno));
		goto fail;
	}
	if (ftruncate(fd, (off_t)plan.size) == -1) {
		log_error("state segment %s: cannot size to %llu bytes: %s",
		    tmp, (unsigned long long)plan.size, strerror(errno));
		goto fail;
	}
	base = mmap(NULL, plan.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	if (base == MAP_FAILED) {
		log_error("state segment %s: mmap: %s", tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;

	s->base = base;
	s->size = plan.size;
	s->layout.workers_off = plan.workers_off;
	s->layout.pools_off = plan.pools_off;
	s->layout.backends_off = plan.backends_off;
	s->layout.services_off = plan.services_off;
	s->layout.held_off = plan.held_off;
	set_sections(s);
	memcpy(s->hdr, &s->layout, sizeof(s->layout));
	fill_segment(s, cfg, nworkers, (uint32_t)nbackends);
	/* What this process relies on from now on. */
	memcpy(&s->layout, s->hdr, sizeof(s->layout));
	if (from != NULL)
		carry_over(s, from);

	if (rename(tmp, path) == -1) {
		log_error("state segment %s: cannot rename %s into place: %s",
		    path, tmp, strerror(errno));
		shm_detach(s);
		unlink(tmp);
		return -1;
	}
	return 0;

fail:
	close(fd);
	unlink(tmp);
	return -1;
}

/* Columns of a held row: see shm_layout.h. */
static uint64_t
held_columns(const struct shm_header *h)
{
	return 2 * ((uint64_t)h->nbackends + h->nservices);
}

/* Distance in uint64_t from one worker's held row to the next. */
static uint64_t
held_stride(const struct shm_header *h)
{
	return align_up(held_columns(h) * sizeof(uint64_t)) /
	    sizeof(uint64_t);
}

bool
shm_held_fits(const struct shm_header *h, uint64_t total)
{
	uint64_t	stride = held_stride(h);

	if (h->held_off > total || h->held_off % SHM_ALIGN != 0)
		return false;
	return stride == 0 ||
	    h->nworkers <= (total - h->held_off) / sizeof(uint64_t) / stride;
}

uint64_t *
shm_held_row(const struct shm *s, unsigned worker)
{
	return s->held + (uint64_t)worker * held_stride(&s->layout);
}

void
shm_held_clear(const struct shm *s, unsigned worker)
{
	uint64_t	*row = shm_held_row(s, worker);
	uint64_t	 i, n = held_columns(&s->layout);

	for (i = 0; i < n; i++)
		shm_store(&row[i], 0);
}

uint64_t
shm_held_sum(const struct shm_header *h, const uint64_t *held,
    uint64_t column)
{
	uint64_t	stride = held_stride(h), sum = 0;
	uint32_t	i;

	if (held == NULL || column >= held_columns(h))
		return 0;
	for (i = 0; i < h->nworkers; i++)
		sum += shm_load(&held[i * stride + column]);
	return sum;
}

/*
 * Checks that the section of <count> items of <item> bytes at <off> lies
 * after the header and inside a segment of <total> bytes, aligned for its
 * 64-bit fields.  0, or -1 with the reason in <why>.
 */
static int
check_section(const char *what, uint64_t off, uint64_t count, size_t item,
    uint64_t total, char *why, size_t whylen)
{
	if (off < sizeof(struct shm_header) || off % 8 != 0 || off > total ||
	    count > (total - off) / item) {
		snprintf(why, whylen, "corrupt segment: %s section (%llu x %zu "
		    "bytes at offset %llu) lies outside the %llu-byte segment",
		    what, (unsigned long long)count, item,
		    (unsigned long long)off, (unsigned long long)total);
		return -1;
	}
	return 0;
}

/*
 * The header part of shm_check(): <h> describes a segment of <size>
 * bytes.  Reads only <h>, which may be a private copy.
 */
static int
check_header(const struct shm_header *h, size_t size, char *why,
    size_t whylen)
{
	if (size < sizeof(struct shm_header)) {
		snprintf(why, whylen, "not a weir stats segment (%zu bytes, "
		    "too small)", size);
		return -1;
	}
	if (h->magic != SHM_MAGIC) {
		snprintf(why, whylen, "not a weir stats segment (bad magic)");
		return -1;
	}
	if (h->layout_version != SHM_LAYOUT_VERSION) {
		snprintf(why, whylen, "segment layout version %u, this "
		    "program reads version %u: use weirctl from the same "
		    "build as the running weir",
		    (unsigned)h->layout_version, SHM_LAYOUT_VERSION);
		return -1;
	}
	if (h->size != (uint64_t)size) {
		snprintf(why, whylen, "segment says %llu bytes but the "
		    "file has %llu: truncated or being replaced",
		    (unsigned long long)h->size, (unsigned long long)size);
		return -1;
	}
	if (check_section("worker", h->workers_off, h->nworkers,
	    sizeof(struct shm_worker), size, why, whylen) == -1 ||
	    check_section("pool", h->pools_off, h->npools,
	    sizeof(struct shm_pool), size, why, whylen) == -1 ||
	    check_section("backend", h->backends_off, h->nbackends,
	    sizeof(struct shm_backend), size, why, whylen) == -1 ||
	    check_section("service", h->services_off, h->nservices,
	    sizeof(struct shm_service), size, why, whylen) == -1)
		return -1;
	if (h->held_off < sizeof(struct shm_header) ||
	    !shm_held_fits(h, size)) {
		snprintf(why, whylen, "corrupt segment: held section (%" PRIu32
		    " workers at offset %llu) lies outside the %zu-byte "
		    "segment", h->nworkers, (unsigned long long)h->held_off,
		    size);
		return -1;
	}
	return 0;
}

/*
 * Checks the segment bytes <base>[0..<size>) before any offset or index in
 * them is followed: magic, layout version, the header's size against
 * <size>, each section inside the segment, each pool's backend range inside
 * the backend table.  <base> must be 8-byte aligned.  Returns 0, or -1 with
 * a one-line reason in <why> (<whylen> bytes), no path.  Reads only: a
 * segment another process may be writing can be checked, and its checked
 * facts hold as long as its header and pools stay as they were.
 */
int
shm_check(const void *base, size_t size, char *why, size_t whylen)
{
	const struct shm_header	*h = base;
	const struct shm_pool	*pools;
	uint64_t		 end;
	uint32_t		 i;

	if (size < sizeof(struct shm_header)) {
		snprintf(why, whylen, "not a weir stats segment (%zu bytes, "
		    "too small)", size);
		return -1;
	}
	if (check_header(h, size, why, whylen) == -1)
		return -1;
	pools = (const struct shm_pool *)((const char *)base + h->pools_off);
	for (i = 0; i < h->npools; i++) {
		end = (uint64_t)pools[i].first_backend + pools[i].nslots;
		if (end > h->nbackends) {
			snprintf(why, whylen, "corrupt segment: pool %" PRIu32
			    " names %" PRIu32 " backends from %" PRIu32
			    " of %" PRIu32, i, pools[i].nslots,
			    pools[i].first_backend, h->nbackends);
			return -1;
		}
		if (pools[i].nconf > pools[i].nslots) {
			snprintf(why, whylen, "corrupt segment: pool %" PRIu32
			    " has %" PRIu32 " configured backends in %"
			    PRIu32 " slots", i, pools[i].nconf,
			    pools[i].nslots);
			return -1;
		}
	}
	return 0;
}

/*
 * Maps the segment at <path> read-only into <s> (weirctl, and the master
 * after a binary upgrade).  Returns 0, or -1 with a one-line message in
 * <err> (<errlen> bytes) starting with <path> and errno set: what open()
 * or fstat() said when there is no file to read, EINVAL when the file is
 * not a segment shm_check() accepts.
 */
int
shm_attach(struct shm *s, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		 why[256];
	void		*base;
	int		 fd, saved;

	memset(s, 0, sizeof(*s));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		if (fd != -1)
			close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < sizeof(struct shm_header)) {
		snprintf(err, errlen, "%s: not a weir stats segment "
		    "(too small or not a file)", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	saved = errno;
	close(fd);
	if (base == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	s->base = base;
	s->size = (size_t)st.st_size;
	/* A checked copy of the header is what is used from now on: the
	   file may change. */
	memcpy(&s->layout, base, sizeof(s->layout));
	if (check_header(&s->layout, s->size, why, sizeof(why)) == -1 ||
	    shm_check(base, s->size, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		shm_detach(s);
		errno = EINVAL;
		return -1;
	}
	set_sections(s);
	return 0;
}

int
shm_pool_range(const struct shm *s, uint32_t i, uint32_t *first,
    uint32_t *nslots, uint32_t *nconf)
{
	const struct shm_pool	*p;

	if (i >= s->layout.npools)
		return -1;
	p = &s->pools[i];
	*first = shm_load(&p->first_backend);
	*nslots = shm_load(&p->nslots);
	*nconf = shm_load(&p->nconf);
	if (*first > s->layout.nbackends ||
	    *nslots > s->layout.nbackends - *first || *nconf > *nslots)
		return -1;
	return 0;
}

size_t
shm_pool_slots(const struct pool_conf *pc)
{
	return pc->nbackends + pc->spare_backends;
}

/* Unmaps <s> and clears it.  Harmless on an unmapped <s>. */
void
shm_detach(struct shm *s)
{
	if (s->base != NULL)
		munmap(s->base, s->size);
	memset(s, 0, sizeof(*s));
}

/*
 * Bucket bounds: 50 us times 2^(i/4).  Computed from a table of the four
 * quarter-powers so that no floating point is needed on the worker's
 * per-response path (shm_latency_bucket).
 */
uint64_t
shm_latency_bound_us(unsigned i)
{
	static const uint64_t	quarter[4] = { 10000, 11892, 14142, 16818 };

	if (i >= SHM_LAT_BUCKETS)
		i = SHM_LAT_BUCKETS - 1;
	return ((uint64_t)50 << (i / 4)) * quarter[i % 4] / 10000;
}

unsigned
shm_latency_bucket(uint64_t us)
{
	unsigned	lo = 0, hi = SHM_LAT_BUCKETS - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (us <= shm_latency_bound_us(mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

double
shm_latency_percentile_ms(const uint64_t *hist, double pct)
{
	uint64_t	total = 0, seen = 0, target;
	double		lo, hi, frac;
	unsigned	i;

	for (i = 0; i < SHM_LAT_BUCKETS; i++)
		total += hist[i];
	if (total == 0)
		return 0.0;
	target = (uint64_t)(pct / 100.0 * (double)total + 0.5);
	if (target == 0)
		target = 1;
	for (i = 0; i < SHM_LAT_BUCKETS; i++) {
		if (seen + hist[i] >= target)
			break;
		seen += hist[i];
	}
	if (i == SHM_LAT_BUCKETS)
		i = SHM_LAT_BUCKETS - 1;
	lo = i == 0 ? 0.0 : (double)shm_latency_bound_us(i - 1);
	hi = (double)shm_latency_bound_us(i);
	frac = hist[i] == 0 ? 1.0 : (double)(target - seen) / (double)hist[i];
	return (lo + (hi - lo) * frac) / 1000.0;
}
