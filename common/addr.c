/*
 * Host:port and CIDR parsing for the configuration, and formatting for logs
 * and weirctl.  Numeric addresses only (plus "*" and "localhost"): a proxy
 * that resolves names at start would silently pin whatever DNS said then.
 */
#include "common/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* Longest host text we accept inside the brackets or before the colon. */
#define HOST_MAX	(INET6_ADDRSTRLEN + 1)

static const uint8_t	v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * Parses a decimal port 1..65535 from the whole of <s>.  Digits only: a
 * sign, spaces or a trailing "x" are junk an operator did not mean.
 */
static int
parse_port(const char *s, uint16_t *port, const char **why)
{
	unsigned long	 v = 0;
	const char	*p;

	if (*s == '\0') {
		*why = "missing port after ':', e.g. 127.0.0.1:8080";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*why = "port must be a number 1..65535";
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535) {
			*why = "port must be a number 1..65535";
			return -1;
		}
	}
	if (v == 0) {
		*why = "port 0 is not a port to listen on or connect to";
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/*
 * Parses <s> as "IPv4:port", "[IPv6]:port", "*:port" (IPv4 any) or
 * "localhost:port" (127.0.0.1) into <out>.  Port 1..65535.  Returns 0, or -1
 * with a static description of what was wrong in <*why>; <out> is then
 * unspecified.
 */
int
addr_parse(const char *s, struct addr *out, const char **why)
{
	char			 host[HOST_MAX];
	const char		*colon, *port_text, *hstart;
	size_t			 hlen;
	uint16_t		 port;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	bool			 is_v6;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0') {
		*why = "expected host:port, e.g. 127.0.0.1:8080";
		return -1;
	}
	if (s[0] == '[') {
		const char	*close = strchr(s, ']');

		if (close == NULL) {
			*why = "missing ']' after IPv6 address, "
			    "e.g. [::1]:8080";
			return -1;
		}
		if (close[1] != ':') {
			*why = "expected ':port' after ']', e.g. [::1]:8080";
			return -1;
		}
		hstart = s + 1;
		hlen = (size_t)(close - hstart);
		port_text = close + 2;
		is_v6 = true;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			*why = "expected host:port, e.g. 127.0.0.1:8080";
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			*why = "IPv6 addresses need brackets, e.g. [::1]:8080";
			return -1;
		}
		hstart = s;
		hlen = (size_t)(colon - s);
		port_text = colon + 1;
		is_v6 = false;
	}
	if (hlen == 0) {
		*why = "missing host before ':port', e.g. 127.0.0.1:8080 "
		    "or *:8080";
		return -1;
	}
	if (hlen >= sizeof(host)) {
		*why = "host is too long for a numeric address";
		return -1;
	}
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';
	if (parse_port(port_text, &port, why) == -1)
		return -1;

	if (is_v6) {
		sin6 = (struct sockaddr_in6 *)&out->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			*why = "not a numeric IPv6 address inside [], "
			    "e.g. [::1]:8080";
			return -1;
		}
		out->len = sizeof(*sin6);
		return 0;
	}

	sin = (struct sockaddr_in *)&out->ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (strcmp(host, "*") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(host, "localhost") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
		*why = "expected a numeric IPv4 address, \"*\" or "
		    "\"localhost\" before ':port', e.g. 127.0.0.1:8080";
		return -1;
	}
	out->len = sizeof(*sin);
	return 0;
}

/*
 * Writes the host of <sa> into <buf> (<len> bytes, NUL-terminated even when
 * cut short).  An unknown family writes "?": these strings only ever reach
 * logs and weirctl, where a placeholder beats an abort.
 */
void
addr_format_host(const struct sockaddr *sa, char *buf, size_t len)
{
	char	tmp[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    tmp, sizeof(tmp));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    tmp, sizeof(tmp));
		break;
	case AF_UNIX:
		snprintf(tmp, sizeof(tmp), "unix");
		break;
	default:
		snprintf(tmp, sizeof(tmp), "?");
		break;
	}
	snprintf(buf, len, "%s", tmp);
}

/*
 * Writes <sa> as "1.2.3.4:80" or "[::1]:80" into <buf> (<len> bytes,
 * ADDR_STRLEN is always enough).  Other families write the host part only.
 */
void
addr_format_sa(const struct sockaddr *sa, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN];

	addr_format_host(sa, host, sizeof(host));
	switch (sa->sa_family) {
	case AF_INET:
		snprintf(buf, len, "%s:%u", host,
		    ntohs(((const struct sockaddr_in *)sa)->sin_port));
		break;
	case AF_INET6:
		snprintf(buf, len, "[%s]:%u", host,
		    ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
		break;
	default:
		snprintf(buf, len, "%s", host);
		break;
	}
}

/* Writes <a> as addr_format_sa() does. */
void
addr_format(const struct addr *a, char *buf, size_t len)
{
	addr_format_sa((const struct sockaddr *)&a->ss, buf, len);
}

/*
 * True when <a> and <b> name the same family, host and port (and, for
 * IPv6, scope).  "0.0.0.0:80" and "[::]:80" are different listeners.
 */
