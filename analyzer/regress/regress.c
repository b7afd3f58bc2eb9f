/*
 * analyzer/regress/regress.c - comparing two runs (irqhop regress and the compare page).
 * See analyzer/regress/regress.h for the contract and docs/regress.md for the JSON
 * shape and the statistics.
 *
 * Samples: per path and hop, each span of time's histogram from hop_block
 * (written at ingest, schemas/blocks.h: a few hundred rows per run), or for
 * runs without such rows (analyzed before schema v7, or made by SQL) the
 * per-interrupt duration columns of the irq table (one scan per run),
 * sorted; the steal windows of the steal table.
 *
 * Percentile verdicts: a bootstrap confidence interval of the relative
 * change of the percentile, resampling *time blocks*, not interrupts.
 * Interrupt latencies come in bursts (a host preemption of the VM delays
 * every interrupt of the next milliseconds), so interrupts are not
 * independent and an interrupt-level bootstrap gives intervals far too
 * narrow: two runs of one configuration would differ "significantly" in
 * their p99.  Each run is cut into REG_BLOCKS equal spans of time by the
 * interrupts' start (on the grid of schemas/blocks.h); a replicate draws
 * that many spans with replacement and takes the percentile of the
 * interrupts in them.  It is computed without copying samples: the
 * weighted rank is found by a binary search over the run's buckets, each
 * span's cumulative count read at the bucket (from irq: over the run's
 * sorted values, counting with one binary search per span).
 *
 * Runs of one configuration also differ as a whole (the host was busier
 * during one of them): no resampling inside one run can see that.  The
 * baseline's history - the other runs with its label, host and modes, up
 * to REG_HISTORY of them - measures it: the standard deviation s of the
 * log of each percentile across those k runs is the run-to-run noise, and
 * every replicate multiplies the candidate's value by exp(sqrt(2) s T),
 * T a Student t variate with k - 1 degrees of freedom (the difference of
 * two runs' effects, with s itself uncertain: two runs say little about
 * the noise, ten say much).  Without history (fewer than two runs)
 * the term is absent and the JSON says so ("run_noise_pct": null).
 *
 * When a hop's samples fall into fewer than REG_MIN_BLOCKS spans, the
 * interrupts themselves are resampled, exactly and cheaply: the k-th
 * smallest of n draws from the empirical distribution is F_n^-1(U(k)) with
 * U(k) ~ Beta(k, n - k + 1), one Beta variate per replicate.  Steal verdicts
 * resample the (vCPU, window) rows of each guest kind.
 *
 * Files: see analyzer/regress/internal.h.
 *
 * No global state: the library is called from irqhop regress and from the
 * web server's worker threads.  Every statement is finalized before a
 * function returns, so no read transaction outlives a call.
 */#include "config.h"
#include "analyzer/regress/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes one line into err.  Never fails (truncates). */
void reg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void ih_regress_opts_default(struct ih_regress_opts *o)
{
	o->threshold_pct = 10.0;
	o->metrics = IH_REG_P50 | IH_REG_P99 | IH_REG_STEAL;
	o->confidence = 0.95;
	o->seed = 1;
}

/* Describes run ID as a JSON object; -1 with err set when it does not
 * exist or cannot be read. */
static int reg_run_json(sqlite3 *db, int64_t id, json_t **out, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT id, label, host, tasklet_mode, notifier_mode, irqs, irqs_incomplete, discarded, "
		"analyzed_at FROM run WHERE id = ?1";
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		reg_err(err, errlen, "cannot read runs: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
#define REG_TEXT(i) (sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() \
			: json_string((const char *)sqlite3_column_text(st, i)))
		*out = json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
				 "label", REG_TEXT(1), "host", REG_TEXT(2), "tasklet_mode", REG_TEXT(3),
				 "notifier_mode", REG_TEXT(4), "irqs", (json_int_t)sqlite3_column_int64(st, 5),
				 "irqs_incomplete", (json_int_t)sqlite3_column_int64(st, 6), "discarded",
				 (json_int_t)sqlite3_column_int64(st, 7), "analyzed_at", REG_TEXT(8));
