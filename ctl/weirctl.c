/*
 * weirctl: reports on a running weir from its shared segment, and gives it
 * admin commands over the master's control socket.  It finds both through
 * -s DIR or the "state_dir" of the configuration file, and deliberately
 * reads nothing else from that file, so it keeps working while the file is
 * being edited into something the daemon would reject.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "common/config.h"
#include "common/shm_layout.h"
#include "ctl/proc.h"
#include "ctl/render.h"
#include "ctl/top.h"
#include "stats/render.h"
#include "stats/snapshot.h"
/* For the protocol's names only: weirctl links nothing of the master. */
#include "common/control_proto.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif

#define DEFAULT_CONFIG		SYSCONFDIR "/weir/weir.json"
#define DEFAULT_STATE_DIR	"/run/weir"
/* The master answers within its 500 ms read bound; this is for a stuck one. */
#define CONTROL_TIMEOUT_S	5

enum stats_format {
	FORMAT_TEXT = 0,
	FORMAT_JSON,
	FORMAT_PROMETHEUS,
};

struct ctl {
	const char	*config_path;	/* borrowed from argv; NULL: default */
	bool		 is_wide;	/* -w: every column, whatever fits */
	const char	*state_dir;	/* borrowed from argv or conf */
	json_t		*conf;		/* owned; NULL when not read */
	char		 shm_path[4096];
	char		 sock_path[4096];
};

struct command {
	const char	*name;
	int		(*run)(struct ctl *, int, char **);
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: weirctl [-c FILE | -s DIR] [-w] command\n"
	    "\n"
	    "  -c FILE   configuration of the instance (default %s);\n"
	    "            only its \"state_dir\" is read\n"
	    "  -s DIR    state directory of the instance (default %s)\n"
	    "  -w        wide: every column, however wide (default: the\n"
	    "            tables fit 80 columns, top fits its terminal)\n"
	    "  -h        this help\n"
	    "\n"
	    "commands:\n"
	    "  status                       master pid, uptime, config, "
	    "generation, workers\n"
	    "  stats [--json|--prometheus]  services and backends: state, "
	    "connections,\n"
	    "                               requests, 1xx-5xx, errors, "
	    "bytes,\n"
	    "                               latency, last health check\n"
	    "  top                          the same, refreshed every second "
	    "('q' quits)\n"
	    "  backend enable|disable|drain POOL ADDRESS\n"
	    "                               change a backend's admin state on "
	    "every worker\n"
	    "  backend add POOL ADDRESS [WEIGHT]\n"
	    "  backend remove POOL ADDRESS\n"
	    "  backend weight POOL ADDRESS WEIGHT\n"
	    "                               change a pool's backends until "
	    "the next reload\n"
	    "  reload                       reload the configuration and "
	    "report the outcome\n",
	    DEFAULT_CONFIG, DEFAULT_STATE_DIR);
}

/*
 * Reads <ctl>->config_path for its "state_dir".  Without -c, a missing
 * default file is not an error: the default state directory applies.
 */
