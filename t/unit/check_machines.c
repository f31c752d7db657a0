/*
 * The worker's state machines, each declared as one table: the backend
 * connection (worker/upstream.c), the client session (worker/client.c),
 * the HTTP/1 front end (worker/h1_server.c), the HTTP/2 connection
 * (worker/h2_server.c) and the Upgrade tunnel (worker/tunnel.c).
 *
 * First the tables themselves: every state can reach the end, every state
 * can be reached, the end is final.  Then the machines at work: a worker
 * set up in this process (worker_init) drives real sockets on 127.0.0.1
 * (a backend played by the test, plain and TLS, and clients) through
 * every declared transition, while a trace hook records each one.  The
 * suite fails when the code asks for a transition its table does not
 * declare, and when a declared one was never walked.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/loop.h"
#include "common/shm.h"
#include "worker/client.h"
#include "worker/context.h"
#include "worker/front_pick.h"
#include "worker/h1_server.h"
#include "worker/h2_server.h"
#include "tls/tls.h"
#include "worker/tunnel.h"
#include "worker/upstream.h"
#include "worker/worker.h"

/* ---- what the trace hooks saw ---- */

static unsigned	seen_b[BCONN_STATE_COUNT][BCONN_EV_COUNT];
static unsigned	seen_c[CLIENT_STATE_COUNT][CLIENT_EV_COUNT];
static unsigned	seen_h[H1_FRONT_STATE_COUNT][H1_EV_COUNT];
static unsigned	seen_t[TUNNEL_STATE_COUNT][TUNNEL_EV_COUNT];
static unsigned	seen_h2[H2_CONN_STATE_COUNT][H2_EV_COUNT];
static unsigned	refused;

static void
trace_b(enum bconn_state from, enum bconn_event ev, enum bconn_state to)
{
	if (to == BCONN_STATE_COUNT)
		refused++;
	else
		seen_b[from][ev]++;
}

static void
trace_c(enum client_state from, enum client_event ev, enum client_state to)
{
	if (to == CLIENT_STATE_COUNT)
		refused++;
	else
		seen_c[from][ev]++;
}

static void
trace_h(enum h1_front_state from, enum h1_front_event ev,
    enum h1_front_state to)
{
	if (to == H1_FRONT_STATE_COUNT)
		refused++;
	else
		seen_h[from][ev]++;
}

static void
trace_t(enum tunnel_state from, enum tunnel_event ev, enum tunnel_state to)
{
	if (to == TUNNEL_STATE_COUNT)
		refused++;
	else
		seen_t[from][ev]++;
}

static void
trace_h2(enum h2_conn_state from, enum h2_conn_event ev,
    enum h2_conn_state to)
{
	if (to == H2_CONN_STATE_COUNT)
		refused++;
	else
		seen_h2[from][ev]++;
}

/* ---- the tables ---- */

/*
 * Checks a table given by <next> over <ns> states and <ne> events: from
 * <start> every state is reachable, from every state <end> is, and <end>
 * leads nowhere.
 */
static void
check_table(const char *name, int ns, int ne, int start, int end,
    int (*next)(int s, int ev))
{
	bool	reach[16] = { false }, to_end[16] = { false }, changed;
	int	s, ev, t;

	ck_assert_int_le(ns, 16);
	reach[start] = true;
	do {
		changed = false;
		for (s = 0; s < ns; s++)
			for (ev = 0; ev < ne && reach[s]; ev++) {
				t = next(s, ev);
				ck_assert_msg(t >= 0 && t <= ns, "%s: %d on %d "
				    "goes to %d", name, s, ev, t);
				if (t < ns && !reach[t])
					reach[t] = changed = true;
			}
	} while (changed);
	to_end[end] = true;
	do {
		changed = false;
		for (s = 0; s < ns; s++)
			for (ev = 0; ev < ne && !to_end[s]; ev++) {
				t = next(s, ev);
				if (t < ns && to_end[t])
					to_end[s] = changed = true;
			}
	} while (changed);
	for (s = 0; s < ns; s++) {
		ck_assert_msg(reach[s], "%s: state %d cannot be reached", name,
		    s);
		ck_assert_msg(to_end[s], "%s: state %d cannot end", name, s);
	}
	for (ev = 0; ev < ne; ev++)
		ck_assert_msg(next(end, ev) == ns, "%s: the end state takes "
		    "event %d", name, ev);
}

static int
next_b(int s, int ev)
{
	return (int)upstream_next((enum bconn_state)s, (enum bconn_event)ev);
}

