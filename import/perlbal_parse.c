/*
 * The statements of Perlbal 1.80's configuration, one function each, found
 * through one table as run_manage_command finds MANAGE_<word> or a plugin's
 * hook.  Each checks its syntax as Perlbal's pattern does and says what
 * Perlbal would say, with the file and line.  SET and DEFAULT are
 * import/perlbal_set.c's.
 */
#include "import/perlbal_parse.h"

#include <ctype.h>
#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/readfile.h"
#include "import/perlbal_line.h"
#include "import/perlbal_set.h"
#include "import/perlbal_tables.h"

/* The words of a command: more than this is a usage error anywhere. */
#define MAX_WORDS	8

/* Perlbal's CommandContext and the line being run. */
struct pctx {
	struct perlbal_conf	*c;
	struct perlbal_where	 at;
	char			*last;	/* owned: last created or USEd */
	const char		*orig;	/* the line before expansion */
	unsigned		 depth;	/* of INCLUDE */
};

static void	run_text(struct perlbal_conf *c, const char *name,
		    const char *text, unsigned depth);

#define bad(x, ...)	perlbal_conf_error((x)->c, &(x)->at, __VA_ARGS__)
#define warn(x, ...)	perlbal_conf_warn((x)->c, &(x)->at, __VA_ARGS__)

/* Splits a copy of <cmd> on spaces into <buf>/<w>; returns the count. */
static size_t
split(const char *cmd, char *buf, size_t len, char **w)
{
	char	*p, *tok;
	size_t	 n = 0;

	snprintf(buf, len, "%s", cmd);
	for (p = buf; (tok = strsep(&p, " ")) != NULL;) {
		if (*tok == '\0')
			continue;
		if (n < MAX_WORDS)
			w[n] = tok;
		n++;
	}
	return n;
}

static bool
is_loaded(const struct perlbal_conf *c, const char *plugin)
{
	size_t	i;

	for (i = 0; c->loaded[i] != NULL; i++)
		if (strcmp(c->loaded[i], plugin) == 0)
			return true;
	return false;
}

static void
remember(struct pctx *x, const char *name)
{
	free(x->last);
	x->last = perlbal_conf_strdup(x->c, name);
}

/*
 * "KEY ?= ?VALUE" after <skip> bytes of <cmd>: <lhs> gets KEY (without
 * the one space before '='), <*value> points past the one after it.
 */
static bool
assignment(const char *cmd, size_t skip, char *lhs, size_t len,
    const char **value)
{
	const char	*eq;
	size_t		 n;

	if (strlen(cmd) < skip || (eq = strchr(cmd + skip, '=')) == NULL)
		return false;
	n = (size_t)(eq - cmd - skip);
	if (n > 0 && cmd[skip + n - 1] == ' ')
		n--;
	if (n == 0 || n >= len)
		return false;
	memcpy(lhs, cmd + skip, n);
	lhs[n] = '\0';
	*value = eq[1] == ' ' ? eq + 2 : eq + 1;
	return **value != '\0';
}

static void
cmd_create(struct pctx *x, const char *cmd)
{
	char	 buf[PERLBAL_LINE_MAX + 1], *w[MAX_WORDS];
	bool	 is_pool;

	if (split(cmd, buf, sizeof(buf), w) != 3 || (strcmp(w[1], "service") !=
	    0 && strcmp(w[1], "pool") != 0) || !perlbal_line_is_name(w[2])) {
		bad(x, "CREATE: usage: CREATE {service|pool} <name> (a name "
		    "of letters, digits and '_')");
		return;
	}
	is_pool = strcmp(w[1], "pool") == 0;
	if (perlbal_conf_service(x->c, w[2]) != NULL) {
		bad(x, "CREATE: service '%s' already exists", w[2]);
		return;
	}
	if (perlbal_conf_pool(x->c, w[2]) != NULL) {
		bad(x, "CREATE: pool '%s' already exists", w[2]);
		return;
	}
	if (is_pool) {
		x->c->may_vivify_pools = false;
		if (perlbal_conf_add_pool(x->c, w[2], &x->at) == NULL)
			return;
	} else if (perlbal_conf_add_service(x->c, w[2], &x->at) == NULL)
		return;
	remember(x, w[2]);
}

