/*
 * schemas_db.c - TAP tests of ih_db: creation, migration from every earlier
 * version, and the refusals (newer version, foreign database, read-only open
 * of an old one, unwritable path).
 */
#include "config.h"
#include "schemas/db.h"
#include "schemas/order.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ih-schemas-XXXXXX";

static int exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static int scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int main(void)
{
	char path[256], err[512];
	sqlite3 *db;

	if (!mkdtemp(dir))
		tap_bail("cannot make a temporary directory");

	snprintf(path, sizeof(path), "%s/new.sqlite", dir);
	ok(ih_db_open_rw(path, &db, err, sizeof(err)) == 0, "a new database is created %s", err);
	is_u64(scalar(db, "PRAGMA user_version"), IH_SCHEMA_VERSION, "at the current schema version");
	is_u64(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('steal','steal_breakdown','lock_summary','hop_stats')"),
	       4, "with the steal, lock and hop tables and views");
	sqlite3_close(db);
	ok(ih_db_open_ro(path, &db, err, sizeof(err)) == 0, "it opens read-only %s", err);
	sqlite3_close(db);

	/* A version-1 database holding a run migrates and keeps its data. */
	snprintf(path, sizeof(path), "%s/v1.sqlite", dir);
	ok(exec_sql(path, ih_db_schema_sql()) == 0 &&
	   exec_sql(path, "PRAGMA user_version = 1; INSERT INTO run (label, trace, analyzer_version) VALUES ('old', '/t', '0');"
		    /* 300 interrupts, delivery 300..1 ns, every third incomplete. */
		    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300) "
		    "INSERT INTO irq (run_id, irq_id, path, start_ns, complete, delivery_ns, total_ns) "
		    "SELECT 1, i, 'passthrough', 1000 + i, i % 3 <> 0, 301 - i, CASE WHEN i % 3 <> 0 THEN 1000 - i END FROM k") == 0,
	   "a version-1 database with a run of 300 interrupts is made");
	ok(ih_db_open_ro(path, &db, err, sizeof(err)) == -1 && strstr(err, "run irqhop analyze"),
	   "read-only open of version 1 is refused with advice: %s", err);
	ok(ih_db_open_rw(path, &db, err, sizeof(err)) == 0, "opening it for writing migrates it %s", err);
	is_u64(scalar(db, "PRAGMA user_version"), IH_SCHEMA_VERSION, "to the current version");
	is_u64(scalar(db, "SELECT count(*) FROM run WHERE label = 'old'"), 1, "its run survives");
	is_u64(scalar(db, "SELECT count(*) FROM steal_breakdown"), 0, "the new views work on it");
	is_u64(scalar(db, "SELECT count(*) FROM irq WHERE run_id = 1"), 300, "its interrupts survive the new key (v5)");
	is_u64(scalar(db, "SELECT count(*) FROM hop WHERE hop = 'delivery'"), 300, "the hop view reads them");
	is_u64(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'irq'"), 0,
	       "no index over irq is left");
	is_u64(scalar(db, "SELECT sum(count) FROM hop_order WHERE run_id = 1 AND hop = 'delivery'"), 300,
	       "hop_order rebuilt from the irq rows: every delivery");
	is_u64(scalar(db, "SELECT sum(count) FROM hop_order WHERE run_id = 1 AND hop = 'total'"), 200,
	       "and the complete ones' totals");
	is_u64(scalar(db, "SELECT count(*) FROM pragma_table_info('hop_block')"), 8,
	       "hop_block exists after the migration (v7)");
	is_u64(scalar(db, "SELECT count(*) FROM hop_block"), 0,
	       "with no rows for the run analyzed before (its verdicts read irq)");
	{
		struct ih_order_pair p[3];
		size_t n = 0;

		ok(ih_order_top(db, 1, "passthrough", "delivery", 3, p, &n, err, sizeof(err)) == 0 && n == 3 &&
		   p[0].dur_ns == 300 && p[0].irq_id == 1 && p[2].dur_ns == 298 && p[2].irq_id == 3,
		   "the rebuilt order reads back: slowest delivery first (%s)", err);
	}
	sqlite3_close(db);

	snprintf(path, sizeof(path), "%s/future.sqlite", dir);
	exec_sql(path, "CREATE TABLE x (a); PRAGMA user_version = 99");
	ok(ih_db_open_rw(path, &db, err, sizeof(err)) == -1 && strstr(err, "newer"),
	   "a newer database is refused: %s", err);

	snprintf(path, sizeof(path), "%s/foreign.sqlite", dir);
	exec_sql(path, "CREATE TABLE x (a)");
	ok(ih_db_open_rw(path, &db, err, sizeof(err)) == -1 && strstr(err, "not an irqhop database"),
	   "a foreign database is refused: %s", err);

	ok(ih_db_open_rw("/proc/ih-no/x.sqlite", &db, err, sizeof(err)) == -1 &&
	   strstr(err, "/proc/ih-no/x.sqlite") && !strchr(err, '\n'),
	   "an unwritable path gets one line naming it: %s", err);
	ok(ih_db_open_ro("/nonexistent/x.sqlite", &db, err, sizeof(err)) == -1 &&
	   strstr(err, "/nonexistent/x.sqlite"), "a missing database is named: %s", err);

	for (const char *n = "new\0v1\0future\0foreign\0"; *n; n += strlen(n) + 1) {
		char f[300];

		for (const char *sfx = "\0-wal\0-shm\0"; ; sfx += strlen(sfx) + 1) {
			snprintf(f, sizeof(f), "%s/%s.sqlite%s", dir, n, sfx);
			unlink(f);
			if (!*(sfx + strlen(sfx) + 1))
				break;
		}
	}
	rmdir(dir);
	return tap_done();
}
