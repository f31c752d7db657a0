/*
 * TLS contexts, built in the master before it forks (a bad certificate
 * stops the start, and `weir -t` reports it): each service's server
 * contexts from its "tls" configuration (one SSL_CTX per distinct set of
 * certificate names, RSA and ECDSA side by side in one), chosen by SNI,
 * with ALPN h2 and http/1.1; and each TLS pool's client context.  Certificates,
 * keys and CA bundles are read whole through common/readfile.  Ticket
 * keys are tls_tickets.c's, stapling tls_ocsp.c's, connections tls_io.c's.
 */
#include "tls/tls.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/config.h"
#include "common/readfile.h"
#include "tls/tls_local.h"
#include "tls/tls_ocsp.h"
#include "tls/tls_tickets.h"

/* Mozilla "intermediate" for TLS 1.2; TLS 1.3 keeps OpenSSL's suites. */
#define DEFAULT_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
#define GROUPS		"X25519:P-256:P-384"

/*
 * A certificate chain, a key or a CA bundle bigger than this is not one
 * (Debian's bundle of every public CA is about 220 KB).  Each file is
 * read whole and parsed from memory, so a FIFO or a device named in the
 * configuration fails the load instead of blocking the master.
 */
#define PEM_MAX_BYTES	(4 * 1024 * 1024)

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

/* SNI and ALPN callbacks */

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

/* Whether the client's ALPN list <in> offers <proto>; *<out> points at it. */
static bool
alpn_offers(const unsigned char *in, unsigned int inlen, const char *proto,
    const unsigned char **out)
{
	size_t		len = strlen(proto);
	unsigned int	i, n;

	for (i = 0; i < inlen; i += n) {
		n = in[i++];
		if (n > inlen - i)
			break;
		if (n == len && memcmp(in + i, proto, n) == 0) {
			*out = in + i;
			return true;
		}
	}
	return false;
}

/*
 * The server's preference decides (RFC 7301 3.2): h2 when the service
 * offers HTTP/2, then http/1.1; otherwise no ALPN at all (a server may
 * ignore protocols it does not support).
 */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	const struct tls_service	*svc = arg;

	if (svc->has_h2 && alpn_offers(in, inlen, "h2", out)) {
		*outlen = 2;
		return SSL_TLSEXT_ERR_OK;
	}
	if (alpn_offers(in, inlen, "http/1.1", out)) {
		*outlen = 8;
		return SSL_TLSEXT_ERR_OK;
	}
	return SSL_TLSEXT_ERR_NOACK;
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
	/*
	 * RELEASE_BUFFERS: a connection gives its 16 KB record buffers back
	 * whenever they are empty, so an idle keep-alive one holds none
	 * (about 9 KB less resident memory per idle connection, once the
	 * connection's own buffers do not come from the same heap).
	 */
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
		SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx,
		    tls_tickets_cb);
	SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx, svc);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, svc);
	SSL_CTX_set_tlsext_status_cb(ctx, tls_ocsp_staple_cb);
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
	char				 why[TLS_OCSP_WHY_MAX];
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
	if (cc->ocsp != NULL && tls_ocsp_load(cc->ocsp, &ocsp, &ocsp_len,
	    why, sizeof(why)) == -1) {
		report(w, "%s", why);
		goto bad;
	}
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
	svc->has_h2 = s->http2;
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
	/* An idle pooled backend connection holds no record buffer either. */
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

/*
 * Builds every TLS service of <cfg>; see tls.h.  Reports every problem in
 * one pass, then fails.  Called in the master before forking, so the
 * workers inherit the contexts and the shared key mapping.
 */
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
	if (need_keys && (ts->keys = tls_tickets_create(errs)) ==
	    NULL)
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
	tls_tickets_destroy(ts->keys);
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

/* The client context of pool <index>; NULL when it is plain. */
SSL_CTX *
tls_set_pool_ctx(const struct tls_set *ts, size_t index)
{
	if (ts == NULL || index >= ts->npools)
		return NULL;
	return ts->pools[index];
}
