/*
 * The sd_notify(3) protocol, spoken directly so that weir needs no
 * libsystemd: one datagram of newline-separated KEY=VALUE assignments to
 * the AF_UNIX socket in $NOTIFY_SOCKET, a path, or an abstract name when
 * it starts with '@'.  systemd learns the sender from the socket's
 * credentials; which sender it believes (the main pid) is the unit's
 * NotifyAccess= business.
 */
#include "master/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

/* A status is one line for "systemctl status": longer ones are cut. */
#define NOTIFY_MSG_MAX	1024

/* <env> as an address: 0, or -1 when it cannot be one. */
static int
notify_addr(const char *env, struct sockaddr_un *sa, socklen_t *len)
{
	size_t	n = strlen(env);

	if ((env[0] != '/' && env[0] != '@') || n < 2 ||
	    n >= sizeof(sa->sun_path))
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, env, n);
	if (env[0] == '@')
		sa->sun_path[0] = '\0';
	/* An abstract name is exactly its bytes; a path ends in a NUL. */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (env[0] == '/'));
	return 0;
}

/* Appends to <msg> (<*n> bytes used of NOTIFY_MSG_MAX); cuts what does
   not fit. */
static void __attribute__((format(printf, 3, 0)))
append(char *msg, size_t *n, const char *fmt, va_list ap)
{
	int	m = vsnprintf(msg + *n, NOTIFY_MSG_MAX - *n, fmt, ap);

	if (m > 0)
		*n = *n + (size_t)m >= NOTIFY_MSG_MAX ? NOTIFY_MSG_MAX - 1 :
		    *n + (size_t)m;
}

static void __attribute__((format(printf, 3, 4)))
appendf(char *msg, size_t *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	append(msg, n, fmt, ap);
	va_end(ap);
}

void
notify_send(const char *state, const char *fmt, ...)
{
	struct sockaddr_un	 sa;
	struct timespec		 ts;
	const char		*env = getenv("NOTIFY_SOCKET");
	char			 msg[NOTIFY_MSG_MAX];
	socklen_t		 salen;
	size_t			 n = 0, start, i;
	va_list			 ap;
	int			 fd;

	if (env == NULL || *env == '\0')
		return;
	if (notify_addr(env, &sa, &salen) == -1) {
		log_warn("NOTIFY_SOCKET \"%s\": not a socket path or abstract "
		    "name; not telling systemd anything", env);
		return;
	}
	if (state != NULL)
		appendf(msg, &n, "%s\n", state);
	if (state != NULL && strcmp(state, "RELOADING=1") == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		appendf(msg, &n, "MONOTONIC_USEC=%llu\n",
		    (unsigned long long)ts.tv_sec * 1000000ull +
		    (unsigned long long)ts.tv_nsec / 1000);
	}
	appendf(msg, &n, "STATUS=");
	start = n;
	va_start(ap, fmt);
	append(msg, &n, fmt, ap);
	va_end(ap);
	/* STATUS is one line: an error text may hold several. */
	for (i = start; i < n; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("NOTIFY_SOCKET %s: socket: %s", env, strerror(errno));
		return;
	}
	if (sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sa,
	    salen) == -1)
		log_warn("NOTIFY_SOCKET %s: %s", env, strerror(errno));
	close(fd);
}