bool
addr_equal(const struct addr *a, const struct addr *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	switch (a->ss.ss_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)&a->ss;
		b4 = (const struct sockaddr_in *)&b->ss;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)&a->ss;
		b6 = (const struct sockaddr_in6 *)&b->ss;
		return a6->sin6_port == b6->sin6_port &&
		    a6->sin6_scope_id == b6->sin6_scope_id &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	default:
		return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
	}
}

/* Compares two numbers for a sort: -1, 0 or 1. */
static int
cmp_u(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/*
 * A total order in which equal means addr_equal(): family, then host
 * bytes, then port (then IPv6 scope).  For sorting, so that duplicates
 * among many addresses are found in n log n.
 */
int
addr_compare(const struct addr *a, const struct addr *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;
	int				 r;

	if (a->ss.ss_family != b->ss.ss_family)
		return cmp_u(a->ss.ss_family, b->ss.ss_family);
	switch (a->ss.ss_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)&a->ss;
		b4 = (const struct sockaddr_in *)&b->ss;
		if ((r = memcmp(&a4->sin_addr, &b4->sin_addr,
		    sizeof(a4->sin_addr))) != 0)
			return r < 0 ? -1 : 1;
		return cmp_u(ntohs(a4->sin_port), ntohs(b4->sin_port));
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)&a->ss;
		b6 = (const struct sockaddr_in6 *)&b->ss;
		if ((r = memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr))) != 0)
			return r < 0 ? -1 : 1;
		if (a6->sin6_port != b6->sin6_port)
			return cmp_u(ntohs(a6->sin6_port),
			    ntohs(b6->sin6_port));
		return cmp_u(a6->sin6_scope_id, b6->sin6_scope_id);
	default:
		if (a->len != b->len)
			return cmp_u(a->len, b->len);
		r = memcmp(&a->ss, &b->ss, a->len);
		return r < 0 ? -1 : r > 0;
	}
}

/* Clears every bit of <bytes> after the first <prefix>. */
static void
mask_host_bits(uint8_t *bytes, size_t nbytes, unsigned prefix)
{
	size_t	i;

	for (i = 0; i < nbytes; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		bytes[i] &= (uint8_t)(0xff00u >> prefix);
		prefix = 0;
	}
}

/* True when the first <prefix> bits of <a> and <b> are equal. */
static bool
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	size_t	full = prefix / 8;
	unsigned rest = prefix % 8;
	uint8_t	mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff00u >> rest);
	return (a[full] & mask) == (b[full] & mask);
}

/*
 * Parses "10.0.0.0/8", "::1/128" or a bare address (full-length prefix)
 * into <out>, with host bits cleared so "10.1.2.3/8" means 10.0.0.0/8.
 * Returns 0, or -1 with a static reason in <*why>.
 */
int
cidr_parse(const char *s, struct cidr *out, const char **why)
{
	char		 host[HOST_MAX];
	const char	*slash, *p;
	size_t		 hlen;
	unsigned	 max, prefix;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0') {
		*why = "expected an address or a CIDR block, e.g. 10.0.0.0/8";
		return -1;
	}
	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "expected an address or a CIDR block, e.g. 10.0.0.0/8";
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	if (inet_pton(AF_INET, host, out->bytes) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, out->bytes) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		*why = "expected a numeric IPv4 or IPv6 address, "
		    "e.g. 10.0.0.0/8 or fd00::/8";
		return -1;
	}

	prefix = max;
	if (slash != NULL) {
		p = slash + 1;
		if (*p == '\0') {
			*why = "missing prefix length after '/'";
			return -1;
		}
		prefix = 0;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' || prefix > max) {
				*why = "prefix length must be 0..32 for IPv4, "
				    "0..128 for IPv6";
				return -1;
			}
			prefix = prefix * 10 + (unsigned)(*p - '0');
		}
		if (prefix > max) {
			*why = "prefix length must be 0..32 for IPv4, "
			    "0..128 for IPv6";
			return -1;
		}
	}
	out->prefix = prefix;
	mask_host_bits(out->bytes, max / 8, prefix);
	return 0;
}

/*
 * True when <sa> lies in <c>.  A dual-stack listener reports IPv4 clients
 * as ::ffff:a.b.c.d, so such a peer is compared to IPv4 blocks as the IPv4
 * address it is; likewise an IPv4 peer is seen as ::ffff:a.b.c.d by IPv6
 * blocks, so the answer does not depend on how the socket was bound.
 */
bool
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	uint8_t		peer[16];
	int		family;

	switch (sa->sa_family) {
	case AF_INET:
		memcpy(peer, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		family = AF_INET;
		break;
	case AF_INET6:
		memcpy(peer, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    16);
		family = AF_INET6;
		break;
	default:
		return false;
	}

	if (c->family == AF_INET && family == AF_INET6) {
		if (memcmp(peer, v4mapped_prefix, 12) != 0)
			return false;
		memmove(peer, peer + 12, 4);
		family = AF_INET;
	} else if (c->family == AF_INET6 && family == AF_INET) {
		memmove(peer + 12, peer, 4);
		memcpy(peer, v4mapped_prefix, 12);
		family = AF_INET6;
	}
	if (c->family != family)
		return false;
	return prefix_equal(peer, c->bytes, c->prefix);
}

bool
cidr_list_match(const struct cidr *list, size_t n, const struct sockaddr *sa)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (cidr_match(&list[i], sa))
			return true;
	return false;
}
