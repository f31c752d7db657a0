/*
 * Builds the heads weir forwards: the request head for the backend and the
 * response head for the client, from parsed messages.  Hop-by-hop fields go
 * (RFC 9110 7.6.1), framing fields are re-emitted from the parsed framing
 * so that both ends agree on where a message stops, and X-Forwarded-For,
 * X-Forwarded-Proto and Via are added.  Forwarding fields a client could
 * forge (Forwarded, X-Real-IP, ...) pass only from trusted_proxies, and
 * their '_' spellings never.  The request's X-Request-Id replaces any the
 * client sent (the request decides whether to keep a trusted proxy's).
 */
#ifndef WEIR_WORKER_REWRITE_H
#define WEIR_WORKER_REWRITE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/h1_parse.h"
#include "worker/resp.h"

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
	const char			*request_id;	/* replaces any
							   X-Request-Id; NULL:
							   passed as is */
	uint32_t			 upgrade;	/* rewrite_upgrade_offer() */
	const char			*local_authority;	/* the address
					   the client reached, for a request
					   that names no host; NULL */
};

/* True when <peer> is in <svc>'s trusted_proxies. */
bool	rewrite_is_trusted(const struct service_conf *svc,
	    const struct sockaddr *peer);

/*
 * Which of <svc>'s "upgrade" protocols request <m> asks to switch to: bit
 * i for svc->upgrade[i], 0 for none.  Only an HTTP/1.1 request without a
 * body whose Connection names "upgrade" asks (RFC 9110 7.8); one with a
 * body is forwarded without Upgrade, so that the protocol never changes
 * in the middle of a message.
 */
uint32_t	rewrite_upgrade_offer(const struct h1_msg *m,
		    const struct service_conf *svc);

/*
 * The protocol a backend's 101 <m> switches to: its Upgrade value in
 * *<proto> (a slice of <m>), when it is one token and one of <offer> (of
 * <svc>'s list).  0, or -1 when the 101 was not asked for.
 */
int	rewrite_upgrade_answer(const struct h1_msg *m,
	    const struct service_conf *svc, uint32_t offer, const char **proto,
	    size_t *len);

/*
 * Appends the backend request head for <r> to <out>; with <r>->upgrade,
 * keeping the Upgrade protocols offered (those of the service's list, in
 * the client's order) with Connection: upgrade, the only hop-by-hop
 * fields that cross.  Returns 0, or -1 when it does not fit (the caller
 * answers 431).
 */
int	rewrite_request(struct buf *out, const struct rewrite_req *r);

struct rewrite_resp {
	const struct h1_msg		*msg;	/* the backend's head */
	const struct service_conf	*svc;
	unsigned			 hsts_max_age;	/* 0 = no HSTS */
};

/*
 * Fills <h> with the client's response head for the backend's head:
 * end-to-end fields as received (hop-by-hop ones and those the backend
 * nominated in Connection removed), Via, HSTS, and the framing, which the
 * front end writes in its own protocol.
 */
void	rewrite_response(struct resp_head *h, const struct rewrite_resp *r);

/* Same for an interim (1xx) head: its end-to-end fields only. */
void	rewrite_interim(struct resp_head *h, const struct h1_msg *m);

#endif
