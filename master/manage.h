/*
 * The management console (services with "role": "management"): Perlbal's
 * text protocol on TCP, served by the master itself, which owns the
 * segment the changes go into.  Sessions are non-blocking and bounded in
 * number and in bytes, so a console never holds up supervision; and the
 * node files of the pools, watched from the same loop.
 */
#ifndef WEIR_MASTER_MANAGE_H
#define WEIR_MASTER_MANAGE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct generation;
struct master;
struct shm;
struct manage;

/* Console sessions open at once; more are told so and closed. */
#define MANAGE_MAX_SESSIONS	16

/* A new, empty console for <m>; NULL after logging when out of memory. */
struct manage	*manage_new(void);

/*
 * Configuration <cfg> with segment <shm> takes over from generation <old>
 * (NULL at start): node files are watched as <cfg> names them, and what a
 * console changed in <old> that the new one does not keep (a service
 * disabled, a node file followed) is logged and added to <shm>'s reload
 * note.  Called before the reload is marked done in <shm>.
 */
void	manage_configure(struct manage *mg, const struct config *cfg,
	    struct shm *shm, const struct generation *old);

/*
 * In a child just forked: closes the consoles' sessions, which are the
 * master's alone, without touching its memory.
 */
void	manage_close_in_child(struct manage *mg);

/*
 * Fills up to <max> entries of <pfd> with what the console waits on now
 * (the management listeners of <m>, its sessions) and returns how many.
 */
size_t	manage_pollfds(struct manage *mg, const struct master *m,
	    struct pollfd *pfd, size_t max);

/*
 * Serves what ppoll() reported in the <n> entries of <pfd> that
 * manage_pollfds() filled, then looks at node files that are due.
 */
void	manage_serve(struct manage *mg, struct master *m,
	    const struct pollfd *pfd, size_t n);

/* Milliseconds until manage_serve() has something to do unasked. */
uint64_t	manage_next_ms(const struct manage *mg);

/* Closes every session and frees <mg>; NULL is fine. */
void	manage_free(struct manage *mg);

#endif
