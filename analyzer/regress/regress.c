/*
 * analyzer/regress/regress.c - comparing two runs (irqhop regress and the compare page).
 * See analyzer/regress/regress.h for the contract and docs/regress.md for the JSON
 * shape and the statistics.
 *
 * Samples: the per-interrupt duration columns of the irq table (one scan
 * per run), sorted per path and hop; the steal windows of the steal table.
 *
 * Percentile verdicts: a bootstrap confidence interval of the relative
 * change of the percentile, resampling *time blocks*, not interrupts.
 * Interrupt latencies come in bursts (a host preemption of the VM delays
 * every interrupt of the next milliseconds), so interrupts are not
 * independent and an interrupt-level bootstrap gives intervals far too
 * narrow: two runs of one configuration would differ "significantly" in
 * their p99.  Each run is cut into REG_BLOCKS equal spans of time by the
 * interrupts' start; a replicate draws that many spans with replacement and
 * takes the percentile of the interrupts in them.  It is computed without
 * copying samples: spans keep their samples sorted, and the weighted rank
 * is found by a binary search over the run's sorted values, counting with
 * one binary search per span.
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
 * No global state: the library is called from irqhop regress and from the
 * web server's worker threads.  Every statement is finalized before a
 * function returns, so no read transaction outlives a call.
 */
#include "config.h"
#include "analyzer/regress/regress.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bootstrap replicates per verdict: the CI bounds at 95 % move by well
 * under 1 % of the interval from one seed to another at this count. */
#define REG_RESAMPLES 1000
/* Fewer measurements than this on either side: no verdict ("insufficient"). */
#define REG_MIN_SAMPLES 20
/* Spans of time a run is cut into for the block bootstrap (a 1 s run gives
 * 31 ms spans, longer than the bursts seen on a noisy VM), and the fewest
 * non-empty spans a hop needs for it; below, interrupts are resampled. */
#define REG_BLOCKS 32
#define REG_MIN_BLOCKS 8
/* Runs of the baseline's history used to measure run-to-run noise. */
#define REG_HISTORY 10
/* Changes are relative to max(baseline, floor): sub-microsecond hops jitter
 * by tens of percent from run to run and matter little in absolute terms. */
#define REG_FLOOR_NS 1000.0
/* Steal changes are relative to max(baseline, 1 percentage point). */
#define REG_FLOOR_STEAL_PCT 1.0

/* The hop columns of irq, in the order of the SELECT below; hop names are
 * the column names without _ns. */
static const char *const reg_cols[] = {
	"delivery", "schedule", "queue", "assist", "callback", "defer", "worker", "inject", "guest",
	"total",
};
#define REG_NCOLS (sizeof(reg_cols) / sizeof(reg_cols[0]))
#define REG_SAMPLES_SQL \
	"SELECT path, start_ns, delivery_ns, schedule_ns, queue_ns, assist_ns, callback_ns, defer_ns, " \
	"worker_ns, inject_ns, guest_ns, total_ns FROM irq WHERE run_id = ?1"

static void reg_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes one line into err.  Never fails (truncates). */
static void reg_err(char *err, size_t errlen, const char *fmt, ...)
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

/* ---- random numbers ------------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: fast, good, reproducible. */
struct reg_rng {
	uint64_t s[4];
	int has_spare;
	double spare;
};

static uint64_t reg_splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* FNV-1a of a string, to derive one stream per (path, hop, metric), so a
 * verdict does not depend on which other hops were compared. */
static uint64_t reg_hash(uint64_t h, const char *s)
{
	if (!h)
		h = UINT64_C(0xcbf29ce484222325);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return (h ^ '/') * UINT64_C(0x100000001b3);
}

static void reg_rng_seed(struct reg_rng *r, uint64_t seed, const char *a, const char *b, const char *c)
{
	uint64_t x = seed ^ reg_hash(reg_hash(reg_hash(0, a), b), c);

	for (int i = 0; i < 4; i++)
		r->s[i] = reg_splitmix(&x);
	r->has_spare = 0;
}

