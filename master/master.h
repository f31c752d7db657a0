/*
 * The master process: owns the listening sockets, the pid file and the
 * control socket, and one configuration generation at a time (plus the
 * older ones still draining after a reload); forks the children of each
 * generation and then only supervises them and handles signals.
 */
#ifndef WEIR_MASTER_MASTER_H
#define WEIR_MASTER_MASTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/shm.h"
#include "master/listen.h"
#include "worker/worker.h"

struct config;
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
	int			 pidfile_fd;
	int			 ready_fd;	/* to the waiting parent, -1 */
	int			 control_fd;	/* weirctl's socket, -1 */
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

/*
 * Runs weir on <cfg> and its TLS contexts <tls> (both pass to the master)
 * until it is stopped.  Returns the exit status: 0 after a clean stop, 2
 * when it could not start (the cause is logged).
 */
int	master_run(struct config *cfg, struct tls_set *tls, bool foreground);

/*
 * A generation for <cfg>/<tls> serving <ls>: its segment (carrying state
 * over from <from> on a reload), its listening set and its child slots.
 * On success it owns <cfg> and <tls>; on failure returns NULL after
 * logging, and they stay the caller's.
 */
struct generation	*generation_new(struct master *m, struct config *cfg,
			    struct tls_set *tls, const struct listen_sock *ls,
			    size_t nls, const struct shm *from);

/* Forks every child of <g>. */
void	master_start_generation(struct master *m, struct generation *g);

/*
 * Asks the children of <g> (no longer current) to finish: workers drain
 * and stop, the health checker stops; after shutdown_timeout_ms the rest
 * are killed.  <g> joins the retired list.
 */
void	master_retire_generation(struct master *m, struct generation *g);

/* Frees <g> and what it owns (its children must be gone). */
void	master_free_generation(struct generation *g);

/* Creates a log file as root and hands it to the children's user. */
void	master_prepare_log_file(const struct master *m, const char *path);

/*
 * USR2: execs the binary weir was started from, handing it the listening
 * sockets (WEIR_INHERIT); the old master stops gracefully once the new one
 * serves, or keeps serving if it fails.
 */
void	master_upgrade_start(struct master *m);

/*
 * The upgrade's process <pid> ended with <status> (or, with <pid> 0, the
 * supervision loop asks whether the new master is up yet).  Returns true
 * when the old master should now stop gracefully.
 */
bool	master_upgrade_check(struct master *m, pid_t pid, int status);

/*
 * In a new master started by USR2: the listening sockets the old master
 * handed over, as an owned array (NULL, 0 when there are none).
 */
int	master_inherited_listeners(struct listen_sock **out, size_t *n);

/*
 * HUP: loads the configuration again; on success its generation serves
 * and the old one drains, on failure the old one goes on untouched and
 * the errors are logged and recorded in the segment for weirctl.
 * Returns 0 or -1.
 */
int	master_reload(struct master *m);

#endif
