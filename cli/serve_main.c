/*
 * cli/serve_main.c - `irqhop serve`: parse options, start the server, print the
 * one "listening" line, wait for SIGINT/SIGTERM, stop cleanly.
 */
#include "config.h"
#include "cli/cmd.h"
#include "web/routes.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ih_web_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop serve --db FILE [--listen ADDR:PORT] [--threads N]\n"
		"\n"
		"Serve the dashboard and the JSON API over an irqhop database (read-only).\n"
		"\n"
		"  --db FILE            database written by irqhop analyze\n"
		"  --listen ADDR:PORT   address to listen on (default 127.0.0.1:8080;\n"
		"                       port 0 picks a free one; IPv6 as [ADDR]:PORT)\n"
		"  --threads N          HTTP worker threads, 1 to 64 (default 2)\n"
		"  -h, --help           show this help\n"
		"\n"
		"When ready, prints one line: irqhop serve: listening on http://ADDR:PORT/\n"
		"SIGINT or SIGTERM stops the server (exit status 0).\n");
}

/* Matches option NAME in argv[*i], as "--name VALUE" or "--name=VALUE".
 * Returns 1 and sets *value (advancing *i past a separate value), 0 when
 * argv[*i] is another option, -1 when the value is missing (message
 * printed). */
static int ih_web_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "irqhop serve: option %s needs a value (try 'irqhop serve --help')\n", name);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int ih_serve_main(int argc, char **argv)
{
	struct ih_web_config cfg;
	struct ih_web_dashboard *srv = NULL;
	const char *db = NULL, *listen = NULL, *threads = NULL;
	sigset_t stop, old;
	char err[1024];
	int kind, sig = 0;

	ih_web_config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		int m;

		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			ih_web_usage(stdout);
			return 0;
		}
		if ((m = ih_web_opt(argc, argv, &i, "--db", &db)) ||
		    (m = ih_web_opt(argc, argv, &i, "--listen", &listen)) ||
		    (m = ih_web_opt(argc, argv, &i, "--threads", &threads))) {
			if (m < 0)
				return 2;
			continue;
		}
		if (argv[i][0] == '-')
			fprintf(stderr, "irqhop serve: unknown option '%s' (try 'irqhop serve --help')\n", argv[i]);
		else
			fprintf(stderr, "irqhop serve: unexpected argument '%s' (try 'irqhop serve --help')\n", argv[i]);
		return 2;
	}
	if (!db || !*db) {
		fprintf(stderr, "irqhop serve: --db FILE is required (try 'irqhop serve --help')\n");
		return 2;
	}
	cfg.db_path = db;
	if (listen && ih_web_parse_listen(listen, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "irqhop serve: %s\n", err);
		return 2;
	}
	if (threads) {
		int64_t n;

		if (ih_web_parse_id(threads, &n) != 0 || n > 64) {
			fprintf(stderr, "irqhop serve: --threads %s: expected a number from 1 to 64\n", threads);
			return 2;
		}
		cfg.threads = (unsigned)n;
	}

	/* Block the stop signals before MHD creates its threads (they inherit
	 * the mask), so they are delivered to sigwait below and nowhere else. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	if (ih_web_dashboard_start(&cfg, &srv, &kind, err, sizeof(err)) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "irqhop serve: %s\n", err);
		return 1;
	}
	/* The contract with tests and scripts: exactly this line, flushed. */
	printf("irqhop serve: listening on %s\n", ih_web_dashboard_url(srv));
	fflush(stdout);
	/* sigwait fails only for an invalid set; stopping is then the safe
	 * answer too. */
	(void)sigwait(&stop, &sig);
	ih_web_dashboard_stop(srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}