static void
cmd_use(struct pctx *x, const char *cmd)
{
	char	 buf[PERLBAL_LINE_MAX + 1], *w[MAX_WORDS];

	if (split(cmd, buf, sizeof(buf), w) != 2 ||
	    !perlbal_line_is_name(w[1])) {
		bad(x, "USE: usage: USE <service_or_pool_name>");
		return;
	}
	if (perlbal_conf_pool(x->c, w[1]) == NULL &&
	    perlbal_conf_service(x->c, w[1]) == NULL) {
		bad(x, "USE: non-existent pool or service '%s'", w[1]);
		return;
	}
	remember(x, w[1]);
}

/* POOL <name> ADD|REMOVE ip[:port], the verb and name either way round. */
static void
cmd_pool(struct pctx *x, const char *cmd)
{
	char			 buf[PERLBAL_LINE_MAX + 1], *w[MAX_WORDS],
				 ip[16], *verb, *name;
	struct perlbal_pool	*p;
	unsigned		 port;

	if (split(cmd, buf, sizeof(buf), w) != 4 ||
	    !perlbal_line_is_name(w[1]) || !perlbal_line_is_name(w[2])) {
		bad(x, "POOL: usage: POOL <name> {ADD|REMOVE} <ip>[:<port>]");
		return;
	}
	verb = w[1];
	name = w[2];
	if (strcmp(name, "add") == 0 || strcmp(name, "remove") == 0) {
		verb = w[2];
		name = w[1];
	}
	if (strcmp(verb, "add") != 0 && strcmp(verb, "remove") != 0) {
		bad(x, "POOL %s %s: invalid command: must be 'add' or "
		    "'remove'", w[1], w[2]);
		return;
	}
	/* Perlbal's pattern is looser, and a bad address fails later. */
	if (perlbal_set_ipport(w[3], 80, ip, &port) == -1) {
		bad(x, "POOL %s %s: \"%s\": expected an IPv4 address with an "
		    "optional :port (1 to 65535; 80 if none)", name, verb,
		    w[3]);
		return;
	}
	if ((p = perlbal_conf_pool(x->c, name)) == NULL) {
		bad(x, "POOL: pool '%s' not found", name);
		return;
	}
	if (strcmp(verb, "add") == 0)
		perlbal_conf_add_node(x->c, p, ip, port, &x->at);
	else
		perlbal_conf_remove_node(p, ip, port);
}

/* "[name[. ]]key": Perlbal's (?:(\w+)[\. ])?([\w\.]+) */
static bool
split_target(char *lhs, char **name, char **key)
{
	char	*p = lhs, *k;

	while (perlbal_line_is_word((unsigned char)*p))
		p++;
	*name = NULL;
	*key = lhs;
	if (p > lhs && (*p == '.' || *p == ' ') && p[1] != '\0') {
		*p = '\0';
		*name = lhs;
		*key = p + 1;
	}
	for (k = *key; *k != '\0'; k++)
		if (!perlbal_line_is_word((unsigned char)*k) && *k != '.')
			return false;
	return true;
}

