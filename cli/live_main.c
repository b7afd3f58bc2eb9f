/*
 * cli/live_main.c - `irqhop analyze --live net://HOST[:PORT] --db FILE
 * [--label TEXT] [--window W] [--runs N] [--idle-timeout S] [--verbose]`:
 * the options of the live follower (analyzer/live/live.h), which irqhop.c
 * calls when analyze's arguments hold --live.
 */
#include "config.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "analyzer/live/live.h"
#include "analyzer/sqlite/sink.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_PREFIX "irqhop analyze: "

/* Prints the help of --live.  Never fails. */
static void lv_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop analyze --live net://HOST[:PORT] --db FILE [--label TEXT] [--window W]\n"
		"                      [--runs N] [--idle-timeout S] [--verbose]\n"
		"\n"
		"Follows the live sessions of the lttng-relayd at HOST (live port, default 5344)\n"
		"and adds one run per session to FILE when the session ends (its host destroys\n"
		"it: irqhop record --relay net://HOST --live).  Start it before the recordings:\n"
		"a session already under way is read from the moment it is joined.\n"
		"\n"
		"  -d, --db FILE         database to write (required)\n"
		"  -l, --label TEXT      run label (default: the label recorded in each trace)\n"
		"  -w, --window W        steal window (as irqhop analyze)\n"
		"  --runs N              return after N sessions ended (default: never)\n"
		"  --idle-timeout S      return after S seconds without any live session\n"
		"  -v, --verbose         one line per session joined\n"
		"  -h, --help            show this help\n"
		"\n"
		"SIGINT or SIGTERM stops it: runs of sessions still in flight are not added.\n"
		"Exit status: 0 all runs added, 1 a session failed or a signal stopped it,\n"
		"2 usage error or the relay cannot be reached at start.\n");
}

int ih_analyze_live_main(int argc, char **argv)
{
	enum { O_LIVE = 256, O_RUNS, O_IDLE };
	static const struct option opts[] = {
		{ "live", required_argument, NULL, O_LIVE },
		{ "db", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "window", required_argument, NULL, 'w' },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_live_opts o = { 0 };
	sigset_t stop, old;
	char err[1024], *end;
	int c, ret;

	/* `--live --help` would give --help to --live as its URL. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			lv_usage(stdout);
			return 0;
		}
	}
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:d:l:w:vh", opts, NULL)) != -1) {
		switch (c) {
		case O_LIVE:
			o.url = optarg;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'w':
			if (ih_sink_parse_window(optarg) < 0) {
				fprintf(stderr, LIVE_PREFIX "--window: '%s' is not a positive duration\n", optarg);
				return 2;
			}
			o.window = optarg;
			break;
		case O_RUNS: {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end || errno || v > 1000000) {
				fprintf(stderr, LIVE_PREFIX "--runs: '%s' is not a number of runs (1 to 1000000)\n", optarg);
				return 2;
			}
			o.max_runs = (unsigned)v;
			break;
		}
		case O_IDLE:
			errno = 0;
			o.idle_timeout_s = strtod(optarg, &end);
			if (!*optarg || *end || errno || !(o.idle_timeout_s > 0 && o.idle_timeout_s < 1e9)) {
				fprintf(stderr, LIVE_PREFIX "--idle-timeout: '%s' is not a number of seconds > 0\n", optarg);
				return 2;
			}
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			lv_usage(stdout);
			return 0;
		default:
			return ih_opt_error("irqhop analyze", c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, LIVE_PREFIX "--live takes no TRACE (got '%s'): it reads the relay's live sessions\n",
			argv[optind]);
		return 2;
	}
	if (!o.url) {
		fprintf(stderr, LIVE_PREFIX "--live net://HOST[:PORT] is required\n");
		return 2;
	}
	if (!o.db || !*o.db) {
		fprintf(stderr, LIVE_PREFIX "--db FILE is required\n");
		return 2;
	}
	/* Stop signals are received synchronously (sigtimedwait in the
	 * loop), so a ^C ends the loop between two graph steps and the
	 * sessions in flight are rolled back cleanly. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &stop, &old) != 0) {
		fprintf(stderr, LIVE_PREFIX "cannot block signals\n");
		return 1;
	}
	/* A relay that closes a connection must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	ret = ih_analyze_live(&o, &stop, err, sizeof(err));
	{
		/* Signals that came meanwhile must not kill us now. */
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&stop, NULL, &zero) > 0)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
