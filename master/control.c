/*
 * The control socket: weirctl's admin commands, applied by the master to
 * the shared segment, where every worker sees them on its next pick.  The
 * master is single-threaded and also supervises, so each connection gets a
 * short, bounded read and a reply, and never a reason to wait.
 */
#include "master/control.h"

#include <errno.h>
#include <fcntl.h>
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
#include "master/runtime.h"

/* Supplementary groups of a peer looked at (Linux allows 65536). */
#define NGROUPS_MAX_PEER	1024

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
    "error: usage: backend enable|disable|drain|remove POOL ADDRESS | "
    "add POOL ADDRESS [WEIGHT] | weight POOL ADDRESS WEIGHT";

/* Whom the runtime API names in its log lines. */

static const struct admin_verb {
	const char	*verb;
	enum shm_admin	 state;
} admin_verbs[] = {
	{ "enable", SHM_ADMIN_ENABLED },
	{ "disable", SHM_ADMIN_DISABLED },
	{ "drain", SHM_ADMIN_DRAINING },
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
 * Gives the socket at <path> to <acc>'s group with mode 0660, or back to
 * root's alone (0600).  The state directory is root's and checked, so the
 * name cannot be swapped for a link; AT_SYMLINK_NOFOLLOW makes sure.
 */
static int
apply_access(const char *path, const struct control_access *acc)
{
	gid_t	gid = acc->has_group ? acc->gid : getegid();

	if (fchownat(AT_FDCWD, path, (uid_t)-1, gid,
	    AT_SYMLINK_NOFOLLOW) == -1 ||
	    fchmodat(AT_FDCWD, path, acc->has_group ? 0660 : 0600, 0) == -1) {
		log_error("control socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
control_set_access(const char *state_dir, const struct control_access *acc)
{
	char	path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];

	if (sock_path(path, sizeof(path), state_dir) == -1)
		return -1;
	return apply_access(path, acc);
}

/*
 * Creates <state_dir>/weir.sock, mode 0600 from the start, then gives it
 * to <acc>'s group (0660) if there is one, replacing a stale socket.
 * Returns the non-blocking, close-on-exec listening fd, or -1 after
 * logging.  The master calls it once, before forking.
 */
int
control_open(const char *state_dir, const struct control_access *acc)
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
	if (acc->has_group && apply_access(sun.sun_path, acc) == -1) {
		close(fd);
		unlink(sun.sun_path);
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

/* A whole decimal number from 0 to <max>, or -1. */
static long
number(const char *w, long max)
{
	long	v = 0;

	if (*w == '\0')
		return -1;
	for (; *w != '\0'; w++) {
		if (*w < '0' || *w > '9' || v > max)
			return -1;
		v = v * 10 + (*w - '0');
	}
	return v > max ? -1 : v;
}

/*
 * backend VERB POOL ADDRESS [N]: what each verb does is the runtime API's
 * (master/runtime.c); this only reads the words.
 */
static void
cmd_backend(struct shm *shm, char **words, int nwords, const char *by,
    char *reply, size_t len)
{
	char	msg[RUNTIME_MSG_MAX];
	long	n = 0;
	size_t	k;
	int	rv = -1;

	if (nwords < 4 || nwords > 5) {
		snprintf(reply, len, "%s", usage_backend);
		return;
	}
	if (nwords == 5 && (strcmp(words[1], "add") == 0 ||
	    strcmp(words[1], "weight") == 0) &&
	    (n = number(words[4], 1000000)) < 1) {
		snprintf(reply, len, "error: weight \"%.32s\": expected a "
		    "number from 1 to 256", words[4]);
		return;
	}
	if (strcmp(words[1], "add") == 0)
		rv = runtime_add(shm, words[2], words[3], (unsigned)n,
		    by, msg, sizeof(msg));
	else if (strcmp(words[1], "remove") == 0 && nwords == 4)
		rv = runtime_remove(shm, words[2], words[3], by, msg,
		    sizeof(msg));
	else if (strcmp(words[1], "weight") == 0 && nwords == 5)
		rv = runtime_weight(shm, words[2], words[3], (unsigned)n,
		    by, msg, sizeof(msg));
	else {
		for (k = 0; k < sizeof(admin_verbs) / sizeof(admin_verbs[0]);
		    k++)
			if (nwords == 4 &&
			    strcmp(words[1], admin_verbs[k].verb) == 0)
				break;
		if (k == sizeof(admin_verbs) / sizeof(admin_verbs[0])) {
			snprintf(reply, len, "%s", usage_backend);
			return;
		}
		rv = runtime_admin(shm, words[2], words[3],
		    admin_verbs[k].state, by, msg, sizeof(msg));
	}
	snprintf(reply, len, "%s%s", rv == 0 ? "ok " : "error: ", msg);
}

/*
 * Runs command <line> against <shm> for the peer <by> describes ("by
 * weirctl") and leaves the reply in <reply>.
 */
static void
execute(struct shm *shm, char *line, const char *by, char *reply, size_t len)
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
		cmd_backend(shm, words, n, by, reply, len);
	else
		snprintf(reply, len, "error: unknown command \"%.64s\" "
		    "(expected: ping, backend)", words[0]);
}

/* True when the peer on <fd> has <gid> among its supplementary groups. */
static bool
peer_in_groups(int fd, gid_t gid)
{
	gid_t		groups[NGROUPS_MAX_PEER];
	socklen_t	len = sizeof(groups);
	size_t		i;

	/* More groups than that: ERANGE, and the peer is not let in. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1)
		return false;
	for (i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Only the master's own user (or root), and the members of control_group
 * when there is one, may give commands.  The socket's mode already says
 * so; this holds even if the state directory's permissions were loosened
 * or the file was chmod'ed.  The credentials are the peer's at connect().
 */
static bool
peer_allowed(int fd, const struct control_access *acc, uid_t *uid)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return false;
	*uid = cred.uid;
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	return acc->has_group && (cred.gid == acc->gid ||
	    peer_in_groups(fd, acc->gid));
}

static void
serve_one(int fd, struct shm *shm, const struct control_access *acc)
{
	char		 line[CONTROL_LINE_MAX + 1];
	char		 reply[CONTROL_REPLY_MAX];
	char		 by[48];
	const char	*err;
	uid_t		 uid = 0;

	if (!peer_allowed(fd, acc, &uid)) {
		write_reply(fd, "error: permission denied");
		return;
	}
	if (read_line(fd, line, sizeof(line), &err) == -1) {
		if (err != NULL)
			write_reply(fd, err);
		return;
	}
	/* A member of control_group is one operator among several: the log
	   says which (by number: a name lookup could block the master). */
	if (uid == 0 || uid == geteuid())
		snprintf(by, sizeof(by), "by weirctl");
	else
		snprintf(by, sizeof(by), "by weirctl (uid %lu)",
		    (unsigned long)uid);
	execute(shm, line, by, reply, sizeof(reply));
	write_reply(fd, reply);
}

/*
 * Serves up to CONTROL_BATCH pending connections on <lfd>, each bounded by
 * CONTROL_READ_MS, writing admin states into <shm>.  Never blocks longer
 * than CONTROL_BATCH * CONTROL_READ_MS, and that only for stalled clients.
 */
void
control_serve(int lfd, struct shm *shm, const struct control_access *acc)
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
		serve_one(fd, shm, acc);
		close(fd);
	}
}
