/*
 * The error log: "2026-11-25T01:02:03.456Z info [master 1234] message".
 * Each line is formatted in full and handed to one write(2) on an O_APPEND
 * descriptor, so the master, workers and health checker can share the file
 * without interleaving.  Rotation is logrotate's job; we only reopen.
 *
 * The log never floods: a message written again within LOG_REPEAT_S of
 * its first writing is counted, not written, and when that window ends
 * one line says how often it came ("... (84011 more times in the last
 * 10 s)").  The message's text is the key, so each cause and object (this
 * backend refused, that client's bad request) keeps its own line and
 * count.  Each process counts its own lines.
 */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/*
 * Longest line written.  Longer messages are cut and end in "...": a log
 * line should never need more, and a bounded stack buffer keeps logging
 * usable when malloc is not.
 */
#define LOG_LINE_MAX	2048

/*
 * Flood control (see the top): the window, how many distinct messages
 * are followed at once, and how much of each is kept for its count line.
 */
#define LOG_REPEAT_SLOTS	64
#define LOG_REPEAT_TEXT		512

enum log_level	log_threshold = LOG_LVL_INFO;

static int	log_fd = -1;		/* -1: stderr */
static bool	log_to_syslog;
static bool	log_copy_stderr;
static char	*log_path;		/* owned; NULL: stderr */
static char	log_component[48] = "weir";
static char	*capture_buf;		/* borrowed; NULL: not capturing */
static size_t	capture_len;

/* The repeats of one message within its window. */
struct repeat {
	uint64_t	hash;		/* of the message; slot free when
					   len == 0 */
	time_t		since;		/* when it was written, monotonic s */
	unsigned long	count;		/* times since, not written */
	enum log_level	level;
	size_t		len;
	char		text[LOG_REPEAT_TEXT];	/* the message, cut */
};

static struct repeat	repeats[LOG_REPEAT_SLOTS];
static size_t		nrepeats;	/* slots in use */
static pid_t		repeats_pid;	/* whose counts they are */
static time_t		repeats_due;	/* when the first window ends */

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

/*
 * Opens <path> for appending; see LOG_OPEN_FLAGS.  A regular file with
 * another name (a hard link made where the workers' user could) is
 * refused as EMLINK: root would append to a file of that user's choice.
 */
static int
open_log_file(const char *path)
{
	struct stat	st;
	int		fd;

	do {
		fd = open(path, LOG_OPEN_FLAGS, 0640);
	} while (fd == -1 && errno == EINTR);
	if (fd != -1 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_nlink > 1) {
		close(fd);
		errno = EMLINK;
		return -1;
	}
	return fd;
}

const char *
log_file_error(int err)
{
	/* O_NOFOLLOW's ELOOP reads "Too many levels of symbolic links". */
	if (err == ELOOP)
		return "is a symbolic link, which weir does not follow for "
		    "log files";
	if (err == EMLINK)
		return "has another name (a hard link), which weir does not "
		    "write to";
	return strerror(err);
}

/*
 * Sends the log to <path> (appended, created 0640) or to stderr when <path>
 * is NULL, at <level> and above, each line naming <component> ("master",
 * "worker 1", "health").  Returns 0, or -1 after printing why to stderr;
 * the previous destination is then kept.
 */
int
log_open(const char *path, enum log_level level, const char *component)
{
	char	*copy = NULL;
	int	 fd = -1;

	if (path != NULL && strcmp(path, LOG_DEST_SYSLOG) == 0) {
		log_threshold = level;
		if (component != NULL)
			log_set_component(component);
		log_use_syslog();
		return 0;
	}
	if (path != NULL) {
		if ((copy = strdup(path)) == NULL) {
			fprintf(stderr, "weir: error_log %s: %s\n", path,
			    strerror(errno));
			return -1;
		}
		if ((fd = open_log_file(path)) == -1) {
			fprintf(stderr, "weir: error_log %s: cannot open: %s\n",
			    path, log_file_error(errno));
			free(copy);
			return -1;
		}
	}
	if (log_fd != -1)
		close(log_fd);
	free(log_path);
	log_fd = fd;
	log_path = copy;
	log_threshold = level;
	if (component != NULL)
		log_set_component(component);
	return 0;
}

/*
 * Reopens the log path (after logrotate moved the file) onto the same
 * descriptor number, so anything that dup'ed it follows along.  Returns 0
 * (also when logging to stderr), or -1 after logging why to the old file,
 * which stays in use.
 */
