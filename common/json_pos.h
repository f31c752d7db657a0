/*
 * Where a key or value sits in JSON text, for configuration error messages:
 * jansson reports positions only for syntax errors, so this rescans the raw
 * text along a path.  It expects text jansson has already accepted.
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

/*
 * Follows <path> (<depth> steps) from the top value of <text> (<len> bytes)
 * and sets <*line> and <*col> (both 1-based, the column in bytes) to where
 * that value starts or, with <at_key> and a last step naming a key, to the
 * opening quote of that key.  Keys compare after unescaping, so "\u0061"
 * finds "a".  Returns 0, or -1 when the text has no such place.
 */
int	json_pos_find(const char *text, size_t len,
	    const struct json_step *path, size_t depth, bool at_key,
	    unsigned *line, unsigned *col);

#endif
