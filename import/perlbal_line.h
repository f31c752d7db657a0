/*
 * One line of a Perlbal configuration made into the command Perlbal 1.80
 * runs (Perlbal.pm's run_manage_command): cut at the first '#', blanks
 * trimmed and each run of them made one space, ${ip:IFACE} and $NAME
 * expanded, and everything before the first '=' in lower case.  Pure
 * text work, but for the environment and the interfaces it reads.
 */
#ifndef WEIR_IMPORT_PERLBAL_LINE_H
#define WEIR_IMPORT_PERLBAL_LINE_H

#include <stddef.h>

/* The longest command, after expansion; Perlbal has no limit. */
#define PERLBAL_LINE_MAX	65536

/* Room for any reason perlbal_line_cook() gives. */
#define PERLBAL_LINE_ERR_MAX	192

struct perlbal_line {
	char	*cmd;		/* owned: the command; "" if nothing to run */
	char	*orig;		/* owned: the same before expansion and lower
				   case (LOAD reads a plugin's case there) */
	char	 unset[128];	/* $NAMEs the environment lacks, which became
				   "" as in Perl: "A, B"; "" if none */
};

/*
 * Cooks the raw line <raw> (its newline may be there) into <out>.  Returns
 * 0, or -1 with the reason in <err> (<errlen> bytes): a ${...} Perlbal does
 * not know, an interface without an IPv4 address, a line too long.  The
 * import's extension: ${NAME} without a colon reads the environment, like
 * $NAME (Perlbal 1.80 stops there).  Free <out> with perlbal_line_free()
 * whatever the result.
 */
int	perlbal_line_cook(const char *raw, struct perlbal_line *out, char *err,
	    size_t errlen);

void	perlbal_line_free(struct perlbal_line *l);

/* True for Perl's \w in the C locale: letters, digits, '_'. */
int	perlbal_line_is_word(int ch);

/* True when <s> is one or more \w characters. */
int	perlbal_line_is_name(const char *s);

#endif
