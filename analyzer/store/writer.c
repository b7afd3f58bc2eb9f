/*
 * analyzer/store/writer.c - the writer thread: irq rows are queued in
 * batches by the decoding thread (ih_store_add_irq) and inserted here, so
 * decoding does not wait on SQLite.  Queue: bounded (STORE_MAX_QUEUED
 * batches), mutex st->lock; the connection: mutex st->dbmu, held by the
 * writer for one batch at a time.
 */
#include "config.h"
#include "analyzer/store/priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char store_ins_irq_sql[] =
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
int store_insert_row(struct ih_store *st, int64_t run_id, const struct ih_rec_row *r)
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

/* Writer thread: inserts queued batches until closing and the queue is
 * empty.  After an error it keeps draining (without inserting) so the
 * producer never blocks forever; the error is reported through werr. */
void *store_writer_main(void *arg)
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
	/* Read by the committing thread only after pthread_join. */
	{
		struct timespec ts;

		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
			st->times.writer_cpu_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	}
	return NULL;
}

/* Hands RUN's batch being filled to the writer, waiting for room.  -1 with
 * err set when the writer has failed. */
int store_push(struct ih_store_run *run, char *err, size_t errlen)
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
void store_stop_writer(struct ih_store *st)
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
