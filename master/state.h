/*
 * The master's state, types only: struct master, the generations it holds
 * and their children.  master.c supervises through them, generation.c
 * builds, starts and retires generations, reload.c and upgrade.c change
 * what is current, spawn.c forks from them; with the types in a header of
 * their own, none of these files depends on another's functions for them.
 */
#ifndef WEIR_MASTER_STATE_H
#define WEIR_MASTER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/shm.h"
#include "master/control.h"
#include "master/listen.h"
#include "worker/worker.h"

struct config;
struct manage;
struct tls_set;

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

/*
 * What one configuration runs with.  Built whole by a start or a reload,
 * never modified, freed whole once it is retired and its last child is
 * gone.
 */
struct generation {
	uint64_t		 number;	/* 1 at start, +1 per reload */
	struct config		*cfg;		/* owned */
	struct tls_set		*tls;		/* owned; NULL = no TLS */
	struct shm		 shm;		/* owned mapping */
	struct listen_fd	*fds;		/* owned: what its workers serve */
	size_t			 nfds;
	int			*pokes;		/* owned: an eventfd per worker
						   slot, for handing new
						   connections over */
	struct child		*children;	/* owned: workers, then the
						   health checker if any */
	unsigned		 nchildren;
	unsigned		 nworkers;
	uint64_t		 retire_deadline_ms;	/* 0 while current */
	struct generation	*next;		/* older retired ones */
};

struct master {
	char			*config_path;	/* owned, absolute */
	bool			 is_foreground;
	struct generation	*cur;		/* owned */
	struct generation	*retired;	/* owned list, draining */
	struct listen_sock	*listeners;	/* owned: the current set */
	size_t			 nlisteners;
	char			*shm_path;	/* owned */
	char			*state_dir;	/* owned: as started; a reload
						   does not move it */
	char			*pidfile;	/* owned: likewise */
	int			 pidfile_fd;
	int			 ready_fd;	/* to the waiting parent, -1 */
	int			 control_fd;	/* weirctl's socket, -1 */
	struct control_access	 control_access;	/* control_group */
	struct manage		*manage;	/* owned: management consoles
						   and node files */
	bool			 drop_privileges;
	uid_t			 uid;
	gid_t			 gid;
	bool			 is_stopping;

	/* binary upgrade (USR2) */
	char			*exe_path;	/* owned: the binary at start */
	pid_t			 upgrade_pid;	/* the new master (or its
						   daemonizing parent), 0 */
	uint64_t		 upgrade_deadline_ms;
	char			*oldbin_path;	/* owned: our pid file, moved */
	bool			 is_upgraded;	/* handed over: the pid file,
						   segment and control socket
						   are the new master's */
};

#endif
