/*
 * A stack of free blocks: the warmest block is handed out first.  Blocks
 * beyond what the pool keeps go back to malloc, so a burst does not pin
 * its peak memory for the process's life.
 */
#include "common/bufpool.h"

#include <stdlib.h>

int
bufpool_init(struct bufpool *p, size_t size, size_t keep)
{
	p->blocks = calloc(keep > 0 ? keep : 1, sizeof(*p->blocks));
	p->n = 0;
	p->cap = p->blocks != NULL ? keep : 0;
	p->size = size;
	return p->blocks == NULL ? -1 : 0;
}

void
bufpool_free(struct bufpool *p)
{
	while (p->n > 0)
		free(p->blocks[--p->n]);
	free(p->blocks);
	p->blocks = NULL;
	p->cap = 0;
}

int
bufpool_get(struct bufpool *p, struct buf *b)
{
	if (b->data != NULL)
		return 0;
	if (p->n > 0) {
		b->data = p->blocks[--p->n];
		b->cap = p->size;
		b->start = b->end = 0;
		return 0;
	}
	return buf_init(b, p->size);
}

void
bufpool_put(struct bufpool *p, struct buf *b)
{
	if (b->data == NULL)
		return;
	if (p->n < p->cap) {
		p->blocks[p->n++] = b->data;
		b->data = NULL;
		b->cap = b->start = b->end = 0;
	} else
		buf_free(b);
}