static int
read_config(struct ctl *ctl)
{
	json_t		*sd;
	FILE		*errs;
	char		*msgs = NULL, *line, *save = NULL;
	size_t		 len;
	const char	*path = ctl->config_path;
	bool		 is_default = path == NULL;

	if (is_default)
		path = DEFAULT_CONFIG;
	if (access(path, R_OK) == -1) {
		if (is_default && errno == ENOENT) {
			ctl->state_dir = DEFAULT_STATE_DIR;
			return 0;
		}
		fprintf(stderr, "weirctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* Comments and includes as weir reads them; the errors are weir's
	   own lines, each after "weirctl: ". */
	if ((errs = open_memstream(&msgs, &len)) == NULL) {
		fprintf(stderr, "weirctl: %s\n", strerror(errno));
		return -1;
	}
	ctl->conf = config_load_json(path, errs);
	fclose(errs);
	for (line = strtok_r(msgs, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "weirctl: %s\n", line);
	free(msgs);
	if (ctl->conf == NULL)
		return -1;
	if (!json_is_object(ctl->conf)) {
		fprintf(stderr, "weirctl: %s: expected a JSON object at the "
		    "top\n", path);
		return -1;
	}
	sd = json_object_get(ctl->conf, "state_dir");
	if (sd == NULL)
		ctl->state_dir = DEFAULT_STATE_DIR;
	else if (json_is_string(sd) && json_string_value(sd)[0] != '\0')
		ctl->state_dir = json_string_value(sd);
	else {
		fprintf(stderr, "weirctl: %s: state_dir: expected a "
		    "directory name\n", path);
		return -1;
	}
	return 0;
}

/*
 * Takes a snapshot of the running instance.  Exit-worthy failures (no
 * segment, a corrupt one, or one whose master is gone) are reported here,
 * in the form an operator can act on; errno stays snapshot_take()'s.
 */
static int
take(struct ctl *ctl, struct snapshot *snap)
{
	char	err[4352];
	int	saved;

	if (snapshot_take(snap, ctl->shm_path, err, sizeof(err)) == -1) {
		saved = errno;
		fprintf(stderr, "weirctl: %s\n", err);
		errno = saved;
		return -1;
	}
	return 0;
}

static void
report_dead(const struct snapshot *snap)
{
	fprintf(stderr, "weirctl: no running weir: %s: master pid %lld is "
	    "not running (stale segment)\n", snap->path,
	    (long long)snap->hdr->master_pid);
}

/* take(), and refuse a segment whose master is gone (errno ESRCH). */
static int
take_live(struct ctl *ctl, struct snapshot *snap)
{
	if (take(ctl, snap) == -1)
		return -1;
	if (!snap->is_master_alive) {
		report_dead(snap);
		snapshot_free(snap);
		errno = ESRCH;
		return -1;
	}
	return 0;
}

static int
finish_output(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "weirctl: writing output: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* status: shown even for a stale segment (it says so), but exits 1. */
static int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct snapshot	snap;
	int		rv;

	if (argc > 1) {
		fprintf(stderr, "weirctl: status: unexpected argument '%s'\n",
		    argv[1]);
		return -1;
	}
	if (take(ctl, &snap) == -1)
		return -1;
	rv = render_status(stdout, &snap, ctl->is_wide ? 0 : RENDER_WIDTH);
	if (finish_output() == -1)
		rv = -1;
	if (rv == 0 && !snap.is_master_alive) {
		report_dead(&snap);
		rv = -1;
	}
	snapshot_free(&snap);
	return rv;
}

static int
cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	struct snapshot		snap;
	enum stats_format	format = FORMAT_TEXT;
	int			i, rv;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			format = FORMAT_JSON;
		else if (strcmp(argv[i], "--prometheus") == 0)
			format = FORMAT_PROMETHEUS;
		else {
			fprintf(stderr, "weirctl: stats: unknown option '%s' "
			    "(expected --json or --prometheus)\n", argv[i]);
			return -1;
		}
	}
	if (take_live(ctl, &snap) == -1) {
		/*
		 * No running weir (no segment, or its master gone): a scraper
		 * still reads "weir_up 0", and the exit status stays what
		 * every command says then.  A corrupt segment gets nothing.
		 */
		if (format == FORMAT_PROMETHEUS && errno != EINVAL &&
		    errno != ENOMEM) {
			render_down_prometheus(stdout);
			(void)finish_output();
		}
		return -1;
	}
	switch (format) {
	case FORMAT_JSON:
		if ((rv = render_stats_json(stdout, &snap)) == -1 &&
		    errno == ENOMEM)
			fprintf(stderr, "weirctl: out of memory\n");
		else if (rv == -1)
			fprintf(stderr, "weirctl: writing JSON: %s\n",
			    strerror(errno));
		break;
	case FORMAT_PROMETHEUS:
		rv = render_stats_prometheus(stdout, &snap);
		break;
	default:
		rv = render_stats_text(stdout, &snap, ctl->is_wide ? 0 :
		    RENDER_WIDTH);
		break;
	}
	if (finish_output() == -1)
		rv = -1;
	snapshot_free(&snap);
	return rv;
}

static int
cmd_top(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "weirctl: top: unexpected argument '%s'\n",
		    argv[1]);
		return -1;
	}
	return top_run(ctl->shm_path, ctl->is_wide);
}

static void
report_unreachable(const struct ctl *ctl, int err)
{
	const char	*hint = "";

	if (err == ENOENT || err == ECONNREFUSED)
		hint = " (is weir running?)";
	else if (err == EACCES || err == EPERM)
		hint = " (it is root's and control_group's: run weirctl as "
		    "root or as a member of that group)";
	fprintf(stderr, "weirctl: cannot reach weir's control socket %s: "
	    "%s%s\n", ctl->sock_path, strerror(err), hint);
}

/*
 * Sends <line> to the master and reads its one-line reply into <reply>
 * (without the newline).  Returns 0, or -1 after printing why.
 */
