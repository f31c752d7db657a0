/*
 * Signals in a child of the master (a worker, the health checker): the
 * ones that mean something arrive through a signalfd, as loop events; the
 * master's own (HUP, USR2) and SIGPIPE are never fatal here.
 */
#ifndef WEIR_COMMON_SIGNALS_H
#define WEIR_COMMON_SIGNALS_H

/*
 * Blocks TERM, INT, QUIT, USR1, HUP and USR2, ignores PIPE, and returns a
 * non-blocking signalfd that reports TERM, INT, QUIT and USR1.  -1 after
 * logging.
 */
int	signals_child_fd(void);

#endif
