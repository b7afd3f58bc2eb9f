/*
 * analyzer/regress/internal.h - what the files of analyzer/regress/ share:
 * the statistics' constants, the sample and history structures, and the
 * functions one file offers another.  The contract is analyzer/regress/regress.h;
 * the method is described at the top of analyzer/regress/regress.c and in
 * docs/regress.md.
 *
 * Files: rng.c (random variates), samples.c (loading and sorting a run's
 * samples from irq), blocks.c (loading them from hop_block), bootstrap.c (quantiles and replicates), history.c (run-to-run
 * noise from the baseline's history), hops.c (percentile verdicts), steal.c
 * (steal verdicts), regress.c (runs, selectors, the comparison).
 */
#ifndef IH_REGRESS_INTERNAL_H
#define IH_REGRESS_INTERNAL_H
#include "analyzer/regress/regress.h"

#include "schemas/blocks.h"

#include <stddef.h>
#include <stdint.h>

/* Bootstrap replicates per verdict: the CI bounds at 95 % move by well
 * under 1 % of the interval from one seed to another at this count. */
#define REG_RESAMPLES 1000
/* Fewer measurements than this on either side: no verdict ("insufficient"). */
#define REG_MIN_SAMPLES 20
/* Spans of time a run is cut into for the block bootstrap (a 1 s run gives
 * 31 ms spans, longer than the bursts seen on a noisy VM), and the fewest
 * non-empty spans a hop needs for it; below, interrupts are resampled.
 * The spans are those of hop_block (schemas/blocks.h). */
#define REG_BLOCKS IH_BLOCKS
#define REG_MIN_BLOCKS 8
/* Runs of the baseline's history used to measure run-to-run noise. */
#define REG_HISTORY 10
/* Changes are relative to max(baseline, floor): sub-microsecond hops jitter
 * by tens of percent from run to run and matter little in absolute terms. */
#define REG_FLOOR_NS 1000.0
/* Steal changes are relative to max(baseline, 1 percentage point). */
#define REG_FLOOR_STEAL_PCT 1.0

/* The hop columns of irq, in the order of REG_SAMPLES_SQL (below); hop names are
 * the column names without _ns. */
#define REG_NCOLS 10
extern const char *const reg_cols[REG_NCOLS];
#define REG_SAMPLES_SQL \
	"SELECT path, start_ns, delivery_ns, schedule_ns, queue_ns, assist_ns, callback_ns, defer_ns, " \
	"worker_ns, inject_ns, guest_ns, total_ns FROM irq WHERE run_id = ?1"

/* Writes one line into err.  Never fails (truncates). */
void reg_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* xoshiro256** seeded through splitmix64: fast, good, reproducible. */
struct reg_rng {
	uint64_t s[4];
	int has_spare;
	double spare;
};

/* One (path, hop) of one run, n measurements in nb non-empty spans of
 * time, in one of two forms:
 *   values (read from irq): the measurements sorted (v), and the same
 *     values grouped by span, sorted within each span (bv, spans
 *     boff[i] .. boff[i + 1] - 1);
 *   buckets (read from hop_block, val != NULL): the nk buckets any span
 *     has, ascending, each read as val[j] (its upper bound clamped to the
 *     exact maximum, as hop_stats), with cum[j * nb + i] the values of span
 *     i in buckets 0 .. j and tot[j] that of all spans.
 * Quantiles and replicates (bootstrap.c) take either; the buckets give
 * each value within one bucket (< 1/128) above the exact one. */
struct reg_vec {
	int64_t *v;
	size_t n;
	int64_t *bv;
	size_t *boff;
	size_t nb;
	int64_t *val;
	uint32_t *cum;
	uint64_t *tot;
	size_t nk;
	/* while loading: (start, value) pairs */
	struct reg_pair { int64_t start, val; } *raw;
	size_t cap;
};

/* One path's samples in one run: per hop column. */
struct reg_path {
	char *name;
	struct reg_vec col[REG_NCOLS];
};

struct reg_run {
	struct reg_path *paths;
	size_t npaths;
	const char *source;	/* "hop_block" or "irq": where the samples came from */
};

/* Where a comparison reads its samples from: REG_SRC_AUTO, hop_block for
 * the runs that have it and irq for the others (runs analyzed before schema
 * v7, or made by SQL); REG_SRC_IRQ, irq always (the per-interrupt path,
 * spans of schemas/blocks.h); REG_SRC_LEGACY, irq with the spans of schema
 * v6 and before (exact (t1 - t0) / REG_BLOCKS cuts).  The last two exist
 * for tests/regress_blocks.test, which checks that the three agree. */
enum reg_source { REG_SRC_AUTO, REG_SRC_IRQ, REG_SRC_LEGACY };

/* The baseline's history: per run, its hop_stats p50/p99 by path and hop. */
struct reg_hist_row {
	char *path, *hop;
	double p50, p99;
};

struct reg_history {
	int64_t *runs;
	size_t nruns;
	struct reg_hist_row *rows;  /* run i's rows are those with run index i */
	size_t *rrun;
	size_t nrows, cap;
};

struct reg_steal {
	double *stolen, *wall;  /* per (vCPU, window) row of one guest kind */
	size_t n, cap;
};

/* ---- rng.c: random variates ---- */

void reg_rng_seed(struct reg_rng *r, uint64_t seed, const char *a, const char *b, const char *c);

static inline uint64_t reg_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t reg_next(struct reg_rng *r)
{
	uint64_t *s = r->s, res = reg_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = reg_rotl(s[3], 45);
	return res;
}

