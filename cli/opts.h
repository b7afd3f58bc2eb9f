/*
 * cli/opts.h - the one way irqhop's subcommands report a getopt error.
 *
 * Every subcommand parses with getopt_long, opterr = 0 and an optstring that
 * starts with ':' (or "+:"), so getopt returns ':' for a missing value and
 * '?' for an unknown option instead of printing its own message.  Then:
 *
 *	default:
 *		return ih_opt_error("irqhop analyze", c, argv);
 *
 * prints one line, "irqhop analyze: option '--db' needs a value (try
 * 'irqhop analyze --help')" or "... unknown option '--x' (...)", and returns
 * 2, the usage-error exit status (cli/cmd.h).
 */
#ifndef IH_OPTS_H
#define IH_OPTS_H
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* CMD: "irqhop SUBCOMMAND" (the prefix of every message). C: getopt's
 * return. ARGV: the argv given to getopt (the offending word is
 * argv[optind - 1]).  Never fails; returns 2. */
static inline int ih_opt_error(const char *cmd, int c, char **argv)
{
	const char *word = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		fprintf(stderr, "%s: option '%s' needs a value (try '%s --help')\n", cmd, word, cmd);
	else
		fprintf(stderr, "%s: unknown option '%s' (try '%s --help')\n", cmd, word, cmd);
	return 2;
}

/* Prints "PROG: " and the formatted message as one line on stderr, for a
 * bad option value.  Never fails; returns 2 (the usage-error status). */
static inline int __attribute__((format(printf, 2, 3))) ih_opt_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* Parses S as a number in [LO, HI] into *OUT.  Returns false, leaving *OUT
 * alone, on junk, an empty string, overflow or a value out of range. */
static inline bool ih_opt_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}
#endif
