/*
 * The control protocol between weirctl and the master: weirctl connects to
 * STATE_DIR/weir.sock, sends one command line and reads one reply line,
 * which starts with "ok " or "error: ".  Both sides include this file;
 * weirctl links nothing of the master.
 */
#ifndef WEIR_COMMON_CONTROL_PROTO_H
#define WEIR_COMMON_CONTROL_PROTO_H

#define CONTROL_SOCK_NAME	"weir.sock"
/* Longest command line accepted, newline included. */
#define CONTROL_LINE_MAX	512
/* Longest reply line, newline included. */
#define CONTROL_REPLY_MAX	2048

#endif
