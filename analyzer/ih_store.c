/*
 * ih_store.c - one run into SQLite, see ih_store.h.
 */
#include "config.h"
#include "analyzer/ih_store.h"
#include "schemas/ih_db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per batch and batches in flight: about 2 MiB of queued rows at most,
 * enough to ride out a WAL checkpoint without stalling the decoder for long. */
#define STORE_BATCH_ROWS 1024
#define STORE_MAX_QUEUED 8

struct store_batch {
	struct store_batch *next;
	size_t n;
	struct ih_rec_row rows[STORE_BATCH_ROWS];
};

struct ih_store {
	sqlite3 *db;
	char *path;
	int64_t run_id;
	bool in_txn;
	sqlite3_stmt *ins_irq;

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

	struct store_batch *cur;	/* being filled by the caller's thread */

	uint64_t irqs, incomplete;
	struct ih_hist hist[IH_PATH_COUNT_][IH_HOP_COUNT_];
};

static const char ins_irq_sql[] =
	"INSERT INTO irq (run_id, irq_id, path, source, vector, pcpu, vcpu, start_ns, "
	"ack_ns, total_ns, complete, broken_hop, delivery_ns, schedule_ns, queue_ns, "
	"assist_ns, callback_ns, defer_ns, worker_ns, inject_ns, guest_ns, "
	"sched_lock_wait_ns, run_lock_wait_ns, vm_lock_wait_ns, task_pcpu, ack_pcpu, worker) "
	"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* irq columns after run_id/irq_id/path, in ins_irq_sql order, as ih_col
 * values; -1 marks the three non-col parameters (start, complete, broken). */
static const int ins_irq_cols[] = {
	IH_COL_SOURCE, IH_COL_VECTOR, IH_COL_PCPU, IH_COL_VCPU, -1 /* start_ns */,
	IH_COL_ACK, IH_COL_TOTAL, -1 /* complete */, -1 /* broken_hop */,
	IH_HOP_DELIVERY, IH_HOP_SCHEDULE, IH_HOP_QUEUE, IH_HOP_ASSIST, IH_HOP_CALLBACK,
	IH_HOP_DEFER, IH_HOP_WORKER, IH_HOP_INJECT, IH_HOP_GUEST,
	IH_COL_SCHED_LOCK, IH_COL_RUN_LOCK, IH_COL_VM_LOCK, IH_COL_TASK_PCPU,
	IH_COL_ACK_PCPU, IH_COL_WORKER,
};

