/*
 * schemas/merge.c - copying one run between irqhop databases, see
 * schemas/merge.h.
 *
 * The copy follows the schema rather than a list of tables: every table of
 * the source with a run_id column is copied, column by column where both
 * databases have the column, so a table added by a migration is merged
 * without this file changing.
 */
#include "config.h"
#include "schemas/merge.h"
#include "schemas/db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends "name" (double quotes doubled) to buf.  -1 when it does not fit. */
static int merge_quote(char *buf, size_t len, const char *name)
{
	size_t j = strlen(buf);

	if (j + 1 >= len)
		return -1;
	buf[j++] = '"';
	for (; *name; name++) {
		if (j + 3 >= len)
			return -1;
		if (*name == '"')
			buf[j++] = '"';
		buf[j++] = *name;
	}
	buf[j++] = '"';
	buf[j] = '\0';
	return 0;
}

static int merge_append(char *buf, size_t len, const char *s)
{
	size_t j = strlen(buf), n = strlen(s);

	if (j + n + 1 > len)
		return -1;
	memcpy(buf + j, s, n + 1);
	return 0;
}

/* Builds "INSERT INTO main.T (cols) SELECT cols FROM src.T WHERE KEY = ?2"
 * for the columns of T in both databases; the run_id column takes ?1, and
 * for the run table the id column is left out (a new one is assigned).
 * Returns 0, or -1 with the SQLite problem in err. */
static int merge_copy_sql(sqlite3 *db, const char *table, char *sql, size_t len, char *err, size_t errlen)
{
	static const char cols_sql[] =
		"SELECT m.name FROM pragma_table_info(?1, 'main') m "
		"JOIN pragma_table_info(?1, 'src') s ON s.name = m.name ORDER BY m.cid";
	char sel[8192] = "";
	sqlite3_stmt *st = NULL;
	bool is_run = strcmp(table, "run") == 0, first = true;
	int rc;

	sql[0] = '\0';
	if (sqlite3_prepare_v2(db, cols_sql, -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (merge_append(sql, len, "INSERT INTO main.") || merge_quote(sql, len, table) || merge_append(sql, len, " ("))
		goto toolong;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);

		if (!col || (is_run && strcmp(col, "id") == 0))
			continue;
		if ((!first && (merge_append(sql, len, ", ") || merge_append(sel, sizeof(sel), ", "))) ||
		    merge_quote(sql, len, col))
			goto toolong;
		if (!is_run && strcmp(col, "run_id") == 0) {
			if (merge_append(sel, sizeof(sel), "?1"))
				goto toolong;
		} else if (merge_quote(sel, sizeof(sel), col)) {
			goto toolong;
		}
		first = false;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	sqlite3_finalize(st);
	if (first) {
		snprintf(err, errlen, "table %s has no columns in common", table);
		return -1;
	}
	if (merge_append(sql, len, ") SELECT ") || merge_append(sql, len, sel) || merge_append(sql, len, " FROM src.") ||
	    merge_quote(sql, len, table) || merge_append(sql, len, is_run ? " WHERE id = ?2" : " WHERE run_id = ?2"))
		goto toolong;
	return 0;
toolong:
	sqlite3_finalize(st);
	snprintf(err, errlen, "table %s: statement too long", table);
	return -1;
sqlerr:
	snprintf(err, errlen, "cannot read the columns of %s: %s", table, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

/* Runs SQL with ?1 = a, ?2 = b.  Returns 0, or -1 with err set. */
static int merge_exec2(sqlite3 *db, const char *sql, int64_t a, int64_t b, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int ih_db_merge_run(const char *dbpath, const char *src, int64_t old, int64_t *newid, char *err, size_t errlen)
{
	static const char tables_sql[] =
		"SELECT t.name FROM src.sqlite_schema t WHERE t.type = 'table' AND t.name != 'run' "
		"AND EXISTS (SELECT 1 FROM pragma_table_info(t.name, 'src') c WHERE c.name = 'run_id') "
		"ORDER BY t.name";
	char sql[16384], e2[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *at = NULL;
	int rc, ret = -1;
	bool in_tx = false, attached = false;

	if (ih_db_open_rw(dbpath, &db, err, errlen))
		return -1;
	if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS src", -1, &at, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(at, 1, src, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(at) != SQLITE_DONE) {
		snprintf(err, errlen, "database %s: cannot read the session's run: %s", dbpath, sqlite3_errmsg(db));
		goto end;
	}
	attached = true;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: cannot lock for writing: %s", dbpath, sqlite3_errmsg(db));
		goto end;
	}
	in_tx = true;
	if (merge_copy_sql(db, "run", sql, sizeof(sql), e2, sizeof(e2)) ||
	    merge_exec2(db, sql, 0, old, e2, sizeof(e2))) {
		snprintf(err, errlen, "database %s: cannot add the run: %s", dbpath, e2);
		goto end;
	}
	*newid = sqlite3_last_insert_rowid(db);
	if (sqlite3_prepare_v2(db, tables_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", dbpath, sqlite3_errmsg(db));
		goto end;
	}
	/* Tables are read first: the copies must not run while st is
	 * stepping over the schema they write to. */
	{
		char *names[64];
		int n = 0;

		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 64) {
			names[n] = strdup((const char *)sqlite3_column_text(st, 0));
			if (!names[n])
				break;
			n++;
		}
		sqlite3_finalize(st);
		st = NULL;
		for (int i = 0; i < n; i++) {
			if (ret != -2 && (merge_copy_sql(db, names[i], sql, sizeof(sql), e2, sizeof(e2)) ||
					  merge_exec2(db, sql, *newid, old, e2, sizeof(e2)))) {
				snprintf(err, errlen, "database %s: cannot copy %s: %s", dbpath, names[i], e2);
				ret = -2;
			}
			free(names[i]);
		}
		if (ret == -2) {
			ret = -1;
			goto end;
		}
	}
	if (ih_db_create_indexes(db, e2, sizeof(e2))) {
		snprintf(err, errlen, "%s", e2);
		goto end;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: cannot commit: %s", dbpath, sqlite3_errmsg(db));
		goto end;
	}
	in_tx = false;
	ret = 0;
end:
	if (ret && strstr(err, "UNIQUE constraint failed: run.trace_uuid"))
		snprintf(err, errlen, "database %s: this session's trace was already analyzed into it", dbpath);
	sqlite3_finalize(st);
	sqlite3_finalize(at);
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (attached)
		sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
	sqlite3_close(db);
	return ret;
}
