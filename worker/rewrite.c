/*
 * Head serialisation for both directions.  Everything is appended into a
 * fixed buffer; running out of room is reported, never truncated.
 */
#include "worker/rewrite.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/config.h"
#include "worker/request_id.h"

/* Fields nominated by Connection; a client can name only so many. */
#define MAX_NOMINATED	32

struct out {
	struct buf	*b;
	bool		 is_full;
};

struct nominated {
	struct {
		const char	*p;
		size_t		 len;
	} tok[MAX_NOMINATED];
	size_t	n;
};

static void
put(struct out *o, const char *p, size_t n)
{
	if (!o->is_full && buf_append(o->b, p, n) == -1)
		o->is_full = true;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_field(struct out *o, const char *name, size_t nlen, const char *val,
    size_t vlen)
{
	put(o, name, nlen);
	put(o, ": ", 2);
	put(o, val, vlen);
	put(o, "\r\n", 2);
}

static bool
add_nominated(const char *tok, size_t len, void *arg)
{
	struct nominated	*nm = arg;

	if (nm->n < MAX_NOMINATED) {
		nm->tok[nm->n].p = tok;
		nm->tok[nm->n].len = len;
		nm->n++;
	}
	return true;
}

static void
collect_nominated(const struct h1_msg *m, struct nominated *nm)
{
	size_t	i;

	nm->n = 0;
	for (i = 0; i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];

		if (h1_token_eq(h->name, h->name_len, "connection"))
			h1_each_token(h->value, h->value_len, add_nominated,
			    nm);
	}
}

static bool
is_nominated(const struct nominated *nm, const struct h1_header *h)
{
	size_t	i;

	for (i = 0; i < nm->n; i++)
		if (nm->tok[i].len == h->name_len &&
		    strncasecmp(nm->tok[i].p, h->name, h->name_len) == 0)
			return true;
	return false;
}

