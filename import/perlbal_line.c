/*
 * Perlbal runs each line through a fixed list of substitutions before it
 * looks at the command; this file does the same ones in the same order,
 * so a value keeps its case, a '#' anywhere starts a comment and an
 * expansion before the '=' is lower-cased with the rest.
 */
#include "import/perlbal_line.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A growing string, bounded by PERLBAL_LINE_MAX. */
struct str {
	char	*s;
	size_t	 len;
	bool	 is_long;
};

static bool
str_add(struct str *b, const char *p, size_t n)
{
	char	*q;

	if (b->len + n > PERLBAL_LINE_MAX) {
		b->is_long = true;
		return false;
	}
	if ((q = realloc(b->s, b->len + n + 1)) == NULL)
		return false;
	memcpy(q + b->len, p, n);
	b->len += n;
	q[b->len] = '\0';
	b->s = q;
	return true;
}

int
perlbal_line_is_word(int ch)
{
	return isalnum(ch) || ch == '_';
}

int
perlbal_line_is_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!perlbal_line_is_word((unsigned char)*s))
			return 0;
	return 1;
}

/* The comment cut at '#', blanks trimmed, each run of them one space. */
static char *
squeeze(const char *raw)
{
	const char	*end = strchr(raw, '#');
	char		*out, *o;
	bool		 is_blank = false;

	if (end == NULL)
		end = raw + strlen(raw);
	if ((out = malloc((size_t)(end - raw) + 1)) == NULL)
		return NULL;
	for (o = out; raw < end; raw++) {
		if (isspace((unsigned char)*raw)) {
			is_blank = o != out;
			continue;
		}
		if (is_blank)
			*o++ = ' ';
		is_blank = false;
		*o++ = *raw;
	}
	*o = '\0';
	return out;
}

/* The first IPv4 address of interface <name>, as ifconfig showed it. */
static int
iface_ip(const char *name, char *buf, size_t len)
{
	struct ifaddrs	*all, *ifa;
	int		 rv = -1;

	if (getifaddrs(&all) == -1)
		return -1;
	for (ifa = all; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family !=
		    AF_INET || strcmp(ifa->ifa_name, name) != 0)
			continue;
		if (inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    ifa->ifa_addr)->sin_addr, buf, (socklen_t)len) != NULL)
			rv = 0;
		break;
	}
	freeifaddrs(all);
	return rv;
}

static void
note_unset(struct perlbal_line *out, const char *name)
{
	size_t	n = strlen(out->unset);

	snprintf(out->unset + n, sizeof(out->unset) - n, "%s%s",
	    n > 0 ? ", " : "", name);
}

/*
 * Perlbal's _expand_config_var(): "ip:IFACE" is the interface's address;
 * anything else stops it.  A bare NAME is the environment's here.
 */
static int
expand_braced(const char *var, struct perlbal_line *out, struct str *b,
    char *err, size_t errlen)
{
	const char	*colon = strchr(var, ':'), *v;
	char		 ip[INET_ADDRSTRLEN];

	if (colon == NULL && perlbal_line_is_name(var)) {
		if ((v = getenv(var)) == NULL) {
			note_unset(out, var);
			v = "";
		}
		return str_add(b, v, strlen(v)) ? 0 : -1;
	}
	if (colon == NULL || colon == var || colon[1] == '\0') {
		snprintf(err, errlen, "unknown config variable \"${%s}\"; "
		    "expected ${ip:INTERFACE} or ${NAME}", var);
		return -1;
	}
	for (v = var; v < colon; v++)
		if (!perlbal_line_is_word((unsigned char)*v))
			break;
	if (v != colon || (size_t)(colon - var) != 2 ||
	    strncmp(var, "ip", 2) != 0) {
		snprintf(err, errlen, "unknown config variable type in "
		    "\"${%s}\"; Perlbal knows only ${ip:INTERFACE}", var);
		return -1;
	}
	if (!perlbal_line_is_name(colon + 1)) {
		snprintf(err, errlen, "bogus-looking interface name in "
		    "\"${%s}\"", var);
		return -1;
	}
	if (iface_ip(colon + 1, ip, sizeof(ip)) == -1) {
		snprintf(err, errlen, "cannot find the IPv4 address of "
		    "interface \"%s\"", colon + 1);
		return -1;
	}
	return str_add(b, ip, strlen(ip)) ? 0 : -1;
}

/* s/\$\{(.+?)\}/_expand_config_var($1)/eg */
static int
expand_braces(const char *in, struct perlbal_line *out, struct str *b,
    char *err, size_t errlen)
{
	const char	*p = in, *open, *close;
	char		*var;
	int		 rv;

	/* ".+?": the name has one character at least, even a '}'. */
	while ((open = strstr(p, "${")) != NULL && open[2] != '\0' &&
	    (close = strchr(open + 3, '}')) != NULL) {
		if (!str_add(b, p, (size_t)(open - p)))
			return -1;
		if ((var = strndup(open + 2, (size_t)(close - open - 2))) ==
		    NULL)
			return -1;
		rv = expand_braced(var, out, b, err, errlen);
		free(var);
		if (rv == -1)
			return -1;
		p = close + 1;
	}
	return str_add(b, p, strlen(p)) ? 0 : -1;
}

/* s/\$(\w+)/$ENV{$1}/g */
static int
expand_names(const char *in, struct perlbal_line *out, struct str *b)
{
	const char	*p = in, *d, *e, *v;
	char		*name;

	while ((d = strchr(p, '$')) != NULL) {
		for (e = d + 1; perlbal_line_is_word((unsigned char)*e); e++)
			;
		if (!str_add(b, p, (size_t)(e == d + 1 ? e - p : d - p)))
			return -1;
		p = e;
		if (e == d + 1)
			continue;
		if ((name = strndup(d + 1, (size_t)(e - d - 1))) == NULL)
			return -1;
		if ((v = getenv(name)) == NULL) {
			note_unset(out, name);
			v = "";
		}
		free(name);
		if (!str_add(b, v, strlen(v)))
			return -1;
	}
	return str_add(b, p, strlen(p)) ? 0 : -1;
}

int
perlbal_line_cook(const char *raw, struct perlbal_line *out, char *err,
    size_t errlen)
{
	struct str	 braces = { 0 }, names = { 0 };
	char		*p;
	int		 rv = -1;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if ((out->orig = squeeze(raw)) == NULL)
		goto nomem;
	if (expand_braces(out->orig, out, &braces, err, errlen) == -1 ||
	    expand_names(braces.s != NULL ? braces.s : "", out, &names) ==
	    -1) {
		if (braces.is_long || names.is_long)
			snprintf(err, errlen, "longer than %d bytes once "
			    "expanded", PERLBAL_LINE_MAX);
		else if (err[0] == '\0')
			goto nomem;
		goto done;
	}
	out->cmd = names.s != NULL ? names.s : strdup("");
	names.s = NULL;
	if (out->cmd == NULL)
		goto nomem;
	/* s/^([^=]+)/lc $1/e */
	for (p = out->cmd; *p != '\0' && *p != '='; p++)
		*p = (char)tolower((unsigned char)*p);
	rv = 0;
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
done:
	free(braces.s);
	free(names.s);
	return rv;
}

void
perlbal_line_free(struct perlbal_line *l)
{
	free(l->cmd);
	free(l->orig);
	l->cmd = l->orig = NULL;
}
