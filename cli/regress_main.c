/*
 * cli/regress_main.c - `irqhop regress`: compare a candidate run against a
 * baseline run and exit 1 when something regressed (a CI gate).
 *
 *   irqhop regress --db FILE --baseline SEL --candidate SEL
 *                  [--threshold PCT] [--metric p50,p99,steal]
 *                  [--format text|json|junit] [--seed N] [--confidence C]
 *
 * The comparison itself is analyzer/regress/ (regress.h; shared with the dashboard's
 * compare page); this file parses options and prints the result.  Exit
 * status: 0 nothing regressed, 1 something regressed, 2 on any error
 * (unknown selector, bad database, bad option), which is one line on
 * stderr.  docs/regress.md documents the output formats.
 */
#include "config.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "schemas/db.h"
#include "analyzer/regress/regress.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RM_PREFIX "irqhop regress: "

enum rm_format { RM_TEXT, RM_JSON, RM_JUNIT };

/* Prints the help.  Never fails (a write error is not reported). */
static void rm_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop regress --db FILE --baseline SEL --candidate SEL [OPTIONS]\n"
		"\n"
		"Compare a candidate run against a baseline run, per path and hop (p50, p99)\n"
		"and per guest kind (steal %%), with a bootstrap confidence interval of each\n"
		"change.  Something regresses only when the change is significant and larger\n"
		"than the threshold: the whole interval lies above +threshold.\n"
		"\n"
		"SEL is a run id, a label (its newest run) or LABEL@HOST (newest run of that\n"
		"label on that host).\n"
		"\n"
		"  --db FILE             database written by irqhop analyze\n"
		"  --baseline SEL        the reference run\n"
		"  --candidate SEL       the run under test\n"
		"  --threshold PCT       smallest change that can regress (default 10)\n"
		"  --metric LIST         comma-separated: p50, p99, steal (default all)\n"
		"  --format FMT          text (default), json or junit\n"
		"  --seed N              resampling seed (default 1): verdicts are reproducible\n"
		"  --confidence C        confidence of the intervals, 0 < C < 1 (default 0.95)\n"
		"  -h, --help            show this help\n"
		"\n"
		"Exit status: 0 nothing regressed, 1 something regressed, 2 error.\n");
}

/* Parses a comma-separated metric list into *bits.  -1 on an unknown or
 * empty one (message printed). */
static int rm_metrics(const char *arg, unsigned *bits)
{
	const char *p = arg;

	*bits = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 3 && strncmp(p, "p50", 3) == 0)
			*bits |= IH_REG_P50;
		else if (n == 3 && strncmp(p, "p99", 3) == 0)
			*bits |= IH_REG_P99;
		else if (n == 5 && strncmp(p, "steal", 5) == 0)
			*bits |= IH_REG_STEAL;
		else {
			fprintf(stderr, RM_PREFIX "--metric: unknown metric '%.*s' (p50, p99, steal)\n", (int)n, p);
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*bits) {
		fprintf(stderr, RM_PREFIX "--metric: no metric given (p50, p99, steal)\n");
		return -1;
	}
	return 0;
}

/* Parses a finite number.  -1 when ARG is not one. */
static int rm_number(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	return (!*arg || *end || errno || !isfinite(*out)) ? -1 : 0;
}

/* A duration in ns as "123 ns", "12.3 us", "1.23 ms", "1.23 s" (three
 * significant digits, ASCII).  Returns buf.  Never fails. */
