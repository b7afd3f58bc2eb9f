/*
 * analyzer_store.c - unit tests of writing a run into SQLite
 * (analyzer/ih_store): rows, histograms, summaries, the run row, and the
 * all-or-nothing transaction.
 */
#include "config.h"
#include "schemas/order.h"
#include "tests/tap.h"
#include "analyzer/store/store.h"
#include "schemas/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ih_store_test.XXXXXX";
static char dbpath[512];

/* Runs a one-value query on a fresh read-only connection; -1 on error. */
static int64_t q1(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else
		tap_diag("query failed: %s: %s", sql, db ? sqlite3_errmsg(db) : "no db");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct ih_rec_row make_row(uint64_t id, int64_t delivery, bool complete)
{
	struct ih_rec_row r;

	memset(&r, 0, sizeof(r));
	r.irq_id = id;
	r.path = IH_PATH_PASSTHROUGH;
	r.start_ns = 1000 + (int64_t)id;
	r.complete = complete;
	r.broken_hop = complete ? -1 : IH_HOP_QUEUE;
	r.col[IH_HOP_DELIVERY] = delivery;
	r.set |= 1u << IH_HOP_DELIVERY;
	r.col[IH_COL_VECTOR] = 48;
	r.set |= 1u << IH_COL_VECTOR;
	if (complete) {
		r.col[IH_COL_TOTAL] = delivery + 10;
		r.set |= 1u << IH_COL_TOTAL;
	}
	return r;
}

int main(void)
{
	char err[512];
	struct ih_store *st;
	struct ih_store_run *sr;
	struct ih_store_run_info run;
	struct ih_store_result res;
	enum { N = 5000 };
	int bad = 0;

	if (!mkdtemp(dir))
		tap_bail("mkdtemp failed");
	snprintf(dbpath, sizeof(dbpath), "%s/t.sqlite", dir);

	/* A committed run. */
	st = ih_store_open(dbpath, err, sizeof(err));
	ok(st != NULL, "open a new database");
	if (!st)
		tap_bail("%s", err);
	sr = ih_store_run_begin(st, "/traces/a", "00000000-0000-0000-0000-000000000001", false, err, sizeof(err));
	ok(sr != NULL, "begin a run");
	if (!sr)
		tap_bail("%s", err);
	for (uint64_t i = 1; i <= N; i++) {
		struct ih_rec_row r = make_row(i, (int64_t)i, i % 10 != 0);

		if (ih_store_add_irq(sr, &r, err, sizeof(err)))
			bad++;
	}
	is_u64(bad, 0, "queue %d rows", N);
	memset(&run, 0, sizeof(run));
	run.label = "lbl";
	run.host = "hostA";
	run.trace = "/traces/a";
	run.tasklet_mode = "global";
	run.has_times = true;
	run.start_ns = 5;
	run.end_ns = 9;
	run.events = 123;
	run.discarded = 4;
	run.has_run_end = true;
	run.irqs_raised = N;
	run.irqs_acked = N - 1;
	ok(ih_store_run_finish(sr, &run, NULL, &res, err, sizeof(err)) == 0, "run finished (%s)", err);
	ok(ih_store_commit(st, err, sizeof(err)) == 0, "commit (%s)", err);
	ih_store_destroy(st);
	is_u64(res.run_id, 1, "first run id");
	is_u64(res.irqs, N, "result irqs");
	is_u64(res.incomplete, N / 10, "result incomplete");
	is_u64(q1("SELECT count(*) FROM irq WHERE run_id = 1"), N, "every row written by the writer thread");
	is_u64(q1("SELECT count(*) FROM irq WHERE complete = 0 AND broken_hop = 'queue'"), N / 10,
	       "incomplete rows carry broken_hop");
	is_u64(q1("SELECT count(*) FROM irq WHERE complete = 1 AND total_ns = delivery_ns + 10 AND queue_ns IS NULL "
		  "AND vector = 48 AND path = 'passthrough'"), N - N / 10, "columns and NULLs as given");
	is_u64(q1("SELECT irqs * 1000000 + irqs_incomplete * 100 + discarded FROM run WHERE id = 1"),
	       (uint64_t)N * 1000000 + N / 10 * 100 + 4, "run row counts");
	is_u64(q1("SELECT count(*) FROM run WHERE host = 'hostA' AND label = 'lbl' AND tasklet_mode = 'global' "
		  "AND notifier_mode IS NULL AND analyzer_version = '" PACKAGE_VERSION "' AND start_ns = 5 AND "
		  "end_ns = 9 AND irqs_raised = 5000 AND irqs_acked = 4999 AND events = 123"), 1, "run row fields");
	is_u64(q1("SELECT count FROM hop_summary WHERE run_id = 1 AND path = 'passthrough' AND hop = 'delivery'"),
	       N, "summary counts every delivery hop, complete or not");
	is_u64(q1("SELECT count FROM hop_summary WHERE hop = 'total'"), N - N / 10,
	       "summary of total counts complete interrupts only");
	is_u64(q1("SELECT sum_ns FROM hop_summary WHERE hop = 'delivery'"), (uint64_t)N * (N + 1) / 2, "summary sum");
	is_u64(q1("SELECT max_ns * 10000 + min_ns FROM hop_summary WHERE hop = 'delivery'"), (uint64_t)N * 10000 + 1,
	       "summary min and max");
	is_u64(q1("SELECT sum(count) FROM hop_hist WHERE run_id = 1 AND hop = 'delivery'"), N, "histogram holds every value");
	is_u64(q1("SELECT count(*) FROM hop_hist WHERE hi_ns - lo_ns > lo_ns / 100"), 0, "histogram buckets <= 1%% wide");
	{
		int64_t p99 = q1("SELECT p99_ns FROM hop_stats WHERE run_id = 1 AND path = 'passthrough' AND hop = 'delivery'");

		ok(p99 >= 4950 && p99 <= 4950 * 101 / 100, "hop_stats p99 within 1%% of the exact 4950 (got %lld)",
		   (long long)p99);
	}
	is_u64(q1("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'irq'"), 0,
	       "no index over irq to build (schema v5: key and hop_order)");
	is_u64(q1("SELECT sum(count) FROM hop_order WHERE run_id = 1 AND path = 'passthrough' AND hop = 'delivery'"),
	       N, "hop_order holds every delivery");
	is_u64(q1("SELECT sum(count) FROM hop_order WHERE run_id = 1 AND path = 'passthrough' AND hop = 'total'"),
	       N - N / 10, "hop_order's total holds the complete interrupts only");
	{
		struct ih_order_pair p[200];
		size_t got = 0, bad_pairs = 0;
		bool more = true;
		sqlite3 *db = NULL;

		ok(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK, "open for hop_order");
		ok(ih_order_range(db, 1, "passthrough", "delivery", 100, 199, 200, p, &got, &more, err,
				  sizeof(err)) == 0, "range of delivery [100, 199] (%s)", err);
		for (size_t i = 0; i < got; i++)
			bad_pairs += p[i].dur_ns != 100 + i || p[i].irq_id != 100 + i;
		ok(got == 100 && !more && bad_pairs == 0, "delivery [100, 199]: the 100 interrupts in order, no more "
		   "(got %zu, more %d, %zu wrong)", got, more, bad_pairs);
		ok(ih_order_range(db, 1, "passthrough", "delivery", 100, 199, 10, p, &got, &more, err,
				  sizeof(err)) == 0 && got == 10 && more && p[9].dur_ns == 109, "n = 10 of them: more is set");
		ok(ih_order_top(db, 1, "passthrough", "total", 3, p, &got, err, sizeof(err)) == 0 && got == 3 &&
		   p[0].irq_id == N - 1 && p[1].irq_id == N - 2 && p[2].irq_id == N - 3 &&
		   p[0].dur_ns == (uint64_t)N - 1 + 10, "the 3 slowest complete interrupts, slowest first");
		sqlite3_close(db);
	}
	is_u64(q1("SELECT irqs * 1000 + complete FROM path_summary WHERE run_id = 1 AND path = 'passthrough'"),
	       (uint64_t)N * 1000 + N - N / 10, "path_summary");

	/* Same trace UUID again: refused, nothing added. */
	st = ih_store_open(dbpath, err, sizeof(err));
	ok(st != NULL, "open again");
	if (st) {
		int64_t id = -1;

		sr = ih_store_run_begin(st, "/traces/a", "00000000-0000-0000-0000-000000000001", false, err,
					sizeof(err));
		ok(sr == NULL && strstr(err, "already analyzed as run 1"), "same trace UUID refused: %s", err);
		ih_store_destroy(st);
		ok(ih_store_lookup_uuid(dbpath, "00000000-0000-0000-0000-000000000001", &id, err, sizeof(err)) == 0 &&
		   id == 1, "lookup finds the run holding a UUID");
		ok(ih_store_lookup_uuid(dbpath, "00000000-0000-0000-0000-000000000009", &id, err, sizeof(err)) == 0 &&
		   id == 0, "lookup of an unknown UUID");
	}
	is_u64(q1("SELECT count(*) FROM run"), 1, "refused run left no run row");
	is_u64(q1("SELECT count(*) FROM irq"), N, "refused run left no irq row");

	/* Same UUID with replace: the old run goes in the same transaction. */
	st = ih_store_open(dbpath, err, sizeof(err));
	sr = st ? ih_store_run_begin(st, "/traces/a", "00000000-0000-0000-0000-000000000001", true, err,
				     sizeof(err)) : NULL;
	ok(sr != NULL, "replace: run begun (%s)", err);
	if (sr) {
		struct ih_rec_row r = make_row(1, 7, true);

		ih_store_add_irq(sr, &r, err, sizeof(err));
		is_u64(q1("SELECT count(*) FROM irq"), N, "replace: old run still visible to readers before commit");
		ok(ih_store_run_finish(sr, &run, NULL, &res, err, sizeof(err)) == 0 &&
		   ih_store_commit(st, err, sizeof(err)) == 0, "replace: committed (%s)", err);
		is_u64(res.run_id, 2, "replace: new run id");
	}
	ih_store_destroy(st);
	is_u64(q1("SELECT count(*) * 100 + max(id) FROM run"), 102, "replace: only the new run is left");
	is_u64(q1("SELECT count(*) FROM irq"), 1, "replace: the old run's rows are gone");

	/* Abandoned run (an error elsewhere): destroy without finish rolls back. */
	st = ih_store_open(dbpath, err, sizeof(err));
	sr = st ? ih_store_run_begin(st, "/traces/b", NULL, false, err, sizeof(err)) : NULL;
	ok(sr != NULL, "open for an abandoned run");
	if (sr) {
		bad = 0;
		for (uint64_t i = 1; i <= 3000; i++) {
			struct ih_rec_row r = make_row(i, 5, true);

			if (ih_store_add_irq(sr, &r, err, sizeof(err)))
				bad++;
		}
		is_u64(bad, 0, "rows queued (some already inserted by the writer)");
	}
	ih_store_destroy(st);
	is_u64(q1("SELECT count(*) FROM run"), 1, "abandoned run: no run row");
	is_u64(q1("SELECT count(*) FROM irq"), 1, "abandoned run: no irq row");
	is_u64(q1("SELECT count(*) FROM hop_summary"), 2, "abandoned run: no summary row");

	/* A database created by a store that never commits is removed. */
	{
		char p2[600];

		snprintf(p2, sizeof(p2), "%s/new.sqlite", dir);
		st = ih_store_open(p2, err, sizeof(err));
		ok(st != NULL && access(p2, F_OK) == 0, "new database created (%s)", err);
		ih_store_destroy(st);
		ok(access(p2, F_OK) != 0, "never committed: the new file is removed again");
	}

	/* Unwritable paths fail at open, naming the database. */
	st = ih_store_open("/proc/ih_no.sqlite", err, sizeof(err));
	ok(st == NULL && strstr(err, "/proc/ih_no.sqlite"), "unwritable database refused: %s", err);
	ih_store_destroy(st);
	st = ih_store_open(dir, err, sizeof(err));
	ok(st == NULL && strstr(err, dir), "a folder as database refused: %s", err);
	ih_store_destroy(st);

	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", dir);
	}
	return tap_done();
}
