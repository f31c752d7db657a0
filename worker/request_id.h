/*
 * X-Request-Id values: generated for a request that brings none (or
 * brings one from a peer that is not trusted), and checked when a trusted
 * proxy sends one.  A generated id is 16 hex digits from a per-worker
 * counter put through a 64-bit mixing permutation keyed by a random seed:
 * unique within a worker, unpredictable from outside, and no system call
 * per request.
 */
#ifndef WEIR_WORKER_REQUEST_ID_H
#define WEIR_WORKER_REQUEST_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/resp.h"

/* Longest id taken from a trusted proxy; a longer one is replaced. */
#define REQUEST_ID_MAX	64

#define REQUEST_ID_HEADER	"X-Request-Id"

struct request_ids {
	uint64_t	seed;
	uint64_t	next;
};

/* Seeds <g> from getrandom(2), once per worker. */
void	request_id_init(struct request_ids *g);

/* Writes the next id of <g>, NUL-terminated, into <out>. */
void	request_id_make(struct request_ids *g, char out[REQUEST_ID_MAX + 1]);

/*
 * Whether <p> (<len> bytes) may be passed on as an id: 1 to
 * REQUEST_ID_MAX letters, digits or "-_.:+/=@" (UUIDs, hex, base64,
 * HAProxy's and nginx's ids), nothing that could split a header or a log
 * field.
 */
bool	request_id_is_valid(const char *p, size_t len);

/*
 * Gives the final response head <h> the X-Request-Id <id> (borrowed: it
 * must outlive the send), replacing a backend's; nothing when <id> is
 * empty (request_id off).
 */
void	request_id_put(struct resp_head *h, const char *id);

#endif
