/*
 * cli/export_main.c - `irqhop export`: a selection of one run's interrupts
 * as a trace for ui.perfetto.dev (Chrome Trace Event JSON).
 *
 *   irqhop export --db FILE --run ID SELECTION [--max N] [--output FILE]
 *   SELECTION: --slowest N | --bucket PATH:HOP:LO:HI | --irq ID[,ID...]...
 *              | --window START:END
 *
 * The trace itself is analyzer/export/perfetto.c (shared with the
 * dashboard's download links); this file parses options and writes the
 * file atomically: into a temporary file beside the output, renamed into
 * place only when the whole trace was written.  Exit status 0, 1 for a bad
 * run or selection (or any other failure), 2 for a usage error; each
 * failure is one line on stderr and leaves no file behind.
 */
#include "config.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "schemas/db.h"
#include "analyzer/export/perfetto.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XM "irqhop export"

/* Prints the help.  Never fails (a write error is not reported). */
static void xm_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop export --db FILE --run ID SELECTION [--max N] [--output FILE]\n"
		"\n"
		"Write the selected interrupts of a run as a trace that ui.perfetto.dev opens\n"
		"(Chrome Trace Event JSON): one slice per hop on the thread it ran on, flow\n"
		"arrows from hop to hop, each vCPU's steal as a counter (docs/export.md).\n"
		"\n"
		"SELECTION, exactly one of:\n"
		"  --slowest N              the N slowest complete interrupts (total time)\n"
		"  --bucket PATH:HOP:LO:HI  PATH's interrupts whose HOP (or 'total') lasted\n"
		"                           LO to HI, inclusive (a histogram bucket)\n"
		"  --irq ID[,ID...]         these interrupts (the option may repeat)\n"
		"  --window START:END       interrupts starting in [START, END) after the\n"
		"                           run's first event\n"
		"Durations are nanoseconds, or a number with a unit: 250us, 1.5ms, 2s.\n"
		"\n"
		"  --db FILE        database written by irqhop analyze\n"
		"  --run ID         the run (see the dashboard's run list)\n"
		"  --max N          refuse a selection of more than N interrupts (default %d,\n"
		"                   at most %d; Perfetto's UI struggles past a few hundred MB)\n"
		"  -o, --output F   the trace file (default irqhop-run-ID.json; '-' for stdout)\n"
		"  -h, --help       show this help\n"
		"\n"
		"Exit status: 0 written, 1 bad run or selection or other failure, 2 usage error.\n",
		IH_EXPORT_MAX_DEFAULT, IH_EXPORT_MAX_LIMIT);
}

/* Parses a whole unsigned decimal integer into *out.  -1 if ARG is not one
 * (or overflows). */
static int xm_uint(const char *arg, uint64_t *out)
{
	char *end;

	if (!*arg || *arg == '-' || *arg == '+')
		return -1;
	errno = 0;
	*out = strtoull(arg, &end, 10);
	return (*end || errno) ? -1 : 0;
}

/* Parses a duration "123", "123ns", "1.5us", "2ms", "3s" (LEN bytes of ARG)
 * into ns.  -1 when malformed, negative or out of range. */
static int xm_dur(const char *arg, size_t len, uint64_t *out)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	uint64_t ip = 0, frac = 0, scale = 1, mul = 1;
	size_t i = 0, digits = 0;

	while (i < len && arg[i] >= '0' && arg[i] <= '9') {
		if (ip > (UINT64_MAX - 9) / 10)
			return -1;
		ip = ip * 10 + (uint64_t)(arg[i++] - '0');
		digits++;
	}
	if (i < len && arg[i] == '.') {
		i++;
		while (i < len && arg[i] >= '0' && arg[i] <= '9') {
			if (scale < 1000000000) {
				frac = frac * 10 + (uint64_t)(arg[i] - '0');
				scale *= 10;
			}
			i++;
			digits++;
		}
	}
	if (!digits)
		return -1;
	if (i < len) {
		size_t k;

		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
			if (strlen(units[k].unit) == len - i && strncmp(arg + i, units[k].unit, len - i) == 0)
				break;
		if (k == sizeof(units) / sizeof(units[0]))
			return -1;
		mul = units[k].ns;
	} else if (scale > 1) {
		return -1;	/* a fraction of a nanosecond */
	}
	if (ip > INT64_MAX / mul)
		return -1;
	*out = ip * mul + frac * mul / scale;
	return *out > INT64_MAX ? -1 : 0;
}

