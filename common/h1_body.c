/*
 * Body framing scanner (RFC 9112 6.3, 7.1): counts Content-Length bytes,
 * walks chunked framing one byte at a time so any split of the input works,
 * and passes read-until-close through.  The re-framer rewrites chunk framing
 * inside the caller's buffer; it never allocates or buffers on its own.
 * Moving the bytes, and reading more, is the caller's.
 */
#include "common/h1_body.h"

#include <stdint.h>
#include <string.h>

/*
 * Chunked states.  Unlike the head there is no lone-LF leniency: what came
 * before weir (a cache, a WAF, another proxy) may read "5;x\nhello" as one
 * long extension and so see different chunks than we do; refusing it is
 * what keeps the two readings from ever differing.
 */
enum chunk_state {
	CS_SIZE_FIRST = 0,	/* first HEXDIG of a chunk-size */
	CS_SIZE,		/* more HEXDIG, ';', BWS or CR */
	CS_SIZE_WS,		/* BWS after chunk-size: ';' must follow */
	CS_EXT_NAME0,		/* after ';': BWS, then a chunk-ext-name */
	CS_EXT_NAME,		/* in the name: tchar, BWS, '=', ';' or CR */
	CS_EXT_NAME_WS,		/* BWS after the name: '=', ';' or CR */
	CS_EXT_VAL0,		/* after '=': BWS, then a token or '"' */
	CS_EXT_TOKEN,		/* a token value */
	CS_EXT_QUOTED,		/* in a quoted-string value */
	CS_EXT_QPAIR,		/* after '\\' in a quoted-string */
	CS_EXT_VAL_WS,		/* after a value: BWS, then ';' or CR */
	CS_SIZE_LF,		/* CR of the chunk-size line seen */
	CS_DATA,		/* chunk-data, ->remaining bytes */
	CS_DATA_CR,		/* CRLF after chunk-data */
	CS_DATA_LF,
	CS_TRL_START,		/* start of a trailer line or the final CRLF */
	CS_TRL_NAME,
	CS_TRL_VALUE,
	CS_TRL_LF,		/* CR of a trailer line seen */
	CS_END_LF,		/* CR of the final empty line seen */
	CS_BAD,
};

/* What one byte of framing did to the chunked scanner. */
enum chunk_step {
	CB_MORE = 0,	/* still in framing */
	CB_DATA,	/* the byte ended a chunk-size line; data follows */
	CB_DONE,	/* the byte ended the message */
	CB_BAD,
};

/* RFC 9110 5.6.2 tchar, for trailer field names. */
static const unsigned char tchar[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
};

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* HTAB, SP, VCHAR, obs-text: what a field value may hold. */
static bool
is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name
 * [ BWS "=" BWS chunk-ext-val ] ), the value a token or a quoted-string.
 * weir drops extensions, but one that breaks this grammar is a message
 * another parser may split differently, so it is refused (RFC 9112 2.2:
 * a server SHOULD answer 400), as llhttp does.
 */
static enum chunk_step
ext_byte(struct h1_body *b, unsigned char c)
{
	switch (b->state) {
	case CS_EXT_NAME0:
		if (is_ws(c))
			return CB_MORE;
		if (!tchar[c])
			return CB_BAD;
		b->state = CS_EXT_NAME;
		return CB_MORE;
	case CS_EXT_NAME:
	case CS_EXT_NAME_WS:
		if (tchar[c] && b->state == CS_EXT_NAME)
			return CB_MORE;
		if (is_ws(c))
			b->state = CS_EXT_NAME_WS;
		else if (c == '=')
			b->state = CS_EXT_VAL0;
		else if (c == ';')
			b->state = CS_EXT_NAME0;
		else if (c == '\r')
			b->state = CS_SIZE_LF;
		else
			return CB_BAD;
		return CB_MORE;
	case CS_EXT_VAL0:
		if (is_ws(c))
			return CB_MORE;
		if (c == '"')
			b->state = CS_EXT_QUOTED;
		else if (tchar[c])
			b->state = CS_EXT_TOKEN;
		else
			return CB_BAD;
		return CB_MORE;
	case CS_EXT_QUOTED:
		/* qdtext: HTAB, SP, VCHAR but '"' and '\\', obs-text */
		if (c == '"')
			b->state = CS_EXT_VAL_WS;
		else if (c == '\\')
			b->state = CS_EXT_QPAIR;
		else if (!is_text(c))
			return CB_BAD;
		return CB_MORE;
	case CS_EXT_QPAIR:
		if (!is_text(c))
			return CB_BAD;
		b->state = CS_EXT_QUOTED;
		return CB_MORE;
	case CS_EXT_TOKEN:
	case CS_EXT_VAL_WS:
		if (tchar[c] && b->state == CS_EXT_TOKEN)
			return CB_MORE;
		if (is_ws(c))
			b->state = CS_EXT_VAL_WS;
		else if (c == ';')
			b->state = CS_EXT_NAME0;
		else if (c == '\r')
			b->state = CS_SIZE_LF;
		else
			return CB_BAD;
		return CB_MORE;
	}
	return CB_BAD;
}

