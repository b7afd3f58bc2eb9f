/*
 * analyzer/regress/bootstrap.c - quantiles of sorted samples and their bootstrap
 * replicates (by spans of time, or by interrupts through one Beta variate),
 * percentile intervals and verdicts.
 *
 * Samples come as values (irq) or as buckets per span (hop_block; see
 * struct reg_vec).  Both forms draw the same random variates in the same
 * order, and a bucketed quantile is the bucket that holds the value-form
 * quantile of the same draw, read as its upper bound clamped to the
 * maximum: so the two agree within one bucket (the exact value v, the
 * bucketed one in [v, v (1 + 1/128))), replicate by replicate.
 */
#include "config.h"
#include "analyzer/regress/internal.h"
#include "schemas/percentile.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

/* The value of rank R (1 .. x->n) of bucketed x: the first bucket whose
 * cumulative count reaches R. */
static int64_t reg_bucket_at(const struct reg_vec *x, uint64_t r)
{
	size_t lo = 0, hi = x->nk - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->tot[mid] >= r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return x->val[lo];
}

/* Nearest-rank q-quantile of sorted x (the rule of schemas/percentile.h,
 * as hop_stats: the value of rank ih_pct_rank(q, n)). */
int64_t reg_quantile(const struct reg_vec *x, double q)
{
	return x->val ? reg_bucket_at(x, ih_pct_rank(q, x->n)) : x->v[ih_pct_rank(q, x->n) - 1];
}

/* One bootstrap replicate of the q-quantile of sorted x (exact; see the
 * header comment). */
static double reg_boot_quantile(struct reg_rng *r, const struct reg_vec *x, double q)
{
	double n = (double)x->n, k = (double)ih_pct_rank(q, x->n);
	double u, j;

	u = reg_beta(r, k, n - k + 1.0);
	j = ceil(u * n);
	if (j < 1)
		j = 1;
	if (j > n)
		j = n;
	return x->val ? (double)reg_bucket_at(x, (uint64_t)j) : (double)x->v[(size_t)j - 1];
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

/* The q-quantile of bucketed x with span i counted w[i] times: the first
 * bucket whose weighted cumulative count reaches the weighted rank (as
 * reg_block_quantile, over buckets instead of values). */
static double reg_block_bucket(const struct reg_vec *x, double q, const uint32_t *w)
{
	const uint32_t *last = x->cum + (x->nk - 1) * x->nb;
	uint32_t nzb[REG_BLOCKS], nzw[REG_BLOCKS];
	uint64_t total = 0, rank;
	size_t lo = 0, hi = x->nk - 1, nz = 0;

	/* The spans drawn at least once (about 2/3 of them): integer sums,
	 * exact (a span's count is below 2^32, blocks.c checks). */
	for (size_t b = 0; b < x->nb; b++) {
		if (!w[b])
			continue;
		nzb[nz] = (uint32_t)b;
		nzw[nz++] = w[b];
		total += (uint64_t)w[b] * last[b];
	}
	rank = ih_pct_rank(q, total);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint32_t *c = x->cum + mid * x->nb;
		uint64_t s = 0;

		for (size_t i = 0; i < nz; i++)
			s += (uint64_t)nzw[i] * c[nzb[i]];
		if (s >= rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (double)x->val[lo];
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
	if (x->val)
		return reg_block_bucket(x, q, w);
	for (size_t b = 0; b < x->nb; b++)
		total += (double)w[b] * (double)(x->boff[b + 1] - x->boff[b]);
	rank = (double)ih_pct_rank(q, (uint64_t)total);
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
double reg_replicate(struct reg_rng *r, const struct reg_vec *x, double q, uint32_t *w)
{
	return x->nb >= REG_MIN_BLOCKS ? reg_block_quantile(r, x, q, w) : reg_boot_quantile(r, x, q);
}

/* Moves the k-th smallest of d[0..n) (k < n) to d[k], smaller ones before
 * it and larger ones after (Hoare's selection, median of three; each pass
 * shrinks the range, so the loop ends).  The replicates are finite. */
static void reg_select(double *d, size_t n, size_t k)
{
	ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < r) {
		ptrdiff_t m = l + (r - l) / 2, i = l, j = r;
		double p, t;

		if (d[m] < d[l])
			t = d[m], d[m] = d[l], d[l] = t;
		if (d[r] < d[l])
			t = d[r], d[r] = d[l], d[l] = t;
		if (d[r] < d[m])
			t = d[r], d[r] = d[m], d[m] = t;
		p = d[m];
		while (i <= j) {
			while (d[i] < p)
				i++;
			while (p < d[j])
				j--;
			if (i <= j) {
				t = d[i], d[i] = d[j], d[j] = t;
				i++;
				j--;
			}
		}
		/* Now d[l..j] <= p <= d[i..r], and d[j + 1 .. i - 1] == p. */
		if (kk <= j)
			r = j;
		else if (kk >= i)
			l = i;
		else
			return;
	}
}

/* Percentile-method interval of the replicates d at confidence c: the
 * values of ranks i and j of the sorted replicates, found by selection
 * (d is reordered). */
void reg_interval(double *d, size_t n, double c, double *lo, double *hi)
{
	double a = (1.0 - c) / 2.0;
	size_t i = (size_t)floor(a * (double)(n - 1)), j = (size_t)ceil((1.0 - a) * (double)(n - 1));

	if (j >= n)
		j = n - 1;
	reg_select(d, n, i);
	*lo = d[i];
	/* Everything after d[i] is >= it: rank j is among them. */
	if (j > i)
		reg_select(d + i + 1, n - i - 1, j - i - 1);
	*hi = d[j];
}

const char *reg_verdict(double lo, double hi, double threshold)
{
	if (lo > threshold)
		return "regressed";
	if (hi < -threshold)
		return "improved";
	return "unchanged";
}

/* Rounds to 3 decimals for the JSON (the statistics do not carry more). */
double reg_round(double x)
{
	return round(x * 1000.0) / 1000.0;
}
