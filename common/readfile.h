/*
 * Reading a configured file whole: a certificate, a key, an OCSP response,
 * a CA bundle, the configuration itself.  The master reads these while it
 * serves (on HUP), so a path that names a FIFO or a device must fail at
 * once instead of blocking it, and a huge file must fail instead of
 * exhausting memory.
 */
#ifndef WEIR_COMMON_READFILE_H
#define WEIR_COMMON_READFILE_H

#include <stddef.h>

/* Room for any reason readfile_load() gives. */
#define READFILE_ERR_MAX	128

struct readfile {
	char	*data;		/* owned; NUL-terminated after len bytes */
	size_t	 len;
};

/*
 * Reads the regular file at <path> (symbolic links followed) into <out>.
 * Anything else (FIFO, device, directory, socket) is refused without being
 * read, and never blocks; so is a file of more than <max_bytes>, however
 * its size was reported (<max_bytes> < SIZE_MAX).  Returns 0, or -1 with
 * the reason in <err> (<errlen> bytes), for the caller to put after the
 * path: the system's ("No such file or directory"), "not a regular file
 * (a FIFO)" or "larger than 4194304 bytes"; <out> is then empty.  Free
 * <out> with readfile_free().
 */
int	readfile_load(const char *path, size_t max_bytes, struct readfile *out,
	    char *err, size_t errlen);

/* Wipes (it may hold a private key) and frees <f>'s data; NULL data is
   fine. */
void	readfile_free(struct readfile *f);

#endif
