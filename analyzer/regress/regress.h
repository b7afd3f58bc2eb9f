/*
 * analyzer/regress/regress.h - comparing two runs for CI gates (irqhop regress) and for
 * the dashboard's compare page.  One implementation serves both, so the
 * page shows exactly the verdicts the gate exits on.
 *
 * Errors: functions return 0 on success; on failure -1 with one line in err
 * naming the problem (unknown selector, bad database), nothing written.
 */
#ifndef IH_REGRESS_H
#define IH_REGRESS_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <sqlite3.h>

struct ih_regress_opts {
	double threshold_pct;   /* a change smaller than this is never a regression (default 10) */
	unsigned metrics;       /* IH_REG_P50 | IH_REG_P99 | IH_REG_STEAL (default all) */
	double confidence;      /* of the statistical test (default 0.95) */
	uint64_t seed;          /* resampling seed, so verdicts are reproducible */
};
#define IH_REG_P50   0x1u
#define IH_REG_P99   0x2u
#define IH_REG_STEAL 0x4u

/* Default options (threshold 10 %, all metrics, 95 %, seed 1). */
void ih_regress_opts_default(struct ih_regress_opts *o);

/* Resolves SEL: a run id, a label (its newest run) or "label@host".
 * Returns the run id in *run. */
int ih_regress_resolve(sqlite3 *db, const char *sel, int64_t *run, char *err, size_t errlen);

/* Compares run CAND against run BASE: per path and hop, baseline and
 * candidate p50/p99, deltas, and a verdict per metric from a statistical
 * test on the samples; plus idle and busy guests' steal %.  *out is a new
 * JSON object (caller json_decref's it) of the shape documented in
 * docs/regress.md, with a top-level "regressed": true|false. */
int ih_regress_compare(sqlite3 *db, int64_t base, int64_t cand, const struct ih_regress_opts *o,
		       json_t **out, char *err, size_t errlen);
#endif
