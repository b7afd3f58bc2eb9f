/*
 * web/server/dbconn.c - per-worker-thread read-only database connections
 * and their prepared statements.
 *
 * Each MHD thread that runs a handler gets its own connection with its own
 * statement cache, found through a pthread key: no connection is ever
 * shared between threads, so SQLite runs without its own mutexes
 * (SQLITE_OPEN_NOMUTEX in ih_db_open_ro).  A thread claims one of the
 * connections opened at start (srv->spare) on its first request, or opens
 * a new one; srv->lock guards the two lists, nothing else is shared.
 */
#include "config.h"
#include "web/server/internal.h"
#include "schemas/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- per-thread database state --------------------------------------- */

/* Closes T's statements and connection and frees T.  NULL is a no-op. */
void ih_web_thread_free(struct ih_web_thread *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nstmt; i++)
		sqlite3_finalize(t->stmt[i].st);
	sqlite3_close(t->db);
	free(t);
}

/* Opens a new per-thread state on the server's database.  Returns NULL with
 * err set when the database cannot be opened or memory is short. */
struct ih_web_thread *ih_web_thread_new(struct ih_web_server *srv, char *err, size_t errlen)
{
	struct ih_web_thread *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ih_db_open_ro(srv->db_path, &t->db, err, errlen) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* This thread's state, claimed on its first request: a spare connection
 * opened at start, or a new one (more worker threads than expected).
 * Returns NULL after queueing a 503 when no connection can be opened. */
static struct ih_web_thread *ih_web_thread_get(struct ih_web_request *req, enum MHD_Result *result)
{
	struct ih_web_server *srv = req->srv;
	struct ih_web_thread *t;
	char err[512];

	if (req->thr)
		return req->thr;
	t = pthread_getspecific(srv->key);
	if (!t) {
		pthread_mutex_lock(&srv->lock);
		t = srv->spare;
		if (t)
			srv->spare = t->next;
		pthread_mutex_unlock(&srv->lock);
		if (!t) {
			t = ih_web_thread_new(srv, err, sizeof(err));
			if (!t) {
				*result = ih_web_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", err);
				return NULL;
			}
		}
		if (pthread_setspecific(srv->key, t) != 0) {
			ih_web_thread_free(t);
			*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			return NULL;
		}
		pthread_mutex_lock(&srv->lock);
		t->next = srv->threads;
		srv->threads = t;
		pthread_mutex_unlock(&srv->lock);
	}
	req->thr = t;
	return t;
}

sqlite3_stmt *ih_web_stmt(struct ih_web_request *req, const char *sql, enum MHD_Result *result)
{
	struct ih_web_thread *t = ih_web_thread_get(req, result);
	sqlite3_stmt *st = NULL;

	if (!t)
		return NULL;
	for (size_t i = 0; i < t->nstmt; i++)
		if (t->stmt[i].sql == sql)
			return t->stmt[i].st;
	if (t->nstmt == IH_WEB_STMT_CACHE) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "internal error: statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "database: %s", sqlite3_errmsg(t->db));
		sqlite3_finalize(st);
		return NULL;
	}
	t->stmt[t->nstmt].sql = sql;
	t->stmt[t->nstmt].st = st;
	t->nstmt++;
	return st;
}

int ih_web_step(struct ih_web_request *req, sqlite3_stmt *st, enum MHD_Result *result)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	/* A writer holding the database past the busy timeout is transient:
	 * 503 tells a client to retry. */
	*result = ih_web_error(req, (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ?
			       MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR,
			       "database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	return -1;
}

/* Resets every statement of T so no read transaction outlives a request
 * (an open one would pin the WAL and hide runs analyzed meanwhile). */
void ih_web_thread_release(struct ih_web_thread *t)
{
	for (size_t i = 0; i < t->nstmt; i++) {
		sqlite3_reset(t->stmt[i].st);
		sqlite3_clear_bindings(t->stmt[i].st);
	}
}

sqlite3 *ih_web_db(struct ih_web_request *req, enum MHD_Result *result)
{
	struct ih_web_thread *t = ih_web_thread_get(req, result);

	return t ? t->db : NULL;
}

