/*
 * TLS termination: builds each service's server contexts from its
 * "tls" configuration (one SSL_CTX per distinct set of certificate names,
 * RSA and ECDSA side by side in one), picks one by SNI, negotiates ALPN
 * http/1.1, staples OCSP responses, and encrypts session tickets with keys
 * in a shared mapping that the master rotates.  The event loop and the
 * HTTP layer (HSTS included) are left to conn.c.
 */
#include "worker/tls.h"

#include <sys/mman.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/config.h"
#include "common/readfile.h"

/*
 * Tickets stay decryptable for two periods: a client that got one just
 * before a rotation can still resume up to 24 h later (the TLS 1.3 limit,
 * RFC 8446 4.6.1, is 7 days; a shorter window limits what a stolen key
 * decrypts, since tickets hold the resumption secret).
 */
#define ROTATE_S	(12 * 60 * 60)

/* Mozilla "intermediate" for TLS 1.2; TLS 1.3 keeps OpenSSL's suites. */
#define DEFAULT_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
#define GROUPS		"X25519:P-256:P-384"

/* A DER OCSP response bigger than this is not one. */
#define OCSP_MAX_BYTES	(1024 * 1024)
/*
 * A certificate chain, a key or a CA bundle bigger than this is not one
 * either (Debian's bundle of every public CA is about 220 KB).  Each file
 * is read whole and parsed from memory, so a FIFO or a device named in
 * the configuration fails the load instead of blocking the master.
 */
#define PEM_MAX_BYTES	(4 * 1024 * 1024)

struct tls_key {
	unsigned char	name[16];	/* sent in clear in the ticket */
	unsigned char	aes[32];	/* AES-256-CBC */
	unsigned char	hmac[32];	/* HMAC-SHA256 */
};

/*
 * The shared ticket keys.  Only the master writes, under the seqlock: seq is
 * odd while it does, and a reader retries when seq changed under it.
 */
struct tls_keys {
	uint64_t	seq;
	time_t		created;	/* CLOCK_MONOTONIC seconds of cur */
	struct tls_key	cur;		/* encrypts and decrypts */
	struct tls_key	prev;		/* decrypts; the ticket is renewed */
};

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
};

struct tls_set {
	struct tls_service	*svcs;	/* owned, like config->services */
	size_t			 nsvcs;
	SSL_CTX			**pools;	/* owned, like config->pools:
					   client contexts, NULL = plain */
	size_t			 npools;
	struct tls_keys		*keys;	/* shared mapping; NULL = none */
};

/* Where a load error happened, for its message. */
struct where {
	FILE		*errs;
	const char	*cfg_path;
	const char	*svc;
	const char	*key;		/* a key of "tls"; NULL = the cert */
	size_t		 cert;		/* index in certificates */
};

