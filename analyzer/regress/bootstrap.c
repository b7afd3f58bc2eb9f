/*
 * analyzer/regress/bootstrap.c - quantiles of sorted samples and their bootstrap
 * replicates (by spans of time, or by interrupts through one Beta variate),
 * percentile intervals and verdicts.
 */
#include "config.h"
#include "analyzer/regress/internal.h"
#include "schemas/percentile.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nearest-rank q-quantile of sorted x (the rule of schemas/percentile.h,
 * as hop_stats: the value of rank ih_pct_rank(q, n)). */
int64_t reg_quantile(const struct reg_vec *x, double q)
{
	return x->v[ih_pct_rank(q, x->n) - 1];
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

static int reg_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile-method interval of the sorted replicates d at confidence c. */
void reg_interval(double *d, size_t n, double c, double *lo, double *hi)
{
	double a = (1.0 - c) / 2.0;
	size_t i = (size_t)floor(a * (double)(n - 1)), j = (size_t)ceil((1.0 - a) * (double)(n - 1));

	qsort(d, n, sizeof(*d), reg_cmp_double);
	*lo = d[i];
	*hi = d[j < n ? j : n - 1];
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
