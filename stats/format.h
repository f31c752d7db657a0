/*
 * Short human forms of durations, sizes, times and rates for weirctl's
 * tables and headings.  Each writes a NUL-terminated string into <buf>
 * (<len> bytes), cut if it does not fit.
 */
#ifndef WEIR_STATS_FORMAT_H
#define WEIR_STATS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "3d04h05m", "1h02m03s", "45s"; a negative <s> reads as 0. */
void	format_duration(char *buf, size_t len, int64_t s);

/* Bytes with their unit, binary ones with one decimal: "512 B",
   "80.2 KiB", "1.5 GiB". */
void	format_bytes(char *buf, size_t len, uint64_t n);

/* "2024-05-01 12:00:00 UTC", or the number when it is no such time. */
void	format_utc(char *buf, size_t len, int64_t when);

/* Milliseconds with the digits that matter: "0.31", "12.4", "250". */
void	format_ms(char *buf, size_t len, double ms);

/*
 * Per-second rate of a counter that went from <then> to <now> in <dt_ms>
 * as "12.5", or "-" when <dt_ms> is 0 (unknown) or the counter went back.
 */
void	format_rate(char *buf, size_t len, uint64_t now, uint64_t then,
	    uint64_t dt_ms);

#endif
