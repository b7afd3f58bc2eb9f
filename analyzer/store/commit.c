/*
 * analyzer/store/commit.c - the end of a store: commit (drain the writer,
 * the last hop-order parts, the indexes, COMMIT) or destroy (roll back, and
 * remove a database file this store created).
 */
#include "config.h"
#include "analyzer/store/priv.h"
#include "collector/events/clock.h"
#include "schemas/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const struct ih_store_times *ih_store_times(const struct ih_store *st)
{
	return &st->times;
}

int ih_store_commit(struct ih_store *st, char *err, size_t errlen)
{
	uint64_t t0 = ih_now_ns(), t1, t2;

	store_stop_writer(st);
	t1 = ih_now_ns();
	st->times.drain_s = (double)(t1 - t0) / 1e9;
	if (atomic_load(&st->werr)) {
		snprintf(err, errlen, "%s", st->werr_msg);
		goto error;
	}
	ih_test_point("indexing");
	/* The writer is joined: a dropped run's rows go (cascading from its
	 * run row), every other run gets the last, partial part of its hop
	 * orders. */
	for (struct ih_store_run *r = st->runs; r; r = r->next) {
		if (r->dropped) {
			if (store_delete_run(st, r->run_id, err, errlen))
				goto error;
			continue;
		}
		for (int p = 0; p < IH_PATH_COUNT_; p++)
			for (int h = 0; h < IH_HOP_COUNT_; h++)
				if (store_order_flush(r, p, h, err, errlen))
					goto error;
	}
	if (ih_db_create_indexes(st->db, err, errlen))
		goto error;
	t2 = ih_now_ns();
	st->times.index_s = (double)(t2 - t1) / 1e9;
	ih_test_point("committing");
	if (store_exec(st, "COMMIT", "cannot commit the run", err, errlen))
		goto error;
	st->in_txn = false;
	st->committed = true;
	/* The file this store created is an irqhop database like any other
	 * from now on: WAL, so readers never wait on a later writer.  When a
	 * reader holds it open the switch waits for the next writer. */
	if (st->created)
		(void)ih_db_wal(st->db);
	st->times.commit_s = (double)(ih_now_ns() - t2) / 1e9;
	return 0;
error:
	if (st->in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
	return -1;
}

void ih_store_run_drop(struct ih_store_run *run)
{
	run->dropped = true;
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
	store_finalize_inserts(st);
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
		store_blocks_free(r->blocks);
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
