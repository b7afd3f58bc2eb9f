/*
 * schemas/blocks.h - each hop's histogram per span of time (table
 * hop_block, schema v7): what the regression verdicts' block bootstrap
 * resamples (analyzer/regress, docs/regress.md), written at ingest so that
 * a comparison reads a few hundred rows instead of every interrupt.
 *
 * Spans.  A run is cut into IH_BLOCKS spans of time by its interrupts'
 * start_ns, t0 (the first start) to t1 (the last), on a grid that can be
 * built while the interrupts stream in, before t1 is known: the slices
 * [j 2^k, (j + 1) 2^k) of the (order-preserving, unsigned) start
 * u = start_ns XOR 2^63, with k the smallest shift for which t0 .. t1 spans
 * at most IH_BLOCK_SLICES slices (ih_block_shift).  Of the R slices from
 * t0's to t1's, slice i (counted from t0's) belongs to block
 * i * IH_BLOCKS / R (ih_block_of): IH_BLOCKS spans of R / IH_BLOCKS slices
 * (within one; R > IH_BLOCK_SLICES / 2 - 1 since k is the smallest), so a
 * span's ends lie within one slice (1 / 16 of a span at most) of the exact
 * (t1 - t0) / IH_BLOCKS cut of schema v6 and before.  Why a grid: the writer does not know t1
 * until the run ends, and keeping every interrupt's start to cut exact
 * spans then would make its memory grow with the trace; with the grid it
 * keeps one histogram per slice (bounded by IH_BLOCK_SLICES) and merges
 * neighbours when k grows.  Because k is the smallest that fits, the grid
 * (and so every block) depends only on the set of starts, not on the order
 * the interrupts arrive in.
 *
 * Layout: one row per (run, path, hop, block) with at least one value:
 *   hop_block(run_id, path, hop, block, start_ns, end_ns, count, buckets)
 * start_ns .. end_ns the block's span (inclusive), count its values,
 * buckets a blob of (hi_ns delta, count) pairs, each two unsigned LEB128
 * varints, ascending: hi_ns is the bucket's upper bound in hop_hist's
 * buckets (analyzer/store/hist.h), minus the previous pair's hi_ns (0 for
 * the first); counts are > 0.  Summed over a (run, path, hop)'s blocks the
 * buckets are exactly its hop_hist rows.  Hops and values are those of
 * hop_hist: every measured hop, also of broken paths; 'total' of complete
 * interrupts.
 *
 * Runs analyzed before schema v7 have no hop_block rows; readers fall back
 * to the irq table (analyzer/regress does).
 *
 * Pure functions; thread-safe.
 */
#ifndef IH_BLOCKS_H
#define IH_BLOCKS_H
#include <stddef.h>
#include <stdint.h>

/* Spans of time per run (the block bootstrap's blocks). */
#define IH_BLOCKS 32
/* Most grid slices between the first and the last start. */
#define IH_BLOCK_SLICES 1024

/* A start on the unsigned, order-preserving scale of the grid. */
static inline uint64_t ih_block_u(int64_t start_ns)
{
	return (uint64_t)start_ns ^ (UINT64_C(1) << 63);
}

/* The number of grid slices from U0's to U1's (U0 <= U1) at shift K. */
static inline uint64_t ih_block_nslices(uint64_t u0, uint64_t u1, unsigned k)
{
	return (u1 >> k) - (u0 >> k) + 1;
}

/* The grid's shift for starts from U0 to U1 (U0 <= U1): the smallest k
 * with ih_block_nslices(u0, u1, k) <= IH_BLOCK_SLICES. */
unsigned ih_block_shift(uint64_t u0, uint64_t u1);

/* Block (0 .. IH_BLOCKS - 1) of the grid slice S at shift K, for starts
 * from U0 to U1 (U0 <= U1, u0 >> k <= S <= u1 >> k). */
static inline unsigned ih_block_of_slice(uint64_t s, uint64_t u0, uint64_t u1, unsigned k)
{
	return (unsigned)((s - (u0 >> k)) * IH_BLOCKS / ih_block_nslices(u0, u1, k));
}

/* Block of START_NS in a run whose starts go from T0 to T1. */
static inline unsigned ih_block_of(int64_t start_ns, int64_t t0, int64_t t1)
{
	uint64_t u0 = ih_block_u(t0), u1 = ih_block_u(t1);
	unsigned k = ih_block_shift(u0, u1);

	return ih_block_of_slice(ih_block_u(start_ns) >> k, u0, u1, k);
}

#endif
