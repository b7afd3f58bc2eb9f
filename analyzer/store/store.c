/*
 * analyzer/store/store.c - one run into SQLite, see analyzer/store/store.h.
 */
#include "config.h"
#include "analyzer/store/store.h"
#include "analyzer/steal/steal.h"
#include "schemas/db.h"
#include "schemas/order.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Rows per batch and batches in flight: about 2 MiB of queued rows at most,
 * enough to ride out a WAL checkpoint without stalling the decoder for long. */
#define STORE_BATCH_ROWS 1024
#define STORE_MAX_QUEUED 8

/* Pairs per sorted part of one hop's order (hop_order, schemas/order.h):
 * 1 MiB per hop at most, so memory stays flat with the trace's size while
 * a hop of 10 M interrupts still has only ~150 parts for readers to merge. */
#define STORE_ORDER_PART ((size_t)1 << 16)

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
	struct store_batch *cur;	/* being filled by the caller's thread */
	uint64_t irqs, incomplete;
	uint64_t path_irqs[IH_PATH_COUNT_], path_complete[IH_PATH_COUNT_];
	struct ih_hist hist[IH_PATH_COUNT_][IH_HOP_COUNT_];
	struct store_order order[IH_PATH_COUNT_][IH_HOP_COUNT_];
};

struct ih_store {
	sqlite3 *db;
	char *path;
	bool created;		/* the file did not exist before ih_store_open */
	bool committed;
	bool in_txn;
	sqlite3_stmt *ins_irq;
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

static double store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char ins_irq_sql[] =
	"INSERT INTO irq (run_id, irq_id, path, source, vector, pcpu, vcpu, start_ns, "
	"ack_ns, total_ns, complete, broken_hop, delivery_ns, schedule_ns, queue_ns, "
	"assist_ns, callback_ns, defer_ns, worker_ns, inject_ns, guest_ns, "
	"sched_lock_wait_ns, run_lock_wait_ns, vm_lock_wait_ns, task_pcpu, ack_pcpu, worker, "
	"signal_ns, wake_ns, run_ns) "
	"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* irq columns after run_id/irq_id/path, in ins_irq_sql order, as ih_col
 * values; -1 marks the three non-col parameters (start, complete, broken). */
static const int ins_irq_cols[] = {
	IH_COL_SOURCE, IH_COL_VECTOR, IH_COL_PCPU, IH_COL_VCPU, -1 /* start_ns */,
	IH_COL_ACK, IH_COL_TOTAL, -1 /* complete */, -1 /* broken_hop */,
	IH_HOP_DELIVERY, IH_HOP_SCHEDULE, IH_HOP_QUEUE, IH_HOP_ASSIST, IH_HOP_CALLBACK,
	IH_HOP_DEFER, IH_HOP_WORKER, IH_HOP_INJECT, IH_HOP_GUEST,
	IH_COL_SCHED_LOCK, IH_COL_RUN_LOCK, IH_COL_VM_LOCK, IH_COL_TASK_PCPU,
	IH_COL_ACK_PCPU, IH_COL_WORKER,
	IH_HOP_SIGNAL, IH_HOP_WAKE, IH_HOP_RUN,
};

/* Inserts one row of run RUN_ID; returns an SQLite result code (SQLITE_DONE
 * on success).  Caller holds dbmu. */
static int store_insert_row(struct ih_store *st, int64_t run_id, const struct ih_rec_row *r)
{
	sqlite3_stmt *s = st->ins_irq;
	int p = 1, rc;

	sqlite3_bind_int64(s, p++, run_id);
	sqlite3_bind_int64(s, p++, (sqlite3_int64)r->irq_id);
	sqlite3_bind_text(s, p++, ih_cat_path_name(r->path), -1, SQLITE_STATIC);
	for (size_t i = 0; i < sizeof(ins_irq_cols) / sizeof(ins_irq_cols[0]); i++, p++) {
		int c = ins_irq_cols[i];

		if (c >= 0) {
			if (ih_rec_row_has(r, (enum ih_col)c))
				sqlite3_bind_int64(s, p, r->col[c]);
			else
				sqlite3_bind_null(s, p);
		} else if (p == 8) {
			sqlite3_bind_int64(s, p, r->start_ns);
		} else if (p == 11) {
			sqlite3_bind_int(s, p, r->complete);
		} else if (r->broken_hop >= 0) {
			sqlite3_bind_text(s, p, ih_cat_hop_name((enum ih_hop)r->broken_hop), -1,
					  SQLITE_STATIC);
		} else {
			sqlite3_bind_null(s, p);
		}
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc;
}

/* Sorts and writes what O holds as the next part of (RUN, PATH, HOP) and
 * empties it.  -1 with err set.  Caller holds dbmu (or the writer is
 * stopped). */
static int store_order_flush(struct ih_store_run *run, int path, int hop, char *err, size_t errlen)
{
	struct store_order *o = &run->order[path][hop];
	char e2[400];

	if (!o->n)
		return 0;
	if (ih_order_write_part(run->st->db, run->run_id, ih_cat_path_name((enum ih_path)path),
				ih_cat_hop_name((enum ih_hop)hop), o->parts, o->buf, o->n, e2, sizeof(e2))) {
		snprintf(err, errlen, "database %s: %s", run->st->path, e2);
		return -1;
	}
	o->parts++;
	o->n = 0;
	return 0;
}

/* Adds ROW's hop durations (and its total when complete) to RUN's hop
 * order, writing a part when one is full.  -1 with err set (out of memory
 * or a failed insert).  Writer thread, holding dbmu. */
static int store_order_add(struct ih_store_run *run, const struct ih_rec_row *row, char *err, size_t errlen)
{
	for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
		struct store_order *o = &run->order[row->path][hop];

		if (!ih_rec_row_has(row, (enum ih_col)hop))
			continue;
		if (o->n == o->cap) {
			size_t cap = o->cap ? 2 * o->cap : 4096;
			struct ih_order_pair *b = realloc(o->buf, cap * sizeof(*b));

			if (!b) {
				snprintf(err, errlen, "database %s: out of memory for the hop order", run->st->path);
				return -1;
			}
			o->buf = b;
			o->cap = cap;
		}
		o->buf[o->n].dur_ns = (uint64_t)row->col[hop];
		o->buf[o->n].irq_id = row->irq_id;
		if (++o->n == STORE_ORDER_PART && store_order_flush(run, row->path, hop, err, errlen))
			return -1;
	}
	return 0;
}

/* Writer thread: inserts queued batches until closing and the queue is
 * empty.  After an error it keeps draining (without inserting) so the
 * producer never blocks forever; the error is reported through werr. */
static void *store_writer_main(void *arg)
{
	struct ih_store *st = arg;

	/* Named, so that top -H and perf tell it from the decoding thread. */
	pthread_setname_np(pthread_self(), "irqhop-writer");
	pthread_mutex_lock(&st->lock);
	for (;;) {
		struct store_batch *b;

		while (!st->head && !st->closing)
			pthread_cond_wait(&st->nonempty, &st->lock);
		if (!st->head)
			break;
		b = st->head;
		st->head = b->next;
		if (!st->head)
			st->tail = NULL;
		st->queued--;
		pthread_mutex_unlock(&st->lock);

		pthread_mutex_lock(&st->dbmu);
		for (size_t i = 0; i < b->n && !atomic_load(&st->werr); i++) {
			if (store_insert_row(st, b->run_id, &b->rows[i]) != SQLITE_DONE) {
				snprintf(st->werr_msg, sizeof(st->werr_msg),
					 "database %s: cannot insert interrupt %llu: %s", st->path,
					 (unsigned long long)b->rows[i].irq_id, sqlite3_errmsg(st->db));
				atomic_store(&st->werr, true);
			} else if (store_order_add(b->run, &b->rows[i], st->werr_msg, sizeof(st->werr_msg))) {
				atomic_store(&st->werr, true);
			}
		}
		pthread_mutex_unlock(&st->dbmu);

		pthread_mutex_lock(&st->lock);
		b->next = st->free_list;
		st->free_list = b;
		pthread_cond_signal(&st->space);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* Hands RUN's batch being filled to the writer, waiting for room.  -1 with
 * err set when the writer has failed. */
static int store_push(struct ih_store_run *run, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	struct store_batch *b = run->cur;

	run->cur = NULL;
	pthread_mutex_lock(&st->lock);
	while (st->queued >= STORE_MAX_QUEUED && !atomic_load(&st->werr))
		pthread_cond_wait(&st->space, &st->lock);
	if (atomic_load(&st->werr)) {
		b->next = st->free_list;
		st->free_list = b;
		pthread_mutex_unlock(&st->lock);
		snprintf(err, errlen, "%s", st->werr_msg);
		return -1;
	}
	b->next = NULL;
	if (st->tail)
		st->tail->next = b;
	else
		st->head = b;
	st->tail = b;
	st->queued++;
	pthread_cond_signal(&st->nonempty);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

/* Stops the writer after it drained the queue.  Safe to call twice. */
static void store_stop_writer(struct ih_store *st)
{
	if (!st->writer_running)
		return;
	pthread_mutex_lock(&st->lock);
	st->closing = true;
	pthread_cond_signal(&st->nonempty);
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->writer, NULL);
	st->writer_running = false;
}

/* Runs SQL; -1 with err set ("database P: WHAT: why").  Caller holds dbmu
 * (or the writer is not running). */
static int store_exec(struct ih_store *st, const char *sql, const char *what, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s: %s", st->path, what,
			 msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

struct ih_store *ih_store_open(const char *db_path, char *err, size_t errlen)
{
	struct ih_store *st = calloc(1, sizeof(*st));
	struct stat sb;

	if (!st) {
		snprintf(err, errlen, "database %s: out of memory", db_path);
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->dbmu, NULL);
	pthread_cond_init(&st->nonempty, NULL);
	pthread_cond_init(&st->space, NULL);
	if (!(st->path = strdup(db_path))) {
		snprintf(err, errlen, "database %s: out of memory", db_path);
		goto error;
	}
	st->created = stat(db_path, &sb) != 0 && errno == ENOENT;
	if (ih_db_open_rw(db_path, &st->db, err, errlen))
		goto error;
	/* IMMEDIATE: take the write lock now, so a concurrent writer makes us
	 * fail (after the busy timeout) before decoding, not at commit. */
	if (store_exec(st, "BEGIN IMMEDIATE", "cannot begin the run's transaction", err, errlen))
		goto error;
	st->in_txn = true;
	if (sqlite3_prepare_v2(st->db, ins_irq_sql, -1, &st->ins_irq, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: cannot prepare: %s", db_path, sqlite3_errmsg(st->db));
		goto error;
	}
	if (pthread_create(&st->writer, NULL, store_writer_main, st) != 0) {
		snprintf(err, errlen, "database %s: cannot start the writer thread", db_path);
		goto error;
	}
	st->writer_running = true;
	return st;
error:
	ih_store_destroy(st);
	return NULL;
}

int ih_store_lookup_uuid(const char *db_path, const char *uuid, int64_t *run_id, char *err,
			 size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct stat sb;
	int ret = -1;

	*run_id = 0;
	if (stat(db_path, &sb) != 0 && errno == ENOENT)
		return 0;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: cannot open: %s", db_path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		goto end;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "SELECT id FROM run WHERE trace_uuid = ? ORDER BY id LIMIT 1", -1, &s,
			       NULL) != SQLITE_OK) {
		/* No run table yet (an empty or foreign file): nothing to refuse
		 * here; ih_store_open() reports a foreign file. */
		ret = 0;
		goto end;
	}
	sqlite3_bind_text(s, 1, uuid, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		*run_id = sqlite3_column_int64(s, 0);
		ret = 0;
		break;
	case SQLITE_DONE:
		ret = 0;
		break;
	default:
		snprintf(err, errlen, "database %s: %s", db_path, sqlite3_errmsg(db));
	}
end:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ret;
}

/* Finds the run already holding UUID (committed: this transaction's own runs
 * are skipped by the caller through EXCEPT_ID).  *id = 0 if none.  -1 with
 * err set.  Caller holds dbmu. */
static int store_find_uuid(struct ih_store *st, const char *uuid, int64_t except_id, int64_t *id,
			   char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = -1;

	*id = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM run WHERE trace_uuid = ? AND id <> ? ORDER BY id LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", st->path, sqlite3_errmsg(st->db));
		goto end;
	}
	sqlite3_bind_text(s, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, except_id);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		*id = sqlite3_column_int64(s, 0);
		ret = 0;
		break;
	case SQLITE_DONE:
		ret = 0;
		break;
	default:
		snprintf(err, errlen, "database %s: %s", st->path, sqlite3_errmsg(st->db));
	}
end:
	sqlite3_finalize(s);
	return ret;
}

/* Deletes run ID (cascading to its rows).  -1 with err set.  Caller holds
 * dbmu. */
static int store_delete_run(struct ih_store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM run WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		goto error;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto error;
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot delete run %lld: %s", st->path, (long long)id,
		 sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(s);
	return ret;
}

struct ih_store_run *ih_store_run_begin(struct ih_store *st, const char *trace, const char *uuid,
					bool replace, char *err, size_t errlen)
{
	struct ih_store_run *run = calloc(1, sizeof(*run));
	sqlite3_stmt *ins = NULL;
	int64_t old = 0;

	if (!run) {
		snprintf(err, errlen, "database %s: out of memory", st->path);
		return NULL;
	}
	run->st = st;
	for (int p = 0; p < IH_PATH_COUNT_; p++)
		for (int h = 0; h < IH_HOP_COUNT_; h++)
			ih_hist_init(&run->hist[p][h]);
	run->next = st->runs;
	st->runs = run;
	if (uuid && !(run->uuid = strdup(uuid))) {
		snprintf(err, errlen, "database %s: out of memory", st->path);
		return NULL;
	}
	for (struct ih_store_run *r = run->next; uuid && r; r = r->next) {
		if (r->uuid && strcmp(r->uuid, uuid) == 0) {
			snprintf(err, errlen, "trace %s appears twice in the input (trace uuid %s)",
				 trace ? trace : "?", uuid);
			return NULL;
		}
	}
	pthread_mutex_lock(&st->dbmu);
	if (uuid && store_find_uuid(st, uuid, 0, &old, err, errlen))
		goto error;
	if (old && !replace) {
		snprintf(err, errlen, "trace %s was already analyzed as run %lld in %s (trace uuid %s; "
			 "--replace analyzes it again)", trace ? trace : "?", (long long)old, st->path, uuid);
		goto error;
	}
	/* The row goes in first, without its UUID (the unique index would
	 * refuse it while the old run exists; ih_store_run_finish sets it), so
	 * a replaced run's id is never reused by its successor. */
	if (sqlite3_prepare_v2(st->db, "INSERT INTO run (label, trace, analyzer_version) "
			       "VALUES ('', ?, ?)", -1, &ins, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_text(ins, 1, trace ? trace : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, PACKAGE_VERSION, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		goto sql_error;
	run->run_id = sqlite3_last_insert_rowid(st->db);
	run->replaced = old;
	if (old && store_delete_run(st, old, err, errlen))
		goto error;
	sqlite3_finalize(ins);
	pthread_mutex_unlock(&st->dbmu);
	return run;
sql_error:
	snprintf(err, errlen, "database %s: cannot insert the run: %s", st->path, sqlite3_errmsg(st->db));
error:
	sqlite3_finalize(ins);
	pthread_mutex_unlock(&st->dbmu);
	return NULL;
}

const struct ih_hist *ih_store_hist(const struct ih_store_run *run, enum ih_path path, enum ih_hop hop)
{
	return &run->hist[path][hop];
}

int ih_store_add_irq(struct ih_store_run *run, const struct ih_rec_row *row, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	struct ih_hist *h = run->hist[row->path];

	for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
		/* Every measured hop counts, also on broken paths (their known
		 * hops are real); total exists only on complete ones. */
		if (ih_rec_row_has(row, (enum ih_col)hop) && ih_hist_add(&h[hop], (uint64_t)row->col[hop])) {
			snprintf(err, errlen, "out of memory for histograms");
			return -1;
		}
	}
	run->irqs++;
	run->path_irqs[row->path]++;
	if (row->complete)
		run->path_complete[row->path]++;
	else
		run->incomplete++;
	if (!run->cur) {
		pthread_mutex_lock(&st->lock);
		run->cur = st->free_list;
		if (run->cur)
			st->free_list = run->cur->next;
		pthread_mutex_unlock(&st->lock);
		if (!run->cur && !(run->cur = malloc(sizeof(*run->cur)))) {
			snprintf(err, errlen, "out of memory for interrupt rows");
			return -1;
		}
		run->cur->n = 0;
		run->cur->run = run;
		run->cur->run_id = run->run_id;
	}
	run->cur->rows[run->cur->n++] = *row;
	if (run->cur->n == STORE_BATCH_ROWS)
		return store_push(run, err, errlen);
	return 0;
}

/* Writes hop_hist, hop_summary and path_summary from the in-memory
 * histograms.  -1 with err set on failure.  Caller holds dbmu. */
static int store_write_hists(struct ih_store_run *run, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	sqlite3_stmt *hs = NULL, *ss = NULL, *ps = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO hop_hist (run_id, path, hop, lo_ns, hi_ns, count) "
			       "VALUES (?, ?, ?, ?, ?, ?)", -1, &hs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO hop_summary (run_id, path, hop, count, sum_ns, "
			       "min_ns, max_ns) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &ss, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO path_summary (run_id, path, irqs, complete) "
			       "VALUES (?, ?, ?, ?)", -1, &ps, NULL) != SQLITE_OK)
		goto error;
	for (int p = 0; p < IH_PATH_COUNT_; p++) {
		const char *pn = ih_cat_path_name((enum ih_path)p);

		if (run->path_irqs[p]) {
			sqlite3_bind_int64(ps, 1, run->run_id);
			sqlite3_bind_text(ps, 2, pn, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ps, 3, (sqlite3_int64)run->path_irqs[p]);
			sqlite3_bind_int64(ps, 4, (sqlite3_int64)run->path_complete[p]);
			if (sqlite3_step(ps) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ps);
		}
		for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
			const struct ih_hist *h = &run->hist[p][hop];
			const char *hn = ih_cat_hop_name((enum ih_hop)hop);

			if (!h->count)
				continue;
			for (size_t i = 0; i < IH_HIST_NBUCKETS; i++) {
				if (!h->counts[i])
					continue;
				sqlite3_bind_int64(hs, 1, run->run_id);
				sqlite3_bind_text(hs, 2, pn, -1, SQLITE_STATIC);
				sqlite3_bind_text(hs, 3, hn, -1, SQLITE_STATIC);
				sqlite3_bind_int64(hs, 4, (sqlite3_int64)ih_hist_bucket_lo(i));
				sqlite3_bind_int64(hs, 5, (sqlite3_int64)ih_hist_bucket_hi(i));
				sqlite3_bind_int64(hs, 6, (sqlite3_int64)h->counts[i]);
				if (sqlite3_step(hs) != SQLITE_DONE)
					goto error;
				sqlite3_reset(hs);
			}
			sqlite3_bind_int64(ss, 1, run->run_id);
			sqlite3_bind_text(ss, 2, pn, -1, SQLITE_STATIC);
			sqlite3_bind_text(ss, 3, hn, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ss, 4, (sqlite3_int64)h->count);
			sqlite3_bind_int64(ss, 5, (sqlite3_int64)(h->sum > INT64_MAX ? INT64_MAX : h->sum));
			sqlite3_bind_int64(ss, 6, (sqlite3_int64)h->min);
			sqlite3_bind_int64(ss, 7, (sqlite3_int64)h->max);
			if (sqlite3_step(ss) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ss);
		}
	}
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot write histograms: %s", st->path, sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(hs);
	sqlite3_finalize(ss);
	sqlite3_finalize(ps);
	return ret;
}

/* Writes each hop's percentiles into hop_pct (schema v4, read by the
 * hop_stats view as a primary-key look-up); does nothing on a database
 * without that table.  -1 with err set.
 * Caller holds dbmu. */
static int store_write_pct(struct ih_store_run *run, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	sqlite3_stmt *s = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO hop_pct (run_id, path, hop, p50_ns, p90_ns, p99_ns, p999_ns) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		ret = 0;	/* no such table (schema without it) */
		goto end;
	}
	for (int p = 0; p < IH_PATH_COUNT_; p++) {
		for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
			const struct ih_hist *h = &run->hist[p][hop];

			if (!h->count)
				continue;
			sqlite3_bind_int64(s, 1, run->run_id);
			sqlite3_bind_text(s, 2, ih_cat_path_name((enum ih_path)p), -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 3, ih_cat_hop_name((enum ih_hop)hop), -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, (sqlite3_int64)ih_hist_percentile(h, 0.50));
			sqlite3_bind_int64(s, 5, (sqlite3_int64)ih_hist_percentile(h, 0.90));
			sqlite3_bind_int64(s, 6, (sqlite3_int64)ih_hist_percentile(h, 0.99));
			sqlite3_bind_int64(s, 7, (sqlite3_int64)ih_hist_percentile(h, 0.999));
			if (sqlite3_step(s) != SQLITE_DONE) {
				snprintf(err, errlen, "database %s: cannot write percentiles: %s", st->path,
					 sqlite3_errmsg(st->db));
				goto end;
			}
			sqlite3_reset(s);
		}
	}
	ret = 0;
