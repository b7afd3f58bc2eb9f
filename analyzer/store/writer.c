/*
 * analyzer/store/writer.c - the writer thread: irq rows are queued in
 * batches by the decoding thread (ih_store_add_irq) and inserted here, so
 * decoding does not wait on SQLite.  Queue: bounded (STORE_MAX_QUEUED
 * batches), mutex st->lock; the connection: mutex st->dbmu, held by the
 * writer for one batch at a time.
 */
#include "config.h"
#include "analyzer/store/priv.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Rows between two write-back hints (about 3 MB of pages). */
#define STORE_WB_ROWS 65536

/* Asks the kernel to start writing back what SQLite has written of the
 * store's files so far (the database, and its WAL when there is one):
 * SQLite syncs only at the commit or the checkpoint, by when a run's tens
 * of megabytes were all still dirty and the analysis waited for the disk
 * at its very end (0.1 to 0.15 s of a 4 s analysis of a million
 * interrupts on this project's VM).  Started early, the write-back runs
 * beside the decoding.  Only a hint: durability still comes from SQLite's
 * syncs, and a file that cannot be opened or a kernel without
 * sync_file_range changes nothing but speed. */
static void store_writeback_hint(const struct ih_store *st)
{
	char p[4096];

	for (int k = 0; k < 2; k++) {
		int fd;

		if (snprintf(p, sizeof(p), "%s%s", st->path, k ? "-wal" : "") >= (int)sizeof(p))
			return;
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		close(fd);
	}
}

/* OR FAIL: a refused row stops the statement but keeps the rows before
 * it, so SQLite needs no statement journal (with the default ABORT, every
 * page a 32-row statement touches was copied there first, and spilled to
 * a temporary file: 8 % of the writer's instructions, and its writes).
 * Nothing half-written stays: a refused row fails the whole store, whose
 * transaction is then rolled back. */
static const char ins_irq_head[] =
	"INSERT OR FAIL INTO irq (run_id, irq_id, path, source, vector, pcpu, vcpu, start_ns, "
	"ack_ns, total_ns, complete, broken_hop, delivery_ns, schedule_ns, queue_ns, "
	"assist_ns, callback_ns, defer_ns, worker_ns, inject_ns, guest_ns, "
	"sched_lock_wait_ns, run_lock_wait_ns, vm_lock_wait_ns, task_pcpu, ack_pcpu, worker, "
	"signal_ns, wake_ns, run_ns) VALUES ";
/* One row's parameters, STORE_IRQ_PARAMS of them. */
static const char ins_irq_row[] = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* irq columns after run_id/irq_id/path, in ins_irq_head order, as ih_col
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
_Static_assert(3 + sizeof(ins_irq_cols) / sizeof(ins_irq_cols[0]) == STORE_IRQ_PARAMS,
	       "one parameter per irq column");
_Static_assert(sizeof(ins_irq_row) == 2 * STORE_IRQ_PARAMS + 2, "one ? per parameter");

