/*
 * The HTTP/1 head parser, requests (built with FUZZ_RESPONSE=0) or
 * responses (FUZZ_RESPONSE=1): the input is parsed whole, then again in
 * pieces cut where the input says, each call allowed to read only the
 * bytes received so far.  Both must agree on the result and on every field
 * parsed, with a generous head limit and with a small one taken from the
 * input (so 431 and 502 for size are reached too).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/h1_parse.h"
#include "t/fuzz/fuzz.h"

#ifndef FUZZ_RESPONSE
#define FUZZ_RESPONSE	0
#endif

static enum h1_result
parse(struct h1_msg *m, const char *buf, size_t len, size_t max_head,
    bool is_head_request)
{
#if FUZZ_RESPONSE
	return h1_parse_response(m, buf, len, max_head, is_head_request);
#else
	(void)is_head_request;
	return h1_parse_request(m, buf, len, max_head);
#endif
}

#define SAME(field)							\
	FUZZ_CHECK(w->field == s->field, "%s: whole %lld, split %lld",	\
	    #field, (long long)w->field, (long long)s->field)
#define SAME_SLICE(ptr, len)						\
	FUZZ_CHECK(w->ptr == s->ptr && w->len == s->len,		\
	    "%s: whole %p+%zu, split %p+%zu", #ptr, (const void *)w->ptr, \
	    w->len, (const void *)s->ptr, s->len)

/* Every field a caller may read after H1_DONE or H1_BAD. */
static void
compare(const struct h1_msg *w, const struct h1_msg *s, enum h1_result rw,
    enum h1_result rs)
{
	size_t	i;

	FUZZ_CHECK(rw == rs, "result: whole %d, split %d (whole why \"%s\", "
	    "split why \"%s\")", (int)rw, (int)rs, w->why ? w->why : "",
	    s->why ? s->why : "");
	if (rw == H1_BAD) {
		SAME(error_status);
		FUZZ_CHECK(w->why != NULL && s->why != NULL &&
		    strcmp(w->why, s->why) == 0, "why: whole \"%s\", split "
		    "\"%s\"", w->why ? w->why : "(null)",
		    s->why ? s->why : "(null)");
		return;
	}
	if (rw != H1_DONE)
		return;
	SAME_SLICE(method, method_len);
	SAME_SLICE(target, target_len);
	SAME(status);
	SAME_SLICE(reason, reason_len);
	SAME(version_minor);
	SAME(nheaders);
	for (i = 0; i < w->nheaders; i++) {
		SAME_SLICE(headers[i].name, headers[i].name_len);
		SAME_SLICE(headers[i].value, headers[i].value_len);
	}
	SAME(head_len);
	SAME(framing);
	SAME(content_length);
	SAME(has_connection_close);
	SAME(has_connection_keepalive);
	SAME(has_expect_continue);
	SAME(has_upgrade);
	SAME_SLICE(host, host_len);
}

/* Facts that hold for any parse, whole or split. */
static void
check_done(const struct h1_msg *m, const char *buf, size_t len)
{
	size_t	i;

	FUZZ_CHECK(m->head_len > 0 && m->head_len <= len, "head_len %zu of "
	    "%zu", m->head_len, len);
	FUZZ_CHECK(m->nheaders <= H1_MAX_HEADERS, "nheaders %zu",
	    m->nheaders);
	for (i = 0; i < m->nheaders; i++)
		FUZZ_CHECK(m->headers[i].name >= buf &&
		    m->headers[i].value >= buf &&
		    m->headers[i].value + m->headers[i].value_len <=
		    buf + m->head_len, "header %zu outside the head", i);
}

static void
run(const char *buf, size_t size, size_t max_head, bool is_head_request,
    uint64_t seed)
{
	struct h1_msg	*w, *s;
	enum h1_result	 rw, rs = H1_AGAIN;
	size_t		 len = 0, prev = 0;

	w = malloc(sizeof(*w));
	s = malloc(sizeof(*s));
	FUZZ_CHECK(w != NULL && s != NULL, "out of memory");
	h1_msg_reset(w);
	rw = parse(w, buf, size, max_head, is_head_request);
	if (rw == H1_DONE)
		check_done(w, buf, size);

	h1_msg_reset(s);
	fuzz_poison(buf, size);
	while (len < size) {
		len = fuzz_next_cut(&seed, len, size);
		fuzz_unpoison(buf + prev, len - prev);
		prev = len;
		rs = parse(s, buf, len, max_head, is_head_request);
		if (rs != H1_AGAIN)
			break;
	}
	fuzz_unpoison(buf, size);
	if (size == 0)
		rs = parse(s, buf, 0, max_head, is_head_request);
	if (rs == H1_DONE)
		check_done(s, buf, len);
	compare(w, s, rw, rs);
	free(w);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t	 seed = fuzz_hash(data, size) | 1;
	char		*buf;

	/* A private copy: the split run poisons what it has not "received". */
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	run(buf, size, 32768, seed & 2, seed);
	run(buf, size, 16 + (size_t)(seed >> 40) % 512, seed & 4,
	    (seed >> 1) | 1);
	free(buf);
	return 0;
}
