/*
 * Route matching.  Hosts compare without their port and without case;
 * paths compare against the normalized path, so "%2e%2e" or "//" cannot
 * steer a request past a rule.
 */
#include "worker/route.h"

#include <string.h>
#include <strings.h>

#include "common/config.h"

size_t
route_host_len(const char *host, size_t hlen)
{
	size_t	i;

	if (hlen > 0 && host[0] == '[') {
		for (i = 0; i < hlen && host[i] != ']'; i++)
			;
		return i < hlen ? i + 1 : hlen;
	}
	for (i = 0; i < hlen && host[i] != ':'; i++)
		;
	/* A fully qualified "example.com." is the same name. */
	if (i > 1 && host[i - 1] == '.')
		i--;
	return i;
}

bool
route_host_matches(const char *pattern, const char *host, size_t hlen)
{
	size_t	plen = strlen(pattern);

	if (plen == 1 && pattern[0] == '*')
		return true;
	if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* "*.example.com": the host must end in ".example.com" and
		   have at least one label before it. */
		plen--;
		return hlen > plen && strncasecmp(host + hlen - plen,
		    pattern + 1, plen) == 0;
	}
	return hlen == plen && strncasecmp(host, pattern, plen) == 0;
}

static bool
path_matches(const char *prefix, const char *path)
{
	return strncmp(path, prefix, strlen(prefix)) == 0;
}

const struct route_conf *
route_match(const struct service_conf *svc, const char *host, size_t hlen,
    const char *path)
{
	const struct route_conf	*r;
	size_t			 i, n = route_host_len(host, hlen);

	for (i = 0; i < svc->nroutes; i++) {
		r = &svc->routes[i];
		if (r->host != NULL && !route_host_matches(r->host, host, n))
			continue;
		if (r->path != NULL && !path_matches(r->path, path))
			continue;
		return r;
	}
	return NULL;
}