static int
control_request(const struct ctl *ctl, const char *line, char *reply,
    size_t len)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { CONTROL_TIMEOUT_S, 0 };
	char			 req[CONTROL_LINE_MAX + 1];
	size_t			 have = 0, reqlen;
	ssize_t			 n;
	char			*nl;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(ctl->sock_path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "weirctl: control socket %s: path too long\n",
		    ctl->sock_path);
		return -1;
	}
	memcpy(sun.sun_path, ctl->sock_path, strlen(ctl->sock_path));
	reqlen = (size_t)snprintf(req, sizeof(req), "%s\n", line);
	if (reqlen >= sizeof(req)) {
		fprintf(stderr, "weirctl: command longer than %d bytes\n",
		    CONTROL_LINE_MAX - 1);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "weirctl: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		report_unreachable(ctl, errno);
		close(fd);
		return -1;
	}
	if (send(fd, req, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen) {
		fprintf(stderr, "weirctl: control socket %s: send: %s\n",
		    ctl->sock_path, strerror(errno));
		close(fd);
		return -1;
	}
	while (have < len - 1) {
		n = read(fd, reply + have, len - 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "weirctl: control socket %s: %s\n",
			    ctl->sock_path, errno == EAGAIN ?
			    "no reply within 5 s" : strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		reply[have] = '\0';
		if (memchr(reply, '\n', have) != NULL)
			break;
	}
	close(fd);
	reply[have] = '\0';
	if ((nl = strchr(reply, '\n')) != NULL)
		*nl = '\0';
	if (have == 0) {
		fprintf(stderr, "weirctl: control socket %s: weir closed the "
		    "connection without a reply\n", ctl->sock_path);
		return -1;
	}
	return 0;
}

/*
 * Prints a reply: "ok X" as X on stdout (0), "error: X" as "weirctl: X"
 * on stderr (-1).
 */
static int
print_reply(const char *reply)
{
	if (strncmp(reply, "ok ", 3) == 0) {
		printf("%s\n", reply + 3);
		return finish_output();
	}
	if (strncmp(reply, "error: ", 7) == 0)
		fprintf(stderr, "weirctl: %s\n", reply + 7);
	else
		fprintf(stderr, "weirctl: unexpected reply from weir: %s\n",
		    reply);
	return -1;
}

static const char	usage_backend[] =
    "weirctl: usage: weirctl backend enable|disable|drain POOL ADDRESS\n"
    "       weirctl backend add POOL ADDRESS [WEIGHT]\n"
    "       weirctl backend remove POOL ADDRESS\n"
    "       weirctl backend weight POOL ADDRESS WEIGHT\n";

/* The verbs of "backend" and the arguments each takes after the verb. */
static const struct {
	const char	*verb;
	int		 min, max;
} backend_verbs[] = {
	{ "enable", 2, 2 },
	{ "disable", 2, 2 },
	{ "drain", 2, 2 },
	{ "remove", 2, 2 },
	{ "add", 2, 3 },
	{ "weight", 3, 3 },
};

static int
cmd_backend(struct ctl *ctl, int argc, char **argv)
{
	char		line[CONTROL_LINE_MAX], reply[CONTROL_REPLY_MAX];
	size_t		i, n = 0;
	bool		is_verb = false;
	int		a, w;

	for (i = 0; argc >= 2 && i < sizeof(backend_verbs) /
	    sizeof(backend_verbs[0]); i++)
		if (strcmp(argv[1], backend_verbs[i].verb) == 0 &&
		    argc - 2 >= backend_verbs[i].min &&
		    argc - 2 <= backend_verbs[i].max)
			is_verb = true;
	if (!is_verb) {
		fputs(usage_backend, stderr);
		return -1;
	}
	/* The protocol is words on one line. */
	for (a = 2; a < argc; a++)
		if (argv[a][0] == '\0' || strpbrk(argv[a], " \t\r\n") != NULL) {
			fprintf(stderr, "weirctl: backend: '%s': pool names, "
			    "addresses and weights contain no blanks\n",
			    argv[a]);
			return -1;
		}
	for (a = 0; a < argc; a++) {
		w = snprintf(line + n, sizeof(line) - n, "%s%s",
		    a > 0 ? " " : "", a == 0 ? "backend" : argv[a]);
		if (w < 0 || (size_t)w >= sizeof(line) - n) {
			fprintf(stderr, "weirctl: backend: arguments too "
			    "long\n");
			return -1;
		}
		n += (size_t)w;
	}
	if (control_request(ctl, line, reply, sizeof(reply)) == -1)
		return -1;
	return print_reply(reply);
}

/*
 * reload: HUP the master, then watch the segment until the outcome shows:
 * a new generation (it took), or the old one counting one more failed
 * attempt (its cause is printed).
 */
static int
cmd_reload(struct ctl *ctl, int argc, char **argv)
{
	struct snapshot	 snap;
	struct timespec	 pause = { 0, 50 * 1000 * 1000 };
	uint64_t	 gen;
	uint32_t	 failures;
	int64_t		 pid;
	char		 why[4352];
	int		 i;

	if (argc != 1) {
		fprintf(stderr, "weirctl: usage: weirctl reload\n");
		return -1;
	}
	if (take_live(ctl, &snap) == -1)
		return -1;
	gen = snap.hdr->generation;
	failures = snap.hdr->reload_failures;
	pid = snap.hdr->master_pid;
	snapshot_free(&snap);
	/* The workers write the segment too: check whom we signal. */
	if (!proc_is_master(pid, ctl->shm_path, why, sizeof(why))) {
		fprintf(stderr, "weirctl: not signalling the master pid the "
		    "segment names: %s\n", why);
		return -1;
	}
	if (kill((pid_t)pid, SIGHUP) == -1) {
		fprintf(stderr, "weirctl: cannot signal master pid %lld: %s\n",
		    (long long)pid, strerror(errno));
		return -1;
	}
	/* A reload that loads TLS keys and forks workers takes well under
	   a second; ten leave room for a loaded machine. */
	for (i = 0; i < 200; i++) {
		nanosleep(&pause, NULL);
		if (take(ctl, &snap) == -1)
			return -1;
		/* The new segment is in place before the master has
		   written what the reload dropped: reload_ok comes last. */
		if (snap.hdr->generation != gen && snap.hdr->reload_ok != 0) {
			printf("reloaded: generation %llu serving %s\n",
			    (unsigned long long)snap.hdr->generation,
			    snap.hdr->config_path);
			if (snap.hdr->reload_note[0] != '\0')
				printf("runtime changes dropped (the "
				    "configuration does not have them): "
				    "%.*s\n",
				    (int)sizeof(snap.hdr->reload_note),
				    snap.hdr->reload_note);
			snapshot_free(&snap);
			return finish_output();
		}
		if (snap.hdr->reload_failures != failures) {
			fprintf(stderr, "weirctl: reload failed; generation "
			    "%llu keeps serving:\n%.*s\n",
			    (unsigned long long)gen,
			    (int)sizeof(snap.hdr->reload_error),
			    snap.hdr->reload_error);
			snapshot_free(&snap);
			return -1;
		}
		snapshot_free(&snap);
	}
	fprintf(stderr, "weirctl: master pid %lld did not report a reload "
	    "within 10 s\n", (long long)pid);
	return -1;
}

static const struct command commands[] = {
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "top", cmd_top },
	{ "backend", cmd_backend },
	{ "reload", cmd_reload },
};

