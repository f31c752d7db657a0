/*
 * Binding every listener of the configuration once, in the master, before
 * any child exists: workers inherit the sockets and share them.
 */
#ifndef WEIR_MASTER_LISTEN_H
#define WEIR_MASTER_LISTEN_H

#include <stddef.h>

#include "common/addr.h"

struct config;

struct listen_sock {
	int		fd;
	struct addr	addr;
	unsigned	service;	/* index in config->services */
};

/*
 * Binds and listens on every address of every service of <cfg>.  On
 * success returns 0 with an owned array in <*out> (<*n> entries).  On
 * failure closes what it opened and returns -1 after logging the address,
 * the service and the cause.
 */
int	listen_bind_all(const struct config *cfg, struct listen_sock **out,
	    size_t *n);

/*
 * For a reload: the listening set of <cfg> built from the sockets in
 * <have> (reused as they are when the address is the same, so a listener
 * that stays is never closed and reopened) plus new binds.  On success
 * returns 0 with a new owned array in <*out>; <have> is untouched (close
 * what the new set does not use with listen_close_unused()).  On failure
 * closes only what it bound and returns -1 after logging.
 */
int	listen_rebind(const struct config *cfg, const struct listen_sock *have,
	    size_t nhave, struct listen_sock **out, size_t *n);

/* Closes the sockets of <old> that <new> does not hold; frees <old>. */
void	listen_close_unused(struct listen_sock *old, size_t nold,
	    const struct listen_sock *new, size_t nnew);

/* Closes and frees the array from listen_bind_all(). */
void	listen_close_all(struct listen_sock *ls, size_t n);

#endif
