/*
 * Positions in JSON text, for configuration error messages.  One forward
 * scan records where every value, and every member's key, starts, and the
 * start of every line; a lookup then walks a path in O(depth log width) and
 * turns an offset into a line in O(log lines).  A file with half a million
 * bad backends thus costs one scan, not one scan per error.  Validation is
 * jansson's job: this only has to stay inside the buffer when the text is
 * not what it expects, keeping what it indexed before the surprise.
 */
#include "common/json_pos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NO_KEY		UINT32_MAX
#define NO_PARENT	UINT32_MAX

struct pos_node {
	uint32_t	pos;		/* first byte of the value */
	uint32_t	keypos;		/* its key's opening quote, or NO_KEY */
	uint32_t	key;		/* offset of the unescaped key in keys */
	uint32_t	link;		/* parent while scanning, then the
					   offset of the first child in kids */
	uint32_t	nkids;
	char		kind;		/* '{', '[' or 0 for a scalar */
};

struct json_pos {
	struct pos_node	*nodes;		/* owned; [0] is the top value */
	uint32_t	 nnodes;
	uint32_t	 cap;
	uint32_t	*kids;		/* owned: each container's children in
					   a row, an object's sorted by key */
	char		*keys;		/* owned: NUL-terminated keys */
	uint32_t	 keys_used;
	uint32_t	*lines;		/* owned: where each line starts */
	uint32_t	 nlines;
};

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

/* Skips a number or a literal. */
static int
skip_scalar(struct scan *sc)
{
	size_t	start = sc->pos;
	int	c;

	while ((c = peek(sc)) != -1 && c != ',' && c != '}' && c != ']' &&
	    c != ' ' && c != '\t' && c != '\n' && c != '\r')
		sc->pos++;
	return sc->pos > start ? 0 : -1;
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
utf8_put(uint32_t cp, char *u)
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (char)(0xf0 | cp >> 18);
	u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the escape after a backslash into <u>; returns its length. */
static int
unescape(struct scan *sc, char *u)
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
		return (int)utf8_put(cp & 0x1fffff, u);
	case -1:
		return -1;
	default:
		/* '"', '\\' and '/' stand for themselves. */
		*u = (char)c;
		return 1;
	}
}

/*
 * Copies the key whose opening quote is at sc->pos, unescaped, into the
 * key store and sets <*off> to it.  An unescaped key is never longer than
 * its quoted text, so the store, as long as the text, always has room.
 */
static int
read_key(struct json_pos *jp, struct scan *sc, uint32_t *off)
{
	char	*dst = jp->keys + jp->keys_used;
	size_t	 n = 0;
	int	 c, k;

	*off = jp->keys_used;
	sc->pos++;
	for (;;) {
		if ((c = peek(sc)) == -1)
			return -1;
		sc->pos++;
		if (c == '"')
			break;
		if (c != '\\') {
			dst[n++] = (char)c;
			continue;
		}
		if ((k = unescape(sc, dst + n)) == -1)
			return -1;
		n += (size_t)k;
	}
	dst[n] = '\0';
	jp->keys_used += (uint32_t)n + 1;
	return 0;
}

static int
add_node(struct json_pos *jp, size_t pos, uint32_t keypos, uint32_t key,
    uint32_t parent, char kind)
{
	struct pos_node	*grown, *n;
	uint32_t	 cap;

	if (jp->nnodes == jp->cap) {
		cap = jp->cap == 0 ? 64 : jp->cap * 2;
		if (cap <= jp->cap ||
		    (grown = realloc(jp->nodes, cap * sizeof(*grown))) == NULL)
			return -1;
		jp->nodes = grown;
		jp->cap = cap;
	}
	n = &jp->nodes[jp->nnodes++];
	n->pos = (uint32_t)pos;
	n->keypos = keypos;
	n->key = key;
	n->link = parent;
	n->nkids = 0;
	n->kind = kind;
	return 0;
}

/*
 * After a ',' or an opening '{': the member's key and its ':'.  Sets
 * <*keypos> and <*key> for the value that follows.
 */