static void	report(const struct where *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
report(const struct where *w, const char *fmt, ...)
{
	va_list	ap;

	if (w->cfg_path != NULL)
		fprintf(w->errs, "%s: ", w->cfg_path);
	if (w->key != NULL)
		fprintf(w->errs, "services.%s.tls.%s: ", w->svc, w->key);
	else
		fprintf(w->errs, "services.%s.tls.certificates[%zu]: ",
		    w->svc, w->cert);
	va_start(ap, fmt);
	vfprintf(w->errs, fmt, ap);
	va_end(ap);
	fputc('\n', w->errs);
}

/* The reason of the last OpenSSL error, for "cannot read ...: <why>". */
static const char *
ssl_reason(void)
{
	unsigned long	 e;
	const char	*r;

	e = ERR_peek_last_error();
	if (e == 0)
		return "unknown error";
	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
		return "no PEM data found";
	if ((r = ERR_reason_error_string(e)) == NULL)
		return "unknown error";
	return r;
}

/* Shared ticket keys */

static void
key_fill(struct tls_key *k)
{
	/* RAND_bytes only fails when the DRBG cannot be seeded. */
	if (RAND_bytes((unsigned char *)k, sizeof(*k)) != 1)
		abort();
}

static time_t
mono_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static struct tls_keys *
keys_create(FILE *errs)
{
	struct tls_keys	*k;

	/*
	 * Anonymous and shared: the children forked later see the master's
	 * rotations, and the keys never touch a file system.
	 */
	k = mmap(NULL, sizeof(*k), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (k == MAP_FAILED) {
		fprintf(errs, "tls: cannot map the session ticket keys: %s\n",
		    strerror(errno));
		return NULL;
	}
	/* Keep secrets out of core dumps. */
	(void)madvise(k, sizeof(*k), MADV_DONTDUMP);
	key_fill(&k->cur);
	/* A random prev, never handed out, so no ticket matches it. */
	key_fill(&k->prev);
	k->created = mono_s();
	return k;
}

static void
keys_destroy(struct tls_keys *k)
{
	if (k == NULL)
		return;
	explicit_bzero(k, sizeof(*k));
	munmap(k, sizeof(*k));
}

/* A consistent copy of <k> into <out>; the caller wipes it. */
static void
keys_read(const struct tls_keys *k, struct tls_keys *out)
{
	uint64_t	seq;

	for (;;) {
		seq = __atomic_load_n(&k->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		memcpy(out, k, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&k->seq, __ATOMIC_RELAXED) == seq)
			return;
	}
}

static void
keys_rotate(struct tls_keys *k, time_t now)
{
	struct tls_key	next;
	uint64_t	seq;

	key_fill(&next);
	seq = k->seq;
	__atomic_store_n(&k->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	k->prev = k->cur;
	k->cur = next;
	k->created = now;
	__atomic_store_n(&k->seq, seq + 2, __ATOMIC_RELEASE);
	explicit_bzero(&next, sizeof(next));
}

/*
 * RFC 5077 4 layout, as OpenSSL builds it: key_name, IV, AES-256-CBC, then
 * HMAC-SHA256 over all of it.  Returns 1 (cur), 2 (prev: accept and issue
 * a new ticket), 0 (unknown key: full handshake) or -1 (error).
 */
static int
ticket_cb(SSL *ssl, unsigned char key_name[16], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	const struct tls_ctx	*tc;
	const struct tls_key	*use;
	struct tls_keys		 k;
	OSSL_PARAM		 params[3];
	int			 rv;

	tc = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (tc == NULL || tc->svc->set->keys == NULL)
		return -1;
	keys_read(tc->svc->set->keys, &k);
	rv = 1;
	if (enc) {
		use = &k.cur;
		memcpy(key_name, use->name, sizeof(use->name));
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(
		    EVP_aes_256_cbc())) != 1) {
			rv = -1;
			goto out;
		}
	} else if (memcmp(key_name, k.cur.name, sizeof(k.cur.name)) == 0)
		use = &k.cur;
	else if (memcmp(key_name, k.prev.name, sizeof(k.prev.name)) == 0) {
		use = &k.prev;
		rv = 2;
	} else {
		rv = 0;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)use->hmac, sizeof(use->hmac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    "SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hctx, params) != 1 ||
	    (enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
	    use->aes, iv) : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
	    use->aes, iv)) != 1)
		rv = -1;
out:
	explicit_bzero(&k, sizeof(k));
	return rv;
}

/* SNI, ALPN, OCSP callbacks */

static bool
ctx_has_name(const struct tls_ctx *tc, const char *name)
{
	size_t	i;

	for (i = 0; i < tc->nnames; i++)
		if (strcmp(tc->names[i], name) == 0)
			return true;
	return false;
}

/*
 * Exact names first, then "*.rest" for "label.rest" (one label, RFC 6125
 * 6.4.3); no match keeps the default context, the first certificate's.
 */
