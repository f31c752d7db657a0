/*
 * Where a key or value sits in JSON text, for configuration error messages:
 * jansson reports positions only for syntax errors, so this indexes the raw
 * text once and answers each path from the index.  It expects text jansson
 * has already accepted.
 */
#ifndef WEIR_COMMON_JSON_POS_H
#define WEIR_COMMON_JSON_POS_H

#include <stdbool.h>
#include <stddef.h>

/* One step of a path: an object member (key != NULL) or an array element. */
struct json_step {
	const char	*key;		/* borrowed; NULL: an array element */
	size_t		 index;		/* element index when key is NULL */
};

struct json_pos;

/*
 * Indexes <text> (<len> bytes, borrowed only during the call) in one pass:
 * time and memory linear in its size.  Text that stops being JSON is
 * indexed up to that point.  Returns the index, to be freed with
 * json_pos_free(), or NULL when out of memory or <len> is 4 GiB or more.
 */
struct json_pos	*json_pos_index(const char *text, size_t len);

/* Frees <jp>; NULL is fine. */
void		 json_pos_free(struct json_pos *jp);

/*
 * As json_pos_find(), from the index <jp> of the text: O(depth log width +
 * log lines).  Returns 0, or -1 when the text has no such place (or <jp> is
 * NULL).
 */
int	json_pos_lookup(const struct json_pos *jp,
	    const struct json_step *path, size_t depth, bool at_key,
	    unsigned *line, unsigned *col);

/*
 * Follows <path> (<depth> steps) from the top value of <text> (<len> bytes)
 * and sets <*line> and <*col> (both 1-based, the column in bytes) to where
 * that value starts or, with <at_key> and a last step naming a key, to the
 * opening quote of that key.  Keys compare after unescaping, so "\u0061"
 * finds "a".  Returns 0, or -1 when the text has no such place.  Indexes
 * the whole text for one answer: for several, use json_pos_index().
 */
int	json_pos_find(const char *text, size_t len,
	    const struct json_step *path, size_t depth, bool at_key,
	    unsigned *line, unsigned *col);

#endif