/* <a> equals <name> ignoring case, '-' and '_' taken as one character. */
static bool
is_lookalike(const char *a, size_t alen, const char *name)
{
	size_t	i;
	char	x, y;

	for (i = 0; i < alen; i++) {
		if (name[i] == '\0')
			return false;
		x = a[i] == '_' ? '-' : a[i];
		y = name[i] == '_' ? '-' : name[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (x != y)
			return false;
	}
	return name[alen] == '\0';
}

/*
 * Fields that never cross weir as received: hop-by-hop ones (RFC 9110
 * 7.6.1, plus the obsolete Proxy-Connection and Trailer as RFC 2616 had
 * it), and the framing fields, which are re-emitted from the parsed framing
 * so that a field the peer nominated in Connection can never change where
 * the message ends.  Their '_' spellings go too: a server or gateway that
 * folds '_' into '-' would read Transfer_Encoding as framing.
 */
static bool
is_hop_or_framing(const struct h1_header *h)
{
	static const char *const names[] = {
		"connection", "keep-alive", "proxy-connection", "te",
		"trailer", "transfer-encoding", "upgrade", "content-length",
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_lookalike(h->name, h->name_len, names[i]))
			return true;
	return false;
}

static bool
is_named(const struct h1_header *h, const char *name)
{
	return h1_token_eq(h->name, h->name_len, name);
}

/*
 * Fields that tell a backend about the client or the path to it.  weir
 * writes the first two itself; the others only a trusted proxy may send
 * (trusted_proxies), since a backend that trusts weir would believe them.
 */
static const struct {
	const char	*name;
	bool		 is_set_by_weir;
} fwd_fields[] = {
	{ "x-forwarded-for", true },
	{ "x-forwarded-proto", true },
	{ "forwarded", false },
	{ "x-real-ip", false },
	{ "x-forwarded-host", false },
	{ "x-forwarded-port", false },
	{ "x-forwarded-server", false },
	{ "x-client-ip", false },
};

/*
 * Whether a received forwarding field goes to the backend.  CGI and PHP
 * turn '-' into '_' and read X_Forwarded_For as X-Forwarded-For, so every
 * spelling that differs from a forwarding field's name only in '-'/'_' is
 * dropped; a field weir writes is always replaced; the others pass only
 * from a trusted peer.  Other fields are not forwarding fields: true.
 */
static bool
fwd_field_passes(const struct h1_header *h, bool is_trusted)
{
	size_t	i;

	for (i = 0; i < sizeof(fwd_fields) / sizeof(fwd_fields[0]); i++) {
		if (!is_lookalike(h->name, h->name_len, fwd_fields[i].name))
			continue;
		if (!is_named(h, fwd_fields[i].name))
			return false;
		return is_trusted && !fwd_fields[i].is_set_by_weir;
	}
	return true;
}

/* ---- Upgrade ---- */

/* The index of token <tok> in <svc>'s "upgrade" list (any case), or -1. */
static int
upgrade_index(const struct service_conf *svc, const char *tok, size_t len)
{
	size_t	i;

	for (i = 0; i < svc->nupgrade && i < CONFIG_UPGRADE_MAX; i++)
		if (strlen(svc->upgrade[i]) == len &&
		    strncasecmp(svc->upgrade[i], tok, len) == 0)
			return (int)i;
	return -1;
}

struct upgrade_walk {
	const struct service_conf	*svc;
	uint32_t			 mask;	/* the listed ones seen */
	size_t				 ntokens;
	int				 index;	/* of the last one seen */
	struct out			*o;	/* NULL: only look */
};

static bool
upgrade_token(const char *tok, size_t len, void *arg)
{
	struct upgrade_walk	*uw = arg;
	int			 i = upgrade_index(uw->svc, tok, len);

	uw->ntokens++;
	uw->index = i;
	if (i == -1 || (uw->mask & 1u << i))
		return true;
	uw->mask |= 1u << i;
	if (uw->o != NULL) {
		if (uw->mask != 1u << i)
			put(uw->o, ", ", 2);
		put(uw->o, tok, len);
	}
	return true;
}

/* Walks the tokens of every Upgrade field of <m>. */
static void
walk_upgrade(const struct h1_msg *m, struct upgrade_walk *uw)
{
	size_t	i;

	for (i = 0; i < m->nheaders; i++)
		if (is_named(&m->headers[i], "upgrade"))
			h1_each_token(m->headers[i].value,
			    m->headers[i].value_len, upgrade_token, uw);
}

uint32_t
rewrite_upgrade_offer(const struct h1_msg *m, const struct service_conf *svc)
{
	struct upgrade_walk	uw = { svc, 0, 0, -1, NULL };

	if (m->version_minor != 1 || !m->has_upgrade ||
	    m->framing != H1_FRAME_NONE)
		return 0;
	walk_upgrade(m, &uw);
	return uw.mask;
}

int
rewrite_upgrade_answer(const struct h1_msg *m, const struct service_conf *svc,
    uint32_t offer, const char **proto, size_t *len)
{
	const struct h1_header	*f = h1_find_header(m, "upgrade");
	struct upgrade_walk	 uw = { svc, 0, 0, -1, NULL };

	walk_upgrade(m, &uw);
	if (f == NULL || uw.ntokens != 1 || uw.index == -1 ||
	    !(offer & 1u << uw.index))
		return -1;
	*proto = f->value;
	*len = f->value_len;
	return 0;
}

/* The Upgrade field of the backend request: what was offered. */
static void
put_upgrade(struct out *o, const struct rewrite_req *r)
{
	struct upgrade_walk	uw = { r->svc, 0, 0, -1, o };

	puts_(o, "Upgrade: ");
	walk_upgrade(r->msg, &uw);
	puts_(o, "\r\nConnection: upgrade\r\n");
}

/* RFC 9112 3.2.2: an absolute-form target's authority replaces Host. */
bool
rewrite_split_absolute(const char *t, size_t len, const char **auth,
    size_t *alen, const char **path, size_t *plen)
{
	size_t	skip, i;

	if (len > 7 && strncasecmp(t, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && strncasecmp(t, "https://", 8) == 0)
		skip = 8;
	else
		return false;
	for (i = skip; i < len && t[i] != '/' && t[i] != '?'; i++)
		;
	*auth = t + skip;
	*alen = i - skip;
	*path = t + i;
	*plen = len - i;
	return true;
}

static void
put_framing(struct out *o, const struct h1_msg *m)
{
	char	num[32];
	int	n;

	if (m->framing == H1_FRAME_CHUNKED)
		puts_(o, "Transfer-Encoding: chunked\r\n");
	else if (m->framing == H1_FRAME_LENGTH) {
		n = snprintf(num, sizeof(num), "%" PRIu64, m->content_length);
		put_field(o, "Content-Length", 14, num, (size_t)n);
	}
}

bool
rewrite_is_trusted(const struct service_conf *svc,
    const struct sockaddr *peer)
{
	return cidr_list_match(svc->trusted_proxies, svc->ntrusted_proxies,
	    peer);
}

/*
 * X-Forwarded-For: a trusted peer (trusted_proxies) passes its list on and
 * we append the address we saw; anyone else could forge the list, so it is
 * replaced.  Several incoming XFF lines form one list (RFC 9110 5.3).
 */
static void
put_xff(struct out *o, const struct rewrite_req *r,
    const struct nominated *nm, bool is_trusted)
{
	const struct h1_msg	*m = r->msg;
	size_t			 i;

	puts_(o, "X-Forwarded-For: ");
	for (i = 0; is_trusted && i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];

		if (!is_named(h, "x-forwarded-for") || is_nominated(nm, h) ||
		    h->value_len == 0)
			continue;
		put(o, h->value, h->value_len);
		put(o, ", ", 2);
	}
	puts_(o, r->peer_text);
	put(o, "\r\n", 2);
}

static bool
method_is(const struct h1_msg *m, const char *name)
{
	return m->method_len == strlen(name) &&
	    memcmp(m->method, name, m->method_len) == 0;
}

/*
 * The origin-form of the target (RFC 9112 3.2.1).  An absolute-form target
 * loses its authority; an empty path becomes "/" ("http://h?q" is "/?q"),
 * except for OPTIONS without a query, which RFC 9112 3.2.4 has the last
 * proxy send as "*".
 */
static void
put_target(struct out *o, const struct h1_msg *m)
{
	const char	*auth, *path;
	size_t		 alen, plen;

	if (!rewrite_split_absolute(m->target, m->target_len, &auth, &alen,
	    &path, &plen)) {
		put(o, m->target, m->target_len);
		return;
	}
	if (plen == 0 && method_is(m, "OPTIONS")) {
		put(o, "*", 1);
		return;
	}
	if (plen == 0 || path[0] != '/')
		put(o, "/", 1);
	put(o, path, plen);
}

int
rewrite_request(struct buf *outb, const struct rewrite_req *r)
{
	const struct h1_msg	*m = r->msg;
	struct out		 o = { outb, false };
	struct nominated	 nm;
	const char		*auth = NULL, *path;
	size_t			 alen = 0, plen, i;
	bool			 is_trusted = rewrite_is_trusted(r->svc,
				    r->peer);
	bool			 has_max_forwards = m->max_forwards > 0 &&
				    (method_is(m, "OPTIONS") ||
				    method_is(m, "TRACE"));

	put(&o, m->method, m->method_len);
	put(&o, " ", 1);
	put_target(&o, m);
	puts_(&o, " HTTP/1.1\r\n");

	(void)rewrite_split_absolute(m->target, m->target_len, &auth, &alen,
	    &path, &plen);

	if (auth != NULL)
		put_field(&o, "Host", 4, auth, alen);
	else if (m->host != NULL)
		put_field(&o, "Host", 4, m->host, m->host_len);
	else if (r->local_authority != NULL)
		/*
		 * An HTTP/1.0 request may name no host.  RFC 9112 3.3 makes
		 * the target URI's authority then the server's address, the
		 * one the client reached: the backend gets that, as nginx
		 * sends its upstream's, rather than an empty Host a server
		 * such as Apache refuses.
		 */
		put_field(&o, "Host", 4, r->local_authority,
		    strlen(r->local_authority));
	else
		/* RFC 9112 3.2: no authority to send, so an empty Host. */
		puts_(&o, "Host: \r\n");

	collect_nominated(m, &nm);
	for (i = 0; i < m->nheaders; i++) {
		const struct h1_header *h = &m->headers[i];

		if (is_hop_or_framing(h) || is_nominated(&nm, h) ||
		    is_named(h, "host") || !fwd_field_passes(h, is_trusted) ||
		    (has_max_forwards && is_named(h, "max-forwards")) ||
		    (r->request_id != NULL && is_lookalike(h->name,
		    h->name_len, "x-request-id")))
			continue;
		put_field(&o, h->name, h->name_len, h->value, h->value_len);
	}
	if (has_max_forwards) {
		/* RFC 9110 7.6.2: one less for each hop. */
		char	num[16];
		int	n = snprintf(num, sizeof(num), "%" PRId64,
		    m->max_forwards - 1);

		put_field(&o, "Max-Forwards", 12, num, (size_t)n);
	}
	put_xff(&o, r, &nm, is_trusted);
	if (r->request_id != NULL)
		put_field(&o, REQUEST_ID_HEADER, sizeof(REQUEST_ID_HEADER) - 1,
		    r->request_id, strlen(r->request_id));
	puts_(&o, r->is_tls ? "X-Forwarded-Proto: https\r\n" :
	    "X-Forwarded-Proto: http\r\n");
	if (r->svc->via != NULL) {
		/* A new Via line after any received ones appends to the list. */
		puts_(&o, "Via: 1.1 ");
		puts_(&o, r->svc->via);
		put(&o, "\r\n", 2);
	}
	put_framing(&o, m);
	if (r->upgrade != 0)
		put_upgrade(&o, r);
	else if (!r->keep_backend)
		puts_(&o, "Connection: close\r\n");
	put(&o, "\r\n", 2);
	return o.is_full ? -1 : 0;
}

/* The end-to-end fields of <m> (hop-by-hop and framing ones left out). */
static void
add_end_to_end(struct resp_head *h, const struct h1_msg *m)
{
	struct nominated	nm;
	size_t			i;

	collect_nominated(m, &nm);
	for (i = 0; i < m->nheaders; i++) {
		const struct h1_header *f = &m->headers[i];

		if (is_hop_or_framing(f) || is_nominated(&nm, f))
			continue;
		resp_add_n(h, f->name, f->name_len, f->value, f->value_len);
	}
}

static void
start_from(struct resp_head *h, const struct h1_msg *m)
{
	resp_init(h, m->status);
	h->reason = m->reason;
	h->reason_len = m->reason_len;
}

void
rewrite_response(struct resp_head *h, const struct rewrite_resp *r)
{
	const struct h1_msg	*m = r->msg;
	const struct h1_header	*cl;
	size_t			 i;

	start_from(h, m);
	add_end_to_end(h, m);
	if (r->svc->via != NULL)
		resp_addf(h, "Via", "1.1 %s", r->svc->via);
	h->framing = m->framing;
	switch (m->framing) {
	case H1_FRAME_LENGTH:
		h->length = m->content_length;
		break;
	case H1_FRAME_CHUNKED:
		/* Codings before the final chunked stay the client's. */
		for (i = 0; i < m->nheaders; i++)
			if (is_named(&m->headers[i], "transfer-encoding"))
				resp_add_n(h, "Transfer-Encoding", 17,
				    m->headers[i].value,
				    m->headers[i].value_len);
		break;
	case H1_FRAME_NONE:
		/* A 304/204/HEAD answer keeps the Content-Length the
		   backend computed. */
		if ((cl = h1_find_header(m, "content-length")) != NULL &&
		    h1_find_header(m, "transfer-encoding") == NULL)
			resp_add_n(h, "Content-Length", 14, cl->value,
			    cl->value_len);
		break;
	case H1_FRAME_CLOSE:
		break;
	}
	if (r->hsts_max_age != 0 && h1_find_header(m,
	    "strict-transport-security") == NULL)
		resp_addf(h, "Strict-Transport-Security", "max-age=%u",
		    r->hsts_max_age);
}

void
rewrite_interim(struct resp_head *h, const struct h1_msg *m)
{
	start_from(h, m);
	add_end_to_end(h, m);
}
