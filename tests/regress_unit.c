/*
 * regress_unit.c - TAP tests of analyzer/regress/ (regress.h) on synthetic databases
 * built through the real schema: selectors, verdicts (a run against itself,
 * against a re-draw of the same distributions, a 1.5x slowdown, a small but
 * significant change, an improvement, too few samples), steal available or
 * not, reproducibility by seed, and the coverage of the intervals.
 */
#include "config.h"
#include "schemas/db.h"
#include "analyzer/regress/regress.h"
#include "tests/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/irqhop-regress-unit.XXXXXX";
static char dbpath[256];
static sqlite3 *db;

/* A small deterministic generator for the synthetic samples. */
static uint64_t rs = 88172645463325252ULL;
static double urand(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return ((double)(rs >> 11) + 0.5) * 0x1.0p-53;
}
static double nrand(void)
{
	return sqrt(-2.0 * log(urand())) * cos(2.0 * M_PI * urand());
}

static void exec(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		tap_bail("%s: %s", sql, msg);
}

static int64_t add_run(const char *label, const char *host)
{
	sqlite3_stmt *st;
	int64_t id;

	if (sqlite3_prepare_v2(db, "INSERT INTO run (label, host, trace, analyzer_version) VALUES (?1, ?2, '/t', 't')",
			       -1, &st, NULL) != SQLITE_OK)
		tap_bail("prepare: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		tap_bail("insert run: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(db);
	return id;
}

/* n passthrough interrupts, one every 500 us, whose hop durations are
 * log-normal around medians (ns) times scale; those starting in a burst
 * window [b * 25 ms, b * 25 ms + 10 ms) for a bit b of bursts get 5 ms
 * more in their guest hop (a host preemption). */
static void add_irqs_bursts(int64_t run, int n, double scale, unsigned bursts)
{
	static const double med[5] = { 20000, 300, 5000, 2000, 10000 };
	sqlite3_stmt *st;

	exec("BEGIN");
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO irq (run_id, irq_id, path, start_ns, ack_ns, total_ns, complete, delivery_ns, "
			       "schedule_ns, queue_ns, assist_ns, guest_ns) VALUES (?1, ?2, 'passthrough', ?9, ?9 + ?3, ?3, 1, "
			       "?4, ?5, ?6, ?7, ?8)", -1, &st, NULL) != SQLITE_OK)
		tap_bail("prepare: %s", sqlite3_errmsg(db));
	for (int i = 0; i < n; i++) {
		int64_t h[5], total = 0, start = (int64_t)i * 500000;
		int64_t b = start / 25000000;

		for (int k = 0; k < 5; k++) {
			h[k] = (int64_t)(scale * med[k] * exp(0.5 * nrand()));
			if (k == 4 && b < 32 && (bursts >> b & 1) && start % 25000000 < 10000000)
				h[k] += 5000000;
			total += h[k];
		}
		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int64(st, 2, i + 1);
		sqlite3_bind_int64(st, 3, total);
		for (int k = 0; k < 5; k++)
			sqlite3_bind_int64(st, 4 + k, h[k]);
		sqlite3_bind_int64(st, 9, start);
		if (sqlite3_step(st) != SQLITE_DONE)
			tap_bail("insert irq: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec("COMMIT");
}

static void add_irqs(int64_t run, int n, double scale)
{
	add_irqs_bursts(run, n, scale, 0);
}

/* hop_hist and hop_summary of a run as the analyzer would write them, with
 * one bucket per distinct value (so hop_stats is exact): the history of a
 * baseline is read from hop_stats. */
static void add_hist(int64_t run)
{
	static const char *const hops[] = { "delivery", "schedule", "queue", "assist", "guest", "total" };
	char sql[1024];

	for (size_t i = 0; i < sizeof(hops) / sizeof(hops[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO hop_hist SELECT run_id, path, '%s', %s_ns, %s_ns, count(*) FROM irq "
			 "WHERE run_id = %lld AND %s_ns IS NOT NULL GROUP BY path, %s_ns; "
			 "INSERT INTO hop_summary SELECT run_id, path, '%s', count(*), sum(%s_ns), min(%s_ns), max(%s_ns) "
			 "FROM irq WHERE run_id = %lld AND %s_ns IS NOT NULL GROUP BY path",
			 hops[i], hops[i], hops[i], (long long)run, hops[i], hops[i], hops[i], hops[i], hops[i], hops[i],
			 (long long)run, hops[i]);
		exec(sql);
	}
}

/* Steal windows: nwin windows of 100 ms for one idle and one busy vCPU,
 * the idle one stolen around idle_pct %. */
static void add_steal(int64_t run, int nwin, double idle_pct)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO vcpu (run_id, vcpu, guest, guest_kind, pcpu) VALUES (%lld, 0, 'idle0', 'idle', 0), (%lld, 1, 'busy0', 'busy', 1)",
		 (long long)run, (long long)run);
	exec(sql);
	for (int w = 0; w < nwin; w++) {
		for (int v = 0; v < 2; v++) {
			double pct = v == 0 ? idle_pct * (1.0 + 0.1 * nrand()) : 5.0 * (1.0 + 0.1 * nrand());
			long long win = 100000000, stolen = (long long)(win * fmax(pct, 0) / 100.0);

			snprintf(sql, sizeof(sql),
				 "INSERT INTO steal VALUES (%lld, %d, %lld, %lld, %lld, %lld, 0, 0, 0, 0, 0, 0)",
				 (long long)run, v, (long long)w * win, win, win - stolen, stolen);
			exec(sql);
		}
	}
}

static const char *verdict(json_t *res, const char *path, const char *hop, const char *metric)
{
	size_t i;
	json_t *h;

	json_array_foreach(json_object_get(res, "hops"), i, h)
		if (strcmp(json_string_value(json_object_get(h, "path")), path) == 0 &&
		    strcmp(json_string_value(json_object_get(h, "hop")), hop) == 0)
			return json_string_value(json_object_get(json_object_get(h, metric), "verdict"));
	return "(missing)";
}

/* Number of hop comparisons with verdict V. */
static int count_verdict(json_t *res, const char *v)
{
	size_t i;
	json_t *h;
	int n = 0;

	json_array_foreach(json_object_get(res, "hops"), i, h)
		for (int m = 0; m < 2; m++) {
			const char *s = json_string_value(json_object_get(json_object_get(h, m ? "p99" : "p50"), "verdict"));

			n += s && strcmp(s, v) == 0;
		}
	return n;
}

static json_t *compare(int64_t a, int64_t b, const struct ih_regress_opts *o)
{
	char err[512] = "";
	json_t *res = NULL;

	if (ih_regress_compare(db, a, b, o, &res, err, sizeof(err)))
		tap_diag("compare %lld %lld: %s", (long long)a, (long long)b, err);
	return res;
}

int main(void)
{
	struct ih_regress_opts o;
	char err[512];
	int64_t r1, r2, r3, r4, r5, r6, r7, id;
	json_t *res, *res2;

	if (!mkdtemp(dir))
		tap_bail("mkdtemp");
	snprintf(dbpath, sizeof(dbpath), "%s/r.sqlite", dir);
	if (ih_db_open_rw(dbpath, &db, err, sizeof(err)))
		tap_bail("%s", err);

	r1 = add_run("base", "host-a");
	add_irqs(r1, 3000, 1.0);
	r2 = add_run("base", "host-a");          /* same distributions, another draw */
	add_irqs(r2, 3000, 1.0);
	r3 = add_run("slow", "host-a");          /* every hop 1.5x */
	add_irqs(r3, 3000, 1.5);
	r4 = add_run("slow", "host-b");          /* 4 %: significant, under the threshold */
	add_irqs(r4, 20000, 1.04);
	r5 = add_run("fast", "host-b");          /* halved: an improvement */
	add_irqs(r5, 3000, 0.5);
	r6 = add_run("tiny", "host-b");          /* too few samples */
	add_irqs(r6, 5, 1.5);
	r7 = add_run("42", "host-c");            /* a numeric label */
	add_irqs(r7, 100, 1.0);

	/* Selectors. */
	ok(ih_regress_resolve(db, "1", &id, err, sizeof(err)) == 0 && id == r1, "a run id selects that run");
	ok(ih_regress_resolve(db, "base", &id, err, sizeof(err)) == 0 && id == r2, "a label selects its newest run");
	ok(ih_regress_resolve(db, "slow@host-a", &id, err, sizeof(err)) == 0 && id == r3,
	   "label@host selects the newest run of that label on that host");
	ok(ih_regress_resolve(db, "slow@host-b", &id, err, sizeof(err)) == 0 && id == r4, "... on the other host");
	ok(ih_regress_resolve(db, "42", &id, err, sizeof(err)) == 0 && id == r7,
	   "a number that is no run id is taken as a label");
	ok(ih_regress_resolve(db, "nope", &id, err, sizeof(err)) == -1 && strstr(err, "no run matches 'nope'"),
	   "an unknown selector fails with one line: %s", err);
	ok(ih_regress_resolve(db, "slow@host-z", &id, err, sizeof(err)) == -1, "an unknown host fails");
	ok(ih_regress_resolve(db, "", &id, err, sizeof(err)) == -1, "an empty selector fails");
	ok(ih_regress_compare(db, r1, 999, NULL, &res, err, sizeof(err)) == -1 && !res &&
	   strstr(err, "run 999 not found"), "comparing with a missing run fails: %s", err);

	ih_regress_opts_default(&o);
	ok(o.threshold_pct == 10 && o.confidence == 0.95 && o.seed == 1 &&
	   o.metrics == (IH_REG_P50 | IH_REG_P99 | IH_REG_STEAL), "default options");

	/* A run against itself. */
	res = compare(r1, r1, &o);
	ok(res && !json_is_true(json_object_get(res, "regressed")), "a run against itself does not regress");
	ok(res && count_verdict(res, "unchanged") == 12, "all 12 comparisons (6 hops x p50, p99) unchanged (%d)",
	   res ? count_verdict(res, "unchanged") : -1);
	ok(res && json_is_false(json_object_get(json_object_get(res, "steal"), "available")),
	   "steal is reported unavailable without steal rows");
	json_decref(res);

	/* Another draw of the same distributions. */
	res = compare(r1, r2, &o);
	ok(res && !json_is_true(json_object_get(res, "regressed")) && count_verdict(res, "regressed") == 0,
	   "a re-draw of the same distributions does not regress");
	json_decref(res);

	/* 1.5x slower. */
	res = compare(r1, r3, &o);
	ok(res && json_is_true(json_object_get(res, "regressed")), "a 1.5x slowdown regresses");
	ok(res && strcmp(verdict(res, "passthrough", "total", "p50"), "regressed") == 0 &&
	   strcmp(verdict(res, "passthrough", "total", "p99"), "regressed") == 0 &&
	   strcmp(verdict(res, "passthrough", "queue", "p50"), "regressed") == 0,
	   "total p50/p99 and queue p50 are flagged");
	{
		json_t *h = json_array_get(json_object_get(res, "hops"), 1);   /* schedule */
		double d = json_number_value(json_object_get(json_object_get(h, "p50"), "delta_pct"));

		ok(strcmp(json_string_value(json_object_get(h, "hop")), "schedule") == 0 && d > 10 && d < 20,
		   "a 300 ns hop growing by 150 ns counts against the 1 us floor: +%.1f %%, not +50 %%", d);
	}
	ok(res && json_array_size(json_object_get(res, "regressions")) == (size_t)count_verdict(res, "regressed"),
	   "every regression is listed in \"regressions\"");
	json_decref(res);

	/* Same comparison, threshold 60 %: nothing clears it. */
	o.threshold_pct = 60;
	res = compare(r1, r3, &o);
	ok(res && !json_is_true(json_object_get(res, "regressed")), "with --threshold 60 a 1.5x slowdown passes");
	json_decref(res);
	o.threshold_pct = 10;

	/* 4 %: significant with 20000 samples but under the threshold. */
	res = compare(r1, r4, &o);
	ok(res && !json_is_true(json_object_get(res, "regressed")), "a 4 %% change does not regress at 10 %%");
	json_decref(res);
	o.threshold_pct = 0;
	res = compare(r1, r4, &o);
	ok(res && strcmp(verdict(res, "passthrough", "total", "p50"), "regressed") == 0,
	   "... but is significant: flagged with --threshold 0");
	json_decref(res);
	o.threshold_pct = 10;

	/* Improvement. */
	res = compare(r1, r5, &o);
	ok(res && !json_is_true(json_object_get(res, "regressed")) &&
	   strcmp(verdict(res, "passthrough", "total", "p50"), "improved") == 0, "halved latencies are improved");
	json_decref(res);

	/* Too few samples. */
	res = compare(r1, r6, &o);
	ok(res && !json_is_true(json_object_get(res, "regressed")) && count_verdict(res, "insufficient") == 12,
	   "5 samples: insufficient, not a regression");
	json_decref(res);

	/* Metric selection. */
	o.metrics = IH_REG_P99;
	res = compare(r1, r3, &o);
	ok(res && count_verdict(res, "regressed") > 0 &&
	   !json_object_get(json_array_get(json_object_get(res, "hops"), 0), "p50") &&
	   json_is_null(json_object_get(res, "steal")), "--metric p99 compares p99 only");
	json_decref(res);
	ih_regress_opts_default(&o);

	/* Reproducible: the same seed gives the same JSON, another seed
	 * moves the intervals only slightly. */
	res = compare(r1, r2, &o);
	res2 = compare(r1, r2, &o);
	ok(res && res2 && json_equal(res, res2), "the same seed gives the same result");
	json_decref(res2);
	o.seed = 7;
	res2 = compare(r1, r2, &o);
	{
		json_t *a = json_object_get(json_array_get(json_object_get(res, "hops"), 0), "p50");
		json_t *b = json_object_get(json_array_get(json_object_get(res2, "hops"), 0), "p50");
		double w = json_number_value(json_array_get(json_object_get(a, "ci_pct"), 1)) -
			   json_number_value(json_array_get(json_object_get(a, "ci_pct"), 0));
		double d = fabs(json_number_value(json_array_get(json_object_get(a, "ci_pct"), 0)) -
				json_number_value(json_array_get(json_object_get(b, "ci_pct"), 0)));

		ok(a && b && d < 0.2 * w, "another seed moves a bound by %.3f, under 20 %% of the width %.3f", d, w);
	}
	json_decref(res);
	json_decref(res2);
	ih_regress_opts_default(&o);

	/* Steal. */
	add_steal(r1, 20, 10.0);
	add_steal(r2, 20, 10.0);
	add_steal(r3, 20, 20.0);
	res = compare(r1, r2, &o);
	{
		json_t *g = json_array_get(json_object_get(json_object_get(res, "steal"), "guests"), 0);

		ok(res && json_is_true(json_object_get(json_object_get(res, "steal"), "available")) &&
		   strcmp(json_string_value(json_object_get(g, "guest_kind")), "idle") == 0 &&
		   fabs(json_number_value(json_object_get(g, "baseline_pct")) - 10.0) < 1.0,
		   "steal of the idle guest is about 10 %%");
		ok(res && !json_is_true(json_object_get(res, "regressed")), "same steal: no regression");
	}
	json_decref(res);
	res = compare(r1, r3, &o);
	{
		json_t *g = json_array_get(json_object_get(json_object_get(res, "steal"), "guests"), 0);
		json_t *b = json_array_get(json_object_get(json_object_get(res, "steal"), "guests"), 1);

		ok(res && strcmp(json_string_value(json_object_get(g, "verdict")), "regressed") == 0,
		   "idle steal 10 %% -> 20 %% regresses");
		ok(res && strcmp(json_string_value(json_object_get(b, "verdict")), "unchanged") == 0,
		   "busy steal unchanged");
	}
	json_decref(res);
	res = compare(r1, r4, &o);
	ok(res && json_is_false(json_object_get(json_object_get(res, "steal"), "available")) &&
	   strstr(json_string_value(json_object_get(json_object_get(res, "steal"), "reason")), "candidate"),
	   "steal in the baseline only: unavailable, naming the candidate");
	json_decref(res);

	/* Bursts: one configuration, host preemptions at other moments (one
	 * burst against three): the p99 moves a lot, but by spans of time the
	 * interval says so and nothing regresses. */
	{
		int64_t a = add_run("burst", "h"), b = add_run("burst", "h");
		json_t *h;

		add_irqs_bursts(a, 1600, 1.0, 1u << 5);
		add_irqs_bursts(b, 1600, 1.0, (1u << 2) | (1u << 17) | (1u << 28));
		res = compare(a, b, &o);
		h = json_array_get(json_object_get(res, "hops"), 4);   /* guest */
		ok(res && strcmp(json_string_value(json_object_get(h, "hop")), "guest") == 0 &&
		   strcmp(json_string_value(json_object_get(json_object_get(h, "p99"), "resampled")), "spans") == 0 &&
		   strcmp(verdict(res, "passthrough", "guest", "p99"), "regressed") != 0 &&
		   !json_is_true(json_object_get(res, "regressed")),
		   "bursty runs of one configuration: guest p99 %s, CI [%.1f, %.1f] %%: no regression",
		   verdict(res, "passthrough", "guest", "p99"),
		   json_number_value(json_array_get(json_object_get(json_object_get(h, "p99"), "ci_pct"), 0)),
		   json_number_value(json_array_get(json_object_get(json_object_get(h, "p99"), "ci_pct"), 1)));
		json_decref(res);
	}

	/* Run-to-run noise from the baseline's history: the same +30 %
	 * candidate regresses against a label whose runs agree, not against
	 * one whose runs spread as much as the change. */
	{
		static const double quiet[3] = { 1.0, 1.0, 1.0 }, noisy[3] = { 1.0, 1.6, 0.7 };
		int64_t cand;
		json_t *h;

		for (int i = 0; i < 3; i++) {
			int64_t q = add_run("quiet", "hh"), n = add_run("noisy", "hh");

			add_irqs(q, 2000, quiet[i]);
			add_hist(q);
			add_irqs(n, 2000, noisy[i] / noisy[2]);
			add_hist(n);
		}
		cand = add_run("cand", "hh");
		add_irqs(cand, 2000, 1.3);
		ih_regress_opts_default(&o);
		o.metrics = IH_REG_P50;
		ok(ih_regress_resolve(db, "quiet@hh", &id, err, sizeof(err)) == 0, "quiet@hh resolves");
		res = compare(id, cand, &o);
		h = json_array_get(json_object_get(res, "hops"), 5);   /* total */
		ok(res && json_array_size(json_object_get(res, "history")) == 3 &&
		   json_integer_value(json_object_get(json_object_get(h, "p50"), "history_runs")) == 3 &&
		   strcmp(verdict(res, "passthrough", "total", "p50"), "regressed") == 0,
		   "+30 %% against three agreeing runs: regressed (run noise %.1f %%)",
		   json_number_value(json_object_get(json_object_get(h, "p50"), "run_noise_pct")));
		json_decref(res);
		ok(ih_regress_resolve(db, "noisy@hh", &id, err, sizeof(err)) == 0, "noisy@hh resolves");
		res = compare(id, cand, &o);
		h = json_array_get(json_object_get(res, "hops"), 5);
		ok(res && strcmp(verdict(res, "passthrough", "total", "p50"), "regressed") != 0 &&
		   json_number_value(json_object_get(json_object_get(h, "p50"), "run_noise_pct")) > 20,
		   "+30 %% against runs spread over 0.7x-1.6x: not a regression (run noise %.1f %%, CI [%.0f, %.0f] %%)",
		   json_number_value(json_object_get(json_object_get(h, "p50"), "run_noise_pct")),
		   json_number_value(json_array_get(json_object_get(json_object_get(h, "p50"), "ci_pct"), 0)),
		   json_number_value(json_array_get(json_object_get(json_object_get(h, "p50"), "ci_pct"), 1)));
		json_decref(res);
		ih_regress_opts_default(&o);
	}

	/* Coverage: for two draws of one distribution the 95 % interval of
	 * the change of the median holds 0 about 95 % of the time. */
	{
		int cover = 0, trials = 40;

		for (int t = 0; t < trials; t++) {
			int64_t a = add_run("cov", "h"), b = add_run("cov", "h");
			json_t *h, *ci;

			add_irqs(a, 400, 1.0);
			add_irqs(b, 400, 1.0);
			o.metrics = IH_REG_P50;
			o.seed = (uint64_t)t;
			res = compare(a, b, &o);
			h = json_array_get(json_object_get(res, "hops"), 5);   /* total */
			ci = json_object_get(json_object_get(h, "p50"), "ci_pct");
			cover += json_number_value(json_array_get(ci, 0)) <= 0 && json_number_value(json_array_get(ci, 1)) >= 0;
			json_decref(res);
		}
		ok(cover >= trials * 85 / 100, "95 %% intervals cover a null change in %d of %d trials", cover, trials);
	}

	/* hop_block rows are read straight onto hop_hist's grid: a bucket
	 * bound off the grid, or outside the hop's minimum and maximum, is
	 * corruption, named by its row. */
	{
		/* (257, 20), (301, 20): on the grid ([256, 257] and [300, 301]). */
		static const char good[] = "X'8102142c14'", offgrid[] = "X'8102142b14'";
		int64_t ga = add_run("grid-a", "h"), gb = add_run("grid-b", "h"), gc = add_run("grid-c", "h"),
			gd = add_run("grid-d", "h");
		char sql[512], e[512] = "";
		json_t *h, *want = json_pack("{s:s,s:s}", "baseline", "hop_block", "candidate", "hop_block");

		for (int i = 0; i < 4; i++) {
			int64_t r = i == 0 ? ga : i == 1 ? gb : i == 2 ? gc : gd;

			snprintf(sql, sizeof(sql),
				 "INSERT INTO hop_summary VALUES (%lld, 'p', 'delivery', 40, 11160, 257, %d);"
				 "INSERT INTO hop_block VALUES (%lld, 'p', 'delivery', 0, 0, 10, 40, %s);",
				 (long long)r, i == 3 ? 290 : 301, (long long)r, i == 2 ? offgrid : good);
			exec(sql);
		}
		ih_regress_opts_default(&o);
		o.metrics = IH_REG_P50 | IH_REG_P99;
		res = compare(ga, gb, &o);
		h = json_array_get(json_object_get(res, "hops"), 0);
		ok(res && json_equal(json_object_get(json_object_get(res, "options"), "samples"), want) &&
		   json_integer_value(json_object_get(json_object_get(h, "baseline"), "p50_ns")) == 257 &&
		   json_integer_value(json_object_get(json_object_get(h, "candidate"), "p99_ns")) == 301,
		   "hop_block on the grid: read, p50 257 and p99 301");
		json_decref(res);
		json_decref(want);
		res = NULL;
		ok(ih_regress_compare(db, ga, gc, &o, &res, e, sizeof(e)) != 0 && !res &&
		   strstr(e, "hop_block row p/delivery block 0 is corrupt"),
		   "a bucket bound off the grid (300) is corrupt: %s", e);
		e[0] = '\0';
		ok(ih_regress_compare(db, gd, ga, &o, &res, e, sizeof(e)) != 0 && !res &&
		   strstr(e, "hop_block row p/delivery block 0 is corrupt"),
		   "a bucket above the hop's maximum is corrupt: %s", e);
		ih_regress_opts_default(&o);
	}

	sqlite3_close(db);
	unlink(dbpath);
	{
		char p[300];

		snprintf(p, sizeof(p), "%s-wal", dbpath);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", dbpath);
		unlink(p);
	}
	rmdir(dir);
	return tap_done();
}
