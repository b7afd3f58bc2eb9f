/*
 * analyzer/store/open.c - opening the database and the transaction that
 * holds every run of the store, starting a run (refusing, or with replace
 * deleting, a run that holds the same trace UUID).
 */
#include "config.h"
#include "analyzer/store/priv.h"
#include "schemas/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int store_exec(struct ih_store *st, const char *sql, const char *what, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s: %s", st->path, what,
			 msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

struct ih_store *ih_store_open(const char *db_path, char *err, size_t errlen)
{
	struct ih_store *st = calloc(1, sizeof(*st));
	struct stat sb;

	if (!st) {
		snprintf(err, errlen, "database %s: out of memory", db_path);
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->dbmu, NULL);
	pthread_cond_init(&st->nonempty, NULL);
	pthread_cond_init(&st->space, NULL);
	if (!(st->path = strdup(db_path))) {
		snprintf(err, errlen, "database %s: out of memory", db_path);
		goto error;
	}
	st->created = stat(db_path, &sb) != 0 && errno == ENOENT;
	/* A file of our own: written through a rollback journal, then WAL
	 * from its commit on (schemas/db.h). */
	if ((st->created ? ih_db_open_rw_new : ih_db_open_rw)(db_path, &st->db, err, errlen))
		goto error;
	/* No foreign-key enforcement on this connection (outside a transaction:
	 * the pragma does nothing inside one): checking every irq row's run_id
	 * against run cost the writer 7 % of its instructions per interrupt,
	 * for rows that always carry the run this store just inserted.  What
	 * the constraint's ON DELETE CASCADE did, store_delete_run does. */
	if (store_exec(st, "PRAGMA foreign_keys = OFF", "cannot set foreign keys off", err, errlen))
		goto error;
	/* IMMEDIATE: take the write lock now, so a concurrent writer makes us
	 * fail (after the busy timeout) before decoding, not at commit. */
	if (store_exec(st, "BEGIN IMMEDIATE", "cannot begin the run's transaction", err, errlen))
		goto error;
	st->in_txn = true;
	if (store_prepare_inserts(st, err, errlen))
		goto error;
	if (pthread_create(&st->writer, NULL, store_writer_main, st) != 0) {
		snprintf(err, errlen, "database %s: cannot start the writer thread", db_path);
		goto error;
	}
	st->writer_running = true;
	return st;
error:
	ih_store_destroy(st);
	return NULL;
}

int ih_store_lookup_uuid(const char *db_path, const char *uuid, int64_t *run_id, char *err,
			 size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct stat sb;
	int ret = -1;

	*run_id = 0;
	if (stat(db_path, &sb) != 0 && errno == ENOENT)
		return 0;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: cannot open: %s", db_path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		goto end;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "SELECT id FROM run WHERE trace_uuid = ? ORDER BY id LIMIT 1", -1, &s,
			       NULL) != SQLITE_OK) {
		/* No run table yet (an empty or foreign file): nothing to refuse
		 * here; ih_store_open() reports a foreign file. */
		ret = 0;
		goto end;
	}
	sqlite3_bind_text(s, 1, uuid, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		*run_id = sqlite3_column_int64(s, 0);
		ret = 0;
		break;
	case SQLITE_DONE:
		ret = 0;
		break;
	default:
		snprintf(err, errlen, "database %s: %s", db_path, sqlite3_errmsg(db));
	}
end:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ret;
}

/* Finds the run already holding UUID (committed: this transaction's own runs
 * are skipped by the caller through EXCEPT_ID).  *id = 0 if none.  -1 with
 * err set.  Caller holds dbmu. */
static int store_find_uuid(struct ih_store *st, const char *uuid, int64_t except_id, int64_t *id,
			   char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret = -1;

	*id = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM run WHERE trace_uuid = ? AND id <> ? ORDER BY id LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", st->path, sqlite3_errmsg(st->db));
		goto end;
	}
	sqlite3_bind_text(s, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, except_id);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		*id = sqlite3_column_int64(s, 0);
		ret = 0;
		break;
	case SQLITE_DONE:
		ret = 0;
		break;
	default:
		snprintf(err, errlen, "database %s: %s", st->path, sqlite3_errmsg(st->db));
	}
end:
	sqlite3_finalize(s);
	return ret;
}

