/*
 * OCSP stapling: each certificate may come with a DER OCSP response read
 * at load time; the status callback staples it when OpenSSL picked that
 * certificate.  Fetching and refreshing responses is left to the operator
 * (a reload reads them again).
 */
#ifndef WEIR_TLS_TLS_OCSP_H
#define WEIR_TLS_TLS_OCSP_H

#include <limits.h>
#include <stddef.h>

#include <openssl/ssl.h>

/* Room for any message tls_ocsp_load() writes: the path and a reason. */
#define TLS_OCSP_WHY_MAX	(PATH_MAX + 128)

/*
 * Reads the DER OCSP response in <path> and checks that it is a
 * successful one.  0 with <*out> (the caller's, freed with free()) and
 * <*outlen>, or -1 with the message for the operator in <why>.
 */
int	tls_ocsp_load(const char *path, unsigned char **out, size_t *outlen,
	    char *why, size_t whylen);

/*
 * For SSL_CTX_set_tlsext_status_cb() on a context whose app data is its
 * struct tls_ctx: staples the response of the certificate in use, if any.
 */
int	tls_ocsp_staple_cb(SSL *ssl, void *arg);

#endif
