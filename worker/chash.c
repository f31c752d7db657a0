/*
 * The ring is a sorted array; a lookup is a binary search.  Point hashes
 * come from "name#i", so a backend keeps its points whatever the order or
 * number of the others.
 */
#include "worker/chash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t
chash_key(const void *data, size_t len)
{
	const unsigned char	*p = data;
	uint64_t		 h = 0xcbf29ce484222325ull;
	size_t			 i;

	/* FNV-1a, then the splitmix64 finalizer: FNV alone clusters the
	   hashes of similar strings ("a#1", "a#2"), which skews a ring. */
	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static int
cmp_point(const void *a, const void *b)
{
	const struct chash_point *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->backend < y->backend ? -1 : x->backend > y->backend;
}

int
chash_build(struct chash *ch, const char *const *names,
    const unsigned *weights, const uint32_t *ids, size_t n)
{
	char	label[128];
	size_t	i, total = 0, k = 0;
	unsigned j;
	int	len;

	ch->points = NULL;
	ch->npoints = 0;
	for (i = 0; i < n; i++)
		total += (size_t)CHASH_POINTS * weights[i];
	if (total == 0)
		return 0;
	ch->points = calloc(total, sizeof(*ch->points));
	if (ch->points == NULL)
		return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < CHASH_POINTS * weights[i]; j++) {
			len = snprintf(label, sizeof(label), "%s#%u",
			    names[i], j);
			ch->points[k].hash = chash_key(label, (size_t)len);
			ch->points[k].backend = ids[i];
			k++;
		}
	qsort(ch->points, total, sizeof(*ch->points), cmp_point);
	ch->npoints = total;
	return 0;
}

void
chash_free(struct chash *ch)
{
	free(ch->points);
	ch->points = NULL;
	ch->npoints = 0;
}

size_t
chash_find(const struct chash *ch, uint64_t key)
{
	size_t	lo = 0, hi = ch->npoints, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ch->points[mid].hash < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == ch->npoints ? 0 : lo;
}
