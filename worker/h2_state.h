/*
 * The HTTP/2 front end's state: one struct h2_conn per client session
 * that speaks HTTP/2 (the session points at it), one struct h2_stream per
 * stream that carries a request, and struct h2_worker, what every HTTP/2
 * connection of a worker shares.  Data only: worker/h2_server.c reads and
 * writes it.  Framing, HPACK, stream states and flow control are
 * libnghttp2's; what is here is weir's side of each stream (its request,
 * the request body framed for a backend, the response body in flight).
 */
#ifndef WEIR_WORKER_H2_STATE_H
#define WEIR_WORKER_H2_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include "common/buf.h"
#include "common/bufpool.h"
#include "common/h1_parse.h"
#include "common/loop.h"

struct client;
struct request;
struct h2_conn;
struct tunnel;
struct tunnel_end;

/*
 * The connection's own states, beside nghttp2's per stream.  The
 * transitions are the table at the top of h2_server.c.
 */
enum h2_conn_state {
	H2_CONN_OPEN = 0,	/* streams come and go */
	H2_CONN_NOTICE,		/* draining: GOAWAY(2^31-1) sent, the final
				   GOAWAY follows a PING round trip */
	H2_CONN_GOAWAY,		/* final GOAWAY sent: the streams in flight
				   finish, no new one starts */
	H2_CONN_DONE,		/* the connection is being closed */
	H2_CONN_STATE_COUNT
};

enum h2_conn_event {
	H2_EV_DRAIN = 0,	/* the worker stops: announce it */
	H2_EV_GOAWAY,		/* the final GOAWAY (drain, idle, or a
				   flood: ENHANCE_YOUR_CALM) */
	H2_EV_END,		/* nothing left to read or write, or failed */
	H2_EV_COUNT
};

struct h2_stream {
	struct h2_conn		*conn;
	struct request		*req;		/* NULL until started, or when
						   none could be */
	struct h2_stream	*next;		/* the connection's streams */
	struct h2_stream	*prev;
	struct h2_stream	*wake_next;	/* the wake list */
	struct h2_stream	*end_next;	/* the ended list */
	int32_t			 id;
	uint32_t		 close_error;	/* nghttp2's, once closed */
	uint64_t		 t_start_us;	/* its HEADERS began */

	/*
	 * The request body: raw DATA payload at the tail of <body>, and at
	 * its head <fwd> bytes framed for the backend (a canonical chunk:
	 * <fwd_hdr> bytes of chunk-size line, <fwd_data> of payload, then
	 * the CRLF and maybe the last chunk).  Taken from the worker's
	 * window-sized pool only while it holds bytes.
	 */
	struct buf		 body;
	size_t			 fwd;
	size_t			 fwd_hdr;
	size_t			 fwd_data;
	enum h1_framing		 req_framing;
	uint64_t		 req_total;	/* payload bytes received */
	bool			 is_req_done;	/* END_STREAM received */
	bool			 is_last_framed;	/* "0\r\n\r\n" written */

	/* the response */
	bool			 has_head;	/* final head submitted */
	bool			 has_data;	/* with a body to come */
	bool			 has_length;	/* announced content-length */
	uint64_t		 resp_left;	/* of it, still to send */
	struct buf		 own;		/* a short body weir wrote */
	const char		*tx_p;		/* body bytes offered, valid */
	size_t			 tx_n;		/* only during send_body() */
	size_t			 tx_taken;
	bool			 is_deferred;	/* nghttp2 waits for resume */
	bool			 is_out_blocked;	/* deferred for want of
						   room in the output */
	bool			 wants_write;	/* the request has more */
	bool			 is_woken;	/* on the wake list */
	bool			 is_finished;	/* finish() came */
	bool			 is_eos_sent;	/* END_STREAM went out */
	bool			 is_aborted;
	bool			 is_closed;	/* nghttp2 closed it */
	bool			 is_ending;	/* on the ended list */
	/*
	 * RFC 8441: an extended CONNECT, whose stream becomes a tunnel's
	 * client end once the backend answered 101 (pending_tunnel until
	 * drive() starts it, then tend until the tunnel lets it go).
	 */
	bool			 is_ext_connect;
	struct tunnel		*pending_tunnel;
	struct tunnel_end	*tend;
};

/* A header block being received: its fields, "name\0value\0" each. */
struct h2_block {
	struct h2_stream	*stream;
	struct buf		 fields;	/* pooled while a block is open */
	size_t			 nfields;
	size_t			 list_bytes;	/* as an HTTP/1 head would be */
	size_t			 wire_bytes;	/* HEADERS + CONTINUATION */
	unsigned		 ncontinuations;
	bool			 is_too_large;	/* over max_header_bytes */
	bool			 is_ext_connect;	/* :protocol came (RFC
						   8441): h2_head_msg() */
	char			 ws_key[32];	/* Sec-WebSocket-Key made for
						   the backend */
};

struct h2_conn {
	struct client		*c;		/* the session carrying it */
	nghttp2_session		*session;	/* owned */
	enum h2_conn_state	 state;
	struct h2_stream	*streams;	/* open ones */
	size_t			 nstreams;
	struct h2_stream	*wake;		/* requests to call again */
	struct h2_stream	*wake_tail;
	struct h2_stream	*ended;		/* closed, requests to end */
	size_t			 nout_blocked;
	struct h2_block		 block;
	bool			 in_nghttp2;	/* inside nghttp2: no send or
						   receive may start */
	bool			 is_failed;	/* close at the next turn */
	bool			 is_calm;	/* ENHANCE_YOUR_CALM sent */
	bool			 is_terminating;	/* the last GOAWAY queued:
						   closed after H2_DRAIN_MS */
	bool			 is_torn;	/* teardown() ran */

	uint64_t		 idle_since_ms;	/* its last stream ended */

	/* flood accounting, per second of the monotonic clock */
	uint64_t		 second;
	unsigned		 resets;
	unsigned		 control;

	struct loop_task	 kick_task;	/* drive() out of line */
	struct loop_task	 free_task;	/* released at the turn's end */
};

/* What a worker's HTTP/2 connections share; made with the first one. */
struct h2_worker {
	nghttp2_session_callbacks *callbacks;	/* owned */
	nghttp2_option		*option;	/* owned */
	struct bufpool		 body_pool;	/* one stream window each */
	struct h2_stream	*free_streams;
	nghttp2_nv		*nva;		/* owned: a response head */
	char			*names;		/* owned: its names, lower
						   case */
	size_t			 names_len;
	uint64_t		 log_second;	/* flood lines this second */
	unsigned		 nlogged;
	unsigned		 nskipped;
};

#endif
