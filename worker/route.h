/*
 * Host and path rules of a reverse_proxy service, tried in order; the
 * first that matches names a pool or a web_server service.
 */
#ifndef WEIR_WORKER_ROUTE_H
#define WEIR_WORKER_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

struct service_conf;
struct route_conf;

/*
 * The first route of <svc> whose host matches <host> (<hlen> bytes, as in
 * the Host field or an absolute-form authority: any case, a port allowed)
 * and whose path is a prefix of <path> (normalized, NUL-terminated).
 * NULL when none matches.  No allocation; O(routes) compares.
 */
const struct route_conf	*route_match(const struct service_conf *svc,
			    const char *host, size_t hlen, const char *path);

/*
 * True when <host> (no port, any case) matches the rule <pattern>
 * (lower case): exact, "*" for any, or "*.example.com" for any name that
 * ends in ".example.com" (but not example.com itself).
 */
bool	route_host_matches(const char *pattern, const char *host, size_t hlen);

/* The length of <host> without its ":port" ("[v6]:port" kept bracketed). */
size_t	route_host_len(const char *host, size_t hlen);

#endif
