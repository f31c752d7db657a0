/*
 * The management console's sessions, served from the master's loop.
 * Each session reads lines into a fixed buffer, runs one command at a
 * time (master/manage_exec.c) and writes its answer before reading the
 * next, so a session holds at most one answer; an idle one holds no
 * buffer.  Peers outside the service's "allow" list (loopback unless
 * told otherwise) are turned away before they can say anything.
 */
#include "master/manage.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "master/manage_exec.h"
#include "master/manage_parse.h"
#include "master/nodefile_watch.h"
#include "master/runtime.h"
#include "master/state.h"

struct session {
	int			 fd;		/* -1: a free entry */
	char			 by[ADDR_STRLEN + 16];	/* "by console
							   127.0.0.1:4711" */
	char			 in[MANAGE_LINE_MAX];
	size_t			 in_len;
	bool			 is_skipping;	/* past MANAGE_LINE_MAX:
						   drop bytes up to the
						   newline */
	bool			 is_closing;	/* close once out is
						   written */
	bool			 has_eof;	/* the peer sent all */
	struct manage_out	 out;		/* owned */
	struct manage_state	 state;
};

struct manage {
	struct session		 sessions[MANAGE_MAX_SESSIONS];
	struct nodefile_watch	*watch;		/* owned */
};

/* ---- the changes, through the runtime API ---- */

static int
op_pool_add(void *arg, const char *pool, const char *node, const char *by,
    char *msg, size_t len)
{
	struct master	*m = arg;

	return runtime_add(&m->cur->shm, pool, node, 0, by, msg, len);
}

static int
op_pool_remove(void *arg, const char *pool, const char *node, const char *by,
    char *msg, size_t len)
{
	struct master	*m = arg;

	return runtime_remove(&m->cur->shm, pool, node, by, msg, len);
}

static int
op_set_nodefile(void *arg, const char *pool, const char *path,
    const char *by, char *msg, size_t len)
{
	struct master	*m = arg;

	return nodefile_watch_set(m->manage->watch, &m->cur->shm, pool, path,
	    by, msg, len);
}

static const struct manage_ops ops = {
	.pool_add = op_pool_add,
	.pool_remove = op_pool_remove,
	.set_nodefile = op_set_nodefile,
};

/* ---- sessions ---- */

struct manage *
manage_new(void)
{
	struct manage	*mg;
	size_t		 i;

	if ((mg = calloc(1, sizeof(*mg))) == NULL) {
		log_error("management console: out of memory");
		return NULL;
	}
	for (i = 0; i < MANAGE_MAX_SESSIONS; i++)
		mg->sessions[i].fd = -1;
	return mg;
}

/*
 * Closes a console connection so that what was written arrives: a close
 * with unread input sends a reset, which can take the last answers with
 * it (a script that sent "quit" and more).  So the write side ends first
 * and what the peer already sent is read away, within a bound.
 */
