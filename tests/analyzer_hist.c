/*
 * analyzer_hist.c - unit tests of the log-linear histogram (analyzer/ih_hist).
 */
#include "config.h"
#include "tests/tap.h"
#include "analyzer/store/hist.h"

#include <math.h>

/* Deterministic 64-bit LCG so failures reproduce. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return rng_state;
}

int main(void)
{
	struct ih_hist h, h2;
	int bad = 0;

	/* Bucket layout: contiguous, covering all of u64, exact below 256. */
	is_u64(ih_hist_bucket_lo(0), 0, "first bucket starts at 0");
	for (size_t i = 0; i + 1 < IH_HIST_NBUCKETS; i++)
		if (ih_hist_bucket_lo(i + 1) != ih_hist_bucket_hi(i) + 1)
			bad++;
	is_u64(bad, 0, "buckets are contiguous");
	is_u64(ih_hist_bucket_hi(IH_HIST_NBUCKETS - 1), UINT64_MAX, "last bucket ends at UINT64_MAX");
	bad = 0;
	for (uint64_t v = 0; v < 256; v++)
		if (ih_hist_bucket_lo(ih_hist_index(v)) != v || ih_hist_bucket_hi(ih_hist_index(v)) != v)
			bad++;
	is_u64(bad, 0, "values below 256 ns are exact");

	/* Relative width <= 1% of the lower bound, everywhere. */
	bad = 0;
	for (size_t i = 1; i < IH_HIST_NBUCKETS; i++) {
		uint64_t lo = ih_hist_bucket_lo(i), hi = ih_hist_bucket_hi(i);

		if ((double)(hi - lo) > 0.01 * (double)lo)
			bad++;
	}
	is_u64(bad, 0, "every bucket is narrower than 1%% of its lower bound");

	/* Every value falls inside its bucket: powers of two, their
	 * neighbours, and random values of every magnitude. */
	bad = 0;
	for (int e = 0; e < 64; e++) {
		uint64_t p = (uint64_t)1 << e;
		uint64_t vs[3] = { p - 1, p, p + 1 };

		for (int k = 0; k < 3; k++) {
			size_t i = ih_hist_index(vs[k]);

			if (i >= IH_HIST_NBUCKETS || ih_hist_bucket_lo(i) > vs[k] || ih_hist_bucket_hi(i) < vs[k])
				bad++;
		}
	}
	for (int n = 0; n < 100000; n++) {
		uint64_t v = rng() >> (rng() % 64);
		size_t i = ih_hist_index(v);

		if (i >= IH_HIST_NBUCKETS || ih_hist_bucket_lo(i) > v || ih_hist_bucket_hi(i) < v)
			bad++;
	}
	is_u64(bad, 0, "every value lies within its bucket's bounds");
	is_u64(ih_hist_index(UINT64_MAX), IH_HIST_NBUCKETS - 1, "UINT64_MAX is in the last bucket");

	/* Percentiles of 1..100000 ns: within 1% of the exact nearest rank. */
	ih_hist_init(&h);
	is_u64(ih_hist_percentile(&h, 0.5), 0, "empty histogram: percentile is 0");
	bad = 0;
	for (uint64_t v = 1; v <= 100000; v++)
		if (ih_hist_add(&h, v))
			bad++;
	is_u64(bad, 0, "100000 values added");
	is_u64(h.count, 100000, "count is exact");
	is_u64(h.sum, 100000ull * 100001ull / 2, "sum is exact");
	is_u64(h.min, 1, "min is exact");
	is_u64(h.max, 100000, "max is exact");
	{
		const double qs[] = { 0.5, 0.9, 0.99, 0.999 };

		for (int k = 0; k < 4; k++) {
			double exact = ceil(qs[k] * 100000);
			uint64_t got = ih_hist_percentile(&h, qs[k]);

			ok(got >= exact && (double)got <= exact * 1.01, "p%g = %llu within 1%% of %.0f",
			   qs[k] * 100, (unsigned long long)got, exact);
		}
	}
	is_u64(ih_hist_percentile(&h, 1.0), 100000, "p100 is the exact max");

	/* A single large value: percentile clamps to the exact max. */
	ih_hist_init(&h2);
	ok(ih_hist_add(&h2, 123456789) == 0, "add one large value");
	is_u64(ih_hist_percentile(&h2, 0.5), 123456789, "percentile clamps to the exact max");

	ih_hist_fini(&h);
	ih_hist_fini(&h2);
	ok(h.counts == NULL && h.count == 0, "fini empties the histogram");
	return tap_done();
}