/* Uniform in (0, 1): never 0, so logs are finite. */
static inline double reg_uniform(struct reg_rng *r)
{
	return ((double)(reg_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* Index uniform in [0, n).  Inline (with the generator): the block and
 * steal bootstraps draw millions of them per comparison. */
static inline size_t reg_index(struct reg_rng *r, size_t n)
{
	/* u * n lies in [0, n]; n (rounding) maps to 0, as "% n" did, without
	 * the division. */
	size_t i = (size_t)(reg_uniform(r) * (double)n);

	return i < n ? i : 0;
}

/* Student t with nu degrees of freedom: Z / sqrt(ChiSq(nu) / nu), the
 * chi-square as 2 Gamma(nu / 2), boosted for nu / 2 < 1. */
double reg_student(struct reg_rng *r, double nu);

/* Beta(a, b) for a, b >= 1. */
double reg_beta(struct reg_rng *r, double a, double b);

/* ---- samples.c: samples: loading and sorting ---- */

void reg_run_free(struct reg_run *r);

/* Loads every hop sample of RUN (one scan of its irq rows), sorted and cut
 * into spans of time (those of schemas/blocks.h, or when LEGACY the exact
 * cuts of schema v6).  On failure returns -1 with err set and *out
 * emptied. */
int reg_load_run(sqlite3 *db, int64_t run, int legacy, struct reg_run *out, char *err, size_t errlen);

/* Finds the path NAME of R (creating it when CREATE); NULL when absent or
 * out of memory. */
struct reg_path *reg_run_path(struct reg_run *r, const char *name, int create);

/* The hop column index of hop NAME (reg_cols), or -1. */
int reg_col(const char *name);

/* ---- blocks.c: samples from hop_block ---- */

/* Loads RUN's samples from its hop_block rows as buckets.  Returns 1 when
 * loaded, 0 when RUN has no hop_block rows (*out empty: the caller reads
 * irq), -1 with err set and *out emptied on failure. */
int reg_load_blocks(sqlite3 *db, int64_t run, struct reg_run *out, char *err, size_t errlen);

/* Loads RUN's samples from where SRC says. */
int reg_load(sqlite3 *db, int64_t run, enum reg_source src, struct reg_run *out, char *err, size_t errlen);

/* ih_regress_compare reading its samples from where SRC says. */
int reg_compare(sqlite3 *db, int64_t base, int64_t cand, const struct ih_regress_opts *o, enum reg_source src,
		json_t **out, char *err, size_t errlen);

/* ---- bootstrap.c: quantiles, bootstrap replicates, intervals, verdicts ---- */

/* Nearest-rank q-quantile of sorted x (as hop_stats: the first value whose
 * rank reaches q * n). */
int64_t reg_quantile(const struct reg_vec *x, double q);

/* A replicate of the q-quantile of x: by spans of time when there are
 * enough of them, else by interrupts. */
double reg_replicate(struct reg_rng *r, const struct reg_vec *x, double q, uint32_t *w);

/* Percentile-method interval of the replicates d at confidence c (d is
 * reordered). */
void reg_interval(double *d, size_t n, double c, double *lo, double *hi);

const char *reg_verdict(double lo, double hi, double threshold);

/* Rounds to 3 decimals for the JSON (the statistics do not carry more). */
double reg_round(double x);

/* ---- history.c: the baseline's history: run-to-run noise ---- */

void reg_history_free(struct reg_history *h);

/* Loads the history of BASE: BASE and the runs with its label, host,
 * tasklet and notifier modes, newest first, at most REG_HISTORY, never
 * CAND.  Returns 0 (possibly with BASE alone), or -1 with err set. */
int reg_history_load(sqlite3 *db, int64_t base, int64_t cand, struct reg_history *h, char *err,
			    size_t errlen);

/* The scale run-to-run noise is measured and applied on: log above the
 * floor, linear below it (continuous, same slope at the floor), so a
 * sub-microsecond hop's noise is counted in the units its change is. */
double reg_fwd(double x);

double reg_inv(double y);

/* Run-to-run standard deviation of reg_fwd(percentile) of (path,
 * hop) across the history; *k gets the number of runs that have it.
 * Returns -1 when fewer than two runs have it. */
double reg_history_sd(const struct reg_history *h, const char *path, const char *hop, int p99, int *k);

/* ---- hops.c: percentile verdicts per path and hop ---- */

/* Builds "hops" (every path and hop present in either run, by path name and
 * hop order) into OUT; regressions go to REGS.  Returns the number of
 * regressions, or -1 with err set. */
int reg_hops(sqlite3 *db, const struct reg_run *rb, const struct reg_run *rc, const struct ih_regress_opts *o,
		    const struct reg_history *hist, json_t *hops, json_t *regs, char *err, size_t errlen);

/* ---- steal.c: steal verdicts ---- */

/* Both runs' steal windows by guest kind, read by reg_steal_load (the only
 * part that reads the database, so reg_steal_eval may run on another
 * thread than the connection's). */
#define REG_KINDS 2
struct reg_steal_data {
	struct reg_steal b[REG_KINDS], c[REG_KINDS];
};
/* Returns 0, or -1 with err set; D is then to be freed all the same. */
int reg_steal_load(sqlite3 *db, int64_t base, int64_t cand, struct reg_steal_data *d, char *err, size_t errlen);
/* Builds the "steal" object from D.  Returns the number of regressions (0
 * or more), or -1 with err set. */
int reg_steal_eval(const struct reg_steal_data *d, const struct ih_regress_opts *o, json_t **out, json_t *regs,
		   char *err, size_t errlen);
void reg_steal_free(struct reg_steal_data *d);
#endif
