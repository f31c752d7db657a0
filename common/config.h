/*
 * The configuration model: JSON (jansson) in, a read-only struct config out.
 * Loading is strict; every problem is reported as
 *   FILE:LINE:COL: json.path: what was expected
 * and a generation is built whole or not at all.  Nothing here does I/O
 * beyond reading the file.
 */
#ifndef WEIR_COMMON_CONFIG_H
#define WEIR_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/log_format.h"

enum balance {
	BALANCE_ROUNDROBIN = 0,
	BALANCE_RANDOM,
	BALANCE_LEASTCONN,
	BALANCE_SOURCE,
	BALANCE_URI,
};

/* What a pool does while none of its backends is up and enabled. */
enum when_all_down {
	WHEN_ALL_DOWN_FAIL = 0,	/* answer 503 */
	WHEN_ALL_DOWN_PANIC,	/* send to every enabled backend anyway */
};

enum role {
	ROLE_REVERSE_PROXY = 0,
	ROLE_WEB_SERVER,
	ROLE_STATS,		/* the status page, /metrics, /stats.json */
	ROLE_MANAGEMENT,	/* Perlbal's management console, served
				   by the master (master/manage.c) */
};

struct backend_conf {
	char		*address;	/* owned: as written, e.g. "127.0.0.1:8080" */
	struct addr	 addr;
	unsigned	 weight;	/* 1..256, default 1 */
	unsigned	 max_conns;	/* 0 = unlimited */
	bool		 is_backup;
};

struct health_conf {
	bool		 enabled;	/* "health": false turns it off */
	char		*path;		/* owned, default "/" */
	char		*host;		/* owned, default "localhost" */
	unsigned	 interval_ms;	/* default 2000 */
	unsigned	 timeout_ms;	/* default 1000 */
	unsigned	 rise;		/* default 2 */
	unsigned	 fall;		/* default 3 */
	/* Accepted status classes/codes: bit N of class_mask = "Nxx". */
	unsigned	 expect_class_mask;	/* default "2xx" and "3xx" */
	int		*expect_codes;	/* owned: explicit codes, may be NULL */
	size_t		 nexpect_codes;
};

struct pool_conf {
	char			*name;		/* owned */
	size_t			 index;		/* position in config->pools */
	enum balance		 balance;
	struct backend_conf	*backends;	/* owned array */
	size_t			 nbackends;
	bool			 persist;	/* default true */
	bool			 verify;	/* default false */
	unsigned		 connect_timeout_ms;	/* default 3000 */
	unsigned		 response_timeout_ms;	/* default 60000 */
	unsigned		 retries;	/* default 2, 0..16 */
	unsigned		 max_idle;	/* idle backend conns per backend
						   per worker, default 32 */
	unsigned		 slowstart_ms;	/* weight ramp after coming up,
						   0 = none */
	unsigned		 queue_timeout_ms;	/* wait for a backend
						   under max_conns; default
						   connect_timeout_ms */
	bool			 tls;		/* TLS to the backends */
	bool			 tls_verify;	/* default true */
	char			*tls_ca_file;	/* owned; NULL = system CAs */
	char			*tls_server_name;	/* owned: SNI and the name
						   checked; NULL = the
						   backend's address */
	struct health_conf	 health;
	enum when_all_down	 when_all_down;	/* default fail */
	char			*nodefile;	/* owned: the file the backends
						   come from, watched while
						   weir runs; NULL = none */
	unsigned		 spare_backends;	/* slots for backends
						   added at runtime,
						   default 16 */
};

struct service_conf;

struct route_conf {
	char			*host;	/* owned, lower-cased; NULL = any */
	char			*path;	/* owned prefix; NULL = any */
	struct pool_conf	*pool;	/* borrowed; exactly one of pool/service */
	struct service_conf	*service; /* borrowed: a web_server service */
};

struct tls_cert_conf {
	char	*cert;		/* owned path */
	char	*key;		/* owned path */
	char	*ocsp;		/* owned path of a DER OCSP response to
				   staple; NULL = none */
};

struct tls_conf {
	struct tls_cert_conf	*certificates;	/* owned array, >= 1 */
	size_t			 ncertificates;
	char			**protocols;	/* owned, e.g. "TLSv1.2" */
	size_t			 nprotocols;
	char			*ciphers;	/* owned, NULL = default */
	bool			 session_tickets;	/* default true */
	unsigned		 hsts_max_age;	/* seconds, 0 = none */
};

/* Protocols one service may list in "upgrade": the worker keeps a mask. */
#define CONFIG_UPGRADE_MAX	16

