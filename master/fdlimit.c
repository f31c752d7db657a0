/*
 * What max_connections costs in descriptors, and the limit raised to it.
 * A worker out of descriptors refuses connections (accept pauses on
 * EMFILE) and cannot reach backends, so the default limit of a shell or
 * an init script (1024) would cap a default configuration of 4096
 * connections a worker at a fraction of that, silently.  Raising the
 * limit here, like nginx's worker_rlimit_nofile and HAProxy's automatic
 * ulimit-n, makes the configuration the one place to size it.
 */
#include "master/fdlimit.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "common/config.h"
#include "common/log.h"

/*
 * A process's own descriptors besides its connections: stdin, stdout and
 * stderr, epoll, signalfd, the error and access logs, TLS and random
 * files, the segment.  Generous: a slot too many costs nothing.
 */
#define FDLIMIT_SPARE	32

unsigned long
fdlimit_need(const struct config *cfg, size_t nlisteners, unsigned nworkers)
{
	unsigned long	conns = cfg->max_connections, idle = 0, checked = 0;
	unsigned long	worker;
	size_t		i;

	for (i = 0; i < cfg->npools; i++) {
		if (cfg->pools[i].persist)
			idle += (unsigned long)cfg->pools[i].max_idle *
			    cfg->pools[i].nbackends;
		if (cfg->pools[i].health.enabled)
			checked += cfg->pools[i].nbackends;
	}
	/* A worker parks at most one idle connection per client slot. */
	if (idle > conns)
		idle = conns;
	worker = 2 * conns + idle + nlisteners + nworkers + FDLIMIT_SPARE;
	return worker > checked + FDLIMIT_SPARE ? worker :
	    checked + FDLIMIT_SPARE;
}

int
fdlimit_raise(const struct config *cfg, size_t nlisteners, unsigned nworkers)
{
	struct rlimit	rl, want;
	unsigned long	need = fdlimit_need(cfg, nlisteners, nworkers);
	unsigned long	overhead, fit;
	int		err;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("open files: getrlimit: %s", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur >= need)
		return 0;
	want.rlim_cur = need;
	want.rlim_max = rl.rlim_max >= need ? rl.rlim_max : need;
	if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
		log_info("open files: limit raised from %llu to %lu for "
		    "max_connections %u", (unsigned long long)rl.rlim_cur,
		    need, cfg->max_connections);
		return 0;
	}
	err = errno;
	/* The hard limit stays: go as far as it lets. */
	if (rl.rlim_cur < rl.rlim_max) {
		want.rlim_cur = rl.rlim_max;
		want.rlim_max = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	overhead = need - 2ul * cfg->max_connections;
	fit = rl.rlim_cur > overhead ? (rl.rlim_cur - overhead) / 2 : 0;
	log_warn("open files: max_connections %u needs %lu descriptors a "
	    "process, but the limit is %llu and cannot be raised (%s): a "
	    "worker refuses connections beyond about %lu; raise the hard "
	    "limit (LimitNOFILE in the systemd unit, NOFILE in "
	    "/etc/default/weir, ulimit -Hn) or lower max_connections",
	    cfg->max_connections, need, (unsigned long long)rl.rlim_cur,
	    strerror(err), fit);
	return -1;
}
