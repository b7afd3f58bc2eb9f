/*
 * cli/demo.c - irqhop demo: the whole pipeline in one command.  Records the
 * passthrough scenario with global and then percpu tasklets, analyzes both
 * traces into one database, and serves the dashboard over it.
 *
 *   irqhop demo [--output DIR] [--listen ADDR:PORT] [--duration S] [--rate HZ]
 *               [--no-serve]
 *
 * DIR (default ./irqhop-demo) receives run-TIMESTAMP/{global,percpu} traces
 * and irqhop.sqlite, which accumulates runs across demos.  Each step is the
 * real subcommand, called in-process, so the demo fails exactly where and
 * how the subcommand would.
 */
#include "config.h"
#include "cli/cmd.h"
#include "cli/opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DEMO "irqhop demo"

/* Runs subcommand MAIN with a NULL-terminated argv; resets getopt first so
 * every subcommand parses from scratch. */
static int run_step(int (*sub)(int, char **), char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	optind = 0;
	return sub(argc, argv);
}

/* mkdir -p for one or two levels; 0 or -1 with a message. */
static int make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, DEMO ": cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int ih_demo_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "listen", required_argument, NULL, 'l' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "no-serve", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = "irqhop-demo", *listen = "127.0.0.1:8080", *duration = "2", *rate = NULL;
	static const char *const modes[] = { "global", "percpu" };
	char run_dir[4096], trace[2][4200], db[4200], label[2][64], stamp[32];
	bool serve = true;
	time_t now = time(NULL);
	struct tm tm;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'l': listen = optarg; break;
		case 'd': duration = optarg; break;
		case 'r': rate = optarg; break;
		case 'n': serve = false; break;
		case 'h':
			printf("usage: irqhop demo [--output DIR] [--listen ADDR:PORT] [--duration S] [--rate HZ] [--no-serve]\n");
			return 0;
		default:
			return ih_opt_error(DEMO, c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, DEMO ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(run_dir, sizeof(run_dir), "%s/run-%s", out, stamp);
	snprintf(db, sizeof(db), "%s/irqhop.sqlite", out);
	if (make_dir(out) || make_dir(run_dir))
		return 1;

	for (int m = 0; m < 2; m++) {
		char *rec[20] = { "record", "--scenario", "passthrough", "--tasklet", (char *)modes[m],
				  "--duration", (char *)duration, "--label", label[m], "--output", trace[m] };
		int n = 11;

		snprintf(trace[m], sizeof(trace[m]), "%s/%s", run_dir, modes[m]);
		snprintf(label[m], sizeof(label[m]), "demo-%s", modes[m]);
		if (rate) {
			rec[n++] = "--rate";
			rec[n++] = (char *)rate;
		}
		rec[n] = NULL;
		printf(DEMO ": recording the passthrough scenario with %s tasklets\n", modes[m]);
		fflush(stdout);
		rc = run_step(ih_record_main, rec);
		if (rc) {
			fprintf(stderr, DEMO ": recording with %s tasklets failed (see above)\n", modes[m]);
			return rc;
		}
	}
	for (int m = 0; m < 2; m++) {
		/* Options first: no argument permutation needed by any getopt. */
		char *an[] = { "analyze", "--db", db, "--label", label[m], trace[m], NULL };

		rc = run_step(ih_analyze_main, an);
		if (rc) {
			fprintf(stderr, DEMO ": analyzing %s failed (see above)\n", trace[m]);
			return rc;
		}
	}
	printf(DEMO ": database %s holds both runs\n", db);
	fflush(stdout);
	if (!serve)
		return 0;
	{
		char *sv[] = { "serve", "--db", db, "--listen", (char *)listen, NULL };

		printf(DEMO ": starting the dashboard (Ctrl-C to stop)\n");
		fflush(stdout);
		return run_step(ih_serve_main, sv);
	}
}
