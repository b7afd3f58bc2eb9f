/*
 * schemas/db.h - opening an irqhop database: schema creation, version check and
 * migrations.  Every component that touches SQLite opens it through here, so
 * the schema version is checked in exactly one place.
 *
 * Errors: each function returns 0 on success; on failure it returns -1,
 * writes one line naming the database and the problem into err (no trailing
 * newline) and leaves *out NULL with nothing written to the file.
 */
#ifndef IH_DB_H
#define IH_DB_H
#include <stddef.h>
#include <sqlite3.h>

#define IH_SCHEMA_VERSION 7

/* Opens (creating if needed) PATH for writing: WAL journal, foreign keys on,
 * a busy timeout so a concurrent reader (irqhop serve) never fails a writer.
 * Creates the schema in an empty database, or migrates an older one, in one
 * transaction.  Refuses a database whose version is newer than this binary. */
int ih_db_open_rw(const char *path, sqlite3 **out, char *err, size_t errlen);

/* ih_db_open_rw for a database file this process is creating and will fill
 * in one large transaction (irqhop analyze into a new file): a rollback
 * journal (DELETE) instead of WAL until ih_db_wal(), so the run's pages are
 * written once, into the file, instead of into the WAL and again into the
 * file at the checkpoint.  (SQLite advises the same for transactions of
 * more than ~100 MB; here 45 MB for a million interrupts, and the WAL's
 * second write and syncs were a tenth of a parallel analysis.)  Readers
 * of the new file wait (their busy timeout) while it is written; a new
 * file has no run to show them yet.  Same failures as ih_db_open_rw. */
int ih_db_open_rw_new(const char *path, sqlite3 **out, char *err, size_t errlen);

/* Switches DB (outside any transaction) to WAL, as every irqhop database is
 * once its first analysis committed.  Returns 0, or -1 when SQLite could not
 * (another connection has the file open): it stays in rollback mode, which
 * is correct, and the next ih_db_open_rw switches it. */
int ih_db_wal(sqlite3 *db);

/* Opens an existing PATH read-only (SQLITE_OPEN_READONLY); refuses a file that
 * is missing, is not an irqhop database, or has another schema version (the
 * message says to run `irqhop analyze` to migrate an older one).  A file
 * whose first analysis was killed has a hot rollback journal, which a
 * read-only connection cannot roll back: PATH is then opened for writing
 * once, which rolls it back (as any SQLite client would), or, when that
 * is not allowed, refused with a message naming the journal. */
int ih_db_open_ro(const char *path, sqlite3 **out, char *err, size_t errlen);

/* Creates the indexes of schemas/indexes.sql if missing.  Called after a bulk
 * insert; idempotent.  On failure returns -1 with err set. */
int ih_db_create_indexes(sqlite3 *db, char *err, size_t errlen);

/* The embedded text of schemas/irqhop.sql: schema version 1, which the
 * migrations bring to IH_SCHEMA_VERSION. */
const char *ih_db_schema_sql(void);
#endif
