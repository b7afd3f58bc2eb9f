/*
 * web/api/hops.c - the paths and hops the database knows (its hop_def
 * table, plus each path's "total"): GET /api/paths, the ?path=&hop=
 * parameters that name one, and the waterfall lane of each hop.
 *
 * Paths, hops and their order are read from hop_def on every request (a
 * few rows, one prepared statement each): a database with more paths than
 * this server was built for (schema migrations add them, see
 * schemas/migrations/006.sql) is served without a change here.  Only the
 * lanes are knowledge of the server: which irq column names the thread a
 * hop runs on depends on the analyzer's model of the path (docs/design.md,
 * docs/kvm-model.md); a hop with no lane rule is on lane "unknown".
 */
#include "config.h"
#include "web/api/internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The thread a hop runs (or waits) on: the waterfall's lane. */
enum ih_web_lane_kind {
	IH_LANE_RAISE,   /* pcpu: Xen's raising pCPU */
	IH_LANE_TASKLET, /* task_pcpu */
	IH_LANE_IO,      /* source: the irqfd I/O thread */
	IH_LANE_WORKER,  /* worker: the model's workqueue worker */
	IH_LANE_INJECT,  /* the worker, or the I/O thread without one (srcu mode) */
	IH_LANE_ACK,     /* ack_pcpu */
	IH_LANE_DEVICE,  /* kernel paths: the raising (device) thread, on CPU pcpu */
	IH_LANE_KWORKER, /* kernel paths: the kworker, by tid (worker) */
	IH_LANE_INJECTOR,/* kernel paths: the kworker, or the device thread without one */
	IH_LANE_VCPU,    /* kernel paths: the vCPU thread (vcpu) */
	IH_LANE_NONE
};

/* The lane of each (path, hop) the analyzer's models define; "total" and
 * any hop not listed have none. */
static const struct ih_web_lane_rule {
	const char *path, *hop;
	enum ih_web_lane_kind lane;
} ih_web_lanes[] = {
	{ "passthrough", "delivery", IH_LANE_RAISE },
	{ "passthrough", "schedule", IH_LANE_RAISE },
	{ "passthrough", "queue",    IH_LANE_TASKLET },
	{ "passthrough", "assist",   IH_LANE_TASKLET },
	{ "passthrough", "guest",    IH_LANE_ACK },
	{ "timer",       "schedule", IH_LANE_RAISE },
	{ "timer",       "queue",    IH_LANE_TASKLET },
	{ "timer",       "assist",   IH_LANE_TASKLET },
	{ "timer",       "guest",    IH_LANE_ACK },
	{ "irqfd",       "callback", IH_LANE_IO },
	{ "irqfd",       "defer",    IH_LANE_IO },
	{ "irqfd",       "worker",   IH_LANE_WORKER },
	{ "irqfd",       "inject",   IH_LANE_INJECT },
	{ "irqfd",       "guest",    IH_LANE_ACK },
	{ "kvm-msi",     "signal",   IH_LANE_DEVICE },
	{ "kvm-msi",     "wake",     IH_LANE_INJECTOR },
	{ "kvm-msi",     "run",      IH_LANE_VCPU },
	{ "kvm-msi",     "guest",    IH_LANE_VCPU },
	{ "kvm-ioapic",  "signal",   IH_LANE_DEVICE },
	{ "kvm-ioapic",  "worker",   IH_LANE_KWORKER },
	{ "kvm-ioapic",  "inject",   IH_LANE_KWORKER },
	{ "kvm-ioapic",  "wake",     IH_LANE_INJECTOR },
	{ "kvm-ioapic",  "run",      IH_LANE_VCPU },
	{ "kvm-ioapic",  "guest",    IH_LANE_VCPU },
};

/* Role names, by kind (docs/api.md); INJECT and INJECTOR are resolved to
 * the thread they turn out to be before a role is named, "inject" and
 * "injector" are what /api/paths says of them. */
static const char *const ih_web_roles[] = {
	"raise", "tasklet", "io", "worker", "inject", "ack", "device", "kworker", "injector",
	"vcpu", "other"
};

/* The lane kind of (PATH, HOP): IH_LANE_NONE when no rule names it. */
static enum ih_web_lane_kind ih_web_lane_kind(const char *path, const char *hop)
{
	for (size_t i = 0; i < sizeof(ih_web_lanes) / sizeof(ih_web_lanes[0]); i++)
		if (strcmp(ih_web_lanes[i].path, path) == 0 && strcmp(ih_web_lanes[i].hop, hop) == 0)
			return ih_web_lanes[i].lane;
	return IH_LANE_NONE;
}

