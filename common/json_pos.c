/*
 * A forward-only scanner over JSON text that skips values without building
 * them, just enough to find where a path leads.  Validation is jansson's job;
 * this only has to stay inside the buffer when the text is not what it
 * expects.
 */
#include "common/json_pos.h"

#include <stdint.h>

struct scan {
	const char	*s;
	size_t		 len;
	size_t		 pos;
};

static int
peek(const struct scan *sc)
{
	return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

static void
skip_ws(struct scan *sc)
{
	int	c;

	while ((c = peek(sc)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		sc->pos++;
}

/* Skips the string whose opening quote is at sc->pos. */
static int
skip_string(struct scan *sc)
{
	char	c;

	sc->pos++;
	while (sc->pos < sc->len) {
		c = sc->s[sc->pos++];
		if (c == '"')
			return 0;
		/* The escaped byte cannot end the string; \uXXXX digits are
		   plain bytes anyway. */
		if (c == '\\')
			sc->pos++;
	}
	return -1;
}

/* Skips one value of any kind; strings may hold brackets, so track them. */
static int
skip_value(struct scan *sc)
{
	int	c, depth = 0;

	do {
		c = peek(sc);
		if (c == -1)
			return -1;
		if (c == '"') {
			if (skip_string(sc) == -1)
				return -1;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		else if (depth == 0) {
			/* A scalar: a number or a literal. */
			while ((c = peek(sc)) != -1 && c != ',' && c != '}' &&
			    c != ']' && c != ' ' && c != '\t' && c != '\n' &&
			    c != '\r')
				sc->pos++;
			return 0;
		}
		sc->pos++;
	} while (depth > 0);
	return 0;
}

static int
hex4(struct scan *sc, uint32_t *out)
{
	uint32_t	v = 0;
	int		c, i;

	for (i = 0; i < 4; i++) {
		c = peek(sc);
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return -1;
		sc->pos++;
	}
	*out = v;
	return 0;
}

/* Encodes <cp> as UTF-8, the form jansson hands out keys in. */
static size_t
utf8_put(uint32_t cp, unsigned char *u)
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the escape after a backslash into <u>; returns its length. */
static int
unescape(struct scan *sc, unsigned char *u)
{
	uint32_t	cp, lo;
	int		c = peek(sc);

	sc->pos++;
	switch (c) {
	case 'b':
		*u = '\b';
		return 1;
	case 'f':
		*u = '\f';
		return 1;
	case 'n':
		*u = '\n';
		return 1;
	case 'r':
		*u = '\r';
		return 1;
	case 't':
		*u = '\t';
		return 1;
	case 'u':
		if (hex4(sc, &cp) == -1)
			return -1;
		/* A high surrogate pairs with the low one that follows. */
		if (cp >= 0xd800 && cp <= 0xdbff && peek(sc) == '\\' &&
		    sc->pos + 1 < sc->len && sc->s[sc->pos + 1] == 'u') {
			sc->pos += 2;
			if (hex4(sc, &lo) == -1)
				return -1;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		return (int)utf8_put(cp, u);
	case -1:
		return -1;
	default:
		/* '"', '\\' and '/' stand for themselves. */
		*u = (unsigned char)c;
		return 1;
	}
}

/*
 * Reads the string at sc->pos and compares its unescaped value with <want>.
 * Returns 1 when equal, 0 when not, -1 when the text ends first.
 */
static int
match_string(struct scan *sc, const char *want)
{
	unsigned char	 u[4];
	const char	*w = want;
	int		 c, i, n;
	int		 same = 1;

	sc->pos++;
	for (;;) {
		if ((c = peek(sc)) == -1)
			return -1;
		sc->pos++;
		if (c == '"')
			break;
		if (c == '\\') {
			if ((n = unescape(sc, u)) == -1)
				return -1;
		} else {
			u[0] = (unsigned char)c;
			n = 1;
		}
		for (i = 0; i < n && same; i++) {
			if ((unsigned char)*w != u[i])
				same = 0;
			else
				w++;
		}
	}
	return same && *w == '\0';
}

/* Moves to the value of member <key> of the object at sc->pos. */
static int
find_member(struct scan *sc, const char *key, size_t *keypos)
{
	int	m;

	if (peek(sc) != '{')
		return -1;
	sc->pos++;
	for (;;) {
		skip_ws(sc);
		if (peek(sc) != '"')
			return -1;
		*keypos = sc->pos;
		if ((m = match_string(sc, key)) == -1)
			return -1;
		skip_ws(sc);
		if (peek(sc) != ':')
			return -1;
		sc->pos++;
		skip_ws(sc);
		if (m)
			return 0;
		if (skip_value(sc) == -1)
			return -1;
		skip_ws(sc);
		if (peek(sc) != ',')
			return -1;
		sc->pos++;
	}
}

/* Moves to element <index> of the array at sc->pos. */
static int
find_element(struct scan *sc, size_t index)
{
	size_t	i;

	if (peek(sc) != '[')
		return -1;
	sc->pos++;
	for (i = 0;; i++) {
		skip_ws(sc);
		if (peek(sc) == ']' || peek(sc) == -1)
			return -1;
		if (i == index)
			return 0;
		if (skip_value(sc) == -1)
			return -1;
		skip_ws(sc);
		if (peek(sc) != ',')
			return -1;
		sc->pos++;
	}
}

int
json_pos_find(const char *text, size_t len, const struct json_step *path,
    size_t depth, bool at_key, unsigned *line, unsigned *col)
{
	struct scan	sc = { text, len, 0 };
	size_t		d, i, keypos = 0, linestart = 0;
	unsigned	ln = 1;

	skip_ws(&sc);
	for (d = 0; d < depth; d++) {
		if (path[d].key != NULL) {
			if (find_member(&sc, path[d].key, &keypos) == -1)
				return -1;
		} else if (find_element(&sc, path[d].index) == -1)
			return -1;
	}
	if (at_key && depth > 0 && path[depth - 1].key != NULL)
		sc.pos = keypos;
	if (sc.pos >= len)
		return -1;
	for (i = 0; i < sc.pos; i++) {
		if (text[i] == '\n') {
			ln++;
			linestart = i + 1;
		}
	}
	*line = ln;
	*col = (unsigned)(sc.pos - linestart + 1);
	return 0;
}