static int
member_head(struct json_pos *jp, struct scan *sc, uint32_t *keypos,
    uint32_t *key)
{
	if (peek(sc) != '"')
		return -1;
	*keypos = (uint32_t)sc->pos;
	if (read_key(jp, sc, key) == -1)
		return -1;
	skip_ws(sc);
	if (peek(sc) != ':')
		return -1;
	sc->pos++;
	skip_ws(sc);
	return 0;
}

/* Pushes node <idx> on the stack of open containers. */
static int
push(uint32_t **stack, uint32_t *cap, uint32_t depth, uint32_t idx)
{
	uint32_t	*grown, n;

	if (depth == *cap) {
		n = *cap == 0 ? 32 : *cap * 2;
		if (n <= *cap || (grown = realloc(*stack, n *
		    sizeof(*grown))) == NULL)
			return -1;
		*stack = grown;
		*cap = n;
	}
	(*stack)[depth] = idx;
	return 0;
}

/*
 * Records every value of the text in document order, each with its
 * parent.  Returns 0 at the end of the top value, -1 at the first byte
 * it does not expect (the nodes recorded before it stay good), or -2 when
 * out of memory.  <*stack> (<*cap> entries, grown here) holds the open
 * containers.
 */
static int
scan_values(struct json_pos *jp, struct scan *sc, uint32_t **stack,
    uint32_t *cap)
{
	uint32_t	depth = 0, keypos = NO_KEY, key = 0, idx;
	int		c;
	char		open;

	skip_ws(sc);
	for (;;) {
		if ((c = peek(sc)) == -1)
			return -1;
		idx = jp->nnodes;
		open = c == '{' || c == '[' ? (char)c : 0;
		if (add_node(jp, sc->pos, keypos, key,
		    depth > 0 ? (*stack)[depth - 1] : NO_PARENT, open) == -1)
			return -2;
		if (depth > 0)
			jp->nodes[(*stack)[depth - 1]].nkids++;
		if (open != 0) {
			if (push(stack, cap, depth, idx) == -1)
				return -2;
			depth++;
			sc->pos++;
			skip_ws(sc);
			if (peek(sc) != (open == '{' ? '}' : ']')) {
				keypos = NO_KEY;
				if (open == '{' && member_head(jp, sc,
				    &keypos, &key) == -1)
					return -1;
				continue;
			}
			depth--;
			sc->pos++;
		} else if ((c == '"' ? skip_string(sc) : skip_scalar(sc)) ==
		    -1)
			return -1;
		/* Close what ends here, up to the next member or element. */
		for (;;) {
			skip_ws(sc);
			if (depth == 0)
				return 0;
			c = peek(sc);
			open = jp->nodes[(*stack)[depth - 1]].kind;
			if (c == ',')
				break;
			if (c != (open == '{' ? '}' : ']'))
				return -1;
			depth--;
			sc->pos++;
		}
		sc->pos++;
		skip_ws(sc);
		keypos = NO_KEY;
		if (open == '{' && member_head(jp, sc, &keypos, &key) == -1)
			return -1;
	}
}

static int
kid_cmp(const void *a, const void *b, void *arg)
{
	const struct json_pos	*jp = arg;
	uint32_t		 ia = *(const uint32_t *)a;
	uint32_t		 ib = *(const uint32_t *)b;
	int			 r;

	r = strcmp(jp->keys + jp->nodes[ia].key, jp->keys + jp->nodes[ib].key);
	if (r != 0)
		return r;
	/* The first of equal keys wins, as a forward scan would find. */
	return ia < ib ? -1 : ia > ib;
}

/* Lays each container's children out in a row and sorts an object's. */
static int
link_kids(struct json_pos *jp)
{
	uint32_t	*fill, i, off = 0, p;

	if (jp->nnodes == 0)
		return 0;
	if ((jp->kids = malloc(jp->nnodes * sizeof(*jp->kids))) == NULL ||
	    (fill = calloc(jp->nnodes, sizeof(*fill))) == NULL)
		return -1;
	/* fill[i]: where node i's children go; parents precede children. */
	for (i = 0; i < jp->nnodes; i++) {
		fill[i] = off;
		off += jp->nodes[i].nkids;
	}
	for (i = 1; i < jp->nnodes; i++) {
		p = jp->nodes[i].link;
		jp->kids[fill[p]++] = i;
	}
	for (i = 0; i < jp->nnodes; i++)
		jp->nodes[i].link = fill[i] - jp->nodes[i].nkids;
	free(fill);
	for (i = 0; i < jp->nnodes; i++)
		if (jp->nodes[i].kind == '{' && jp->nodes[i].nkids > 1)
			qsort_r(jp->kids + jp->nodes[i].link,
			    jp->nodes[i].nkids, sizeof(*jp->kids), kid_cmp,
			    jp);
	return 0;
}

