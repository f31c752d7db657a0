/*
 * Reading Perlbal console lines.  Each pattern below is the one the
 * MANAGE_* handler of Perlbal 1.80 (Perlbal.pm) matches, written out by
 * hand, and each error text is the one Perlbal prints, so that a script
 * that drove Perlbal reads the same answers from weir.
 */
#include "master/manage_parse.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const verb_names[MANAGE_VERB_COUNT] = {
	[MANAGE_NOTHING] = "nothing",
	[MANAGE_QUIT] = "quit",
	[MANAGE_ERROR] = "error",
	[MANAGE_SHOW_SERVICES] = "show-services",
	[MANAGE_SHOW_SERVICE] = "show-service",
	[MANAGE_SHOW_POOLS] = "show-pools",
	[MANAGE_SHOW_POOL] = "show-pool",
	[MANAGE_POOL_ADD] = "pool-add",
	[MANAGE_POOL_REMOVE] = "pool-remove",
	[MANAGE_CREATE_POOL] = "create-pool",
	[MANAGE_CREATE_SERVICE] = "create-service",
	[MANAGE_USE] = "use",
	[MANAGE_SET] = "set",
	[MANAGE_ENABLE] = "enable",
	[MANAGE_DISABLE] = "disable",
	[MANAGE_NODES] = "nodes",
	[MANAGE_STATS] = "stats",
	[MANAGE_QUEUES] = "queues",
	[MANAGE_STATES] = "states",
	[MANAGE_PROC] = "proc",
	[MANAGE_VERSION] = "version",
	[MANAGE_UNSUPPORTED] = "unsupported",
};

/*
 * Perlbal commands weir knows but does not run: configuration that has no
 * runtime form here, or Perl internals.  They answer with why, rather
 * than "unknown command", so an operator knows it was heard.
 */
static const char *const unsupported[] = {
	"aio", "crash", "default", "dumpconfig", "fd", "gladiator", "header",
	"leaks", "load", "mime", "noverify", "obj", "pending", "plugins",
	"prof", "reload", "reproxy_state", "server", "shutdown", "socks",
	"state", "track", "unload", "varsize", "verbose", "xs", "backends",
	"help", NULL
};

const char *
manage_verb_name(enum manage_verb verb)
{
	if ((unsigned)verb >= MANAGE_VERB_COUNT)
		return "?";
	return verb_names[verb];
}

static void
error(struct manage_req *req, const char *fmt, const char *arg)
{
	req->verb = MANAGE_ERROR;
	req->name[0] = req->node[0] = req->key[0] = req->value[0] = '\0';
	snprintf(req->error, sizeof(req->error), fmt, arg);
}

static bool
is_wordc(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Perl's \w+ over the whole of <s>, and short enough for a name. */
static bool
is_word(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!is_wordc(s[i]))
			return false;
	return i > 0 && i <= MANAGE_NAME_MAX;
}

