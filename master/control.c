/*
 * The control socket: weirctl's admin commands, applied by the master to
 * the shared segment, where every worker sees them on its next pick.  The
 * master is single-threaded and also supervises, so each connection gets a
 * short, bounded read and a reply, and never a reason to wait.
 */
#include "master/control.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/shm.h"

/* How long one client may take to send its command line. */
#define CONTROL_READ_MS		500
/*
 * Connections served per call.  Each may take CONTROL_READ_MS, so an
 * unbounded batch could hold up supervision; the rest stay in the backlog.
 */
#define CONTROL_BATCH		8
#define CONTROL_BACKLOG		16
#define CONTROL_MAX_WORDS	8

static const char	usage_backend[] =
    "error: usage: backend enable|disable|drain POOL ADDRESS";

static const struct admin_verb {
	const char	*verb;
	uint32_t	 state;		/* enum shm_admin */
	const char	*word;		/* as weirctl stats shows it */
} admin_verbs[] = {
	{ "enable", SHM_ADMIN_ENABLED, "enabled" },
	{ "disable", SHM_ADMIN_DISABLED, "disabled" },
	{ "drain", SHM_ADMIN_DRAINING, "draining" },
};

static int
sock_path(char *buf, size_t len, const char *state_dir)
{
	if ((size_t)snprintf(buf, len, "%s/%s", state_dir,
	    CONTROL_SOCK_NAME) >= len) {
		log_error("control socket %s/%s: path longer than %zu bytes",
		    state_dir, CONTROL_SOCK_NAME, len - 1);
		return -1;
	}
	return 0;
}

/*
 * Removes a socket a previous master left behind.  Anything else at that
 * name is an operator's file and stays: refusing to start says so.
 */
