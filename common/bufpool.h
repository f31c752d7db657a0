/*
 * Fixed-size buffer blocks kept for reuse, one pool per size per process:
 * a connection takes a block when it has bytes to hold and gives it back
 * as soon as it has none, so an idle connection holds no buffer and the
 * request path does not call malloc once the process is warm.
 */
#ifndef WEIR_COMMON_BUFPOOL_H
#define WEIR_COMMON_BUFPOOL_H

#include <stddef.h>

#include "common/buf.h"

struct bufpool {
	char	**blocks;	/* owned: free blocks kept for reuse */
	size_t	  n;
	size_t	  cap;		/* how many free blocks are kept at most */
	size_t	  size;		/* bytes per block */
};

/* Sets up <p> for blocks of <size> bytes, keeping up to <keep> free ones. */
int	bufpool_init(struct bufpool *p, size_t size, size_t keep);

/* Frees the kept blocks.  Blocks still in buffers are their owners'. */
void	bufpool_free(struct bufpool *p);

/*
 * Gives <b> a block when it has none (an empty one, start = end = 0).
 * 0, or -1 when out of memory.  Harmless when <b> already has one.
 */
int	bufpool_get(struct bufpool *p, struct buf *b);

/* Takes <b>'s block back (its bytes are dropped).  Harmless without one. */
void	bufpool_put(struct bufpool *p, struct buf *b);

/* Gives <b>'s block back if it holds no bytes. */
static inline void
bufpool_put_empty(struct bufpool *p, struct buf *b)
{
	if (b->data != NULL && buf_empty(b))
		bufpool_put(p, b);
}

#endif
