/*
 * analyzer_store.c - unit tests of writing a run into SQLite
 * (analyzer/ih_store): rows, histograms, summaries, the run row, and the
 * all-or-nothing transaction.
 */
#include "config.h"
#include "schemas/order.h"
#include "tests/tap.h"
#include "tests/sql1.h"
#include "analyzer/store/store.h"
#include "schemas/db.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ih_store_test.XXXXXX";
static char dbpath[512];

/* A one-value query on this test's database (tests/sql1.h); -1 on error. */
static int64_t q1(const char *sql)
{
	return sql1(dbpath, sql);
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

/* Row I of the every-column test: each column NULL or set by its own
 * pattern over I, so consecutive rows differ in which columns are NULL, in
 * their paths and in broken_hop (the writer binds only what changed from
 * the row before and inserts 32 rows per statement). */
static struct ih_rec_row mixed_row(uint64_t i)
{
	struct ih_rec_row r;

	memset(&r, 0, sizeof(r));
	r.irq_id = i;
	r.path = (enum ih_path)(1 + i % (IH_PATH_COUNT_ - 1));
	r.start_ns = 1000000 + 7 * (int64_t)i;
	r.complete = i % 3 != 0;
	r.broken_hop = r.complete ? -1 : (int)(i % IH_HOP_TOTAL);
	for (int c = 0; c < IH_COL_COUNT_; c++) {
		if ((i * 7 + (uint64_t)c * 13) % 5 == 0)
			continue;	/* NULL */
		r.col[c] = (int64_t)(i * 31 + (uint64_t)c) % 97 == 0 ? 0 : (int64_t)(i * 1000 + (uint64_t)c);
		r.set |= 1u << c;
	}
	return r;
}

/* irq columns by enum ih_col, for mixed_row's check. */
static const char *const col_names[IH_COL_COUNT_] = {
	[IH_HOP_DELIVERY] = "delivery_ns", [IH_HOP_SCHEDULE] = "schedule_ns", [IH_HOP_QUEUE] = "queue_ns",
	[IH_HOP_ASSIST] = "assist_ns", [IH_HOP_CALLBACK] = "callback_ns", [IH_HOP_DEFER] = "defer_ns",
	[IH_HOP_WORKER] = "worker_ns", [IH_HOP_INJECT] = "inject_ns", [IH_HOP_GUEST] = "guest_ns",
	[IH_HOP_SIGNAL] = "signal_ns", [IH_HOP_WAKE] = "wake_ns", [IH_HOP_RUN] = "run_ns",
	[IH_COL_TOTAL] = "total_ns", [IH_COL_SOURCE] = "source", [IH_COL_VECTOR] = "vector",
	[IH_COL_PCPU] = "pcpu", [IH_COL_VCPU] = "vcpu", [IH_COL_ACK] = "ack_ns",
	[IH_COL_SCHED_LOCK] = "sched_lock_wait_ns", [IH_COL_RUN_LOCK] = "run_lock_wait_ns",
	[IH_COL_VM_LOCK] = "vm_lock_wait_ns", [IH_COL_TASK_PCPU] = "task_pcpu",
	[IH_COL_ACK_PCPU] = "ack_pcpu", [IH_COL_WORKER] = "worker",
};

/* Compares every column of DB's irq rows of run RUN_ID with mixed_row(1..N)
 * and hop_order's pair counts with the rows' hops; returns the number of
 * mismatches (each one also printed as a diagnostic, the first 5). */
static int check_mixed(const char *db_path, int64_t run_id, uint64_t n)
{
	char sql[2048];
	size_t len;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	uint64_t want = 1;
	int bad = 0;

	len = (size_t)snprintf(sql, sizeof(sql), "SELECT irq_id, path, start_ns, complete, broken_hop");
	for (int c = 0; c < IH_COL_COUNT_; c++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", col_names[c]);
	snprintf(sql + len, sizeof(sql) - len, " FROM irq WHERE run_id = %lld ORDER BY irq_id, start_ns",
		 (long long)run_id);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		tap_diag("cannot read irq: %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	for (; sqlite3_step(s) == SQLITE_ROW; want++) {
		struct ih_rec_row r = mixed_row(want);
		const unsigned char *bh = sqlite3_column_text(s, 4);
		int wrong = -1;

		if ((uint64_t)sqlite3_column_int64(s, 0) != r.irq_id)
			wrong = 0;
		else if (strcmp((const char *)sqlite3_column_text(s, 1), ih_cat_path_name(r.path)) != 0)
			wrong = 1;
		else if (sqlite3_column_int64(s, 2) != r.start_ns)
			wrong = 2;
		else if (sqlite3_column_int(s, 3) != r.complete)
			wrong = 3;
		else if (r.broken_hop < 0 ? bh != NULL
			 : !bh || strcmp((const char *)bh, ih_cat_hop_name((enum ih_hop)r.broken_hop)) != 0)
			wrong = 4;
		for (int c = 0; wrong < 0 && c < IH_COL_COUNT_; c++) {
			bool null = sqlite3_column_type(s, 5 + c) == SQLITE_NULL;

			if (null != !ih_rec_row_has(&r, (enum ih_col)c) ||
			    (!null && sqlite3_column_int64(s, 5 + c) != r.col[c]))
				wrong = 5 + c;
		}
		if (wrong >= 0 && bad++ < 5)
			tap_diag("irq %llu: column %s differs", (unsigned long long)want, sqlite3_column_name(s, wrong));
	}
	sqlite3_finalize(s);
	if (want != n + 1) {
		tap_diag("%llu irq rows, want %llu", (unsigned long long)want - 1, (unsigned long long)n);
		bad++;
	}
	/* hop_order: as many pairs per (path, hop) as rows with that hop. */
	for (int p = 1; p < IH_PATH_COUNT_; p++) {
		for (int h = 0; h < IH_HOP_COUNT_; h++) {
			uint64_t expect = 0, got = 0;

			for (uint64_t i = 1; i <= n; i++) {
				struct ih_rec_row r = mixed_row(i);

				expect += (int)r.path == p && ih_rec_row_has(&r, (enum ih_col)h);
			}
			snprintf(sql, sizeof(sql), "SELECT coalesce(sum(count), 0) FROM hop_order WHERE run_id = %lld "
				 "AND path = '%s' AND hop = '%s'", (long long)run_id, ih_cat_path_name((enum ih_path)p),
				 ih_cat_hop_name((enum ih_hop)h));
			if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
				got = (uint64_t)sqlite3_column_int64(s, 0);
			sqlite3_finalize(s);
			if (got != expect && bad++ < 5)
				tap_diag("hop_order %s/%s: %llu pairs, want %llu", ih_cat_path_name((enum ih_path)p),
					 ih_cat_hop_name((enum ih_hop)h), (unsigned long long)got,
					 (unsigned long long)expect);
		}
	}
	sqlite3_close(db);
	return bad;
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
	/* The store's connection does not enforce foreign keys: it deletes
	 * the old run's rows itself, in every table referencing run. */
	is_u64(q1("SELECT (SELECT count(*) FROM hop_order WHERE run_id = 1) + (SELECT count(*) FROM hop_hist WHERE "
		  "run_id = 1) + (SELECT count(*) FROM hop_summary WHERE run_id = 1) + (SELECT count(*) FROM hop_pct "
		  "WHERE run_id = 1) + (SELECT count(*) FROM path_summary WHERE run_id = 1)"), 0,
	       "replace: none of the old run's hop orders, histograms, summaries and percentiles is left");
	is_u64(q1("SELECT count(*) FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' "
		  "AND NOT (f.\"table\" = 'run' AND f.\"to\" = 'id' AND f.on_delete = 'CASCADE')"), 0,
	       "every foreign key of the schema references run(id) ON DELETE CASCADE (what the store's "
	       "replace deletes)");

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

	err[0] = '\0';
	/* Every column of every row as given, whatever changes from one row
	 * to the next, across multi-row statements, batches and a count that
	 * is not a multiple of either. */
	{
		char p3[600];
		enum { M = 3 * 1024 + 77 };

		snprintf(p3, sizeof(p3), "%s/mixed.sqlite", dir);
		st = ih_store_open(p3, err, sizeof(err));
		sr = st ? ih_store_run_begin(st, "/traces/m", NULL, false, err, sizeof(err)) : NULL;
		ok(sr != NULL, "mixed rows: run begun (%s)", err);
		bad = 0;
		for (uint64_t i = 1; sr && i <= M; i++) {
			struct ih_rec_row r = mixed_row(i);

			bad += ih_store_add_irq(sr, &r, err, sizeof(err)) != 0;
		}
		ok(sr && bad == 0 && ih_store_run_finish(sr, &run, NULL, &res, err, sizeof(err)) == 0 &&
		   ih_store_commit(st, err, sizeof(err)) == 0, "mixed rows: committed (%s)", err);
		ih_store_destroy(st);
		is_u64(check_mixed(p3, 1, M), 0, "mixed rows: every column of the %d rows and every hop's pair "
		       "count as given", M);

		/* The same key twice, inside a multi-row statement: refused,
		 * naming that interrupt, nothing committed. */
		st = ih_store_open(p3, err, sizeof(err));
		sr = st ? ih_store_run_begin(st, "/traces/d", NULL, false, err, sizeof(err)) : NULL;
		bad = 0;
		for (uint64_t i = 1; sr && i <= 100; i++) {
			struct ih_rec_row r = mixed_row(i == 41 ? 40 : i);

			bad += ih_store_add_irq(sr, &r, err, sizeof(err)) != 0;
		}
		ok(sr && bad == 0 && ih_store_run_finish(sr, &run, NULL, &res, err, sizeof(err)) == 0,
		   "duplicate key: rows queued (%s)", err);
		err[0] = '\0';
		ok(st && ih_store_commit(st, err, sizeof(err)) != 0 && strstr(err, "cannot insert interrupt 40:"),
		   "duplicate key refused, naming the interrupt: %s", err);
		ih_store_destroy(st);
		is_u64(q1("SELECT count(*) FROM run"), 1, "duplicate key: nothing committed (the first database)");
		{
			sqlite3 *db = NULL;
			sqlite3_stmt *s = NULL;
			int64_t runs = -1;

			if (sqlite3_open_v2(p3, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
			    sqlite3_prepare_v2(db, "SELECT count(*) * 1000000 + (SELECT count(*) FROM irq) FROM run",
					       -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
				runs = sqlite3_column_int64(s, 0);
			sqlite3_finalize(s);
			sqlite3_close(db);
			is_u64(runs, 1000000 + M, "duplicate key: the mixed database still holds its one run only");
		}
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