static int
servername_cb(SSL *ssl, int *alert, void *arg)
{
	struct tls_service	*svc = arg;
	const char		*sni, *dot;
	char			 name[256], wild[257];
	size_t			 i, len;

	if ((sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) ==
	    NULL)
		return SSL_TLSEXT_ERR_NOACK;
	len = strlen(sni);
	if (len > 0 && sni[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(name))
		return SSL_TLSEXT_ERR_NOACK;
	for (i = 0; i < len; i++)
		name[i] = (char)tolower((unsigned char)sni[i]);
	name[len] = '\0';
	for (i = 0; i < svc->nctxs; i++)
		if (ctx_has_name(&svc->ctxs[i], name))
			goto found;
	if ((dot = strchr(name, '.')) == NULL || dot == name ||
	    dot[1] == '\0')
		return SSL_TLSEXT_ERR_NOACK;
	snprintf(wild, sizeof(wild), "*%s", dot);
	for (i = 0; i < svc->nctxs; i++)
		if (ctx_has_name(&svc->ctxs[i], wild))
			goto found;
	return SSL_TLSEXT_ERR_NOACK;
found:
	if (SSL_get_SSL_CTX(ssl) != svc->ctxs[i].ctx &&
	    SSL_set_SSL_CTX(ssl, svc->ctxs[i].ctx) == NULL) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	return SSL_TLSEXT_ERR_OK;
}

/* http/1.1 when offered; otherwise no ALPN at all (RFC 7301 3.2 allows
   a server to ignore protocols it does not support). */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const char	 h1[] = "http/1.1";
	unsigned int		 i, n;

	for (i = 0; i < inlen; i += n) {
		n = in[i++];
		if (n > inlen - i)
			break;
		if (n == sizeof(h1) - 1 && memcmp(in + i, h1, n) == 0) {
			*out = in + i;
			*outlen = (unsigned char)n;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/* Staples the response loaded for the certificate OpenSSL picked. */
static int
status_cb(SSL *ssl, void *arg)
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

/* Encrypted keys would prompt on the terminal; refuse them instead. */
static int
no_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* Loading */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Appends a lower-cased copy of <p, len> unless it holds a NUL. */
static int
add_name(char ***names, size_t *n, const unsigned char *p, int len)
{
	char	**a, *s;
	int	  i;

	if (len <= 0 || memchr(p, '\0', (size_t)len) != NULL)
		return 0;
	if ((s = malloc((size_t)len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		s[i] = (char)tolower(p[i]);
	s[len] = '\0';
	if ((a = reallocarray(*names, *n + 1, sizeof(*a))) == NULL) {
		free(s);
		return -1;
	}
	a[(*n)++] = s;
	*names = a;
	return 0;
}

/*
 * The DNS names <x> is valid for: its subjectAltName DNS entries, or its
 * subject CN when it has none (RFC 6125 6.4.4), sorted without duplicates.
 */
static int
cert_names(X509 *x, char ***out, size_t *nout)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	const X509_NAME		*subj;
	const ASN1_STRING	*s;
	char			**names = NULL;
	size_t			  n = 0, i, j;
	int			  k, rv = 0;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (k = 0; gens != NULL && k < sk_GENERAL_NAME_num(gens); k++) {
		g = sk_GENERAL_NAME_value(gens, k);
		if (g->type == GEN_DNS && (s = g->d.dNSName) != NULL &&
		    (rv = add_name(&names, &n, ASN1_STRING_get0_data(s),
		    ASN1_STRING_length(s))) == -1)
			break;
	}
	GENERAL_NAMES_free(gens);
	if (rv == 0 && n == 0 && (subj = X509_get_subject_name(x)) != NULL &&
	    (k = X509_NAME_get_index_by_NID(subj, NID_commonName, -1)) >= 0) {
		s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, k));
		rv = add_name(&names, &n, ASN1_STRING_get0_data(s),
		    ASN1_STRING_length(s));
	}
	if (rv == -1) {
		free_names(names, n);
		return -1;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(names[j - 1], names[i]) == 0)
			free(names[i]);
		else
			names[j++] = names[i];
	}
	*out = names;
	*nout = j;
	return 0;
}

static bool
same_names(const struct tls_ctx *tc, char **names, size_t n)
{
	size_t	i;

	if (tc->nnames != n)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(tc->names[i], names[i]) != 0)
			return false;
	return true;
}

static void
format_time(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm	tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "an unreadable date");
}

/* Reads <path> whole (at most <max> bytes) into <f>, or reports why not. */
static int
read_file(const struct where *w, const char *path, size_t max,
    struct readfile *f)
{
	char	err[READFILE_ERR_MAX];

