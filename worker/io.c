/*
 * Socket calls for the client and the backend side alike.  Every call
 * retries on EINTR and reports "would block" as -1/EAGAIN after clearing
 * the readiness flag the socket now waits for.
 */
#include "worker/io.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls/tls.h"

void
sock_note(struct sock *s, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->is_readable = true;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		s->is_writable = true;
}

bool
sock_would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* Maps a TLS status with nothing done to -1/errno (or 0 for a close). */
static ssize_t
tls_status(struct sock *s, enum tls_io st, bool is_write)
{
	switch (st) {
	case TLS_IO_WANT_READ:
		s->is_readable = false;
		errno = EAGAIN;
		return -1;
	case TLS_IO_WANT_WRITE:
		s->is_writable = false;
		errno = EAGAIN;
		return -1;
	case TLS_IO_CLOSED:
		if (!is_write)
			return 0;
		errno = EPIPE;
		return -1;
	default:
		errno = is_write ? EPIPE : ECONNRESET;
		return -1;
	}
}

ssize_t
sock_read(struct sock *s, struct buf *b)
{
	enum tls_io	st;
	size_t		n;
	ssize_t		rv;

	if (s->ssl == NULL) {
		do {
			rv = buf_read_fd(b, s->fd);
		} while (rv == -1 && errno == EINTR);
		if (rv == -1 && sock_would_block())
			s->is_readable = false;
		return rv;
	}
	if (b->cap - b->end == 0)
		buf_compact(b);
	n = tls_conn_read(s->ssl, buf_tail(b), b->cap - b->end, &st);
	if (n > 0) {
		b->end += n;
		return (ssize_t)n;
	}
	return tls_status(s, st, false);
}

ssize_t
sock_send(struct sock *s, const void *p, size_t n)
{
	enum tls_io	st;
	size_t		k;
	ssize_t		rv;

	if (s->ssl == NULL) {
		do {
			rv = send(s->fd, p, n, MSG_NOSIGNAL);
		} while (rv == -1 && errno == EINTR);
		if (rv == -1 && sock_would_block())
			s->is_writable = false;
		return rv;
	}
	k = tls_conn_write(s->ssl, p, n, &st);
	if (k > 0)
		return (ssize_t)k;
	return tls_status(s, st, true);
}

ssize_t
sock_writev(struct sock *s, const struct iovec *iov, int iovcnt)
{
	ssize_t	rv;

	do {
		rv = writev(s->fd, iov, iovcnt);
	} while (rv == -1 && errno == EINTR);
	if (rv == -1 && sock_would_block())
		s->is_writable = false;
	return rv;
}

ssize_t
sock_sendfile(struct sock *s, int fd, off_t *off, size_t n)
{
	ssize_t	rv;

	do {
		rv = sendfile(s->fd, fd, off, n);
	} while (rv == -1 && errno == EINTR);
	if (rv == -1 && sock_would_block())
		s->is_writable = false;
	return rv;
}

int
sock_shut_write(struct sock *s)
{
	enum tls_io	st;

	if (s->ssl != NULL && (st = tls_conn_shutdown(s->ssl)) != TLS_IO_OK)
		return (int)tls_status(s, st, true);
	return shutdown(s->fd, SHUT_WR);
}

void
sock_close(struct sock *s, bool is_reset)
{
	struct linger	lg = { .l_onoff = 1, .l_linger = 0 };

	if (s->fd == -1)
		return;
	if (is_reset)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (s->ssl != NULL) {
		if (is_reset)
			tls_conn_abort(s->ssl);
		else
			tls_conn_free(s->ssl);
		s->ssl = NULL;
	}
	close(s->fd);
	s->fd = -1;
	s->is_readable = s->is_writable = false;
}
