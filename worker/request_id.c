/*
 * Request ids.  The counter goes through splitmix64's finalizer, a
 * bijection of 64-bit values, so ids of one worker never repeat before
 * 2^64 requests; each worker's seed is random, so ids of two workers
 * collide with the odds of two random 64-bit numbers.
 */
#include "worker/request_id.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define GOLDEN	0x9e3779b97f4a7c15ull

void
request_id_init(struct request_ids *g)
{
	if (getrandom(&g->seed, sizeof(g->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(g->seed))
		/* No entropy yet (early boot): still distinct per worker. */
		g->seed = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^
		    (uint64_t)(uintptr_t)g;
	g->next = 0;
}

void
request_id_make(struct request_ids *g, char out[REQUEST_ID_MAX + 1])
{
	static const char	hex[] = "0123456789abcdef";
	uint64_t		z = g->seed + GOLDEN * g->next++;
	int			i;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	for (i = 15; i >= 0; i--, z >>= 4)
		out[i] = hex[z & 15];
	out[16] = '\0';
}

bool
request_id_is_valid(const char *p, size_t len)
{
	size_t	i;

	if (len == 0 || len > REQUEST_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') ||
		    memchr("-_.:+/=@", p[i], 8) != NULL))
			return false;
	return true;
}

void
request_id_put(struct resp_head *h, const char *id)
{
	if (id[0] != '\0')
		resp_set(h, REQUEST_ID_HEADER, id, strlen(id));
}
