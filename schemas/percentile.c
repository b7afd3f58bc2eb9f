/*
 * schemas/percentile.c - the nearest-rank rule, see schemas/percentile.h.
 */
#include "config.h"
#include "schemas/percentile.h"

#include <math.h>

uint64_t ih_pct_rank(double q, uint64_t n)
{
	double k;

	if (n == 0)
		return 0;
	/* ceil(q * n) is the smallest integer k with k >= q * n: the
	 * hop_stats view's "cum >= q * n" in double arithmetic. */
	k = ceil(q * (double)n);
	if (!(k >= 1.0))
		return 1;
	if (k >= (double)n)
		return n;
	return (uint64_t)k;
}
