/*
 * The live view.  Each second it takes a snapshot, renders it with the
 * stats renderer (rates from the previous snapshot) into memory, and
 * replaces the screen in one write, clipped to the window so a long table
 * does not scroll the header away.  The terminal is put in non-canonical,
 * no-echo mode so 'q' acts at once, and restored on every way out.
 */
#include "ctl/top.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl/render.h"
#include "stats/snapshot.h"

#define TOP_INTERVAL_MS	1000

/* Alternate screen and hidden cursor while running, as top(1) does. */
#define ANSI_ENTER	"\033[?1049h\033[?25l"
#define ANSI_LEAVE	"\033[?25h\033[?1049l"
#define ANSI_HOME_CLEAR	"\033[H\033[2J"

static volatile sig_atomic_t	got_quit, got_winch, got_cont;

/* The terminal as found, restored by term_restore(); set once. */
static struct termios	saved_tio;
static bool		is_tio_saved, is_screen_entered;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGWINCH:	got_winch = 1; break;
	case SIGCONT:	got_cont = 1; break;
	default:	got_quit = 1; break;
	}
}

static void
write_all(const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Also registered with atexit(): any exit leaves a usable terminal. */
static void
term_restore(void)
{
	if (is_tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	if (is_screen_entered) {
		write_all(ANSI_LEAVE, sizeof(ANSI_LEAVE) - 1);
		is_screen_entered = false;
	}
}

/*
 * Keys without Enter and without echo.  ISIG stays on so ^C and ^Z work
 * as the user expects, and OPOST so "\n" still returns the carriage.
 */
static void
term_raw(void)
{
	struct termios	tio;

	if (!is_tio_saved)
		return;
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio);
}

static int
term_setup(void)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH,
	    SIGCONT };
	struct sigaction	 sa;
	size_t			 i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the wait in poll() must end on a signal. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1) {
			fprintf(stderr, "weirctl: top: sigaction: %s\n",
			    strerror(errno));
			return -1;
		}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		is_tio_saved = true;
	atexit(term_restore);
	term_raw();
	write_all(ANSI_ENTER, sizeof(ANSI_ENTER) - 1);
	is_screen_entered = true;
	return 0;
}

/* Window size, or 24x80 when the terminal does not say. */
static void
term_size(unsigned *rows, unsigned *cols)
{
	struct winsize	ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/*
 * Writes <frame> from the top-left corner, each line cut to the width
 * and the whole to the height, in one write so the screen never shows a
 * half-drawn frame.
 */
static void
draw(const char *frame, size_t len)
{
	const char	*p = frame, *end = frame + len, *nl;
	char		*screen;
	size_t		 n, w, cap;
	unsigned	 rows, cols, row = 0;

	term_size(&rows, &cols);
	cap = sizeof(ANSI_HOME_CLEAR) + (size_t)rows * ((size_t)cols + 1);
	if ((screen = malloc(cap)) == NULL)
		return;
	memcpy(screen, ANSI_HOME_CLEAR, sizeof(ANSI_HOME_CLEAR) - 1);
	n = sizeof(ANSI_HOME_CLEAR) - 1;
	while (p < end && row < rows) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		w = (size_t)(nl - p);
		if (w > cols)
			w = cols;
		memcpy(screen + n, p, w);
		n += w;
		/* No newline after the last row: it would scroll. */
		if (++row < rows && nl < end)
			screen[n++] = '\n';
		p = nl + 1;
	}
	write_all(screen, n);
	free(screen);
}

static int
take(struct snapshot *snap, const char *shm_path)
{
	char	err[4352];

	if (snapshot_take(snap, shm_path, err, sizeof(err)) == -1) {
		term_restore();
		fprintf(stderr, "weirctl: %s\n", err);
		return -1;
	}
	return 0;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Not a terminal: one frame with rates over one interval, then done. */
static int
one_frame(const char *shm_path, unsigned width)
{
	struct snapshot	prev, snap;
	int		rv;

	if (take(&prev, shm_path) == -1)
		return -1;
	if (!prev.is_master_alive) {
		fprintf(stderr, "weirctl: no running weir: %s: master pid %lld "
		    "is not running (stale segment)\n", prev.path,
		    (long long)prev.hdr->master_pid);
		snapshot_free(&prev);
		return -1;
	}
	sleep_ms(TOP_INTERVAL_MS);
	if (take(&snap, shm_path) == -1) {
		snapshot_free(&prev);
		return -1;
	}
	rv = render_top(stdout, &snap, &prev, width);
	snapshot_free(&prev);
	snapshot_free(&snap);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "weirctl: writing output: %s\n",
		    strerror(errno));
		return -1;
	}
	return rv;
}

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Waits until <deadline> (monotonic ms), a key or a signal.  Returns true
 * when the view should quit.
 */
static bool
wait_input(uint64_t deadline)
{
	struct pollfd	 pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char		 keys[64];
	uint64_t	 now;
	ssize_t		 n, i;

	while (!got_quit && !got_winch) {
		if (got_cont) {
			/* The shell reset the terminal while we were stopped. */
			got_cont = 0;
			term_raw();
			return false;
		}
		now = mono_ms();
		if (now >= deadline)
			return false;
		/* Without a terminal on stdin there are no keys to read. */
		if (poll(&pfd, is_tio_saved ? 1 : 0,
		    (int)(deadline - now)) <= 0)
			continue;
		n = read(STDIN_FILENO, keys, sizeof(keys));
		for (i = 0; i < n; i++)
			if (keys[i] == 'q' || keys[i] == 'Q')
				return true;
	}
	got_winch = 0;
	return got_quit != 0;
}

/*
 * Runs the live view of the segment at <shm_path> until 'q' or a quit
 * signal; one frame when stdout is not a terminal.  Returns 0, or -1
 * after restoring the terminal and printing why.
 */
int
top_run(const char *shm_path, bool is_wide)
{
	struct snapshot	 a, b, *prev = NULL, *snap = &a;
	char		*frame = NULL;
	size_t		 len = 0;
	uint64_t	 next;
	unsigned	 rows, cols;
	FILE		*mem;
	int		 rv = 0;

	if (!isatty(STDOUT_FILENO))
		return one_frame(shm_path, is_wide ? 0 : RENDER_WIDTH);
	/* The first snapshot before touching the terminal: errors stay put. */
	if (take(&a, shm_path) == -1)
		return -1;
	if (term_setup() == -1) {
		snapshot_free(&a);
		return -1;
	}
	for (;;) {
		next = mono_ms() + TOP_INTERVAL_MS;
		/* Each frame: the window may have been resized. */
		term_size(&rows, &cols);
		if ((mem = open_memstream(&frame, &len)) == NULL ||
		    render_top(mem, snap, prev, is_wide ? 0 : cols) == -1) {
			if (mem != NULL)
				fclose(mem);
			rv = -1;
			break;
		}
		fclose(mem);
		draw(frame, len);
		free(frame);
		frame = NULL;
		if (wait_input(next))
			break;
		if (prev != NULL)
			snapshot_free(prev);
		prev = snap;
		snap = snap == &a ? &b : &a;
		if (take(snap, shm_path) == -1) {
			snap = NULL;
			rv = -1;
			break;
		}
	}
	term_restore();
	if (prev != NULL)
		snapshot_free(prev);
	if (snap != NULL)
		snapshot_free(snap);
	return rv;
}
