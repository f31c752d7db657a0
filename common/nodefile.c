/*
 * Node files: Perlbal's "SET pool.nodefile" format parsed into addresses,
 * taking what Perlbal takes so that a file that served Perlbal serves
 * weir unchanged, and saying (never failing on) what Perlbal would have
 * passed over in silence.
 */
#include "common/nodefile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

void
nodefile_log_warn(void *arg, size_t line, const char *what)
{
	log_warn("%s:%zu: %s", (const char *)arg, line, what);
}

static void
warn(nodefile_warn_fn *fn, void *arg, size_t line, const char *fmt,
    const char *a, const char *b)
{
	char	msg[256];

	if (fn == NULL)
		return;
	snprintf(msg, sizeof(msg), fmt, a, b);
	fn(arg, line, msg);
}

static size_t
digits(const char *p, const char *end)
{
	size_t	n = 0;

	while (p + n < end && isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/*
 * The length of Perl's \d+\.\d+\.\d+\.\d+(?::\d+)? at <p>, or 0; the
 * port part only when a digit follows the colon.
 */
static size_t
match_v4(const char *p, const char *end)
{
	const char	*q = p;
	size_t		 d;
	int		 i;

	for (i = 0; i < 4; i++) {
		if ((d = digits(q, end)) == 0)
			return 0;
		q += d;
		if (i < 3) {
			if (q >= end || *q != '.')
				return 0;
			q++;
		}
	}
	if (q + 1 < end && *q == ':' && isdigit((unsigned char)q[1]))
		q += 1 + digits(q + 1, end);
	return (size_t)(q - p);
}

/* "[v6]" or "[v6]:port" at <p>: its length, or 0. */
static size_t
match_v6(const char *p, const char *end)
{
	const char	*q = p + 1;

	if (p >= end || *p != '[')
		return 0;
	while (q < end && (isxdigit((unsigned char)*q) || *q == ':' ||
	    *q == '.'))
		q++;
	if (q >= end || *q != ']' || q == p + 1)
		return 0;
	q++;
	if (q + 1 < end && *q == ':' && isdigit((unsigned char)q[1]))
		q += 1 + digits(q + 1, end);
	return (size_t)(q - p);
}

/* Reads one line [p, end): 1 with <node> filled, 0 for nothing. */
static int
read_line(const char *p, const char *end, size_t at, struct nodefile_node *node,
    nodefile_warn_fn *fn, void *arg)
{
	const char	*s = p, *hit = NULL, *why;
	char		 word[ADDR_STRLEN + 8], line[96];
	size_t		 m = 0;

	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (s == end)
		return 0;
	snprintf(line, sizeof(line), "%.*s", (int)(end - s), s);
	/* Perl's first match: scan from each position in turn. */
	for (hit = s; hit < end; hit++)
		if ((m = match_v4(hit, end)) > 0 ||
		    (m = match_v6(hit, end)) > 0)
			break;
	if (hit >= end) {
		warn(fn, arg, at, "\"%s\" names no node; skipped%s", line, "");
		return 0;
	}
	if (m >= ADDR_STRLEN) {
		warn(fn, arg, at, "\"%s\" is too long for an address; "
		    "skipped%s", line, "");
		return 0;
	}
	memcpy(word, hit, m);
	word[m] = '\0';
	/* Perlbal's default port. */
	if (word[m - 1] == ']' || strchr(word, ':') == NULL ||
	    (word[0] == '[' && strstr(word, "]:") == NULL))
		strcat(word, ":80");
	if (addr_parse(word, &node->addr, &why) == -1) {
		warn(fn, arg, at, "\"%s\" is not an address (%s); skipped",
		    line, why);
		return 0;
	}
	addr_format(&node->addr, node->text, sizeof(node->text));
	if (hit != s || hit + m != end)
		warn(fn, arg, at, "\"%s\": read as %s, the rest ignored", line,
		    node->text);
	node->line = at;
	return 1;
}

int
nodefile_parse(const char *text, size_t len, struct nodefile_node **out,
    size_t *n, nodefile_warn_fn *fn, void *arg, char *why, size_t whylen)
{
	struct nodefile_node	*nodes = NULL, *grown, node;
	const char		*p = text, *end = text + len, *eol, *cut;
	size_t			 count = 0, cap = 0, at = 0, i;
	char			 line[16];

	*out = NULL;
	*n = 0;
	for (; p < end; p = eol + 1) {
		at++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((cut = memchr(p, '#', (size_t)(eol - p))) == NULL)
			cut = eol;
		if (read_line(p, cut, at, &node, fn, arg) == 0)
			continue;
		for (i = 0; i < count; i++)
			if (addr_equal(&nodes[i].addr, &node.addr))
				break;
		if (i < count) {
			snprintf(line, sizeof(line), "%zu", nodes[i].line);
			warn(fn, arg, at, "%s is on line %s already; skipped",
			    node.text, line);
			continue;
		}
		if (count == NODEFILE_MAX_NODES) {
			free(nodes);
			snprintf(why, whylen, "more than %d nodes",
			    NODEFILE_MAX_NODES);
			return -1;
		}
		if (count == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((grown = realloc(nodes, cap * sizeof(*nodes))) ==
			    NULL) {
				free(nodes);
				snprintf(why, whylen, "out of memory");
				return -1;
			}
			nodes = grown;
		}
		nodes[count++] = node;
	}
	*out = nodes;
	*n = count;
	return 0;
}