/* Parses "A:B" durations.  -1 when malformed. */
static int xm_span(const char *arg, uint64_t *a, uint64_t *b)
{
	const char *colon = strrchr(arg, ':');

	if (!colon)
		return -1;
	return xm_dur(arg, (size_t)(colon - arg), a) || xm_dur(colon + 1, strlen(colon + 1), b) ? -1 : 0;
}

/* Parses PATH:HOP:LO:HI (the path and hop names are words of hop_def;
 * the last two fields are the bounds).  *path and *hop point into a copy
 * in *copy (the caller frees it).  -1 when malformed. */
static int xm_bucket(const char *arg, char **copy, const char **path, const char **hop, uint64_t *lo,
		     uint64_t *hi)
{
	char *c1, *c2;

	if (!(*copy = strdup(arg)))
		return -1;
	/* HI after the last colon, LO before it, then PATH:HOP. */
	c2 = strrchr(*copy, ':');
	if (!c2)
		return -1;
	*c2 = '\0';
	c1 = strrchr(*copy, ':');
	if (!c1 || xm_dur(c2 + 1, strlen(c2 + 1), hi) || xm_dur(c1 + 1, strlen(c1 + 1), lo))
		return -1;
	*c1 = '\0';
	c1 = strchr(*copy, ':');
	if (!c1 || c1 == *copy || !c1[1])
		return -1;
	*c1 = '\0';
	*path = *copy;
	*hop = c1 + 1;
	return 0;
}

/* Appends the comma-separated ids of ARG to *ids.  -1 when one is not an
 * id or out of memory (message printed). */
static int xm_ids(const char *arg, int64_t **ids, size_t *n, size_t *cap)
{
	const char *p = arg;

	for (;;) {
		size_t len = strcspn(p, ",");
		char word[32];
		uint64_t v;

		if (len == 0 || len >= sizeof(word)) {
			fprintf(stderr, XM ": --irq: '%s' is not a list of interrupt ids\n", arg);
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if (xm_uint(word, &v) || v > INT64_MAX) {
			fprintf(stderr, XM ": --irq: '%s' is not an interrupt id\n", word);
			return -1;
		}
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			int64_t *q = realloc(*ids, ncap * sizeof(*q));

			if (!q) {
				fprintf(stderr, XM ": out of memory\n");
				return -1;
			}
			*ids = q;
			*cap = ncap;
		}
		(*ids)[(*n)++] = (int64_t)v;
		p += len;
		if (!*p)
			return 0;
		p++;
	}
}

/* Makes KIND the selection, counting in *NSEL the kinds given (the same
 * option twice is one kind: --irq may repeat).  Cannot fail. */
static void xm_pick(struct ih_export_sel *sel, enum ih_export_kind kind, int *nsel)
{
	if (sel->kind != kind)
		(*nsel)++;
	sel->kind = kind;
}

/* Writes the trace to OUTPUT atomically (or to stdout for "-").  Returns the
 * library's code; on failure nothing is left at OUTPUT nor beside it. */
static int xm_write(sqlite3 *db, const char *dbpath, const struct ih_export_sel *sel, const char *output,
		    struct ih_export_stats *st, char *err, size_t errlen)
{
	char *tmp;
	FILE *f;
	int fd, rc;

