/*
 * analyzer/export/perfetto.h - a selection of one run's interrupts as a
 * trace that ui.perfetto.dev opens (Chrome Trace Event JSON; docs/export.md
 * says why this format and what it costs).
 *
 * Contract.  ih_export_perfetto() reads an irqhop database (opened with
 * ih_db_open_ro(), schemas/db.h) and writes one JSON document to a stream:
 *   - one "X" slice per hop of every selected interrupt, its duration the
 *     stored hop column exactly (ts and dur are fractional microseconds
 *     from the run's first event, see below);
 *   - one track per thread a hop ran on (pCPU, tasklet pCPU, I/O thread,
 *     workqueue worker, vCPU thread), grouped in one process per kind of
 *     thread; where hops of different interrupts overlap on one thread they
 *     are spread over extra rows of that thread ("pCPU 1 #2"), because
 *     Perfetto's importer drops a slice that crosses another's end on the
 *     same track;
 *   - flow arrows (the v2 bind_id / flow_in / flow_out form) chaining each
 *     interrupt's hops in path order;
 *   - the interrupt's irq row (every non-NULL column but the hops'
 *     durations) in each slice's args;
 *   - one counter track per vCPU of the run: its steal (runnable + offline
 *     time as a percentage of the window) per steal window, over the span
 *     of the exported slices.
 * The paths, their hops and the events that end them come from hop_def,
 * the durations from the irq column named HOP_ns (or hop_def.col where a
 * migration adds that column): nothing here lists the paths.
 *
 * Timestamps: ts = (instant - origin) in µs with three decimals and a
 * trailing 5 (half a nanosecond): Perfetto converts a fractional µs value
 * with a truncating double multiplication, which turns "1.005" into 1004 ns;
 * with the half nanosecond it lands on the stored nanosecond in every one
 * of its code paths.  origin is the run's start_ns (or the earliest instant
 * written, if earlier), written as otherData.irqhop.origin_ns.
 *
 * Errors: returns 0, or one of the negative IH_EXPORT_E* codes with one line
 * in err naming the problem.  The stream may hold a partial document then:
 * the caller writes to a temporary file or buffer and discards it (the CLI
 * renames a temporary file into place only on success).
 * Thread-safety: none beyond SQLite's own; one call per connection at a time.
 */
#ifndef IH_EXPORT_PERFETTO_H
#define IH_EXPORT_PERFETTO_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

/* Interrupts a selection may hold unless the caller says otherwise, and
 * the most it may ever hold.  About 2.6 KB of JSON per interrupt of five
 * hops (docs/export.md has the measured figures): 20 000 interrupts make a
 * file of ~55 MB; the limit, ~260 MB, stays under the few hundred MB where
 * Perfetto's UI starts to struggle, and the byte cap below holds whatever
 * the hop count. */
#define IH_EXPORT_MAX_DEFAULT 20000
#define IH_EXPORT_MAX_LIMIT 100000
/* Hard cap on the bytes written, whatever the interrupt count. */
#define IH_EXPORT_MAX_BYTES (256ull << 20)

enum ih_export_kind {
	IH_EXPORT_SLOWEST = 1,	/* the N slowest complete interrupts (total_ns) */
	IH_EXPORT_BUCKET,	/* PATH's interrupts whose HOP lasted LO..HI ns */
	IH_EXPORT_IRQS,		/* the given irq ids */
	IH_EXPORT_WINDOW,	/* interrupts starting in [LO, HI) ns from the run's start */
};

struct ih_export_sel {
	int64_t run_id;
	enum ih_export_kind kind;
	uint64_t slowest;		/* SLOWEST: N >= 1 */
	const char *path, *hop;		/* BUCKET: a hop of hop_def, or "total" */
	uint64_t lo_ns, hi_ns;		/* BUCKET: inclusive; WINDOW: [lo, hi) */
	const int64_t *irqs;		/* IRQS: ids (repeats are exported once) */
	size_t nirqs;
	size_t max_irqs;		/* cap; 0 means IH_EXPORT_MAX_DEFAULT */
};

/* What was written. */
struct ih_export_stats {
	size_t irqs;		/* interrupts exported */
	size_t slices;		/* X events (hops) */
	size_t flows;		/* flow arrows (slice-to-slice links) */
	size_t threads;		/* threads (pCPU, I/O thread, worker, vCPU...) */
	size_t tracks;		/* thread tracks, overlap rows included */
	size_t counters;	/* counter samples */
	uint64_t bytes;		/* bytes written to the stream */
};

enum ih_export_err {
	IH_EXPORT_EDB = -1,	/* SQLite, memory or write failure */
	IH_EXPORT_ENOTFOUND = -2,	/* no such run, or no such interrupt (IRQS) */
	IH_EXPORT_ESEL = -3,	/* selection malformed, names no path or hop, or is empty */
	IH_EXPORT_ETOOBIG = -4,	/* more interrupts (or bytes) than the cap */
};

/* Writes the trace of SEL (run SEL->run_id of DB) to OUT.  DB_NAME (may be
 * NULL) is recorded in otherData.  ST (may be NULL) receives the counts.
 * Returns 0 or an IH_EXPORT_E* code with err set (see the header comment). */
int ih_export_perfetto(sqlite3 *db, const char *db_name, const struct ih_export_sel *sel, FILE *out,
		       struct ih_export_stats *st, char *err, size_t errlen);
#endif
