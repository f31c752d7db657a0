/*
 * What the libFuzzer harnesses share: split points derived from the input
 * (so a failing input replays the same pieces), a check that aborts with
 * a message, and ASan poisoning that makes a read past the bytes a parser
 * was given fail even inside the buffer.
 */
#ifndef WEIR_T_FUZZ_FUZZ_H
#define WEIR_T_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sanitizer/asan_interface.h>

/* Aborts (a crash to libFuzzer) with a message when <cond> is false. */
#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz: check failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FNV-1a of <data>: the seed of the split points. */
static inline uint64_t
fuzz_hash(const uint8_t *data, size_t size)
{
	uint64_t	h = 0xcbf29ce484222325ull;
	size_t		i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	return h;
}

/*
 * The end of the next piece after <pos> in an input of <size> bytes:
 * pieces of 1 to 8 bytes or 1 to 64, as the xorshift state <*st> says,
 * so CRLFs, hex digits and field names are cut everywhere.
 */
static inline size_t
fuzz_next_cut(uint64_t *st, size_t pos, size_t size)
{
	uint64_t	x = *st;
	size_t		piece;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*st = x;
	piece = 1 + (size_t)((x >> 8) % ((x & 1) ? 8 : 64));
	return piece >= size - pos ? size : pos + piece;
}

/* Bytes <p>[0..<n>) may not be read until fuzz_unpoison(). */
static inline void
fuzz_poison(const void *p, size_t n)
{
	ASAN_POISON_MEMORY_REGION(p, n);
	(void)p;
	(void)n;
}

static inline void
fuzz_unpoison(const void *p, size_t n)
{
	ASAN_UNPOISON_MEMORY_REGION(p, n);
	(void)p;
	(void)n;
}

#endif
