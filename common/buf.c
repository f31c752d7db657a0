/*
 * Fixed-capacity byte buffer.  Data lives in [start, end) of <cap> bytes and
 * is moved to the front only when the tail runs out, so the common case
 * (read a little, parse, consume all) never copies.  Readiness, EOF and
 * backpressure decisions stay with the caller.
 */
#include "common/buf.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Allocates <cap> bytes for <b>, which starts empty.  Returns 0, or -1 with
 * errno ENOMEM; <b> is then released (data NULL).
 */
int
buf_init(struct buf *b, size_t cap)
{
	b->data = malloc(cap > 0 ? cap : 1);
	b->cap = b->data != NULL ? cap : 0;
	b->start = 0;
	b->end = 0;
	return b->data != NULL ? 0 : -1;
}

/* Frees the block of <b>; <b> may be initialised again.  Idempotent. */
void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = 0;
	b->start = 0;
	b->end = 0;
}

/*
 * Drops <n> bytes (at most buf_len()) from the front of <b>.  Emptying the
 * buffer rewinds it, so the next read gets the whole block without a copy.
 */
void
buf_consume(struct buf *b, size_t n)
{
	assert(n <= buf_len(b));
	b->start += n;
	if (b->start == b->end) {
		b->start = 0;
		b->end = 0;
	}
}

/* Moves the data of <b> to offset 0 so all of buf_room() is at the tail. */
void
buf_compact(struct buf *b)
{
	size_t	len = buf_len(b);

	if (b->start == 0)
		return;
	if (len > 0)
		memmove(b->data, b->data + b->start, len);
	b->start = 0;
	b->end = len;
}

/*
 * Removes the <n> bytes at offset <off> from the head of <b>, moving what
 * follows them down.  <off> + <n> must not exceed buf_len().  Slices taken
 * into <b> past <off> are invalid afterwards.
 */
void
buf_cut(struct buf *b, size_t off, size_t n)
{
	size_t	len = buf_len(b);
	char	*at;

	assert(off <= len && n <= len - off);
	if (n == 0)
		return;
	at = buf_head(b) + off;
	memmove(at, at + n, len - off - n);
	b->end -= n;
	if (b->start == b->end) {
		b->start = 0;
		b->end = 0;
	}
}

/*
 * Appends <n> bytes from <p> to <b>, compacting first if the tail is short.
 * Returns 0, or -1 with nothing written when they do not fit in buf_room().
 */
int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > buf_room(b))
		return -1;
	if (n > b->cap - b->end)
		buf_compact(b);
	if (n > 0)
		memcpy(buf_tail(b), p, n);
	b->end += n;
	return 0;
}

/*
 * read(2)s from <fd> into the tail of <b>, compacting first when the tail is
 * full.  Returns > 0 bytes added, 0 at EOF, or -1 with errno (EAGAIN
 * included; EINTR is retried here).  <b> must not be full.
 */
ssize_t
buf_read_fd(struct buf *b, int fd)
{
	ssize_t	n;

	assert(!buf_full(b));
	if (b->end == b->cap)
		buf_compact(b);
	do {
		n = read(fd, buf_tail(b), b->cap - b->end);
	} while (n == -1 && errno == EINTR);
	if (n > 0)
		b->end += (size_t)n;
	return n;
}

/*
 * write(2)s up to <n> bytes (capped at buf_len()) from the head of <b> to
 * <fd> and consumes what was written.  Returns bytes written, or -1 with
 * errno (EAGAIN included; EINTR is retried here).  A socket peer that went
 * away raises SIGPIPE: processes that call this ignore it.
 */
ssize_t
buf_write_fd(struct buf *b, int fd, size_t n)
{
	ssize_t	w;

	if (n > buf_len(b))
		n = buf_len(b);
	do {
		w = write(fd, buf_head(b), n);
	} while (w == -1 && errno == EINTR);
	if (w > 0)
		buf_consume(b, (size_t)w);
	return w;
}
