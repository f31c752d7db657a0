/*
 * The text of a configuration: the main file and the files it includes
 * ("include": a file name, a glob pattern, or an array of them), each
 * with its "#" and "//" comments blanked so every byte keeps its line and
 * column, parsed, and merged into the one object the key tables walk.
 * Each file is a source of the load's context, and each part of the
 * merged object remembers its file, so an error names the file, line and
 * column where the offending text is.
 */
#ifndef WEIR_COMMON_CONFIG_SOURCE_H
#define WEIR_COMMON_CONFIG_SOURCE_H

#include <stddef.h>

#include <jansson.h>

struct config_ctx;

/* Most files one configuration may be made of, and how deep includes go. */
#define CONFIG_MAX_FILES	256
#define CONFIG_MAX_INCLUDE_DEPTH	8

/*
 * Replaces each comment of <text> (<len> bytes) with spaces, in place: a
 * "#" or "//" outside a string, to the end of its line.  Newlines stay, so
 * positions do not move.
 */
void	config_source_blank(char *text, size_t len);

/*
 * Takes <text> (<len> bytes, malloc'ed and NUL-terminated; <x> owns it
 * from now on) as the main file <name> of the load <x>, reads what it
 * includes (relative names are relative to the including file's
 * directory), and returns one JSON value, a new reference: the main
 * file's own when it includes nothing.  NULL when a file could not be read
 * or is not JSON; the errors are in <x>.  A top-level key or a pool or
 * service that two files set is reported in <x> and the first one kept.
 * Every file counts against <max_bytes> together.
 */
json_t	*config_source_load(struct config_ctx *x, const char *name,
	    char *text, size_t len, size_t max_bytes);

#endif
