/*
 * weirctl's snapshot reader: the input is a shared segment, as a crafted
 * weir.shm would be.  Not a streaming parser, so invariants are checked
 * instead of a split: validation either refuses it with a "corrupt
 * segment" (or "not a segment") reason, or accepts it, and then every
 * view weirctl has (status, stats text, JSON, Prometheus, a top frame),
 * and the stats role's /metrics, renders it without a sanitizer report
 * and without failing.
 *
 * The header's size field is set to the input's length before validation
 * (unless the input is shorter than a header): mutations that add or drop
 * bytes would otherwise all stop at that one comparison.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/shm.h"
#include "ctl/render.h"
#include "stats/render.h"
#include "stats/snapshot.h"
#include "t/fuzz/fuzz.h"

static FILE	*sink;

static ssize_t
sink_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	(void)buf;
	return (ssize_t)n;
}

int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cookie_io_functions_t	io = { .write = sink_write };

	(void)argc;
	(void)argv;
	if ((sink = fopencookie(NULL, "w", io)) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned	 widths[] = { 0, RENDER_WIDTH, 20 };
	struct snapshot	 snap, prev;
	struct shm_header *h;
	size_t		 i;
	char		 err[4352];
	void		*copy;

	/* A malloc'd copy, as snapshot_take() makes: aligned, exact size. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (size >= sizeof(*h)) {
		h = copy;
		h->size = size;
	}
	if (snapshot_adopt(&snap, copy, size, "fuzz.shm", err,
	    sizeof(err)) == -1) {
		FUZZ_CHECK(strncmp(err, "fuzz.shm: ", 10) == 0 &&
		    (strstr(err, "corrupt segment: ") != NULL ||
		    strstr(err, "not a weir stats segment") != NULL ||
		    strstr(err, "layout version") != NULL), "refused with "
		    "\"%s\"", err);
		free(copy);
		return 0;
	}
	/* Wide, weirctl's default, and narrower than any table. */
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		FUZZ_CHECK(render_status(sink, &snap, widths[i]) == 0,
		    "status failed");
		FUZZ_CHECK(render_stats_text(sink, &snap, widths[i]) == 0,
		    "stats failed");
	}
	FUZZ_CHECK(render_stats_json(sink, &snap) == 0, "--json failed");
	FUZZ_CHECK(render_stats_prometheus(sink, &snap) == 0,
	    "--prometheus failed");
	FUZZ_CHECK(render_stats_metrics(sink, &snap) == 0, "/metrics failed");
	/* A frame with rates: the same figures a second earlier. */
	prev = snap;
	prev.mono_ms -= 1000;
	FUZZ_CHECK(render_top(sink, &snap, NULL, RENDER_WIDTH) == 0 &&
	    render_top(sink, &snap, &prev, 0) == 0 &&
	    render_top(sink, &snap, &prev, 20) == 0, "top failed");
	snapshot_free(&snap);
	return 0;
}
