/*
 * weir's command line: -c FILE, -f, -t, -V, -h, and --import-perlbal FILE
 * [-o OUT].  Exit status: 0 after a clean stop (or a good -t or import),
 * 1 for a bad configuration or usage, 2 when it could not start (port in
 * use, permission denied) or write, with the cause said.
 */
#include "weir_build.h"

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <jansson.h>

#include "common/config.h"
#include "common/log.h"
#include "import/perlbal_import.h"
#include "master/account.h"
#include "master/generation.h"
#include "master/master.h"
#include "tls/tls.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/weir/weir.json"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: weir [-c FILE] [-f] [-t] [-V] [-h]\n"
	    "       weir --import-perlbal PERLBAL_CONF [-o FILE]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -f       stay in the foreground; log to stderr unless the\n"
	    "           configuration sets error_log\n"
	    "  -t       check the configuration and exit (0 good, 1 bad)\n"
	    "  -V       print the version and build options\n"
	    "  -h       print this help\n"
	    "  --import-perlbal PERLBAL_CONF\n"
	    "           write the weir configuration equivalent to a Perlbal\n"
	    "           1.80 one to standard output, or to FILE with -o\n",
	    DEFAULT_CONFIG);
}

static void
version(void)
{
	printf("weir %s\n", PACKAGE_VERSION);
	printf("OpenSSL: built with %s, running %s\n", OPENSSL_VERSION_TEXT,
	    OpenSSL_version(OPENSSL_VERSION));
	printf("jansson: built with %s, running %s\n", JANSSON_VERSION,
	    jansson_version_str());
	printf("build: %s\n", WEIR_BUILD_OPTIONS);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "import-perlbal", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = DEFAULT_CONFIG, *perlbal = NULL, *out = NULL;
	char		 abspath[PATH_MAX];
	struct config	*cfg;
	struct tls_set	*tls = NULL;
	struct account	 acct;
	bool		 foreground = false, test_only = false;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "c:ftVho:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'P':
			perlbal = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			test_only = true;
			break;
		case 'V':
			version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "weir: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		return 1;
	}
	if (out != NULL && perlbal == NULL) {
		fprintf(stderr, "weir: -o goes with --import-perlbal\n");
		usage(stderr);
		return 1;
	}
	if (perlbal != NULL)
		return perlbal_import(perlbal, out, stderr);
	/* Daemons chdir to /: keep the file findable for a later reload. */
	if (realpath(path, abspath) != NULL)
		path = abspath;

	if (generation_load(path, stderr, &cfg, &tls, &acct) == -1) {
		if (test_only)
			fprintf(stderr, "weir: configuration %s has errors\n",
			    path);
		return 1;
	}
	if (test_only) {
		printf("configuration OK: %s\n", path);
		tls_set_free(tls);
		config_free(cfg);
		return 0;
	}
	if (log_open(cfg->error_log, cfg->log_level, "master") == -1) {
		tls_set_free(tls);
		config_free(cfg);
		return 2;
	}
	log_copy_to_stderr(true);
	return master_run(cfg, tls, &acct, foreground);
}