	if (readfile_load(path, max, f, err, sizeof(err)) == -1) {
		report(w, "cannot read %s: %s", path, err);
		return -1;
	}
	return 0;
}

/* A read-only memory BIO over <f>, which must outlive it. */
static BIO *
file_bio(const struct readfile *f)
{
	/* PEM_MAX_BYTES and OCSP_MAX_BYTES keep the length an int. */
	return BIO_new_mem_buf(f->data, (int)f->len);
}

/* The first certificate of the PEM text <pem> from <path>, checked for
   dates. */
static X509 *
read_leaf(const struct where *w, const char *path,
    const struct readfile *pem)
{
	BIO	*bio;
	X509	*x;
	char	 date[64];

	ERR_clear_error();
	if ((bio = file_bio(pem)) == NULL) {
		report(w, "cannot read %s: %s", path, ssl_reason());
		return NULL;
	}
	x = PEM_read_bio_X509(bio, NULL, no_passphrase_cb, NULL);
	BIO_free(bio);
	if (x == NULL) {
		report(w, "cannot read %s: %s", path, ssl_reason());
		return NULL;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
		format_time(X509_get0_notAfter(x), date, sizeof(date));
		report(w, "certificate %s expired on %s", path, date);
		X509_free(x);
		return NULL;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
		format_time(X509_get0_notBefore(x), date, sizeof(date));
		report(w, "certificate %s is not valid before %s", path, date);
		X509_free(x);
		return NULL;
	}
	return x;
}

static EVP_PKEY *
read_key(const struct where *w, const char *path)
{
	struct readfile	 pem;
	BIO		*bio;
	EVP_PKEY	*k = NULL;

	if (read_file(w, path, PEM_MAX_BYTES, &pem) == -1)
		return NULL;
	ERR_clear_error();
	if ((bio = file_bio(&pem)) != NULL) {
		k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase_cb, NULL);
		BIO_free(bio);
	}
	/* The key's text is wiped before its memory is freed. */
	readfile_free(&pem);
	if (k == NULL)
		report(w, "cannot read %s: %s", path, ssl_reason());
	return k;
}

/*
 * Makes <leaf> the certificate of its key type in <ctx>, followed by the
 * chain that comes after it in <pem>, as SSL_CTX_use_certificate_chain_file
 * does with a file.  Returns 0, or -1 with the cause in OpenSSL's queue.
 */
static int
use_chain(SSL_CTX *ctx, X509 *leaf, const struct readfile *pem)
{
	BIO		*bio;
	X509		*ca;
	unsigned long	 e;
	int		 rv = -1;

	ERR_clear_error();
	if (SSL_CTX_use_certificate(ctx, leaf) != 1 ||
	    SSL_CTX_clear_chain_certs(ctx) != 1 ||
	    (bio = file_bio(pem)) == NULL)
		return -1;
	/* The leaf, already read. */
	X509_free(PEM_read_bio_X509(bio, NULL, no_passphrase_cb, NULL));
	while ((ca = PEM_read_bio_X509(bio, NULL, no_passphrase_cb, NULL)) !=
	    NULL) {
		if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
			X509_free(ca);
			goto done;
		}
	}
	/* The loop ends at the end of the text, or at garbage. */
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
		ERR_clear_error();
		rv = 0;
	}
done:
	BIO_free(bio);
	return rv;
}

/* The DER OCSP response in <path>, checked to be a successful one. */
static int
read_ocsp(const struct where *w, const char *path, unsigned char **out,
    size_t *outlen)
{
	struct readfile		 der;
	OCSP_RESPONSE		*resp;
	const unsigned char	*p;
	int			 status;

	if (read_file(w, path, OCSP_MAX_BYTES, &der) == -1)
		return -1;
	p = (const unsigned char *)der.data;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)der.len)) == NULL) {
		report(w, "OCSP response %s: not a DER OCSP response", path);
		goto bad;
	}
	status = OCSP_response_status(resp);
	OCSP_RESPONSE_free(resp);
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		report(w, "OCSP response %s: status is %s, not successful",
		    path, OCSP_response_status_str(status));
		goto bad;
	}
	*out = (unsigned char *)der.data;
	*outlen = der.len;
	return 0;
