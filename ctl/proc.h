/*
 * Whether a pid read from the shared segment names the weir master that
 * serves it.  The workers write to the segment, so whoever controls one
 * can write any pid there; weirctl, often run as root, checks before it
 * signals.
 */
#ifndef WEIR_CTL_PROC_H
#define WEIR_CTL_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True when <pid> is a running process that maps the segment file at
 * <shm_path> (the same file, by device and inode) while its parent does
 * not (that would make it one of the master's children).  Otherwise
 * false, with the reason in <why> (<len> bytes).
 */
bool	proc_is_master(int64_t pid, const char *shm_path, char *why,
	    size_t len);

#endif
