/*
 * Responses weir answers itself (400 ... 504, redirects, OPTIONS and TRACE
 * as the final recipient), as response heads for the front end to send:
 * a short plain body that says what happened (common/http_status.c).
 */
#ifndef WEIR_WORKER_RESPOND_H
#define WEIR_WORKER_RESPOND_H

#include <stdbool.h>

#include "common/buf.h"
#include "worker/resp.h"

struct h1_msg;

/*
 * Starts <h> as weir's answer <status> with its text (only announced
 * for HEAD).  <via>, when not NULL, is sent as "Via: 1.1 <via>".
 */
void	respond_local(struct resp_head *h, int status, bool is_head,
	    const char *via);

/* A redirect (301 or 308) to <location>, its body naming it. */
void	respond_redirect(struct resp_head *h, int status,
	    const char *location, bool is_head, const char *via);

/* OPTIONS with Max-Forwards: 0 (RFC 9110 7.6.2): 200 and Allow. */
void	respond_options(struct resp_head *h, const char *via);

/*
 * TRACE with Max-Forwards: 0: 200 with the received head <m> reflected as
 * message/http (RFC 9110 9.3.8), minus fields likely to be secret.  The
 * body is written to <body>, which must outlive the send.  0, or -1 when
 * it does not fit.
 */
int	respond_trace(struct resp_head *h, const struct h1_msg *m,
	    const char *via, struct buf *body);

/* A complete "503, no free connection slot" answer, for accept. */
extern const char	respond_503_full[];

#endif