static bool
is_digits(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/*
 * "ip" or "ip:port" as Perlbal's (\d+.\d+.\d+.\d+)(?::(\d+))? takes it,
 * port 80 when left out, into <out> as "ip:port".  weir also takes
 * "[v6]" and "[v6]:port".  False when it is neither or out of range.
 */
static bool
read_node(const char *s, char *out, size_t len)
{
	struct addr	 a;
	const char	*why, *colon, *p;
	char		 buf[ADDR_STRLEN + 8];
	int		 dots = 0;

	if (strlen(s) >= ADDR_STRLEN)
		return false;
	if (s[0] == '[') {
		if ((p = strchr(s, ']')) == NULL || (p[1] != '\0' &&
		    (p[1] != ':' || !is_digits(p + 2, strlen(p + 2)))))
			return false;
		snprintf(buf, sizeof(buf), p[1] == '\0' ? "%s:80" : "%s", s);
	} else {
		colon = strchr(s, ':');
		for (p = s; *p != '\0' && p != colon; p++) {
			if (*p == '.')
				dots++;
			else if (!isdigit((unsigned char)*p))
				return false;
		}
		if (dots != 3 || (colon != NULL &&
		    !is_digits(colon + 1, strlen(colon + 1))))
			return false;
		snprintf(buf, sizeof(buf), colon == NULL ? "%s:80" : "%s", s);
	}
	if (addr_parse(buf, &a, &why) == -1)
		return false;
	addr_format(&a, out, len);
	return true;
}

/*
 * Perlbal's cleaning: "#" to the end cut, blanks at both ends dropped,
 * runs of blanks made one space, lower case up to the first "=" (values
 * keep their case).  Returns false when <in> does not fit <out>.
 */
static bool
clean(const char *in, char *out, size_t len)
{
	size_t	 n = 0;
	bool	 is_blank = false, is_value = false;
	const char *p;

	for (p = in; *p != '\0' && *p != '#'; p++) {
		if (isspace((unsigned char)*p)) {
			is_blank = n > 0;
			continue;
		}
		if (n + 3 > len)
			return false;
		if (is_blank)
			out[n++] = ' ';
		is_blank = false;
		if (*p == '=')
			is_value = true;
		out[n++] = is_value ? *p : (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	return true;
}

/* Splits <s> at spaces into at most <max> words; returns how many, or
   max + 1 when there are more. */
static int
words(char *s, char **w, int max)
{
	int	n = 0;
	char	*p = s;

	while (*p != '\0') {
		if (n == max)
			return max + 1;
		w[n++] = p;
		if ((p = strchr(p, ' ')) == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

static void
parse_show(char *rest, struct manage_req *req)
{
	char	*w[3];
	int	 n = words(rest, w, 2);

	if (n >= 1 && n <= 2 && strcmp(w[0], "service") == 0) {
		if (n == 1) {
			req->verb = MANAGE_SHOW_SERVICES;
			return;
		}
		if (is_word(w[1])) {
			req->verb = MANAGE_SHOW_SERVICE;
			snprintf(req->name, sizeof(req->name), "%s", w[1]);
			return;
		}
	}
	if (n >= 1 && n <= 2 && strcmp(w[0], "pool") == 0) {
		if (n == 1) {
			req->verb = MANAGE_SHOW_POOLS;
			return;
		}
		if (is_word(w[1])) {
			req->verb = MANAGE_SHOW_POOL;
			snprintf(req->name, sizeof(req->name), "%s", w[1]);
			return;
		}
	}
	error(req, "Invalid syntax to '%s' command", "show");
}

/* pool add NAME ip[:port], or pool NAME add ...; likewise remove. */
static void
parse_pool(char *rest, struct manage_req *req)
{
	char	*w[4], *verb, *name;
	int	 n = words(rest, w, 3);

	if (n != 3 || !is_word(w[0]) || !is_word(w[1]) ||
	    !read_node(w[2], req->node, sizeof(req->node))) {
		error(req, "Invalid syntax to '%s' command", "pool");
		return;
	}
	verb = w[0];
	name = w[1];
	if (strcmp(name, "add") == 0 || strcmp(name, "remove") == 0) {
		verb = w[1];
		name = w[0];
	}
	if (strcmp(verb, "add") == 0)
		req->verb = MANAGE_POOL_ADD;
	else if (strcmp(verb, "remove") == 0)
		req->verb = MANAGE_POOL_REMOVE;
	else {
		error(req, "%s", "Invalid command:  must be 'add' or 'remove'");
		return;
	}
	snprintf(req->name, sizeof(req->name), "%s", name);
}

static void
parse_create(char *rest, struct manage_req *req)
{
	char	*w[3];
	int	 n = words(rest, w, 2);

	if (n == 2 && is_word(w[1]) && (strcmp(w[0], "pool") == 0 ||
	    strcmp(w[0], "service") == 0)) {
		req->verb = w[0][0] == 'p' ? MANAGE_CREATE_POOL :
		    MANAGE_CREATE_SERVICE;
		snprintf(req->name, sizeof(req->name), "%s", w[1]);
		return;
	}
	error(req, "%s", "usage: CREATE {service|pool} <name>");
}

/*
 * set [NAME(.| )]KEY ?= ?VALUE, Perlbal's
 * ^set (?:(\w+)[\. ])?([\w\.]+) ?= ?(.+)$ taken apart by hand.
 */
static void
parse_set(char *rest, struct manage_req *req)
{
	char	*eq = strchr(rest, '='), *left = rest, *key, *sep, *value;
	size_t	 len;

	if (eq == NULL)
		goto usage;
	*eq = '\0';
	value = eq + 1;
	if (*value == ' ')
		value++;
	len = strlen(left);
	if (len > 0 && left[len - 1] == ' ')
		left[--len] = '\0';
	if (*value == '\0' || len == 0)
		goto usage;
	key = left;
	if ((sep = strchr(left, ' ')) != NULL ||
	    (sep = strchr(left, '.')) != NULL) {
		*sep = '\0';
		if (!is_word(left))
			goto usage;
		snprintf(req->name, sizeof(req->name), "%s", left);
		key = sep + 1;
	}
	for (sep = key; *sep != '\0'; sep++)
		if (!is_wordc(*sep) && *sep != '.')
			goto usage;
	if (*key == '\0' || strlen(key) > MANAGE_NAME_MAX)
		goto usage;
	req->verb = MANAGE_SET;
	snprintf(req->key, sizeof(req->key), "%s", key);
	snprintf(req->value, sizeof(req->value), "%s", value);
	return;
usage:
	req->name[0] = '\0';
	error(req, "%s", "usage: SET [<service>] <param> = <value>");
}

static bool
is_unsupported(const char *base)
{
	size_t	i;

	for (i = 0; unsupported[i] != NULL; i++)
		if (strcmp(unsupported[i], base) == 0)
			return true;
	return false;
}

/*
 * Each command takes the base word (what Perl's ^(\w+) took) and the rest
 * of the line after one space, or NULL when nothing follows the base.
 */
typedef void	parse_fn(const char *base, char *rest,
		    struct manage_req *req);

static void
p_show(const char *base, char *rest, struct manage_req *req)
{
	if (rest == NULL)
		error(req, "Invalid syntax to '%s' command", base);
	else
		parse_show(rest, req);
}

static void
p_pool(const char *base, char *rest, struct manage_req *req)
{
	if (rest == NULL)
		error(req, "Invalid syntax to '%s' command", base);
	else
		parse_pool(rest, req);
}

static void
p_create(const char *base, char *rest, struct manage_req *req)
{
	(void)base;
	if (rest == NULL)
		error(req, "%s", "usage: CREATE {service|pool} <name>");
	else
		parse_create(rest, req);
}

static void
p_set(const char *base, char *rest, struct manage_req *req)
{
	(void)base;
	if (rest == NULL)
		error(req, "%s", "usage: SET [<service>] <param> = <value>");
	else
		parse_set(rest, req);
}

/* use NAME, enable NAME, disable NAME. */
static void
p_named(const char *base, char *rest, struct manage_req *req)
{
	if (rest == NULL || !is_word(rest)) {
		error(req, "%s", base[0] == 'u' ?
		    "usage: USE <service_or_pool_name>" :
		    "Usage: {ENABLE|DISABLE} <service>");
		return;
	}
	req->verb = base[0] == 'u' ? MANAGE_USE : base[0] == 'e' ?
	    MANAGE_ENABLE : MANAGE_DISABLE;
	snprintf(req->name, sizeof(req->name), "%s", rest);
}

static void
p_nodes(const char *base, char *rest, struct manage_req *req)
{
	if (rest == NULL || read_node(rest, req->node, sizeof(req->node)))
		req->verb = MANAGE_NODES;
	else
		error(req, "Invalid syntax to '%s' command", base);
}

/* Perlbal's Stats plugin takes whatever follows. */
static void
p_stats(const char *base, char *rest, struct manage_req *req)
{
	(void)base;
	(void)rest;
	req->verb = MANAGE_STATS;
}

static void
p_states(const char *base, char *rest, struct manage_req *req)
{
	(void)base;
	req->verb = MANAGE_STATES;
	if (rest != NULL)
		snprintf(req->name, sizeof(req->name), "%s", rest);
}

/* No arguments: Perlbal's no_opts(). */
static void
p_no_opts(const char *base, char *rest, struct manage_req *req)
{
	if (rest != NULL) {
		error(req, "The '%s' command takes no arguments", base);
		return;
	}
	req->verb = base[0] == 'q' ? MANAGE_QUEUES : base[0] == 'p' ?
	    MANAGE_PROC : MANAGE_VERSION;
}

static const struct {
	const char	*base;
	parse_fn	*parse;
} commands[] = {
	{ "show", p_show },
	{ "pool", p_pool },
	{ "create", p_create },
	{ "set", p_set },
	{ "use", p_named },
	{ "enable", p_named },
	{ "disable", p_named },
	{ "nodes", p_nodes },
	{ "node", p_nodes },
	{ "stats", p_stats },
	{ "states", p_states },
	{ "queues", p_no_opts },
	{ "proc", p_no_opts },
	{ "version", p_no_opts },
	{ "uptime", p_no_opts },
};

void
manage_parse(const char *line, struct manage_req *req)
{
	char	 buf[MANAGE_LINE_MAX], base[MANAGE_NAME_MAX + 1];
	char	*rest;
	size_t	 blen, i;

	memset(req, 0, sizeof(*req));
	if (!clean(line, buf, sizeof(buf))) {
		error(req, "command longer than %s bytes", "1021");
		return;
	}
	if (buf[0] == '\0')
		return;
	/* Perlbal quits on its raw line; either way the session ends. */
	if (strcmp(buf, "quit") == 0 || strcmp(buf, "exit") == 0) {
		req->verb = MANAGE_QUIT;
		return;
	}
	for (blen = 0; is_wordc(buf[blen]); blen++)
		;
	if (blen == 0) {
		error(req, "%s", "invalid command");
		return;
	}
	if (blen > MANAGE_NAME_MAX)
		blen = MANAGE_NAME_MAX;
	memcpy(base, buf, blen);
	base[blen] = '\0';
	rest = buf[blen] == '\0' ? NULL : buf + blen + (buf[blen] == ' ');
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].base, base) == 0) {
			commands[i].parse(base, rest, req);
			return;
		}
	if (is_unsupported(base)) {
		req->verb = MANAGE_UNSUPPORTED;
		snprintf(req->error, sizeof(req->error), "'%s' is a Perlbal "
		    "command weir does not run", base);
	} else
		error(req, "unknown command: %s", base);
}
