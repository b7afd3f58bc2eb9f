/*
 * analyzer/regress/history.c - the baseline's history: the hop_stats percentiles of
 * the runs of its configuration, and the run-to-run noise they measure.
 */
#include "config.h"
#include "analyzer/regress/internal.h"
#include "schemas/percentile.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void reg_history_free(struct reg_history *h)
{
	for (size_t i = 0; i < h->nrows; i++) {
		free(h->rows[i].path);
		free(h->rows[i].hop);
	}
	free(h->rows);
	free(h->rrun);
	free(h->runs);
	memset(h, 0, sizeof(*h));
}

/* Loads the history of BASE: BASE and the runs with its label, host,
 * tasklet and notifier modes, newest first, at most REG_HISTORY, never
 * CAND.  Returns 0 (possibly with BASE alone), or -1 with err set. */
int reg_history_load(sqlite3 *db, int64_t base, int64_t cand, struct reg_history *h, char *err,
			    size_t errlen)
{
	static const char runs_sql[] =
		"SELECT o.id FROM run b JOIN run o ON o.label = b.label AND o.host = b.host "
		"AND o.tasklet_mode IS b.tasklet_mode AND o.notifier_mode IS b.notifier_mode "
		"WHERE b.id = ?1 AND o.id != ?2 ORDER BY o.id = ?1 DESC, o.id DESC LIMIT ?3";
	/* Percentiles as hop_stats computes them (nearest rank over the
	 * histogram, the bucket's upper bound clamped to the exact max), read
	 * here bucket by bucket: hop_stats, a view with window functions, is
	 * evaluated over every run's buckets before its WHERE applies. */
	static const char stats_sql[] =
		"SELECT h.path, h.hop, h.hi_ns, h.count, s.count, s.max_ns FROM hop_hist h "
		"JOIN hop_summary s USING (run_id, path, hop) WHERE h.run_id = ?1 ORDER BY h.path, h.hop, h.lo_ns";
	sqlite3_stmt *st = NULL;
	int rc;

	memset(h, 0, sizeof(*h));
	if (sqlite3_prepare_v2(db, runs_sql, -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_int64(st, 1, base);
	sqlite3_bind_int64(st, 2, cand);
	sqlite3_bind_int(st, 3, REG_HISTORY);
	h->runs = calloc(REG_HISTORY, sizeof(*h->runs));
	if (!h->runs)
		goto oom;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && h->nruns < REG_HISTORY)
		h->runs[h->nruns++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto sqlerr;
	sqlite3_finalize(st);
	st = NULL;
	if (h->nruns < 2)
		return 0;
	if (sqlite3_prepare_v2(db, stats_sql, -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	for (size_t i = 0; i < h->nruns; i++) {
		char path[64] = "", hop[64] = "";
		uint64_t cum = 0, max = 0, r50 = 0, r99 = 0;
		double p50 = -1, p99 = -1;
		int more = 1;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, h->runs[i]);
		while (more) {
			const char *rp, *rh;

			rc = sqlite3_step(st);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				goto sqlerr;
			rp = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
			rh = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
			if (rc == SQLITE_ROW && (!rp || !rh))
				continue;
			/* A new (path, hop), or the end: store the previous one. */
			if (rc == SQLITE_DONE || strcmp(rp, path) || strcmp(rh, hop)) {
				if (path[0]) {
					struct reg_hist_row *row;

					if (h->nrows == h->cap) {
						size_t cap = h->cap ? h->cap * 2 : 64;
						struct reg_hist_row *r = realloc(h->rows, cap * sizeof(*r));
						size_t *ri;

						if (!r)
							goto oom;
						h->rows = r;
						ri = realloc(h->rrun, cap * sizeof(*ri));
						if (!ri)
							goto oom;
						h->rrun = ri;
						h->cap = cap;
					}
					row = &h->rows[h->nrows];
					row->path = strdup(path);
					row->hop = strdup(hop);
					if (!row->path || !row->hop) {
						free(row->path);
						free(row->hop);
						goto oom;
					}
					row->p50 = p50 < 0 ? (double)max : p50;
					row->p99 = p99 < 0 ? (double)max : p99;
					h->rrun[h->nrows] = i;
					h->nrows++;
				}
				if (rc == SQLITE_DONE) {
					more = 0;
					continue;
				}
				snprintf(path, sizeof(path), "%s", rp);
				snprintf(hop, sizeof(hop), "%s", rh);
				cum = 0;
				p50 = p99 = -1;
				r50 = ih_pct_rank(0.50, (uint64_t)sqlite3_column_int64(st, 4));
				r99 = ih_pct_rank(0.99, (uint64_t)sqlite3_column_int64(st, 4));
				max = (uint64_t)sqlite3_column_int64(st, 5);
			}
			cum += (uint64_t)sqlite3_column_int64(st, 3);
			if (p50 < 0 && cum >= r50)
				p50 = (double)ih_pct_bucket_value((uint64_t)sqlite3_column_int64(st, 2), max);
			if (p99 < 0 && cum >= r99)
				p99 = (double)ih_pct_bucket_value((uint64_t)sqlite3_column_int64(st, 2), max);
		}
	}
	sqlite3_finalize(st);
	return 0;
sqlerr:
	reg_err(err, errlen, "cannot read the history of run %" PRId64 ": %s", base, sqlite3_errmsg(db));
	goto error;
oom:
	reg_err(err, errlen, "out of memory reading the history of run %" PRId64, base);
error:
	sqlite3_finalize(st);
	reg_history_free(h);
	return -1;
}

/* The scale run-to-run noise is measured and applied on: log above the
 * floor, linear below it (continuous, same slope at the floor), so a
 * sub-microsecond hop's noise is counted in the units its change is. */
double reg_fwd(double x)
{
	return x >= REG_FLOOR_NS ? log(x) : log(REG_FLOOR_NS) + (x - REG_FLOOR_NS) / REG_FLOOR_NS;
}

double reg_inv(double y)
{
	return y >= log(REG_FLOOR_NS) ? exp(fmin(y, 700.0))
				      : fmax(0.0, REG_FLOOR_NS + REG_FLOOR_NS * (y - log(REG_FLOOR_NS)));
}

/* Run-to-run standard deviation of reg_fwd(percentile) of (path,
 * hop) across the history; *k gets the number of runs that have it.
 * Returns -1 when fewer than two runs have it. */
double reg_history_sd(const struct reg_history *h, const char *path, const char *hop, int p99, int *k)
{
	double sum = 0, sum2 = 0;
	int n = 0;

	for (size_t i = 0; i < h->nrows; i++) {
		double x;

		if (strcmp(h->rows[i].path, path) || strcmp(h->rows[i].hop, hop))
			continue;
		x = reg_fwd(p99 ? h->rows[i].p99 : h->rows[i].p50);
		sum += x;
		sum2 += x * x;
		n++;
	}
	*k = n;
	if (n < 2)
		return -1;
	return sqrt(fmax(0.0, (sum2 - sum * sum / n) / (n - 1)));
}