end:
	sqlite3_finalize(s);
	return ret;
}

/* Writes vcpu, steal, pcpu_stat and lock_stat.  -1 with err set.  Caller
 * holds dbmu. */
static int store_write_steal(struct ih_store_run *run, const struct ih_store_run_info *info,
			     const struct ih_steal *steal, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	sqlite3_stmt *vs = NULL, *ss = NULL, *ps = NULL, *ls = NULL;
	size_t nwin = steal ? ih_steal_nwindows(steal) : 0;
	size_t nv = info->nvcpus;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO vcpu (run_id, vcpu, guest, guest_kind, pcpu, tid, thread) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &vs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO steal (run_id, vcpu, window_start_ns, window_ns, "
			       "running_ns, runnable_ns, blocked_ns, offline_ns, hv_irq_ns, hv_softirq_ns, "
			       "hv_tasklet_ns, hv_lock_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &ss, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO pcpu_stat (run_id, pcpu, window_start_ns, window_ns, "
			       "run_ns, run_delay_ns) VALUES (?, ?, ?, ?, ?, ?)", -1, &ps, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO lock_stat (run_id, lock, lock_name, pcpu, acquisitions, "
			       "contended, wait_ns, hold_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &ls, NULL) != SQLITE_OK)
		goto error;
	if (steal && ih_steal_nvcpus(steal) > nv)
		nv = ih_steal_nvcpus(steal);
	for (size_t v = 0; v < nv; v++) {
		uint32_t guest = 0, pcpu = 0;
		const struct ih_steal_vwin *w = steal ? ih_steal_vcpu(steal, (uint32_t)v, &guest, &pcpu) : NULL;
		char gname[32];

		if ((v >= info->nvcpus || !info->vcpus[v].guest) && !w)
			continue;	/* an id no vCPU has (kernel runs: ids may have gaps) */
		sqlite3_bind_int64(vs, 1, run->run_id);
		sqlite3_bind_int64(vs, 2, (sqlite3_int64)v);
		if (v < info->nvcpus) {
			sqlite3_bind_text(vs, 3, info->vcpus[v].guest ? info->vcpus[v].guest : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(vs, 4, info->vcpus[v].kind ? info->vcpus[v].kind : "", -1, SQLITE_STATIC);
			if (info->vcpus[v].pcpu >= 0)
				sqlite3_bind_int64(vs, 5, info->vcpus[v].pcpu);
			else
				sqlite3_bind_null(vs, 5);
			if (info->vcpus[v].thread) {
				sqlite3_bind_int64(vs, 6, info->vcpus[v].tid);
				sqlite3_bind_text(vs, 7, info->vcpus[v].thread, -1, SQLITE_STATIC);
			} else {
				sqlite3_bind_null(vs, 6);
				sqlite3_bind_null(vs, 7);
			}
		} else {
			/* Not in the scenario (none in the trace): what the
			 * runstate events tell. */
			snprintf(gname, sizeof(gname), "guest%u", guest);
			sqlite3_bind_text(vs, 3, gname, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(vs, 4, "", -1, SQLITE_STATIC);
			sqlite3_bind_int64(vs, 5, pcpu);
			sqlite3_bind_null(vs, 6);
			sqlite3_bind_null(vs, 7);
		}
		if (sqlite3_step(vs) != SQLITE_DONE)
			goto error;
		sqlite3_reset(vs);
		for (size_t i = 0; w && i < nwin; i++) {
			int p = 1;

			sqlite3_bind_int64(ss, p++, run->run_id);
			sqlite3_bind_int64(ss, p++, (sqlite3_int64)v);
			sqlite3_bind_int64(ss, p++, ih_steal_window_start(steal, i));
			sqlite3_bind_int64(ss, p++, ih_steal_window_len(steal, i));
			for (int s = 0; s < IH_RS_COUNT_; s++)
				sqlite3_bind_int64(ss, p++, w[i].state_ns[s]);
			for (int c = 0; c < IH_HV_COUNT_; c++)
				sqlite3_bind_int64(ss, p++, w[i].hv_ns[c]);
			if (sqlite3_step(ss) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ss);
		}
	}
	for (size_t c = 0; steal && c < ih_steal_npcpus(steal); c++) {
		const struct ih_steal_pwin *w = ih_steal_pcpu(steal, (uint32_t)c);

		for (size_t i = 0; w && i < nwin; i++) {
			sqlite3_bind_int64(ps, 1, run->run_id);
			sqlite3_bind_int64(ps, 2, (sqlite3_int64)c);
			sqlite3_bind_int64(ps, 3, ih_steal_window_start(steal, i));
			sqlite3_bind_int64(ps, 4, ih_steal_window_len(steal, i));
			sqlite3_bind_int64(ps, 5, w[i].run_ns);
			sqlite3_bind_int64(ps, 6, w[i].run_delay_ns);
			if (sqlite3_step(ps) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ps);
		}
	}
	for (size_t i = 0; steal && i < ih_steal_nlocks(steal); i++) {
		const struct ih_steal_lock *l = ih_steal_lock_at(steal, i);
		char name[96];

		if (l->lock == 0)
			snprintf(name, sizeof(name), "tasklet_lock");
		else if (l->lock - 1 < info->nguests && info->guests[l->lock - 1])
			snprintf(name, sizeof(name), "event_lock:%s", info->guests[l->lock - 1]);
		else
			snprintf(name, sizeof(name), "event_lock:guest%u", l->lock - 1);
		sqlite3_bind_int64(ls, 1, run->run_id);
		sqlite3_bind_int64(ls, 2, l->lock);
		sqlite3_bind_text(ls, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ls, 4, l->pcpu);
		sqlite3_bind_int64(ls, 5, (sqlite3_int64)l->acquisitions);
		sqlite3_bind_int64(ls, 6, (sqlite3_int64)l->contended);
		sqlite3_bind_int64(ls, 7, (sqlite3_int64)l->wait_ns);
		sqlite3_bind_int64(ls, 8, (sqlite3_int64)l->hold_ns);
		if (sqlite3_step(ls) != SQLITE_DONE)
			goto error;
		sqlite3_reset(ls);
	}
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot write the steal tables: %s", st->path, sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(vs);
	sqlite3_finalize(ss);
	sqlite3_finalize(ps);
	sqlite3_finalize(ls);
	return ret;
}

static void bind_text_or_null(sqlite3_stmt *s, int p, const char *v)
{
	if (v)
		sqlite3_bind_text(s, p, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, p);
}

/* Completes the run row.  -1 with err set.  Caller holds dbmu. */
static int store_update_run(struct ih_store_run *r, const struct ih_store_run_info *run, char *err,
			    size_t errlen)
{
	struct ih_store *st = r->st;
	sqlite3_stmt *s = NULL;
	int p = 1, ret = -1;

	if (sqlite3_prepare_v2(st->db,
			       "UPDATE run SET label = ?, host = ?, trace = ?, trace_uuid = ?, "
			       "tasklet_mode = ?, notifier_mode = ?, scenario = ?, start_ns = ?, end_ns = ?, "
			       "events = ?, discarded = ?, irqs_raised = ?, irqs_acked = ?, irqs = ?, "
			       "irqs_incomplete = ?, host_steal_ns = ?, host_total_ns = ? WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK)
		goto error;
	sqlite3_bind_text(s, p++, run->label ? run->label : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, p++, run->host ? run->host : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, p++, run->trace ? run->trace : "", -1, SQLITE_STATIC);
	bind_text_or_null(s, p++, r->uuid);
	bind_text_or_null(s, p++, run->tasklet_mode);
	bind_text_or_null(s, p++, run->notifier_mode);
	bind_text_or_null(s, p++, run->scenario);
	if (run->has_times) {
		sqlite3_bind_int64(s, p++, run->start_ns);
		sqlite3_bind_int64(s, p++, run->end_ns);
	} else {
		sqlite3_bind_null(s, p++);
		sqlite3_bind_null(s, p++);
	}
	sqlite3_bind_int64(s, p++, (sqlite3_int64)run->events);
	sqlite3_bind_int64(s, p++, (sqlite3_int64)run->discarded);
	if (run->has_run_end) {
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->irqs_raised);
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->irqs_acked);
	} else {
		sqlite3_bind_null(s, p++);
		sqlite3_bind_null(s, p++);
	}
	sqlite3_bind_int64(s, p++, (sqlite3_int64)r->irqs);
	sqlite3_bind_int64(s, p++, (sqlite3_int64)r->incomplete);
	if (run->has_run_end) {
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->host_steal_ns);
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->host_total_ns);
	} else {
		sqlite3_bind_null(s, p++);
		sqlite3_bind_null(s, p++);
	}
	sqlite3_bind_int64(s, p++, r->run_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto error;
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot complete the run: %s", st->path, sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(s);
	return ret;
}

int ih_store_run_finish(struct ih_store_run *run, const struct ih_store_run_info *info,
			const struct ih_steal *steal, struct ih_store_result *res, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	int ret = -1;

	if (run->cur && run->cur->n && store_push(run, err, errlen))
		return -1;
	pthread_mutex_lock(&st->dbmu);
	if (store_write_hists(run, err, errlen) || store_write_pct(run, err, errlen) ||
	    store_write_steal(run, info, steal, err, errlen) ||
	    store_update_run(run, info, err, errlen))
		goto end;
	res->run_id = run->run_id;
	res->irqs = run->irqs;
	res->incomplete = run->incomplete;
	res->replaced = run->replaced;
	ret = 0;
end:
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}

const struct ih_store_times *ih_store_times(const struct ih_store *st)
{
	return &st->times;
}

int ih_store_commit(struct ih_store *st, char *err, size_t errlen)
{
	double t0 = store_now(), t1, t2;

	store_stop_writer(st);
	t1 = store_now();
	st->times.drain_s = t1 - t0;
	if (atomic_load(&st->werr)) {
		snprintf(err, errlen, "%s", st->werr_msg);
		goto error;
	}
	ih_test_point("indexing");
	/* The writer is joined: the last, partial part of every hop order. */
	for (struct ih_store_run *r = st->runs; r; r = r->next)
		for (int p = 0; p < IH_PATH_COUNT_; p++)
			for (int h = 0; h < IH_HOP_COUNT_; h++)
				if (store_order_flush(r, p, h, err, errlen))
					goto error;
	if (ih_db_create_indexes(st->db, err, errlen))
		goto error;
	t2 = store_now();
	st->times.index_s = t2 - t1;
	ih_test_point("committing");
	if (store_exec(st, "COMMIT", "cannot commit the run", err, errlen))
		goto error;
	st->times.commit_s = store_now() - t2;
	st->in_txn = false;
	st->committed = true;
	return 0;
error:
	if (st->in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
	return -1;
}

void ih_store_destroy(struct ih_store *st)
{
	if (!st)
		return;
	/* Abandoning the runs: let the writer drop what is queued rather than
	 * insert rows that are about to be rolled back. */
	if (st->in_txn)
		atomic_store(&st->werr, true);
	store_stop_writer(st);
	if (st->in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st->ins_irq);
	sqlite3_close(st->db);
	if (st->created && !st->committed && st->path) {
		/* Nothing of ours is in it: leave no schema-only file behind. */
		char p[4096];

		unlink(st->path);
		snprintf(p, sizeof(p), "%s-wal", st->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", st->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-journal", st->path);
		unlink(p);
	}
	while (st->runs) {
		struct ih_store_run *r = st->runs;

		st->runs = r->next;
		free(r->cur);
		free(r->uuid);
		for (int p = 0; p < IH_PATH_COUNT_; p++)
			for (int h = 0; h < IH_HOP_COUNT_; h++) {
				ih_hist_fini(&r->hist[p][h]);
				free(r->order[p][h].buf);
			}
		free(r);
	}
	while (st->free_list) {
		struct store_batch *b = st->free_list;

		st->free_list = b->next;
		free(b);
	}
	/* Batches still queued exist only if the writer was never started. */
	while (st->head) {
		struct store_batch *b = st->head;

		st->head = b->next;
		free(b);
	}
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->dbmu);
	pthread_cond_destroy(&st->nonempty);
	pthread_cond_destroy(&st->space);
	free(st->path);
	free(st);
}

void ih_test_point(const char *name)
{
	const char *at = getenv("IRQHOP_TEST_STOP_AT");

	if (at && strcmp(at, name) == 0)
		raise(SIGSTOP);
}
