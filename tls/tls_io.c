/*
 * One TLS connection on a non-blocking socket, either side: a server SSL
 * for an accepted client, a client SSL (SNI, the name or address checked)
 * for a backend; the handshake, reads and writes mapped to what the event
 * loop waits for next; a clean close or an abort; OpenSSL's errors as
 * text.  Which context to use is the caller's (tls_set_ctx(),
 * tls_set_pool_ctx()).
 */
#include "tls/tls.h"

#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Accepted socket <fd> in server mode; see tls.h.  The caller owns it. */
SSL *
tls_conn_new(SSL_CTX *ctx, int fd)
{
	SSL	*ssl;

	ERR_clear_error();
	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

bool
tls_conn_is_h2(SSL *ssl)
{
	const unsigned char	*p;
	unsigned int		 len;

	SSL_get0_alpn_selected(ssl, &p, &len);
	return len == 2 && memcmp(p, "h2", 2) == 0;
}

/* What SSL_get_error() says about a call that returned <rv>. */
static enum tls_io
io_status(SSL *ssl, int rv)
{
	unsigned long	e;

	switch (SSL_get_error(ssl, rv)) {
	case SSL_ERROR_NONE:
		return TLS_IO_OK;
	case SSL_ERROR_WANT_READ:
		return TLS_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_IO_CLOSED;
	case SSL_ERROR_SYSCALL:
		/* Nothing queued and no errno: the peer closed the socket. */
		if (ERR_peek_error() == 0 && errno == 0)
			return TLS_IO_CLOSED;
		return TLS_IO_ERROR;
	case SSL_ERROR_SSL:
		/*
		 * OpenSSL 3 reports EOF without close_notify this way; most
		 * HTTP clients just close, and HTTP framing, not TLS, tells
		 * whether a message was cut.
		 */
		e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return TLS_IO_CLOSED;
		return TLS_IO_ERROR;
	default:
		return TLS_IO_ERROR;
	}
}

const char *
tls_conn_version(const SSL *ssl)
{
	return SSL_get_version(ssl);
}

const char *
tls_conn_server_name(const SSL *ssl)
{
	return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
}

const char *
tls_verify_text(SSL *ssl)
{
	long	rv = SSL_get_verify_result(ssl);

	return rv == X509_V_OK ? "" : X509_verify_cert_error_string(rv);
}

/* Backend socket <fd> in client mode; see tls.h.  The caller owns it. */
SSL *
tls_client_new(SSL_CTX *ctx, int fd, const char *server_name,
    const char *ip)
{
	SSL			*ssl;
	X509_VERIFY_PARAM	*vp;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1)
		goto fail;
	SSL_set_connect_state(ssl);
	vp = SSL_get0_param(ssl);
	if (server_name != NULL) {
		if (SSL_set_tlsext_host_name(ssl, server_name) != 1 ||
		    X509_VERIFY_PARAM_set1_host(vp, server_name, 0) != 1)
			goto fail;
	} else if (ip != NULL &&
	    X509_VERIFY_PARAM_set1_ip_asc(vp, ip) != 1)
		goto fail;
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}

/* One step of the handshake on <ssl>; TLS_IO_OK when it is complete. */
enum tls_io
tls_conn_handshake(SSL *ssl)
{
	int	rv;

	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_do_handshake(ssl)) == 1)
		return TLS_IO_OK;
	return io_status(ssl, rv);
}

/* See tls.h; <len> 0 reads nothing and says TLS_IO_OK. */
size_t
tls_conn_read(SSL *ssl, void *buf, size_t len, enum tls_io *st)
{
	size_t	n = 0;

	*st = TLS_IO_OK;
	if (len == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(ssl, buf, len, &n) == 1)
		return n;
	*st = io_status(ssl, 0);
	return 0;
}

/*
 * See tls.h.  After TLS_IO_WANT_*, the retry may pass a moved buffer
 * (ACCEPT_MOVING_WRITE_BUFFER) but must pass at least the same bytes.
 */
size_t
tls_conn_write(SSL *ssl, const void *buf, size_t len, enum tls_io *st)
{
	size_t	n = 0;

	*st = TLS_IO_OK;
	if (len == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	if (SSL_write_ex(ssl, buf, len, &n) == 1)
		return n;
	*st = io_status(ssl, 0);
	return 0;
}

/* See tls.h.  SSL_shutdown() returns 0 once close_notify is sent. */
enum tls_io
tls_conn_shutdown(SSL *ssl)
{
	int	rv;

	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_shutdown(ssl)) >= 0)
		return TLS_IO_OK;
	return io_status(ssl, rv);
}

/*
 * Sends close_notify if the handshake finished and nothing failed, without
 * waiting for the peer's, then frees <ssl>.  The socket stays open: the
 * caller closes it.  NULL is fine.
 */
void
tls_conn_free(SSL *ssl)
{
	if (ssl == NULL)
		return;
	/*
	 * SSL_in_init() is also true after a fatal error, when SSL_shutdown()
	 * must not be called.
	 */
	if (!SSL_in_init(ssl)) {
		ERR_clear_error();
		(void)SSL_shutdown(ssl);
	}
	ERR_clear_error();
	SSL_free(ssl);
}

void
tls_conn_abort(SSL *ssl)
{
	/* SSL_free() alone sends nothing; the session leaves the cache. */
	ERR_clear_error();
	SSL_free(ssl);
}

/*
 * The last error queued by OpenSSL in this process, as text, or "" when
 * there is none.  Valid until the next call.
 */
const char *
tls_error_text(void)
{
	static char	buf[256];
	unsigned long	e;

	if ((e = ERR_peek_last_error()) == 0)
		return "";
	ERR_error_string_n(e, buf, sizeof(buf));
	return buf;
}
