/*
 * The master process: owns the configuration generation, the listening
 * sockets, the shared segment and the pid file; forks the workers and
 * then only supervises them and handles signals.
 */
#ifndef WEIR_MASTER_MASTER_H
#define WEIR_MASTER_MASTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/shm.h"
#include "master/listen.h"

struct config;

enum child_role {
	CHILD_WORKER = 0,
	CHILD_HEALTH,
};

struct child {
	enum child_role	role;
	unsigned	slot;		/* worker slot in the shm */
	pid_t		pid;		/* 0 when not running */
	uint64_t	started_ms;
	uint64_t	respawn_at_ms;	/* 0 = not waiting */
	unsigned	quick_deaths;	/* died soon after start, in a row */
};

struct master {
	struct config		*cfg;		/* owned */
	bool			 is_foreground;
	struct listen_sock	*listeners;	/* owned */
	size_t			 nlisteners;
	struct shm		 shm;
	char			*shm_path;	/* owned */
	int			 pidfile_fd;
	int			 ready_fd;	/* to the waiting parent, -1 */
	struct child		*children;	/* owned: workers, then the
						   health checker if any */
	unsigned		 nchildren;
	unsigned		 nworkers;
	int			 control_fd;	/* weirctl's socket, -1 */
	bool			 drop_privileges;
	uid_t			 uid;
	gid_t			 gid;
	bool			 is_stopping;
};

/*
 * Runs weir on <cfg> (ownership passes to the master) until it is stopped.
 * Returns the exit status: 0 after a clean stop, 2 when it could not start
 * (the cause is logged).
 */
int	master_run(struct config *cfg, bool foreground);

#endif