const char *ih_web_lane(const json_t *irq, const char *path, const char *hop, char *lane,
			size_t size)
{
	enum ih_web_lane_kind kind = ih_web_lane_kind(path, hop);
	const char *col = NULL, *name = "pCPU";
	bool has_worker = json_is_integer(json_object_get(irq, "worker"));
	json_t *v;

	/* An injection runs where the interrupt's worker ran; without one
	 * (srcu notifier mode, kvm-msi) on the signalling thread. */
	if (kind == IH_LANE_INJECT)
		kind = has_worker ? IH_LANE_WORKER : IH_LANE_IO;
	else if (kind == IH_LANE_INJECTOR)
		kind = has_worker ? IH_LANE_KWORKER : IH_LANE_DEVICE;
	switch (kind) {
	case IH_LANE_RAISE:   col = "pcpu"; break;
	case IH_LANE_TASKLET: col = "task_pcpu"; break;
	case IH_LANE_IO:      col = "source"; name = "I/O thread"; break;
	case IH_LANE_WORKER:  col = "worker"; name = "worker"; break;
	case IH_LANE_ACK:     col = "ack_pcpu"; break;
	case IH_LANE_DEVICE:  col = "pcpu"; name = "device thread, CPU"; break;
	case IH_LANE_KWORKER: col = "worker"; name = "kworker"; break;
	case IH_LANE_VCPU:    col = "vcpu"; name = "vCPU"; break;
	default:              break;
	}
	v = col ? json_object_get(irq, col) : NULL;
	if (json_is_integer(v))
		snprintf(lane, size, "%s %lld", name, (long long)json_integer_value(v));
	else
		snprintf(lane, size, "unknown");
	return ih_web_roles[kind];
}

/* ---- hop_def ------------------------------------------------------------ */

static const char sql_paths[] =
	"SELECT DISTINCT path FROM hop_def ORDER BY path";
static const char sql_hop_defs[] =
	"SELECT path, seq, hop, from_ev, to_ev FROM hop_def ORDER BY path, seq";
static const char sql_path_known[] =
	"SELECT 1 FROM hop_def WHERE path = ?1 LIMIT 1";
static const char sql_hop_known[] =
	"SELECT 1 FROM hop_def WHERE hop = ?1 AND (?2 IS NULL OR path = ?2) LIMIT 1";
/* The hop names as one word list: ?1 NULL for every path's (by name), else
 * that path's in order. */
static const char sql_hop_names[] =
	"SELECT hop FROM hop_def WHERE ?1 IS NULL OR path = ?1 GROUP BY hop ORDER BY "
	"CASE WHEN ?1 IS NULL THEN 0 ELSE min(seq) END, hop";

int ih_web_path_names(struct ih_web_request *req, json_t **out, enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql_paths, result);
	json_t *arr;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	if (!(arr = json_array()))
		goto oom;
	while ((rc = ih_web_step(req, st, result)) == SQLITE_ROW)
		if (json_array_append_new(arr, json_string((const char *)sqlite3_column_text(st, 0))) != 0) {
			json_decref(arr);
			goto oom;
		}
	sqlite3_reset(st);
	if (rc < 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
oom:
	*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return -1;
}

int ih_web_path_defs(struct ih_web_request *req, json_t **out, enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql_hop_defs, result);
	json_t *paths, *cur = NULL;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	if (!(paths = json_array()))
		goto oom;
	while ((rc = ih_web_step(req, st, result)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		const char *hop = (const char *)sqlite3_column_text(st, 2);
		json_t *h;

		if (!path || !hop)
			continue;	/* NOT NULL columns: a database edited by hand */
		if (!cur || strcmp(json_string_value(json_object_get(cur, "path")), path) != 0) {
			cur = json_pack("{s:s,s:[]}", "path", path, "hops");
			if (!cur || json_array_append_new(paths, cur) != 0)
				goto oom_paths;
		}
		h = json_pack("{s:s,s:I,s:s?,s:s?,s:s}", "hop", hop,
			      "seq", (json_int_t)sqlite3_column_int64(st, 1),
			      "from_ev", (const char *)sqlite3_column_text(st, 3),
			      "to_ev", (const char *)sqlite3_column_text(st, 4),
			      "role", ih_web_roles[ih_web_lane_kind(path, hop)]);
		if (!h || json_array_append_new(json_object_get(cur, "hops"), h) != 0)
			goto oom_paths;
	}
	sqlite3_reset(st);
	if (rc < 0) {
		json_decref(paths);
		return -1;
	}
	*out = paths;
	return 0;
oom_paths:
	sqlite3_reset(st);
	json_decref(paths);
oom:
	*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return -1;
}

