/*
 * analyzer/store/hist.h - log-linear latency histogram (HdrHistogram style).
 *
 * Values below 256 ns have one bucket each (exact); above, every power of two
 * [2^e, 2^(e+1)) is split into 128 equal sub-buckets, so a bucket's width is
 * under 1/128 (0.78%) of its lower bound: any percentile read from it is
 * within 1% of the exact value.  The whole u64 range fits in IH_HIST_NBUCKETS
 * buckets; the bucket array is allocated on the first value so an unused
 * histogram costs a few words.  Count, sum, min and max are exact.
 *
 * Not thread-safe: one writer (the sink's decoding thread).
 */
#ifndef IH_HIST_H
#define IH_HIST_H
#include <stddef.h>
#include <stdint.h>

#define IH_HIST_SUB_BITS 7
#define IH_HIST_SUB (1u << IH_HIST_SUB_BITS)
#define IH_HIST_NBUCKETS ((64 - IH_HIST_SUB_BITS) * IH_HIST_SUB + IH_HIST_SUB)

struct ih_hist {
	uint64_t *counts;	/* IH_HIST_NBUCKETS, NULL until the first value */
	uint64_t count;
	uint64_t sum;		/* saturates at UINT64_MAX rather than wrapping */
	uint64_t min;
	uint64_t max;
};

/* Makes H empty.  Cannot fail. */
void ih_hist_init(struct ih_hist *h);

/* Frees H's buckets and makes it empty again.  Cannot fail. */
void ih_hist_fini(struct ih_hist *h);

/* Records one value.  Returns 0, or -1 when the bucket array cannot be
 * allocated (H is then unchanged). */
int ih_hist_add(struct ih_hist *h, uint64_t v);

/* Bucket index of V, and the inclusive bounds of bucket IDX
 * (IDX < IH_HIST_NBUCKETS).  Pure functions, inline: the regression
 * verdicts (analyzer/regress/blocks.c) index hop_block's buckets by them
 * without linking the store. */
static inline size_t ih_hist_index(uint64_t v)
{
	unsigned e, shift;

	if (v < 2 * IH_HIST_SUB)
		return (size_t)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	shift = e - IH_HIST_SUB_BITS;
	/* (shift + 1) * SUB + (v >> shift) - SUB: the top 8 significant bits
	 * of v select the sub-bucket inside its power of two. */
	return (size_t)shift * IH_HIST_SUB + (size_t)(v >> shift);
}

static inline uint64_t ih_hist_bucket_lo(size_t idx)
{
	unsigned shift;

	if (idx < 2 * IH_HIST_SUB)
		return idx;
	shift = (unsigned)(idx / IH_HIST_SUB) - 1;
	return (uint64_t)(idx % IH_HIST_SUB + IH_HIST_SUB) << shift;
}

static inline uint64_t ih_hist_bucket_hi(size_t idx)
{
	unsigned shift;

	if (idx < 2 * IH_HIST_SUB)
		return idx;
	shift = (unsigned)(idx / IH_HIST_SUB) - 1;
	return ih_hist_bucket_lo(idx) + ((uint64_t)1 << shift) - 1;
}

/* Nearest-rank percentile, Q in (0, 1]: the upper bound of the first bucket
 * whose cumulative count reaches Q * count, clamped to the exact max (the
 * same rule as the hop_stats view).  Returns 0 for an empty histogram. */
uint64_t ih_hist_percentile(const struct ih_hist *h, double q);
#endif
