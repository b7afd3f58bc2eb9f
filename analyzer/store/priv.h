/*
 * analyzer/store/priv.h - what the files of the store share (its contract is
 * store.h).  One file per concept:
 *   open.c     opening the database and its transaction, run rows, refusing
 *              or replacing a trace already analyzed
 *   writer.c   the writer thread, its bounded batch queue, irq row inserts
 *   order.c    each hop's (duration, irq_id) pairs, written in sorted parts
 *              into hop_order
  *   tables.c   a run's histograms, percentiles, steal tables and run row
 *   commit.c   the last hop-order parts, indexes and COMMIT; rollback and
 *              freeing
 *   blocks.c   each hop's histogram per span of time (hop_block), for the
 *              regression verdicts
 *   testpoint.c the test hook's shipped (no-op) definition
 */
#ifndef IH_STORE_PRIV_H
#define IH_STORE_PRIV_H
#include "analyzer/store/store.h"
#include "schemas/order.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Rows per batch and batches in flight: about 2 MiB of queued rows at most,
 * enough to ride out a WAL checkpoint without stalling the decoder for long. */
#define STORE_BATCH_ROWS 1024
#define STORE_MAX_QUEUED 8

/* Pairs per sorted part of one hop's order (hop_order, schemas/order.h):
 * 1 MiB per hop at most, so memory stays flat with the trace's size while
 * a hop of 10 M interrupts still has only ~150 parts for readers to merge. */
#define STORE_ORDER_PART ((size_t)1 << 16)

struct store_blocks;
/* The irq INSERT (writer.c): STORE_IRQ_PARAMS parameters per row, and
 * STORE_INS_ROWS rows per step of the multi-row statement.  A step of 32
 * rows does what SQLite does once per statement (opening cursors and the
 * transaction's savepoint, halting) 32 times less often: 28 % of the
 * writer's instructions (docs/benchmarks.md, "Writer CPU per interrupt"). */
#define STORE_IRQ_PARAMS 30
#define STORE_INS_ROWS 32

/* What one parameter of an INSERT was last bound to: SQLite keeps bindings
 * across sqlite3_reset(), so a value equal to the one bound before (NULL
 * columns of the path, vector, run_id, the path's name) is not bound again. */
struct store_bound {
	int64_t v;		/* STORE_BOUND_INT */
	const char *text;	/* STORE_BOUND_TEXT: a static string, by pointer */
	enum { STORE_BOUND_NONE, STORE_BOUND_NULL, STORE_BOUND_INT, STORE_BOUND_TEXT } kind;
};

/* A prepared irq INSERT of ROWS rows and what its parameters hold. */
struct store_ins {
	sqlite3_stmt *s;
	int rows;
	struct store_bound bound[STORE_INS_ROWS * STORE_IRQ_PARAMS];
};

struct store_batch {
	struct store_batch *next;
	struct ih_store_run *run;
	int64_t run_id;
	size_t n;
	struct ih_rec_row rows[STORE_BATCH_ROWS];
};

/* One (path, hop) of a run's hop_order being collected: touched by the
 * writer thread while it runs, then (after it is joined) by the thread that
 * commits. */
struct store_order {
	struct ih_order_pair *buf;
	size_t n, cap;
	int64_t parts;		/* parts written so far */
};

struct ih_store_run {
	struct ih_store *st;
	struct ih_store_run *next;
	int64_t run_id;
	int64_t replaced;	/* run deleted by replace, 0 if none */
	char *uuid;		/* set on the run row by ih_store_run_finish */
	bool dropped;		/* ih_store_run_drop: deleted at the commit */
	struct store_batch *cur;	/* being filled by the caller's thread */
	uint64_t irqs, incomplete;
	uint64_t path_irqs[IH_PATH_COUNT_], path_complete[IH_PATH_COUNT_];
	struct ih_hist hist[IH_PATH_COUNT_][IH_HOP_COUNT_];
	struct store_order order[IH_PATH_COUNT_][IH_HOP_COUNT_];
	struct store_blocks *blocks;	/* blocks.c; NULL until the first row */
};

struct ih_store {
	sqlite3 *db;
	char *path;
	bool created;		/* the file did not exist before ih_store_open */
	bool committed;
	bool in_txn;
	struct store_ins ins_one, ins_many;	/* writer.c: 1 and STORE_INS_ROWS rows */
	pthread_mutex_t dbmu;	/* the connection, shared by both threads */
	struct ih_store_run *runs;

	/* Writer thread and its queue (mutex-protected unless noted). */
	pthread_t writer;
	bool writer_running;	/* caller's thread only */
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	pthread_cond_t space;
	struct store_batch *head, *tail;
	size_t queued;
	struct store_batch *free_list;
	bool closing;
	atomic_bool werr;	/* writer failed: werr_msg is set */
	char werr_msg[512];
	struct ih_store_times times;
};

/* open.c: runs SQL; -1 with err set ("database P: WHAT: why").  Caller holds
 * dbmu (or the writer is not running). */
int store_exec(struct ih_store *st, const char *sql, const char *what, char *err, size_t errlen);
/* open.c: deletes run ID and its rows in every table referencing run(id)
 * (the store's connection does not enforce foreign keys).  -1 with err set.
 * Caller holds dbmu (or is the only thread). */
int store_delete_run(struct ih_store *st, int64_t id, char *err, size_t errlen);

/* writer.c: prepares the irq INSERTs (ins_one, ins_many); -1 with err set
 * ("database P: cannot prepare: why").  Before the writer starts. */
int store_prepare_inserts(struct ih_store *st, char *err, size_t errlen);
/* writer.c: finalizes them (NULL statements accepted).  Cannot fail. */
void store_finalize_inserts(struct ih_store *st);
/* writer.c: the writer thread's body (ARG: the store). */
void *store_writer_main(void *arg);
/* writer.c: hands RUN's batch being filled to the writer, waiting for
 * room.  -1 with err set when the writer has failed. */
int store_push(struct ih_store_run *run, char *err, size_t errlen);
/* writer.c: stops the writer after it drained the queue.  Safe to call
 * twice. */
void store_stop_writer(struct ih_store *st);

/* order.c: writes what (RUN, PATH, HOP)'s order holds as its next part;
 * -1 with err set.  Caller holds dbmu (or the writer is stopped). */
int store_order_flush(struct ih_store_run *run, int path, int hop, char *err, size_t errlen);
/* order.c: adds ROW's hop durations to RUN's hop order; -1 with err set.
 * Writer thread, holding dbmu. */
int store_order_add(struct ih_store_run *run, const struct ih_rec_row *row, char *err, size_t errlen);

/* blocks.c: adds ROW's hops to RUN's per-slice histograms (hop_block);
 * -1 with err set when out of memory.  The thread that queues rows. */
int store_blocks_add(struct ih_store_run *run, const struct ih_rec_row *row, char *err, size_t errlen);
/* blocks.c: writes RUN's hop_block rows; -1 with err set.  Caller holds
 * dbmu. */
int store_blocks_write(struct ih_store_run *run, char *err, size_t errlen);
/* blocks.c: frees what store_blocks_add built (NULL is accepted). */
void store_blocks_free(struct store_blocks *b);
#endif
