/*
 * "weir --import-perlbal FILE [-o OUT]": reads a Perlbal 1.80
 * configuration, writes the weir configuration that does the same, checks
 * it as "weir -t" would (without loading certificates), and says what
 * did not convert.
 */
#ifndef WEIR_IMPORT_PERLBAL_IMPORT_H
#define WEIR_IMPORT_PERLBAL_IMPORT_H

#include <stdio.h>

/*
 * Converts the Perlbal configuration at <in> and writes the result to
 * <out> (replaced whole, by rename: a reader never sees half of it), or
 * to standard output when <out> is NULL or "-".  Warnings and errors go
 * to <msgs>, one line each, naming the file and line.  Returns the exit
 * status: 0 written (warnings or not), 1 the input does not convert
 * (nothing written), 2 the output could not be written.
 */
int	perlbal_import(const char *in, const char *out, FILE *msgs);

#endif
