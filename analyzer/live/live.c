/*
 * analyzer/live/live.c - irqhop analyze --live net://HOST[:PORT]: follow the live
 * sessions of an lttng-relayd and commit one run per session when it ends.
 * See analyzer/live/live.h; one session's graph is analyzer/live/session.c,
 * the options cli/live_main.c.
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
#include "analyzer/live/priv.h"
#include "collector/events/clock.h"
#include "schemas/db.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

/* Records one line in the caller's err (the last failure wins) and prints
 * it on stderr.  Never fails. */
void lv_err(struct lv *lv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lv->err, lv->errlen, fmt, ap);
	va_end(ap);
	fprintf(stderr, LV_PREFIX "%s\n", lv->err);
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
	last_poll = last_seen = (double)ih_now_ns() / 1e9;
	for (;;) {
		int progress = lv_step(&lv, &active);
		double now = (double)ih_now_ns() / 1e9;

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
