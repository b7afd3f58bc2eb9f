/*
 * ih_store.h - writing one analyzed run into an irqhop database.
 *
 * A run is one SQLite transaction: ih_store_open() begins it and inserts the
 * run row, ih_store_add_irq() queues interrupt rows, ih_store_finish() writes
 * the histograms and summaries, completes the run row, creates the indexes
 * and commits; ih_store_abort() rolls everything back.  Nothing of a run is
 * visible unless ih_store_finish() succeeded.
 *
 * irq rows are inserted by a writer thread fed through a bounded queue of
 * row batches, so trace decoding does not wait on SQLite; the histograms
 * (hop_hist, hop_summary) are built in memory by the caller's thread as rows
 * are queued.  The caller's thread must not touch the database between open
 * and finish/abort: the writer thread owns the connection then.
 */
#ifndef IH_STORE_H
#define IH_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyzer/ih_hist.h"
#include "analyzer/ih_rec.h"

/* Everything the run row holds besides what ih_store_open() got.  Strings
 * may be NULL (stored as NULL, or '' for the NOT NULL columns). */
struct ih_store_run {
	const char *label;
	const char *host;
	const char *trace;
	const char *trace_uuid;
	const char *tasklet_mode;
	const char *notifier_mode;
	const char *scenario;
	bool has_times;
	int64_t start_ns, end_ns;
	uint64_t events;
	uint64_t discarded;
	bool has_run_end;
	uint64_t irqs_raised, irqs_acked, host_steal_ns, host_total_ns;
};

/* What a committed run holds (for summaries). */
struct ih_store_result {
	int64_t run_id;
	uint64_t irqs;
	uint64_t incomplete;
};

struct ih_store;

/* Opens DB_PATH (creating or migrating it through ih_db_open_rw), begins the
 * run's transaction, inserts the run row (TRACE and LABEL so far) and starts
 * the writer thread.  On failure returns NULL with one line in err (naming
 * the database and the problem) and leaves the database unchanged. */
struct ih_store *ih_store_open(const char *db_path, const char *trace, const char *label,
			       char *err, size_t errlen);

/* Queues one interrupt row and adds its hops to the run's histograms.
 * Blocks while the writer is too far behind (bounded memory).  Returns 0, or
 * -1 with err set when out of memory or when the writer failed. */
int ih_store_add_irq(struct ih_store *st, const struct ih_rec_row *row, char *err, size_t errlen);

/* Histogram of one path's hop (IH_HOP_TOTAL: complete interrupts' total). */
const struct ih_hist *ih_store_hist(const struct ih_store *st, enum ih_path path, enum ih_hop hop);

/* Drains the queue, stops the writer, writes hop_hist and hop_summary,
 * completes the run row from RUN, creates the indexes and commits.  Refuses
 * a trace UUID already in the database.  Returns 0 with *res filled, or -1
 * with err set after rolling the whole run back.  Either way ST is then only
 * good for ih_store_destroy(). */
int ih_store_finish(struct ih_store *st, const struct ih_store_run *run,
		    struct ih_store_result *res, char *err, size_t errlen);

/* Stops the writer and rolls the run back, if still open; frees ST.  NULL is
 * accepted.  Cannot fail (a failed ROLLBACK leaves SQLite to roll back the
 * transaction when the connection closes). */
void ih_store_destroy(struct ih_store *st);
#endif
