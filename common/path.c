/*
 * Request-target normalization in one pass: each segment is decoded into
 * <out> where it will stay, then dropped again if it turns out to be "."
 * or "..".  Nothing is decoded twice, so "%252e" stays the three bytes
 * "%2e" and never becomes a dot.  No allocation.
 */
#include "common/path.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

const char	path_escapes_root[] = "path escapes the root";

static int
fail(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return -1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Sets <*start> to where the path of <t> begins.  The authority of an
 * absolute-form target is skipped, not checked: the parser has done that
 * (RFC 9112 3.2.2), and "http://host" has an empty path, which is "/".
 */
static bool
path_begin(const char *t, size_t len, size_t *start)
{
	size_t	 i;

	if (len > 0 && t[0] == '/') {
		*start = 0;
		return true;
	}
	if (len >= 7 && strncasecmp(t, "http://", 7) == 0)
		i = 7;
	else if (len >= 8 && strncasecmp(t, "https://", 8) == 0)
		i = 8;
	else
		return false;
	while (i < len && t[i] != '/' && t[i] != '?')
		i++;
	*start = i;
	return true;
}

int
path_normalize(const char *target, size_t len, char *out, size_t cap,
    const char **why)
{
	size_t		 i, end, o, seg;
	int		 hi, lo;
	unsigned char	 c;

	if (cap > INT_MAX)
		cap = INT_MAX;
	if (cap < 2)
		return fail(why, "path too long");
	/* RFC 9112 3.2: a fragment is never part of a request-target. */
	if (memchr(target, '#', len) != NULL)
		return fail(why, "fragment in request-target");
	if (!path_begin(target, len, &i))
		return fail(why, "request-target is not origin- or "
		    "absolute-form");
	for (end = i; end < len && target[end] != '?'; end++)
		continue;

	/*
	 * out[0..seg) is final and ends in '/'; out[seg..o) is the segment
	 * being decoded.  Position <end> acts as one more separator so that
	 * the last segment is judged like the others.
	 */
	out[0] = '/';
	o = seg = 1;
	for (; i <= end; i++) {
		if (i == end || target[i] == '/') {
			if (o - seg == 1 && out[seg] == '.')
				o = seg;
			else if (o - seg == 2 && out[seg] == '.' &&
			    out[seg + 1] == '.') {
				/* Clamping would serve a path the client
				   did not name; refusing is safer. */
				if (seg == 1)
					return fail(why, path_escapes_root);
				for (o = seg - 1; out[o - 1] != '/'; o--)
					continue;
			} else if (o > seg && i < end) {
				if (o >= cap - 1)
					return fail(why, "path too long");
				out[o++] = '/';
			}
			seg = o;
			continue;
		}
		c = (unsigned char)target[i];
		if (c <= 0x20 || c >= 0x7f)
			return fail(why, "control, space or non-ASCII byte in "
			    "path");
		if (c == '%') {
			if (end - i < 3 ||
			    (hi = hexval((unsigned char)target[i + 1])) == -1 ||
			    (lo = hexval((unsigned char)target[i + 2])) == -1)
				return fail(why, "bad percent escape");
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			/*
			 * "a%2fb" is one segment to the client but would be
			 * two to the filesystem and to a prefix match.
			 */
			if (c == '/')
				return fail(why, "encoded '/' in path");
			if (c < 0x20 || c == 0x7f)
				return fail(why, "encoded control byte in "
				    "path");
		}
		if (o >= cap - 1)
			return fail(why, "path too long");
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (int)o;
}