static uint64_t reg_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t reg_next(struct reg_rng *r)
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
static double reg_uniform(struct reg_rng *r)
{
	return ((double)(reg_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* Index uniform in [0, n). */
static size_t reg_index(struct reg_rng *r, size_t n)
{
	return (size_t)(reg_uniform(r) * (double)n) % n;
}

/* Standard normal (Marsaglia's polar method). */
static double reg_normal(struct reg_rng *r)
{
	double u, v, s;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	do {
		u = 2.0 * reg_uniform(r) - 1.0;
		v = 2.0 * reg_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	s = sqrt(-2.0 * log(s) / s);
	r->spare = v * s;
	r->has_spare = 1;
	return u * s;
}

/* Gamma(shape, 1) for shape >= 1 (Marsaglia and Tsang, 2000). */
static double reg_gamma(struct reg_rng *r, double shape)
{
	double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);

	for (;;) {
		double x, v, u;

		do {
			x = reg_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = reg_uniform(r);
		if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/* Student t with nu degrees of freedom: Z / sqrt(ChiSq(nu) / nu), the
 * chi-square as 2 Gamma(nu / 2), boosted for nu / 2 < 1. */
static double reg_student(struct reg_rng *r, double nu)
{
	double a = nu / 2.0, g;

	if (a >= 1.0)
		g = reg_gamma(r, a);
	else
		g = reg_gamma(r, a + 1.0) * pow(reg_uniform(r), 1.0 / a);
	return reg_normal(r) / sqrt(fmax(2.0 * g / nu, 1e-300));
}

/* Beta(a, b) for a, b >= 1. */
static double reg_beta(struct reg_rng *r, double a, double b)
{
	double x = reg_gamma(r, a), y = reg_gamma(r, b);

	return x / (x + y);
}

/* ---- samples ---------------------------------------------------------------- */

/* One (path, hop) of one run: its measurements sorted (v), and the same
 * values grouped by span of time, sorted within each span (bv, spans
 * boff[i] .. boff[i + 1] - 1). */
struct reg_vec {
	int64_t *v;
	size_t n;
	int64_t *bv;
	size_t *boff;
	size_t nb;
	/* while loading: (start, value) pairs */
	struct reg_pair { int64_t start, val; } *raw;
	size_t cap;
};

static int reg_vec_push(struct reg_vec *a, int64_t start, int64_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct reg_pair *v = realloc(a->raw, cap * sizeof(*v));

		if (!v)
			return -1;
		a->raw = v;
		a->cap = cap;
	}
	a->raw[a->n].start = start;
	a->raw[a->n].val = x;
	a->n++;
	return 0;
}

static void reg_vec_free(struct reg_vec *a)
{
	free(a->v);
	free(a->bv);
	free(a->boff);
	free(a->raw);
	memset(a, 0, sizeof(*a));
}

static int reg_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts a[0..n) (LSD radix sort on value - min, 11-bit digits, as many
 * passes as the range needs: durations span about 34 bits, so 4 passes),
 * using tmp[0..n).  Never fails. */
static void reg_radix(int64_t *a, size_t n, int64_t *tmp)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	uint64_t range;
	int64_t *src = a, *dst = tmp;

	if (n < 64) {
		qsort(a, n, sizeof(*a), reg_cmp_i64);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (a[i] < lo)
			lo = a[i];
		if (a[i] > hi)
			hi = a[i];
	}
	range = (uint64_t)hi - (uint64_t)lo;
	for (unsigned shift = 0; shift < 64 && (range >> shift); shift += 11) {
		size_t cnt[2048] = { 0 }, sum = 0;

		for (size_t i = 0; i < n; i++)
			cnt[(((uint64_t)src[i] - (uint64_t)lo) >> shift) & 2047]++;
		for (size_t d = 0; d < 2048; d++) {
			size_t c = cnt[d];

			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(((uint64_t)src[i] - (uint64_t)lo) >> shift) & 2047]++] = src[i];
		{
			int64_t *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* Turns the loaded pairs into the sorted arrays, spans of [t0, t1] cut in
 * REG_BLOCKS: values are distributed to their span (counting sort), then
 * each span and the run's values are sorted (radix).  -1 when out of
 * memory (A is then freed by the caller). */
static int reg_vec_finish(struct reg_vec *a, int64_t t0, int64_t t1)
{
	uint64_t span = (uint64_t)(t1 - t0) / REG_BLOCKS + 1;
	size_t cnt[REG_BLOCKS] = { 0 }, off[REG_BLOCKS + 1], pos[REG_BLOCKS];

	if (!a->n)
		return 0;
	a->v = malloc(a->n * sizeof(*a->v));
	a->bv = malloc(a->n * sizeof(*a->bv));
	a->boff = malloc((REG_BLOCKS + 1) * sizeof(*a->boff));
	if (!a->v || !a->bv || !a->boff)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		uint64_t b = (uint64_t)(a->raw[i].start - t0) / span;

		a->raw[i].start = (int64_t)(b < REG_BLOCKS ? b : REG_BLOCKS - 1);
		cnt[a->raw[i].start]++;
	}
	off[0] = 0;
	for (size_t b = 0; b < REG_BLOCKS; b++)
		off[b + 1] = off[b] + cnt[b];
	memcpy(pos, off, sizeof(pos));
	for (size_t i = 0; i < a->n; i++)
		a->bv[pos[a->raw[i].start]++] = a->raw[i].val;
	/* The pairs are done with: their memory (2n values) is the radix
	 * sort's scratch. */
	a->nb = 0;
	for (size_t b = 0; b < REG_BLOCKS; b++) {
		if (!cnt[b])
			continue;
		reg_radix(a->bv + off[b], cnt[b], (int64_t *)a->raw);
		a->boff[a->nb++] = off[b];
	}
	a->boff[a->nb] = a->n;
	memcpy(a->v, a->bv, a->n * sizeof(*a->v));
	reg_radix(a->v, a->n, (int64_t *)a->raw);
	free(a->raw);
	a->raw = NULL;
	a->cap = 0;
	return 0;
}

/* One path's samples in one run: per hop column. */
struct reg_path {
	char *name;
	struct reg_vec col[REG_NCOLS];
};

struct reg_run {
	struct reg_path *paths;
	size_t npaths;
};

static void reg_run_free(struct reg_run *r)
{
	for (size_t i = 0; i < r->npaths; i++) {
		free(r->paths[i].name);
		for (size_t c = 0; c < REG_NCOLS; c++)
			reg_vec_free(&r->paths[i].col[c]);
	}
	free(r->paths);
	memset(r, 0, sizeof(*r));
}

static struct reg_path *reg_run_path(struct reg_run *r, const char *name, int create)
{
	struct reg_path *p;

	for (size_t i = 0; i < r->npaths; i++)
		if (strcmp(r->paths[i].name, name) == 0)
			return &r->paths[i];
	if (!create)
		return NULL;
	p = realloc(r->paths, (r->npaths + 1) * sizeof(*p));
	if (!p)
		return NULL;
	r->paths = p;
	p = &r->paths[r->npaths];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return NULL;
	r->npaths++;
	return p;
}

/* Loads every hop sample of RUN (one scan of its irq rows), sorted and cut
 * into spans of time.  On failure returns -1 with err set and *out emptied. */
static int reg_load_run(sqlite3 *db, int64_t run, struct reg_run *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t t0 = INT64_MAX, t1 = INT64_MIN;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db, REG_SAMPLES_SQL, -1, &st, NULL) != SQLITE_OK) {
		reg_err(err, errlen, "cannot read interrupts: %s", sqlite3_errmsg(db));
		goto error;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int64_t start = sqlite3_column_int64(st, 1);
		struct reg_path *p;

		if (!name)
			continue;
		p = reg_run_path(out, name, 1);
		if (!p)
			goto oom;
		if (start < t0)
			t0 = start;
		if (start > t1)
			t1 = start;
		for (size_t c = 0; c < REG_NCOLS; c++) {
			if (sqlite3_column_type(st, (int)c + 2) == SQLITE_NULL)
				continue;
			if (reg_vec_push(&p->col[c], start, sqlite3_column_int64(st, (int)c + 2)))
				goto oom;
		}
	}
	if (rc != SQLITE_DONE) {
		reg_err(err, errlen, "cannot read the interrupts of run %" PRId64 ": %s", run, sqlite3_errmsg(db));
		goto error;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < out->npaths; i++)
		for (size_t c = 0; c < REG_NCOLS; c++)
			if (reg_vec_finish(&out->paths[i].col[c], t0, t1))
				goto oom;
	return 0;
oom:
	reg_err(err, errlen, "out of memory reading the interrupts of run %" PRId64, run);
error:
	sqlite3_finalize(st);
	reg_run_free(out);
	return -1;
}

/* Nearest-rank q-quantile of sorted x (as hop_stats: the first value whose
 * rank reaches q * n). */
static int64_t reg_quantile(const struct reg_vec *x, double q)
{
	double k = ceil(q * (double)x->n - 1e-9);
	size_t i = k < 1 ? 0 : (size_t)k - 1;

	return x->v[i < x->n ? i : x->n - 1];
}

/* One bootstrap replicate of the q-quantile of sorted x (exact; see the
 * header comment). */
static double reg_boot_quantile(struct reg_rng *r, const struct reg_vec *x, double q)
{
	double n = (double)x->n, k = ceil(q * n - 1e-9);
	double u, j;

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	u = reg_beta(r, k, n - k + 1.0);
	j = ceil(u * n);
	if (j < 1)
		j = 1;
	if (j > n)
		j = n;
	return (double)x->v[(size_t)j - 1];
}

/* Number of values <= x in sorted a[0..n). */
static size_t reg_upper(const int64_t *a, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* One block-bootstrap replicate of the q-quantile of x: x->nb spans drawn
 * with replacement (counts in w, scratch of x->nb), then the smallest value
 * whose weighted rank reaches q times the weighted count. */
static double reg_block_quantile(struct reg_rng *r, const struct reg_vec *x, double q, uint32_t *w)
{
	double total = 0, rank;
	size_t lo = 0, hi = x->n - 1;

	memset(w, 0, x->nb * sizeof(*w));
	for (size_t i = 0; i < x->nb; i++)
		w[reg_index(r, x->nb)]++;
	for (size_t b = 0; b < x->nb; b++)
		total += (double)w[b] * (double)(x->boff[b + 1] - x->boff[b]);
	rank = ceil(q * total - 1e-9);
	if (rank < 1)
		rank = 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		double c = 0;

		for (size_t b = 0; b < x->nb; b++)
			if (w[b])
				c += (double)w[b] * (double)reg_upper(x->bv + x->boff[b], x->boff[b + 1] - x->boff[b],
								      x->v[mid]);
		if (c >= rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (double)x->v[lo];
}

/* A replicate of the q-quantile of x: by spans of time when there are
 * enough of them, else by interrupts. */
static double reg_replicate(struct reg_rng *r, const struct reg_vec *x, double q, uint32_t *w)
{
	return x->nb >= REG_MIN_BLOCKS ? reg_block_quantile(r, x, q, w) : reg_boot_quantile(r, x, q);
}

static int reg_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile-method interval of the sorted replicates d at confidence c. */
static void reg_interval(double *d, size_t n, double c, double *lo, double *hi)
{
	double a = (1.0 - c) / 2.0;
	size_t i = (size_t)floor(a * (double)(n - 1)), j = (size_t)ceil((1.0 - a) * (double)(n - 1));

	qsort(d, n, sizeof(*d), reg_cmp_double);
	*lo = d[i];
	*hi = d[j < n ? j : n - 1];
}

static const char *reg_verdict(double lo, double hi, double threshold)
{
	if (lo > threshold)
		return "regressed";
	if (hi < -threshold)
		return "improved";
	return "unchanged";
}

/* Rounds to 3 decimals for the JSON (the statistics do not carry more). */
static double reg_round(double x)
{
	return round(x * 1000.0) / 1000.0;
}

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

static void reg_history_free(struct reg_history *h)
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
static int reg_history_load(sqlite3 *db, int64_t base, int64_t cand, struct reg_history *h, char *err,
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
		double cum = 0, n = 0, max = 0, p50 = -1, p99 = -1;
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
					row->p50 = p50 < 0 ? max : fmin(p50, max);
					row->p99 = p99 < 0 ? max : fmin(p99, max);
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
				n = sqlite3_column_double(st, 4);
				max = sqlite3_column_double(st, 5);
			}
			cum += sqlite3_column_double(st, 3);
			if (p50 < 0 && cum >= 0.50 * n)
				p50 = sqlite3_column_double(st, 2);
			if (p99 < 0 && cum >= 0.99 * n)
				p99 = sqlite3_column_double(st, 2);
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
static double reg_fwd(double x)
{
	return x >= REG_FLOOR_NS ? log(x) : log(REG_FLOOR_NS) + (x - REG_FLOOR_NS) / REG_FLOOR_NS;
}

static double reg_inv(double y)
{
	return y >= log(REG_FLOOR_NS) ? exp(fmin(y, 700.0))
				      : fmax(0.0, REG_FLOOR_NS + REG_FLOOR_NS * (y - log(REG_FLOOR_NS)));
}

/* Run-to-run standard deviation of reg_fwd(percentile) of (path,
 * hop) across the history; *k gets the number of runs that have it.
 * Returns -1 when fewer than two runs have it. */
static double reg_history_sd(const struct reg_history *h, const char *path, const char *hop, int p99, int *k)
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

/* Adds to OBJ the verdict of percentile q (name "p50"/"p99") of B against
 * C, and to REGS an entry when it regressed.  Returns 1 when regressed, 0
 * when not, -1 when out of memory. */
static int reg_metric(json_t *obj, json_t *regs, const char *path, const char *hop, const char *name, double q,
		      const struct reg_vec *b, const struct reg_vec *c, const struct ih_regress_opts *o,
		      double *scratch, uint32_t *w, const struct reg_history *hist)
{
	json_t *m;
	const char *verdict;
	double bq, cq, delta_pct, lo, hi, sd;
	struct reg_rng rng;
	int regressed = 0, k = 0;

	bq = (double)reg_quantile(b, q);
	cq = (double)reg_quantile(c, q);
	delta_pct = 100.0 * (cq - bq) / fmax(bq, REG_FLOOR_NS);
	if (b->n < REG_MIN_SAMPLES || c->n < REG_MIN_SAMPLES) {
		m = json_pack("{s:I,s:f,s:n,s:s}", "delta_ns", (json_int_t)(cq - bq), "delta_pct",
			      reg_round(delta_pct), "ci_pct", "verdict", "insufficient");
	} else {
		sd = reg_history_sd(hist, path, hop, q > 0.5, &k);
		reg_rng_seed(&rng, o->seed, path, hop, name);
		for (size_t i = 0; i < REG_RESAMPLES; i++) {
			double bb = reg_replicate(&rng, b, q, w), cc = reg_replicate(&rng, c, q, w);

			/* Run-to-run noise, on the scale it was measured on. */
			if (sd > 0)
				cc = reg_inv(reg_fwd(cc) + M_SQRT2 * sd * reg_student(&rng, k - 1));
			scratch[i] = 100.0 * (cc - bb) / fmax(bb, REG_FLOOR_NS);
		}
		reg_interval(scratch, REG_RESAMPLES, o->confidence, &lo, &hi);
		verdict = reg_verdict(lo, hi, o->threshold_pct);
		regressed = strcmp(verdict, "regressed") == 0;
		m = json_pack("{s:I,s:f,s:[f,f],s:s,s:s,s:o,s:i}", "delta_ns", (json_int_t)(cq - bq), "delta_pct",
			      reg_round(delta_pct), "ci_pct", reg_round(lo), reg_round(hi), "verdict", verdict,
			      "resampled", b->nb >= REG_MIN_BLOCKS && c->nb >= REG_MIN_BLOCKS ? "spans" :
			      b->nb >= REG_MIN_BLOCKS || c->nb >= REG_MIN_BLOCKS ? "mixed" : "interrupts",
			      "run_noise_pct", sd >= 0 ? json_real(reg_round(100.0 * sd)) : json_null(),
			      "history_runs", k);
		if (m && regressed &&
		    json_array_append_new(regs, json_pack("{s:s,s:s,s:s,s:f,s:[f,f]}", "path", path, "hop", hop,
							  "metric", name, "delta_pct", reg_round(delta_pct),
							  "ci_pct", reg_round(lo), reg_round(hi))))
			regressed = -1;
	}
	if (!m || json_object_set_new(obj, name, m))
		return -1;
	return regressed;
}

/* {"count", "p50_ns", "p99_ns"} of one side, or null when absent. */
static json_t *reg_side(const struct reg_vec *x)
{
	if (!x || !x->n)
		return json_null();
	return json_pack("{s:I,s:I,s:I}", "count", (json_int_t)x->n, "p50_ns", (json_int_t)reg_quantile(x, 0.50),
			 "p99_ns", (json_int_t)reg_quantile(x, 0.99));
}

/* Position of a hop in its path (hop_def.seq; 99 for total). */
static int reg_seq(sqlite3 *db, const char *path, const char *hop)
{
	sqlite3_stmt *st = NULL;
	int seq = 99;

	if (strcmp(hop, "total") == 0)
		return 99;
	/* srcu-mode irqfd has no defer/worker hop but the same seq for the
	 * others: hop_def is the reference. */
	if (sqlite3_prepare_v2(db, "SELECT seq FROM hop_def WHERE path = ?1 AND hop = ?2", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, hop, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return seq;
}

static int reg_cmp_hop(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "path")), json_string_value(json_object_get(y, "path")));

	if (c)
		return c;
	return (int)(json_integer_value(json_object_get(x, "seq")) - json_integer_value(json_object_get(y, "seq")));
}

/* Builds "hops" (every path and hop present in either run, by path name and
 * hop order) into OUT; regressions go to REGS.  Returns the number of
 * regressions, or -1 with err set. */
static int reg_hops(sqlite3 *db, const struct reg_run *rb, const struct reg_run *rc, const struct ih_regress_opts *o,
		    const struct reg_history *hist, json_t *hops, json_t *regs, char *err, size_t errlen)
{
	const struct reg_run *runs[2] = { rb, rc };
	double *scratch = malloc(REG_RESAMPLES * sizeof(double));
	uint32_t w[REG_BLOCKS];
	json_t **items = NULL;
	size_t nitems = 0, cap = 0;
	int nreg = 0;

	if (!scratch)
		goto oom;
	for (int side = 0; side < 2; side++) {
		for (size_t i = 0; i < runs[side]->npaths; i++) {
			const char *path = runs[side]->paths[i].name;
			const struct reg_path *pb = reg_run_path((struct reg_run *)rb, path, 0);
			const struct reg_path *pc = reg_run_path((struct reg_run *)rc, path, 0);

			/* A path of both runs is done once, from the baseline. */
			if (side == 1 && pb)
				continue;
			for (size_t c = 0; c < REG_NCOLS; c++) {
				const struct reg_vec *b = pb ? &pb->col[c] : NULL, *v = pc ? &pc->col[c] : NULL;
				json_t *h;
				int r;

				if ((!b || !b->n) && (!v || !v->n))
					continue;
				h = json_pack("{s:s,s:s,s:i,s:o,s:o}", "path", path, "hop", reg_cols[c], "seq",
					      reg_seq(db, path, reg_cols[c]), "baseline", reg_side(b), "candidate",
					      reg_side(v));
				if (!h)
					goto oom;
				if (nitems == cap) {
					json_t **n = realloc(items, (cap = cap ? cap * 2 : 32) * sizeof(*n));

					if (!n) {
						json_decref(h);
						goto oom;
					}
					items = n;
				}
				items[nitems++] = h;
				for (int m = 0; m < 2; m++) {
					unsigned bit = m ? IH_REG_P99 : IH_REG_P50;
					const char *name = m ? "p99" : "p50";

					if (!(o->metrics & bit))
						continue;
					if (!b || !b->n || !v || !v->n) {
						if (json_object_set_new(h, name, json_pack("{s:s}", "verdict",
											   "absent")))
							goto oom;
						continue;
					}
					r = reg_metric(h, regs, path, reg_cols[c], name, m ? 0.99 : 0.50, b, v, o,
						       scratch, w, hist);
					if (r < 0)
						goto oom;
					nreg += r;
				}
			}
		}
	}
	if (nitems)
		qsort(items, nitems, sizeof(*items), reg_cmp_hop);
	for (size_t i = 0; i < nitems; i++) {
		if (json_array_append_new(hops, items[i])) {
			items[i] = NULL;
			for (size_t j = i + 1; j < nitems; j++)
				json_decref(items[j]);
			nitems = 0;
			goto oom;
		}
		items[i] = NULL;
	}
	free(items);
	free(scratch);
	return nreg;
oom:
	for (size_t i = 0; i < nitems; i++)
		json_decref(items[i]);
	free(items);
	free(scratch);
	reg_err(err, errlen, "out of memory comparing runs");
	return -1;
}

/* ---- steal -------------------------------------------------------------------- */

struct reg_steal {
	double *stolen, *wall;  /* per (vCPU, window) row of one guest kind */
	size_t n, cap;
};

static int reg_steal_push(struct reg_steal *s, double stolen, double wall)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *a = realloc(s->stolen, cap * sizeof(*a)), *b;

		if (!a)
			return -1;
		s->stolen = a;
		b = realloc(s->wall, cap * sizeof(*b));
		if (!b)
			return -1;
		s->wall = b;
		s->cap = cap;
	}
	s->stolen[s->n] = stolen;
	s->wall[s->n] = wall;
	s->n++;
	return 0;
}

static double reg_steal_pct(const struct reg_steal *s)
{
	double a = 0, w = 0;

	for (size_t i = 0; i < s->n; i++) {
		a += s->stolen[i];
		w += s->wall[i];
	}
	return w > 0 ? 100.0 * a / w : 0.0;
}

/* One bootstrap replicate: the rows resampled with replacement. */
static double reg_steal_boot(struct reg_rng *r, const struct reg_steal *s)
{
	double a = 0, w = 0;

	for (size_t i = 0; i < s->n; i++) {
		size_t j = reg_index(r, s->n);

		a += s->stolen[j];
		w += s->wall[j];
	}
	return w > 0 ? 100.0 * a / w : 0.0;
}

#define REG_KINDS 2
static const char *const reg_kinds[REG_KINDS] = { "idle", "busy" };

/* Loads the steal windows of RUN by guest kind.  Returns 0 (kinds may be
 * empty: the analyzer wrote no steal rows), or -1 with err set. */
static int reg_load_steal(sqlite3 *db, int64_t run, struct reg_steal *s, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT v.guest_kind, s.runnable_ns + s.offline_ns, s.window_ns "
		"FROM steal s JOIN vcpu v USING (run_id, vcpu) WHERE s.run_id = ?1";
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		reg_err(err, errlen, "cannot read steal: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);

		for (int k = 0; kind && k < REG_KINDS; k++)
			if (strcmp(kind, reg_kinds[k]) == 0 &&
			    reg_steal_push(&s[k], sqlite3_column_double(st, 1), sqlite3_column_double(st, 2))) {
				sqlite3_finalize(st);
				reg_err(err, errlen, "out of memory reading steal of run %" PRId64, run);
				return -1;
			}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		reg_err(err, errlen, "cannot read the steal of run %" PRId64 ": %s", run, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Builds the "steal" object.  Returns the number of regressions (0 or
 * more), or -1 with err set. */
static int reg_steal(sqlite3 *db, int64_t base, int64_t cand, const struct ih_regress_opts *o, json_t **out,
		     json_t *regs, char *err, size_t errlen)
{
	struct reg_steal sb[REG_KINDS] = { { 0 } }, sc[REG_KINDS] = { { 0 } };
	double *scratch = NULL;
	json_t *guests = NULL;
	int nreg = -1, any = 0;

	*out = NULL;
	if (reg_load_steal(db, base, sb, err, errlen) || reg_load_steal(db, cand, sc, err, errlen))
		goto end;
	for (int k = 0; k < REG_KINDS; k++)
		any |= sb[k].n && sc[k].n;
	if (!any) {
		const char *why = !sb[0].n && !sb[1].n ? (!sc[0].n && !sc[1].n ? "neither run has steal rows"
									     : "the baseline has no steal rows")
			: !sc[0].n && !sc[1].n ? "the candidate has no steal rows"
					       : "no guest kind has steal rows in both runs";

		*out = json_pack("{s:b,s:s}", "available", 0, "reason", why);
		nreg = *out ? 0 : -1;
		if (!*out)
			reg_err(err, errlen, "out of memory");
		goto end;
	}
	scratch = malloc(REG_RESAMPLES * sizeof(double));
	guests = json_array();
	if (!scratch || !guests)
		goto oom;
	nreg = 0;
	for (int k = 0; k < REG_KINDS; k++) {
		double b, c, d, lo, hi;
		struct reg_rng rng;
		const char *verdict;
		json_t *g;

		if (!sb[k].n && !sc[k].n)
			continue;
		if (!sb[k].n || !sc[k].n) {
			g = json_pack("{s:s,s:o,s:o,s:s}", "guest_kind", reg_kinds[k], "baseline_pct",
				      sb[k].n ? json_real(reg_round(reg_steal_pct(&sb[k]))) : json_null(),
				      "candidate_pct",
				      sc[k].n ? json_real(reg_round(reg_steal_pct(&sc[k]))) : json_null(), "verdict",
				      "absent");
			if (!g || json_array_append_new(guests, g))
				goto oom;
			continue;
		}
		b = reg_steal_pct(&sb[k]);
		c = reg_steal_pct(&sc[k]);
		d = 100.0 * (c - b) / fmax(b, REG_FLOOR_STEAL_PCT);
		if (sb[k].n < 2 || sc[k].n < 2) {
			g = json_pack("{s:s,s:f,s:f,s:f,s:f,s:n,s:s,s:I,s:I}", "guest_kind", reg_kinds[k],
				      "baseline_pct", reg_round(b), "candidate_pct", reg_round(c), "delta_pts",
				      reg_round(c - b), "delta_pct", reg_round(d), "ci_pct", "verdict",
				      "insufficient", "baseline_windows", (json_int_t)sb[k].n, "candidate_windows",
				      (json_int_t)sc[k].n);
		} else {
			reg_rng_seed(&rng, o->seed, "steal", reg_kinds[k], "pct");
			for (size_t i = 0; i < REG_RESAMPLES; i++) {
				double bb = reg_steal_boot(&rng, &sb[k]), cc = reg_steal_boot(&rng, &sc[k]);

				scratch[i] = 100.0 * (cc - bb) / fmax(bb, REG_FLOOR_STEAL_PCT);
			}
			reg_interval(scratch, REG_RESAMPLES, o->confidence, &lo, &hi);
			verdict = reg_verdict(lo, hi, o->threshold_pct);
			g = json_pack("{s:s,s:f,s:f,s:f,s:f,s:[f,f],s:s,s:I,s:I}", "guest_kind", reg_kinds[k],
				      "baseline_pct", reg_round(b), "candidate_pct", reg_round(c), "delta_pts",
				      reg_round(c - b), "delta_pct", reg_round(d), "ci_pct", reg_round(lo),
				      reg_round(hi), "verdict", verdict, "baseline_windows", (json_int_t)sb[k].n,
				      "candidate_windows", (json_int_t)sc[k].n);
			if (g && strcmp(verdict, "regressed") == 0) {
				nreg++;
				if (json_array_append_new(regs, json_pack("{s:s,s:s,s:s,s:f,s:[f,f]}", "path", "steal",
									  "hop", reg_kinds[k], "metric", "steal",
									  "delta_pct", reg_round(d), "ci_pct",
									  reg_round(lo), reg_round(hi)))) {
					json_decref(g);
					goto oom;
				}
			}
		}
		if (!g || json_array_append_new(guests, g))
			goto oom;
	}
	*out = json_pack("{s:b,s:O}", "available", 1, "guests", guests);
	if (!*out)
		goto oom;
	goto end;
oom:
	reg_err(err, errlen, "out of memory comparing steal");
	nreg = -1;
end:
	json_decref(guests);
	free(scratch);
	for (int k = 0; k < REG_KINDS; k++) {
		free(sb[k].stolen);
		free(sb[k].wall);
		free(sc[k].stolen);
		free(sc[k].wall);
	}
	return nreg;
}

/* ---- runs ------------------------------------------------------------------------ */

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
	struct ih_regress_opts def;
	struct reg_run rb = { 0 }, rc = { 0 };
	struct reg_history hist = { 0 };
	json_t *hrun = NULL, *jb = NULL, *jc = NULL, *hops = NULL, *regs = NULL, *steal = NULL, *metrics = NULL, *res = NULL;
	int nreg = 0, r, ret = -1, began = 0;

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
	if (o->metrics & (IH_REG_P50 | IH_REG_P99)) {
		if (reg_load_run(db, base, &rb, err, errlen) || reg_load_run(db, cand, &rc, err, errlen) ||
		    reg_history_load(db, base, cand, &hist, err, errlen))
			goto end;
		r = reg_hops(db, &rb, &rc, o, &hist, hops, regs, err, errlen);
		if (r < 0)
			goto end;
		nreg += r;
	}
	if (o->metrics & IH_REG_STEAL) {
		r = reg_steal(db, base, cand, o, &steal, regs, err, errlen);
		if (r < 0)
			goto end;
		nreg += r;
	} else {
		steal = json_null();
	}
	hrun = json_array();
	for (size_t i = 0; hrun && hist.nruns >= 2 && i < hist.nruns; i++)
		if (json_array_append_new(hrun, json_integer(hist.runs[i])))
			goto oom;
	if (!hrun)
		goto oom;
	res = json_pack("{s:O,s:O,s:O,s:{s:f,s:O,s:f,s:I,s:i,s:i,s:i,s:f,s:f},s:O,s:O,s:O,s:b}", "baseline", jb,
			"candidate", jc, "history", hrun, "options", "threshold_pct", o->threshold_pct, "metrics", metrics,
			"confidence", o->confidence, "seed", (json_int_t)o->seed, "resamples", REG_RESAMPLES,
			"blocks", REG_BLOCKS, "min_samples", REG_MIN_SAMPLES, "floor_ns", REG_FLOOR_NS, "floor_steal_pct",
			REG_FLOOR_STEAL_PCT, "hops", hops, "steal", steal, "regressions", regs, "regressed", nreg > 0);
	if (!res)
		goto oom;
	*out = res;
	ret = 0;
	goto end;
oom:
	reg_err(err, errlen, "out of memory comparing runs %" PRId64 " and %" PRId64, base, cand);
end:
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
