/*
 * Error log: one line per event, "time level [component pid] message".
 * Goes to a file, stderr in the foreground, or syslog.  log_reopen()
 * serves USR1.
 */
#ifndef WEIR_COMMON_LOG_H
#define WEIR_COMMON_LOG_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* The error_log value that means syslog rather than a file. */
#define LOG_DEST_SYSLOG	"syslog"

/*
 * Sends the log to <path> (appended, created 0640), to syslog when <path>
 * is LOG_DEST_SYSLOG, or to stderr when <path> is NULL.  <component> ("master", "worker 1", "health") prefixes every line.
 * Returns 0, or -1 after printing why to stderr.
 */
int	log_open(const char *path, enum log_level level, const char *component);

/* Reopens the same path (after logrotate moved it); keeps the old fd on error. */
int	log_reopen(void);

/*
 * Flags for opening a log file, by the master (as root) or a child:
 * appended, never through a symbolic link (the log directory may be the
 * workers' user's), never a controlling terminal.
 */
#define LOG_OPEN_FLAGS	(O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | \
			    O_NOCTTY | O_CLOEXEC)

/*
 * Why opening a log file failed with <err>: ELOOP says "a symbolic link",
 * EMLINK "a hard link" (log_open() and log_reopen() refuse both).
 */
const char	*log_file_error(int err);

/* While <on>, warnings and errors are copied to stderr (start-up). */
void	log_copy_to_stderr(bool on);

/* Switches to syslog (facility daemon) for good. */
void	log_use_syslog(void);

/*
 * From now on, until called again with NULL, the message of every error
 * line is also appended to <buf> (<len> bytes, NUL-terminated, lines
 * separated by newlines, what does not fit dropped): the master keeps
 * the cause of a failed reload for weirctl and systemd this way, whatever
 * function down the call chain wrote it.
 */
void	log_capture(char *buf, size_t len);

/*
 * Flood control: a message written again within LOG_REPEAT_S seconds is
 * counted instead, and its count written when the window ends.
 * log_tick() ends the windows that are over (a loop calls it each turn,
 * waking at least once a second while log_has_repeats()); on exit,
 * log_flush_repeats() writes every count still pending.
 */
#define LOG_REPEAT_S	10

bool	log_has_repeats(void);
void	log_tick(void);
void	log_flush_repeats(void);

/* Changes the component name, e.g. in a freshly forked child. */
void	log_set_component(const char *component);

/* Parses "error", "warn", "info", "debug"; -1 when unknown. */
int	log_level_parse(const char *s);

void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level level, const char *fmt, va_list ap);

extern enum log_level	log_threshold;

#define log_error(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	do { if (log_threshold >= LOG_LVL_DEBUG) \
	log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