/* Deletes run ID and its rows in every table whose foreign key references
 * run(id) ON DELETE CASCADE (found in the schema, so a table a migration
 * adds is covered): what the cascade does on a connection that enforces
 * foreign keys, which the store's does not (ih_store_open).  The schema's
 * foreign keys all reference run (tests/analyzer_store.t checks it).  -1
 * with err set.  Caller holds dbmu. */
int store_delete_run(struct ih_store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char *sql = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT coalesce(group_concat(printf('DELETE FROM \"%w\" WHERE \"%w\" = ?1;', m.name, "
			       "f.\"from\"), ''), '') || 'DELETE FROM run WHERE id = ?1;' FROM sqlite_schema m, pragma_foreign_key_list(m.name) f "
			       "WHERE m.type = 'table' AND f.\"table\" = 'run' AND f.\"to\" = 'id' "
			       "AND f.on_delete = 'CASCADE'", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW || !(sql = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(s, 0))))
		goto error;
	sqlite3_finalize(s);
	s = NULL;
	/* One statement per table; ?1 is the run in each. */
	for (const char *tail = sql; *tail;) {
		const char *next = NULL;

		if (sqlite3_prepare_v2(st->db, tail, -1, &s, &next) != SQLITE_OK)
			goto error;
		if (!s)
			break;	/* only white space left */
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto error;
		sqlite3_finalize(s);
		s = NULL;
		tail = next;
	}
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot delete run %lld: %s", st->path, (long long)id,
		 sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(s);
	sqlite3_free(sql);
	return ret;
}

struct ih_store_run *ih_store_run_begin(struct ih_store *st, const char *trace, const char *uuid,
					bool replace, char *err, size_t errlen)
{
	struct ih_store_run *run = calloc(1, sizeof(*run));
	sqlite3_stmt *ins = NULL;
	int64_t old = 0;

	if (!run) {
		snprintf(err, errlen, "database %s: out of memory", st->path);
		return NULL;
	}
	run->st = st;
	for (int p = 0; p < IH_PATH_COUNT_; p++)
		for (int h = 0; h < IH_HOP_COUNT_; h++)
			ih_hist_init(&run->hist[p][h]);
	/* Runs of several traces may begin from their own threads (irqhop
	 * analyze of many traces): the list is the queue lock's. */
	pthread_mutex_lock(&st->lock);
	run->next = st->runs;
	st->runs = run;
	pthread_mutex_unlock(&st->lock);
	if (uuid && !(run->uuid = strdup(uuid))) {
		snprintf(err, errlen, "database %s: out of memory", st->path);
		return NULL;
	}
	pthread_mutex_lock(&st->lock);
	for (struct ih_store_run *r = run->next; uuid && r; r = r->next) {
		if (r->uuid && strcmp(r->uuid, uuid) == 0) {
			pthread_mutex_unlock(&st->lock);
			snprintf(err, errlen, "trace %s appears twice in the input (trace uuid %s)",
				 trace ? trace : "?", uuid);
			return NULL;
		}
	}
	pthread_mutex_unlock(&st->lock);
	pthread_mutex_lock(&st->dbmu);
	if (uuid && store_find_uuid(st, uuid, 0, &old, err, errlen))
		goto error;
	if (old && !replace) {
		snprintf(err, errlen, "trace %s was already analyzed as run %lld in %s (trace uuid %s; "
			 "--replace analyzes it again)", trace ? trace : "?", (long long)old, st->path, uuid);
		goto error;
	}
	/* The row goes in first, without its UUID (the unique index would
	 * refuse it while the old run exists; ih_store_run_finish sets it), so
	 * a replaced run's id is never reused by its successor. */
	if (sqlite3_prepare_v2(st->db, "INSERT INTO run (label, trace, analyzer_version) "
			       "VALUES ('', ?, ?)", -1, &ins, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_text(ins, 1, trace ? trace : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, PACKAGE_VERSION, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		goto sql_error;
	run->run_id = sqlite3_last_insert_rowid(st->db);
	run->replaced = old;
	if (old && store_delete_run(st, old, err, errlen))
		goto error;
	sqlite3_finalize(ins);
	pthread_mutex_unlock(&st->dbmu);
	return run;
sql_error:
	snprintf(err, errlen, "database %s: cannot insert the run: %s", st->path, sqlite3_errmsg(st->db));
error:
	sqlite3_finalize(ins);
	pthread_mutex_unlock(&st->dbmu);
	return NULL;
}
