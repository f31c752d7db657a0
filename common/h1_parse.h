/*
 * Resumable HTTP/1.x head parser for requests and responses (RFC 9112).
 * No I/O and no allocation: results are slices into the caller's buffer,
 * valid while those bytes stay where they are.  Strict where RFC 9112 makes
 * leniency a smuggling risk; framing (Content-Length / Transfer-Encoding) is
 * derived here so that every caller agrees on where a message ends.
 */
#ifndef WEIR_COMMON_H1_PARSE_H
#define WEIR_COMMON_H1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H1_MAX_HEADERS	128

enum h1_result {
	H1_DONE = 0,	/* a complete head was parsed */
	H1_AGAIN,	/* need more bytes; call again with the longer buffer */
	H1_BAD,		/* invalid: ->status and ->why say what */
};

struct h1_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* leading/trailing OWS stripped */
	size_t		 value_len;
};

enum h1_framing {
	H1_FRAME_NONE = 0,	/* no body (request without CL/TE) */
	H1_FRAME_LENGTH,	/* Content-Length: ->content_length bytes */
	H1_FRAME_CHUNKED,	/* Transfer-Encoding ends in chunked */
	H1_FRAME_CLOSE,		/* response read until the backend closes */
};

struct h1_msg {
	/* request line */
	const char	*method;
	size_t		 method_len;
	const char	*target;
	size_t		 target_len;
	/* status line */
	int		 status;
	const char	*reason;
	size_t		 reason_len;

	int		 version_minor;	/* 0 or 1: HTTP/1.2 and up read as 1 */
	struct h1_header headers[H1_MAX_HEADERS];
	size_t		 nheaders;
	size_t		 head_len;	/* bytes up to and including the
					   blank line */

	/* derived from the headers */
	enum h1_framing	 framing;
	uint64_t	 content_length;
	bool		 has_connection_close;	/* Connection: close */
	bool		 has_connection_keepalive; /* Connection: keep-alive */
	bool		 has_expect_continue;	/* Expect: 100-continue */
	bool		 has_upgrade;		/* Connection: upgrade */
	const char	*host;		/* Host value, NULL if absent */
	size_t		 host_len;
	int64_t		 max_forwards;	/* OPTIONS and TRACE: the
					   Max-Forwards value, -1 if absent */

	/* set on H1_BAD */
	int		 error_status;	/* 400, 431, 501, 505; 502 for responses */
	const char	*why;		/* static, for the log */

	/* resume state: private to the parser */
	size_t		 scanned;
	size_t		 line_end;	/* past the start line's LF, 0 = not
					   seen yet */
	bool		 is_line_checked;
};

/* Prepares <m> for a new message.  Must be called before the first parse. */
void	h1_msg_reset(struct h1_msg *m);

/*
 * Where a parse that returned H1_AGAIN left off: all a connection keeps
 * between reads while the h1_msg itself (with its header array) lives in
 * per-process scratch.  Saved after a parse, loaded into a freshly reset
 * message before the next one over the same (longer) bytes.
 */
struct h1_resume {
	uint32_t	scanned;
	uint32_t	line_end;
	bool		is_line_checked;
};

static inline void
h1_resume_save(const struct h1_msg *m, struct h1_resume *r)
{
	r->scanned = (uint32_t)m->scanned;
	r->line_end = (uint32_t)m->line_end;
	r->is_line_checked = m->is_line_checked;
}

static inline void
h1_resume_load(struct h1_msg *m, const struct h1_resume *r)
{
	m->scanned = r->scanned;
	m->line_end = r->line_end;
	m->is_line_checked = r->is_line_checked;
}

/*
 * Parses a request head from <buf>[0..<len>), which starts at the first
 * byte of the message (leading empty lines, which RFC 9112 2.2 lets a server
 * ignore, are skipped and counted in head_len).  Call again with the same
 * <buf> and a larger <len> after H1_AGAIN: work already done is not redone.
 * A head longer than <max_head> bytes is H1_BAD with error_status 431.
 *
 * Rejected with 400 (connection must close): bare CR, obs-fold, a space or
 * control character in a field name, a field name that is empty, a missing
 * Host in HTTP/1.1 or more than one Host, Content-Length with
 * Transfer-Encoding, several Content-Lengths that differ or are not all
 * digits, a Transfer-Encoding whose last coding is not chunked or that
 * repeats chunked, a malformed request line or version, an OPTIONS or
 * TRACE whose Max-Forwards is not one decimal number.  More than
 * H1_MAX_HEADERS fields is 431.  Transfer-Encoding with a coding other
 * than chunked is 501.  A major version other than 1 is 505; HTTP/1.2 and
 * later minors are HTTP/1.1 (RFC 9110 2.5).  The request line is judged as
 * soon as it is complete, so a bad one is H1_BAD without waiting for the
 * rest of the head.
 */
enum h1_result	h1_parse_request(struct h1_msg *m, const char *buf, size_t len,
		    size_t max_head);

/*
 * Same for a response head.  <is_head_request> makes the framing NONE (a
 * response to HEAD has no body), as do 1xx, 204 and 304.  An invalid
 * response is H1_BAD with error_status 502.
 */
enum h1_result	h1_parse_response(struct h1_msg *m, const char *buf, size_t len,
		    size_t max_head, bool is_head_request);

/*
 * Case-insensitive field lookup: the first header named <name> in <m>, or
 * NULL.
 */
const struct h1_header	*h1_find_header(const struct h1_msg *m,
			    const char *name);

/* True when <a>[0..<alen>) equals the NUL-terminated <b>, ignoring case. */
bool	h1_token_eq(const char *a, size_t alen, const char *b);

/*
 * Calls <fn> once per comma-separated token of <value> (OWS trimmed, empty
 * elements skipped), as in Connection: a, b.  Stops early when <fn> returns
 * false.
 */
void	h1_each_token(const char *value, size_t len,
	    bool (*fn)(const char *tok, size_t toklen, void *arg), void *arg);

#endif
