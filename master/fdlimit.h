/*
 * The open-files limit (RLIMIT_NOFILE) a configuration needs, raised by
 * the master before it forks: its children inherit it.
 */
#ifndef WEIR_MASTER_FDLIMIT_H
#define WEIR_MASTER_FDLIMIT_H

#include <stddef.h>

struct config;

/*
 * The descriptors one process may hold at once under <cfg> with
 * <nlisteners> listening sockets and <nworkers> workers: for a worker,
 * each of "max_connections" clients with its backend connection (or file,
 * for web_server), the idle backend connections kept, every listener, the
 * workers' hand-over eventfds and a few of its own; for the health
 * checker, a probe per checked backend.  The larger of the two.
 */
unsigned long	fdlimit_need(const struct config *cfg, size_t nlisteners,
		    unsigned nworkers);

/*
 * Raises this process's soft limit, and as root its hard limit too, to
 * fdlimit_need() when it is lower, and logs the change.  When the limit
 * cannot reach it, raises it as far as it goes and logs a warning saying
 * how many connections a worker can take and what to raise.  Returns 0,
 * or -1 when the limit stays short.
 */
int		fdlimit_raise(const struct config *cfg, size_t nlisteners,
		    unsigned nworkers);

#endif
