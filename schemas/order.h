/*
 * schemas/order.h - each hop's interrupts in order of duration (table hop_order,
 * schema v5): what answers "which interrupts lie behind this histogram
 * bucket" and "the slowest N" without an index over the irq table.
 *
 * Why not indexes: one index per (path, hop) over the wide irq table cost
 * 0.7 s per million interrupts each, built after the bulk insert, on the
 * critical path of `irqhop analyze` (11 s of a 22 s ingest of 10.7 M events).
 * The analyzer already holds every hop duration as it queues a row, so its
 * writer thread (which has time to spare while the decoder runs) sorts them
 * in bounded parts and stores each part as compressed segments, in
 * parallel with decoding.
 *
 * Layout.  For one (run, path, hop) there are one or more parts; a part is
 * a run of (dur_ns, irq_id) pairs sorted by (dur_ns, irq_id), cut into
 * segments (below); one row per segment:
 *   hop_order(run_id, path, hop, part, max_ns, seg, min_ns, count, pairs)
 * with PRIMARY KEY (run_id, path, hop, part, max_ns, seg), so the first
 * segment of a part that can hold a duration >= lo is one key seek.  pairs is
 * a blob of COUNT entries, each two unsigned LEB128 varints: dur_ns minus the
 * previous entry's dur_ns (min_ns for the first), then irq_id.  Parts are
 * disjoint in interrupts, not in durations: a reader merges them.
 *
 * Hop 'total' holds complete interrupts' total_ns (the irq column), every
 * other hop the hop column of every interrupt that has it (also on broken
 * paths), exactly the rows of the hop view.
 *
 * Errors: functions return 0 on success, -1 on failure with one line in err
 * (the SQLite problem), writing nothing more (the caller's transaction is
 * what makes a run all-or-nothing).  Not thread-safe per connection: the
 * caller serializes use of DB (the analyzer holds its connection mutex).
 */
#ifndef IH_ORDER_H
#define IH_ORDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* A segment holds at most IH_ORDER_SEG pairs and stops growing once its
 * blob reaches IH_ORDER_SEG_BYTES (a pair takes 2 to 20 bytes): rows of a
 * WITHOUT ROWID table keep at most ~1000 bytes in their page (4 KiB pages)
 * and spill the rest to an overflow page of its own, so a 2 KB segment
 * would cost two pages, mostly empty. */
#define IH_ORDER_SEG 256
#define IH_ORDER_SEG_BYTES 880

struct ih_order_pair {
	uint64_t dur_ns;
	uint64_t irq_id;
};

/* Sorts PAIRS[0..N) by (dur_ns, irq_id) in place: the project's one radix
 * sort (stable LSD, byte passes, skipping a byte equal in every pair), also
 * used by analyzer/regress for its samples.  It allocates a scratch array
 * of N pairs before sorting; -1 when out of memory (PAIRS then unchanged). */
int ih_order_sort(struct ih_order_pair *pairs, size_t n);

/* Sorts PAIRS[0..N) by (dur_ns, irq_id) in place (ih_order_sort) and writes them as part PART
 * of (RUN_ID, PATH, HOP).  N = 0 writes nothing.  -1 with err set when out
 * of memory or when an insert fails. */
int ih_order_write_part(sqlite3 *db, int64_t run_id, const char *path, const char *hop, int64_t part,
			struct ih_order_pair *pairs, size_t n, char *err, size_t errlen);

/* The pairs of (RUN_ID, PATH, HOP) with LO <= dur_ns <= HI, ascending by
 * (dur_ns, irq_id), at most N of them into OUT (room for N); *NOUT = how
 * many, *MORE = whether more matched.  -1 with err set. */
int ih_order_range(sqlite3 *db, int64_t run_id, const char *path, const char *hop, uint64_t lo,
		   uint64_t hi, size_t n, struct ih_order_pair *out, size_t *nout, bool *more, char *err,
		   size_t errlen);

/* The N pairs of (RUN_ID, PATH, HOP) with the largest dur_ns, by dur_ns
 * descending then irq_id ascending, into OUT (room for N); *NOUT = how many.
 * -1 with err set. */
int ih_order_top(sqlite3 *db, int64_t run_id, const char *path, const char *hop, size_t n,
		 struct ih_order_pair *out, size_t *nout, char *err, size_t errlen);

/* qsort() comparator of pairs: dur_ns descending, then irq_id ascending
 * (the order of ih_order_top; callers merging several tops use it). */
int ih_order_cmp_desc(const void *x, const void *y);

/* Rebuilds hop_order for every run from the irq table (migration to schema
 * v5 of runs analyzed before it; one part per hop, sorted by SQLite).  The
 * hops of each path come from hop_def, plus 'total'.  -1 with err set. */
int ih_order_rebuild(sqlite3 *db, char *err, size_t errlen);
/* Unsigned LEB128 varints of hop_order's pairs (and of hop_block's buckets,
 * schemas/blocks.h).  ih_varint_put writes V at P (room for 10 bytes) and
 * returns its length; ih_varint_get reads one from [*p, end) and advances
 * *p, returning -1 on a truncated or overlong one (inline: readers decode
 * hundreds of thousands per request). */
size_t ih_varint_put(uint8_t *p, uint64_t v);

static inline int ih_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;

		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}
#endif
