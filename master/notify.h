/*
 * Telling systemd how the master is doing, for a unit of Type=notify:
 * ready, reloading, stopping, a new main pid after a binary upgrade, and
 * a one-line status that "systemctl status" shows.
 */
#ifndef WEIR_MASTER_NOTIFY_H
#define WEIR_MASTER_NOTIFY_H

/*
 * Sends <state> (lines such as "READY=1", "RELOADING=1", "STOPPING=1",
 * "MAINPID=42", or NULL) and a status line made from <fmt> to the socket
 * $NOTIFY_SOCKET names; nothing when it is not set.  "RELOADING=1" gets
 * the MONOTONIC_USEC= systemd asks to go with it.  A failure to send is
 * logged as a warning; nothing else depends on it.
 */
void	notify_send(const char *state, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