static enum chunk_step
size_line_byte(struct h1_body *b, unsigned char c)
{
	int	 d;

	if (++b->line_len > H1_CHUNK_LINE_MAX)
		return CB_BAD;
	switch (b->state) {
	case CS_SIZE_FIRST:
	case CS_SIZE:
		if ((d = hexval(c)) >= 0) {
			/* the same ceiling as Content-Length: 2^63-1 */
			if (b->remaining > (INT64_MAX >> 4))
				return CB_BAD;
			b->remaining = b->remaining << 4 | (uint64_t)d;
			b->state = CS_SIZE;
			return CB_MORE;
		}
		/* RFC 9112 7.1: chunk-size = 1*HEXDIG */
		if (b->state == CS_SIZE_FIRST)
			return CB_BAD;
		if (c == ';')
			b->state = CS_EXT_NAME0;
		else if (c == ' ' || c == '\t')
			b->state = CS_SIZE_WS;
		else if (c == '\r')
			b->state = CS_SIZE_LF;
		else
			return CB_BAD;
		return CB_MORE;
	case CS_SIZE_WS:
		/* RFC 9112 7.1.1: BWS is only allowed before a ';' */
		if (c == ';')
			b->state = CS_EXT_NAME0;
		else if (c != ' ' && c != '\t')
			return CB_BAD;
		return CB_MORE;
	case CS_EXT_NAME0:
	case CS_EXT_NAME:
	case CS_EXT_NAME_WS:
	case CS_EXT_VAL0:
	case CS_EXT_TOKEN:
	case CS_EXT_QUOTED:
	case CS_EXT_QPAIR:
	case CS_EXT_VAL_WS:
		return ext_byte(b, c);
	case CS_SIZE_LF:
		if (c != '\n')
			return CB_BAD;
		b->line_len = 0;
		if (b->remaining == 0) {
			b->state = CS_TRL_START;
			return CB_MORE;
		}
		b->state = CS_DATA;
		return CB_DATA;
	}
	return CB_BAD;
}

/* RFC 9112 7.1.2: trailer-section = *( field-line CRLF ), then CRLF. */
static enum chunk_step
trailer_byte(struct h1_body *b, unsigned char c)
{
	if (++b->line_len > H1_TRAILER_MAX)
		return CB_BAD;
	switch (b->state) {
	case CS_TRL_START:
		if (c == '\r')
			b->state = CS_END_LF;
		else if (tchar[c])
			b->state = CS_TRL_NAME;
		else
			/* obs-fold, an empty name, a control byte */
			return CB_BAD;
		return CB_MORE;
	case CS_TRL_NAME:
		/* RFC 9112 5.1: no whitespace before the colon */
		if (c == ':')
			b->state = CS_TRL_VALUE;
		else if (!tchar[c])
			return CB_BAD;
		return CB_MORE;
	case CS_TRL_VALUE:
		if (c == '\r')
			b->state = CS_TRL_LF;
		else if (!is_text(c))
			return CB_BAD;
		return CB_MORE;
	case CS_TRL_LF:
		if (c != '\n')
			return CB_BAD;
		b->state = CS_TRL_START;
		return CB_MORE;
	case CS_END_LF:
		return c == '\n' ? CB_DONE : CB_BAD;
	}
	return CB_BAD;
}

