/*
 * analyzer/live/live.c - irqhop analyze --live net://HOST[:PORT]: follow the live
 * sessions of an lttng-relayd and commit one run per session when it ends.
 * See analyzer/live/live.h.
 *
 * One graph per session: src.ctf.lttng-live (session-not-found-action=end,
 * so it ends when the traced host destroys the session) -> sink.irqhop.sqlite
 * (the component class irqhop analyze uses, created from the linked code).
 * The graphs run in turn on this thread (bt_graph_run_once); when none has
 * data, the loop waits for a stop signal for a few milliseconds instead of
 * spinning.
 *
 * Each session's sink writes into a private temporary database, not the
 * target one: the sink holds its database's write transaction from its
 * first event to the session's end (a whole recording), so two hosts
 * recording at once would otherwise wait on each other, and irqhop serve's
 * readers and other analyzers would wait on a live session.  When a
 * session's run is committed there, it is copied into the target database in
 * one short transaction (every table with a run_id column, the run renumbered),
 * and the temporary database is deleted.
 */
#include "config.h"
#include "analyzer/live/live.h"
#include "analyzer/sqlite/sink.h"
#include "schemas/db.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define LV_PREFIX "irqhop analyze: "
#define LV_POLL_MS 100      /* relay's session list read this often */
#define LV_IDLE_WAIT_MS 10  /* wait when no graph had data */
#define LV_MAX_SESSIONS 256 /* sessions followed over one call */

struct lv_sess {
	char *url;          /* net://RELAY/host/HOST/SESSION: also the key */
	char *host, *name;
	bt_graph *graph;
	struct ih_sink_result res;
	char tmpdb[PATH_MAX];
	bool done;
};

struct lv {
	const struct ih_live_opts *o;
	const bt_plugin *ctf;
	const bt_component_class_source *live_cls;
	bt_component_class_sink *sink_cls;
	char tmpdir[PATH_MAX];
	struct lv_sess sess[LV_MAX_SESSIONS];
	size_t nsess;
	unsigned committed, failed;
	unsigned long polls;  /* successful session-list reads */
	char *err;
	size_t errlen;
};

static void lv_err(struct lv *lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records one line in the caller's err (the last failure wins) and prints
 * it on stderr.  Never fails. */
static void lv_err(struct lv *lv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lv->err, lv->errlen, fmt, ap);
	va_end(ap);
	fprintf(stderr, LV_PREFIX "%s\n", lv->err);
}

static double lv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The current thread's Babeltrace error as one line (root cause, newlines
 * folded), cleared.  Never fails (empty when none). */
static void lv_bt_error(char *buf, size_t len)
{
	const bt_error *e = bt_current_thread_take_error();
	size_t j = 0;

	buf[0] = '\0';
	if (!e)
		return;
	if (bt_error_get_cause_count(e)) {
		const char *m = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, 0));

		for (size_t i = 0; m[i] && j + 3 < len; i++) {
			if (m[i] == '\n') {
				if (m[i + 1]) {
					buf[j++] = ';';
					buf[j++] = ' ';
				}
			} else {
				buf[j++] = m[i];
			}
		}
		buf[j] = '\0';
	}
	bt_error_release(e);
}

/* ---- copying a committed run into the target database ------------------- */

/* Appends "name" (double quotes doubled) to buf.  -1 when it does not fit. */
static int lv_quote(char *buf, size_t len, const char *name)
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

