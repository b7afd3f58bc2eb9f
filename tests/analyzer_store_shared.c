/*
 * analyzer_store_shared.c - one store shared by several threads, as irqhop
 * analyze of several traces at once uses it (analyzer/graph/parallel.c):
 * runs begun, filled and finished from their own threads while the one
 * writer thread inserts, one run dropped (its trace failed), one commit.
 * Run by the ThreadSanitizer build too (make check-concurrency).
 */
#include "config.h"
#include "tests/tap.h"
#include "tests/sql1.h"
#include "analyzer/store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { THREADS = 4, ROWS = 20000, DROPPED = 2 };

static char dir[] = "/tmp/ih_store_shared.XXXXXX";
static char dbpath[512];

struct job {
	struct ih_store *st;
	int k;
	int failed;
	struct ih_store_result res;
	char err[512];
};

/* A one-value query on this test's database (tests/sql1.h); -1 on error. */
static int64_t q1(const char *sql)
{
	return sql1(dbpath, sql);
}

static void *run_trace(void *arg)
{
	struct job *j = arg;
	struct ih_store_run_info info;
	struct ih_store_run *run;
	char trace[64], uuid[64];

	snprintf(trace, sizeof(trace), "/traces/host%d", j->k);
	snprintf(uuid, sizeof(uuid), "00000000-0000-0000-0000-00000000000%d", j->k);
	if (!(run = ih_store_run_begin(j->st, trace, uuid, false, j->err, sizeof(j->err)))) {
		j->failed = 1;
		return NULL;
	}
	for (uint64_t i = 1; i <= ROWS; i++) {
		struct ih_rec_row r;

		memset(&r, 0, sizeof(r));
		r.irq_id = i;
		r.path = IH_PATH_PASSTHROUGH;
		r.start_ns = (int64_t)(1000 * i);
		r.complete = true;
		r.broken_hop = -1;
		r.col[IH_HOP_DELIVERY] = (int64_t)(i % 977) + j->k;
		r.col[IH_COL_TOTAL] = r.col[IH_HOP_DELIVERY];
		r.set = 1u << IH_HOP_DELIVERY | 1u << IH_COL_TOTAL;
		if (ih_store_add_irq(run, &r, j->err, sizeof(j->err))) {
			j->failed = 1;
			return NULL;
		}
	}
	if (j->k == DROPPED) {
		ih_store_run_drop(run);
		return NULL;
	}
	memset(&info, 0, sizeof(info));
	info.trace = trace;
	info.events = ROWS;
	if (ih_store_run_finish(run, &info, NULL, &j->res, j->err, sizeof(j->err)))
		j->failed = 1;
	return NULL;
}

int main(void)
{
	struct job jobs[THREADS];
	pthread_t th[THREADS];
	char err[512], sql[600];
	struct ih_store *st;
	int failed = 0;

	if (!mkdtemp(dir))
		tap_bail("mkdtemp failed");
	snprintf(dbpath, sizeof(dbpath), "%s/t.sqlite", dir);
	st = ih_store_open(dbpath, err, sizeof(err));
	if (!st)
		tap_bail("%s", err);
	for (int k = 0; k < THREADS; k++) {
		memset(&jobs[k], 0, sizeof(jobs[k]));
		jobs[k].st = st;
		jobs[k].k = k;
		if (pthread_create(&th[k], NULL, run_trace, &jobs[k]))
			tap_bail("pthread_create failed");
	}
	for (int k = 0; k < THREADS; k++) {
		pthread_join(th[k], NULL);
		failed += jobs[k].failed;
		if (jobs[k].failed)
			tap_diag("thread %d: %s", k, jobs[k].err);
	}
	is_u64(failed, 0, "%d threads began, filled and finished (or dropped) their runs", THREADS);
	err[0] = '\0';
	ok(ih_store_commit(st, err, sizeof(err)) == 0, "one commit for every run%s%s", err[0] ? ": " : "", err);
	ih_store_destroy(st);
	is_u64(q1("SELECT count(*) FROM run"), THREADS - 1, "every run but the dropped one");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM run WHERE trace = '/traces/host%d'", DROPPED);
	is_u64(q1(sql), 0, "the dropped run's row is gone");
	is_u64(q1("SELECT count(*) FROM irq"), (uint64_t)(THREADS - 1) * ROWS, "every row of the runs kept");
	is_u64(q1("SELECT count(*) FROM irq WHERE run_id NOT IN (SELECT id FROM run)") +
	       q1("SELECT count(*) FROM hop_order WHERE run_id NOT IN (SELECT id FROM run)"), 0,
	       "nothing of the dropped run is left (irq, hop_order)");
	is_u64(q1("SELECT count(DISTINCT run_id) FROM hop_summary WHERE hop = 'delivery' AND count = 20000"),
	       THREADS - 1, "each kept run has its own histograms");
	{
		int64_t sum = 0;

		for (int k = 0; k < THREADS; k++)
			if (k != DROPPED) {
				int64_t want = 0;

				for (int64_t i = 1; i <= ROWS; i++)
					want += i % 977 + k;
				snprintf(sql, sizeof(sql), "SELECT sum(delivery_ns) FROM irq WHERE run_id = %lld",
					 (long long)jobs[k].res.run_id);
				sum += q1(sql) == want;
			}
		is_u64((uint64_t)sum, THREADS - 1, "each run holds its own rows (sums of its delivery hops)");
	}
	unlink(dbpath);
	snprintf(sql, sizeof(sql), "%s-wal", dbpath);
	unlink(sql);
	snprintf(sql, sizeof(sql), "%s-shm", dbpath);
	unlink(sql);
	rmdir(dir);
	return tap_done();
}
