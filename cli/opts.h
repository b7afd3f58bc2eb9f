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
#include <getopt.h>
#include <stdio.h>

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
#endif