static enum chunk_step
chunk_byte(struct h1_body *b, unsigned char c)
{
	switch (b->state) {
	case CS_SIZE_FIRST:
	case CS_SIZE:
	case CS_SIZE_WS:
	case CS_EXT_NAME0:
	case CS_EXT_NAME:
	case CS_EXT_NAME_WS:
	case CS_EXT_VAL0:
	case CS_EXT_TOKEN:
	case CS_EXT_QUOTED:
	case CS_EXT_QPAIR:
	case CS_EXT_VAL_WS:
	case CS_SIZE_LF:
		return size_line_byte(b, c);
	case CS_DATA_CR:
		/*
		 * RFC 9112 7.1: chunk-data is followed by CRLF, nothing
		 * else; a length mismatch must not be papered over.
		 */
		if (c != '\r')
			return CB_BAD;
		b->state = CS_DATA_LF;
		return CB_MORE;
	case CS_DATA_LF:
		if (c != '\n')
			return CB_BAD;
		b->state = CS_SIZE_FIRST;
		b->line_len = 0;
		return CB_MORE;
	case CS_TRL_START:
	case CS_TRL_NAME:
	case CS_TRL_VALUE:
	case CS_TRL_LF:
	case CS_END_LF:
		return trailer_byte(b, c);
	}
	return CB_BAD;
}

static enum h1_result
step_chunked(struct h1_body *b, const char *in, size_t len, size_t *n,
    bool *is_data)
{
	size_t	 i;

	if (b->state == CS_BAD)
		return H1_BAD;
	if (b->state == CS_DATA) {
		*n = len < b->remaining ? len : (size_t)b->remaining;
		*is_data = *n > 0;
		b->remaining -= *n;
		b->total += *n;
		if (b->remaining == 0)
			b->state = CS_DATA_CR;
		return H1_AGAIN;
	}
	for (i = 0; i < len; i++) {
		switch (chunk_byte(b, (unsigned char)in[i])) {
		case CB_MORE:
			continue;
		case CB_DATA:
			*n = i + 1;
			return H1_AGAIN;
		case CB_DONE:
			*n = i + 1;
			b->done = true;
			return H1_DONE;
		case CB_BAD:
			b->state = CS_BAD;
			return H1_BAD;
		}
	}
	*n = len;
	return H1_AGAIN;
}

/*
 * Sets up <b> for a body framed as <framing>.  Nothing is allocated; <b> may
 * be reused by calling this again.
 */
void
h1_body_init(struct h1_body *b, enum h1_framing framing, uint64_t length)
{
	b->framing = framing;
	b->remaining = framing == H1_FRAME_LENGTH ? length : 0;
	b->total = 0;
	b->held = 0;
	b->state = CS_SIZE_FIRST;
	b->line_len = 0;
	b->done = framing == H1_FRAME_NONE ||
	    (framing == H1_FRAME_LENGTH && length == 0);
}

/*
 * See h1_body.h.  Framing bytes are consumed (and remembered in <b>) as they
 * arrive, so *<n> may be non-zero on H1_AGAIN even mid-line; *<n> is 0 only
 * when <len> is 0, the body has already ended, or on H1_BAD.
 */
enum h1_result
h1_body_step(struct h1_body *b, const char *in, size_t len, size_t *n,
    bool *is_data)
{
	*n = 0;
	*is_data = false;
	if (b->done)
		return H1_DONE;
	switch (b->framing) {
	case H1_FRAME_NONE:
		return H1_DONE;
	case H1_FRAME_LENGTH:
		*n = len < b->remaining ? len : (size_t)b->remaining;
		*is_data = *n > 0;
		b->remaining -= *n;
		b->total += *n;
		if (b->remaining > 0)
			return H1_AGAIN;
		b->done = true;
		return H1_DONE;
	case H1_FRAME_CHUNKED:
		return step_chunked(b, in, len, n, is_data);
	case H1_FRAME_CLOSE:
		*n = len;
		*is_data = len > 0;
		b->total += len;
		return H1_AGAIN;
	}
	return H1_BAD;
}

