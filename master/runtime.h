/*
 * Changes to pools while weir runs, written into the current segment: a
 * backend added, removed or reweighted, enabled, disabled or drained.
 * The control socket calls these; so can any other front end to the same
 * operations (a Perlbal-style management console, a node-file watcher):
 * each takes names and addresses as text, logs what it did with who asked
 * (<by>, "by weirctl"), and answers with one line for the asker.  Changes
 * last until the next reload or restart, which builds the pools from the
 * file again; runtime_dropped() says what that dropped.
 */
#ifndef WEIR_MASTER_RUNTIME_H
#define WEIR_MASTER_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "common/shm_layout.h"

struct shm;
struct config;

/* Longest answer line the functions below write (without a newline). */
#define RUNTIME_MSG_MAX		1024

/*
 * A freed slot is not given to another backend for this long, nor while
 * a worker still counts a request or a session on it: a worker that chose
 * the old backend just before the change finishes with it first.
 */
#define RUNTIME_REUSE_MS	2000

/*
 * Each returns 0 with what was done in <msg> ("backend 127.0.0.1:8083
 * (pool web): added, weight 1"), or -1 with why not ("no pool \"x\"",
 * "pool web has no backend ... (it has: ...)"); <msg> is <len> bytes.
 * Nothing changes on -1.  <pool> and <address> are untrusted text.
 *
 * runtime_add: <address> ("host:port", numeric) joins <pool> with
 * <weight> (1..256; 0 = the configured weight of a backend the file has,
 * else 1), enabled and up, ramping up over the pool's slowstart_ms.  It
 * takes a spare slot, or revives a configured backend removed before.
 *
 * runtime_remove: no new request goes to it; those in flight finish.
 *
 * runtime_weight: its share of new requests, 1..256.
 *
 * runtime_admin: <state> enabled, disabled (no new requests; the ones in
 * flight finish) or draining (no new clients; requests in flight and the
 * clients it was serving finish, then it reads "drained").
 */
int	runtime_add(struct shm *shm, const char *pool, const char *address,
	    unsigned weight, const char *by, char *msg, size_t len);
int	runtime_remove(struct shm *shm, const char *pool,
	    const char *address, const char *by, char *msg, size_t len);
int	runtime_weight(struct shm *shm, const char *pool,
	    const char *address, unsigned weight, const char *by, char *msg,
	    size_t len);
int	runtime_admin(struct shm *shm, const char *pool, const char *address,
	    enum shm_admin state, const char *by, char *msg, size_t len);

/* The word for an admin state as weirctl shows it: "enabled" ... */
const char	*runtime_admin_word(enum shm_admin state);

/*
 * What a reload (or binary upgrade) from segment <old> to configuration
 * <cfg> drops of the runtime changes made to <old>: a backend added that
 * the file does not have, a configured backend removed that the file
 * still has, a weight the file does not give.  Logs each (a bounded
 * number of lines, then a count) with <what> ("reload") first, and writes
 * a summary into <note> (<len> bytes; "" when nothing was dropped).
 * Returns how many were dropped.
 */
size_t	runtime_dropped(struct shm *old, const struct config *cfg,
	    const char *what, char *note, size_t len);

/*
 * Logs, once per drain, each backend of <shm> that was draining and has
 * finished: no request in flight to it and no client session kept on it.
 * Returns the milliseconds after which to look again, or UINT64_MAX when
 * no drain is unfinished.  The master calls it from its loop.
 */
uint64_t	runtime_watch_drains(struct shm *shm);

#endif
