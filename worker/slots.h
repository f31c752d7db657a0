/*
 * A worker's view of a pool's backend slots in the segment (shm_layout.h):
 * which slots hold a backend now, with what weight, and, for the spare
 * slots the master fills at runtime, which address.  The view is read as
 * one consistent copy under the pool's generation, validated (the segment
 * is written by another process), and then applied to the worker's own
 * per-slot state: the backend each slot is now (upstream.c leaves idle
 * connections to one that left).  balance.c rebuilds its tables from it.
 */
#ifndef WEIR_WORKER_SLOTS_H
#define WEIR_WORKER_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/shm_layout.h"

struct worker;
struct pool_conf;

/* One backend of the pool, as read. */
struct slot_member {
	uint32_t	 idx;		/* global backend index */
	uint32_t	 slot;		/* in the pool: idx - first_backend */
	unsigned	 weight;	/* 1..256 */
	bool		 is_backup;
	const char	*name;		/* its address: borrowed from the
					   configuration or from the read */
};

/* One slot, as read. */
struct slot_seen {
	uint32_t	state;		/* enum shm_slot; FREE when invalid */
	uint32_t	gen;		/* slot_gen */
};

struct slots_read {
	uint64_t		 generation;	/* the pool's, even */
	struct slot_seen	*seen;		/* owned: one per slot */
	struct slot_member	*members;	/* owned: the live ones */
	size_t			 nmembers;
	char			(*names)[SHM_NAME_MAX + 1];	/* owned: the
						   addresses of spare slots */
	uint32_t		 nslots;
	uint32_t		 nconf;
};

/*
 * Copies pool <pc>'s slots from <w>'s segment into <r> (zeroed by the
 * caller), then checks what it copied: a slot whose weight or address is
 * not one weir would write counts as free.  Returns 0; or -1 when the
 * master is writing the slots right now or memory ran out, <r> then
 * empty: the caller keeps what it had and reads again later.
 */
int	slots_read(const struct worker *w, const struct pool_conf *pc,
	    struct slots_read *r);

/*
 * Makes <w>'s per-slot state follow <r>: a slot that holds another
 * backend than this worker knew (added, removed, refilled) gets its new
 * identity and slot_gen, which its idle connections no longer match.
 * Logs a slot refused as invalid, once per change of the slot.  A slot whose identity could not
 * be stored (out of memory) is marked free in <r>: leave it out.
 * Harmless without w->backends (unit tests of balancing).
 */
void	slots_apply(struct worker *w, const struct pool_conf *pc,
	    struct slots_read *r);

/* Frees what <r> owns. */
void	slots_read_free(struct slots_read *r);

#endif