static void
cmd_set(struct pctx *x, const char *cmd)
{
	char			 lhs[PERLBAL_LINE_MAX + 1], *name, *key;
	const char		*value;
	struct perlbal_service	*s;
	struct perlbal_pool	*p;

	if (!assignment(cmd, 4, lhs, sizeof(lhs), &value) ||
	    !split_target(lhs, &name, &key)) {
		bad(x, "SET: usage: SET [<service>] <param> = <value>");
		return;
	}
	if (name == NULL && (name = x->last) == NULL) {
		bad(x, "SET %s: omitted service/pool name not implied from "
		    "context (no CREATE or USE before it in this file)", key);
		return;
	}
	if ((s = perlbal_conf_service(x->c, name)) != NULL)
		perlbal_set_service(x->c, s, key, value, &x->at, false);
	else if ((p = perlbal_conf_pool(x->c, name)) != NULL)
		perlbal_set_pool(x->c, p, key, value, &x->at);
	else
		bad(x, "SET %s: service/pool '%s' does not exist", key, name);
}

static void
cmd_default(struct pctx *x, const char *cmd)
{
	char		 key[PERLBAL_LINE_MAX + 1];
	const char	*value;

	if (!assignment(cmd, 8, key, sizeof(key), &value) ||
	    !perlbal_line_is_name(key)) {
		bad(x, "DEFAULT: usage: DEFAULT <param> = <value>");
		return;
	}
	perlbal_set_default(x->c, key, value, &x->at);
}

/* HEADER <service> {INSERT|REMOVE} <header>[: <value>] */
static void
cmd_header(struct pctx *x, const char *cmd)
{
	char	 buf[PERLBAL_LINE_MAX + 1], *w[MAX_WORDS];
	size_t	 n = split(cmd, buf, sizeof(buf), w);
	bool	 is_insert;

	if (n < 4 || !perlbal_line_is_name(w[1]) || (strcasecmp(w[2],
	    "insert") != 0 && strcasecmp(w[2], "remove") != 0)) {
		bad(x, "HEADER: usage: HEADER <service> {INSERT|REMOVE} "
		    "<header>[: <value>]");
		return;
	}
	is_insert = strcasecmp(w[2], "insert") == 0;
	if (perlbal_conf_service(x->c, w[1]) == NULL) {
		bad(x, "HEADER: service '%s' does not exist", w[1]);
		return;
	}
	if (is_insert && strchr(cmd, ':') == NULL) {
		bad(x, "HEADER: no value provided");
		return;
	}
	warn(x, "service %s: HEADER %s: weir does not %s request fields on "
	    "demand; ignored", w[1], is_insert ? "INSERT" : "REMOVE",
	    is_insert ? "add" : "remove");
}

static void
cmd_enable(struct pctx *x, const char *cmd)
{
	char			 buf[PERLBAL_LINE_MAX + 1], *w[MAX_WORDS];
	struct perlbal_service	*s;
	bool			 is_enable;

	if (split(cmd, buf, sizeof(buf), w) != 2 ||
	    !perlbal_line_is_name(w[1])) {
		bad(x, "%s: usage: {ENABLE|DISABLE} <service>",
		    cmd[0] == 'e' ? "ENABLE" : "DISABLE");
		return;
	}
	is_enable = strcmp(w[0], "enable") == 0;
	if ((s = perlbal_conf_service(x->c, w[1])) == NULL) {
		bad(x, "%s: service '%s' does not exist", is_enable ? "ENABLE" :
		    "DISABLE", w[1]);
		return;
	}
	if (s->is_enabled == is_enable) {
		bad(x, "%s: service %s is already %s", is_enable ? "ENABLE" :
		    "DISABLE", s->name, is_enable ? "enabled" : "disabled");
		return;
	}
	if (!is_enable && s->role != NULL &&
	    strcmp(s->role, "management") == 0) {
		bad(x, "DISABLE: can't disable management service");
		return;
	}
	s->is_enabled = is_enable;
	s->enabled_at = x->at;
}

