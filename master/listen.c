/*
 * Listening sockets: SO_REUSEADDR so a restart does not wait out
 * TIME_WAIT, IPV6_V6ONLY so "[::]:80" and "0.0.0.0:80" can both be
 * configured, non-blocking because workers accept from epoll.
 */
#include "master/listen.h"

#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"

/* The kernel caps this at net.core.somaxconn. */
#define LISTEN_BACKLOG	4096

static int
bind_one(const struct addr *a, const char *text, const char *service)
{
	int	fd, one = 1, saved;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1)
		goto fail;
	if (a->ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	log_error("cannot listen on %s (service %s): %s%s", text, service,
	    strerror(saved), saved == EACCES ?
	    " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "");
	if (fd != -1)
		close(fd);
	return -1;
}

static int
find_fd(const struct listen_sock *have, size_t nhave, const struct addr *a)
{
	size_t	i;

	for (i = 0; i < nhave; i++)
		if (addr_equal(&have[i].addr, a))
			return have[i].fd;
	return -1;
}

static bool
is_held(const struct listen_sock *have, size_t nhave, int fd)
{
	size_t	i;

	for (i = 0; i < nhave; i++)
		if (have[i].fd == fd)
			return true;
	return false;
}

int
listen_rebind(const struct config *cfg, const struct listen_sock *have,
    size_t nhave, struct listen_sock **out, size_t *n)
{
	struct listen_sock	*ls;
	size_t			 i, j, total = 0, k = 0;

	for (i = 0; i < cfg->nservices; i++)
		total += cfg->services[i].nlisten;
	ls = calloc(total, sizeof(*ls));
	if (ls == NULL) {
		log_error("out of memory");
		return -1;
	}
	for (i = 0; i < cfg->nservices; i++) {
		const struct service_conf *s = &cfg->services[i];

		for (j = 0; j < s->nlisten; j++, k++) {
			ls[k].fd = find_fd(have, nhave, &s->listen[j]);
			if (ls[k].fd == -1)
				ls[k].fd = bind_one(&s->listen[j],
				    s->listen_text[j], s->name);
			if (ls[k].fd == -1) {
				/* Undo our own binds, never the old ones. */
				while (k-- > 0)
					if (!is_held(have, nhave, ls[k].fd))
						close(ls[k].fd);
				free(ls);
				return -1;
			}
			ls[k].addr = s->listen[j];
			ls[k].service = (unsigned)i;
		}
	}
	*out = ls;
	*n = total;
	return 0;
}

int
listen_bind_all(const struct config *cfg, struct listen_sock **out,
    size_t *n)
{
	return listen_rebind(cfg, NULL, 0, out, n);
}

void
listen_close_unused(struct listen_sock *old, size_t nold,
    const struct listen_sock *new, size_t nnew)
{
	size_t	i;

	for (i = 0; i < nold; i++)
		if (old[i].fd != -1 && !is_held(new, nnew, old[i].fd))
			close(old[i].fd);
	free(old);
}

void
listen_close_all(struct listen_sock *ls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (ls[i].fd != -1)
			close(ls[i].fd);
	free(ls);
}
