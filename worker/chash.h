/*
 * Consistent-hash ring for balance "source" and "uri": each backend owns
 * CHASH_POINTS x weight points on a 64-bit circle, and a key goes to the
 * owner of the first point at or after its hash.  Adding or removing one
 * of N backends moves only the keys of the points it gains or loses,
 * about 1/N of them.
 */
#ifndef WEIR_WORKER_CHASH_H
#define WEIR_WORKER_CHASH_H

#include <stddef.h>
#include <stdint.h>

#define CHASH_POINTS	160

struct chash_point {
	uint64_t	hash;
	uint32_t	backend;	/* caller's index for the backend */
};

struct chash {
	struct chash_point	*points;	/* owned, sorted by hash */
	size_t			 npoints;
};

/*
 * Builds a ring over <n> backends named <names> (their stable identity,
 * e.g. the address text), with weights <weights>, storing <ids>[i] as the
 * backend of its points.  Returns 0, or -1 when out of memory.
 */
int		chash_build(struct chash *ch, const char *const *names,
		    const unsigned *weights, const uint32_t *ids, size_t n);
void		chash_free(struct chash *ch);

/* A well-mixed 64-bit hash of <len> bytes. */
uint64_t	chash_key(const void *data, size_t len);

/* Index of the first point at or after <key> (wrapping); ring not empty. */
size_t		chash_find(const struct chash *ch, uint64_t key);

#endif