/* LOAD <plugin>: the case as written (before expansion) finds the file. */
static void
cmd_load(struct pctx *x, const char *cmd)
{
	char				 buf[PERLBAL_LINE_MAX + 1],
					*w[MAX_WORDS], obuf[PERLBAL_LINE_MAX + 1],
					*o[MAX_WORDS];
	const struct perlbal_plugin	*p;
	const char			*word;
	size_t				 i;

	if (split(cmd, buf, sizeof(buf), w) != 2 ||
	    !perlbal_line_is_name(w[1])) {
		bad(x, "LOAD: usage: LOAD <plugin>");
		return;
	}
	word = split(x->orig, obuf, sizeof(obuf), o) == 2 &&
	    perlbal_line_is_name(o[1]) ? o[1] : w[1];
	if ((p = perlbal_plugin_load(word)) == NULL) {
		bad(x, "LOAD %s: can't locate Perlbal/Plugin/%s.pm: Perlbal "
		    "1.80 has no such plugin (it tries the name as written, in "
		    "lower case and capitalized)", word, word);
		return;
	}
	if (is_loaded(x->c, p->name))
		return;
	for (i = 0; x->c->loaded[i] != NULL; i++)
		;
	if (i + 1 < sizeof(x->c->loaded) / sizeof(x->c->loaded[0]))
		x->c->loaded[i] = p->name;
}

static void
cmd_unload(struct pctx *x, const char *cmd)
{
	char	 buf[PERLBAL_LINE_MAX + 1], *w[MAX_WORDS];
	size_t	 i, j;

	if (split(cmd, buf, sizeof(buf), w) != 2 ||
	    !perlbal_line_is_name(w[1])) {
		bad(x, "UNLOAD: usage: UNLOAD <plugin>");
		return;
	}
	for (i = 0; x->c->loaded[i] != NULL; i++) {
		if (strcasecmp(x->c->loaded[i], w[1]) != 0)
			continue;
		/* The selectors unregister from every service. */
		for (j = 0; j < x->c->nservices; j++)
			if ((x->c->services[j].selector ==
			    PERLBAL_SELECT_VHOSTS &&
			    strcmp(x->c->loaded[i], "Vhosts") == 0) ||
			    (x->c->services[j].selector ==
			    PERLBAL_SELECT_VPATHS &&
			    strcmp(x->c->loaded[i], "Vpaths") == 0))
				x->c->services[j].selector =
				    PERLBAL_SELECT_NONE;
		for (; x->c->loaded[i] != NULL; i++)
			x->c->loaded[i] = x->c->loaded[i + 1];
		return;
	}
}

static void
cmd_server(struct pctx *x, const char *cmd)
{
	const struct perlbal_server_option	*o;
	char					 key[PERLBAL_LINE_MAX + 1];
	const char				*value, *v;
	size_t					 n;

	if (!assignment(cmd, 7, key, sizeof(key), &value) ||
	    strchr(key, ' ') != NULL) {
		bad(x, "SERVER: usage: SERVER <option> = <value>");
		return;
	}
	for (o = perlbal_server_options; o->name != NULL; o++) {
		n = strlen(o->name);
		if (strcmp(key, o->name) == 0 || (strncmp(key, o->name, n) ==
		    0 && key[n] == '('))
			break;
	}
	if (o->name == NULL) {
		bad(x, "SERVER %s: unknown server option", key);
		return;
	}
	v = value[0] == '-' ? value + 1 : value;
	if (o->is_numeric && (*v == '\0' || strspn(v, "0123456789") !=
	    strlen(v))) {
		bad(x, "SERVER %s: expected numeric parameter", key);
		return;
	}
	if (o->weir == NULL) {
		warn(x, "SERVER %s = %s: no weir equivalent (%s); ignored",
		    key, value, o->instead);
		return;
	}
	free(x->c->pidfile);
	x->c->pidfile = perlbal_conf_strdup(x->c, value);
	x->c->pidfile_at = x->at;
}

/*
 * VHOST [<service>] <host> = <target> and VPATH [<service>] <regex> =
 * <target>: Perlbal's (?:(\w+)\s+)?(\S+)\s*=\s*(\w+)$, the pattern in
 * lower case like everything before the '='.
 */
