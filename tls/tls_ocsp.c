/*
 * OCSP stapling: the DER response configured for a certificate is read and
 * checked once, when the contexts are built, and stapled to every
 * handshake that uses that certificate.  The response is the operator's to
 * fetch and renew; a reload reads it again.
 */
#include "tls/tls_ocsp.h"

#include <stdio.h>

#include <openssl/crypto.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "common/readfile.h"
#include "tls/tls_local.h"

/* A DER OCSP response bigger than this is not one. */
#define OCSP_MAX_BYTES	(1024 * 1024)

int
tls_ocsp_load(const char *path, unsigned char **out, size_t *outlen,
    char *why, size_t whylen)
{
	struct readfile		 der;
	OCSP_RESPONSE		*resp;
	const unsigned char	*p;
	char			 err[READFILE_ERR_MAX];
	int			 status;

	if (readfile_load(path, OCSP_MAX_BYTES, &der, err, sizeof(err)) ==
	    -1) {
		(void)snprintf(why, whylen, "cannot read %s: %s", path, err);
		return -1;
	}
	p = (const unsigned char *)der.data;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)der.len)) == NULL) {
		(void)snprintf(why, whylen,
		    "OCSP response %s: not a DER OCSP response", path);
		goto bad;
	}
	status = OCSP_response_status(resp);
	OCSP_RESPONSE_free(resp);
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		(void)snprintf(why, whylen,
		    "OCSP response %s: status is %s, not successful", path,
		    OCSP_response_status_str(status));
		goto bad;
	}
	*out = (unsigned char *)der.data;
	*outlen = der.len;
	return 0;
bad:
	readfile_free(&der);
	return -1;
}

int
tls_ocsp_staple_cb(SSL *ssl, void *arg)
{
	const struct tls_ctx	*tc;
	X509			*leaf;
	unsigned char		*der;
	size_t			 i;

	tc = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (tc == NULL || (leaf = SSL_get_certificate(ssl)) == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	for (i = 0; i < tc->ncerts; i++)
		if (tc->certs[i].ocsp != NULL &&
		    X509_cmp(tc->certs[i].leaf, leaf) == 0)
			break;
	if (i == tc->ncerts)
		return SSL_TLSEXT_ERR_NOACK;
	/* OpenSSL frees the copy with the connection. */
	if ((der = OPENSSL_memdup(tc->certs[i].ocsp,
	    tc->certs[i].ocsp_len)) == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	if (SSL_set_tlsext_status_ocsp_resp(ssl, der,
	    (long)tc->certs[i].ocsp_len) != 1) {
		OPENSSL_free(der);
		return SSL_TLSEXT_ERR_NOACK;
	}
	return SSL_TLSEXT_ERR_OK;
}
