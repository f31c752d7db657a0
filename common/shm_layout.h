/*
 * The shared-memory segment every process maps: the master creates it,
 * workers and the health checker write counters, weirctl reads it.  Types
 * only.  It holds no pointers: fixed arrays and indices, so any process can
 * map it anywhere.  Bump SHM_LAYOUT_VERSION whenever a byte moves.
 *
 * Who writes what:
 *   header          master, before forking
 *   shm_pool.rr     workers (atomic fetch-add: one rotation for all)
 *   shm_pool.generation, backend slots (slot_state, address, weight ...)
 *                   master, at start and for runtime changes (see below)
 *   shm_backend     counters: workers (atomic adds); admin_state: master;
 *                   health fields: health checker
 *   shm_service     workers (atomic adds); admin_state: master
 *   shm_worker      the master writes pid/started and clears the rest
 *                   before a worker starts and after it dies; the worker
 *                   its counters and is_accepting
 *   held rows       worker w writes row w only; the master zeroes it
 *                   before the worker starts and once it is reaped
 *
 * Counters are single shared relaxed atomics: readers sum nothing and never
 * see one worker's share as the whole.  Gauges of what is open now are the
 * exception: a worker killed with SIGKILL cannot give back what it held,
 * so each worker keeps its own in the "held" rows and readers add the
 * rows up (shm_backend_active(), shm_service_active()).  The master zeroes
 * the row of a dead worker, and the counts it held are gone with it.
 *
 * Backend slots: each pool owns nslots consecutive backend entries, the
 * nconf configured backends first, then spare_backends free slots that
 * runtime commands (master/runtime.c) fill and free while weir runs.  The
 * master writes a pool's slots only between two increments of the pool's
 * generation: odd while it writes, even again after.  A reader copies what
 * it needs from the slots when the generation is even and keeps the copy
 * only if the generation has not moved meanwhile (a seqlock); workers
 * compare it on each pick and rebuild their tables when it moved.  A
 * slot's slot_gen moves whenever it starts or stops being a backend, so a
 * process that keeps something per slot (idle connections, a session's
 * affinity) sees that it is a different backend now.
 */
#ifndef WEIR_COMMON_SHM_LAYOUT_H
#define WEIR_COMMON_SHM_LAYOUT_H

#include <stdint.h>

#define SHM_MAGIC		0x52494557u	/* "WEIR" little-endian */
#define SHM_LAYOUT_VERSION	7
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

/* What a backend slot holds (shm_backend.slot_state). */
enum shm_slot {
	SHM_SLOT_FREE = 0,	/* a spare: no backend */
	SHM_SLOT_LIVE,		/* a backend, configured or added */
	SHM_SLOT_REMOVED,	/* a configured backend removed at runtime:
				   kept so a reload can say it dropped that */
};

/* Response classes: index 0 = 1xx ... 4 = 5xx. */
#define SHM_NCLASSES	5

/* The protocol a client speaks, for the counters by protocol. */
enum shm_proto {
	SHM_PROTO_HTTP10 = 0,
	SHM_PROTO_HTTP11,
	SHM_PROTO_HTTP2,
	SHM_NPROTOS
};

struct shm_header {
	uint32_t	magic;
	uint32_t	layout_version;
	uint64_t	size;		/* bytes of the whole segment */
	uint64_t	generation;	/* 1 at start, +1 per reload */
	int64_t		master_pid;
	int64_t		started_unix;
	uint32_t	nworkers;
	uint32_t	npools;
	uint32_t	nbackends;	/* backend slots, of every pool */
	uint32_t	nservices;
	/* byte offsets from the segment start */
	uint64_t	workers_off;
	uint64_t	pools_off;
	uint64_t	backends_off;
	uint64_t	services_off;
	/* nworkers rows of (2 * nbackends + 2 * nservices) uint64_t:
	   what each worker holds now, requests in flight (and tunnels) per
	   backend slot, client connections per service, client sessions
	   whose last request went to each backend slot (a draining backend
	   keeps them), then open tunnels per service */
	uint64_t	held_off;
	char		config_path[256];
	/* The last reload (HUP): written by the master into the segment
	   that serves after it (the new one, or the old one on failure). */
	int64_t		reload_at_unix;	/* 0 = never reloaded */
	uint32_t	reload_ok;
	uint32_t	reload_failures;	/* failed reloads while this
						   segment served, written
						   after the fields above */
	char		reload_error[512];	/* why it failed, first lines */
	/* What the reload that made this segment dropped of the runtime
	   changes to the last one ("" for none), for weirctl reload. */
	char		reload_note[512];
};

struct shm_worker {
	int64_t		pid;		/* 0 when the slot is empty */
	int64_t		started_unix;
	uint64_t	accepted;	/* connections accepted, ever */
	uint64_t	active;		/* client connections open now */
	uint64_t	requests;
	uint32_t	is_accepting;	/* 1 while it waits on its
					   listeners (not paused, not
					   draining); the master clears it */
	uint32_t	pad;
};