static void
cmd_rule(struct pctx *x, const char *cmd, bool is_vpath)
{
	const char		*what = is_vpath ? "VPATH" : "VHOST";
	char			 lhs[PERLBAL_LINE_MAX + 1], *w[MAX_WORDS],
				 buf[PERLBAL_LINE_MAX + 1], *sel, *pat;
	const char		*eq = strrchr(cmd, '='), *target, *p;
	struct perlbal_service	*s;
	struct perlbal_where	 old;
	size_t			 n;

	target = eq != NULL ? eq + 1 : "";
	while (*target == ' ')
		target++;
	n = eq != NULL ? (size_t)(eq - cmd) : 0;
	if (n >= sizeof(lhs) || !perlbal_line_is_name(target))
		n = 0;
	memcpy(lhs, cmd, n);
	lhs[n] = '\0';
	n = n > 0 ? split(lhs, buf, sizeof(buf), w) : 0;
	if (n < 2 || n > 3 || (n == 3 && !perlbal_line_is_name(w[1]))) {
		bad(x, "%s: usage: %s [<service>] <%s> = <dest_service>", what,
		    what, is_vpath ? "path regex" : "host_or_pattern");
		return;
	}
	sel = n == 3 ? w[1] : x->last;
	pat = w[n - 1];
	if (sel == NULL) {
		bad(x, "%s: omitted service name not implied from context",
		    what);
		return;
	}
	s = perlbal_conf_service(x->c, sel);
	if (s == NULL || s->role == NULL || strcmp(s->role, "selector") !=
	    0) {
		bad(x, "%s: service '%s' is not a selector service", what, sel);
		return;
	}
	for (p = pat; !is_vpath && *p != '\0'; p++)
		if (!perlbal_line_is_word((unsigned char)*p) &&
		    strchr("-.*;:", *p) == NULL) {
			bad(x, "VHOST: invalid host pattern: '%s'", pat);
			return;
		}
	if (perlbal_conf_add_rule(x->c, s, is_vpath, pat, target, &x->at,
	    &old) == 0 && old.line != 0)
		warn(x, "service %s: VHOST %s replaces the one at %s:%u, as in "
		    "Perlbal", s->name, pat, old.file, old.line);
}

static void
cmd_vhost(struct pctx *x, const char *cmd)
{
	cmd_rule(x, cmd, false);
}

static void
cmd_vpath(struct pctx *x, const char *cmd)
{
	cmd_rule(x, cmd, true);
}

/*
 * Runs the file at <path>, INCLUDEd <depth> deep from <from> (NULL: the
 * file given to the import), where a file that cannot be read is
 * reported.
 */
static void
run_file(struct perlbal_conf *c, const char *path, unsigned depth,
    const struct perlbal_where *from)
{
	struct readfile		 f;
	struct perlbal_where	 at;
	char			 err[READFILE_ERR_MAX];
	const char		*nul, *p;

	if (readfile_load(path, PERLBAL_FILE_MAX_BYTES, &f, err,
	    sizeof(err)) == -1) {
		if (from != NULL)
			perlbal_conf_error(c, from, "INCLUDE: error opening "
			    "config file (%s): %s", path, err);
		else
			perlbal_conf_error(c, NULL, "%s: %s", path, err);
		return;
	}
	if ((at.file = perlbal_conf_file(c, path)) != NULL) {
		if ((nul = memchr(f.data, '\0', f.len)) != NULL) {
			for (at.line = 1, p = f.data; p < nul; p++)
				at.line += *p == '\n';
			perlbal_conf_error(c, &at, "a NUL byte: not a text "
			    "file");
		} else
			run_text(c, at.file, f.data, depth);
	}
	readfile_free(&f);
}

static void
include_one(struct pctx *x, const char *path)
{
	if (x->depth + 1 >= PERLBAL_INCLUDE_DEPTH)
		bad(x, "INCLUDE %s: nested more than %d deep (a file that "
		    "includes itself?)", path, PERLBAL_INCLUDE_DEPTH);
	else
		run_file(x->c, path, x->depth + 1, &x->at);
}

