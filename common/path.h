/*
 * Request-target to normalized path: the query is dropped, percent-escapes
 * decoded, empty and dot segments removed.  The router matches prefixes
 * against the result and the static file server opens it, so both see the
 * same path however the client spelled it ("//", "%2e%2e", "./").
 */
#ifndef WEIR_COMMON_PATH_H
#define WEIR_COMMON_PATH_H

#include <stddef.h>

/* The <why> path_normalize() gives when ".." would climb above "/". */
extern const char	path_escapes_root[];

/*
 * Normalizes the path of the request-target <target>[0..<len>), which is
 * origin-form ("/a/b?q") or absolute-form ("http://host/a/b?q", whose
 * authority is skipped).  Writes the result, NUL-terminated, to
 * <out>[0..<cap>); a <cap> of <len> + 2 is always enough.
 *
 * The result starts with '/', holds no "//", "." or ".." segment, and keeps
 * a trailing '/' when the target had one or ended in a dot segment
 * (RFC 3986 5.2.4: "/a/b/.." is "/a/").  Percent-escapes are decoded, so
 * the result is raw bytes, not a URI.
 *
 * Returns the length of the result, or -1 with a static message in <*why>
 * (when <why> is not NULL) for: a target that is neither form, a fragment,
 * a raw control, space or non-ASCII byte, a malformed escape, an escape
 * that decodes to a control byte or to '/', a ".." above the root (then
 * <*why> is path_escapes_root), or a path longer than <cap> - 1 bytes at
 * any step of its resolution ("path too long"): a segment is decoded in
 * place before a later ".." drops it, so a result may need more room
 * than its own length.
 */
int	path_normalize(const char *target, size_t len, char *out, size_t cap,
	    const char **why);

#endif
