/*
 * The master process: owns the listening sockets, the pid file and the
 * control socket, and one configuration generation at a time (plus the
 * older ones still draining after a reload); forks the children of each
 * generation and then only supervises them and handles signals.
 */
#ifndef WEIR_MASTER_MASTER_H
#define WEIR_MASTER_MASTER_H

#include <stdbool.h>

struct account;
struct config;
struct tls_set;

/*
 * Runs weir on <cfg> and its TLS contexts <tls> (both pass to the master)
 * until it is stopped; the children run as the account <a>, when weir
 * runs as root.  Returns the exit status: 0 after a clean stop, 2 when it
 * could not start (the cause is logged).
 */
int	master_run(struct config *cfg, struct tls_set *tls,
	    const struct account *a, bool foreground);

#endif