static int
index_lines(struct json_pos *jp, const char *text, size_t len)
{
	const char	*p = text, *end = text + len;
	uint32_t	 n = 1;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	if ((jp->lines = malloc(n * sizeof(*jp->lines))) == NULL)
		return -1;
	jp->lines[0] = 0;
	jp->nlines = 1;
	for (p = text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		jp->lines[jp->nlines++] = (uint32_t)(p - text + 1);
	return 0;
}

struct json_pos *
json_pos_index(const char *text, size_t len)
{
	struct json_pos	*jp;
	struct scan	 sc = { text, len, 0 };
	uint32_t	*stack = NULL, cap = 0;

	/* Offsets are 32-bit; config.c reads far smaller files. */
	if (len >= UINT32_MAX - 1 || (jp = calloc(1, sizeof(*jp))) == NULL)
		return NULL;
	if ((jp->keys = malloc(len + 1)) == NULL)
		goto fail;
	/* Text that is not JSON keeps what came before the surprise. */
	if (scan_values(jp, &sc, &stack, &cap) == -2)
		goto fail;
	free(stack);
	stack = NULL;
	if (link_kids(jp) == -1 || index_lines(jp, text, len) == -1)
		goto fail;
	return jp;
fail:
	free(stack);
	json_pos_free(jp);
	return NULL;
}

void
json_pos_free(struct json_pos *jp)
{
	if (jp == NULL)
		return;
	free(jp->nodes);
	free(jp->kids);
	free(jp->keys);
	free(jp->lines);
	free(jp);
}

/* The child of object node <n> whose key is <key>, or NO_PARENT. */
static uint32_t
find_member(const struct json_pos *jp, const struct pos_node *n,
    const char *key)
{
	const uint32_t	*kids = jp->kids + n->link;
	uint32_t	 lo = 0, hi = n->nkids, mid;

	/* The leftmost of equal keys: the one a forward scan finds. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(jp->keys + jp->nodes[kids[mid]].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n->nkids && strcmp(jp->keys + jp->nodes[kids[lo]].key,
	    key) == 0)
		return kids[lo];
	return NO_PARENT;
}

int
json_pos_lookup(const struct json_pos *jp, const struct json_step *path,
    size_t depth, bool at_key, unsigned *line, unsigned *col)
{
	const struct pos_node	*n;
	uint32_t		 i = 0, lo, hi, mid, pos;
	size_t			 d;

	if (jp == NULL || jp->nnodes == 0)
		return -1;
	for (d = 0; d < depth; d++) {
		n = &jp->nodes[i];
		if (path[d].key != NULL) {
			if (n->kind != '{' ||
			    (i = find_member(jp, n, path[d].key)) == NO_PARENT)
				return -1;
		} else {
			if (n->kind != '[' || path[d].index >= n->nkids)
				return -1;
			i = jp->kids[n->link + path[d].index];
		}
	}
	n = &jp->nodes[i];
	pos = at_key && depth > 0 && path[depth - 1].key != NULL ?
	    n->keypos : n->pos;
	/* The last line that starts at or before pos. */
	lo = 0;
	hi = jp->nlines;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (jp->lines[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	*line = lo + 1;
	*col = pos - jp->lines[lo] + 1;
	return 0;
}

int
json_pos_find(const char *text, size_t len, const struct json_step *path,
    size_t depth, bool at_key, unsigned *line, unsigned *col)
{
	struct json_pos	*jp;
	int		 rv;

	if ((jp = json_pos_index(text, len)) == NULL)
		return -1;
	rv = json_pos_lookup(jp, path, depth, at_key, line, col);
	json_pos_free(jp);
	return rv;
}
