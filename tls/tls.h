/*
 * TLS termination with OpenSSL 3: per-service server contexts built in the
 * master before forking (so a bad certificate stops the start, and `weir
 * -t` reports it), certificates chosen by SNI, ALPN h2 and http/1.1, and session
 * tickets whose keys live in memory every process shares, so a client
 * resumes whichever worker it reaches.  Connection-level calls wrap
 * SSL_read/SSL_write for the non-blocking event loop.  The master builds
 * the set (tls_ctx.c) and rotates its keys (tls_tickets.c); the workers
 * use its contexts for their connections (tls_io.c).
 */
#ifndef WEIR_TLS_TLS_H
#define WEIR_TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <openssl/ssl.h>

struct config;

/* Every service's TLS state, indexed like config->services. */
struct tls_set;

/*
 * Checks and loads the TLS parts of <cfg>: certificates with their chains,
 * keys that must match, expiry, protocols, ciphers.  Each problem is one
 * line on <errs> naming the file and the cause, like a config error.
 * Returns a new set (NULL entries for plain services) or NULL on error.
 * Creates the shared ticket-key area (an anonymous MAP_SHARED mapping,
 * never a file: the keys are secrets) when a service uses tickets.
 */
struct tls_set	*tls_set_load(const struct config *cfg, FILE *errs);
void		 tls_set_free(struct tls_set *ts);

/* The context for service <index>, or NULL when it is plain. */
SSL_CTX		*tls_set_ctx(const struct tls_set *ts, size_t index);

/*
 * Master: rotates the shared ticket keys when they are older than the
 * rotation period (the previous key keeps decrypting until the next
 * rotation).  Returns the milliseconds until the next rotation is due.
 */
unsigned	 tls_set_rotate(struct tls_set *ts);

/*
 * Master: rotates the ticket keys now, whatever their age (a key may have
 * leaked; the unit test).  Tickets under the key before the previous one
 * stop resuming.
 */
void		 tls_set_rotate_now(struct tls_set *ts);

/*
 * Master, on a reload: <to> takes <from>'s ticket keys, so tickets issued
 * before the reload resume after it.  Harmless when either has none.
 */
void		 tls_set_adopt_keys(struct tls_set *to,
		    const struct tls_set *from);

enum tls_io {
	TLS_IO_OK = 0,
	TLS_IO_WANT_READ,	/* wait for the socket to be readable */
	TLS_IO_WANT_WRITE,	/* wait for it to be writable */
	TLS_IO_CLOSED,		/* the peer sent close_notify (or EOF) */
	TLS_IO_ERROR,		/* fatal: close the connection */
};

/* The client context for pool <index> (a pool with "tls"), or NULL. */
SSL_CTX		*tls_set_pool_ctx(const struct tls_set *ts, size_t index);

/*
 * A client-side SSL on backend socket <fd>: SNI and the name verified are
 * <server_name> when not NULL, else the certificate must name <ip> (the
 * backend's address, no port).  NULL when out of memory.
 */
SSL		*tls_client_new(SSL_CTX *ctx, int fd, const char *server_name,
		    const char *ip);

/* A new server-side SSL for accepted socket <fd>; NULL when out of memory. */
SSL		*tls_conn_new(SSL_CTX *ctx, int fd);

/* After the handshake: whether ALPN selected HTTP/2 ("h2"). */
bool		 tls_conn_is_h2(SSL *ssl);

/* Drives the handshake one step. */
enum tls_io	 tls_conn_handshake(SSL *ssl);

/*
 * Reads up to <len> bytes: returns > 0 with *st = TLS_IO_OK, or 0 with *st
 * saying why nothing was read.  Same for writes (partial writes allowed:
 * SSL_MODE_ENABLE_PARTIAL_WRITE and ACCEPT_MOVING_WRITE_BUFFER are set).
 */
size_t		 tls_conn_read(SSL *ssl, void *buf, size_t len,
		    enum tls_io *st);
size_t		 tls_conn_write(SSL *ssl, const void *buf, size_t len,
		    enum tls_io *st);

/*
 * Sends close_notify and keeps <ssl> for reading what the peer still
 * sends (a half-close).  TLS_IO_OK once it is out; TLS_IO_WANT_* to call
 * again when the socket is ready.
 */
enum tls_io	 tls_conn_shutdown(SSL *ssl);

/* Best-effort close_notify (never blocks), then frees <ssl>. */
void		 tls_conn_free(SSL *ssl);

/*
 * Frees <ssl> without close_notify, for a connection that is being reset:
 * a clean TLS closure would tell the peer that what it got was whole.
 */
void		 tls_conn_abort(SSL *ssl);

/* The protocol of <ssl>'s connection, "TLSv1.3" (static text). */
const char	*tls_conn_version(const SSL *ssl);

/*
 * The server name the client asked for (SNI), or NULL; valid while <ssl>
 * lives.
 */
const char	*tls_conn_server_name(const SSL *ssl);

/* Why the peer's certificate was refused ("" when it was not). */
const char	*tls_verify_text(SSL *ssl);

/* The last OpenSSL error as text, for the log. */
const char	*tls_error_text(void);

#endif
