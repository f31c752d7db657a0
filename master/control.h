/*
 * The master's control socket: weirctl connects to STATE_DIR/weir.sock,
 * sends one command line and reads one reply line.  Replies start with
 * "ok " or "error: ".  The protocol is this file; weirctl includes it for
 * the names below and links nothing of the master.
 */
#ifndef WEIR_MASTER_CONTROL_H
#define WEIR_MASTER_CONTROL_H

#define CONTROL_SOCK_NAME	"weir.sock"
/* Longest command line accepted, newline included. */
#define CONTROL_LINE_MAX	512
/* Longest reply line, newline included. */
#define CONTROL_REPLY_MAX	2048

struct shm;

/*
 * Creates the listening socket <state_dir>/weir.sock, mode 0600, replacing
 * a stale socket left by a previous master (but not a file of another
 * kind).  Returns a non-blocking, close-on-exec listening fd the caller
 * owns (close with control_close()), or -1 after logging why.
 */
int	control_open(const char *state_dir);

/*
 * Serves the connections pending on <lfd>: for each, reads one command
 * line (waiting at most 500 ms for it), applies it to <shm>, writes one
 * reply line and closes.  Call when <lfd> is readable; it returns when no
 * connection is pending, or after a bounded batch so the master's loop
 * keeps turning (the rest stay pending and make <lfd> readable again).
 */
void	control_serve(int lfd, struct shm *shm);

/*
 * Closes <fd> (when not -1) and removes <state_dir>/weir.sock, so weirctl
 * says "is weir running?" rather than "Connection refused".
 */
void	control_close(int fd, const char *state_dir);

#endif
