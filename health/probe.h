/*
 * One HTTP health probe as a state machine: non-blocking connect, send a
 * GET, read until the response head is complete, then a verdict and a
 * reason an operator can act on.  Scheduling, deadlines and what a verdict
 * does to the backend's state are health.c's business.
 */
#ifndef WEIR_HEALTH_PROBE_H
#define WEIR_HEALTH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr;
struct health_conf;

/* Longest response head a probe reads; a longer one is invalid. */
#define PROBE_MAX_HEAD		16384
/* Room for a detail string, NUL included: that of shm_backend. */
#define PROBE_DETAIL_MAX	96

enum probe_result {
	PROBE_OK = 0,		/* the status matched "expect" */
	PROBE_CONNECT_REFUSED,	/* nothing listens: RST to our SYN */
	PROBE_CONNECT_FAILED,	/* any other connect error */
	PROBE_TIMEOUT,		/* no verdict within timeout_ms */
	PROBE_RESET,		/* closed or reset before a response head */
	PROBE_BAD_RESPONSE,	/* bytes that are not an HTTP/1 response */
	PROBE_BAD_STATUS,	/* a response, but not an expected status */
	PROBE_RESULT_COUNT
};

enum probe_state {
	PROBE_IDLE = 0,		/* no socket: between two checks */
	PROBE_CONNECTING,	/* connect() in progress */
	PROBE_SENDING,		/* writing the request */
	PROBE_READING,		/* waiting for a complete response head */
	PROBE_STATE_COUNT
};

struct probe_outcome {
	enum probe_result	result;
	int			status;	/* HTTP status seen, 0 if none */
	char			detail[PROBE_DETAIL_MAX];
};

struct probe {
	const struct health_conf *hc;	/* borrowed from the config */
	const struct addr	*addr;	/* borrowed from the config */
	char			*req;	/* owned: the request, built once */
	size_t			 req_len;
	size_t			 req_sent;
	int			 fd;	/* -1 unless running */
	enum probe_state	 state;
	uint64_t		 started_ms;
	size_t			 resp_len;
	char			 resp[PROBE_MAX_HEAD];
	struct probe_outcome	 out;	/* valid once a probe has ended */
};

/*
 * Prepares <p> to probe <a> as <hc> says, building the request once.
 * <hc> and <a> must outlive <p>.  Returns 0, or -1 when out of memory.
 */
int	probe_init(struct probe *p, const struct health_conf *hc,
	    const struct addr *a);

/* Closes a running probe's socket and frees the request.  NULL-safe. */
void	probe_free(struct probe *p);

/*
 * Starts a probe at <now_ms> on an idle <p>.  Returns true while it runs:
 * the caller watches p->fd, edge-triggered, for EPOLLIN | EPOLLOUT and
 * calls probe_run() on every event.  Returns false when it has already
 * ended (connect refused at once, no socket): p->out holds the verdict.
 */
bool	probe_start(struct probe *p, uint64_t now_ms);

/*
 * Advances a running <p> after the epoll <events> on its socket, as far as
 * it can go without blocking.  Returns true while it still runs, false once
 * it has ended: the socket is closed (which also leaves the epoll set) and
 * p->out holds the verdict.
 */
bool	probe_run(struct probe *p, uint32_t events);

/*
 * Ends a running <p> whose timeout_ms has passed: PROBE_TIMEOUT, with the
 * step it was stuck in as the detail.  The socket is closed.
 */
void	probe_expire(struct probe *p);

/* Ends a running <p> without a verdict (shutdown).  Harmless when idle. */
void	probe_abort(struct probe *p);

/*
 * Judges the first <len> bytes a backend answered, <is_eof> when it has
 * closed after them.  Returns false when no verdict is possible yet (the
 * head is incomplete and more may come); otherwise true with <*o> filled:
 * PROBE_OK or PROBE_BAD_STATUS for a complete head (interim 1xx heads are
 * skipped), PROBE_BAD_RESPONSE for an invalid or truncated one or a head
 * over PROBE_MAX_HEAD bytes, PROBE_RESET for EOF before any byte.  No I/O.
 */
bool	probe_verdict(const struct health_conf *hc, const char *buf,
	    size_t len, bool is_eof, struct probe_outcome *o);

/* True when <status> is one <hc> expects ("2xx", or a listed code). */
bool	probe_status_expected(const struct health_conf *hc, int status);

/* "ok", "connect refused", ... : the result's name, for logs. */
const char	*probe_result_str(enum probe_result r);

#endif