bad:
	readfile_free(&der);
	return -1;
}

static int
set_protocols(SSL_CTX *ctx, const struct tls_conf *t)
{
	int	min = 0, max = 0, v;
	size_t	i;

	for (i = 0; i < t->nprotocols; i++) {
		/* config.c accepts only these two. */
		v = strcmp(t->protocols[i], "TLSv1.3") == 0 ?
		    TLS1_3_VERSION : TLS1_2_VERSION;
		if (min == 0 || v < min)
			min = v;
		if (v > max)
			max = v;
	}
	if (min == 0) {
		min = TLS1_2_VERSION;
		max = TLS1_3_VERSION;
	}
	return SSL_CTX_set_min_proto_version(ctx, min) == 1 &&
	    SSL_CTX_set_max_proto_version(ctx, max) == 1 ? 0 : -1;
}

/*
 * A context with every setting but certificates, for service <svc>; each
 * of a service's contexts gets them all, because after an SNI switch
 * OpenSSL takes ALPN and OCSP from the new context.
 */
static SSL_CTX *
ctx_new(struct tls_service *svc, const struct tls_conf *t,
    const struct where *w)
{
	struct where	 wc = *w;
	SSL_CTX		*ctx;
	unsigned char	 sid[EVP_MAX_MD_SIZE];
	unsigned int	 sidlen;
	uint64_t	 opts;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		report(w, "cannot create a TLS context: %s", ssl_reason());
		return NULL;
	}
	if (set_protocols(ctx, t) == -1) {
		report(w, "cannot set the protocol versions: %s",
		    ssl_reason());
		goto bad;
	}
	if (SSL_CTX_set_cipher_list(ctx, t->ciphers != NULL ? t->ciphers :
	    DEFAULT_CIPHERS) != 1) {
		wc.key = "ciphers";
		report(&wc, "no usable cipher in \"%s\": %s",
		    t->ciphers != NULL ? t->ciphers : DEFAULT_CIPHERS,
		    ssl_reason());
		goto bad;
	}
	if (SSL_CTX_set1_groups_list(ctx, GROUPS) != 1) {
		report(w, "groups \"%s\": %s", GROUPS, ssl_reason());
		goto bad;
	}
	/* DHE with the RFC 7919 group sized to the certificate's key. */
	SSL_CTX_set_dh_auto(ctx, 1);
	opts = SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION;
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
	opts |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
	SSL_CTX_set_options(ctx, opts);
	if (!t->session_tickets) {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		/* TLS 1.3 would send stateful tickets for a cache it lacks. */
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * A server-side cache is per process, so a client that comes back
	 * through another worker would miss it; tickets resume everywhere.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* Tickets from one service do not resume on another. */
	if (EVP_Digest(svc->name, strlen(svc->name), sid, &sidlen,
	    EVP_sha256(), NULL) != 1 || SSL_CTX_set_session_id_context(ctx,
	    sid, sidlen > SSL_MAX_SID_CTX_LENGTH ? SSL_MAX_SID_CTX_LENGTH :
	    sidlen) != 1) {
		report(w, "cannot set the session id context: %s",
		    ssl_reason());
		goto bad;
	}
	if (t->session_tickets)
		SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
	SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx, svc);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	SSL_CTX_set_tlsext_status_cb(ctx, status_cb);
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase_cb);
	return ctx;
