/*
 * The access log: one line per request, buffered per worker and written
 * with one write(2) per loop turn (or when the buffer fills), so a busy
 * worker does not make a syscall per request and lines never interleave.
 */
#ifndef WEIR_WORKER_ACCESSLOG_H
#define WEIR_WORKER_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/shm_layout.h"

#define ACCESSLOG_BUF_BYTES	32768

struct addr;

/*
 * What one line says about one request, filled in as the request goes.
 * Text that comes from the request is kept raw here and escaped when the
 * line is written.
 */
struct access_record {
	char		 peer[48];	/* the client's address, no port */
	char		 method[16];	/* "-" until a request line parsed */
	char		 path[256];	/* the target as received */
	char		 referer[128];	/* for "combined" */
	char		 agent[128];
	int		 proto;		/* enum shm_proto: HTTP/1.0, 1.1, 2 */
	int		 status;	/* what the client was told */
	uint64_t	 resp_bytes;	/* body bytes to the client */
	const char	*service;	/* borrowed from the config */
	const struct addr *backend;	/* borrowed; NULL when none was used */
	unsigned	 ntried;	/* backends tried */
	uint64_t	 t_start_us;	/* first byte of the request */
	uint64_t	 t_backend_us;	/* request sent to the backend; 0 */
	const char	*error;		/* why it ended early; NULL */
};

struct accesslog {
	int	 fd;		/* -1 = off (or syslog) */
	bool	 is_syslog;
	bool	 is_combined;	/* "combined" format, else "weir" */
	char	*path;		/* borrowed from the config */
	size_t	 len;
	char	 buf[ACCESSLOG_BUF_BYTES];
};

/*
 * Opens <path> for appending ("syslog": syslog, facility daemon; NULL
 * leaves the log off), writing lines in the "combined" format when
 * <combined>, else weir's own.  0 or -1 (logged).
 */
int	accesslog_open(struct accesslog *al, const char *path, bool combined);

/* USR1: reopens the file after logrotate moved it. */
void	accesslog_reopen(struct accesslog *al);

/*
 * Adds the line for request <r>, just finished, written at <now_us> (the
 * monotonic clock of <r>'s times) and <now> (wall time).
 */
void	accesslog_add(struct accesslog *al, const struct access_record *r,
	    uint64_t now_us, time_t now);

/* Formats the line for <r> into <out> (<cap> bytes); its length or -1. */
int	accesslog_format(const struct access_record *r, bool is_combined,
	    uint64_t now_us, time_t now, char *out, size_t cap);

/* Writes what is buffered. */
void	accesslog_flush(struct accesslog *al);

void	accesslog_close(struct accesslog *al);

#endif
