/*
 * The shared-memory segment every process maps: the master creates it,
 * workers and the health checker write counters, weirctl reads it.  Types
 * only.  It holds no pointers: fixed arrays and indices, so any process can
 * map it anywhere.  Bump SHM_LAYOUT_VERSION whenever a byte moves.
 *
 * Who writes what:
 *   header          master, before forking
 *   shm_pool.rr     workers (atomic fetch-add: one rotation for all)
 *   shm_backend     counters: workers (atomic adds); admin_state: master;
 *                   health fields: health checker
 *   shm_service     workers (atomic adds)
 *   shm_worker      the master writes pid/started; the worker its counters
 *
 * Counters are single shared relaxed atomics: readers sum nothing and never
 * see one worker's share as the whole.
 */
#ifndef WEIR_COMMON_SHM_LAYOUT_H
#define WEIR_COMMON_SHM_LAYOUT_H

#include <stdint.h>

#define SHM_MAGIC		0x52494557u	/* "WEIR" little-endian */
#define SHM_LAYOUT_VERSION	1
#define SHM_NAME_MAX		64
#define SHM_FILE_NAME		"weir.shm"
/* Listen addresses kept per service for weirctl; more are not shown. */
#define SHM_MAX_LISTEN		8

enum shm_admin {
	SHM_ADMIN_ENABLED = 0,
	SHM_ADMIN_DISABLED,
	SHM_ADMIN_DRAINING,
};

enum shm_health {
	SHM_HEALTH_UP = 0,
	SHM_HEALTH_DOWN,
};

/* Response classes: index 0 = 1xx ... 4 = 5xx. */
#define SHM_NCLASSES	5

struct shm_header {
	uint32_t	magic;
	uint32_t	layout_version;
	uint64_t	size;		/* bytes of the whole segment */
	uint64_t	generation;	/* 1 at start, +1 per reload */
	int64_t		master_pid;
	int64_t		started_unix;
	uint32_t	nworkers;
	uint32_t	npools;
	uint32_t	nbackends;
	uint32_t	nservices;
	/* byte offsets from the segment start */
	uint64_t	workers_off;
	uint64_t	pools_off;
	uint64_t	backends_off;
	uint64_t	services_off;
	char		config_path[256];
};

struct shm_worker {
	int64_t		pid;		/* 0 when the slot is empty */
	int64_t		started_unix;
	uint64_t	accepted;	/* connections accepted, ever */
	uint64_t	active;		/* client connections open now */
	uint64_t	requests;
};

struct shm_pool {
	char		name[SHM_NAME_MAX];
	uint32_t	balance;	/* enum balance */
	uint32_t	first_backend;	/* index into the backend array */
	uint32_t	nbackends;
	uint32_t	pad;
	uint64_t	rr;		/* round-robin position */
};

struct shm_backend {
	char		address[SHM_NAME_MAX];
	uint32_t	pool;		/* index into the pool array */
	uint32_t	weight;
	uint32_t	admin_state;	/* enum shm_admin */
	uint32_t	health_state;	/* enum shm_health */
	uint64_t	active;
	uint64_t	requests;
	uint64_t	responses[SHM_NCLASSES];
	uint64_t	errors;		/* connect failures, bad responses */
	uint64_t	bytes_in;	/* from the backend */
	uint64_t	bytes_out;	/* to the backend */
	uint64_t	last_failure_unix;
};

struct shm_service {
	char		name[SHM_NAME_MAX];
	uint32_t	nlisten;
	uint32_t	pad;
	char		listen[SHM_MAX_LISTEN][SHM_NAME_MAX];	/* as written */
	uint64_t	active;
	uint64_t	requests;
	uint64_t	responses[SHM_NCLASSES];
	uint64_t	bytes_in;	/* from clients */
	uint64_t	bytes_out;	/* to clients */
};

#endif