/* Writes the canonical chunk-size line of <size> at <p>; returns its length. */
static size_t
put_size_line(char *p, uint64_t size)
{
	static const char	hex[] = "0123456789abcdef";
	char			digits[16];
	size_t			n = 0, i;

	do {
		digits[n++] = hex[size & 15];
		size >>= 4;
	} while (size != 0);
	for (i = 0; i < n; i++)
		p[i] = digits[n - 1 - i];
	p[n] = '\r';
	p[n + 1] = '\n';
	return n + 2;
}

/*
 * Output is compacted at the front of <p> while reading goes on behind it:
 * w <= r always, and p[w..r) is free.  Each framing line is written out
 * whole at its LF, over the bytes it replaces, and is never longer than
 * them: a canonical size line has at most the received line's significant
 * digits, and "0\r\n\r\n" is no longer than a last-chunk line and the
 * final CRLF.  Between calls up to H1_REFRAME_HOLD of the free bytes are
 * kept back (b->held) so that a line split across reads still has its
 * room; the rest are dropped at once, so an extension or a trailer section
 * of any length costs no buffer space.
 *
 * Chunk extensions go: RFC 9112 7.1.1 lets a recipient ignore the ones it
 * does not understand, and weir understands none.  Trailer fields go too:
 * RFC 9112 7.1.2 lets a recipient that removes the chunked coding (weir
 * decodes and encodes again) discard them, and RFC 9110 6.5.1 says that is
 * what intermediaries mostly do.  Keeping them would let a client put
 * fields past the head's rewriting (X-Forwarded-For, Host) into any backend
 * that merges trailers into the header section, as Apache's MergeTrailers
 * did by default before CVE-2013-5704; weir already drops the Trailer field
 * that would announce them.
 */
static enum h1_result
reframe_chunked(struct h1_body *b, char *p, size_t len, bool dechunk,
    size_t *out, size_t *used)
{
	size_t	r = b->held, w = 0, k;
	int	prev;

	b->held = 0;
	while (r < len) {
		if (b->state == CS_DATA) {
			k = len - r < b->remaining ? len - r :
			    (size_t)b->remaining;
			if (w != r)
				memmove(p + w, p + r, k);
			w += k;
			r += k;
			b->remaining -= k;
			b->total += k;
			if (b->remaining == 0)
				b->state = CS_DATA_CR;
			continue;
		}
		prev = b->state;
		switch (chunk_byte(b, (unsigned char)p[r++])) {
		case CB_MORE:
			/* the LF after chunk-data */
			if (prev == CS_DATA_LF && !dechunk) {
				memcpy(p + w, "\r\n", 2);
				w += 2;
			}
			continue;
		case CB_DATA:
			if (!dechunk)
				w += put_size_line(p + w, b->remaining);
			continue;
		case CB_DONE:
			if (!dechunk) {
				memcpy(p + w, "0\r\n\r\n", 5);
				w += 5;
			}
			b->done = true;
			*out = w;
			*used = r;
			return H1_DONE;
		case CB_BAD:
			b->state = CS_BAD;
			return H1_BAD;
		}
	}
	if (b->state != CS_DATA && !dechunk)
		b->held = r - w < H1_REFRAME_HOLD ? r - w : H1_REFRAME_HOLD;
	*out = w;
	*used = r - b->held;
	return H1_AGAIN;
}

/* See h1_body.h. */
enum h1_result
h1_body_reframe(struct h1_body *b, char *p, size_t len, bool dechunk,
    size_t *out, size_t *used)
{
	enum h1_result	r;
	size_t		n;
	bool		is_data;

	*out = *used = 0;
	if (b->framing != H1_FRAME_CHUNKED) {
		r = h1_body_step(b, p, len, &n, &is_data);
		*out = *used = n;
		return r;
	}
	if (b->done)
		return H1_DONE;
	/* The caller did not give back what was kept: a broken contract. */
	if (b->state == CS_BAD || b->held > len)
		return H1_BAD;
	return reframe_chunked(b, p, len, dechunk, out, used);
}