	if (strcmp(output, "-") == 0)
		return ih_export_perfetto(db, dbpath, sel, stdout, st, err, errlen);
	if (!(tmp = malloc(strlen(output) + 16))) {
		snprintf(err, errlen, "out of memory");
		return IH_EXPORT_EDB;
	}
	sprintf(tmp, "%s.tmp-XXXXXX", output);
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "%s: cannot create a file beside it: %s", output, strerror(errno));
		free(tmp);
		return IH_EXPORT_EDB;
	}
	if (!(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return IH_EXPORT_EDB;
	}
	rc = ih_export_perfetto(db, dbpath, sel, f, st, err, errlen);
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
		snprintf(err, errlen, "%s: %s", output, strerror(errno));
		rc = IH_EXPORT_EDB;
	}
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", output, strerror(errno));
		rc = IH_EXPORT_EDB;
	}
	/* The temporary file is mode 0600 (mkstemp); a trace is no secret. */
	if (rc == 0 && chmod(tmp, 0644) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		rc = IH_EXPORT_EDB;
	}
	if (rc == 0 && rename(tmp, output) != 0) {
		snprintf(err, errlen, "%s: %s", output, strerror(errno));
		rc = IH_EXPORT_EDB;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int ih_export_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "slowest", required_argument, NULL, 's' },
		{ "bucket", required_argument, NULL, 'b' },
		{ "irq", required_argument, NULL, 'i' },
		{ "window", required_argument, NULL, 'w' },
		{ "max", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_export_sel sel;
	struct ih_export_stats st;
	const char *dbpath = NULL, *output = NULL, *runarg = NULL;
	char *bucket_copy = NULL, *defout = NULL;
	int64_t *ids = NULL;
	size_t nids = 0, capids = 0;
	int nsel = 0, c, ret = 2, rc;
	uint64_t v;
	char err[512];
	sqlite3 *db = NULL;

	memset(&sel, 0, sizeof(sel));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dbpath = optarg;
			break;
		case 'r':
			runarg = optarg;
			break;
		case 's':
			xm_pick(&sel, IH_EXPORT_SLOWEST, &nsel);
			if (xm_uint(optarg, &sel.slowest) || sel.slowest == 0) {
				fprintf(stderr, XM ": --slowest: '%s' is not a count of at least 1\n", optarg);
				goto end;
			}
			break;
		case 'b':
			xm_pick(&sel, IH_EXPORT_BUCKET, &nsel);
			free(bucket_copy);
			if (xm_bucket(optarg, &bucket_copy, &sel.path, &sel.hop, &sel.lo_ns, &sel.hi_ns)) {
				fprintf(stderr, XM ": --bucket: '%s' is not PATH:HOP:LO:HI\n", optarg);
				goto end;
			}
			break;
		case 'i':
			xm_pick(&sel, IH_EXPORT_IRQS, &nsel);
			if (xm_ids(optarg, &ids, &nids, &capids))
				goto end;
			break;
		case 'w':
			xm_pick(&sel, IH_EXPORT_WINDOW, &nsel);
			if (xm_span(optarg, &sel.lo_ns, &sel.hi_ns)) {
				fprintf(stderr, XM ": --window: '%s' is not START:END (durations)\n", optarg);
				goto end;
			}
			break;
		case 'm':
			if (xm_uint(optarg, &v) || v == 0 || v > IH_EXPORT_MAX_LIMIT) {
				fprintf(stderr, XM ": --max: '%s' is not a count from 1 to %d\n", optarg,
					IH_EXPORT_MAX_LIMIT);
				goto end;
			}
			sel.max_irqs = (size_t)v;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			xm_usage(stdout);
			ret = 0;
			goto end;
		default:
			ret = ih_opt_error(XM, c, argv);
			goto end;
		}
	}
	if (optind < argc) {
		fprintf(stderr, XM ": unexpected argument '%s' (try '" XM " --help')\n", argv[optind]);
		goto end;
	}
	if (!dbpath || !runarg) {
		fprintf(stderr, XM ": %s is required (try '" XM " --help')\n", !dbpath ? "--db FILE" : "--run ID");
		goto end;
	}
	if (xm_uint(runarg, &v) || v == 0 || v > INT64_MAX) {
		fprintf(stderr, XM ": --run: '%s' is not a run id\n", runarg);
		goto end;
	}
	sel.run_id = (int64_t)v;
	if (nsel != 1) {
		fprintf(stderr, XM ": give exactly one of --slowest, --bucket, --irq, --window (try '" XM
				" --help')\n");
		goto end;
	}
	sel.irqs = ids;
	sel.nirqs = nids;
	if (!output) {
		if (!(defout = malloc(64))) {
			fprintf(stderr, XM ": out of memory\n");
			ret = 1;
			goto end;
		}
		snprintf(defout, 64, "irqhop-run-%" PRId64 ".json", sel.run_id);
		output = defout;
	}

	ret = 1;
	if (ih_db_open_ro(dbpath, &db, err, sizeof(err)) != 0) {
		fprintf(stderr, XM ": %s\n", err);
		goto end;
	}
	rc = xm_write(db, dbpath, &sel, output, &st, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, XM ": %s\n", err);
		goto end;
	}
	fprintf(strcmp(output, "-") == 0 ? stderr : stdout,
		XM ": run %" PRId64 ": %zu interrupts, %zu hops on %zu tracks of %zu threads, %zu flow arrows, "
		   "%zu steal samples: %" PRIu64 " bytes in %s\n",
		sel.run_id, st.irqs, st.slices, st.tracks, st.threads, st.flows, st.counters, st.bytes,
		strcmp(output, "-") == 0 ? "stdout" : output);
	ret = 0;
end:
	sqlite3_close(db);
	free(ids);
	free(bucket_copy);
	free(defout);
	return ret;
}