/* Runs the one-row existence query ST after binding (already done).
 * Returns 1 found, 0 not, -1 with an error queued (*result set). */
static int ih_web_found(struct ih_web_request *req, sqlite3_stmt *st, enum MHD_Result *result)
{
	int rc = ih_web_step(req, st, result);

	sqlite3_reset(st);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* Queues the 400 for a bad word VALUE of parameter NAME: "parameter NAME:
 * 'VALUE' is not one of: W1 W2 ..." (LIST, from SQL, with "total" added
 * when TOTAL), or, with OF_PATH, "... is not a hop of path P (its hops:
 * ...)".  Returns the result to answer (a 500 if the list fails). */
static enum MHD_Result ih_web_bad_word(struct ih_web_request *req, const char *name,
				       const char *value, const char *of_path, bool total)
{
	sqlite3_stmt *st;
	enum MHD_Result r;
	char list[1024];
	size_t len = 0;
	int rc;

	list[0] = '\0';
	if (strcmp(name, "path") == 0)
		st = ih_web_stmt(req, sql_paths, &r);
	else if ((st = ih_web_stmt(req, sql_hop_names, &r)))
		ih_web_bind_text(st, 1, of_path);
	if (!st)
		return r;
	while ((rc = ih_web_step(req, st, &r)) == SQLITE_ROW) {
		const char *w = (const char *)sqlite3_column_text(st, 0);
		int k = snprintf(list + len, sizeof(list) - len, "%s%s", len ? " " : "", w ? w : "");

		if (k < 0 || (size_t)k >= sizeof(list) - len)
			break;	/* a list longer than a line: cut */
		len += (size_t)k;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return r;
	if (total)
		snprintf(list + len, sizeof(list) - len, "%stotal", len ? " " : "");
	if (of_path)
		return ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				    "parameter hop: '%.64s' is not a hop of path %s (its hops: %s)",
				    value, of_path, list);
	return ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter %s: '%.64s' is not one of: %s",
			    name, value, list);
}

int ih_web_query_path(struct ih_web_request *req, const char **path, enum MHD_Result *result)
{
	const char *s = ih_web_query(req, "path");
	sqlite3_stmt *st;
	int rc;

	*path = NULL;
	if (!s)
		return 0;
	if (!(st = ih_web_stmt(req, sql_path_known, result)))
		return -1;
	ih_web_bind_text(st, 1, s);
	if ((rc = ih_web_found(req, st, result)) < 0)
		return -1;
	if (!rc) {
		*result = ih_web_bad_word(req, "path", s, NULL, false);
		return -1;
	}
	*path = s;
	return 0;
}

/* Whether HOP is a hop of PATH (any path when NULL) in hop_def, or
 * "total": 1 yes, 0 no, -1 with an error queued (*result set). */
static int ih_web_hop_known(struct ih_web_request *req, const char *path, const char *hop,
			    enum MHD_Result *result)
{
	sqlite3_stmt *st;

	if (strcmp(hop, "total") == 0)
		return 1;
	if (!(st = ih_web_stmt(req, sql_hop_known, result)))
		return -1;
	ih_web_bind_text(st, 1, hop);
	ih_web_bind_text(st, 2, path);
	return ih_web_found(req, st, result);
}

int ih_web_path_hop(struct ih_web_request *req, int required, const char **path,
		    const char **hop, enum MHD_Result *result)
{
	const char *h = ih_web_query(req, "hop");
	int rc;

	*hop = NULL;
	if (ih_web_query_path(req, path, result) != 0)
		return -1;
	if (h) {
		if ((rc = ih_web_hop_known(req, NULL, h, result)) < 0)
			return -1;
		if (!rc) {
			*result = ih_web_bad_word(req, "hop", h, NULL, true);
			return -1;
		}
		*hop = h;
	}
	if (required && (!*path || !*hop)) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter %s: required",
				       *path ? "hop" : "path");
		return -1;
	}
	if (*path && *hop) {
		if ((rc = ih_web_hop_known(req, *path, *hop, result)) < 0)
			return -1;
		if (!rc) {
			*result = ih_web_bad_word(req, "hop", *hop, *path, true);
			return -1;
		}
	}
	return 0;
}

/* GET /api/paths : {"paths": [{"path", "hops": [{"hop", "seq", "from_ev",
 * "to_ev", "role"}, ...]}, ...]}: every path of the database's hop_def by
 * name, its hops in order ("total" is implied).  500 database. */
enum MHD_Result ih_web_api_paths(struct ih_web_request *req)
{
	enum MHD_Result r;
	json_t *paths;

	if (ih_web_path_defs(req, &paths, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:o}", "paths", paths));
}