int
main(int argc, char **argv)
{
	struct ctl		 ctl;
	const struct command	*cmd = NULL;
	size_t			 i;
	int			 ch, rv;

	memset(&ctl, 0, sizeof(ctl));
	/* "+": options end at the command, whose own flags follow it. */
	while ((ch = getopt(argc, argv, "+c:s:wh")) != -1) {
		switch (ch) {
		case 'w':
			ctl.is_wide = true;
			break;
		case 'c':
			ctl.config_path = optarg;
			break;
		case 's':
			ctl.state_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return 1;
	}
	if (ctl.config_path != NULL && ctl.state_dir != NULL) {
		fprintf(stderr, "weirctl: -c and -s both name the instance; "
		    "give one\n");
		return 1;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "weirctl: unknown command '%s'\n", argv[0]);
		usage(stderr);
		return 1;
	}
	if (ctl.state_dir == NULL && read_config(&ctl) == -1) {
		json_decref(ctl.conf);
		return 1;
	}
	if ((size_t)snprintf(ctl.shm_path, sizeof(ctl.shm_path), "%s/%s",
	    ctl.state_dir, SHM_FILE_NAME) >= sizeof(ctl.shm_path) ||
	    (size_t)snprintf(ctl.sock_path, sizeof(ctl.sock_path), "%s/%s",
	    ctl.state_dir, CONTROL_SOCK_NAME) >= sizeof(ctl.sock_path)) {
		fprintf(stderr, "weirctl: state_dir too long\n");
		json_decref(ctl.conf);
		return 1;
	}
	rv = cmd->run(&ctl, argc, argv);
	json_decref(ctl.conf);
	return rv == 0 ? 0 : 1;
}
