/*
 * analyzer/store/store.h - writing analyzed runs into an irqhop database.
 *
 * A store is one SQLite transaction holding one or more runs (one per
 * trace): ih_store_open() begins it, ih_store_run_begin() inserts a run row,
 * ih_store_add_irq() queues its interrupt rows, ih_store_run_finish() writes
 * its histograms, summaries and steal tables, ih_store_commit() writes the
 * last parts of the hop orders and commits; ih_store_destroy() before that rolls everything back.
 * Nothing of a run is visible unless ih_store_commit() succeeded.
 *
 * irq rows are inserted by a writer thread fed through a bounded queue of
 * row batches, so trace decoding does not wait on SQLite; the histograms
 * (hop_hist, hop_summary) are built in memory by the caller's thread as rows
 * are queued.  The two threads share the connection under a mutex (the
 * writer holds it for one batch at a time).  The writer also collects each
 * hop's (duration, irq_id) pairs and writes them sorted, in parts of
 * bounded size, into hop_order (schemas/order.h) as it goes, so nothing
 * is left to index after decoding.
 */
#ifndef IH_STORE_H
#define IH_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyzer/store/hist.h"
#include "analyzer/reconstruct/rec.h"

/* One vCPU of the run (vcpu table), from run_begin's scenario. */
struct ih_store_vcpu {
	const char *guest;	/* guest name */
	const char *kind;	/* "idle" | "busy" */
	int64_t pcpu;		/* home pCPU, -1 if unknown */
	/* Kernel runs: the vCPU's host thread ("CPU n/KVM"); NULL otherwise. */
	const char *thread;
	int64_t tid;
};

/* Everything the run row holds besides what ih_store_run_begin() got.
 * Strings may be NULL (stored as NULL, or '' for the NOT NULL columns). */
struct ih_store_run_info {
	const char *label;
	const char *host;
	const char *trace;
	const char *tasklet_mode;
	const char *notifier_mode;
	const char *scenario;
	bool has_times;
	int64_t start_ns, end_ns;
	uint64_t events;
	uint64_t discarded;
	bool has_run_end;
	uint64_t irqs_raised, irqs_acked, host_steal_ns, host_total_ns;
	/* vcpu table (index = vCPU id); guest names of lock_stat's event locks
	 * are taken from the vCPUs' guests in order. */
	const struct ih_store_vcpu *vcpus;
	size_t nvcpus;
	const char *const *guests;	/* guest names by index, for lock names */
	size_t nguests;
};

/* What a committed run holds (for summaries). */
struct ih_store_result {
	int64_t run_id;
	uint64_t irqs;
	uint64_t incomplete;
	int64_t replaced;	/* id of the run --replace deleted, 0 if none */
};

struct ih_store;
struct ih_store_run;
struct ih_steal;

/* Opens DB_PATH (creating or migrating it through ih_db_open_rw), begins the
 * transaction that will hold every run of this store (BEGIN IMMEDIATE: a
 * database another writer holds fails here, after the busy timeout, before
 * any decoding) and starts the writer thread.  On failure returns NULL with
 * one line in err (naming the database and the problem) and leaves the
 * database unchanged (a file it created is removed again). */
struct ih_store *ih_store_open(const char *db_path, char *err, size_t errlen);

/* Looks up trace UUID in DB_PATH without opening a transaction (for refusing
 * a duplicate before decoding).  *run_id = the run that holds it, 0 if none
 * (also when the file or its run table does not exist).  Returns 0, or -1
 * with err set when the file cannot be read. */
int ih_store_lookup_uuid(const char *db_path, const char *uuid, int64_t *run_id, char *err,
			 size_t errlen);

/* Starts a run: refuses UUID (may be NULL) when a committed run already
 * holds it ("trace T (uuid U) was already analyzed as run N"), unless
 * REPLACE: that run is then deleted in this transaction.  Inserts the run
 * row.  Returns the run (owned by ST), or NULL with err set; on failure the
 * transaction stays usable only for ih_store_destroy(). */
struct ih_store_run *ih_store_run_begin(struct ih_store *st, const char *trace, const char *uuid,
					bool replace, char *err, size_t errlen);

/* Queues one interrupt row of RUN and adds its hops to the run's histograms.
 * Blocks while the writer is too far behind (bounded memory).  Returns 0, or
 * -1 with err set when out of memory or when the writer failed. */
int ih_store_add_irq(struct ih_store_run *run, const struct ih_rec_row *row, char *err, size_t errlen);

/* Writes what the run holds besides its interrupts: hop_hist, hop_summary,
 * hop_block (each hop per span of time, schemas/blocks.h),
 * path_summary, vcpu, steal, pcpu_stat and lock_stat (from STEAL, finished,
 * may be NULL), completes the run row from INFO and fills *res.  Returns 0,
 * or -1 with err set (the caller must then destroy the store: nothing is
 * committed). */
int ih_store_run_finish(struct ih_store_run *run, const struct ih_store_run_info *info,
			const struct ih_steal *steal, struct ih_store_result *res, char *err, size_t errlen);

/* Seconds spent by ih_store_commit() (for the sink's INFO log and the
 * benchmarks): waiting for the writer to drain the queue, writing the last
 * hop-order parts and the indexes of schemas/indexes.sql, and the COMMIT
 * itself (with SQLite's WAL checkpoint); and the writer thread's CPU time
 * (bench/writer.c reports it per interrupt). */
struct ih_store_times {
	double drain_s, index_s, commit_s;
	/* CPU seconds of the writer thread over its whole life (its inserts
	 * and hop-order parts; CLOCK_THREAD_CPUTIME_ID, read as it exits): set
	 * once ih_store_commit() joined it, 0 before. */
	double writer_cpu_s;
};
const struct ih_store_times *ih_store_times(const struct ih_store *st);

/* Drains the queue, stops the writer, writes the last hop-order parts,
 * creates the indexes and commits every
 * finished run.  Returns 0, or -1 with err set after rolling everything
 * back.  Either way ST is then only good for ih_store_destroy(). */
int ih_store_commit(struct ih_store *st, char *err, size_t errlen);

/* Drops RUN from the store's transaction (its trace failed while others of
 * the same store go on): ih_store_commit() deletes its row and everything
 * of it, so the others commit without it.  Call it from RUN's own thread,
 * once nothing more is added to RUN.  Cannot fail. */
void ih_store_run_drop(struct ih_store_run *run);

/* Stops the writer and rolls back what is not committed; frees ST.  A
 * database file that ih_store_open() created and that never got a commit is
 * removed.  NULL is accepted.  Cannot fail (a failed ROLLBACK leaves SQLite
 * to roll back the transaction when the connection closes). */
void ih_store_destroy(struct ih_store *st);

/* Test hook, called at the named points of a run ("decoding", "finishing",
 * "indexing", "committing").  Does nothing in shipped binaries; in the test
 * program tests/irqhop-testhooks it stops the process with SIGSTOP when
 * IRQHOP_TEST_STOP_AT equals NAME, so a test can SIGKILL it at exactly that
 * point (analyzer/store/testpoint.c says how).  Cannot fail. */
void ih_test_point(const char *name);
#endif