/*
 * INCLUDE = <patterns>: each word globbed as Perl's glob() does (braces,
 * ~); a word without wildcards is a file that must exist.
 */
static void
cmd_include(struct pctx *x, const char *cmd)
{
	char	*copy, *p, *tok;
	glob_t	 g;
	size_t	 i;
	int	 rv;

	if (strncmp(cmd, "include = ", 10) != 0 || cmd[10] == '\0') {
		bad(x, "INCLUDE: usage: INCLUDE = <config files>");
		return;
	}
	if ((copy = perlbal_conf_strdup(x->c, cmd + 10)) == NULL)
		return;
	for (p = copy; (tok = strsep(&p, " \t")) != NULL;) {
		if (*tok == '\0')
			continue;
		if (strpbrk(tok, "*?[{~") == NULL) {
			include_one(x, tok);
			continue;
		}
		rv = glob(tok, GLOB_BRACE | GLOB_TILDE, NULL, &g);
		if (rv == GLOB_NOMATCH)
			warn(x, "INCLUDE %s: no file matches", tok);
		else if (rv != 0)
			bad(x, "INCLUDE %s: cannot list the files it "
			    "matches", tok);
		for (i = 0; rv == 0 && i < g.gl_pathc; i++)
			include_one(x, g.gl_pathv[i]);
		if (rv == 0)
			globfree(&g);
	}
	free(copy);
}

/* Commands that show Perlbal's state: nothing for a configuration. */
static void
cmd_query(struct pctx *x, const char *cmd)
{
	warn(x, "%.*s: shows or changes Perlbal's running state; nothing "
	    "to convert, ignored", (int)strcspn(cmd, " "), cmd);
}

static void
cmd_verbose(struct pctx *x, const char *cmd)
{
	if (strcmp(cmd, "verbose on") != 0 && strcmp(cmd, "verbose off") != 0)
		bad(x, "VERBOSE: usage: VERBOSE {on|off}");
}

static void
cmd_fatal(struct pctx *x, const char *cmd)
{
	bad(x, "%.*s: Perlbal stops here, before it serves",
	    (int)strcspn(cmd, " "), cmd);
}

static void
cmd_mime(struct pctx *x, const char *cmd)
{
	(void)cmd;
	warn(x, "MIME: weir's web_server reads its types from "
	    "/etc/mime.types; ignored");
}

/* A command a plugin adds that weir has nothing for. */
static void
cmd_plugin(struct pctx *x, const char *cmd)
{
	warn(x, "%.*s: a command of a Perlbal plugin; no weir equivalent; "
	    "ignored", (int)strcspn(cmd, " "), cmd);
}

typedef void	(*cmd_fn)(struct pctx *, const char *);