static int
remove_stale(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_error("control socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("control socket %s: exists and is not a socket; "
		    "move it away", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_error("control socket %s: cannot remove the stale one: %s",
		    path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Creates <state_dir>/weir.sock, mode 0600 from the start, replacing a
 * stale socket.  Returns the non-blocking, close-on-exec listening fd, or
 * -1 after logging.  The master calls it once, before forking.
 */
int
control_open(const char *state_dir)
{
	struct sockaddr_un	sun;
	mode_t			old_mask;
	int			fd, rv;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (sock_path(sun.sun_path, sizeof(sun.sun_path), state_dir) == -1)
		return -1;
	if (remove_stale(sun.sun_path) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_error("control socket %s: socket: %s", sun.sun_path,
		    strerror(errno));
		return -1;
	}
	/*
	 * bind() creates the file with the umask applied: narrowing it
	 * around the call leaves no moment where anyone but the owner could
	 * connect, as a chmod() afterwards would.
	 */
	old_mask = umask(0177);
	rv = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (rv == -1) {
		log_error("control socket %s: bind: %s", sun.sun_path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, CONTROL_BACKLOG) == -1) {
		log_error("control socket %s: listen: %s", sun.sun_path,
		    strerror(errno));
		close(fd);
		unlink(sun.sun_path);
		return -1;
	}
	return fd;
}

/* Closes <fd> unless -1 and removes the socket file; logs a failure. */
void
control_close(int fd, const char *state_dir)
{
	char	path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];

	if (fd != -1)
		close(fd);
	if (snprintf(path, sizeof(path), "%s/%s", state_dir,
	    CONTROL_SOCK_NAME) < (int)sizeof(path) && unlink(path) == -1 &&
	    errno != ENOENT)
		log_warn("control socket %s: cannot remove: %s", path,
		    strerror(errno));
}

/*
 * Reads one line from <fd> into <line> (NUL-terminated, without the line
 * end) within CONTROL_READ_MS.  A client that closes after its command
 * without a newline is still heard.  Returns 0, or -1 with the reason in
 * <err> (NULL when the client went away and no reply is worth sending).
 */
static int
read_line(int fd, char *line, size_t len, const char **err)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	uint64_t	 deadline = clock_us() + CONTROL_READ_MS * 1000ull;
	uint64_t	 now;
	size_t		 have = 0;
	ssize_t		 n;
	char		*end = NULL;

	*err = NULL;
	while (end == NULL) {
		n = read(fd, line + have, len - 1 - have);
		if (n > 0) {
			end = memchr(line + have, '\n', (size_t)n);
			have += (size_t)n;
			if (end == NULL && have == len - 1) {
				*err = "error: command line too long";
				return -1;
			}
			continue;
		}
		if (n == 0) {
			if (have == 0)
				return -1;
			end = line + have;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		now = clock_us();
		if (now >= deadline) {
			*err = "error: timed out waiting for a command line";
			return -1;
		}
		if (poll(&pfd, 1, (int)((deadline - now + 999) / 1000)) == -1 &&
		    errno != EINTR)
			return -1;
	}
	if (end > line && end[-1] == '\r')
		end--;
	*end = '\0';
	if (strlen(line) != (size_t)(end - line)) {
		*err = "error: NUL byte in the command line";
		return -1;
	}
	return 0;
}

/*
 * Writes <reply> and a newline.  The reply is far below the socket buffer
 * of a fresh connection, so this finishes at once unless the client is
 * misbehaving, and then the reply is dropped rather than waited on.
 */
static void
write_reply(int fd, const char *reply)
{
	char		buf[CONTROL_REPLY_MAX + 1];
	size_t		len, off = 0;
	ssize_t		n;

	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", reply);
	if (len >= sizeof(buf)) {
		len = sizeof(buf) - 1;
		buf[len - 1] = '\n';
	}
	while (off < len) {
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return;
		off += (size_t)n;
	}
}

static int
split_words(char *line, char **words, int max)
{
	char	*save = NULL, *w;
	int	 n = 0;

	for (w = strtok_r(line, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return n;
}

static bool
name_is(const char *field, const char *name)
{
	size_t	len = strnlen(field, SHM_NAME_MAX);

	return strlen(name) == len && memcmp(field, name, len) == 0;
}

/* "it has: a, b": the addresses of pool <p>, cut short to fit <len>. */
static void
list_backends(char *buf, size_t len, const struct shm *shm, uint32_t p)
{
	const struct shm_pool	*pool = &shm->pools[p];
	const struct shm_backend *b;
	size_t			 n = 0;
	uint32_t		 j;
	int			 w;

	buf[0] = '\0';
	for (j = 0; j < pool->nbackends; j++) {
		b = &shm->backends[pool->first_backend + j];
		w = snprintf(buf + n, len - n, "%s%.*s", j > 0 ? ", " : "",
		    SHM_NAME_MAX, b->address);
		if (w < 0 || (size_t)w >= len - n) {
			/* Room for ", ..." is kept by the caller's margin. */
			buf[n] = '\0';
			strcat(buf, ", ...");
			return;
		}
		n += (size_t)w;
	}
	if (pool->nbackends == 0)
		snprintf(buf, len, "none");
}

static void
cmd_backend(struct shm *shm, char **words, int nwords, char *reply,
    size_t len)
{
	const struct admin_verb	*v = NULL;
	struct shm_pool		*pool;
	struct shm_backend	*b;
	char			 have[CONTROL_REPLY_MAX / 2];
	uint32_t		 i, j;
	size_t			 k;

	if (nwords != 4) {
		snprintf(reply, len, "%s", usage_backend);
		return;
	}
	for (k = 0; k < sizeof(admin_verbs) / sizeof(admin_verbs[0]); k++)
		if (strcmp(words[1], admin_verbs[k].verb) == 0)
			v = &admin_verbs[k];
	if (v == NULL) {
		snprintf(reply, len, "%s", usage_backend);
		return;
	}
	for (i = 0; i < shm->hdr->npools; i++)
		if (name_is(shm->pools[i].name, words[2]))
			break;
	if (i == shm->hdr->npools) {
		snprintf(reply, len, "error: no pool \"%s\"", words[2]);
		return;
	}
	pool = &shm->pools[i];
	for (j = 0; j < pool->nbackends; j++) {
		b = &shm->backends[pool->first_backend + j];
		if (name_is(b->address, words[3]))
			break;
	}
	if (j == pool->nbackends) {
		/* 8 bytes of margin for ", ..." */
		list_backends(have, sizeof(have) - 8, shm, i);
		snprintf(reply, len, "error: pool %.*s has no backend %s "
		    "(it has: %s)", SHM_NAME_MAX, pool->name, words[3], have);
		return;
	}
	/* Workers load it on every pick: the change is live at once. */
	shm_store(&b->admin_state, v->state);
	log_info("backend %.*s (pool %.*s): %s by weirctl", SHM_NAME_MAX,
	    b->address, SHM_NAME_MAX, pool->name, v->word);
	snprintf(reply, len, "ok backend %.*s (pool %.*s): %s", SHM_NAME_MAX,
	    b->address, SHM_NAME_MAX, pool->name, v->word);
}

/* Runs command <line> against <shm> and leaves the reply in <reply>. */
static void
execute(struct shm *shm, char *line, char *reply, size_t len)
{
	char	*words[CONTROL_MAX_WORDS];
	int	 n;

	n = split_words(line, words, CONTROL_MAX_WORDS);
	if (n == 0) {
		snprintf(reply, len, "error: empty command");
		return;
	}
	if (n == -1) {
		snprintf(reply, len, "error: too many words");
		return;
	}
	if (strcmp(words[0], "ping") == 0)
		snprintf(reply, len, n == 1 ? "ok pong" : "error: usage: ping");
	else if (strcmp(words[0], "backend") == 0)
		cmd_backend(shm, words, n, reply, len);
	else
		snprintf(reply, len, "error: unknown command \"%.64s\" "
		    "(expected: ping, backend)", words[0]);
}

/*
 * Only the master's own user (or root) may give commands.  The socket's
 * mode already says so; this holds even if the state directory's
 * permissions were loosened or the file was chmod'ed.
 */
static bool
peer_allowed(int fd)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void
serve_one(int fd, struct shm *shm)
{
	char		 line[CONTROL_LINE_MAX + 1];
	char		 reply[CONTROL_REPLY_MAX];
	const char	*err;

	if (!peer_allowed(fd)) {
		write_reply(fd, "error: permission denied");
		return;
	}
	if (read_line(fd, line, sizeof(line), &err) == -1) {
		if (err != NULL)
			write_reply(fd, err);
		return;
	}
	execute(shm, line, reply, sizeof(reply));
	write_reply(fd, reply);
}

/*
 * Serves up to CONTROL_BATCH pending connections on <lfd>, each bounded by
 * CONTROL_READ_MS, writing admin states into <shm>.  Never blocks longer
 * than CONTROL_BATCH * CONTROL_READ_MS, and that only for stalled clients.
 */
void
control_serve(int lfd, struct shm *shm)
{
	int	fd, served;

	for (served = 0; served < CONTROL_BATCH; served++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			/* A client that gave up in the backlog: try the next. */
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("control socket: accept: %s",
				    strerror(errno));
			return;
		}
		serve_one(fd, shm);
		close(fd);
	}
}
