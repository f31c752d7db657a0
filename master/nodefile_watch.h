/*
 * Pools' node files while weir runs: each is looked at every
 * NODEFILE_POLL_MS (a stat, as Perlbal does), and when it changed
 * it is read again and the pool made to match it through the runtime API:
 * new nodes added, nodes no longer named removed (their requests in flight
 * finish).  A file that cannot be read or parsed changes nothing and is
 * logged once per change.  Like every runtime change, this lasts until
 * the next reload, which reads the files again.
 */
#ifndef WEIR_MASTER_NODEFILE_WATCH_H
#define WEIR_MASTER_NODEFILE_WATCH_H

#include <stddef.h>
#include <stdint.h>

/* How often node files are looked at (Perlbal: every second). */
#define NODEFILE_POLL_MS	1000

struct config;
struct shm;
struct nodefile_watch;

/* The node files <cfg>'s pools name; NULL when none (or out of memory,
   logged). */
struct nodefile_watch	*nodefile_watch_new(const struct config *cfg);

/*
 * A console's SET pool.nodefile: "" stops following <pool>'s node file
 * (its backends stay as they are), the file's own path follows it again
 * and reads it at once into <shm>.  Only the file the configuration names
 * is ever read: the console is anyone on the loopback, the master root.
 * 0 with what was done in <msg>, or -1 with why not.  <w> may be NULL.
 */
int	nodefile_watch_set(struct nodefile_watch *w, struct shm *shm,
	    const char *pool, const char *path, const char *by, char *msg,
	    size_t len);

/* Looks at the files that are due and applies their changes to <shm>. */
void	nodefile_watch_poll(struct nodefile_watch *w, struct shm *shm);

/* Milliseconds until the next file is due; UINT64_MAX with none. */
uint64_t	nodefile_watch_next_ms(const struct nodefile_watch *w);

/* NULL is fine. */
void	nodefile_watch_free(struct nodefile_watch *w);

/*
 * Frees <w>; first, when <tell> is not NULL, calls it with <arg> and a
 * line for each node file a console stopped following, which a reload
 * follows again.  NULL <w> is fine.
 */
void	nodefile_watch_forget(struct nodefile_watch *w,
	    void (*tell)(void *arg, const char *what), void *arg);

#endif