static int
next_c(int s, int ev)
{
	return (int)client_next((enum client_state)s, (enum client_event)ev);
}

static int
next_h(int s, int ev)
{
	return (int)h1_next((enum h1_front_state)s, (enum h1_front_event)ev);
}

static int
next_t(int s, int ev)
{
	return (int)tunnel_next((enum tunnel_state)s, (enum tunnel_event)ev);
}

static int
next_h2(int s, int ev)
{
	return (int)h2_next((enum h2_conn_state)s, (enum h2_conn_event)ev);
}

START_TEST(tables_reach_every_state_and_end)
{
	/* A connection starts in CONNECT; a session in TLS or OPEN. */
	check_table("backend connection", BCONN_STATE_COUNT, BCONN_EV_COUNT,
	    BCONN_CONNECT, BCONN_CLOSED, next_b);
	check_table("client session", CLIENT_STATE_COUNT, CLIENT_EV_COUNT,
	    CLIENT_TLS, CLIENT_CLOSED, next_c);
	check_table("HTTP/1 front end", H1_FRONT_STATE_COUNT, H1_EV_COUNT,
	    H1_FRONT_IDLE, H1_FRONT_DONE, next_h);
	check_table("tunnel", TUNNEL_STATE_COUNT, TUNNEL_EV_COUNT,
	    TUNNEL_JOINING, TUNNEL_CLOSED, next_t);
	check_table("HTTP/2 connection", H2_CONN_STATE_COUNT, H2_EV_COUNT,
	    H2_CONN_OPEN, H2_CONN_DONE, next_h2);
	/* Out of range is refused, not read past the table. */
	ck_assert_int_eq(upstream_next(BCONN_STATE_COUNT, 0),
	    BCONN_STATE_COUNT);
	ck_assert_int_eq(client_next(0, CLIENT_EV_COUNT), CLIENT_STATE_COUNT);
	ck_assert_int_eq(h1_next(H1_FRONT_STATE_COUNT, 0),
	    H1_FRONT_STATE_COUNT);
	ck_assert_int_eq(tunnel_next(0, TUNNEL_EV_COUNT), TUNNEL_STATE_COUNT);
	ck_assert_int_eq(h2_next(0, H2_EV_COUNT), H2_CONN_STATE_COUNT);
}
END_TEST

/* ---- a worker in this process ---- */

static char		 dir[64];
static struct config	*cfg;
static struct shm	 shm;
static struct tls_set	*ts;
static struct worker	*w;
static int		 poke = -1;
static int		 backend_l = -1;	/* the backend's listener */
static int		 client_l = -1;		/* where test clients land */
static SSL_CTX		*server_ctx;		/* the backend's TLS */
static SSL_CTX		*client_ctx;		/* the test clients' TLS */

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

/* A listening socket on 127.0.0.1; its port in *<port>. */
static int
listener(unsigned *port)
{
	struct sockaddr_in	a;
	socklen_t		len = sizeof(a);
	int			fd;

	ck_assert_int_ne(fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0), -1);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A self-signed P-256 certificate for 127.0.0.1 in DIR/cert.pem, key.pem. */
