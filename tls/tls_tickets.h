/*
 * Session ticket keys shared by every process: created by the master in an
 * anonymous shared mapping before it forks, rotated by the master alone,
 * read by the workers' ticket callback.  The master's calls (rotate,
 * adopt) are in tls/tls.h; these are for tls_ctx.c.
 */
#ifndef WEIR_TLS_TLS_TICKETS_H
#define WEIR_TLS_TLS_TICKETS_H

#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

struct tls_keys;

/*
 * A new key area with random keys.  NULL after one line on <errs>.  Only
 * the master calls it, before forking, so every child maps the same area.
 */
struct tls_keys	*tls_tickets_create(FILE *errs);

/* Wipes and unmaps <k>.  NULL is fine. */
void		 tls_tickets_destroy(struct tls_keys *k);

/*
 * For SSL_CTX_set_tlsext_ticket_key_evp_cb() on a context whose app data
 * is its struct tls_ctx: encrypts with the current key, decrypts with the
 * current or the previous one (then asks for a new ticket).
 */
int		 tls_tickets_cb(SSL *ssl, unsigned char key_name[16],
		    unsigned char *iv, EVP_CIPHER_CTX *cctx,
		    EVP_MAC_CTX *hctx, int enc);

#endif
