/*
 * Bounded reads of configured files.  The type is checked twice: stat()
 * before opening, so that a device is never even opened (opening some has
 * effects), and fstat() after, on what was really opened, with O_NONBLOCK
 * so that a FIFO swapped in between cannot block the open either.
 */
#include "common/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* First buffer when the size is not known (a file under /proc says 0). */
#define READ_FIRST	4096

static const char *
type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a file";
}

static int
check_type(const struct stat *st, char *err, size_t errlen)
{
	if (S_ISREG(st->st_mode))
		return 0;
	snprintf(err, errlen, "not a regular file (%s)",
	    type_name(st->st_mode));
	return -1;
}

/*
 * Moves <f>'s data into a buffer of <cap> bytes.  By hand rather than
 * realloc(), so that no copy of a key is left behind in freed memory.
 */
static int
grow(struct readfile *f, size_t cap)
{
	char	*p;

	if ((p = malloc(cap)) == NULL)
		return -1;
	if (f->data != NULL) {
		memcpy(p, f->data, f->len);
		explicit_bzero(f->data, f->len);
		free(f->data);
	}
	f->data = p;
	return 0;
}

int
readfile_load(const char *path, size_t max_bytes, struct readfile *out,
    char *err, size_t errlen)
{
	struct stat	st;
	size_t		cap;
	ssize_t		n;
	int		fd;

	out->data = NULL;
	out->len = 0;
	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (check_type(&st, err, errlen) == -1)
		return -1;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (check_type(&st, err, errlen) == -1)
		goto fail;
	if (st.st_size > 0 && (uint64_t)st.st_size > max_bytes) {
		snprintf(err, errlen, "larger than %zu bytes", max_bytes);
		goto fail;
	}
	/* One byte more than the file, to see it end (or grow). */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : READ_FIRST;
	if (cap > max_bytes + 1)
		cap = max_bytes + 1;
	if (grow(out, cap) == -1)
		goto nomem;
	for (;;) {
		if (out->len == cap) {
			if (cap > max_bytes) {
				snprintf(err, errlen, "larger than %zu bytes",
				    max_bytes);
				goto fail;
			}
			cap = cap > max_bytes / 2 ? max_bytes + 1 : cap * 2;
			if (grow(out, cap) == -1)
				goto nomem;
		}
		n = read(fd, out->data + out->len, cap - out->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	close(fd);
	/* The loop ends on a read of 0 into spare room: the NUL fits. */
	out->data[out->len] = '\0';
	return 0;
nomem:
	snprintf(err, errlen, "%s", strerror(ENOMEM));
fail:
	close(fd);
	readfile_free(out);
	return -1;
}

void
readfile_free(struct readfile *f)
{
	if (f->data != NULL) {
		explicit_bzero(f->data, f->len);
		free(f->data);
	}
	f->data = NULL;
	f->len = 0;
}