struct shm_pool {
	char		name[SHM_NAME_MAX];
	uint32_t	balance;	/* enum balance */
	uint32_t	first_backend;	/* index into the backend array */
	uint32_t	nslots;		/* backend slots from first_backend */
	uint32_t	when_all_down;	/* enum when_all_down */
	uint64_t	rr;		/* round-robin position */
	uint32_t	nconf;		/* the first nconf slots are the
					   configured backends */
	uint32_t	pad;
	uint64_t	generation;	/* seqlock over the slots, see above */
};

/*
 * Latency histogram: bucket i counts responses whose time to the response
 * head was at most shm_latency_bound_us(i) (and more than bound(i-1));
 * the last bucket also counts every longer one.
 * Bounds grow by 2^(1/4) from 50 us, so a percentile is exact to ~19%
 * anywhere from 50 us to ~100 s with 84 counters.
 */
#define SHM_LAT_BUCKETS		84

struct shm_backend {
	char		address[SHM_NAME_MAX];
	uint32_t	pool;		/* index into the pool array */
	uint32_t	weight;
	uint32_t	admin_state;	/* enum shm_admin; master writes */
	uint32_t	health_state;	/* enum shm_health; checker writes,
					   workers may set DOWN (passive) */
	/* The slot (master, under the pool's generation), next to the
	   states every pick reads: one cache line. */
	uint32_t	slot_state;	/* enum shm_slot */
	uint32_t	slot_gen;	/* +1 each time it starts or stops
					   being a backend */
	uint32_t	is_backup;
	uint32_t	max_conns;	/* 0 = unlimited */
	uint64_t	requests;
	uint64_t	responses[SHM_NCLASSES];
	uint64_t	errors;		/* connect failures, bad responses */
	uint64_t	bytes_in;	/* from the backend */
	uint64_t	bytes_out;	/* to the backend */
	uint64_t	last_failure_unix;
	uint32_t	passive_fails;	/* workers: failures in a row seen on
					   live traffic; at "fall" they mark
					   the backend down */
	uint32_t	pad1;
	uint64_t	latency[SHM_LAT_BUCKETS];
	uint64_t	latency_sum_us;	/* of every latency counted above:
					   a Prometheus histogram's _sum */

	/*
	 * Health, written by the health checker only.  check_seq is a
	 * seqlock: odd while the checker rewrites the fields below, so a
	 * reader copying them retries until it sees the same even value
	 * before and after.
	 */
	uint64_t	check_seq;
	int64_t		check_at_unix;	/* when the last check ended, 0 never */
	int64_t		state_since_unix;	/* last up/down change */
	uint32_t	check_ok;	/* last check passed */
	uint32_t	check_status;	/* HTTP status seen, 0 if none */
	uint32_t	check_duration_ms;
	uint32_t	rise_count;	/* consecutive passes */
	uint32_t	fall_count;	/* consecutive failures */
	uint32_t	pad2;
	char		check_detail[96];	/* "connect refused", ... */
	uint64_t	up_since_ms;	/* CLOCK_MONOTONIC ms of the last
					   down->up change, for slowstart */

	/* More of the slot, read only when it changes. */
	uint32_t	conf_weight;	/* the configured weight; 0 for a
					   backend added at runtime */
	uint32_t	drained_said;	/* master: it logged that this
					   drain finished */
	uint64_t	free_since_ms;	/* CLOCK_MONOTONIC ms it was freed:
					   not reused for a while */
};

struct shm_service {
	char		name[SHM_NAME_MAX];
	uint32_t	nlisten;
	uint32_t	admin_state;	/* enum shm_admin, ENABLED or
					   DISABLED: the master writes it
					   (a console's DISABLE), workers
					   refuse new connections while
					   DISABLED; a reload enables */
	char		listen[SHM_MAX_LISTEN][SHM_NAME_MAX];	/* as written */
	uint64_t	requests;
	uint64_t	responses[SHM_NCLASSES];
	uint64_t	bytes_in;	/* from clients */
	uint64_t	bytes_out;	/* to clients */
	uint64_t	body_timeouts;	/* request bodies cut off as too slow
					   (client_body_timeout_ms/_min_rate) */
	/* By protocol (enum shm_proto): connections by the one they began
	   with (an HTTP/1 connection by its first request's version),
	   requests by their own. */
	uint64_t	proto_conns[SHM_NPROTOS];
	uint64_t	proto_requests[SHM_NPROTOS];
	/* HTTP/2 connections ended with GOAWAY ENHANCE_YOUR_CALM, by the
	   flood that was stopped */
	uint64_t	h2_reset_floods;	/* RST_STREAM or refused streams
						   (rapid reset) */
	uint64_t	h2_header_floods;	/* CONTINUATION, header block */
	uint64_t	h2_control_floods;	/* SETTINGS, PING, PRIORITY,
						   empty DATA */
	/* Upgrade tunnels (101), counted when they open; their bytes as
	   they pass, also counted in bytes_in and bytes_out above.  Open
	   now: the held rows. */
	uint64_t	tunnels;
	uint64_t	tunnel_bytes_in;	/* from clients */
	uint64_t	tunnel_bytes_out;	/* to clients */
};

#endif
