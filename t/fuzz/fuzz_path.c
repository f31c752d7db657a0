/*
 * The path normalizer, not a streaming parser, so its invariants are
 * checked instead of a split: a result starts with '/', holds no empty,
 * "." or ".." segment and no NUL; normalizing it again changes nothing
 * (where it holds no byte the decoder treats specially); <len> + 2 bytes
 * of output are always enough; a buffer of exactly the result's size gives
 * the same result or "path too long", one byte less refuses.  Output
 * buffers are allocated to their exact size, so a write past <cap> is an
 * ASan report.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/path.h"
#include "t/fuzz/fuzz.h"

static int
normalize(const char *in, size_t len, size_t cap, char **out,
    const char **why)
{
	int	rv;

	if ((*out = malloc(cap > 0 ? cap : 1)) == NULL)
		abort();
	*why = NULL;
	rv = path_normalize(in, len, *out, cap, why);
	if (rv == -1)
		FUZZ_CHECK(*why != NULL, "refused without a reason");
	else
		FUZZ_CHECK((size_t)rv < cap && (*out)[rv] == '\0',
		    "result of %d bytes in %zu", rv, cap);
	return rv;
}

static void
check_segments(const char *p, size_t n)
{
	size_t	i, seg = 1, len;

	FUZZ_CHECK(n > 0 && p[0] == '/', "result \"%.*s\" does not start "
	    "with '/'", (int)n, p);
	FUZZ_CHECK(memchr(p, '\0', n) == NULL, "NUL inside the result");
	for (i = 1; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		len = i - seg;
		FUZZ_CHECK(len > 0 || i == n, "empty segment at %zu in "
		    "\"%.*s\"", seg, (int)n, p);
		FUZZ_CHECK(!(len == 1 && p[seg] == '.') &&
		    !(len == 2 && p[seg] == '.' && p[seg + 1] == '.'),
		    "dot segment at %zu in \"%.*s\"", seg, (int)n, p);
		seg = i + 1;
	}
}

/* True when every byte of <p> reads as itself in a request-target path. */
static bool
is_plain(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '%' ||
		    p[i] == '?' || p[i] == '#')
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data, *why, *why2;
	char		*out, *again, *exact;
	int		 rv, rv2;

	rv = normalize(in, size, size + 2, &out, &why);
	if (rv == -1) {
		FUZZ_CHECK(strcmp(why, "path too long") != 0, "len + 2 bytes "
		    "were not enough");
		free(out);
		return 0;
	}
	check_segments(out, (size_t)rv);

	/* Dot segments are dropped after they were decoded in place, so
	   a result may need more room while it is built than at the end. */
	rv2 = normalize(in, size, (size_t)rv + 1, &exact, &why2);
	FUZZ_CHECK((rv2 == rv && memcmp(exact, out, (size_t)rv) == 0) ||
	    (rv2 == -1 && strcmp(why2, "path too long") == 0),
	    "with a buffer of exactly %d + 1 bytes: %d (%s)", rv, rv2,
	    rv2 == -1 ? why2 : "");
	free(exact);
	rv2 = normalize(in, size, (size_t)rv, &exact, &why2);
	FUZZ_CHECK(rv2 == -1, "a result of %d bytes fit in %d", rv, rv);
	free(exact);

	if (is_plain(out, (size_t)rv)) {
		rv2 = normalize(out, (size_t)rv, (size_t)rv + 2, &again,
		    &why2);
		FUZZ_CHECK(rv2 == rv && memcmp(again, out, (size_t)rv) == 0,
		    "not idempotent: \"%s\" gives \"%s\" (%s)", out,
		    rv2 == -1 ? "" : again, rv2 == -1 ? why2 : "");
		free(again);
	}
	free(out);
	return 0;
}
