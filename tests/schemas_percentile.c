/*
 * schemas_percentile.c - TAP tests of the one nearest-rank percentile rule
 * (schemas/percentile.h): the rank formula on known cases, and agreement
 * with its SQL restatement, the hop_stats view of schemas/irqhop.sql, on
 * random histograms (sizes where q * n is and is not an integer).  The
 * expected values are computed here with the C functions; a change to
 * either side that breaks agreement fails the last test.
 */
#include "config.h"
#include "schemas/db.h"
#include "schemas/percentile.h"
#include "build-aux/embed.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ih-pct-XXXXXX";

/* The schema files compiled into libihdb (schemas/schema_files.c). */
extern const struct ih_embedded ih_schema_files[];

/* Creates, in DB, the hop_stats view exactly as schemas/irqhop.sql states
 * it, under the name hop_stats_sql (the current hop_stats reads hop_pct,
 * written by C; the SQL restatement of the rule is the original view, which
 * migration 004 still evaluates for older runs).  Bails out when the
 * statement cannot be found or created. */
static void create_sql_view(sqlite3 *db)
{
	static const char start[] = "CREATE VIEW IF NOT EXISTS hop_stats AS";
	const struct ih_embedded *e = ih_embedded_find(ih_schema_files, "irqhop.sql");
	const char *a, *b;
	char *sql;

	if (!e || !(a = strstr((const char *)e->data, start)) || !(b = strstr(a, "GROUP BY")) ||
	    !(b = strchr(b, ';')))
		tap_bail("no hop_stats view in the embedded irqhop.sql");
	a += sizeof(start) - 1;
	if (asprintf(&sql, "CREATE VIEW hop_stats_sql AS %.*s", (int)(b - a), a) < 0)
		tap_bail("out of memory");
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		tap_bail("cannot create the view: %s", sqlite3_errmsg(db));
	free(sql);
}

