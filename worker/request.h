/*
 * A request, from its parsed head to the end of its response: limits,
 * https redirects, Max-Forwards, routing to a pool, a web_server service
 * or a local answer, the head rewritten for a backend, stats and the
 * access-log line.  A front end starts it and hears of its end through
 * its own operations (worker/front.h); the request answers only through
 * them.  Requests come from a slot array touched only when used, exist
 * only while a request is in progress, and keep only what they need once
 * the head has been examined (the parsed head itself is per-worker
 * scratch).
 */
#ifndef WEIR_WORKER_REQUEST_H
#define WEIR_WORKER_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "common/h1_body.h"
#include "common/h1_parse.h"
#include "common/timer.h"
#include "worker/accesslog.h"
#include "worker/end.h"
#include "worker/proxy.h"

struct worker;
struct front_ops;
struct service_conf;
struct route_conf;
struct backend_pin;

enum request_kind {
	REQ_LOCAL = 0,		/* weir answers itself */
	REQ_STATIC,		/* a web_server service answers from files,
				   a stats service from a memfd */
	REQ_PROXY,		/* a backend answers */
};

struct request {
	struct worker		*w;
	const struct front_ops	*fe;		/* who carries it */
	void			*fe_ctx;	/* the front end's own handle */
	const struct service_conf *svc;		/* borrowed from the config */
	const struct sockaddr	*peer;		/* borrowed from the session */
	struct backend_pin	*pin;		/* borrowed from the session,
						   set by its front end; NULL:
						   no affinity to a draining
						   backend */
	struct request		*next;		/* free or ended list */
	enum request_kind	 kind;
	bool			 is_tls;
	bool			 is_head;	/* method HEAD */
	bool			 is_ended;	/* request_end() ran */
	bool			 is_upgraded;	/* a tunnel writes its log line */
	bool			 is_accounted;	/* counted and logged */
	bool			 resp_dechunk;	/* set by the front end */
	struct h1_body		 resp_count;	/* the front end's: scans the
						   chunked framing it sends,
						   so the log counts payload */
	bool			 must_switch;	/* set by the front end: only
						   a 101 gives the client what
						   it asked for (RFC 8441) */
	int			 status_hint;	/* a bad body: 400 or 413 */
	char			 local_authority[64];	/* set by the front end
					   for a request without a host: the
					   address the client reached */
	enum end_reason		 end;
	struct access_record	 rec;		/* the log line */

	/* the answer from a file (REQ_STATIC) */
	int			 sfd;		/* -1 = none */
	off_t			 soff;
	uint64_t		 sleft;
	struct timer		 timer;		/* sending stalled */

	/* the answer from a backend (REQ_PROXY) */
	struct proxy		 px;
};

/* Sets up <n> request slots (touched only when used).  0 or -1. */
int	request_pool_init(struct worker *w, size_t n);
void	request_pool_free(struct worker *w);

/*
 * A new request of service <svc> on a connection from <peer> (borrowed:
 * it outlives the request), carried by front end <fe> with its handle
 * <fe_ctx>, whose first byte came at <t_start_us>.  NULL when no slot is
 * left (the front end closes the connection).
 */
struct request	*request_new(struct worker *w, const struct front_ops *fe,
		    void *fe_ctx, const struct service_conf *svc,
		    const struct sockaddr *peer, bool is_tls,
		    uint64_t t_start_us);

/*
 * The head <m> was parsed (HTTP/1.<minor>): examine, route and answer.
 * <m> and its slices are valid only during this call.
 */
void	request_start(struct request *r, const struct h1_msg *m);

/*
 * What the front end knows of the request beyond its head, for the log:
 * the first line of what came when the head was refused (<len> bytes at
 * <p>, copied, before request_reject()), and the client connection's TLS
 * version (static text) and server name (copied; NULL for none).
 */
void	request_note_received(struct request *r, const char *p, size_t len);
void	request_note_tls(struct request *r, const char *version,
	    const char *sni);

/*
 * The head could not be parsed: answer <status> (the front end closes
 * after it).  <why> is for the log.
 */
void	request_reject(struct request *r, int status, const char *why);

/*
 * The client is writable or readable again (the front end flushed what it
 * held, or read more of the body).
 */
void	request_client_io(struct request *r);

/*
 * Counts the request in the segment and writes its log line, once: when
 * its response is all in the front end's hands (so the counters move
 * before the client can read the last byte), or when it ends cut short.
 */
void	request_account(struct request *r, bool is_cut);

/*
 * The request is over: its response complete (<is_cut> false) or not.
 * Writes the log line and counts it, releases what it holds, and frees it
 * at the end of the loop turn.  Called by the front end only, once.
 */
void	request_end(struct request *r, bool is_cut);

/*
 * The request's 101 went out and its connection is a tunnel's now: ended
 * as a complete response, but its log line is the tunnel's, written when
 * the tunnel ends.  Called by the front end only, once.
 */
void	request_end_upgraded(struct request *r);

#endif