/* Prepares INS as the INSERT of ROWS rows.  -1 with err set. */
static int ins_prepare(struct ih_store *st, struct store_ins *ins, int rows, char *err, size_t errlen)
{
	char sql[sizeof(ins_irq_head) + STORE_INS_ROWS * sizeof(ins_irq_row)];
	size_t len = sizeof(ins_irq_head) - 1;

	memcpy(sql, ins_irq_head, len);
	for (int i = 0; i < rows; i++) {
		if (i)
			sql[len++] = ',';
		memcpy(sql + len, ins_irq_row, sizeof(ins_irq_row) - 1);
		len += sizeof(ins_irq_row) - 1;
	}
	sql[len] = '\0';
	ins->rows = rows;
	for (size_t i = 0; i < sizeof(ins->bound) / sizeof(ins->bound[0]); i++)
		ins->bound[i].kind = STORE_BOUND_NONE;
	if (sqlite3_prepare_v3(st->db, sql, (int)len, SQLITE_PREPARE_PERSISTENT, &ins->s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: cannot prepare: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int store_prepare_inserts(struct ih_store *st, char *err, size_t errlen)
{
	return ins_prepare(st, &st->ins_one, 1, err, errlen) ||
	       ins_prepare(st, &st->ins_many, STORE_INS_ROWS, err, errlen) ? -1 : 0;
}

void store_finalize_inserts(struct ih_store *st)
{
	sqlite3_finalize(st->ins_one.s);
	sqlite3_finalize(st->ins_many.s);
	st->ins_one.s = st->ins_many.s = NULL;
}

/* Binds parameter P (from 1) of INS to V unless it holds V already.  A
 * failed bind (none is possible with a valid P) forgets what P holds. */
static void bind_int(struct store_ins *ins, int p, int64_t v)
{
	struct store_bound *b = &ins->bound[p - 1];

	if (b->kind == STORE_BOUND_INT && b->v == v)
		return;
	b->kind = sqlite3_bind_int64(ins->s, p, v) == SQLITE_OK ? STORE_BOUND_INT : STORE_BOUND_NONE;
	b->v = v;
}

static void bind_null(struct store_ins *ins, int p)
{
	struct store_bound *b = &ins->bound[p - 1];

	if (b->kind == STORE_BOUND_NULL)
		return;
	b->kind = sqlite3_bind_null(ins->s, p) == SQLITE_OK ? STORE_BOUND_NULL : STORE_BOUND_NONE;
}

/* TEXT: a string that lives as long as the statement (SQLITE_STATIC). */
static void bind_static_text(struct store_ins *ins, int p, const char *text)
{
	struct store_bound *b = &ins->bound[p - 1];

	if (b->kind == STORE_BOUND_TEXT && b->text == text)
		return;
	b->kind = sqlite3_bind_text(ins->s, p, text, -1, SQLITE_STATIC) == SQLITE_OK ? STORE_BOUND_TEXT
										     : STORE_BOUND_NONE;
	b->text = text;
}

/* Binds R, of run RUN_ID, as row J of INS. */
static void bind_row(struct store_ins *ins, int j, int64_t run_id, const struct ih_rec_row *r)
{
	int p0 = j * STORE_IRQ_PARAMS, p = p0 + 1;

	bind_int(ins, p++, run_id);
	bind_int(ins, p++, (int64_t)r->irq_id);
	bind_static_text(ins, p++, ih_cat_path_name(r->path));
	for (size_t i = 0; i < sizeof(ins_irq_cols) / sizeof(ins_irq_cols[0]); i++, p++) {
		int c = ins_irq_cols[i];

		if (c >= 0) {
			if (ih_rec_row_has(r, (enum ih_col)c))
				bind_int(ins, p, r->col[c]);
			else
				bind_null(ins, p);
		} else if (p - p0 == 8) {
			bind_int(ins, p, r->start_ns);
		} else if (p - p0 == 11) {
			bind_int(ins, p, r->complete);
		} else if (r->broken_hop >= 0) {
			bind_static_text(ins, p, ih_cat_hop_name((enum ih_hop)r->broken_hop));
		} else {
			bind_null(ins, p);
		}
	}
}

/* Inserts INS->rows rows from ROWS, of run RUN_ID, in one step; returns an
 * SQLite result code (SQLITE_DONE on success).  On failure *DONE = the rows
 * inserted before the refused one (OR FAIL keeps them; the caller fails the
 * store).  Caller holds dbmu. */
static int insert_rows(struct ih_store *st, struct store_ins *ins, int64_t run_id,
		       const struct ih_rec_row *rows, size_t *done)
{
	int rc;

	for (int j = 0; j < ins->rows; j++)
		bind_row(ins, j, run_id, &rows[j]);
	rc = sqlite3_step(ins->s);
	/* The failed statement's changes: the rows it kept. */
	*done = rc == SQLITE_DONE ? (size_t)ins->rows : (size_t)sqlite3_changes(st->db);
	sqlite3_reset(ins->s);
	return rc;
}

/* Inserts batch B's rows and adds them to their hop orders, STORE_INS_ROWS
 * rows per step while that many are left.  On failure sets werr (and
 * werr_msg, naming the interrupt refused) and stops.  Writer thread,
 * holding dbmu. */
static void insert_batch(struct ih_store *st, struct store_batch *b)
{
	for (size_t i = 0, k; i < b->n && !atomic_load(&st->werr); i += k) {
		struct store_ins *ins = b->n - i >= STORE_INS_ROWS ? &st->ins_many : &st->ins_one;
		size_t done;

		k = (size_t)ins->rows;
		if (insert_rows(st, ins, b->run_id, &b->rows[i], &done) != SQLITE_DONE) {
			const struct ih_rec_row *r = &b->rows[i + (done < k ? done : 0)];

			snprintf(st->werr_msg, sizeof(st->werr_msg),
				 "database %s: cannot insert interrupt %llu: %s", st->path,
				 (unsigned long long)r->irq_id, sqlite3_errmsg(st->db));
			atomic_store(&st->werr, true);
			break;
		}
		for (size_t j = i; j < i + k; j++) {
			if (store_order_add(b->run, &b->rows[j], st->werr_msg, sizeof(st->werr_msg))) {
				atomic_store(&st->werr, true);
				break;
			}
		}
	}
}

/* Writer thread: inserts queued batches until closing and the queue is
 * empty.  After an error it keeps draining (without inserting) so the
 * producer never blocks forever; the error is reported through werr. */
void *store_writer_main(void *arg)
{
	struct ih_store *st = arg;
	size_t since_hint = 0;

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
		insert_batch(st, b);
		pthread_mutex_unlock(&st->dbmu);
		since_hint += b->n;
		if (since_hint >= STORE_WB_ROWS) {
			store_writeback_hint(st);
			since_hint = 0;
		}

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
	if (store_blocks_add(run, row, err, errlen))
		return -1;
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