static void
make_cert(void)
{
	EVP_PKEY	*key;
	X509		*x;
	X509_NAME	*n;
	FILE		*f;
	char		 path[128];

	ck_assert_ptr_nonnull(key = EVP_EC_gen("P-256"));
	ck_assert_ptr_nonnull(x = X509_new());
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"machines.test", -1, -1, 0);
	X509_set_issuer_name(x, n);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(f);
	ck_assert_ptr_nonnull(server_ctx = SSL_CTX_new(TLS_server_method()));
	ck_assert_int_eq(SSL_CTX_use_certificate(server_ctx, x), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(server_ctx, key), 1);
	ck_assert_ptr_nonnull(client_ctx = SSL_CTX_new(TLS_client_method()));
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void
setup(void)
{
	char		 json[4096], path[128];
	unsigned	 bport, closed_port, cport;
	int		 fd;
	FILE		*f;

	memset(seen_b, 0, sizeof(seen_b));
	memset(seen_c, 0, sizeof(seen_c));
	memset(seen_h, 0, sizeof(seen_h));
	memset(seen_t, 0, sizeof(seen_t));
	memset(seen_h2, 0, sizeof(seen_h2));
	refused = 0;
	h2_trace = trace_h2;
	upstream_trace = trace_b;
	client_trace = trace_c;
	h1_trace = trace_h;
	tunnel_trace = trace_t;
	snprintf(dir, sizeof(dir), "/tmp/check_machines.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/www", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/www/a.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("hello\n", f);
	fclose(f);
	make_cert();
	backend_l = listener(&bport);
	/* A port nobody listens on: bound, then closed. */
	fd = listener(&closed_port);
	close(fd);
	client_l = listener(&cport);
	snprintf(json, sizeof(json),
	    "{\"pools\": {"
	    " \"plain\": {\"health\": false, \"backends\": [\"127.0.0.1:%u\"]},"
	    " \"verify\": {\"health\": false, \"verify\": true,"
	    "  \"backends\": [\"127.0.0.1:%u\"]},"
	    " \"tls\": {\"health\": false, \"tls\": true, \"tls_verify\": false,"
	    "  \"backends\": [\"127.0.0.1:%u\"]},"
	    " \"tlsv\": {\"health\": false, \"tls\": true, \"tls_verify\": false,"
	    "  \"verify\": true, \"backends\": [\"127.0.0.1:%u\"]},"
	    " \"refused\": {\"health\": false,"
	    "  \"backends\": [\"127.0.0.1:%u\"]}},"
	    " \"services\": {"
	    " \"ws\": {\"listen\": \"127.0.0.1:4\", \"pool\": \"plain\","
	    "  \"tunnel_idle_timeout_ms\": 300},"
	    " \"files\": {\"role\": \"web_server\", \"listen\": \"127.0.0.1:1\","
	    "  \"docroot\": \"%s/www\"},"
	    " \"tlsfiles\": {\"role\": \"web_server\","
	    "  \"listen\": \"127.0.0.1:2\", \"docroot\": \"%s/www\","
	    "  \"tls\": {\"certificates\": [{\"cert\": \"%s/cert.pem\","
	    "  \"key\": \"%s/key.pem\"}]}},"
	    " \"h2files\": {\"role\": \"web_server\", \"h2c\": true,"
	    "  \"listen\": \"127.0.0.1:3\", \"docroot\": \"%s/www\","
	    "  \"client_idle_timeout_ms\": 200}}}",
	    bport, bport, bport, bport, closed_port, dir, dir, dir, dir, dir);
	cfg = config_load_string(json, "machines.json", stderr);
	ck_assert_ptr_nonnull(cfg);
	snprintf(path, sizeof(path), "%s/weir.shm", dir);
	ck_assert_int_eq(shm_create(&shm, path, cfg, 1, NULL), 0);
	ck_assert_ptr_nonnull(ts = tls_set_load(cfg, stderr));
	ck_assert_int_ne(poke = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), -1);
	ck_assert_ptr_nonnull(w = malloc(sizeof(*w)));
	ck_assert_int_eq(worker_init(w, cfg, &shm, ts, 0, &poke, NULL, 0), 0);
}

static void
teardown(void)
{
	worker_fini(w);
	free(w);
	tls_set_free(ts);
	shm_detach(&shm);
	config_free(cfg);
	close(poke);
	close(backend_l);
	close(client_l);
	SSL_CTX_free(server_ctx);
	SSL_CTX_free(client_ctx);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	upstream_trace = NULL;
	client_trace = NULL;
	h1_trace = NULL;
	tunnel_trace = NULL;
	h2_trace = NULL;
}

/* Runs the worker's loop until <cond>(<arg>) or 3 s pass (a failure). */
static void
spin(bool (*cond)(void *), void *arg, const char *what)
{
	uint64_t	until = clock_update() + 3000;

	while (!cond(arg)) {
		ck_assert_msg(clock_now_ms() < until, "timed out waiting: %s",
		    what);
		ck_assert_int_eq(loop_run_once(&w->loop, 10), 0);
	}
}

/* Runs a few turns of the loop (the time the worker gets to act). */
static void
turns(int n)
{
	while (n-- > 0)
		ck_assert_int_eq(loop_run_once(&w->loop, 5), 0);
}

/* ---- the backend side, played by the test ---- */

struct owner {
	int	ready;
	int	failed;
};

static void
own_ready(void *arg)
{
	((struct owner *)arg)->ready++;
}

static void
own_fail(void *arg, const char *why)
{
	(void)why;
	((struct owner *)arg)->failed++;
}

static void
own_io(void *arg)
{
	(void)arg;
}

static const struct bconn_ops	owner_ops = { own_ready, own_fail, own_io };

static bool
is_ready(void *arg)
{
	return ((struct owner *)arg)->ready > 0;
}

static bool
has_failed(void *arg)
{
	return ((struct owner *)arg)->failed > 0;
}

static uint32_t
backend_of(const char *pool)
{
	int	i = config_find_pool(cfg, pool);

	ck_assert_int_ge(i, 0);
	return shm.pools[i].first_backend;
}

