/*
 * The access log: one line per request, buffered per worker and written
 * with one write(2) per loop turn (or when the buffer fills), so a busy
 * worker does not make a syscall per request and lines never interleave.
 */
#ifndef WEIR_WORKER_ACCESSLOG_H
#define WEIR_WORKER_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>

#define ACCESSLOG_BUF_BYTES	32768

struct conn;

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

/* Adds the line for the request <c> just finished. */
void	accesslog_add(struct accesslog *al, const struct conn *c);

/* Writes what is buffered. */
void	accesslog_flush(struct accesslog *al);

void	accesslog_close(struct accesslog *al);

#endif
