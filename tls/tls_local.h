/*
 * The shape of a TLS set, shared by the files of tls/ and seen by nobody
 * else: services, their contexts and certificates, the pools' client
 * contexts, the shared ticket keys.  tls_ctx.c builds and frees a set;
 * tls_tickets.c and tls_ocsp.c read it from OpenSSL's callbacks, through
 * the struct tls_ctx each server context carries as its app data.
 */
#ifndef WEIR_TLS_TLS_LOCAL_H
#define WEIR_TLS_TLS_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

/* The shared ticket keys: their layout is tls_tickets.c's. */
struct tls_keys;

struct tls_cert {
	X509		*leaf;		/* owned reference */
	unsigned char	*ocsp;		/* owned DER response; NULL = none */
	size_t		 ocsp_len;
};

struct tls_service;

/* One SSL_CTX and the certificates (one per key type) for one name set. */
struct tls_ctx {
	SSL_CTX			*ctx;		/* owned */
	struct tls_service	*svc;		/* the service it belongs to */
	char			**names;	/* owned, lower-case, sorted */
	size_t			 nnames;
	struct tls_cert		*certs;		/* owned array */
	size_t			 ncerts;
};

struct tls_service {
	struct tls_set		*set;
	const char		*name;		/* borrowed from the config */
	struct tls_ctx		*ctxs;	/* owned; [0] is the default, holding
					   the first certificate */
	size_t			 nctxs;
	bool			 is_broken;	/* a context could not be
						   made: do not retry */
	bool			 has_h2;	/* ALPN offers h2 */
};

struct tls_set {
	struct tls_service	*svcs;	/* owned, like config->services */
	size_t			 nsvcs;
	SSL_CTX			**pools;	/* owned, like config->pools:
					   client contexts, NULL = plain */
	size_t			 npools;
	struct tls_keys		*keys;	/* shared mapping; NULL = none */
};

#endif
