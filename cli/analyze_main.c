/*
 * cli/analyze_main.c - `irqhop analyze TRACE... --db FILE [--label TEXT]
 * [--replace] [--window W] [--jobs N]`: its options; the work is
 * analyzer/graph/analyze.h (and --live: cli/live_main.c).
 */
#include "config.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "analyzer/graph/analyze.h"
#include "analyzer/sqlite/sink.h"

#include <getopt.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define AN_PREFIX "irqhop analyze: "

static void an_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop analyze TRACE... --db FILE [--label TEXT] [--replace] [--window W] [--jobs N]\n"
		"\n"
		"Reconstructs every interrupt's path from the irqhop events of each CTF trace\n"
		"found under the TRACE folders (a trace, an LTTng output folder, or an\n"
		"lttng-relayd output tree holding one trace per host) and adds one run per\n"
		"trace to the SQLite database FILE (created if missing), tagged with the\n"
		"trace's hostname.  Each run is written in one transaction: on any error\n"
		"nothing of it is added.  A trace already in FILE (same trace UUID) is\n"
		"refused before anything is decoded, unless --replace.\n"
		"\n"
		"  -d, --db FILE      database to write (required)\n"
		"  -l, --label TEXT   run label (default: the label recorded in the trace)\n"
		"  -r, --replace      analyze an already analyzed trace again: its old run is\n"
		"                     deleted in the transaction that adds the new one\n"
		"  -w, --window W     steal window: ns, or a duration such as 100ms, 1s\n"
		"                     (default 100ms)\n"
		"  -j, --jobs N       decode each trace in up to N processes at once, each a\n"
		"                     group of its stream files (default: the CPUs online;\n"
		"                     1: one Babeltrace graph); the rows are the same\n"
		"  -h, --help         show this help\n"
		"\n"
		"irqhop analyze --live net://HOST[:PORT] --db FILE follows the live sessions\n"
		"of an lttng-relayd instead (irqhop analyze --live --help).\n");
}

int ih_analyze_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "replace", no_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *label = NULL, *window = NULL;
	bool replace = false;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c, jobs = ncpu > 0 ? (ncpu > 64 ? 64 : (int)ncpu) : 1;
	char *endp;
	long v;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:l:rw:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'r':
			replace = true;
			break;
		case 'w':
			window = optarg;
			break;
		case 'j':
			errno = 0;
			v = strtol(optarg, &endp, 10);
			if (errno || endp == optarg || *endp || v < 1 || v > 64) {
				fprintf(stderr, AN_PREFIX "--jobs '%s' is not a number of processes from 1 to 64\n",
					optarg);
				return 2;
			}
			jobs = (int)v;
			break;
		case 'h':
			an_usage(stdout);
			return 0;
		default:
			return ih_opt_error("irqhop analyze", c, argv);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, AN_PREFIX "missing TRACE (usage: irqhop analyze TRACE... --db FILE)\n");
		return 2;
	}
	if (!db) {
		fprintf(stderr, AN_PREFIX "--db FILE is required\n");
		return 2;
	}
	if (!*db) {
		fprintf(stderr, AN_PREFIX "--db needs a file name\n");
		return 2;
	}
	if (window && ih_sink_parse_window(window) <= 0) {
		fprintf(stderr, AN_PREFIX "--window '%s' is not a positive duration (ns, or a number with "
			"ns, us, ms or s, e.g. 100ms)\n", window);
		return 2;
	}
	{
		struct ih_analyze_opts o = { db, label, window, replace, jobs };

		return ih_analyze_traces(argv + optind, argc - optind, &o);
	}
}
