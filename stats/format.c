/*
 * Short human forms for table cells and headings.  Pure functions of their
 * arguments: what a figure means and where it comes from is metrics.c's.
 */
#include "stats/format.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

void
format_duration(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m",
		    s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s",
		    s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60,
		    s % 60);
	else
		snprintf(buf, len, "%" PRId64 "s", s);
}

void
format_bytes(char *buf, size_t len, uint64_t n)
{
	static const char	units[] = "KMGTPE";
	double			v = (double)n;
	size_t			u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %ciB", v, units[u]);
}

void
format_utc(char *buf, size_t len, int64_t when)
{
	time_t		t = (time_t)when;
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%" PRId64, when);
}

void
format_ms(char *buf, size_t len, double ms)
{
	if (ms < 10.0)
		snprintf(buf, len, "%.2f", ms);
	else if (ms < 100.0)
		snprintf(buf, len, "%.1f", ms);
	else
		snprintf(buf, len, "%.0f", ms);
}

void
format_rate(char *buf, size_t len, uint64_t now, uint64_t then,
    uint64_t dt_ms)
{
	if (dt_ms == 0 || now < then)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", (double)(now - then) * 1000.0 /
		    (double)dt_ms);
}
