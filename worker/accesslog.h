/*
 * The access log: one line per request in the configured format
 * (common/log_format.h), buffered per worker and written with one
 * write(2) per loop turn (or when the buffer fills), so a busy worker
 * does not make a syscall per request and lines never interleave.
 */
#ifndef WEIR_WORKER_ACCESSLOG_H
#define WEIR_WORKER_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/log_format.h"
#include "common/shm_layout.h"
#include "worker/request_id.h"

#define ACCESSLOG_BUF_BYTES	32768
/* Longest line: the fields from the request are bounded below. */
#define ACCESSLOG_LINE_BYTES	4096

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
	char		 referer[128];	/* these three only when logged */
	char		 agent[128];
	char		 host[128];	/* Host, or the target's authority */
	char		 received[256];	/* a refused request's first line */
	uint16_t	 received_len;	/* 0: the request line was parsed */
	const char	*tls_version;	/* static text; NULL: plain TCP */
	char		 sni[128];	/* "" when none */
	char		 request_id[REQUEST_ID_MAX + 1];	/* "" when off */
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
	int			 fd;	/* -1 = off (or syslog) */
	bool			 is_syslog;
	const struct log_format	*fmt;	/* borrowed from the config */
	char			*path;	/* borrowed from the config */
	size_t			 len;
	char			 buf[ACCESSLOG_BUF_BYTES];
};

/*
 * Opens <path> for appending ("syslog": syslog, facility daemon; NULL
 * leaves the log off), writing lines in format <fmt> (borrowed: it must
 * outlive <al>).  0 or -1 (logged).
 */
int	accesslog_open(struct accesslog *al, const char *path,
	    const struct log_format *fmt);

/* USR1: reopens the file after logrotate moved it. */
void	accesslog_reopen(struct accesslog *al);

/*
 * Adds the line for request <r>, just finished, written at <now_us> (the
 * monotonic clock of <r>'s times) and <now> (wall time).
 */
void	accesslog_add(struct accesslog *al, const struct access_record *r,
	    uint64_t now_us, time_t now);

/*
 * Formats the line for <r> in <fmt> into <out> (<cap> bytes, at least
 * 3), newline included, NUL-terminated; returns its length.  A line that
 * does not fit is cut and still ends in a newline.
 */
int	accesslog_format_with(const struct log_format *fmt,
	    const struct access_record *r, uint64_t now_us, time_t now,
	    char *out, size_t cap);

/* The same in the preset "combined" when <is_combined>, else "weir". */
int	accesslog_format(const struct access_record *r, bool is_combined,
	    uint64_t now_us, time_t now, char *out, size_t cap);

/* Writes what is buffered. */
void	accesslog_flush(struct accesslog *al);

void	accesslog_close(struct accesslog *al);

#endif
