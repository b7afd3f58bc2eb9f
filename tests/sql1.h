/*
 * tests/sql1.h - one-value SQL queries for the C tests: a fresh read-only
 * connection per query, so a test reads what is committed, as any other
 * reader would.
 */
#ifndef IH_TEST_SQL1_H
#define IH_TEST_SQL1_H
#include "tests/tap.h"

#include <sqlite3.h>
#include <stdint.h>

/* The first column of the first row of SQL on DBPATH; -1 (with a TAP
 * diagnostic) when the query fails or returns no row. */
static inline int64_t sql1(const char *dbpath, const char *sql)
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
#endif
