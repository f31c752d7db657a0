/*
 * The configuration loader, from a buffer as config_load_string() reads
 * it (the input up to its first NUL).  Not a streaming parser, so
 * invariants are checked instead of a split: a refused input wrote a
 * message and leaks nothing; an accepted one has a pool behind every pool
 * name it uses, and the shared segment weir writes for it passes
 * weirctl's validation and renders in every format.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/shm.h"
#include "ctl/render.h"
#include "stats/render.h"
#include "stats/snapshot.h"
#include "t/fuzz/fuzz.h"

/* Where messages and renders go: nowhere, but counted. */
static FILE	*sink;
static size_t	 sink_bytes;
static char	 dir[64];
static char	 seg_path[128];

static ssize_t
sink_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	(void)buf;
	sink_bytes += n;
	return (ssize_t)n;
}

static void
cleanup(void)
{
	unlink(seg_path);
	rmdir(dir);
}

int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cookie_io_functions_t	io = { .write = sink_write };

	(void)argc;
	(void)argv;
	sink = fopencookie(NULL, "w", io);
	snprintf(dir, sizeof(dir), "%s", "/tmp/fuzz_config.XXXXXX");
	if (sink == NULL || mkdtemp(dir) == NULL)
		abort();
	snprintf(seg_path, sizeof(seg_path), "%s/weir.shm", dir);
	atexit(cleanup);
	return 0;
}

/* A service without a listener must be served through another's route. */
static bool
is_route_target(const struct config *cfg, const struct service_conf *sc)
{
	size_t	i, j;

	for (i = 0; i < cfg->nservices; i++)
		for (j = 0; j < cfg->services[i].nroutes; j++)
			if (cfg->services[i].routes[j].service == sc)
				return true;
	return false;
}

static void
check_pools(const struct config *cfg)
{
	size_t	i, j;

	for (i = 0; i < cfg->npools; i++)
		FUZZ_CHECK(config_find_pool(cfg, cfg->pools[i].name) ==
		    (int)i, "pool %zu \"%s\" not found by its name", i,
		    cfg->pools[i].name);
	for (i = 0; i < cfg->nservices; i++) {
		const struct service_conf *sc = &cfg->services[i];

		FUZZ_CHECK(sc->nlisten >= 1 || is_route_target(cfg, sc),
		    "service %s listens nowhere and no route sends to it",
		    sc->name);
		if (sc->pool != NULL)
			FUZZ_CHECK(sc->pool >= cfg->pools && sc->pool <
			    cfg->pools + cfg->npools, "service %s: pool "
			    "outside the pool array", sc->name);
		for (j = 0; j < sc->nroutes; j++)
			FUZZ_CHECK((sc->routes[j].pool == NULL) !=
			    (sc->routes[j].service == NULL), "service %s "
			    "route %zu: not exactly one target", sc->name, j);
	}
}

/* weir's segment for <cfg> is one weirctl reads and renders. */
static void
check_segment(const struct config *cfg)
{
	struct snapshot	 snap;
	struct shm	 s;
	char		 err[4352];
	void		*copy;

	if (shm_create(&s, seg_path, cfg, cfg->workers % 64 + 1, NULL) == -1)
		return;
	if ((copy = malloc(s.size)) == NULL)
		abort();
	memcpy(copy, s.base, s.size);
	FUZZ_CHECK(snapshot_adopt(&snap, copy, s.size, seg_path, err,
	    sizeof(err)) == 0, "weirctl refuses weir's own segment: %s", err);
	FUZZ_CHECK(render_status(sink, &snap, RENDER_WIDTH) == 0 &&
	    render_stats_text(sink, &snap, RENDER_WIDTH) == 0 &&
	    render_stats_json(sink, &snap) == 0 &&
	    render_stats_prometheus(sink, &snap) == 0 &&
	    render_stats_metrics(sink, &snap) == 0 &&
	    render_top(sink, &snap, &snap, 0) == 0, "a render failed");
	snapshot_free(&snap);
	shm_detach(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	char		*text;
	size_t		 before;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	before = sink_bytes;
	cfg = config_load_string(text, "fuzz.json", sink);
	if (cfg == NULL)
		FUZZ_CHECK(fflush(sink) == 0 && sink_bytes > before,
		    "refused without a message");
	else {
		check_pools(cfg);
		check_segment(cfg);
		config_free(cfg);
	}
	free(text);
	return 0;
}