#undef REG_TEXT
		if (!*out)
			reg_err(err, errlen, "out of memory");
	} else if (rc == SQLITE_DONE) {
		reg_err(err, errlen, "run %" PRId64 " not found", id);
	} else {
		reg_err(err, errlen, "cannot read run %" PRId64 ": %s", id, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return *out ? 0 : -1;
}

/* Runs one lookup returning an id; 1 found, 0 none, -1 error (err set). */
static int reg_lookup(sqlite3 *db, const char *sql, const char *a, int64_t ia, const char *b, int64_t *run,
		      char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, found = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		reg_err(err, errlen, "cannot read runs: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, ia);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*run = sqlite3_column_int64(st, 0);
		found = 1;
	} else if (rc == SQLITE_DONE) {
		found = 0;
	} else {
		reg_err(err, errlen, "cannot read runs: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return found;
}

int ih_regress_resolve(sqlite3 *db, const char *sel, int64_t *run, char *err, size_t errlen)
{
	const char *at;
	int r;

	if (!sel || !*sel) {
		reg_err(err, errlen, "empty run selector (give a run id, a label or label@host)");
		return -1;
	}
	/* A positive decimal id (no sign, no leading zero). */
	if (sel[0] >= '1' && sel[0] <= '9' && strspn(sel, "0123456789") == strlen(sel)) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sel, &end, 10);
		if (!errno) {
			r = reg_lookup(db, "SELECT id FROM run WHERE id = ?1", NULL, v, NULL, run, err, errlen);
			if (r < 0)
				return -1;
			if (r > 0)
				return 0;
		}
		/* Not an existing id: it may still be a (numeric) label. */
	}
	r = reg_lookup(db, "SELECT max(id) FROM run WHERE label = ?1 HAVING count(*) > 0", sel, 0, NULL, run, err,
		       errlen);
	if (r < 0)
		return -1;
	if (r > 0)
		return 0;
	at = strrchr(sel, '@');
	if (at) {
		char *label = strndup(sel, (size_t)(at - sel));

		if (!label) {
			reg_err(err, errlen, "out of memory");
			return -1;
		}
		r = reg_lookup(db, "SELECT max(id) FROM run WHERE label = ?1 AND host = ?2 HAVING count(*) > 0",
			       label, 0, at + 1, run, err, errlen);
		free(label);
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
	reg_err(err, errlen, "no run matches '%s' (a run id, a label or label@host)", sel);
	return -1;
}

int ih_regress_compare(sqlite3 *db, int64_t base, int64_t cand, const struct ih_regress_opts *o, json_t **out,
		       char *err, size_t errlen)
{
	return reg_compare(db, base, cand, o, REG_SRC_AUTO, out, err, errlen);
}

/* The steal verdicts on their own thread while the hops' are computed (the
 * two bootstraps are most of a comparison's time; each is seeded by its own
 * names, so the results are those of one thread).  The thread never touches
 * the connection (opened without SQLite's mutex): its data is read before.
 * Its regressions go to its own array, appended after the hops' so the
 * output keeps its order. */
struct reg_steal_job {
	struct reg_steal_data d;
	const struct ih_regress_opts *o;
	json_t *out, *regs;
	int r;
	char err[512];
};

static void *reg_steal_main(void *arg)
{
	struct reg_steal_job *j = arg;

	j->r = reg_steal_eval(&j->d, j->o, &j->out, j->regs, j->err, sizeof(j->err));
	return NULL;
}

/* ih_regress_compare reading its samples from where SRC says. */
int reg_compare(sqlite3 *db, int64_t base, int64_t cand, const struct ih_regress_opts *o, enum reg_source src,
		json_t **out, char *err, size_t errlen)
{
	struct ih_regress_opts def;
	struct reg_run rb = { 0 }, rc = { 0 };
	struct reg_history hist = { 0 };
	json_t *hrun = NULL, *jb = NULL, *jc = NULL, *hops = NULL, *regs = NULL, *steal = NULL, *metrics = NULL, *res = NULL;
	int nreg = 0, r, ret = -1, began = 0;
	struct reg_steal_job sj = { 0 };
	bool steal_thread = false;
	pthread_t th;

	*out = NULL;
	if (!o) {
		ih_regress_opts_default(&def);
		o = &def;
	}
	if (!(o->threshold_pct >= 0) || !(o->confidence > 0 && o->confidence < 1) ||
	    !(o->metrics & (IH_REG_P50 | IH_REG_P99 | IH_REG_STEAL))) {
		reg_err(err, errlen, "invalid comparison options (threshold >= 0, 0 < confidence < 1, a metric)");
		return -1;
	}
	/* One read transaction: both runs are read from the same snapshot
	 * even while an analyzer commits.  (A connection already inside a
	 * transaction keeps it.) */
	if (sqlite3_get_autocommit(db)) {
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
			reg_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
			return -1;
		}
		began = 1;
	}
	if (reg_run_json(db, base, &jb, err, errlen) || reg_run_json(db, cand, &jc, err, errlen))
		goto end;
	hops = json_array();
	regs = json_array();
	metrics = json_array();
	if (!hops || !regs || !metrics)
		goto oom;
	if (((o->metrics & IH_REG_P50) && json_array_append_new(metrics, json_string("p50"))) ||
	    ((o->metrics & IH_REG_P99) && json_array_append_new(metrics, json_string("p99"))) ||
	    ((o->metrics & IH_REG_STEAL) && json_array_append_new(metrics, json_string("steal"))))
		goto oom;
	sj.regs = json_array();
	if (!sj.regs)
		goto oom;
	if (o->metrics & IH_REG_STEAL) {
		if (reg_steal_load(db, base, cand, &sj.d, err, errlen))
			goto end;
		sj.o = o;
		if (o->metrics & (IH_REG_P50 | IH_REG_P99))
			steal_thread = pthread_create(&th, NULL, reg_steal_main, &sj) == 0;
	}
	if (o->metrics & (IH_REG_P50 | IH_REG_P99)) {
		if (reg_load(db, base, src, &rb, err, errlen) || reg_load(db, cand, src, &rc, err, errlen) ||
		    reg_history_load(db, base, cand, &hist, err, errlen))
			goto end;
		r = reg_hops(db, &rb, &rc, o, &hist, hops, regs, err, errlen);
		if (r < 0)
			goto end;
		nreg += r;
	}
	if (steal_thread) {
		pthread_join(th, NULL);
		steal_thread = false;
		r = sj.r;
		steal = sj.out;
		sj.out = NULL;
		if (r < 0) {
			reg_err(err, errlen, "%s", sj.err);
			goto end;
		}
		nreg += r;
	} else if (o->metrics & IH_REG_STEAL) {
		r = reg_steal_eval(&sj.d, o, &steal, sj.regs, err, errlen);
		if (r < 0)
			goto end;
		nreg += r;
	} else {
		steal = json_null();
	}
	if (json_array_extend(regs, sj.regs))
		goto oom;
	hrun = json_array();
	for (size_t i = 0; hrun && hist.nruns >= 2 && i < hist.nruns; i++)
		if (json_array_append_new(hrun, json_integer(hist.runs[i])))
			goto oom;
	if (!hrun)
		goto oom;
	res = json_pack("{s:O,s:O,s:O,s:{s:f,s:O,s:f,s:I,s:i,s:i,s:i,s:f,s:f,s:{s:o,s:o}},s:O,s:O,s:O,s:b}",
			"baseline", jb, "candidate", jc, "history", hrun, "options", "threshold_pct", o->threshold_pct,
			"metrics", metrics, "confidence", o->confidence, "seed", (json_int_t)o->seed, "resamples",
			REG_RESAMPLES, "blocks", REG_BLOCKS, "min_samples", REG_MIN_SAMPLES, "floor_ns", REG_FLOOR_NS,
			"floor_steal_pct", REG_FLOOR_STEAL_PCT, "samples", "baseline",
			rb.source ? json_string(rb.source) : json_null(), "candidate",
			rc.source ? json_string(rc.source) : json_null(),
			"hops", hops, "steal", steal, "regressions", regs, "regressed", nreg > 0);
	if (!res)
		goto oom;
	*out = res;
	ret = 0;
	goto end;
oom:
	reg_err(err, errlen, "out of memory comparing runs %" PRId64 " and %" PRId64, base, cand);
end:
	/* The steal thread reads the connection: done before the commit. */
	if (steal_thread)
		pthread_join(th, NULL);
	json_decref(sj.out);
	json_decref(sj.regs);
	reg_steal_free(&sj.d);
	/* Ends our read transaction (it only read). */
	if (began && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	reg_run_free(&rb);
	reg_run_free(&rc);
	reg_history_free(&hist);
	json_decref(hrun);
	json_decref(jb);
	json_decref(jc);
	json_decref(hops);
	json_decref(regs);
	json_decref(metrics);
	json_decref(steal);
	return ret;
}
