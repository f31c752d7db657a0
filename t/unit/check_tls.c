/*
 * tls/: a throwaway CA and certificates made with the OpenSSL API
 * in a temporary directory, loaded through config_load_string() and
 * tls_set_load().  Clients are OpenSSL client SSLs over non-blocking
 * socketpairs, driven in turn with the server's tls_conn_* calls: load
 * errors, SNI choice, RSA and ECDSA for one name, ALPN, protocol floor,
 * OCSP stapling, tickets shared across processes and their rotation.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/config.h"
#include "tls/tls.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define DAY		(24 * 60 * 60L)

static char		 dir[64];
static struct config	*cfg;
static struct tls_set	*ts;
/* Keys for service "s" besides its listen, pool and tls (", key": v). */
static const char	*service_extra = "";
static char		*errs;		/* what tls_set_load() wrote */

/* Certificates */

static void
write_pem(const char *name, const char *ext, X509 *x, EVP_PKEY *k,
    X509 *chain)
{
	char	 path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	if (x != NULL)
		ck_assert_int_eq(PEM_write_X509(f, x), 1);
	if (chain != NULL)
		ck_assert_int_eq(PEM_write_X509(f, chain), 1);
	if (k != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0,
		    NULL, NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*e;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(e = X509V3_EXT_conf_nid(NULL, &v3, nid,
	    value));
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/*
 * A certificate for <key> named <cn> (and <san>, "DNS:a,DNS:b", or none),
 * valid from now + <from> to now + <to> seconds, signed by <issuer>/<ikey>
 * or self-signed as a CA when <issuer> is NULL.
 */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, const char *san, long from,
    long to, X509 *issuer, EVP_PKEY *ikey)
{
	static long	 serial = 1;
	X509		*x;
	X509_NAME	*n;

	ck_assert_ptr_nonnull(x = X509_new());
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n);
	add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
	    issuer != NULL ? "CA:FALSE" : "critical,CA:TRUE");
	if (san != NULL)
		add_ext(x, issuer != NULL ? issuer : x, NID_subject_alt_name,
		    san);
	ck_assert_int_gt(X509_sign(x, ikey != NULL ? ikey : key,
	    EVP_sha256()), 0);
	return x;
}

