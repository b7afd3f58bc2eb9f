/*
 * schemas/percentile.h - the one nearest-rank percentile rule of irqhop.
 *
 * The q-quantile of N values is the value of rank ih_pct_rank(q, N) (the
 * smallest k with k >= q * N, in double arithmetic), counted from 1 in
 * ascending order.  From a histogram it is read as the upper bound of the
 * first bucket whose cumulative count reaches that rank, clamped to the
 * exact maximum (ih_pct_bucket_value).
 *
 * Users: analyzer/store/hist.c (ih_hist_percentile), web/api/hist.c (the
 * hop_stats rows of the API), analyzer/regress (quantiles of samples and
 * the baseline's history).  Since schema v4 hop_stats reads hop_pct,
 * which the analyzer fills with ih_hist_percentile; the original hop_stats
 * view of schemas/irqhop.sql (which migration 004 evaluates for runs
 * analyzed before v4) restates the rule in SQL ("cum >= q * n", then
 * MIN(hi_ns, max_ns)), the same comparison: for an integer cum, cum >=
 * ceil(x) exactly when cum >= x.  tests/schemas_percentile.c checks that
 * the view's text and these functions agree.
 */
#ifndef IH_PERCENTILE_H
#define IH_PERCENTILE_H
#include <stdbool.h>
#include <stdint.h>

/* The nearest rank of the q-quantile of N values, from 1 to N (Q in (0, 1];
 * a Q outside is clamped into that range of ranks).  0 when N is 0.  Pure. */
uint64_t ih_pct_rank(double q, uint64_t n);

/* Whether a cumulative count CUM out of N reaches the q-quantile's rank
 * (cum >= ih_pct_rank(q, n)).  Pure. */
static inline bool ih_pct_reached(uint64_t cum, uint64_t n, double q)
{
	return n > 0 && cum >= ih_pct_rank(q, n);
}

/* The percentile read from the bucket that reached the rank: its upper
 * bound HI, clamped to the exact maximum MAX.  Pure. */
static inline uint64_t ih_pct_bucket_value(uint64_t hi, uint64_t max)
{
	return hi < max ? hi : max;
}
#endif