/* Inserts one row; returns an SQLite result code (SQLITE_DONE on success). */
static int store_insert_row(struct ih_store *st, const struct ih_rec_row *r)
{
	sqlite3_stmt *s = st->ins_irq;
	int p = 1, rc;

	sqlite3_bind_int64(s, p++, st->run_id);
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

/* Writer thread: inserts queued batches until closing and the queue is
 * empty.  After an error it keeps draining (without inserting) so the
 * producer never blocks forever; the error is reported through werr. */
static void *store_writer_main(void *arg)
{
	struct ih_store *st = arg;

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

		for (size_t i = 0; i < b->n && !atomic_load(&st->werr); i++) {
			if (store_insert_row(st, &b->rows[i]) != SQLITE_DONE) {
				snprintf(st->werr_msg, sizeof(st->werr_msg),
					 "database %s: cannot insert interrupt %llu: %s", st->path,
					 (unsigned long long)b->rows[i].irq_id, sqlite3_errmsg(st->db));
				atomic_store(&st->werr, true);
			}
		}

		pthread_mutex_lock(&st->lock);
		b->next = st->free_list;
		st->free_list = b;
		pthread_cond_signal(&st->space);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* Hands the batch being filled to the writer, waiting for room.  -1 with err
 * set when the writer has failed. */
static int store_push(struct ih_store *st, char *err, size_t errlen)
{
	struct store_batch *b = st->cur;

	st->cur = NULL;
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

struct ih_store *ih_store_open(const char *db_path, const char *trace, const char *label,
			       char *err, size_t errlen)
{
	struct ih_store *st = calloc(1, sizeof(*st));
	sqlite3_stmt *ins = NULL;

	if (!st) {
		snprintf(err, errlen, "database %s: out of memory", db_path);
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->nonempty, NULL);
	pthread_cond_init(&st->space, NULL);
	if (!(st->path = strdup(db_path))) {
		snprintf(err, errlen, "database %s: out of memory", db_path);
		goto error;
	}
	for (int p = 0; p < IH_PATH_COUNT_; p++)
		for (int h = 0; h < IH_HOP_COUNT_; h++)
			ih_hist_init(&st->hist[p][h]);
	if (ih_db_open_rw(db_path, &st->db, err, errlen))
		goto error;
	/* IMMEDIATE: take the write lock now, so a concurrent writer makes us
	 * fail (after the busy timeout) before decoding, not at commit. */
	if (store_exec(st, "BEGIN IMMEDIATE", "cannot begin the run's transaction", err, errlen))
		goto error;
	st->in_txn = true;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO run (label, trace, analyzer_version) VALUES (?, ?, ?)",
			       -1, &ins, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_text(ins, 1, label ? label : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, trace ? trace : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 3, PACKAGE_VERSION, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		goto sql_error;
	st->run_id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(ins);
	ins = NULL;
	if (sqlite3_prepare_v2(st->db, ins_irq_sql, -1, &st->ins_irq, NULL) != SQLITE_OK)
		goto sql_error;
	if (pthread_create(&st->writer, NULL, store_writer_main, st) != 0) {
		snprintf(err, errlen, "database %s: cannot start the writer thread", db_path);
		goto error;
	}
	st->writer_running = true;
	return st;
sql_error:
	snprintf(err, errlen, "database %s: cannot insert the run: %s", db_path, sqlite3_errmsg(st->db));
error:
	sqlite3_finalize(ins);
	ih_store_destroy(st);
	return NULL;
}

const struct ih_hist *ih_store_hist(const struct ih_store *st, enum ih_path path, enum ih_hop hop)
{
	return &st->hist[path][hop];
}

int ih_store_add_irq(struct ih_store *st, const struct ih_rec_row *row, char *err, size_t errlen)
{
	struct ih_hist *h = st->hist[row->path];

	for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
		/* Every measured hop counts, also on broken paths (their known
		 * hops are real); total exists only on complete ones. */
		if (ih_rec_row_has(row, (enum ih_col)hop) && ih_hist_add(&h[hop], (uint64_t)row->col[hop])) {
			snprintf(err, errlen, "out of memory for histograms");
			return -1;
		}
	}
	st->irqs++;
	if (!row->complete)
		st->incomplete++;
	if (!st->cur) {
		pthread_mutex_lock(&st->lock);
		st->cur = st->free_list;
		if (st->cur)
			st->free_list = st->cur->next;
		pthread_mutex_unlock(&st->lock);
		if (!st->cur && !(st->cur = malloc(sizeof(*st->cur)))) {
			snprintf(err, errlen, "out of memory for interrupt rows");
			return -1;
		}
		st->cur->n = 0;
	}
	st->cur->rows[st->cur->n++] = *row;
	if (st->cur->n == STORE_BATCH_ROWS)
		return store_push(st, err, errlen);
	return 0;
}

/* Writes hop_hist and hop_summary from the in-memory histograms.  -1 with
 * err set on failure. */
static int store_write_hists(struct ih_store *st, char *err, size_t errlen)
{
	sqlite3_stmt *hs = NULL, *ss = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO hop_hist (run_id, path, hop, lo_ns, hi_ns, count) "
			       "VALUES (?, ?, ?, ?, ?, ?)", -1, &hs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO hop_summary (run_id, path, hop, count, sum_ns, "
			       "min_ns, max_ns) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &ss, NULL) != SQLITE_OK)
		goto error;
	for (int p = 0; p < IH_PATH_COUNT_; p++) {
		for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
			const struct ih_hist *h = &st->hist[p][hop];
			const char *pn = ih_cat_path_name((enum ih_path)p);
			const char *hn = ih_cat_hop_name((enum ih_hop)hop);

			if (!h->count)
				continue;
			for (size_t i = 0; i < IH_HIST_NBUCKETS; i++) {
				if (!h->counts[i])
					continue;
				sqlite3_bind_int64(hs, 1, st->run_id);
				sqlite3_bind_text(hs, 2, pn, -1, SQLITE_STATIC);
				sqlite3_bind_text(hs, 3, hn, -1, SQLITE_STATIC);
				sqlite3_bind_int64(hs, 4, (sqlite3_int64)ih_hist_bucket_lo(i));
				sqlite3_bind_int64(hs, 5, (sqlite3_int64)ih_hist_bucket_hi(i));
				sqlite3_bind_int64(hs, 6, (sqlite3_int64)h->counts[i]);
				if (sqlite3_step(hs) != SQLITE_DONE)
					goto error;
				sqlite3_reset(hs);
			}
			sqlite3_bind_int64(ss, 1, st->run_id);
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
	return ret;
}

static void bind_text_or_null(sqlite3_stmt *s, int p, const char *v)
{
	if (v)
		sqlite3_bind_text(s, p, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, p);
}

/* Refuses a trace already analyzed into this database (the run_trace_uuid
 * index would refuse it too, with a less helpful message).  -1 with err. */
static int store_check_uuid(struct ih_store *st, const char *uuid, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT id FROM run WHERE trace_uuid = ? AND id <> ?", -1, &s,
			       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", st->path, sqlite3_errmsg(st->db));
		goto end;
	}
	sqlite3_bind_text(s, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, st->run_id);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		snprintf(err, errlen, "database %s: trace %s was already analyzed as run %lld",
			 st->path, uuid, (long long)sqlite3_column_int64(s, 0));
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

/* Completes the run row.  -1 with err set. */
static int store_update_run(struct ih_store *st, const struct ih_store_run *run, char *err, size_t errlen)
{
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
	bind_text_or_null(s, p++, run->trace_uuid);
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
	sqlite3_bind_int64(s, p++, (sqlite3_int64)st->irqs);
	sqlite3_bind_int64(s, p++, (sqlite3_int64)st->incomplete);
	if (run->has_run_end) {
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->host_steal_ns);
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->host_total_ns);
	} else {
		sqlite3_bind_null(s, p++);
		sqlite3_bind_null(s, p++);
	}
	sqlite3_bind_int64(s, p++, st->run_id);
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

int ih_store_finish(struct ih_store *st, const struct ih_store_run *run,
		    struct ih_store_result *res, char *err, size_t errlen)
{
	if (st->cur && st->cur->n && store_push(st, err, errlen))
		goto error;
	store_stop_writer(st);
	if (atomic_load(&st->werr)) {
		snprintf(err, errlen, "%s", st->werr_msg);
		goto error;
	}
	if (run->trace_uuid && store_check_uuid(st, run->trace_uuid, err, errlen))
		goto error;
	if (store_write_hists(st, err, errlen) || store_update_run(st, run, err, errlen) ||
	    ih_db_create_indexes(st->db, err, errlen) ||
	    store_exec(st, "COMMIT", "cannot commit the run", err, errlen))
		goto error;
	st->in_txn = false;
	res->run_id = st->run_id;
	res->irqs = st->irqs;
	res->incomplete = st->incomplete;
	return 0;
error:
	store_stop_writer(st);
	if (st->in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
	return -1;
}

void ih_store_destroy(struct ih_store *st)
{
	if (!st)
		return;
	/* Abandoning the run: let the writer drop what is queued rather than
	 * insert rows that are about to be rolled back. */
	if (st->in_txn)
		atomic_store(&st->werr, true);
	store_stop_writer(st);
	if (st->in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st->ins_irq);
	sqlite3_close(st->db);
	free(st->cur);
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
	for (int p = 0; p < IH_PATH_COUNT_; p++)
		for (int h = 0; h < IH_HOP_COUNT_; h++)
			ih_hist_fini(&st->hist[p][h]);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->nonempty);
	pthread_cond_destroy(&st->space);
	free(st->path);
	free(st);
}
