/*
 * Fixed-capacity byte buffer: data lives in [start, end) of a block of
 * <cap> bytes.  It never grows; a full buffer is the caller's signal to stop
 * reading (backpressure).  Invariant: start <= end <= cap.
 */
#ifndef WEIR_COMMON_BUF_H
#define WEIR_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct buf {
	char	*data;		/* owned: cap bytes, NULL when released */
	size_t	 cap;
	size_t	 start;
	size_t	 end;
};

/* Allocates <cap> bytes for <b>.  Returns 0, or -1 when out of memory. */
int	buf_init(struct buf *b, size_t cap);

/* Frees the block; <b> may be initialised again. */
void	buf_free(struct buf *b);

static inline size_t	buf_len(const struct buf *b) { return b->end - b->start; }
static inline char	*buf_head(const struct buf *b) { return b->data + b->start; }
static inline char	*buf_tail(const struct buf *b) { return b->data + b->end; }
static inline bool	 buf_empty(const struct buf *b) { return b->end == b->start; }

/* Bytes that can be appended after compacting. */
static inline size_t	buf_room(const struct buf *b) { return b->cap - buf_len(b); }
static inline bool	buf_full(const struct buf *b) { return buf_len(b) == b->cap; }

/* Drops <n> bytes from the front (n <= buf_len); empties reset to 0. */
void	buf_consume(struct buf *b, size_t n);

/* Moves the data to offset 0 so all of buf_room() is at the tail. */
void	buf_compact(struct buf *b);

/* Removes <n> bytes at offset <off> from the head, closing the gap. */
void	buf_cut(struct buf *b, size_t off, size_t n);

/* Appends <n> bytes; returns 0, or -1 (nothing written) when they don't fit. */
int	buf_append(struct buf *b, const void *p, size_t n);

/*
 * read(2)s into the tail after compacting if needed.  Returns what read
 * returned: > 0 bytes added, 0 at EOF, -1 with errno (EAGAIN included).
 * Must not be called on a full buffer.
 */
ssize_t	buf_read_fd(struct buf *b, int fd);

/*
 * write(2)s up to <n> bytes from the head and consumes what was written.
 * Returns bytes written, or -1 with errno.
 */
ssize_t	buf_write_fd(struct buf *b, int fd, size_t n);

#endif