bad:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The context for names <names> (taken over), new if no other has them. */
static struct tls_ctx *
ctx_for_names(struct tls_service *svc, const struct tls_conf *t,
    const struct where *w, char **names, size_t nnames)
{
	struct tls_ctx	*tc;
	size_t		 i;

	for (i = 0; i < svc->nctxs; i++)
		if (same_names(&svc->ctxs[i], names, nnames)) {
			free_names(names, nnames);
			return &svc->ctxs[i];
		}
	if (svc->is_broken)
		return NULL;
	/* svc->ctxs has room for one per certificate. */
	tc = &svc->ctxs[svc->nctxs];
	if ((tc->certs = calloc(t->ncertificates, sizeof(*tc->certs))) ==
	    NULL) {
		report(w, "%s", strerror(ENOMEM));
		free_names(names, nnames);
		return NULL;
	}
	if ((tc->ctx = ctx_new(svc, t, w)) == NULL) {
		svc->is_broken = true;
		free(tc->certs);
		tc->certs = NULL;
		free_names(names, nnames);
		return NULL;
	}
	tc->svc = svc;
	tc->names = names;
	tc->nnames = nnames;
	SSL_CTX_set_app_data(tc->ctx, tc);
	svc->nctxs++;
	return tc;
}

static int
load_cert(struct tls_service *svc, const struct tls_conf *t,
    const struct where *w)
{
	const struct tls_cert_conf	*cc = &t->certificates[w->cert];
	struct tls_ctx			*tc;
	struct readfile			 pem;
	X509				*leaf;
	EVP_PKEY			*pkey = NULL;
	char				**names;
	unsigned char			*ocsp = NULL;
	size_t				 nnames, ocsp_len = 0;

	if (read_file(w, cc->cert, PEM_MAX_BYTES, &pem) == -1)
		return -1;
	if ((leaf = read_leaf(w, cc->cert, &pem)) == NULL) {
		readfile_free(&pem);
		return -1;
	}
	if ((pkey = read_key(w, cc->key)) == NULL)
		goto bad;
	ERR_clear_error();
	if (X509_check_private_key(leaf, pkey) != 1) {
		report(w, "key %s does not match certificate %s", cc->key,
		    cc->cert);
		goto bad;
	}
	if (cc->ocsp != NULL && read_ocsp(w, cc->ocsp, &ocsp, &ocsp_len) ==
	    -1)
		goto bad;
	if (cert_names(leaf, &names, &nnames) == -1) {
		report(w, "%s", strerror(ENOMEM));
		goto bad;
	}
	if ((tc = ctx_for_names(svc, t, w, names, nnames)) == NULL)
		goto bad;
	if (use_chain(tc->ctx, leaf, &pem) == -1) {
		report(w, "cannot read %s: %s", cc->cert, ssl_reason());
		goto bad;
	}
	if (SSL_CTX_use_PrivateKey(tc->ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(tc->ctx) != 1) {
		report(w, "key %s does not match certificate %s: %s",
		    cc->key, cc->cert, ssl_reason());
		goto bad;
	}
	EVP_PKEY_free(pkey);
	readfile_free(&pem);
	tc->certs[tc->ncerts].leaf = leaf;
	tc->certs[tc->ncerts].ocsp = ocsp;
	tc->certs[tc->ncerts].ocsp_len = ocsp_len;
	tc->ncerts++;
	return 0;
bad:
	free(ocsp);
	EVP_PKEY_free(pkey);
	X509_free(leaf);
	readfile_free(&pem);
	return -1;
}

static int
load_service(struct tls_set *ts, struct tls_service *svc,
    const struct service_conf *s, const struct config *cfg, FILE *errs)
{
	const struct tls_conf	*t = s->tls;
	struct where		 w;
	int			 rv = 0;

	svc->set = ts;
	svc->name = s->name;
	if ((svc->ctxs = calloc(t->ncertificates, sizeof(*svc->ctxs))) ==
	    NULL) {
		fprintf(errs, "services.%s.tls: %s\n", s->name,
		    strerror(ENOMEM));
		return -1;
	}
	w.errs = errs;
	w.cfg_path = cfg->path;
	w.svc = s->name;
	w.key = NULL;
	for (w.cert = 0; w.cert < t->ncertificates; w.cert++)
		if (load_cert(svc, t, &w) == -1)
			rv = -1;
	return rv;
}

/*
 * Builds every TLS service of <cfg>; see tls.h.  Reports every problem in
 * one pass, then fails.  Called in the master before forking, so the
 * workers inherit the contexts and the shared key mapping.
 */
/*
 * Adds the certificates (and CRLs) of the PEM file <path> to <ctx>'s trust
 * store, as SSL_CTX_load_verify_locations does with a file, but read
 * through readfile_load().  Returns 0, or -1 with the reason in <why>.
 */
static int
load_ca_file(SSL_CTX *ctx, const char *path, char *why, size_t whylen)
{
	STACK_OF(X509_INFO)	*infos = NULL;
	X509_STORE		*store = SSL_CTX_get_cert_store(ctx);
	X509_INFO		*xi;
	struct readfile		 pem;
	BIO			*bio;
	int			 i, n = 0, rv = -1;

	if (readfile_load(path, PEM_MAX_BYTES, &pem, why, whylen) == -1)
		return -1;
	ERR_clear_error();
	if ((bio = file_bio(&pem)) != NULL) {
		infos = PEM_X509_INFO_read_bio(bio, NULL, no_passphrase_cb,
		    NULL);
		BIO_free(bio);
	}
	readfile_free(&pem);
	if (infos == NULL) {
		snprintf(why, whylen, "%s", ssl_reason());
		return -1;
	}
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if ((xi->x509 != NULL && X509_STORE_add_cert(store,
		    xi->x509) != 1) || (xi->crl != NULL &&
		    X509_STORE_add_crl(store, xi->crl) != 1)) {
			snprintf(why, whylen, "%s", ssl_reason());
			goto done;
		}
		n += (xi->x509 != NULL) + (xi->crl != NULL);
	}
	if (n == 0)
		snprintf(why, whylen, "no PEM certificate found");
	else
		rv = 0;
done:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	return rv;
}