/* Accepts the connection weir made to the test's backend. */
static int
backend_accept(void)
{
	struct pollfd	p = { .fd = backend_l, .events = POLLIN };
	int		fd;

	while (poll(&p, 1, 0) == 0)
		turns(1);
	ck_assert_int_ne(fd = accept4(backend_l, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC), -1);
	return fd;
}

/* Reads one head (up to a blank line) from the backend's side. */
static void
backend_read_head(int fd, SSL *ssl, char *out, size_t cap)
{
	size_t	len = 0;
	int	n;

	while (len < 4 || memcmp(out + len - 4, "\r\n\r\n", 4) != 0) {
		ck_assert_uint_lt(len, cap - 1);
		n = ssl != NULL ? SSL_read(ssl, out + len, 1) :
		    (int)read(fd, out + len, 1);
		if (n == 1) {
			len++;
			out[len] = '\0';
			continue;
		}
		turns(1);
	}
}

static void
backend_write(int fd, SSL *ssl, const char *s)
{
	size_t	len = strlen(s);

	if (ssl != NULL)
		ck_assert_int_eq(SSL_write(ssl, s, (int)len), (int)len);
	else
		ck_assert_int_eq(write(fd, s, len), (ssize_t)len);
}

/* The backend's half of a TLS handshake, run alongside the loop. */
static SSL *
backend_tls(int fd)
{
	SSL	*ssl;
	int	 rv;

	ck_assert_ptr_nonnull(ssl = SSL_new(server_ctx));
	SSL_set_fd(ssl, fd);
	while ((rv = SSL_accept(ssl)) != 1) {
		rv = SSL_get_error(ssl, rv);
		ck_assert_msg(rv == SSL_ERROR_WANT_READ ||
		    rv == SSL_ERROR_WANT_WRITE, "backend TLS accept: %d", rv);
		turns(1);
	}
	return ssl;
}

static bool
no_idle(void *arg)
{
	return w->backends[*(uint32_t *)arg].idle == NULL;
}

START_TEST(backend_connection_walks_every_transition)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct owner	 o;
	struct bconn	*bc, *again;
	uint32_t	 plain = backend_of("plain");
	char		 head[1024];
	SSL		*ssl;
	int		 fd, b, s, ev;

	/* CONNECT -> READY -> IDLE -> READY -> IDLE, then the backend
	   closes the idle one: IDLE -> CLOSED (fail). */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, plain, &owner_ops,
	    &o));
	fd = backend_accept();
	spin(is_ready, &o, "a plain connection");
	upstream_release(bc, true);
	ck_assert_ptr_nonnull(again = upstream_take_idle(w, plain,
	    &owner_ops, &o));
	ck_assert_ptr_eq(again, bc);
	upstream_release(again, true);
	close(fd);
	spin(no_idle, &plain, "the idle connection dropped");

	/* READY -> CLOSED (released, not kept). */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, plain, &owner_ops,
	    &o));
	fd = backend_accept();
	spin(is_ready, &o, "a second plain connection");
	upstream_release(bc, false);
	close(fd);

	/* READY -> CLOSED, the socket handed over (as to a tunnel): it
	   stays open. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, plain, &owner_ops,
	    &o));
	fd = backend_accept();
	spin(is_ready, &o, "a connection to hand over");
	{
		struct sock	hs;

		upstream_hand_over(bc, &hs);
		ck_assert_int_ne(hs.fd, -1);
		ck_assert_int_eq(send(hs.fd, "x", 1, MSG_NOSIGNAL), 1);
		ck_assert_int_eq(recv(fd, head, 1, MSG_DONTWAIT), 1);
		sock_close(&hs, false);
	}
	close(fd);

	/* IDLE -> CLOSED (closed while idle). */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, plain, &owner_ops,
	    &o));
	fd = backend_accept();
	spin(is_ready, &o, "a third plain connection");
	upstream_release(bc, true);
	upstream_close_idle(w);
	close(fd);

	/* CONNECT -> VERIFY -> READY. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, backend_of("verify"),
	    &owner_ops, &o));
	fd = backend_accept();
	backend_read_head(fd, NULL, head, sizeof(head));
	ck_assert_msg(strncmp(head, "OPTIONS * HTTP/1.1\r\n", 20) == 0, "%s",
	    head);
	backend_write(fd, NULL, ok);
	spin(is_ready, &o, "a verified connection");
	upstream_release(bc, false);
	close(fd);

	/* VERIFY -> CLOSED: the answer is not 2xx. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(upstream_connect(w, backend_of("verify"),
	    &owner_ops, &o));
	fd = backend_accept();
	backend_read_head(fd, NULL, head, sizeof(head));
	backend_write(fd, NULL, "HTTP/1.1 500 No\r\nContent-Length: 0\r\n\r\n");
	spin(has_failed, &o, "a failed verify");
	close(fd);

	/* CONNECT -> CLOSED: refused. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(upstream_connect(w, backend_of("refused"),
	    &owner_ops, &o));
	spin(has_failed, &o, "a refused connect");

	/* CONNECT -> TLS -> READY. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, backend_of("tls"),
	    &owner_ops, &o));
	fd = backend_accept();
	ssl = backend_tls(fd);
	spin(is_ready, &o, "a TLS connection");
	upstream_release(bc, false);
	SSL_free(ssl);
	close(fd);

	/* CONNECT -> TLS -> VERIFY -> READY. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, backend_of("tlsv"),
	    &owner_ops, &o));
	fd = backend_accept();
	ssl = backend_tls(fd);
	backend_read_head(fd, ssl, head, sizeof(head));
	backend_write(fd, ssl, ok);
	spin(is_ready, &o, "a verified TLS connection");
	upstream_release(bc, false);
	SSL_free(ssl);
	close(fd);

	/* TLS -> CLOSED: the backend hangs up instead. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(upstream_connect(w, backend_of("tls"),
	    &owner_ops, &o));
	fd = backend_accept();
	close(fd);
	spin(has_failed, &o, "a failed TLS handshake");

	turns(3);
	ck_assert_uint_eq(refused, 0);
	for (s = 0; s < BCONN_STATE_COUNT; s++)
		for (ev = 0; ev < BCONN_EV_COUNT; ev++) {
			b = upstream_next(s, ev) != BCONN_STATE_COUNT;
			ck_assert_msg(!b || seen_b[s][ev] > 0, "declared but "
			    "never walked: %s on %s", upstream_state_name(s),
			    upstream_event_name(ev));
		}
}
END_TEST

/* ---- client sessions, played by the test ---- */

