/*
 * analyzer/live/priv.h - what the files of irqhop analyze --live share (its
 * contract is live.h): live.c the follow loop, session.c one session's graph
 * (start, step, finish: its run merged into the target database by
 * schemas/merge.h).
 */
#ifndef IH_LIVE_PRIV_H
#define IH_LIVE_PRIV_H
#include "analyzer/live/live.h"
#include "analyzer/sqlite/sink.h"

#include <babeltrace2/babeltrace.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

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

/* live.c: records one line in the caller's err (the last failure wins) and
 * prints it on stderr.  Never fails. */
void lv_err(struct lv *lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* session.c: one session's end (its graph destroyed, which rolls back a run
 * that did not commit; its temporary database deleted).  Never fails. */
void lv_sess_end(struct lv_sess *s);
/* session.c: reads the relay's session list and starts following the live
 * sessions not seen yet.  Returns the number of sessions listed, or -1 when
 * the relay cannot be queried (why in WHY, not printed). */
int lv_poll_sessions(struct lv *lv, char *why, size_t whylen);
/* session.c: runs every active graph once.  Returns the number that made
 * progress; finished ones are completed (their runs merged). */
int lv_step(struct lv *lv, size_t *active);
#endif