/* Perlbal.pm's MANAGE_* functions, then the hooks plugins register. */
static const struct command {
	const char	*name;
	cmd_fn		 run;
	const char	*plugin;	/* exists once this is loaded */
} commands[] = {
	{ "create", cmd_create, NULL },
	{ "use", cmd_use, NULL },
	{ "pool", cmd_pool, NULL },
	{ "set", cmd_set, NULL },
	{ "default", cmd_default, NULL },
	{ "header", cmd_header, NULL },
	{ "enable", cmd_enable, NULL },
	{ "disable", cmd_enable, NULL },
	{ "load", cmd_load, NULL },
	{ "unload", cmd_unload, NULL },
	{ "server", cmd_server, NULL },
	{ "verbose", cmd_verbose, NULL },
	{ "mime", cmd_mime, NULL },
	{ "shutdown", cmd_fatal, NULL },
	{ "crash", cmd_fatal, NULL },
	{ "aio", cmd_query, NULL },
	{ "backends", cmd_query, NULL },
	{ "dumpconfig", cmd_query, NULL },
	{ "fd", cmd_query, NULL },
	{ "gladiator", cmd_query, NULL },
	{ "help", cmd_query, NULL },
	{ "leaks", cmd_query, NULL },
	{ "node", cmd_query, NULL },
	{ "nodes", cmd_query, NULL },
	{ "noverify", cmd_query, NULL },
	{ "obj", cmd_query, NULL },
	{ "pending", cmd_query, NULL },
	{ "plugins", cmd_query, NULL },
	{ "proc", cmd_query, NULL },
	{ "prof", cmd_query, NULL },
	{ "queues", cmd_query, NULL },
	{ "reload", cmd_query, NULL },
	{ "reproxy_state", cmd_query, NULL },
	{ "show", cmd_query, NULL },
	{ "socks", cmd_query, NULL },
	{ "state", cmd_query, NULL },
	{ "states", cmd_query, NULL },
	{ "track", cmd_query, NULL },
	{ "uptime", cmd_query, NULL },
	{ "varsize", cmd_query, NULL },
	{ "version", cmd_query, NULL },
	{ "xs", cmd_query, NULL },
	{ "vhost", cmd_vhost, "Vhosts" },
	{ "vpath", cmd_vpath, "Vpaths" },
	{ "include", cmd_include, "Include" },
	{ "access", cmd_plugin, "AccessControl" },
	{ "patterns", cmd_plugin, "Highpri" },
	{ "perlrequire", cmd_plugin, "Cgilike" },
	{ "perlhandler", cmd_plugin, "Cgilike" },
	{ "redirect", cmd_plugin, "Redirect" },
	{ "stats", cmd_plugin, "Stats" },
	{ "recent", cmd_plugin, "Stats" },
	{ "throttle", cmd_plugin, "Throttle" },
	{ NULL, NULL, NULL }
};

static void
run_command(struct pctx *x, const char *cmd)
{
	const struct command	*k;
	size_t			 n;

	for (n = 0; perlbal_line_is_word((unsigned char)cmd[n]); n++)
		;
	if (n == 0) {
		bad(x, "invalid command \"%s\"", cmd);
		return;
	}
	for (k = commands; k->name != NULL; k++) {
		if (strlen(k->name) != n || strncmp(k->name, cmd, n) != 0)
			continue;
		if (k->plugin != NULL && !is_loaded(x->c, k->plugin)) {
			bad(x, "unknown command: %.*s (it comes with plugin "
			    "%s: LOAD %s first)", (int)n, cmd, k->plugin,
			    k->plugin);
			return;
		}
		k->run(x, cmd);
		return;
	}
	bad(x, "unknown command: %.*s", (int)n, cmd);
}

static void
run_text(struct perlbal_conf *c, const char *name, const char *text,
    unsigned depth)
{
	struct pctx		 x = { .c = c, .depth = depth };
	struct perlbal_line	 l;
	char			 err[PERLBAL_LINE_ERR_MAX], *copy, *line, *next;

	if ((copy = perlbal_conf_strdup(c, text)) == NULL)
		return;
	x.at.file = name;
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		x.at.line++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (perlbal_line_cook(line, &l, err, sizeof(err)) == -1)
			bad(&x, "%s", err);
		else {
			if (l.unset[0] != '\0')
				perlbal_conf_warn(c, &x.at, "$%s: not set in "
				    "the environment; it reads as \"\", as in "
				    "Perlbal", l.unset);
			x.orig = l.orig;
			if (l.cmd[0] != '\0')
				run_command(&x, l.cmd);
		}
		perlbal_line_free(&l);
	}
	free(x.last);
	free(copy);
}

void
perlbal_parse_text(struct perlbal_conf *c, const char *name,
    const char *text)
{
	const char	*n = perlbal_conf_file(c, name);

	if (n != NULL)
		run_text(c, n, text, 0);
}

void
perlbal_parse_file(struct perlbal_conf *c, const char *path)
{
	run_file(c, path, 0, NULL);
}
