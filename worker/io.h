/*
 * One socket's I/O, plain or through TLS, for either side of the proxy.
 * Sockets are edge-triggered for their whole life, so readiness is
 * remembered here (is_readable, is_writable) and cleared only when a call
 * would block; with TLS a read may have to wait for writability and the
 * other way round, and these calls clear the flag the socket must wait
 * for.
 */
#ifndef WEIR_WORKER_IO_H
#define WEIR_WORKER_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "common/buf.h"

struct ssl_st;

struct sock {
	int		 fd;		/* owned; -1 when closed */
	struct ssl_st	*ssl;		/* owned; NULL = plain */
	bool		 is_readable;
	bool		 is_writable;
};

/* Notes the readiness epoll reported in <events>. */
void	sock_note(struct sock *s, uint32_t events);

/*
 * Reads into <b>'s tail (compacting first if needed; <b> must have room).
 * > 0 bytes read, 0 at EOF (or TLS close_notify), -1 with errno: EAGAIN
 * when it would block, anything else when the connection failed.
 */
ssize_t	sock_read(struct sock *s, struct buf *b);

/* Sends up to <n> bytes: as sock_read, > 0 sent, -1 with errno. */
ssize_t	sock_send(struct sock *s, const void *p, size_t n);

/*
 * Sends <iov> (plain sockets only: TLS sends one record at a time, see
 * sock_send).  > 0 sent, -1 with errno.
 */
ssize_t	sock_writev(struct sock *s, const struct iovec *iov, int iovcnt);

/*
 * Sends up to <n> bytes of file <fd> from *<off> (plain sockets only),
 * advancing *<off>.  > 0 sent, 0 when the file ended early, -1 with errno.
 */
ssize_t	sock_sendfile(struct sock *s, int fd, off_t *off, size_t n);

/* True when the last call failed only because it would block. */
bool	sock_would_block(void);

/*
 * Half-closes: nothing more will be sent (TLS: close_notify, then FIN);
 * reading goes on.  0, or -1 with errno: EAGAIN to call again once
 * writable, anything else when the connection failed.
 */
int	sock_shut_write(struct sock *s);

/*
 * Closes the socket.  <is_reset>: the peer must see the connection was cut
 * short (RST, and no TLS close_notify); otherwise TLS sends close_notify.
 */
void	sock_close(struct sock *s, bool is_reset);

#endif