static void
close_gently(int fd)
{
	char	sink[4096];
	int	i;

	(void)shutdown(fd, SHUT_WR);
	for (i = 0; i < 16; i++)
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

static void
session_close(struct session *s)
{
	log_debug("management console: session %s closed", s->by + 3);
	close_gently(s->fd);
	manage_out_free(&s->out);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

void
manage_free(struct manage *mg)
{
	size_t	i;

	if (mg == NULL)
		return;
	for (i = 0; i < MANAGE_MAX_SESSIONS; i++)
		if (mg->sessions[i].fd != -1)
			session_close(&mg->sessions[i]);
	nodefile_watch_free(mg->watch);
	free(mg);
}

/*
 * A console's change a reload dropped: logged, and added to the reload
 * note of segment <arg>, "; " between items, as far as it has room.
 */
static void
note(void *arg, const char *what)
{
	struct shm	*shm = arg;
	char		*n = shm->hdr->reload_note;
	size_t		 len = strnlen(n, sizeof(shm->hdr->reload_note));

	log_info("reload: %s", what);
	if (len + 2 + strlen(what) + 1 > sizeof(shm->hdr->reload_note))
		return;
	snprintf(n + len, sizeof(shm->hdr->reload_note) - len, "%s%s",
	    len > 0 ? "; " : "", what);
}

void
manage_configure(struct manage *mg, const struct config *cfg,
    struct shm *shm, const struct generation *old)
{
	const struct service_conf	*s;
	char				 what[160];
	size_t				 i;

	for (i = 0; old != NULL && i < old->cfg->nservices; i++) {
		s = &old->cfg->services[i];
		if (i >= old->shm.layout.nservices ||
		    shm_load(&old->shm.services[i].admin_state) !=
		    SHM_ADMIN_DISABLED)
			continue;
		snprintf(what, sizeof(what), "service %.64s enabled again "
		    "(disabled by a console)", s->name);
		note(shm, what);
	}
	nodefile_watch_forget(mg->watch, old != NULL ? note : NULL, shm);
	mg->watch = nodefile_watch_new(cfg);
}

void
manage_close_in_child(struct manage *mg)
{
	size_t	i;

	for (i = 0; i < MANAGE_MAX_SESSIONS; i++)
		if (mg->sessions[i].fd != -1)
			close(mg->sessions[i].fd);
}

static const struct service_conf *
listener_service(const struct master *m, size_t i)
{
	const struct config	*cfg = m->cur->cfg;
	unsigned		 svc = m->listeners[i].service;

	if (svc >= cfg->nservices ||
	    cfg->services[svc].role != ROLE_MANAGEMENT)
		return NULL;
	return &cfg->services[svc];
}

size_t
manage_pollfds(struct manage *mg, const struct master *m, struct pollfd *pfd,
    size_t max)
{
	struct session	*s;
	size_t		 n = 0, i;

	for (i = 0; i < m->nlisteners && n < max; i++)
		if (listener_service(m, i) != NULL) {
			pfd[n].fd = m->listeners[i].fd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
	for (i = 0; i < MANAGE_MAX_SESSIONS && n < max; i++) {
		s = &mg->sessions[i];
		if (s->fd == -1)
			continue;
		pfd[n].fd = s->fd;
		pfd[n].events = s->out.len > 0 ? POLLOUT : POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

static bool
is_allowed(const struct service_conf *svc, const struct sockaddr *peer)
{
	return cidr_list_match(svc->allow, svc->nallow, peer);
}

/* A short answer to a peer that gets no session; never waits. */
static void
turn_away(int fd, const char *line)
{
	(void)send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	close_gently(fd);
}

static void
accept_one(struct manage *mg, int lfd, const struct service_conf *svc)
{
	struct sockaddr_storage	 peer;
	socklen_t		 plen = sizeof(peer);
	struct session		*s = NULL;
	char			 text[ADDR_STRLEN];
	size_t			 i;
	int			 fd;

	fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			log_warn("management console %s: accept: %s",
			    svc->name, strerror(errno));
		return;
	}
	addr_format_sa((struct sockaddr *)&peer, text, sizeof(text));
	if (!is_allowed(svc, (struct sockaddr *)&peer)) {
		log_warn("management console %s: %s refused: not in "
		    "\"allow\"", svc->name, text);
		turn_away(fd, "ERROR: not allowed\r\n");
		return;
	}
	for (i = 0; i < MANAGE_MAX_SESSIONS && s == NULL; i++)
		if (mg->sessions[i].fd == -1)
			s = &mg->sessions[i];
	if (s == NULL) {
		log_warn("management console %s: %s refused: %d sessions "
		    "open already", svc->name, text, MANAGE_MAX_SESSIONS);
		turn_away(fd, "ERROR: too many console sessions\r\n");
		return;
	}
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	snprintf(s->by, sizeof(s->by), "by console %s", text);
	log_debug("management console %s: session %s", svc->name, text);
}

/* Writes what <s> has to say; false when the peer is gone. */
static bool
flush(struct session *s)
{
	ssize_t	n;

	while (s->out.len > 0) {
		n = send(s->fd, s->out.data, s->out.len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		manage_out_consume(&s->out, (size_t)n);
	}
	return true;
}

/* The next whole line of <s>, NUL-terminated in place; false if none. */
static bool
next_line(struct session *s, char *line, size_t len)
{
	char	*nl = memchr(s->in, '\n', s->in_len);
	size_t	 ll;

	if (nl == NULL)
		return false;
	ll = (size_t)(nl - s->in);
	if (ll > 0 && s->in[ll - 1] == '\r')
		ll--;
	if (ll >= len)
		ll = len - 1;
	memcpy(line, s->in, ll);
	line[ll] = '\0';
	/* A NUL cuts the line where the peer put it, never beyond. */
	s->in_len -= (size_t)(nl - s->in) + 1;
	memmove(s->in, nl + 1, s->in_len);
	return true;
}

static void
run_line(struct master *m, struct session *s, const char *line)
{
	struct manage_req	req;
	struct manage_ctx	ctx = {
		.cfg = m->cur->cfg, .shm = &m->cur->shm, .ops = &ops,
		.arg = m, .by = s->by,
	};

	manage_parse(line, &req);
	log_debug("management console: %s %s", s->by + 3,
	    manage_verb_name(req.verb));
	if (req.verb == MANAGE_QUIT) {
		s->is_closing = true;
		return;
	}
	manage_exec(&req, &ctx, &s->state, &s->out);
}

/*
 * Reads what the peer sent, up to the room left, and at most FILL_READS
 * times: a peer that streams bytes without a newline is heard again on
 * the next turn, after supervision and the other sessions had theirs.
 */
#define FILL_READS	8

static void
fill(struct session *s)
{
	ssize_t	n;
	char	*nl;
	int	reads;

	for (reads = 0; reads < FILL_READS; reads++) {
		if (s->in_len == sizeof(s->in)) {
			if (memchr(s->in, '\n', s->in_len) != NULL)
				return;
			/* A line longer than any command: answer once and
			   drop it to its end. */
			if (!s->is_skipping)
				manage_out_line(&s->out, "ERROR: command "
				    "longer than %d bytes",
				    MANAGE_LINE_MAX - 2);
			s->is_skipping = true;
			s->in_len = 0;
		}
		n = read(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				s->has_eof = s->is_closing = true;
			return;
		}
		if (n == 0) {
			s->has_eof = true;
			return;
		}
		if (s->is_skipping) {
			if ((nl = memchr(s->in, '\n', (size_t)n)) == NULL)
				continue;
			s->is_skipping = false;
			memmove(s->in, nl + 1, (size_t)n - (size_t)(nl -
			    s->in) - 1);
			n -= nl - s->in + 1;
		}
		s->in_len += (size_t)n;
		if (memchr(s->in, '\n', s->in_len) != NULL)
			return;
	}
}

/* Runs <s> until it waits on its peer or is closed. */
static void
pump(struct master *m, struct session *s, short revents)
{
	char	line[MANAGE_LINE_MAX];

	if ((revents & POLLIN) && s->out.len == 0)
		fill(s);
	else if (revents & (POLLERR | POLLHUP | POLLNVAL))
		s->has_eof = s->is_closing = true;
	for (;;) {
		if (!flush(s)) {
			session_close(s);
			return;
		}
		if (s->out.len > 0)
			return;
		if (s->is_closing) {
			session_close(s);
			return;
		}
		if (next_line(s, line, sizeof(line))) {
			run_line(m, s, line);
			continue;
		}
		if (s->has_eof) {
			session_close(s);
			return;
		}
		return;
	}
}

void
manage_serve(struct manage *mg, struct master *m, const struct pollfd *pfd,
    size_t n)
{
	const struct service_conf	*svc;
	size_t				 i, j;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		for (j = 0; j < m->nlisteners; j++)
			if (m->listeners[j].fd == pfd[i].fd &&
			    (svc = listener_service(m, j)) != NULL) {
				accept_one(mg, pfd[i].fd, svc);
				break;
			}
		if (j < m->nlisteners)
			continue;
		for (j = 0; j < MANAGE_MAX_SESSIONS; j++)
			if (mg->sessions[j].fd == pfd[i].fd) {
				pump(m, &mg->sessions[j], pfd[i].revents);
				break;
			}
	}
	if (mg->watch != NULL)
		nodefile_watch_poll(mg->watch, &m->cur->shm);
}

uint64_t
manage_next_ms(const struct manage *mg)
{
	return mg->watch != NULL ? nodefile_watch_next_ms(mg->watch) :
	    UINT64_MAX;
}
