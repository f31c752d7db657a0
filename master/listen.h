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

/* Closes and frees the array from listen_bind_all(). */
void	listen_close_all(struct listen_sock *ls, size_t n);

#endif
