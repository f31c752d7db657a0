/*
 * Reading a pool's backend slots from the segment, and following them.
 * The master writes a pool's slots between two steps of its generation;
 * a copy taken while the generation stayed even and unchanged is whole.
 * Only the spare slots' addresses are read: a configured slot always
 * holds its configured backend when it holds one.
 */
#include "worker/slots.h"

#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "worker/context.h"

/* Weights a backend may have, as in the configuration. */
#define WEIGHT_MAX	256

/* True when <s> is a printable string, terminated within its array. */
static bool
is_printable(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && s[i] != '\0'; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return i > 0 && i < len;
}

static void
copy_name(char *dst, const char *src)
{
	size_t	i;

	/* Byte by byte: the master may be rewriting it (then the read
	   is thrown away). */
	for (i = 0; i < SHM_NAME_MAX; i++)
		dst[i] = shm_load(&src[i]);
	dst[SHM_NAME_MAX] = '\0';
}

/* The raw copy, under the seqlock.  -1 when it was not whole. */
static int
copy_slots(const struct worker *w, const struct shm_pool *sp,
    struct slots_read *r, uint32_t *weights, uint32_t *backups)
{
	const struct shm_backend	*b;
	uint32_t			 j;

	r->generation = shm_slots_read_begin(sp);
	if (r->generation & 1)
		return -1;
	for (j = 0; j < r->nslots; j++) {
		b = &w->shm->backends[sp->first_backend + j];
		r->seen[j].state = shm_load(&b->slot_state);
		r->seen[j].gen = shm_load(&b->slot_gen);
		weights[j] = shm_load(&b->weight);
		backups[j] = shm_load(&b->is_backup);
		if (j >= r->nconf && r->seen[j].state == SHM_SLOT_LIVE)
			copy_name(r->names[j - r->nconf], b->address);
	}
	return shm_slots_read_ok(sp, r->generation) ? 0 : -1;
}

int
slots_read(const struct worker *w, const struct pool_conf *pc,
    struct slots_read *r)
{
	const struct shm_pool	*sp = &w->shm->pools[pc->index];
	struct slot_member	*m;
	struct addr		 a;
	const char		*why;
	uint32_t		*weights, *backups, j;
	bool			 is_ok;

	r->nslots = sp->nslots;
	r->nconf = sp->nconf;
	/* The segment's counts were checked against the configuration at
	   start (worker.c); a spare name array of at least one entry. */
	r->seen = calloc(r->nslots + 1, sizeof(*r->seen));
	r->members = calloc(r->nslots + 1, sizeof(*r->members));
	r->names = calloc(r->nslots - r->nconf + 1, sizeof(*r->names));
	weights = calloc(r->nslots + 1, sizeof(*weights));
	backups = calloc(r->nslots + 1, sizeof(*backups));
	is_ok = r->seen != NULL && r->members != NULL && r->names != NULL &&
	    weights != NULL && backups != NULL &&
	    copy_slots(w, sp, r, weights, backups) == 0;
	for (j = 0; is_ok && j < r->nslots; j++) {
		if (r->seen[j].state != SHM_SLOT_LIVE)
			continue;
		m = &r->members[r->nmembers];
		m->idx = sp->first_backend + j;
		m->slot = j;
		m->weight = weights[j];
		m->is_backup = backups[j] != 0;
		if (j < r->nconf)
			m->name = pc->backends[j].address;
		else if (is_printable(r->names[j - r->nconf],
		    SHM_NAME_MAX + 1) &&
		    addr_parse(r->names[j - r->nconf], &a, &why) == 0)
			m->name = r->names[j - r->nconf];
		else
			m->name = NULL;
		if (m->name == NULL || m->weight < 1 ||
		    m->weight > WEIGHT_MAX) {
			r->seen[j].state = SHM_SLOT_FREE;
			continue;
		}
		r->nmembers++;
	}
	free(weights);
	free(backups);
	if (!is_ok) {
		slots_read_free(r);
		return -1;
	}
	return 0;
}

void
slots_read_free(struct slots_read *r)
{
	free(r->seen);
	free(r->members);
	free(r->names);
	memset(r, 0, sizeof(*r));
}

/* Spare slot <idx> now holds the backend at <text> (checked by the read). */
static void
take_identity(struct backend_rt *rt, const char *text)
{
	struct backend_conf	*b = rt->added;
	const char		*why;
	char			*copy;

	if (b == NULL && (b = rt->added = calloc(1, sizeof(*b))) == NULL)
		return;
	if ((copy = strdup(text)) == NULL)
		return;
	free(b->address);
	b->address = copy;
	(void)addr_parse(text, &b->addr, &why);
	b->weight = 1;
}

void
slots_apply(struct worker *w, const struct pool_conf *pc,
    struct slots_read *r)
{
	const struct shm_pool	*sp = &w->shm->pools[pc->index];
	struct backend_rt	*rt;
	uint32_t		 j, idx;

	if (w->backends == NULL)
		return;
	for (j = 0; j < r->nslots; j++) {
		idx = sp->first_backend + j;
		rt = &w->backends[idx];
		if (rt->slot_gen == r->seen[j].gen)
			continue;
		/* Its idle connections are to the old backend: upstream.c
		   closes them when it meets them (bconn slot_gen). */
		rt->slot_gen = r->seen[j].gen;
		if (j < r->nconf || r->seen[j].state != SHM_SLOT_LIVE) {
			/* A spare refused as invalid is said once. */
			if (j >= r->nconf && shm_load(&w->shm->backends[idx].
			    slot_state) == SHM_SLOT_LIVE)
				log_warn("pool %s: backend slot %u holds no "
				    "valid backend (weight or address); "
				    "left out", pc->name, (unsigned)j);
			continue;
		}
		take_identity(rt, r->names[j - r->nconf]);
		if (rt->added == NULL || rt->added->address == NULL ||
		    strcmp(rt->added->address, r->names[j - r->nconf]) != 0) {
			log_error("pool %s: out of memory for a backend "
			    "added at runtime", pc->name);
			r->seen[j].state = SHM_SLOT_FREE;
			/* Looked at again on the next change of the pool. */
			rt->slot_gen = r->seen[j].gen - 1;
		}
	}
}