static const char *rm_dur(json_t *v, char *buf, size_t len)
{
	double ns;

	if (!json_is_number(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	ns = json_number_value(v);
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3g s", ns / 1e9);
	return buf;
}

/* "+12.3%" or "-" for a non-number.  Never fails. */
static const char *rm_pct(json_t *v, char *buf, size_t len)
{
	if (json_is_number(v))
		snprintf(buf, len, "%+.1f%%", json_number_value(v));
	else
		snprintf(buf, len, "-");
	return buf;
}

/* "[-1.2%, +3.4%]" or "-".  Never fails. */
static const char *rm_ci(json_t *ci, char *buf, size_t len)
{
	if (json_is_array(ci) && json_array_size(ci) == 2)
		snprintf(buf, len, "[%+.1f%%, %+.1f%%]", json_number_value(json_array_get(ci, 0)),
			 json_number_value(json_array_get(ci, 1)));
	else
		snprintf(buf, len, "-");
	return buf;
}

/* "run 3 (label 'x' on host 'h')".  Never fails. */
static const char *rm_run(json_t *run, char *buf, size_t len)
{
	snprintf(buf, len, "run %" JSON_INTEGER_FORMAT " (label '%s' on host '%s')",
		 json_integer_value(json_object_get(run, "id")),
		 json_string_value(json_object_get(run, "label")) ? json_string_value(json_object_get(run, "label")) : "",
		 json_string_value(json_object_get(run, "host")) ? json_string_value(json_object_get(run, "host")) : "");
	return buf;
}

/* Prints the comparison as a table.  Never fails (write errors are caught
 * by the caller through ferror). */
static void rm_print_text(json_t *res, FILE *out)
{
	json_t *opts = json_object_get(res, "options"), *hops = json_object_get(res, "hops");
	json_t *steal = json_object_get(res, "steal"), *regs = json_object_get(res, "regressions"), *h;
	char a[64], b[64], c[32], d[48], r1[512], r2[512];
	size_t i, ncmp = 0;

	fprintf(out, "baseline:  %s\ncandidate: %s\n", rm_run(json_object_get(res, "baseline"), r1, sizeof(r1)),
		rm_run(json_object_get(res, "candidate"), r2, sizeof(r2)));
	fprintf(out, "threshold %g%%, %g%% confidence, %" JSON_INTEGER_FORMAT " resamples, seed %" JSON_INTEGER_FORMAT
		"\n\n",
		json_number_value(json_object_get(opts, "threshold_pct")),
		100.0 * json_number_value(json_object_get(opts, "confidence")),
		json_integer_value(json_object_get(opts, "resamples")),
		json_integer_value(json_object_get(opts, "seed")));
	fprintf(out, "%-12s %-9s %-6s %10s %10s %9s  %-20s %s\n", "path", "hop", "metric", "baseline", "candidate",
		"change", "CI of change", "verdict");
	json_array_foreach(hops, i, h) {
		for (int m = 0; m < 2; m++) {
			const char *name = m ? "p99" : "p50", *key = m ? "p99_ns" : "p50_ns";
			json_t *v = json_object_get(h, name);

			if (!v)
				continue;
			ncmp++;
			fprintf(out, "%-12s %-9s %-6s %10s %10s %9s  %-20s %s\n",
				json_string_value(json_object_get(h, "path")), json_string_value(json_object_get(h, "hop")),
				name, rm_dur(json_object_get(json_object_get(h, "baseline"), key), a, sizeof(a)),
				rm_dur(json_object_get(json_object_get(h, "candidate"), key), b, sizeof(b)),
				rm_pct(json_object_get(v, "delta_pct"), c, sizeof(c)),
				rm_ci(json_object_get(v, "ci_pct"), d, sizeof(d)),
				json_string_value(json_object_get(v, "verdict")));
		}
	}
	if (json_is_object(steal) && json_is_true(json_object_get(steal, "available"))) {
		json_t *g;

		json_array_foreach(json_object_get(steal, "guests"), i, g) {
			json_t *bp = json_object_get(g, "baseline_pct"), *cp = json_object_get(g, "candidate_pct");

			ncmp++;
			if (json_is_number(bp))
				snprintf(a, sizeof(a), "%.2f %%", json_number_value(bp));
			else
				snprintf(a, sizeof(a), "-");
			if (json_is_number(cp))
				snprintf(b, sizeof(b), "%.2f %%", json_number_value(cp));
			else
				snprintf(b, sizeof(b), "-");
			fprintf(out, "%-12s %-9s %-6s %10s %10s %9s  %-20s %s\n", "steal",
				json_string_value(json_object_get(g, "guest_kind")), "steal", a, b,
				rm_pct(json_object_get(g, "delta_pct"), c, sizeof(c)),
				rm_ci(json_object_get(g, "ci_pct"), d, sizeof(d)),
				json_string_value(json_object_get(g, "verdict")));
		}
	} else if (json_is_object(steal)) {
		fprintf(out, "steal: unavailable (%s)\n", json_string_value(json_object_get(steal, "reason")));
	}
	if (json_array_size(regs)) {
		json_t *r;

		fprintf(out, "\nREGRESSED: %zu of %zu comparisons:", json_array_size(regs), ncmp);
		json_array_foreach(regs, i, r)
			fprintf(out, "%s %s/%s %s %s", i ? "," : "", json_string_value(json_object_get(r, "path")),
				json_string_value(json_object_get(r, "hop")),
				json_string_value(json_object_get(r, "metric")),
				rm_pct(json_object_get(r, "delta_pct"), c, sizeof(c)));
		fprintf(out, "\n");
	} else {
		fprintf(out, "\nOK: no regression in %zu comparisons\n", ncmp);
	}
}

/* Writes S with XML's five special characters escaped.  Control characters
 * other than tab/newline (not allowed in XML 1.0) become '?'.  Never fails. */
static void rm_xml(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			fputc((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' ? '?' : *s, out);
		}
	}
}

/* One <testcase>: failure when regressed, skipped when there was no
 * verdict.  Never fails. */
static void rm_junit_case(FILE *out, const char *cls, const char *name, const char *verdict, const char *detail)
{
	fputs("    <testcase classname=\"irqhop.", out);
	rm_xml(out, cls);
	fputs("\" name=\"", out);
	rm_xml(out, name);
	fputs("\" time=\"0\">", out);
	if (strcmp(verdict, "regressed") == 0) {
		fputs("<failure type=\"regression\" message=\"", out);
		rm_xml(out, detail);
		fputs("\"/>", out);
	} else if (strcmp(verdict, "unchanged") != 0 && strcmp(verdict, "improved") != 0) {
		fputs("<skipped message=\"", out);
		rm_xml(out, detail);
		fputs("\"/>", out);
	}
	fputs("<system-out>", out);
	rm_xml(out, detail);
	fputs("</system-out></testcase>\n", out);
}

/* Prints the comparison as a JUnit XML report (one testcase per
 * comparison).  Never fails (write errors are caught by ferror). */
static void rm_print_junit(json_t *res, FILE *out)
{
	json_t *hops = json_object_get(res, "hops"), *steal = json_object_get(res, "steal"), *h;
	size_t i, tests = 0, failures = 0, skipped = 0;
	char a[64], b[64], c[32], d[48], name[96], detail[512], r1[512], r2[512];

	/* Counts first: the totals are attributes of <testsuite>. */
	json_array_foreach(hops, i, h) {
		for (int m = 0; m < 2; m++) {
			json_t *v = json_object_get(h, m ? "p99" : "p50");
			const char *verdict = json_string_value(json_object_get(v, "verdict"));

			if (!v)
				continue;
			tests++;
			failures += verdict && strcmp(verdict, "regressed") == 0;
			skipped += verdict && strcmp(verdict, "regressed") && strcmp(verdict, "unchanged") &&
				   strcmp(verdict, "improved");
		}
	}
	if (json_is_object(steal)) {
		json_t *g;

		if (json_is_true(json_object_get(steal, "available"))) {
			json_array_foreach(json_object_get(steal, "guests"), i, g) {
				const char *verdict = json_string_value(json_object_get(g, "verdict"));

				tests++;
				failures += strcmp(verdict, "regressed") == 0;
				skipped += strcmp(verdict, "regressed") && strcmp(verdict, "unchanged") &&
					   strcmp(verdict, "improved");
			}
		} else {
			tests++;
			skipped++;
		}
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(out, "  <testsuite name=\"irqhop regress\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
		tests, failures, skipped);
	fputs("    <properties><property name=\"baseline\" value=\"", out);
	rm_xml(out, rm_run(json_object_get(res, "baseline"), r1, sizeof(r1)));
	fputs("\"/><property name=\"candidate\" value=\"", out);
	rm_xml(out, rm_run(json_object_get(res, "candidate"), r2, sizeof(r2)));
	fprintf(out, "\"/><property name=\"threshold_pct\" value=\"%g\"/></properties>\n",
		json_number_value(json_object_get(json_object_get(res, "options"), "threshold_pct")));
	json_array_foreach(hops, i, h) {
		for (int m = 0; m < 2; m++) {
			const char *mname = m ? "p99" : "p50", *key = m ? "p99_ns" : "p50_ns";
			json_t *v = json_object_get(h, mname);

			if (!v)
				continue;
			snprintf(name, sizeof(name), "%s %s", json_string_value(json_object_get(h, "hop")), mname);
			snprintf(detail, sizeof(detail), "%s: baseline %s, candidate %s, change %s, CI %s",
				 json_string_value(json_object_get(v, "verdict")),
				 rm_dur(json_object_get(json_object_get(h, "baseline"), key), a, sizeof(a)),
				 rm_dur(json_object_get(json_object_get(h, "candidate"), key), b, sizeof(b)),
				 rm_pct(json_object_get(v, "delta_pct"), c, sizeof(c)),
				 rm_ci(json_object_get(v, "ci_pct"), d, sizeof(d)));
			rm_junit_case(out, json_string_value(json_object_get(h, "path")), name,
				      json_string_value(json_object_get(v, "verdict")), detail);
		}
	}
	if (json_is_object(steal) && json_is_true(json_object_get(steal, "available"))) {
		json_t *g;

		json_array_foreach(json_object_get(steal, "guests"), i, g) {
			snprintf(detail, sizeof(detail), "%s: baseline %.2f %%, candidate %.2f %%, change %s, CI %s",
				 json_string_value(json_object_get(g, "verdict")),
				 json_number_value(json_object_get(g, "baseline_pct")),
				 json_number_value(json_object_get(g, "candidate_pct")),
				 rm_pct(json_object_get(g, "delta_pct"), c, sizeof(c)),
				 rm_ci(json_object_get(g, "ci_pct"), d, sizeof(d)));
			rm_junit_case(out, "steal", json_string_value(json_object_get(g, "guest_kind")),
				      json_string_value(json_object_get(g, "verdict")), detail);
		}
	} else if (json_is_object(steal)) {
		snprintf(detail, sizeof(detail), "steal unavailable: %s",
			 json_string_value(json_object_get(steal, "reason")));
		rm_junit_case(out, "steal", "steal", "unavailable", detail);
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
}

int ih_regress_main(int argc, char **argv)
{
	enum { O_DB = 256, O_BASE, O_CAND, O_THRESH, O_METRIC, O_FORMAT, O_SEED, O_CONF };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "baseline", required_argument, NULL, O_BASE },
		{ "candidate", required_argument, NULL, O_CAND },
		{ "threshold", required_argument, NULL, O_THRESH },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "metrics", required_argument, NULL, O_METRIC },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "confidence", required_argument, NULL, O_CONF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_regress_opts o;
	enum rm_format format = RM_TEXT;
	const char *dbpath = NULL, *bsel = NULL, *csel = NULL;
	sqlite3 *db = NULL;
	json_t *res = NULL;
	char err[1024];
	int64_t base, cand;
	int c, ret = 2;

	ih_regress_opts_default(&o);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB:
			dbpath = optarg;
			break;
		case O_BASE:
			bsel = optarg;
			break;
		case O_CAND:
			csel = optarg;
			break;
		case O_THRESH:
			if (rm_number(optarg, &o.threshold_pct) || o.threshold_pct < 0) {
				fprintf(stderr, RM_PREFIX "--threshold: '%s' is not a percentage >= 0\n", optarg);
				return 2;
			}
			break;
		case O_CONF:
			if (rm_number(optarg, &o.confidence) || !(o.confidence > 0 && o.confidence < 1)) {
				fprintf(stderr, RM_PREFIX "--confidence: '%s' is not a number between 0 and 1\n", optarg);
				return 2;
			}
			break;
		case O_METRIC:
			if (rm_metrics(optarg, &o.metrics))
				return 2;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0)
				format = RM_TEXT;
			else if (strcmp(optarg, "json") == 0)
				format = RM_JSON;
			else if (strcmp(optarg, "junit") == 0)
				format = RM_JUNIT;
			else {
				fprintf(stderr, RM_PREFIX "--format: '%s' is not text, json or junit\n", optarg);
				return 2;
			}
			break;
		case O_SEED: {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno) {
				fprintf(stderr, RM_PREFIX "--seed: '%s' is not a non-negative integer\n", optarg);
				return 2;
			}
			o.seed = v;
			break;
		}
		case 'h':
			rm_usage(stdout);
			return 0;
		default:
			return ih_opt_error("irqhop regress", c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, RM_PREFIX "unexpected argument '%s' (try 'irqhop regress --help')\n", argv[optind]);
		return 2;
	}
	if (!dbpath || !bsel || !csel) {
		fprintf(stderr, RM_PREFIX "%s is required (usage: irqhop regress --db FILE --baseline SEL --candidate SEL)\n",
			!dbpath ? "--db FILE" : !bsel ? "--baseline SEL" : "--candidate SEL");
		return 2;
	}
	if (ih_db_open_ro(dbpath, &db, err, sizeof(err))) {
		fprintf(stderr, RM_PREFIX "%s\n", err);
		return 2;
	}
	if (ih_regress_resolve(db, bsel, &base, err, sizeof(err))) {
		fprintf(stderr, RM_PREFIX "--baseline: %s\n", err);
		goto end;
	}
	if (ih_regress_resolve(db, csel, &cand, err, sizeof(err))) {
		fprintf(stderr, RM_PREFIX "--candidate: %s\n", err);
		goto end;
	}
	if (ih_regress_compare(db, base, cand, &o, &res, err, sizeof(err))) {
		fprintf(stderr, RM_PREFIX "database %s: %s\n", dbpath, err);
		goto end;
	}
	switch (format) {
	case RM_JSON:
		json_dumpf(res, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		break;
	case RM_JUNIT:
		rm_print_junit(res, stdout);
		break;
	case RM_TEXT:
		rm_print_text(res, stdout);
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, RM_PREFIX "cannot write the report: %s\n", strerror(errno));
		goto end;
	}
	ret = json_is_true(json_object_get(res, "regressed")) ? 1 : 0;
end:
	json_decref(res);
	sqlite3_close(db);
	return ret;
}