/* A small deterministic generator (xorshift64*), so a failure reproduces. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

int main(void)
{
	static const double qs[] = { 0.50, 0.90, 0.99, 0.999 };
	static const char *const cols[] = { "p50_ns", "p90_ns", "p99_ns", "p999_ns" };
	static const uint64_t sizes[] = { 1, 2, 3, 7, 10, 99, 100, 101, 999, 1000, 1001, 4096, 12345 };
	char path[256], err[512], sql[256];
	sqlite3 *db;
	sqlite3_stmt *ins_h, *ins_s, *view;
	uint64_t seed = 42;
	int mismatches = 0, checked = 0;

	is_u64(ih_pct_rank(0.5, 0), 0, "rank of an empty set is 0");
	is_u64(ih_pct_rank(0.5, 1), 1, "p50 of 1 value: rank 1");
	is_u64(ih_pct_rank(0.5, 10), 5, "p50 of 10: rank 5");
	is_u64(ih_pct_rank(0.5, 11), 6, "p50 of 11: rank 6");
	is_u64(ih_pct_rank(0.99, 100), 99, "p99 of 100: rank 99 (q * n integral)");
	is_u64(ih_pct_rank(0.99, 101), 100, "p99 of 101: rank 100");
	is_u64(ih_pct_rank(0.999, 1000), 999, "p999 of 1000: rank 999");
	is_u64(ih_pct_rank(1.0, 7), 7, "p100 is the largest");
	is_u64(ih_pct_rank(1e-12, 7), 1, "a tiny q is rank 1");
	ok(ih_pct_reached(99, 100, 0.99) && !ih_pct_reached(98, 100, 0.99),
	   "reached: 99 of 100 reaches p99, 98 does not");
	is_u64(ih_pct_bucket_value(2047, 1500), 1500, "bucket value clamps to the exact max");
	is_u64(ih_pct_bucket_value(1023, 1500), 1023, "bucket value is the upper bound below the max");

	if (!mkdtemp(dir))
		tap_bail("cannot make a temporary directory");
	snprintf(path, sizeof(path), "%s/pct.sqlite", dir);
	if (ih_db_open_rw(path, &db, err, sizeof(err)) != 0)
		tap_bail("cannot create a database: %s", err);
	create_sql_view(db);
	if (sqlite3_exec(db, "INSERT INTO run (id, trace, analyzer_version) VALUES (1, 't', 'test'); BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO hop_hist (run_id, path, hop, lo_ns, hi_ns, count) "
			       "VALUES (1, 'timer', ?1, ?2, ?3, ?4)", -1, &ins_h, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO hop_summary (run_id, path, hop, count, sum_ns, min_ns, max_ns) "
			       "VALUES (1, 'timer', ?1, ?2, 0, 0, ?3)", -1, &ins_s, NULL) != SQLITE_OK)
		tap_bail("cannot prepare: %s", sqlite3_errmsg(db));

	/* Per size, a histogram of random buckets (counts 1 to 3 or 0: a
	 * bucket may be absent), its max inside the last bucket; the C rule
	 * computed here, then compared with the view. */
	uint64_t expect[sizeof(sizes) / sizeof(sizes[0])][4];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		static uint64_t blo[13000], bhi[13000], bc[13000];
		uint64_t n = sizes[s], left = n, cum = 0, lo = 0, max;
		size_t nb = 0;
		char hop[32];

		snprintf(hop, sizeof(hop), "h%zu", s);
		/* Buckets: every one holds 1 to 3 values (n <= 12345 values
		 * fit in 13000 buckets); gaps between them are empty buckets. */
		while (left > 0 && nb < sizeof(blo) / sizeof(blo[0])) {
			uint64_t c = 1 + rnd(&seed) % 3;

			lo += rnd(&seed) % 50;
			blo[nb] = lo;
			bhi[nb] = lo + rnd(&seed) % 50;
			bc[nb] = c < left ? c : left;
			left -= bc[nb];
			lo = bhi[nb] + 1;
			nb++;
		}
		if (left)
			tap_bail("too many buckets for n=%llu", (unsigned long long)n);
		/* The exact max lies inside the last bucket. */
		max = blo[nb - 1] + (bhi[nb - 1] - blo[nb - 1]) / 2;
		for (int q = 0; q < 4; q++) {
			uint64_t rank = ih_pct_rank(qs[q], n);

			cum = 0;
			for (size_t i = 0; i < nb; i++) {
				cum += bc[i];
				if (ih_pct_reached(cum, n, qs[q]) != (cum >= rank))
					tap_bail("ih_pct_reached disagrees with ih_pct_rank");
				if (cum >= rank) {
					expect[s][q] = ih_pct_bucket_value(bhi[i], max);
					break;
				}
			}
		}
		for (size_t i = 0; i < nb; i++) {
			sqlite3_bind_text(ins_h, 1, hop, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins_h, 2, (sqlite3_int64)blo[i]);
			sqlite3_bind_int64(ins_h, 3, (sqlite3_int64)bhi[i]);
			sqlite3_bind_int64(ins_h, 4, (sqlite3_int64)bc[i]);
			if (sqlite3_step(ins_h) != SQLITE_DONE)
				tap_bail("insert: %s", sqlite3_errmsg(db));
			sqlite3_reset(ins_h);
		}
		sqlite3_bind_text(ins_s, 1, hop, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins_s, 2, (sqlite3_int64)n);
		sqlite3_bind_int64(ins_s, 3, (sqlite3_int64)max);
		if (sqlite3_step(ins_s) != SQLITE_DONE)
			tap_bail("insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins_s);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int q = 0; q < 4; q++) {
			snprintf(sql, sizeof(sql), "SELECT %s FROM hop_stats_sql WHERE run_id = 1 AND hop = 'h%zu'",
				 cols[q], s);
			if (sqlite3_prepare_v2(db, sql, -1, &view, NULL) != SQLITE_OK ||
			    sqlite3_step(view) != SQLITE_ROW)
				tap_bail("hop_stats_sql: %s", sqlite3_errmsg(db));
			checked++;
			if ((uint64_t)sqlite3_column_int64(view, 0) != expect[s][q]) {
				mismatches++;
				tap_diag("n=%llu %s: view %lld, C %llu", (unsigned long long)sizes[s], cols[q],
				     (long long)sqlite3_column_int64(view, 0), (unsigned long long)expect[s][q]);
			}
			sqlite3_finalize(view);
		}
	ok(checked == 4 * (int)(sizeof(sizes) / sizeof(sizes[0])) && mismatches == 0,
	   "irqhop.sql's hop_stats agrees with ih_pct_rank / ih_pct_bucket_value on %d percentiles", checked);
	sqlite3_finalize(ins_h);
	sqlite3_finalize(ins_s);
	sqlite3_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pct.sqlite-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pct.sqlite-shm", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
