/*
 * A response head as fields, independent of the HTTP version it goes out
 * in: whoever answers (the proxy from the backend's head, a web_server
 * reply, weir's own answers) builds one in per-worker scratch, and the
 * front end encodes it (HTTP/1 text today).
 */
#ifndef WEIR_WORKER_RESP_H
#define WEIR_WORKER_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/h1_parse.h"

/* Fields one response head may carry: a backend's plus what weir adds. */
#define RESP_MAX_FIELDS		(H1_MAX_HEADERS + 16)
/* Room for the values weir formats itself (dates, lengths, HSTS, ...). */
#define RESP_TEXT_BYTES		(3 * 4096 + 8192)

struct resp_field {
	const char	*name;
	size_t		 name_len;
	const char	*value;
	size_t		 value_len;
};

/*
 * A response head, as built by whoever answers (the proxy from the
 * backend's head, a web_server reply, weir's own answers) in per-worker
 * scratch.  Its slices stay valid only until send_head() returns: the
 * front end encodes it at once.  Connection management and body framing
 * are not among the fields; the front end derives them from <framing>,
 * <length> and <must_close>.
 */
struct resp_head {
	int		 status;
	const char	*reason;	/* NULL: the standard phrase */
	size_t		 reason_len;
	struct resp_field fields[RESP_MAX_FIELDS];
	size_t		 nfields;
	char		 text[RESP_TEXT_BYTES];	/* values weir formatted */
	size_t		 text_len;
	bool		 is_full;	/* a field did not fit */

	/*
	 * The body that follows: NONE (a HEAD answer, 1xx, 204, 304; with
	 * <has_length> its Content-Length is still announced), LENGTH
	 * (<length> bytes), CHUNKED (streamed, length unknown; <te> holds
	 * the Transfer-Encoding to keep when the front end can send it
	 * chunked, codings before chunked included) or CLOSE (until the
	 * backend closes).
	 */
	enum h1_framing	 framing;
	uint64_t	 length;
	bool		 has_length;
	const char	*te;
	size_t		 te_len;
	/* A short body that is part of the answer (weir's own texts), sent
	   with the head; <length> is its size. */
	const char	*body;
	/* The connection must end after this response; or only if the
	   client already half-closed (weir's own error answers). */
	bool		 must_close;
	bool		 close_on_eof;
	/*
	 * 101: the protocol the connection switches to (the backend's
	 * Upgrade value), which the front end announces its own way
	 * (HTTP/1: Upgrade and Connection: upgrade).  NULL otherwise.
	 */
	const char	*upgrade;
	size_t		 upgrade_len;
};

/* Starts an empty head for <status>. */
void	resp_init(struct resp_head *h, int status);

/* Adds a field; the value is referenced, not copied. */
void	resp_add(struct resp_head *h, const char *name, const char *value,
	    size_t value_len);

/* Same, for a name that is a slice (a backend's field). */
void	resp_add_n(struct resp_head *h, const char *name, size_t name_len,
	    const char *value, size_t value_len);

/* Adds a field whose value is formatted into the head's own text. */
void	resp_addf(struct resp_head *h, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Sets field <name> to <value> (referenced): any field of that name (any
 * case) goes, and one with this value takes the last place.
 */
void	resp_set(struct resp_head *h, const char *name, const char *value,
	    size_t value_len);

/* The field named <name> (any case), or NULL. */
const struct resp_field	*resp_find(const struct resp_head *h,
			    const char *name);

#endif
