/*
 * analyzer/reconstruct/rec.h - reconstruction of interrupt paths from irqhop events.
 *
 * This is the analyzer's core, independent of Babeltrace and SQLite so it can
 * be fed synthetic event sequences by unit tests.  The caller (the sink) feeds
 * events in timestamp order; ih_rec emits one row per interrupt through a
 * callback: at its vcpu_ack (complete, or incomplete when an earlier event was
 * lost), or at ih_rec_flush() for interrupts still in flight at the end.
 *
 * Reconstruction is exact, by irq_id (docs/design.md §5; docs/analyzer.md gives
 * the rules).  Memory: only in-flight interrupts are kept (a hash table keyed
 * by irq_id) plus one tasklet bracket per thread (keyed by vtid).
 *
 * Not thread-safe: one ih_rec per decoding thread.
 */
#ifndef IH_REC_H
#define IH_REC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyzer/reconstruct/catalogue.h"

/* One event, already decoded.  Only the fields the event carries are
 * meaningful (see collector/events/irqhop_tp.h); the others must be zero. */
struct ih_rec_event {
	enum ih_ev kind;
	int64_t ts;		/* ns from the clock's origin */
	uint64_t irq_id;
	int64_t vtid;		/* vtid context, meaningful when has_vtid */
	bool has_vtid;
	uint32_t pcpu;
	uint32_t vcpu;
	uint32_t source;
	uint32_t vector;
	uint32_t target_pcpu;
	uint32_t efd;
	uint32_t worker;
	uint64_t tasklet;
	uint64_t work;
	uint64_t lock_wait_ns;
	uint64_t vm_lock_wait_ns;
	uint8_t mode;
	uint8_t queued;
};

/* Columns of an irq row that may be NULL.  The hop columns come first and
 * are indexed by enum ih_hop (IH_COL_TOTAL == IH_HOP_TOTAL). */
enum ih_col {
	IH_COL_TOTAL = IH_HOP_TOTAL,
	IH_COL_SOURCE = IH_HOP_COUNT_,
	IH_COL_VECTOR,
	IH_COL_PCPU,
	IH_COL_VCPU,
	IH_COL_ACK,
	IH_COL_SCHED_LOCK,
	IH_COL_RUN_LOCK,
	IH_COL_VM_LOCK,
	IH_COL_TASK_PCPU,
	IH_COL_ACK_PCPU,
	IH_COL_WORKER,
	IH_COL_COUNT_
};

/* One interrupt, as written to the irq table. */
struct ih_rec_row {
	uint64_t irq_id;
	enum ih_path path;
	int64_t start_ns;	/* first event of the path (first seen if lost) */
	bool complete;
	int broken_hop;		/* enum ih_hop, -1 when complete */
	uint32_t set;		/* bit (1u << IH_COL_x) set when col[x] is not NULL */
	int64_t col[IH_COL_COUNT_];
};

static inline bool ih_rec_row_has(const struct ih_rec_row *r, enum ih_col c)
{
	return (r->set >> c) & 1u;
}

/* Called for each finished interrupt.  The row is only valid during the call.
 * A nonzero return stops ingestion: ih_rec_feed()/ih_rec_flush() return -1. */
typedef int (*ih_rec_emit_fn)(void *ctx, const struct ih_rec_row *row);

struct ih_rec_stats {
	uint64_t events;	/* events fed */
	uint64_t irqs;		/* rows emitted */
	uint64_t incomplete;	/* of which complete = 0 */
	uint64_t orphans;	/* interrupts whose start event was never seen */
	uint64_t clamped;	/* hop boundaries moved forward (see docs) */
	uint64_t inflight_max;	/* peak size of the in-flight table */
};

struct ih_rec;

/* Creates a reconstruction state.  Returns NULL when out of memory. */
struct ih_rec *ih_rec_create(ih_rec_emit_fn emit, void *ctx);

/* Frees REC and every in-flight interrupt without emitting them.  NULL is
 * accepted. */
void ih_rec_destroy(struct ih_rec *rec);

/* Feeds one event.  Events must come in timestamp order (ties in any order).
 * Returns 0, or -1 when out of memory or when the emit callback failed (REC
 * is then only good for ih_rec_destroy()). */
int ih_rec_feed(struct ih_rec *rec, const struct ih_rec_event *ev);

/* Tells REC that events may have been lost in [BEGIN_NS, UNTIL_NS] (a
 * discarded-events message, fed at its range's beginning; INT64_MIN for
 * either when unknown).  The lost events may sit anywhere in the range, after
 * every event of their stream up to BEGIN_NS, so no tasklet bracket that
 * spans part of it is trusted: an inject later than BEGIN_NS is not attached
 * to a bracket open at the message, and a bracket opened at or before
 * UNTIL_NS is never used.  Injects are then never attached to a run whose
 * tasklet_exit (and the next run's entry) may have been lost: their
 * interrupts are stored incomplete (queue and assist NULL) instead.  An
 * inject at BEGIN_NS keeps its bracket, whichever side of the message it
 * comes.  Cannot fail. */
void ih_rec_discontinuity(struct ih_rec *rec, int64_t begin_ns, int64_t until_ns);

/* Emits every interrupt still in flight as incomplete, in irq_id order, and
 * forgets them.  Returns 0, or -1 as ih_rec_feed(). */
int ih_rec_flush(struct ih_rec *rec);

/* Number of interrupts in flight now. */
size_t ih_rec_inflight(const struct ih_rec *rec);

const struct ih_rec_stats *ih_rec_stats(const struct ih_rec *rec);
#endif