struct service_conf {
	char			*name;		/* owned */
	size_t			 index;		/* position in config->services */
	enum role		 role;
	struct addr		*listen;	/* owned array, >= 1 */
	char			**listen_text;	/* owned, as written */
	size_t			 nlisten;
	/* reverse_proxy */
	struct pool_conf	*pool;		/* borrowed; may be NULL */
	struct route_conf	*routes;	/* owned array */
	size_t			 nroutes;
	bool			 persist_client;	/* default true */
	unsigned		 client_idle_timeout_ms;	/* default 30000 */
	unsigned		 request_header_timeout_ms;	/* default 10000 */
	size_t			 max_header_bytes;	/* default 32768,
							   1024..1048576 */
	uint64_t		 max_body_bytes;	/* 0 = unlimited */
	unsigned		 client_body_timeout_ms;	/* default 30000 */
	unsigned		 client_body_min_rate;	/* bytes/s, default 500,
							   0 = no rate rule */
	struct cidr		*trusted_proxies;	/* owned array */
	size_t			 ntrusted_proxies;
	char			*via;	/* owned; default "weir"; NULL = omit */
	bool			 request_id;	/* X-Request-Id, default on */
	struct tls_conf		*tls;	/* owned; NULL = plain */
	/* web_server */
	char			*docroot;	/* owned */
	char			**index_files;	/* owned, default {"index.html"} */
	size_t			 nindex_files;
	bool			 dirindex;
	bool			 follow_symlinks;
	bool			 redirect_https;	/* plain HTTP gets a 301 to
						   https:// */
	/* reverse_proxy: Upgrade tunnels (worker/tunnel.c) */
	char			**upgrade;	/* owned: protocol tokens a
						   client may switch to,
						   default {"websocket"} */
	size_t			 nupgrade;
	unsigned		 tunnel_idle_timeout_ms;	/* default 3600000 */
	/* HTTP/2 (worker/h2_server.c) */
	bool			 http2;		/* ALPN offers h2; default true */
	bool			 h2c;		/* plain listener speaks HTTP/2
						   (prior knowledge) */
	unsigned		 max_concurrent_streams;	/* default 128 */
	unsigned		 h2_max_frame_bytes;	/* default 16384 */
	unsigned		 h2_max_resets_per_s;	/* default 200 */
	unsigned		 h2_max_control_frames_per_s;	/* default 500 */
	/* stats, management */
	struct cidr		*allow;		/* owned: peers answered;
						   default loopback */
	size_t			 nallow;
};

struct config {
	char			*path;		/* owned: the file it came from */
	char			*user;		/* owned; NULL = stay as started */
	char			*group;		/* owned; NULL = user's group */
	char			*control_group;	/* owned; NULL = the control
						   socket is root's alone */
	unsigned		 workers;	/* 0 = one per online CPU */
	unsigned		 max_connections;	/* per worker, default 4096 */
	unsigned		 shutdown_timeout_ms;	/* default 30000 */
	char			*state_dir;	/* owned, default "/run/weir" */
	char			*pidfile;	/* owned, default state_dir/weir.pid */
	char			*error_log;	/* owned; NULL = stderr/none */
	char			*access_log;	/* owned; NULL = off; "syslog" */
	struct log_format	 access_log_format;	/* default "weir" */
	enum log_level		 log_level;	/* default info */
	struct pool_conf	*pools;		/* owned array */
	size_t			 npools;
	struct service_conf	*services;	/* owned array */
	size_t			 nservices;
};

/*
 * Reads and validates <path>.  On success returns a new config the caller
 * owns (free with config_free()).  On failure returns NULL after writing one
 * line per problem to <errs>, each "PATH:LINE:COL: json.path: expected ...",
 * and as many problems as can be found in one pass.
 */
struct config	*config_load(const char *path, FILE *errs);

/* Same, from a string; <name> stands for the file name in messages. */
struct config	*config_load_string(const char *text, const char *name,
		    FILE *errs);

struct json_t;

/*
 * Reads <path> as config_load() does (comments, includes) and returns the
 * JSON object it makes, unchecked: for weirctl, which reads only its
 * "state_dir".  A new jansson reference, or NULL after writing what was
 * wrong to <errs>.
 */
struct json_t	*config_load_json(const char *path, FILE *errs);

/*
 * Writes one line to <errs> about the top-level key <key> of the
 * configuration <path>, as the loader words its own: "NAME:LINE:COL: KEY:
 * message", NAME being the file (main or included) the key is in.  For a
 * check made after the load (a user that does not exist); the file is
 * read again for the place alone, "PATH: KEY: message" when it cannot be.
 */
void		 config_report_key(const char *path, const char *key,
		    FILE *errs, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* Frees <cfg> and everything it owns.  NULL is fine. */
void		 config_free(struct config *cfg);

/* "roundrobin", ... for logs and weirctl. */
const char	*balance_name(enum balance b);

/* Index of the pool named <name>, or -1. */
int		 config_find_pool(const struct config *cfg, const char *name);

#endif
