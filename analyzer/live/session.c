/*
 * analyzer/live/session.c - one live session: its graph src.ctf.lttng-live
 * -> sink.irqhop.sqlite into a private temporary database, stepped in turn
 * with the others, and at its end its run merged into the target database
 * (schemas/merge.h).  See live.c for why a private database.
 */
#include "config.h"
#include "analyzer/live/priv.h"
#include "analyzer/sqlite/bterror.h"
#include "schemas/merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void lv_sess_end(struct lv_sess *s)
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
		(void)ih_bt_error_line(why, sizeof(why));
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

/* See priv.h. */
int lv_poll_sessions(struct lv *lv, char *why, size_t whylen)
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
		(void)ih_bt_error_line(why, whylen);
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
		(void)ih_bt_error_line(e, sizeof(e));
		lv_err(lv, "session %s/%s: no run: %s", s->host, s->name, e[0] ? e : "the sink committed nothing");
		lv->failed++;
	} else if (ih_db_merge_run(lv->o->db, s->tmpdb, s->res.run_id, &id, e, sizeof(e))) {
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

/* See priv.h. */
int lv_step(struct lv *lv, size_t *active)
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

			(void)ih_bt_error_line(e, sizeof(e));
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
