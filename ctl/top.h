/*
 * weirctl top: the stats tables refreshed every second, with request
 * rates, in a terminal; one frame when the output is not a terminal.
 */
#ifndef WEIR_CTL_TOP_H
#define WEIR_CTL_TOP_H

#include <stdbool.h>

/*
 * Shows the segment at <shm_path> live until 'q' is pressed or SIGINT,
 * SIGTERM or SIGHUP arrives, and leaves the terminal as it found it; the
 * tables fit the window's width, read again when it changes, or show
 * every column with <is_wide>.  When standard output is not a terminal,
 * prints one frame 80 columns wide (or wide), with rates measured over
 * one second, and returns.  Returns 0, or -1 after printing why to stderr
 * (no segment; in one-frame mode also a dead master).
 */
int	top_run(const char *shm_path, bool is_wide);

#endif