static int lv_append(char *buf, size_t len, const char *s)
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
static int lv_copy_sql(sqlite3 *db, const char *table, char *sql, size_t len, char *err, size_t errlen)
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
	if (lv_append(sql, len, "INSERT INTO main.") || lv_quote(sql, len, table) || lv_append(sql, len, " ("))
		goto toolong;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);

		if (!col || (is_run && strcmp(col, "id") == 0))
			continue;
		if ((!first && (lv_append(sql, len, ", ") || lv_append(sel, sizeof(sel), ", "))) ||
		    lv_quote(sql, len, col))
			goto toolong;
		if (!is_run && strcmp(col, "run_id") == 0) {
			if (lv_append(sel, sizeof(sel), "?1"))
				goto toolong;
		} else if (lv_quote(sel, sizeof(sel), col)) {
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
	if (lv_append(sql, len, ") SELECT ") || lv_append(sql, len, sel) || lv_append(sql, len, " FROM src.") ||
	    lv_quote(sql, len, table) || lv_append(sql, len, is_run ? " WHERE id = ?2" : " WHERE run_id = ?2"))
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
static int lv_exec2(sqlite3 *db, const char *sql, int64_t a, int64_t b, char *err, size_t errlen)
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

/* Copies run OLD of the database at SRC into DBPATH (created or migrated if
 * needed) in one transaction, as a new run; *newid gets its id.  On failure
 * returns -1 with err set and DBPATH unchanged (rolled back). */
static int lv_merge(const char *dbpath, const char *src, int64_t old, int64_t *newid, char *err, size_t errlen)
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
	if (lv_copy_sql(db, "run", sql, sizeof(sql), e2, sizeof(e2)) ||
	    lv_exec2(db, sql, 0, old, e2, sizeof(e2))) {
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
			if (ret != -2 && (lv_copy_sql(db, names[i], sql, sizeof(sql), e2, sizeof(e2)) ||
					  lv_exec2(db, sql, *newid, old, e2, sizeof(e2)))) {
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

/* Deletes a temporary database and its WAL files.  Never fails. */
static void lv_unlink_db(const char *path)
{
	char p[PATH_MAX + 8];

	if (!path[0])
		return;
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

/* ---- sessions --------------------------------------------------------------- */

static void lv_sess_end(struct lv_sess *s)
{
	/* Destroying the graph finalizes the sink, which rolls back a run
	 * that did not commit. */
	bt_graph_put_ref(s->graph);
	s->graph = NULL;
	lv_unlink_db(s->tmpdb);
	s->done = true;
}

/* Builds lttng-live(URL) -> sink for session S.  Returns 0, or -1 after
 * reporting the problem (the session is then done). */
static int lv_sess_start(struct lv *lv, struct lv_sess *s)
{
	bt_value *src_params = NULL, *sink_params = NULL, *inputs = NULL;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	char why[512];
	int ret = -1;

	if (snprintf(s->tmpdb, sizeof(s->tmpdb), "%.*s/session-%zu.sqlite", (int)(sizeof(s->tmpdb) - 40),
		     lv->tmpdir, (size_t)(s - lv->sess)) >= (int)sizeof(s->tmpdb)) {
		lv_err(lv, "session %s/%s: temporary path too long", s->host, s->name);
		s->tmpdb[0] = '\0';
		goto end;
	}
	s->graph = bt_graph_create(0);
	src_params = bt_value_map_create();
	sink_params = bt_value_map_create();
	if (!s->graph || !src_params || !sink_params ||
	    bt_value_map_insert_empty_array_entry(src_params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, s->url) ||
	    bt_value_map_insert_string_entry(src_params, "session-not-found-action", "end") ||
	    bt_value_map_insert_string_entry(sink_params, "db", s->tmpdb) ||
	    bt_value_map_insert_string_entry(sink_params, "trace", s->url) ||
	    (lv->o->label && bt_value_map_insert_string_entry(sink_params, "label", lv->o->label)) ||
	    (lv->o->window && bt_value_map_insert_string_entry(sink_params, "window", lv->o->window))) {
		lv_err(lv, "session %s/%s: out of memory", s->host, s->name);
		goto end;
	}
	if (bt_graph_add_sink_component_with_initialize_method_data(s->graph, lv->sink_cls, "irqhop", sink_params,
								     &s->res, BT_LOGGING_LEVEL_ERROR, &sink) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_add_source_component(s->graph, lv->live_cls, "live", src_params, BT_LOGGING_LEVEL_NONE, &src) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(s->graph, bt_component_source_borrow_output_port_by_index_const(src, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		lv_bt_error(why, sizeof(why));
		lv_err(lv, "session %s/%s: cannot follow it: %s", s->host, s->name, why[0] ? why : "graph setup failed");
		goto end;
	}
	ret = 0;
end:
	bt_value_put_ref(src_params);
	bt_value_put_ref(sink_params);
	if (ret) {
		lv_sess_end(s);
		lv->failed++;
	}
	return ret;
}

/* Reads the relay's session list and starts following the live sessions
 * not seen yet.  Returns the number of sessions listed, or -1 when the
 * relay cannot be queried (why in err, not printed). */
static int lv_poll_sessions(struct lv *lv, char *why, size_t whylen)
{
	bt_value *params = bt_value_map_create();
	bt_query_executor *q = NULL;
	const bt_value *res = NULL;
	uint64_t n = 0;
	int ret = -1;

	why[0] = '\0';
	if (!params || bt_value_map_insert_string_entry(params, "url", lv->o->url)) {
		snprintf(why, whylen, "out of memory");
		goto end;
	}
	q = bt_query_executor_create(bt_component_class_source_as_component_class_const(lv->live_cls), "sessions",
				     params);
	if (!q || bt_query_executor_query(q, &res) != BT_QUERY_EXECUTOR_QUERY_STATUS_OK) {
		lv_bt_error(why, whylen);
		if (!why[0])
			snprintf(why, whylen, "query failed");
		goto end;
	}
	n = bt_value_array_get_length(res);
	for (uint64_t i = 0; i < n; i++) {
		const bt_value *m = bt_value_array_borrow_element_by_index_const(res, i);
		const bt_value *url = bt_value_map_borrow_entry_value_const(m, "url");
		const bt_value *host = bt_value_map_borrow_entry_value_const(m, "target-hostname");
		const bt_value *name = bt_value_map_borrow_entry_value_const(m, "session-name");
		const bt_value *timer = bt_value_map_borrow_entry_value_const(m, "timer-us");
		const bt_value *streams = bt_value_map_borrow_entry_value_const(m, "stream-count");
		struct lv_sess *s;
		bool seen = false;

		if (!url || !bt_value_is_string(url) || !host || !name)
			continue;
		/* A session recorded without --live has no live timer and
		 * cannot be followed (the relay writes it to disk: analyze
		 * its output folder instead). */
		if (timer && bt_value_is_unsigned_integer(timer) && bt_value_integer_unsigned_get(timer) == 0)
			continue;
		for (size_t j = 0; j < lv->nsess && !seen; j++)
			seen = strcmp(lv->sess[j].url, bt_value_string_get(url)) == 0;
		if (seen)
			continue;
		if (lv->nsess == LV_MAX_SESSIONS) {
			lv_err(lv, "more than %d sessions followed; not following %s", LV_MAX_SESSIONS,
			       bt_value_string_get(url));
			continue;
		}
		s = &lv->sess[lv->nsess];
		memset(s, 0, sizeof(*s));
		s->url = strdup(bt_value_string_get(url));
		s->host = strdup(bt_value_string_get(host));
		s->name = strdup(bt_value_string_get(name));
		if (!s->url || !s->host || !s->name) {
			free(s->url);
			free(s->host);
			free(s->name);
			snprintf(why, whylen, "out of memory");
			goto end;
		}
		lv->nsess++;
		if (lv_sess_start(lv, s) != 0)
			continue;
		if (lv->o->verbose) {
			printf(LV_PREFIX "following live session %s/%s\n", s->host, s->name);
			fflush(stdout);
		}
		/* babeltrace2 joins a live session at its streams' latest
		 * packet: a session that already has streams may have sent
		 * packets this run will not see.  A session seen before its
		 * first stream is read from its first event. */
		if (streams && bt_value_is_unsigned_integer(streams) && bt_value_integer_unsigned_get(streams) > 0 &&
		    lv->polls > 0)
			fprintf(stderr, LV_PREFIX "warning: joined live session %s/%s after its streams were created: "
				"its first events may be missing (start irqhop analyze --live before recording)\n",
				s->host, s->name);
	}
	ret = (int)n;
	lv->polls++;
end:
	bt_value_put_ref(res);
	bt_query_executor_put_ref(q);
	bt_value_put_ref(params);
	return ret;
}

/* A session's graph ended: copy its run into the target database. */
static void lv_sess_finish(struct lv *lv, struct lv_sess *s)
{
	char e[1024];
	int64_t id = 0;

	if (!s->res.committed) {
		lv_bt_error(e, sizeof(e));
		lv_err(lv, "session %s/%s: no run: %s", s->host, s->name, e[0] ? e : "the sink committed nothing");
		lv->failed++;
	} else if (lv_merge(lv->o->db, s->tmpdb, s->res.run_id, &id, e, sizeof(e))) {
		lv_err(lv, "session %s/%s: %s", s->host, s->name, e);
		lv->failed++;
	} else {
		printf(LV_PREFIX "run %" PRId64 " in %s: %" PRIu64 " irqs (%" PRIu64 " incomplete), %" PRIu64
		       " events (%" PRIu64 " discarded) (live %s/%s)\n", id, lv->o->db, s->res.irqs, s->res.incomplete,
		       s->res.events, s->res.discarded, s->host, s->name);
		fflush(stdout);
		lv->committed++;
	}
	lv_sess_end(s);
}

/* Runs every active graph once.  Returns the number that made progress;
 * finished ones are completed. */
static int lv_step(struct lv *lv, size_t *active)
{
	int progress = 0;

	*active = 0;
	for (size_t i = 0; i < lv->nsess; i++) {
		struct lv_sess *s = &lv->sess[i];
		bt_graph_run_once_status rs;

		if (s->done)
			continue;
		rs = bt_graph_run_once(s->graph);
		switch (rs) {
		case BT_GRAPH_RUN_ONCE_STATUS_OK:
			progress++;
			(*active)++;
			break;
		case BT_GRAPH_RUN_ONCE_STATUS_AGAIN:
			(*active)++;
			break;
		case BT_GRAPH_RUN_ONCE_STATUS_END:
			lv_sess_finish(lv, s);
			progress++;
			break;
		default: {
			char e[1024];

			lv_bt_error(e, sizeof(e));
			lv_err(lv, "session %s/%s: %s", s->host, s->name, e[0] ? e : "reading it failed");
			lv->failed++;
			lv_sess_end(s);
			progress++;
			break;
		}
		}
	}
	return progress;
}

int ih_analyze_live(const struct ih_live_opts *o, const sigset_t *stop, char *err, size_t errlen)
{
	struct lv lv;
	char why[1024];
	double last_poll = 0, last_seen;
	int ret = 1, sig = 0;
	size_t active = 0;

	memset(&lv, 0, sizeof(lv));
	lv.o = o;
	lv.err = err;
	lv.errlen = errlen;
	err[0] = '\0';
	if (!o->url || (strncmp(o->url, "net://", 6) != 0 && strncmp(o->url, "net4://", 7) != 0)) {
		lv_err(&lv, "--live: '%s' is not a net://HOST[:PORT] URL of an lttng-relayd live port",
		       o->url ? o->url : "");
		return 2;
	}
	if (strstr(o->url + 6, "/")) {
		lv_err(&lv, "--live: give the relay daemon (net://HOST[:PORT]), not one session: %s", o->url);
		return 2;
	}
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &lv.ctf) != BT_PLUGIN_FIND_STATUS_OK ||
	    !(lv.live_cls = bt_plugin_borrow_source_component_class_by_name_const(lv.ctf, "lttng-live"))) {
		bt_current_thread_clear_error();
		lv_err(&lv, "babeltrace2 plugin ctf with src.ctf.lttng-live not found (Debian package: babeltrace2)");
		goto end;
	}
	lv.sink_cls = ih_sink_class_create();
	if (!lv.sink_cls) {
		lv_err(&lv, "out of memory");
		goto end;
	}
	if (snprintf(lv.tmpdir, sizeof(lv.tmpdir), "%.*s/irqhop-live.XXXXXX", PATH_MAX / 2,
		     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") >= (int)sizeof(lv.tmpdir) || !mkdtemp(lv.tmpdir)) {
		lv_err(&lv, "cannot create a temporary folder in %s: %s",
		       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", strerror(errno));
		lv.tmpdir[0] = '\0';
		goto end;
	}
	/* The target database is checked (created or migrated) before any
	 * session is followed: a bad path fails now, not at a session's end. */
	{
		sqlite3 *db = NULL;

		if (ih_db_open_rw(o->db, &db, why, sizeof(why))) {
			lv_err(&lv, "%s", why);
			ret = 1;
			goto end;
		}
		sqlite3_close(db);
	}
	if (lv_poll_sessions(&lv, why, sizeof(why)) < 0) {
		lv_err(&lv, "cannot list the live sessions of %s: %s", o->url, why);
		ret = 2;
		goto end;
	}
	printf(LV_PREFIX "following live sessions of %s into %s\n", o->url, o->db);
	fflush(stdout);
	last_poll = last_seen = lv_now();
	for (;;) {
		int progress = lv_step(&lv, &active);
		double now = lv_now();

		if (active)
			last_seen = now;
		if (o->max_runs && lv.committed + lv.failed >= o->max_runs && !active)
			break;
		if (o->idle_timeout_s > 0 && !active && now - last_seen >= o->idle_timeout_s)
			break;
		if (now - last_poll >= LV_POLL_MS / 1000.0) {
			int n = lv_poll_sessions(&lv, why, sizeof(why));

			last_poll = now;
			if (n > 0)
				last_seen = now;
		}
		if (!progress || stop) {
			/* Nothing to read: wait a little, for a stop signal. */
			struct timespec ts = { 0, progress ? 0 : LV_IDLE_WAIT_MS * 1000000L };
			siginfo_t si;

			if (stop) {
				sig = sigtimedwait(stop, &si, &ts);
				if (sig > 0)
					break;
				sig = 0;
			} else if (!progress) {
				nanosleep(&ts, NULL);
			}
		}
	}
	if (sig > 0) {
		size_t inflight = 0;

		for (size_t i = 0; i < lv.nsess; i++)
			inflight += !lv.sess[i].done;
		lv_err(&lv, "interrupted by signal %d (%s): %u runs committed, %zu sessions in flight discarded", sig,
		       strsignal(sig), lv.committed, inflight);
		ret = 1;
	} else {
		ret = lv.failed ? 1 : 0;
	}
end:
	for (size_t i = 0; i < lv.nsess; i++) {
		if (!lv.sess[i].done)
			lv_sess_end(&lv.sess[i]);
		free(lv.sess[i].url);
		free(lv.sess[i].host);
		free(lv.sess[i].name);
	}
	if (lv.tmpdir[0])
		rmdir(lv.tmpdir);
	bt_component_class_sink_put_ref(lv.sink_cls);
	bt_plugin_put_ref(lv.ctf);
	return ret;
}

/* Prints the help of --live.  Never fails. */
static void lv_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop analyze --live net://HOST[:PORT] --db FILE [--label TEXT] [--window W]\n"
		"                      [--runs N] [--idle-timeout S] [--verbose]\n"
		"\n"
		"Follows the live sessions of the lttng-relayd at HOST (live port, default 5344)\n"
		"and adds one run per session to FILE when the session ends (its host destroys\n"
		"it: irqhop record --relay net://HOST --live).  Start it before the recordings:\n"
		"a session already under way is read from the moment it is joined.\n"
		"\n"
		"  -d, --db FILE         database to write (required)\n"
		"  -l, --label TEXT      run label (default: the label recorded in each trace)\n"
		"  -w, --window W        steal window (as irqhop analyze)\n"
		"  --runs N              return after N sessions ended (default: never)\n"
		"  --idle-timeout S      return after S seconds without any live session\n"
		"  -v, --verbose         one line per session joined\n"
		"  -h, --help            show this help\n"
		"\n"
		"SIGINT or SIGTERM stops it: runs of sessions still in flight are not added.\n"
		"Exit status: 0 all runs added, 1 a session failed or a signal stopped it,\n"
		"2 usage error or the relay cannot be reached at start.\n");
}

int ih_analyze_live_main(int argc, char **argv)
{
	enum { O_LIVE = 256, O_RUNS, O_IDLE };
	static const struct option opts[] = {
		{ "live", required_argument, NULL, O_LIVE },
		{ "db", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "window", required_argument, NULL, 'w' },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_live_opts o = { 0 };
	sigset_t stop, old;
	char err[1024], *end;
	int c, ret;

	/* `--live --help` would give --help to --live as its URL. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			lv_usage(stdout);
			return 0;
		}
	}
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:d:l:w:vh", opts, NULL)) != -1) {
		switch (c) {
		case O_LIVE:
			o.url = optarg;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'w':
			if (ih_sink_parse_window(optarg) < 0) {
				fprintf(stderr, LV_PREFIX "--window: '%s' is not a positive duration\n", optarg);
				return 2;
			}
			o.window = optarg;
			break;
		case O_RUNS: {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end || errno || v > 1000000) {
				fprintf(stderr, LV_PREFIX "--runs: '%s' is not a number of runs (1 to 1000000)\n", optarg);
				return 2;
			}
			o.max_runs = (unsigned)v;
			break;
		}
		case O_IDLE:
			errno = 0;
			o.idle_timeout_s = strtod(optarg, &end);
			if (!*optarg || *end || errno || !(o.idle_timeout_s > 0 && o.idle_timeout_s < 1e9)) {
				fprintf(stderr, LV_PREFIX "--idle-timeout: '%s' is not a number of seconds > 0\n", optarg);
				return 2;
			}
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			lv_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, LV_PREFIX "option '%s' needs a value (try 'irqhop analyze --live --help')\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, LV_PREFIX "unknown option '%s' with --live (try 'irqhop analyze --live --help')\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, LV_PREFIX "--live takes no TRACE (got '%s'): it reads the relay's live sessions\n",
			argv[optind]);
		return 2;
	}
	if (!o.url) {
		fprintf(stderr, LV_PREFIX "--live net://HOST[:PORT] is required\n");
		return 2;
	}
	if (!o.db || !*o.db) {
		fprintf(stderr, LV_PREFIX "--db FILE is required\n");
		return 2;
	}
	/* Stop signals are received synchronously (sigtimedwait in the
	 * loop), so a ^C ends the loop between two graph steps and the
	 * sessions in flight are rolled back cleanly. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &stop, &old) != 0) {
		fprintf(stderr, LV_PREFIX "cannot block signals\n");
		return 1;
	}
	/* A relay that closes a connection must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	ret = ih_analyze_live(&o, &stop, err, sizeof(err));
	{
		/* Signals that came meanwhile must not kill us now. */
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&stop, NULL, &zero) > 0)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
