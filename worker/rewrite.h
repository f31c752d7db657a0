/*
 * Builds the heads weir forwards: the request head for the backend and the
 * response head for the client, from parsed messages.  Hop-by-hop fields go
 * (RFC 9110 7.6.1), framing fields are re-emitted from the parsed framing
 * so that both ends agree on where a message stops, and X-Forwarded-For,
 * X-Forwarded-Proto and Via are added.  Forwarding fields a client could
 * forge (Forwarded, X-Real-IP, ...) pass only from trusted_proxies, and
 * their '_' spellings never.
 */
#ifndef WEIR_WORKER_REWRITE_H
#define WEIR_WORKER_REWRITE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/h1_parse.h"

struct service_conf;

/*
 * Splits an absolute-form target "http://authority/path?q" into the
 * authority and the rest (which may be empty).  False for other forms.
 */
bool	rewrite_split_absolute(const char *t, size_t len, const char **auth,
	    size_t *alen, const char **path, size_t *plen);

struct rewrite_req {
	const struct h1_msg		*msg;
	const struct service_conf	*svc;
	const struct sockaddr		*peer;
	const char			*peer_text;	/* client host */
	bool				 is_tls;
	bool				 keep_backend;	/* ask for keep-alive */
};

/*
 * Appends the backend request head for <r> to <out>.  Returns 0, or -1 when
 * it does not fit (the caller answers 431).
 */
int	rewrite_request(struct buf *out, const struct rewrite_req *r);

struct rewrite_resp {
	const struct h1_msg		*msg;
	const struct service_conf	*svc;
	bool				 keep_client;	/* connection stays */
	bool				 client_is_10;
	bool				 dechunk;	/* body sent unchunked */
	unsigned			 hsts_max_age;	/* 0 = no HSTS */
};

/* Appends the client response head for <r> to <out>.  0, or -1 (no room). */
int	rewrite_response(struct buf *out, const struct rewrite_resp *r);

/* Appends an interim (1xx) response head as received, minus hop-by-hop. */
int	rewrite_interim(struct buf *out, const struct h1_msg *m);

#endif