/* A client of the web_server service <svc>: its socket in *<cfd>. */
static void
new_client(const char *svc, int *cfd)
{
	struct sockaddr_in	a;
	socklen_t		len = sizeof(a);
	const struct service_conf *sc = NULL;
	size_t			i;
	int			fd;

	for (i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].name, svc) == 0)
			sc = &cfg->services[i];
	ck_assert_ptr_nonnull(sc);
	ck_assert_int_eq(getsockname(client_l, (struct sockaddr *)&a, &len),
	    0);
	ck_assert_int_ne(*cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0), -1);
	ck_assert_int_eq(connect(*cfd, (struct sockaddr *)&a, sizeof(a)), 0);
	len = sizeof(a);
	ck_assert_int_ne(fd = accept4(client_l, (struct sockaddr *)&a, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC), -1);
	client_accept(w, fd, (struct sockaddr *)&a, len, sc, front_pick);
}

static void
send_str(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Reads answers until <n> of them (one "HTTP/1.1 " each) came. */
static void
read_answers(int fd, int n)
{
	char		 buf[8192];
	size_t		 len = 0;
	const char	*p;
	int		 k, got = 0;
	ssize_t		 r;

	while (got < n) {
		turns(1);
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (r <= 0)
			continue;
		len += (size_t)r;
		buf[len] = '\0';
		for (got = 0, k = 0, p = buf; (p = strstr(p, "HTTP/1.1 ")) !=
		    NULL; p++, k++)
			got++;
	}
}

static bool
no_session(void *arg)
{
	(void)arg;
	return w->live == NULL;
}

/* ---- tunnels, played by the test's client and backend ---- */

/* Reads from <fd> (running the loop meanwhile) until <want> came. */
static void
expect(int fd, const char *want)
{
	char		 buf[4096];
	size_t		 len = 0;
	uint64_t	 until = clock_update() + 3000;
	ssize_t		 r;

	buf[0] = '\0';
	while (strstr(buf, want) == NULL) {
		ck_assert_msg(clock_now_ms() < until, "waited for \"%s\", "
		    "got \"%s\"", want, buf);
		turns(1);
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (r > 0) {
			len += (size_t)r;
			buf[len] = '\0';
		}
	}
}

/*
 * Reads from <fd> until its peer closed: 0 when with a FIN, -1 when the
 * connection was reset.
 */
static int
expect_end(int fd)
{
	char		 buf[256];
	uint64_t	 until = clock_update() + 3000;
	ssize_t		 r;

	for (;;) {
		ck_assert_msg(clock_now_ms() < until, "the peer did not close");
		turns(1);
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0)
			return 0;
		if (r == -1 && errno == ECONNRESET)
			return -1;
	}
}

