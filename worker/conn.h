/*
 * One client connection and, while a request is in flight, the backend
 * connection serving it.  The state machine lives in conn.c; the transitions
 * are listed at the top of that file.
 */
#ifndef WEIR_WORKER_CONN_H
#define WEIR_WORKER_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/h1_body.h"
#include "common/h1_parse.h"
#include "common/min_rate.h"
#include "common/timer.h"
#include "worker/worker.h"

/* Body bytes buffered per direction; heads may use up to max_header_bytes. */
#define CONN_BUF_BYTES		16384
/* Room for the fields weir adds to a head (X-Forwarded-*, Via, ...). */
#define CONN_HEAD_EXTRA		1024
/* Retries are at most 16 (config), so this bounds the backends tried. */
#define CONN_MAX_TRIES		17

enum conn_state {
	CONN_TLS_ACCEPT = 0,	/* TLS handshake with the client */
	CONN_READ_HEAD,		/* waiting for a complete request head */
	CONN_CONNECT,		/* backend connect in progress */
	CONN_BACKEND_TLS,	/* TLS handshake with a new backend conn */
	CONN_VERIFY,		/* new backend conn answering OPTIONS * */
	CONN_SEND_HEAD,		/* rewritten request head to the backend */
	CONN_EXCHANGE,		/* request body up, response down */
	CONN_SEND_LOCAL,	/* a response weir wrote itself */
	CONN_LINGER,		/* final response sent, draining input */
	CONN_QUEUED,		/* every usable backend at max_conns */
	CONN_SEND_STATIC,	/* a web_server response: head, sendfile */
	CONN_STATE_COUNT
};

enum step {
	STEP_NEXT = 0,		/* state changed: run the new one */
	STEP_WAIT,		/* wait for I/O or a timer */
	STEP_CLOSE,		/* close the connection */
};

/* Why a connection or exchange ended, for the log. */
enum conn_end {
	END_NONE = 0,
	END_CLIENT_CLOSED,
	END_CLIENT_RESET,
	END_CLIENT_TIMEOUT,
	END_BAD_REQUEST,
	END_BACKEND_CONNECT,
	END_BACKEND_RESET,
	END_BACKEND_TIMEOUT,
	END_BACKEND_BAD,
	END_NO_BACKEND,
	END_DONE,
	END_SHUTDOWN,
};

struct conn {
	struct ev		 cev;		/* client socket events */
	struct worker		*w;
	struct conn		*next;		/* free or closing list */
	struct conn		*qnext;		/* pool queue, while QUEUED */
	enum conn_state		 state;
	bool			 in_use;
	bool			 is_closing;

	int			 cfd;
	struct ssl_st		*ssl;		/* owned; NULL = plain */
	struct sockaddr_storage	 peer;
	char			 peer_text[48];	/* host only */
	const struct service_conf *svc;		/* borrowed */
	struct timer		 timer;
	uint64_t		 deadline_ms;

	/* client side */
	struct buf		 in;		/* request bytes from the client */
	struct buf		 hdr;		/* a rewritten head on its way */
	bool			 c_readable;
	bool			 c_writable;
	bool			 c_eof;		/* client sent FIN */
	unsigned		 nrequests;

	/* the request in flight */
	struct h1_msg		 req;
	struct h1_body		 reqb;
	size_t			 req_fwd;	/* scanned body bytes not yet
						   written, at the head of in */
	bool			 has_request;	/* a request has begun */
	bool			 is_logged;	/* its log line is written */
	bool			 req_body_done;	/* all of it forwarded */
	bool			 req_scan_done;	/* its end was seen */
	bool			 keep_client;	/* persist after this one */
	struct min_rate		 body_pace;	/* the client's, while weir
						   waits for its body */
	bool			 has_interim;	/* a 1xx came back for it */
	bool			 is_head;
	bool			 client_is_10;
	bool			 is_cut;	/* closed before it ended */
	char			 method[16];
	char			 path[256];
	char			 referer[128];	/* for the combined log */
	char			 agent[128];
	uint64_t		 t_start_us;
	uint64_t		 t_backend_us;

	/* routing */
	const struct route_conf	*route;		/* borrowed; NULL = default */
	char			*npath;		/* normalized path, in hdr's
						   tail; valid until the
						   request head is built */
	size_t			 npath_len;
	uint64_t		 uri_key;	/* for balance "uri" */
	bool			 is_queue_ready;	/* dispatcher says try */
	bool			 was_queued;

	/* a web_server response */
	int			 sfd;		/* body source, -1 */
	off_t			 soff;
	uint64_t		 sleft;

	/* the backend side */
	const struct pool_conf	*pool;		/* borrowed */
	struct bconn		*bc;		/* the backend connection */
	int			 backend;	/* global index, -1 = none */
	bool			 b_reused;
	bool			 b_wrote;	/* a byte of this request went */
	bool			 b_readable;
	bool			 b_writable;
	uint32_t		 tried[CONN_MAX_TRIES];
	unsigned		 ntried;
	bool			 fresh_retry;	/* used the reuse-race retry */
	size_t			 hdr_off;	/* request head bytes written */

	/* the response */
	struct buf		 bin;		/* response bytes from backend */
	struct h1_msg		 resp;
	struct h1_body		 respb;
	size_t			 resp_fwd;	/* scanned body bytes to send */
	bool			 has_resp_head;	/* final head parsed, queued */
	bool			 hdr_is_resp;	/* hdr now holds response bytes */
	bool			 resp_scan_done;	/* its end was seen */
	bool			 resp_done;	/* and all of it went out */
	bool			 b_keep;	/* backend may be reused */
	bool			 resp_dechunk;	/* HTTP/1.0 client, chunked */
	bool			 b_eof;
	int			 status;
	uint64_t		 resp_bytes;	/* body bytes to the client */
	uint64_t		 req_bytes;	/* bytes to the backend */

	enum conn_end		 end;
};

/* Sets up a connection array of <n> slots for <w>.  0 or -1. */
int	conn_pool_init(struct worker *w, size_t n);
void	conn_pool_free(struct worker *w);

/*
 * Takes over accepted socket <fd> from <peer> for service <svc>.  When no
 * slot is free it answers 503 and closes <fd>.
 */
void	conn_accept(struct worker *w, int fd, const struct sockaddr *peer,
	    socklen_t peerlen, const struct service_conf *svc);

/*
 * Gives queued requests of every pool another chance at a backend whose
 * max_conns had been reached (a slot may have freed in any worker).
 */
void	conn_dispatch_queued(struct worker *w);

/* Epoll told us about <events> on one of <c>'s sockets. */
void	conn_event(struct conn *c, bool is_backend, uint32_t events);

/* Returns the slots of connections closed during this turn to the pool. */
void	conn_release_closed(struct worker *w);

/* QUIT: closes idle client connections; busy ones finish their request. */
void	conn_drain_idle(struct worker *w);

/* TERM: closes everything. */
void	conn_close_all(struct worker *w);

const char	*conn_end_str(enum conn_end e);

#endif