/* A DER OCSP response saying <leaf> is good, signed by the CA. */
static void
write_ocsp(const char *name, X509 *leaf, X509 *ca, EVP_PKEY *cakey)
{
	OCSP_BASICRESP	*bs;
	OCSP_RESPONSE	*r;
	OCSP_CERTID	*id;
	ASN1_TIME	*now, *next;
	unsigned char	*der = NULL;
	char		 path[128];
	FILE		*f;
	int		 len;

	ck_assert_ptr_nonnull(id = OCSP_cert_to_id(EVP_sha1(), leaf, ca));
	ck_assert_ptr_nonnull(bs = OCSP_BASICRESP_new());
	now = X509_gmtime_adj(NULL, 0);
	next = X509_gmtime_adj(NULL, DAY);
	ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id,
	    V_OCSP_CERTSTATUS_GOOD, 0, NULL, now, next));
	ck_assert_int_eq(OCSP_basic_sign(bs, ca, cakey, EVP_sha256(), NULL,
	    0), 1);
	ck_assert_ptr_nonnull(r = OCSP_response_create(
	    OCSP_RESPONSE_STATUS_SUCCESSFUL, bs));
	ck_assert_int_gt(len = i2d_OCSP_RESPONSE(r, &der), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(der, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(r);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
}

/*
 * The files every test uses, NAME.pem (leaf then CA) and NAME.key:
 *   a_rsa, a_ec   a.test (RSA 2048, P-256): one name, two key types
 *   b             b.test, www.b.test
 *   wild          *.w.test
 *   cn            no SAN: CN cn.test
 *   expired       a.test, ended a day ago
 *   future        a.test, starts tomorrow
 * and ca.pem, b.ocsp (good), junk.ocsp (not DER).
 */
static void
make_files(void)
{
	static const struct {
		const char	*name, *cn, *san;
		long		 from, to;
		bool		 is_rsa;
	} leaves[] = {
		{ "a_rsa", "a.test", "DNS:a.test", -DAY, 30 * DAY, true },
		{ "a_ec", "a.test", "DNS:a.test", -DAY, 30 * DAY, false },
		{ "b", "b.test", "DNS:b.test,DNS:www.b.test", -DAY, 30 * DAY,
		    false },
		{ "wild", "wild", "DNS:*.w.test", -DAY, 30 * DAY, false },
		{ "cn", "cn.test", NULL, -DAY, 30 * DAY, false },
		{ "expired", "a.test", "DNS:a.test", -30 * DAY, -DAY, false },
		{ "future", "a.test", "DNS:a.test", DAY, 30 * DAY, false },
	};
	EVP_PKEY	*cakey, *k;
	X509		*ca, *x;
	char		 path[128];
	FILE		*f;
	size_t		 i;

	snprintf(dir, sizeof(dir), "/tmp/check_tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(cakey = EVP_EC_gen("P-256"));
	ca = make_cert(cakey, "weir test CA", NULL, -DAY, 30 * DAY, NULL,
	    NULL);
	write_pem("ca", "pem", ca, NULL, NULL);
	for (i = 0; i < NELEM(leaves); i++) {
		k = leaves[i].is_rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
		ck_assert_ptr_nonnull(k);
		x = make_cert(k, leaves[i].cn, leaves[i].san, leaves[i].from,
		    leaves[i].to, ca, cakey);
		write_pem(leaves[i].name, "pem", x, NULL, ca);
		write_pem(leaves[i].name, "key", NULL, k, NULL);
		if (strcmp(leaves[i].name, "b") == 0)
			write_ocsp("b.ocsp", x, ca, cakey);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	snprintf(path, sizeof(path), "%s/junk.ocsp", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("not an OCSP response\n", f);
	fclose(f);
	X509_free(ca);
	EVP_PKEY_free(cakey);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
remove_files(void)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Loading */

/*
 * Appends {"cert": DIR/CERT.pem, "key": DIR/KEY.key[, "ocsp": DIR/OCSP]}
 * to the JSON array members in <buf>.
 */
static void
entry(char *buf, size_t size, const char *cert, const char *key,
    const char *ocsp)
{
	size_t	len = strlen(buf);
	int	n;

	n = snprintf(buf + len, size - len, "%s{\"cert\": \"%s/%s.pem\", "
	    "\"key\": \"%s/%s.key\"", len > 0 ? ", " : "", dir, cert, dir,
	    key);
	ck_assert_int_lt(n, (int)(size - len));
	len += (size_t)n;
	if (ocsp != NULL)
		n = snprintf(buf + len, size - len, ", \"ocsp\": \"%s/%s\"}",
		    dir, ocsp);
	else
		n = snprintf(buf + len, size - len, "}");
	ck_assert_int_lt(n, (int)(size - len));
}

/*
 * Loads service "s" with certificates <certs> (JSON array members) and
 * more "tls" members <extra> into the globals; returns the set or NULL,
 * with what was reported in <errs>.
 */
static struct tls_set *
load(const char *certs, const char *extra)
{
	char	 json[8192];
	size_t	 len;
	FILE	*f;

	snprintf(json, sizeof(json), "{\"pools\": {\"p\": {\"backends\": "
	    "[\"127.0.0.1:8080\"], \"health\": false}},\n"
	    "\"services\": {\"plain\": {\"listen\": \"127.0.0.1:8080\", "
	    "\"pool\": \"p\"},\n\"s\": {\"listen\": \"127.0.0.1:8443\", "
	    "\"pool\": \"p\"%s, \"tls\": {\"certificates\": [%s]%s}}}}\n",
	    service_extra, certs, extra != NULL ? extra : "");
	ck_assert_msg((cfg = config_load_string(json, "t.json", stderr)) !=
	    NULL, "config: %s", json);
	free(errs);
	errs = NULL;
	ck_assert_ptr_nonnull(f = open_memstream(&errs, &len));
	ts = tls_set_load(cfg, f);
	fclose(f);
	return ts;
}

static void
teardown(void)
{
	tls_set_free(ts);
	ts = NULL;
	config_free(cfg);
	cfg = NULL;
	free(errs);
	errs = NULL;
}

/* Loads the usual set: a.test (RSA first, then ECDSA), b, wild, cn. */
static void
load_usual(const char *extra)
{
	char	certs[4096] = "";

	entry(certs, sizeof(certs), "a_rsa", "a_rsa", NULL);
	entry(certs, sizeof(certs), "a_ec", "a_ec", NULL);
	entry(certs, sizeof(certs), "b", "b", "b.ocsp");
	entry(certs, sizeof(certs), "wild", "wild", NULL);
	entry(certs, sizeof(certs), "cn", "cn", NULL);
	ck_assert_msg(load(certs, extra) != NULL, "load: %s", errs);
	ck_assert_str_eq(errs, "");
}

/* Connections: an OpenSSL client against tls_conn_* on a socketpair */

struct pair {
	int	 fd[2];		/* [0] server, [1] client */
	SSL	*srv, *cli;
	SSL_CTX	*cctx;
};

/* Client options; zero values are the defaults. */
struct client {
	const char	*sni;
	const char	*alpn;		/* wire format */
	size_t		 alpn_len;
	int		 max_version;
	const char	*sigalgs;
	bool		 wants_ocsp;
	SSL_SESSION	*session;
};

static void
pair_open(struct pair *p, const struct client *c)
{
	char	path[128];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    p->fd), 0);
	ck_assert_ptr_nonnull(p->srv = tls_conn_new(tls_set_ctx(ts, 1),
	    p->fd[0]));
	ck_assert_ptr_nonnull(p->cctx = SSL_CTX_new(TLS_client_method()));
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	ck_assert_int_eq(SSL_CTX_load_verify_file(p->cctx, path), 1);
	SSL_CTX_set_verify(p->cctx, SSL_VERIFY_PEER, NULL);
	if (c->max_version != 0) {
		/* Let the client really try old versions. */
		SSL_CTX_set_security_level(p->cctx, 0);
		ck_assert_int_eq(SSL_CTX_set_cipher_list(p->cctx,
		    "DEFAULT:@SECLEVEL=0"), 1);
		SSL_CTX_set_min_proto_version(p->cctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(p->cctx, c->max_version);
	}
	ck_assert_ptr_nonnull(p->cli = SSL_new(p->cctx));
	SSL_set_fd(p->cli, p->fd[1]);
	SSL_set_connect_state(p->cli);
	if (c->sni != NULL)
		SSL_set_tlsext_host_name(p->cli, c->sni);
	if (c->alpn != NULL)
		ck_assert_int_eq(SSL_set_alpn_protos(p->cli,
		    (const unsigned char *)c->alpn, (unsigned)c->alpn_len), 0);
	if (c->sigalgs != NULL)
		ck_assert_int_eq(SSL_set1_sigalgs_list(p->cli, c->sigalgs),
		    1);
	if (c->wants_ocsp)
		SSL_set_tlsext_status_type(p->cli, TLSEXT_STATUSTYPE_ocsp);
	if (c->session != NULL)
		ck_assert_int_eq(SSL_set_session(p->cli, c->session), 1);
}

static void
pair_close(struct pair *p)
{
	tls_conn_free(p->srv);
	SSL_free(p->cli);
	SSL_CTX_free(p->cctx);
	close(p->fd[0]);
	close(p->fd[1]);
}

/*
 * Steps both handshakes in turn.  Returns the server's last status:
 * TLS_IO_OK when both completed.
 */
static enum tls_io
handshake(struct pair *p)
{
	enum tls_io	st = TLS_IO_WANT_READ;
	bool		is_cli_done = false, is_cli_dead = false;
	int		i, rv, e;

	for (i = 0; i < 200; i++) {
		if (!is_cli_done && !is_cli_dead) {
			if ((rv = SSL_do_handshake(p->cli)) == 1)
				is_cli_done = true;
			else if ((e = SSL_get_error(p->cli, rv)) !=
			    SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				is_cli_dead = true;
		}
		if (st == TLS_IO_WANT_READ || st == TLS_IO_WANT_WRITE)
			st = tls_conn_handshake(p->srv);
		if (st == TLS_IO_OK && is_cli_done)
			return st;
		if (st != TLS_IO_OK && st != TLS_IO_WANT_READ &&
		    st != TLS_IO_WANT_WRITE)
			return st;
		if (is_cli_dead && st == TLS_IO_WANT_READ) {
			/* The client's alert is on its way or it closed. */
			shutdown(p->fd[1], SHUT_WR);
		}
	}
	ck_abort_msg("handshake did not finish");
	return TLS_IO_ERROR;
}

/* Server writes <msg>, client reads it (and TLS 1.3 tickets with it). */
static void
exchange(struct pair *p, const char *msg)
{
	enum tls_io	st;
	char		buf[64];
	size_t		n;
	int		i, rv;

	ck_assert_uint_eq(tls_conn_write(p->srv, msg, strlen(msg), &st),
	    strlen(msg));
	ck_assert_int_eq(st, TLS_IO_OK);
	for (i = 0; i < 100; i++) {
		if (SSL_read_ex(p->cli, buf, sizeof(buf), &n) == 1) {
			ck_assert_uint_eq(n, strlen(msg));
			ck_assert(memcmp(buf, msg, n) == 0);
			return;
		}
		rv = SSL_get_error(p->cli, 0);
		ck_assert_int_eq(rv, SSL_ERROR_WANT_READ);
	}
	ck_abort_msg("client read nothing");
}

/* The CN of the certificate the client got. */
static void
peer_cn(struct pair *p, char *cn, size_t size)
{
	X509	*x;

	ck_assert_ptr_nonnull(x = SSL_get1_peer_certificate(p->cli));
	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, (int)size), 0);
	X509_free(x);
}

/* Connects with <c>, returns the session the client can resume. */
static SSL_SESSION *
connect_session(const struct client *c, bool *is_reused)
{
	struct pair	 p;
	SSL_SESSION	*s;

	pair_open(&p, c);
	ck_assert_int_eq(handshake(&p), TLS_IO_OK);
	ck_assert_int_eq(SSL_session_reused(p.cli),
	    SSL_session_reused(p.srv));
	*is_reused = SSL_session_reused(p.cli) == 1;
	exchange(&p, "hi");
	s = SSL_get1_session(p.cli);
	ck_assert_int_eq(SSL_SESSION_is_resumable(s), 1);
	/* Without close_notify, SSL_free() makes the session unresumable. */
	ck_assert_int_eq(SSL_shutdown(p.cli), 0);
	pair_close(&p);
	return s;
}

/* Tests: loading */

START_TEST(loads_rsa_certificate)
{
	char	certs[512] = "";

	entry(certs, sizeof(certs), "a_rsa", "a_rsa", NULL);
	ck_assert_msg(load(certs, NULL) != NULL, "%s", errs);
	ck_assert_str_eq(errs, "");
	ck_assert_ptr_null(tls_set_ctx(ts, 0));
	ck_assert_ptr_nonnull(tls_set_ctx(ts, 1));
	ck_assert_ptr_null(tls_set_ctx(ts, 2));
}
END_TEST

START_TEST(loads_ecdsa_certificate)
{
	char	certs[512] = "";

	entry(certs, sizeof(certs), "a_ec", "a_ec", NULL);
	ck_assert_msg(load(certs, NULL) != NULL, "%s", errs);
	ck_assert_str_eq(errs, "");
}
END_TEST

static const struct bad_case {
	const char	*name;
	const char	*cert, *key, *ocsp;
	const char	*expect;	/* after "certificates[1]: " */
} bad_cases[] = {
	{ "rejects_key_of_another_certificate", "a_rsa", "b", NULL,
	    "key DIR/b.key does not match certificate DIR/a_rsa.pem" },
	{ "rejects_key_of_same_type_another_cert", "a_ec", "b", NULL,
	    "key DIR/b.key does not match certificate DIR/a_ec.pem" },
	{ "rejects_missing_certificate", "nope", "b", NULL,
	    "cannot read DIR/nope.pem: No such file or directory" },
	{ "rejects_missing_key", "b", "nope", NULL,
	    "cannot read DIR/nope.key: No such file or directory" },
	{ "rejects_key_file_as_certificate", "b.key#", "b", NULL,
	    "cannot read DIR/b.key: no PEM data found" },
	{ "rejects_expired_certificate", "expired", "expired", NULL,
	    "certificate DIR/expired.pem expired on 20" },
	{ "rejects_certificate_not_yet_valid", "future", "future", NULL,
	    "certificate DIR/future.pem is not valid before 20" },
	{ "rejects_junk_ocsp_response", "b", "b", "junk.ocsp",
	    "OCSP response DIR/junk.ocsp: not a DER OCSP response" },
	{ "rejects_missing_ocsp_response", "b", "b", "nope.ocsp",
	    "cannot read DIR/nope.ocsp: No such file or directory" },
};

/* Replaces "DIR" in <in> with the temporary directory. */
static void
expand(const char *in, char *out, size_t size)
{
	const char	*p;

	out[0] = '\0';
	while ((p = strstr(in, "DIR")) != NULL) {
		strncat(out, in, (size_t)(p - in));
		strncat(out, dir, size - strlen(out) - 1);
		in = p + 3;
	}
	strncat(out, in, size - strlen(out) - 1);
}

START_TEST(rejects_bad_certificate)
{
	const struct bad_case	*c = &bad_cases[_i];
	char			 certs[1024] = "", want[512], cert[64];
	char			*hash;

	/* A good first entry: the bad one is reported with its index. */
	entry(certs, sizeof(certs), "a_ec", "a_ec", NULL);
	snprintf(cert, sizeof(cert), "%s", c->cert);
	if ((hash = strchr(cert, '#')) != NULL) {
		/* "b.key#": a path that is not NAME.pem. */
		*hash = '\0';
		snprintf(certs + strlen(certs), sizeof(certs) - strlen(certs),
		    ", {\"cert\": \"%s/%s\", \"key\": \"%s/%s.key\"}", dir,
		    cert, dir, c->key);
	} else
		entry(certs, sizeof(certs), c->cert, c->key, c->ocsp);
	ck_assert_msg(load(certs, NULL) == NULL, "%s: loaded", c->name);
	expand("t.json: services.s.tls.certificates[1]: ", want,
	    sizeof(want));
	ck_assert_msg(strncmp(errs, want, strlen(want)) == 0,
	    "%s: got \"%s\"", c->name, errs);
	expand(c->expect, want, sizeof(want));
	ck_assert_msg(strstr(errs, want) != NULL, "%s: want \"%s\", got "
	    "\"%s\"", c->name, want, errs);
	ck_assert_msg(strchr(errs, '\n') == errs + strlen(errs) - 1,
	    "%s: not one line: \"%s\"", c->name, errs);
}
END_TEST

START_TEST(reports_every_bad_certificate_in_one_pass)
{
	char	certs[1024] = "", want[256];

	entry(certs, sizeof(certs), "expired", "expired", NULL);
	entry(certs, sizeof(certs), "a_ec", "a_ec", NULL);
	entry(certs, sizeof(certs), "b", "a_ec", NULL);
	ck_assert_ptr_null(load(certs, NULL));
	expand("certificates[0]: certificate DIR/expired.pem expired", want,
	    sizeof(want));
	ck_assert_msg(strstr(errs, want) != NULL, "%s", errs);
	expand("certificates[2]: key DIR/a_ec.key does not match", want,
	    sizeof(want));
	ck_assert_msg(strstr(errs, want) != NULL, "%s", errs);
}
END_TEST

START_TEST(rejects_unusable_ciphers)
{
	char	certs[512] = "";

	entry(certs, sizeof(certs), "a_ec", "a_ec", NULL);
	ck_assert_ptr_null(load(certs, ", \"ciphers\": \"NOPE-NOTHING\""));
	ck_assert_msg(strstr(errs, "services.s.tls.ciphers: no usable "
	    "cipher in \"NOPE-NOTHING\"") != NULL, "%s", errs);
}
END_TEST

/* Tests: handshakes */

static const struct sni_case {
	const char	*sni;
	const char	*cn;
} sni_cases[] = {
	{ "a.test", "a.test" },
	{ "b.test", "b.test" },
	{ "www.b.test", "b.test" },
	{ "WWW.B.Test", "b.test" },
	{ "x.w.test", "wild" },
	{ "cn.test", "cn.test" },
	/* One label only, and not the bare domain. */
	{ "y.x.w.test", "a.test" },
	{ "w.test", "a.test" },
	{ "unknown.test", "a.test" },
	{ NULL, "a.test" },
};

START_TEST(picks_certificate_by_sni)
{
	const struct sni_case	*c = &sni_cases[_i];
	struct client		 cl = { .sni = c->sni };
	struct pair		 p;
	char			 cn[64];

	load_usual(NULL);
	pair_open(&p, &cl);
	ck_assert_msg(handshake(&p) == TLS_IO_OK, "%s: %s", c->sni,
	    tls_error_text());
	peer_cn(&p, cn, sizeof(cn));
	ck_assert_msg(strcmp(cn, c->cn) == 0, "SNI %s: got %s, want %s",
	    c->sni, cn, c->cn);
	ck_assert_int_eq(SSL_get_verify_result(p.cli), X509_V_OK);
	exchange(&p, "hello");
	pair_close(&p);
}
END_TEST

START_TEST(serves_rsa_and_ecdsa_for_one_name)
{
	static const struct {
		const char	*sigalgs;
		int		 max_version;
		int		 type;
	} cases[] = {
		{ "ECDSA+SHA256", 0, EVP_PKEY_EC },
		{ "rsa_pss_rsae_sha256", 0, EVP_PKEY_RSA },
		{ "ECDSA+SHA256", TLS1_2_VERSION, EVP_PKEY_EC },
		{ "RSA+SHA256", TLS1_2_VERSION, EVP_PKEY_RSA },
	};
	struct client	 cl = { .sni = "a.test" };
	struct pair	 p;
	X509		*x;
	size_t		 i;

	load_usual(NULL);
	for (i = 0; i < NELEM(cases); i++) {
		cl.sigalgs = cases[i].sigalgs;
		cl.max_version = cases[i].max_version;
		pair_open(&p, &cl);
		ck_assert_msg(handshake(&p) == TLS_IO_OK, "%s: %s",
		    cases[i].sigalgs, tls_error_text());
		ck_assert_ptr_nonnull(x = SSL_get1_peer_certificate(p.cli));
		ck_assert_msg(EVP_PKEY_get_base_id(X509_get0_pubkey(x)) ==
		    cases[i].type, "%s: wrong key type", cases[i].sigalgs);
		X509_free(x);
		pair_close(&p);
	}
}
END_TEST

/* "http2" (default true) has ALPN prefer h2; false offers http/1.1 only. */
START_TEST(selects_h2_then_http11_by_alpn)
{
	static const struct {
		const char	*wire;
		size_t		 len;
		const char	*want;
		const char	*want_no_h2;
	} cases[] = {
		{ "\x02h2\x08http/1.1", 12, "h2", "http/1.1" },
		{ "\x08http/1.1\x02h2", 12, "h2", "http/1.1" },
		{ "\x08http/1.1", 9, "http/1.1", "http/1.1" },
		{ "\x02h2", 3, "h2", "" },
		{ NULL, 0, "", "" },
	};
	struct client		 cl = { .sni = "b.test" };
	struct pair		 p;
	const unsigned char	*sel;
	unsigned int		 len;
	const char		*want;
	size_t			 i, k;

	for (k = 0; k < 2; k++) {
		service_extra = k == 0 ? "" : ", \"http2\": false";
		load_usual(NULL);
		service_extra = "";
		for (i = 0; i < NELEM(cases); i++) {
			want = k == 0 ? cases[i].want : cases[i].want_no_h2;
			cl.alpn = cases[i].wire;
			cl.alpn_len = cases[i].len;
			pair_open(&p, &cl);
			ck_assert_int_eq(handshake(&p), TLS_IO_OK);
			ck_assert(tls_conn_is_h2(p.srv) == (strcmp(want, "h2")
			    == 0));
			SSL_get0_alpn_selected(p.cli, &sel, &len);
			ck_assert_msg(len == strlen(want) &&
			    (len == 0 || memcmp(sel, want, len) == 0),
			    "http2 %s, case %zu: got %.*s", k == 0 ? "on" :
			    "off", i, (int)len,
			    len > 0 ? (const char *)sel : "");
			pair_close(&p);
		}
		tls_set_free(ts);
		ts = NULL;
		config_free(cfg);
		cfg = NULL;
	}
}
END_TEST

START_TEST(refuses_tls_1_1_and_1_0)
{
	static const int	 versions[] = { TLS1_1_VERSION, TLS1_VERSION };
	struct client		 cl = { .sni = "a.test" };
	struct pair		 p;
	size_t			 i;

	load_usual(NULL);
	for (i = 0; i < NELEM(versions); i++) {
		cl.max_version = versions[i];
		pair_open(&p, &cl);
		ck_assert_int_eq(handshake(&p), TLS_IO_ERROR);
		ck_assert_msg(strstr(tls_error_text(), "unsupported protocol")
		    != NULL, "error: %s", tls_error_text());
		pair_close(&p);
	}
}
END_TEST

START_TEST(honours_protocols_key)
{
	struct client	cl = { .sni = "a.test" };
	struct pair	p;

	load_usual(", \"protocols\": [\"TLSv1.3\"]");
	cl.max_version = TLS1_2_VERSION;
	pair_open(&p, &cl);
	ck_assert_int_eq(handshake(&p), TLS_IO_ERROR);
	pair_close(&p);
	cl.max_version = 0;
	pair_open(&p, &cl);
	ck_assert_int_eq(handshake(&p), TLS_IO_OK);
	ck_assert_int_eq(SSL_version(p.cli), TLS1_3_VERSION);
	pair_close(&p);
}
END_TEST

START_TEST(staples_ocsp_response)
{
	struct client		 cl = { .wants_ocsp = true };
	struct pair		 p;
	const unsigned char	*resp;
	unsigned char		 want[4096];
	char			 path[128];
	FILE			*f;
	size_t			 n;
	long			 len;

	snprintf(path, sizeof(path), "%s/b.ocsp", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(want, 1, sizeof(want), f);
	fclose(f);
	load_usual(NULL);

	cl.sni = "www.b.test";
	pair_open(&p, &cl);
	ck_assert_int_eq(handshake(&p), TLS_IO_OK);
	len = SSL_get_tlsext_status_ocsp_resp(p.cli, &resp);
	ck_assert_int_eq(len, (long)n);
	ck_assert(memcmp(resp, want, n) == 0);
	pair_close(&p);

	/* a.test has no response configured. */
	cl.sni = "a.test";
	pair_open(&p, &cl);
	ck_assert_int_eq(handshake(&p), TLS_IO_OK);
	ck_assert_int_eq(SSL_get_tlsext_status_ocsp_resp(p.cli, &resp), -1);
	pair_close(&p);
}
END_TEST

/* Tests: connection I/O */

START_TEST(reads_close_notify_and_eof_as_closed)
{
	struct client	 cl = { .sni = "a.test" };
	struct pair	 p;
	enum tls_io	 st;
	char		 buf[16];
	int		 is_eof;

	load_usual(NULL);
	for (is_eof = 0; is_eof < 2; is_eof++) {
		pair_open(&p, &cl);
		ck_assert_int_eq(handshake(&p), TLS_IO_OK);
		exchange(&p, "x");
		ck_assert_uint_eq(tls_conn_read(p.srv, buf, sizeof(buf), &st),
		    0);
		ck_assert_int_eq(st, TLS_IO_WANT_READ);
		ck_assert_int_eq(SSL_write(p.cli, "ping", 4), 4);
		ck_assert_uint_eq(tls_conn_read(p.srv, buf, sizeof(buf), &st),
		    4);
		ck_assert_int_eq(st, TLS_IO_OK);
		if (is_eof)
			shutdown(p.fd[1], SHUT_WR);
		else
			SSL_shutdown(p.cli);
		ck_assert_uint_eq(tls_conn_read(p.srv, buf, sizeof(buf), &st),
		    0);
		ck_assert_msg(st == TLS_IO_CLOSED, "eof %d: st %d (%s)",
		    is_eof, st, tls_error_text());
		pair_close(&p);
	}
}
END_TEST

START_TEST(garbage_fails_the_handshake)
{
	static const char	 junk[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct client		 cl = { 0 };
	struct pair		 p;

	load_usual(NULL);
	pair_open(&p, &cl);
	ck_assert_int_eq(write(p.fd[1], junk, sizeof(junk) - 1),
	    (ssize_t)sizeof(junk) - 1);
	ck_assert_int_eq(tls_conn_handshake(p.srv), TLS_IO_ERROR);
	ck_assert_str_ne(tls_error_text(), "");
	pair_close(&p);

	/* The peer closing mid-handshake is a close, not an error. */
	pair_open(&p, &cl);
	ck_assert_int_eq(tls_conn_handshake(p.srv), TLS_IO_WANT_READ);
	shutdown(p.fd[1], SHUT_WR);
	ck_assert_int_eq(tls_conn_handshake(p.srv), TLS_IO_CLOSED);
	pair_close(&p);
}
END_TEST

START_TEST(writes_partially_and_completes)
{
	struct client	 cl = { .sni = "a.test" };
	struct pair	 p;
	enum tls_io	 st;
	unsigned char	*out, *in;
	size_t		 size = 4 << 20, sent = 0, got = 0, n;
	bool		 was_partial = false;

	load_usual(NULL);
	ck_assert_ptr_nonnull(out = malloc(size));
	ck_assert_ptr_nonnull(in = malloc(size));
	for (n = 0; n < size; n++)
		out[n] = (unsigned char)(n * 7 + (n >> 12));
	pair_open(&p, &cl);
	ck_assert_int_eq(handshake(&p), TLS_IO_OK);
	while (got < size) {
		if (sent < size) {
			n = tls_conn_write(p.srv, out + sent, size - sent, &st);
			if (n > 0 && n < size - sent)
				was_partial = true;
			ck_assert(st == TLS_IO_OK || st == TLS_IO_WANT_WRITE);
			sent += n;
		}
		if (SSL_read_ex(p.cli, in + got, size - got, &n) == 1)
			got += n;
		else
			ck_assert_int_eq(SSL_get_error(p.cli, 0),
			    SSL_ERROR_WANT_READ);
	}
	ck_assert(was_partial);
	ck_assert(memcmp(in, out, size) == 0);
	pair_close(&p);
	free(out);
	free(in);
}
END_TEST

/* Tests: tickets */

static const int ticket_versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };

START_TEST(resumes_in_another_worker)
{
	struct client		 cl = { .sni = "a.test" };
	SSL_SESSION		*s;
	unsigned char		 der[8192], *w;
	const unsigned char	*r;
	bool			 is_reused;
	int			 sv[2], status, len;
	pid_t			 pid;

	cl.max_version = ticket_versions[_i];
	load_usual(NULL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/*
	 * A "worker" forked now resumes a ticket that this process issues
	 * after the master's rotations: it reads the keys the master writes,
	 * not a copy.
	 */
	if ((pid = fork()) == 0) {
		if ((len = (int)read(sv[1], der, sizeof(der))) <= 0)
			_exit(3);
		r = der;
		if ((cl.session = d2i_SSL_SESSION(NULL, &r, len)) == NULL)
			_exit(4);
		s = connect_session(&cl, &is_reused);
		SSL_SESSION_free(s);
		SSL_SESSION_free(cl.session);
		_exit(is_reused ? 0 : 1);
	}
	ck_assert_int_ne(pid, -1);
	tls_set_rotate_now(ts);
	tls_set_rotate_now(ts);
	s = connect_session(&cl, &is_reused);
	ck_assert(!is_reused);
	ck_assert_int_le(len = i2d_SSL_SESSION(s, NULL), (int)sizeof(der));
	w = der;
	ck_assert_int_eq(i2d_SSL_SESSION(s, &w), len);
	ck_assert_int_eq(write(sv[0], der, (size_t)len), len);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the other worker did not resume (status %#x)", status);
	SSL_SESSION_free(s);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(rotation_keeps_previous_key_and_drops_older)
{
	struct client	 cl = { .sni = "a.test" };
	SSL_SESSION	*s1, *s2, *s;
	bool		 is_reused;

	cl.max_version = ticket_versions[_i];
	load_usual(NULL);
	s1 = connect_session(&cl, &is_reused);
	ck_assert(!is_reused);

	/* Not due: the period is 12 h. */
	ck_assert_uint_gt(tls_set_rotate(ts), 11 * 3600 * 1000U);
	cl.session = s1;
	s = connect_session(&cl, &is_reused);
	ck_assert(is_reused);
	SSL_SESSION_free(s);

	/* Under the previous key: resumes, and a new ticket comes. */
	tls_set_rotate_now(ts);
	s2 = connect_session(&cl, &is_reused);
	ck_assert(is_reused);

	tls_set_rotate_now(ts);
	s = connect_session(&cl, &is_reused);
	ck_assert_msg(!is_reused, "a ticket two keys old resumed");
	SSL_SESSION_free(s);
	cl.session = s2;
	s = connect_session(&cl, &is_reused);
	ck_assert_msg(is_reused, "the renewed ticket did not resume");
	SSL_SESSION_free(s);
	SSL_SESSION_free(s1);
	SSL_SESSION_free(s2);
}
END_TEST

START_TEST(no_tickets_when_disabled)
{
	struct client	 cl = { .sni = "a.test" };
	struct pair	 p;
	SSL_SESSION	*s;

	cl.max_version = ticket_versions[_i];
	load_usual(", \"session_tickets\": false");
	pair_open(&p, &cl);
	ck_assert_int_eq(handshake(&p), TLS_IO_OK);
	exchange(&p, "hi");
	s = SSL_get1_session(p.cli);
	pair_close(&p);
	/* No ticket and no server-side cache: nothing to resume. */
	ck_assert_int_eq(SSL_SESSION_is_resumable(s), 0);
	SSL_SESSION_free(s);
	ck_assert_uint_eq(tls_set_rotate(ts), 12 * 3600 * 1000U);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite	*s = suite_create("tls");
	TCase	*tc;

	tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, make_files, remove_files);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, loads_rsa_certificate);
	tcase_add_test(tc, loads_ecdsa_certificate);
	tcase_add_loop_test(tc, rejects_bad_certificate, 0,
	    NELEM(bad_cases));
	tcase_add_test(tc, reports_every_bad_certificate_in_one_pass);
	tcase_add_test(tc, rejects_unusable_ciphers);
	suite_add_tcase(s, tc);

	tc = tcase_create("handshake");
	tcase_add_unchecked_fixture(tc, make_files, remove_files);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, picks_certificate_by_sni, 0,
	    NELEM(sni_cases));
	tcase_add_test(tc, serves_rsa_and_ecdsa_for_one_name);
	tcase_add_test(tc, selects_h2_then_http11_by_alpn);
	tcase_add_test(tc, refuses_tls_1_1_and_1_0);
	tcase_add_test(tc, honours_protocols_key);
	tcase_add_test(tc, staples_ocsp_response);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_unchecked_fixture(tc, make_files, remove_files);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, reads_close_notify_and_eof_as_closed);
	tcase_add_test(tc, garbage_fails_the_handshake);
	tcase_add_test(tc, writes_partially_and_completes);
	suite_add_tcase(s, tc);

	tc = tcase_create("tickets");
	tcase_add_unchecked_fixture(tc, make_files, remove_files);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, resumes_in_another_worker, 0,
	    NELEM(ticket_versions));
	tcase_add_loop_test(tc, rotation_keeps_previous_key_and_drops_older,
	    0, NELEM(ticket_versions));
	tcase_add_loop_test(tc, no_tickets_when_disabled, 0,
	    NELEM(ticket_versions));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	signal(SIGPIPE, SIG_IGN);
	sr = srunner_create(tls_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