/* Closes <fd> with a reset. */
static void
reset(int fd)
{
	struct linger	lg = { .l_onoff = 1, .l_linger = 0 };

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	close(fd);
}

/*
 * A client of service "ws" whose WebSocket handshake the test's backend
 * answers with 101 and a first byte string: the client's socket in *<cfd>
 * (101 and "first" read), the backend's in *<bfd>.
 */
static void
open_tunnel(int *cfd, int *bfd)
{
	char	head[1024];

	new_client("ws", cfd);
	send_str(*cfd, "GET /chat HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, "
	    "keep-alive\r\nUpgrade: foo, websocket\r\nKeep-Alive: 5\r\n\r\n");
	*bfd = backend_accept();
	backend_read_head(*bfd, NULL, head, sizeof(head));
	ck_assert_msg(strstr(head, "\r\nUpgrade: websocket\r\n"
	    "Connection: upgrade\r\n") != NULL &&
	    strstr(head, "Keep-Alive") == NULL, "%s", head);
	backend_write(*bfd, NULL, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\nfirst");
	expect(*cfd, "first");
}

static bool
no_tunnel(void *arg)
{
	(void)arg;
	return w->live_tunnels == NULL && w->nactive == 0;
}

START_TEST(client_session_and_front_end_walk_every_transition)
{
	static const char get[] = "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n";
	SSL	*ssl;
	int	 cfd, s, ev, b, rv;

	/* IDLE -> REQUEST -> IDLE; IDLE -> HEAD -> REQUEST -> HEAD
	   (pipelined) -> REQUEST -> DONE, and the session OPEN -> LINGER
	   -> CLOSED. */
	new_client("files", &cfd);
	send_str(cfd, get);
	read_answers(cfd, 1);
	send_str(cfd, "GET /a.txt HTTP/1.1\r\nHo");
	turns(3);
	send_str(cfd, "st: t\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n");
	read_answers(cfd, 2);
	turns(3);
	close(cfd);
	spin(no_session, NULL, "the lingering session closed");

	/* IDLE -> DONE and OPEN -> CLOSED: the client leaves. */
	new_client("files", &cfd);
	turns(2);
	close(cfd);
	spin(no_session, NULL, "an idle session closed");

	/* HEAD -> DONE: it leaves in the middle of a head. */
	new_client("files", &cfd);
	send_str(cfd, "GET /a.txt HT");
	turns(3);
	close(cfd);
	spin(no_session, NULL, "a half-head session closed");

	/* TLS -> OPEN, then the client leaves. */
	new_client("tlsfiles", &cfd);
	ck_assert_int_eq(fcntl(cfd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_ptr_nonnull(ssl = SSL_new(client_ctx));
	SSL_set_fd(ssl, cfd);
	while ((rv = SSL_connect(ssl)) != 1) {
		rv = SSL_get_error(ssl, rv);
		ck_assert_msg(rv == SSL_ERROR_WANT_READ ||
		    rv == SSL_ERROR_WANT_WRITE, "client TLS connect: %d", rv);
		turns(1);
	}
	turns(2);
	SSL_free(ssl);
	close(cfd);
	spin(no_session, NULL, "a TLS session closed");

	/* OPEN -> CLOSED, the connection handed to a tunnel, which the
	   backend then ends. */
	{
		int	bfd;

		open_tunnel(&cfd, &bfd);
		close(bfd);
		ck_assert_int_eq(expect_end(cfd), 0);
		close(cfd);
		spin(no_tunnel, NULL, "a tunnel ended by its backend");
	}

	/* TLS -> CLOSED: not TLS at all. */
	new_client("tlsfiles", &cfd);
	send_str(cfd, get);
	spin(no_session, NULL, "a failed TLS handshake");
	close(cfd);

	turns(3);
	ck_assert_uint_eq(refused, 0);
	for (s = 0; s < CLIENT_STATE_COUNT; s++)
		for (ev = 0; ev < CLIENT_EV_COUNT; ev++) {
			b = client_next(s, ev) != CLIENT_STATE_COUNT;
			ck_assert_msg(!b || seen_c[s][ev] > 0, "client session: "
			    "declared but never walked: %s on %d",
			    client_state_name(s), ev);
		}
	for (s = 0; s < H1_FRONT_STATE_COUNT; s++)
		for (ev = 0; ev < H1_EV_COUNT; ev++) {
			b = h1_next(s, ev) != H1_FRONT_STATE_COUNT;
			ck_assert_msg(!b || seen_h[s][ev] > 0, "HTTP/1 front "
			    "end: declared but never walked: %s on %d",
			    h1_state_name(s), ev);
		}
}
END_TEST

/* ---- tunnels ---- */

START_TEST(tunnel_walks_every_transition)
{
	struct owner	 o;
	struct bconn	*bc;
	struct tunnel	*t;
	struct sock	 hs;
	struct buf	 none;
	int		 cfd, bfd, s, ev, b;

	/* JOINING -> OPEN -> HALF -> CLOSED: bytes both ways, the client
	   ends first (its FIN reaches the backend), then the backend. */
	open_tunnel(&cfd, &bfd);
	ck_assert_ptr_nonnull(w->live_tunnels);
	ck_assert_uint_eq(shm_service_tunnels(&shm, 0), 1);
	send_str(cfd, "up");
	expect(bfd, "up");
	ck_assert_int_eq(shutdown(cfd, SHUT_WR), 0);
	ck_assert_int_eq(expect_end(bfd), 0);
	backend_write(bfd, NULL, "down");
	expect(cfd, "down");
	close(bfd);
	ck_assert_int_eq(expect_end(cfd), 0);
	close(cfd);
	spin(no_tunnel, NULL, "a tunnel ended by both sides");

	/* OPEN -> CLOSED: nothing moves for tunnel_idle_timeout_ms. */
	open_tunnel(&cfd, &bfd);
	ck_assert_int_eq(expect_end(cfd), 0);
	ck_assert_int_eq(expect_end(bfd), 0);
	close(cfd);
	close(bfd);
	spin(no_tunnel, NULL, "an idle tunnel closed");

	/* HALF -> CLOSED: the client has ended, then the backend resets:
	   the client sees the reset. */
	open_tunnel(&cfd, &bfd);
	ck_assert_int_eq(shutdown(cfd, SHUT_WR), 0);
	ck_assert_int_eq(expect_end(bfd), 0);
	reset(bfd);
	ck_assert_int_eq(expect_end(cfd), -1);
	close(cfd);
	spin(no_tunnel, NULL, "a reset tunnel closed");

	/* JOINING -> CLOSED: given a backend, discarded before a client. */
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(bc = upstream_connect(w, backend_of("plain"),
	    &owner_ops, &o));
	bfd = backend_accept();
	spin(is_ready, &o, "a connection for a tunnel");
	ck_assert_ptr_nonnull(t = tunnel_new(w, &cfg->services[0]));
	upstream_hand_over(bc, &hs);
	memset(&none, 0, sizeof(none));
	tunnel_take_backend(t, &hs, &none, &w->body_pool,
	    backend_of("plain"));
	tunnel_discard(t);
	ck_assert_int_eq(expect_end(bfd), -1);
	close(bfd);
	spin(no_tunnel, NULL, "a discarded tunnel released");

	turns(3);
	ck_assert_uint_eq(refused, 0);
	ck_assert_uint_eq(shm_service_tunnels(&shm, 0), 0);
	ck_assert_uint_eq(shm_service_active(&shm, 0), 0);
	ck_assert_uint_eq(shm_backend_active(&shm, backend_of("plain")), 0);
	ck_assert_uint_eq(shm.services[0].tunnels, 3);
	for (s = 0; s < TUNNEL_STATE_COUNT; s++)
		for (ev = 0; ev < TUNNEL_EV_COUNT; ev++) {
			b = tunnel_next(s, ev) != TUNNEL_STATE_COUNT;
			ck_assert_msg(!b || seen_t[s][ev] > 0, "tunnel: declared "
			    "but never walked: %s on %d", tunnel_state_name(s),
			    ev);
		}
}
END_TEST

/* ---- an HTTP/2 client, frame by frame ---- */

static void
h2_frame(int fd, int type, int flags, int stream, const char *p, size_t n)
{
	unsigned char	hd[9] = { (unsigned char)(n >> 16),
			    (unsigned char)(n >> 8), (unsigned char)n,
			    (unsigned char)type, (unsigned char)flags,
			    (unsigned char)(stream >> 24),
			    (unsigned char)(stream >> 16),
			    (unsigned char)(stream >> 8), (unsigned char)stream };

	ck_assert_int_eq(write(fd, hd, 9), 9);
	if (n > 0)
		ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
}

/* A literal field without indexing (RFC 7541 6.2.2), short strings. */
static size_t
h2_literal(char *out, const char *name, const char *value)
{
	size_t	nl = strlen(name), vl = strlen(value);

	out[0] = 0;
	out[1] = (char)nl;
	memcpy(out + 2, name, nl);
	out[2 + nl] = (char)vl;
	memcpy(out + 3 + nl, value, vl);
	return 3 + nl + vl;
}

/* The preface, SETTINGS, and a GET /a.txt on stream 1. */
static void
h2_get(int fd)
{
	static const char	preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	char			block[256];
	size_t			n = 0;

	ck_assert_int_eq(write(fd, preface, sizeof(preface) - 1),
	    (ssize_t)sizeof(preface) - 1);
	h2_frame(fd, 4, 0, 0, NULL, 0);
	n += h2_literal(block + n, ":method", "GET");
	n += h2_literal(block + n, ":scheme", "http");
	n += h2_literal(block + n, ":authority", "t");
	n += h2_literal(block + n, ":path", "/a.txt");
	h2_frame(fd, 1, 0x5, 1, block, n);
}

/*
 * Reads what came and answers its PINGs (ACK), as a client does.  True
 * when a GOAWAY was among it.
 */
static bool
h2_read(int fd)
{
	static unsigned char	buf[65536];
	static size_t		len;
	size_t			 flen;
	ssize_t			 r;
	bool			 goaway = false;

	while ((r = recv(fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT)) >
	    0)
		len += (size_t)r;
	while (len >= 9 && len >= 9 + (flen = (size_t)buf[0] << 16 |
	    (size_t)buf[1] << 8 | buf[2])) {
		if (buf[3] == 6 && !(buf[4] & 1))
			h2_frame(fd, 6, 1, 0, (const char *)buf + 9, flen);
		goaway |= buf[3] == 7;
		memmove(buf, buf + 9 + flen, len - 9 - flen);
		len -= 9 + flen;
	}
	if (r == 0)
		len = 0;
	return goaway;
}

static bool
h2_goaway_came(void *arg)
{
	return h2_read(*(int *)arg);
}

START_TEST(http2_connection_walks_every_transition)
{
	int	cfd, s, ev, b;

	/* OPEN -> GOAWAY -> DONE: idle past client_idle_timeout_ms. */
	new_client("h2files", &cfd);
	h2_get(cfd);
	spin(h2_goaway_came, &cfd, "the idle connection's GOAWAY");
	spin(no_session, NULL, "the idle HTTP/2 connection closed");
	close(cfd);

	/* OPEN -> NOTICE -> GOAWAY -> DONE: the worker drains; the client
	   answers the PING, the final GOAWAY follows, the connection ends
	   with no stream in flight. */
	new_client("h2files", &cfd);
	h2_get(cfd);
	turns(5);
	(void)h2_read(cfd);
	client_drain_all(w);
	spin(h2_goaway_came, &cfd, "the shutdown notice");
	spin(no_session, NULL, "the drained HTTP/2 connection closed");
	close(cfd);

	/* NOTICE -> DONE: the client leaves before it answers. */
	new_client("h2files", &cfd);
	h2_get(cfd);
	turns(5);
	client_drain_all(w);
	turns(2);
	close(cfd);
	spin(no_session, NULL, "a draining HTTP/2 connection closed");

	/* OPEN -> DONE: the client leaves. */
	new_client("h2files", &cfd);
	h2_get(cfd);
	turns(5);
	close(cfd);
	spin(no_session, NULL, "an HTTP/2 connection closed by its client");

	turns(3);
	ck_assert_uint_eq(refused, 0);
	for (s = 0; s < H2_CONN_STATE_COUNT; s++)
		for (ev = 0; ev < H2_EV_COUNT; ev++) {
			b = h2_next(s, ev) != H2_CONN_STATE_COUNT;
			ck_assert_msg(!b || seen_h2[s][ev] > 0, "HTTP/2 "
			    "connection: declared but never walked: %s on %d",
			    h2_state_name(s), ev);
		}
}
END_TEST

static Suite *
machines_suite(void)
{
	Suite	*s = suite_create("machines");
	TCase	*tc;

	tc = tcase_create("tables");
	tcase_add_test(tc, tables_reach_every_state_and_end);
	suite_add_tcase(s, tc);
	tc = tcase_create("walks");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, backend_connection_walks_every_transition);
	tcase_add_test(tc, client_session_and_front_end_walk_every_transition);
	tcase_add_test(tc, tunnel_walks_every_transition);
	tcase_add_test(tc, http2_connection_walks_every_transition);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(machines_suite());
	int	 failed;

	/* A peer that vanishes mid-write must cost a connection, not us. */
	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