int
log_reopen(void)
{
	int	fd;

	if (log_path == NULL || log_to_syslog)
		return 0;
	if ((fd = open_log_file(log_path)) == -1) {
		log_error("error_log %s: cannot reopen, keeping the old file: "
		    "%s", log_path, log_file_error(errno));
		return -1;
	}
	if (log_fd == -1) {
		log_fd = fd;
		return 0;
	}
	if (dup3(fd, log_fd, O_CLOEXEC) == -1) {
		log_error("error_log %s: dup3: %s", log_path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * From now on lines go to syslog (facility daemon) instead: for a daemon
 * whose stderr went to /dev/null and that has no error_log file.
 */
void
log_use_syslog(void)
{
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	free(log_path);
	log_path = NULL;
	openlog("weir", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_to_syslog = true;
}

/*
 * While <on>, warnings and errors also go to stderr when the log is a file
 * or syslog: a daemon that fails to start must say why on the terminal
 * (or to the init script) that started it, not only in a file.
 */
void
log_copy_to_stderr(bool on)
{
	log_copy_stderr = on;
}

/* Appends error messages to <buf> until called with NULL; see log.h. */
void
log_capture(char *buf, size_t len)
{
	capture_buf = len > 0 ? buf : NULL;
	capture_len = len;
	if (capture_buf != NULL)
		capture_buf[0] = '\0';
}

/* Appends <n> bytes of <msg> as one line of the capture, if it fits. */
static void
capture(const char *msg, size_t n)
{
	size_t	used = strlen(capture_buf);

	if (used + (used > 0) + n >= capture_len)
		return;
	if (used > 0)
		capture_buf[used++] = '\n';
	memcpy(capture_buf + used, msg, n);
	capture_buf[used + n] = '\0';
}

/* Changes the component name shown in every line, e.g. after a fork. */
void
log_set_component(const char *component)
{
	snprintf(log_component, sizeof(log_component), "%s", component);
}

/* Parses "error", "warn", "info", "debug" to a level; -1 when unknown. */
int
log_level_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Appends the UTC time with milliseconds to <line>; returns its length. */
static size_t
format_time(char *line, size_t len)
{
	struct timespec	ts;
	struct tm	tm;
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, len - n, ".%03ldZ",
	    ts.tv_nsec / 1000000);
	return n;
}

/*
 * Writes <msg> (<len> bytes, already checked) as one line at <level>:
 * to syslog, or with the time, level and component to the file or
 * stderr, with a single write(2).
 */
static void
emit(enum log_level level, const char *msg, size_t len)
{
	char	line[LOG_LINE_MAX + 128];
	size_t	n;
	ssize_t	w;
	int	fd;

	if (log_to_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
		    LOG_DEBUG };

		syslog(prio[level], "%s: %.*s", log_component, (int)len, msg);
		return;
	}
	n = format_time(line, sizeof(line));
	n += (size_t)snprintf(line + n, sizeof(line) - n, " %s [%s %ld] ",
	    level_names[level], log_component, (long)getpid());
	if (len > sizeof(line) - n - 1)
		len = sizeof(line) - n - 1;
	memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	fd = log_fd != -1 ? log_fd : STDERR_FILENO;
	do {
		w = write(fd, line, n);
	} while (w == -1 && errno == EINTR);
}

static time_t
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

/* FNV-1a: the slot a message is looked for in. */
static uint64_t
hash_text(const char *p, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ull;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h;
}

/* Says how often <r>'s message came in its window, if it came again. */
static void
emit_count(const struct repeat *r)
{
	char	msg[LOG_REPEAT_TEXT + 64];
	int	m;

	if (r->count == 0)
		return;
	m = snprintf(msg, sizeof(msg), "%.*s (%lu more time%s in the last "
	    "%d s)", (int)r->len, r->text, r->count, r->count == 1 ? "" : "s",
	    LOG_REPEAT_S);
	if (m > 0)
		emit(r->level, msg, (size_t)m < sizeof(msg) ? (size_t)m :
		    sizeof(msg) - 1);
}

static void
repeat_free(struct repeat *r)
{
	r->len = 0;
	r->count = 0;
	nrepeats--;
}

/* In a forked child, the slots hold its parent's counts: they go. */
static void
repeats_forget_parents(void)
{
	if (nrepeats > 0 && repeats_pid != getpid()) {
		memset(repeats, 0, sizeof(repeats));
		nrepeats = 0;
	}
}

/* Ends every window older than LOG_REPEAT_S (all when <all>). */
static void
repeats_expire(bool all)
{
	time_t	now;
	size_t	i;

	if (nrepeats == 0)
		return;
	/* Cheap when nothing is due: a loop calls this every turn. */
	now = now_s();
	if (!all && now < repeats_due)
		return;
	repeats_forget_parents();
	repeats_due = now + LOG_REPEAT_S;
	for (i = 0; i < LOG_REPEAT_SLOTS; i++) {
		if (repeats[i].len == 0)
			continue;
		if (all || now - repeats[i].since >= LOG_REPEAT_S) {
			emit_count(&repeats[i]);
			repeat_free(&repeats[i]);
		} else if (repeats[i].since + LOG_REPEAT_S < repeats_due)
			repeats_due = repeats[i].since + LOG_REPEAT_S;
	}
}

/*
 * Whether <msg> is to be written now: false when it was written less than
 * LOG_REPEAT_S ago (it is counted instead).  A message not seen takes a
 * slot, the oldest's when all are taken (its count is written first).
 */
static bool
repeat_admit(enum log_level level, const char *msg, size_t len)
{
	struct repeat	*r, *free_slot = NULL, *oldest = NULL;
	uint64_t	 h = hash_text(msg, len);
	size_t		 i, keep = len < LOG_REPEAT_TEXT ? len : LOG_REPEAT_TEXT;

	repeats_forget_parents();
	repeats_expire(false);
	for (i = 0; i < LOG_REPEAT_SLOTS; i++) {
		r = &repeats[i];
		if (r->len == 0) {
			if (free_slot == NULL)
				free_slot = r;
			continue;
		}
		if (r->hash == h && r->len == keep &&
		    memcmp(r->text, msg, keep) == 0) {
			r->count++;
			return false;
		}
		if (oldest == NULL || r->since < oldest->since)
			oldest = r;
	}
	if (free_slot == NULL) {
		emit_count(oldest);
		repeat_free(oldest);
		free_slot = oldest;
	}
	r = free_slot;
	r->hash = h;
	r->since = now_s();
	if (nrepeats == 0 || r->since + LOG_REPEAT_S < repeats_due)
		repeats_due = r->since + LOG_REPEAT_S;
	r->count = 0;
	r->level = level;
	r->len = keep;
	memcpy(r->text, msg, keep);
	nrepeats++;
	repeats_pid = getpid();
	return true;
}

bool
log_has_repeats(void)
{
	return nrepeats > 0;
}

void
log_tick(void)
{
	int	saved_errno = errno;

	repeats_expire(false);
	errno = saved_errno;
}

void
log_flush_repeats(void)
{
	int	saved_errno = errno;

	repeats_expire(true);
	errno = saved_errno;
}

/*
 * Writes one line at <level> built from <fmt> and <ap>, if <level> passes
 * the threshold and the same line was not written in the last
 * LOG_REPEAT_S.  Control characters in the message become spaces, so a
 * request field that reaches a message cannot forge a log line.  The
 * capture of errors and the copy to stderr at start-up come before the
 * count of repeats: a reload's cause and a failed start's reason are
 * never held back.  errno is preserved, so callers may log and then
 * report errno.
 */
void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char	msg[LOG_LINE_MAX];
	size_t	n, i;
	int	m, saved_errno = errno;

	if (level > log_threshold)
		return;
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		level = LOG_LVL_ERROR;

	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)m >= sizeof(msg) - 1) {
		/* Cut: end in "...". */
		n = sizeof(msg) - 4;
		memcpy(msg + n, "...", 3);
		n += 3;
	} else
		n = (size_t)m;
	for (i = 0; i < n; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
	if (capture_buf != NULL && level == LOG_LVL_ERROR)
		capture(msg, n);
	if (log_copy_stderr && level <= LOG_LVL_WARN &&
	    (log_to_syslog || log_fd != -1))
		(void)fprintf(stderr, "weir: %.*s\n", (int)n, msg);
	if (repeat_admit(level, msg, n))
		emit(level, msg, n);
	errno = saved_errno;
}

/* printf-style log_vmsg(). */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