/*
 * The client context for a pool with "tls": TLS 1.2 and up, the peer
 * verified against tls_ca_file (or the system's CAs) unless tls_verify is
 * false, ALPN http/1.1.  Returns NULL after reporting on <errs>.
 */
static SSL_CTX *
load_pool(const struct pool_conf *pc, const struct config *cfg, FILE *errs)
{
	static const unsigned char	alpn[] = "\x08http/1.1";
	SSL_CTX				*ctx;
	char				 why[256];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		fprintf(errs, "%s: pools.%s.tls: %s\n", cfg->path, pc->name,
		    tls_error_text());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	(void)SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
	if (pc->tls_verify) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (pc->tls_ca_file == NULL &&
		    SSL_CTX_set_default_verify_paths(ctx) != 1)
			snprintf(why, sizeof(why), "%s", tls_error_text());
		else if (pc->tls_ca_file == NULL || load_ca_file(ctx,
		    pc->tls_ca_file, why, sizeof(why)) == 0)
			return ctx;
		fprintf(errs, "%s: pools.%s.tls_ca_file: cannot load %s: %s\n",
		    cfg->path, pc->name, pc->tls_ca_file != NULL ?
		    pc->tls_ca_file : "the system's CA certificates", why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct tls_set *
tls_set_load(const struct config *cfg, FILE *errs)
{
	struct tls_set	*ts;
	size_t		 i;
	bool		 need_keys = false, ok = true;

	if ((ts = calloc(1, sizeof(*ts))) == NULL ||
	    (ts->svcs = calloc(cfg->nservices > 0 ? cfg->nservices : 1,
	    sizeof(*ts->svcs))) == NULL) {
		free(ts);
		fprintf(errs, "tls: %s\n", strerror(ENOMEM));
		return NULL;
	}
	ts->nsvcs = cfg->nservices;
	for (i = 0; i < cfg->nservices; i++)
		if (cfg->services[i].tls != NULL &&
		    cfg->services[i].tls->session_tickets)
			need_keys = true;
	if (need_keys && (ts->keys = keys_create(errs)) == NULL)
		ok = false;
	/* One pass reports every bad certificate. */
	for (i = 0; i < cfg->nservices; i++)
		if (cfg->services[i].tls != NULL && load_service(ts,
		    &ts->svcs[i], &cfg->services[i], cfg, errs) == -1)
			ok = false;
	ts->pools = calloc(cfg->npools > 0 ? cfg->npools : 1,
	    sizeof(*ts->pools));
	if (ts->pools == NULL)
		ok = false;
	else
		ts->npools = cfg->npools;
	for (i = 0; ts->pools != NULL && i < cfg->npools; i++)
		if (cfg->pools[i].tls && (ts->pools[i] =
		    load_pool(&cfg->pools[i], cfg, errs)) == NULL)
			ok = false;
	ERR_clear_error();
	if (!ok) {
		tls_set_free(ts);
		return NULL;
	}
	return ts;
}

/*
 * Frees <ts> and its contexts, and wipes and unmaps the ticket keys.
 * SSLs made from its contexts must be freed first.  NULL is fine.
 */
void
tls_set_free(struct tls_set *ts)
{
	struct tls_service	*svc;
	struct tls_ctx		*tc;
	size_t			 i, j, k;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->nsvcs; i++) {
		svc = &ts->svcs[i];
		for (j = 0; j < svc->nctxs; j++) {
			tc = &svc->ctxs[j];
			SSL_CTX_free(tc->ctx);
			for (k = 0; k < tc->ncerts; k++) {
				X509_free(tc->certs[k].leaf);
				free(tc->certs[k].ocsp);
			}
			free(tc->certs);
			free_names(tc->names, tc->nnames);
		}
		free(svc->ctxs);
	}
	free(ts->svcs);
	for (i = 0; i < ts->npools; i++)
		SSL_CTX_free(ts->pools[i]);
	free(ts->pools);
	keys_destroy(ts->keys);
	free(ts);
}

/* The default context of service <index>; NULL when it is plain. */
SSL_CTX *
tls_set_ctx(const struct tls_set *ts, size_t index)
{
	if (ts == NULL || index >= ts->nsvcs || ts->svcs[index].nctxs == 0)
		return NULL;
	return ts->svcs[index].ctxs[0].ctx;
}

/*
 * Master only, the single writer of the keys.  Returns the milliseconds
 * until the next rotation is due (the full period when there are no keys).
 */
unsigned
tls_set_rotate(struct tls_set *ts)
{
	time_t	now, age;

	if (ts == NULL || ts->keys == NULL)
		return ROTATE_S * 1000U;
	now = mono_s();
	age = now - ts->keys->created;
	if (age >= ROTATE_S) {
		keys_rotate(ts->keys, now);
		age = 0;
	}
	return (unsigned)(ROTATE_S - age) * 1000U;
}

/*
 * Master only: rotates the ticket keys now, whatever their age, as when a
 * key may have leaked.  Tickets under the key before the previous one stop
 * resuming.  Does nothing when <ts> has no keys.
 */
void
tls_set_rotate_now(struct tls_set *ts)
{
	if (ts != NULL && ts->keys != NULL)
		keys_rotate(ts->keys, mono_s());
}

/*
 * Master only, on a reload: the new set takes the old set's keys (and
 * their age), so tickets issued before the reload still resume after it.
 * The old set's area is left as it was for its draining workers.
 */
void
tls_set_adopt_keys(struct tls_set *to, const struct tls_set *from)
{
	struct tls_keys	copy;
	uint64_t	seq;

	if (to == NULL || from == NULL || to->keys == NULL ||
	    from->keys == NULL)
		return;
	keys_read(from->keys, &copy);
	seq = to->keys->seq;
	__atomic_store_n(&to->keys->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	to->keys->cur = copy.cur;
	to->keys->prev = copy.prev;
	to->keys->created = copy.created;
	__atomic_store_n(&to->keys->seq, seq + 2, __ATOMIC_RELEASE);
	explicit_bzero(&copy, sizeof(copy));
}

/* Connections */

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

/* One step of the handshake on <ssl>; TLS_IO_OK when it is complete. */
const char *
tls_verify_text(SSL *ssl)
{
	long	rv = SSL_get_verify_result(ssl);

	return rv == X509_V_OK ? "" : X509_verify_cert_error_string(rv);
}

SSL_CTX *
tls_set_pool_ctx(const struct tls_set *ts, size_t index)
{
	if (ts == NULL || index >= ts->npools)
		return NULL;
	return ts->pools[index];
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
