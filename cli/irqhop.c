/*
 * irqhop - front command.  One table maps subcommand names to entry points,
 * in the style of lttng(1) and perf(1).
 */
#include "config.h"
#include "cli/cmd.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct ih_subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct ih_subcommand subcommands[] = {
	{ "record",  ih_record_main,  "run a scenario and record its LTTng trace" },
	{ "analyze", ih_analyze_main, "reconstruct interrupt paths from traces into SQLite" },
	{ "serve",   ih_serve_main,   "serve the dashboard and JSON API over a database" },
	{ "regress", ih_regress_main, "compare a run against a baseline; exit 1 on a regression" },
	{ "export",  ih_export_main,  "write interrupts of a run as a trace for ui.perfetto.dev" },
	{ "demo",    ih_demo_main,    "record both tasklet modes, analyze, and serve" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: irqhop [--version] [--help] SUBCOMMAND [ARGS]\n\nSubcommands:\n");
	for (const struct ih_subcommand *s = subcommands; s->name; s++)
		fprintf(out, "  %-8s %s\n", s->name, s->summary);
	fprintf(out, "\nRun 'irqhop SUBCOMMAND --help' for a subcommand's options.\n");
}

/* PROG beside irqhop, else in pkglibexecdir; $ENV overrides.  See cli/cmd.h. */
static const char *libexec_path(const char *prog, const char *env_name, char *buf,
		unsigned long len)
{
	const char *env = getenv(env_name);
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		if (access(buf, X_OK) == 0)
			return buf;
		fprintf(stderr, "irqhop: %s=%s is not an executable file\n", env_name, env);
		return NULL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, len, "%s/%s", self, prog);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, len, "%s/%s", IH_PKGLIBEXECDIR, prog);
	if (access(buf, X_OK) == 0)
		return buf;
	fprintf(stderr, "irqhop: %s not found beside irqhop nor in %s\n", prog, IH_PKGLIBEXECDIR);
	return NULL;
}

const char *ih_runtime_path(char *buf, unsigned long len)
{
	return libexec_path("irqhop-runtime", "IRQHOP_RUNTIME", buf, len);
}

const char *ih_kvm_path(char *buf, unsigned long len)
{
	return libexec_path("irqhop-kvm", "IRQHOP_KVM", buf, len);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("irqhop %s\n", PACKAGE_VERSION);
		return 0;
	}
	/* irqhop analyze --live URL follows a relay's live sessions
	 * (cli/live_main.c, analyzer/live/) instead of reading trace folders. */
	if (strcmp(argv[1], "analyze") == 0)
		for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
			if (strcmp(argv[i], "--live") == 0 || strncmp(argv[i], "--live=", 7) == 0)
				return ih_analyze_live_main(argc - 1, argv + 1);
	for (const struct ih_subcommand *s = subcommands; s->name; s++)
		if (strcmp(argv[1], s->name) == 0)
			return s->main(argc - 1, argv + 1);
	fprintf(stderr, "irqhop: unknown subcommand '%s' (try 'irqhop --help')\n", argv[1]);
	return 2;
}
