/*
 * web/api/api.c - the JSON API (documented in docs/api.md).  Every query is a
 * static string with bound parameters, prepared once per worker thread
 * (ih_web_stmt); rows become JSON objects keyed by column name, so a column
 * added to a SELECT appears in the API without more code.
 */
#include "config.h"
#include "web/web.h"
#include "analyzer/regress/regress.h"
#include "schemas/order.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The values of ?mechanism= : every tasklet and notifier mode. */
#define IH_WEB_MECHANISMS "global percpu waitqueue srcu"

/* The fields of a run in the list and in the run's own object. */
#define IH_WEB_RUN_COLUMNS \
	"id, label, host, tasklet_mode, notifier_mode, start_ns, end_ns, events, " \
	"discarded, irqs, irqs_incomplete, irqs_raised, irqs_acked, analyzed_at"

/* Filters: ?1 label (substring, ASCII case-insensitive), ?2 host (exact),
 * ?3 mechanism (tasklet or notifier mode); NULL means no filter. */
static const char sql_runs[] =
	"SELECT " IH_WEB_RUN_COLUMNS " FROM run "
	"WHERE (?1 IS NULL OR instr(lower(label), lower(?1)) > 0) AND (?2 IS NULL OR host = ?2) "
	"AND (?3 IS NULL OR tasklet_mode = ?3 OR notifier_mode = ?3) ORDER BY id DESC";
static const char sql_run[] =
	"SELECT " IH_WEB_RUN_COLUMNS ", trace, trace_uuid, host_steal_ns, host_total_ns, "
	"analyzer_version, scenario FROM run WHERE id = ?1";
static const char sql_run_exists[] =
	"SELECT 1 FROM run WHERE id = ?1";
/* Counts per path come from path_summary (schema v2), written by the
 * analyzer: one row per path instead of a scan of the run's irq rows. */
static const char sql_run_paths[] =
	"SELECT path, irqs, complete FROM path_summary WHERE run_id = ?1 ORDER BY path";

/* Appends every row of ST (bound, not yet stepped) to a new JSON array in
 * *out.  Returns 0, or -1 with an error already queued (*result set). */
static int ih_web_rows(struct ih_web_request *req, sqlite3_stmt *st, json_t **out,
		       enum MHD_Result *result)
{
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!arr) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	while ((rc = ih_web_step(req, st, result)) == SQLITE_ROW) {
		if (json_array_append_new(arr, ih_web_row_object(st)) != 0) {
			json_decref(arr);
			*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			return -1;
		}
	}
	if (rc < 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

int ih_web_run_exists(struct ih_web_request *req, int64_t id, enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql_run_exists, result);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = ih_web_step(req, st, result);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_DONE) {
		*result = ih_web_error(req, MHD_HTTP_NOT_FOUND, "run %lld not found", (long long)id);
		return 0;
	}
	return 1;
}

/* Binds TEXT (NULL: SQL NULL) as parameter I of ST.  Binding only fails
 * for an index out of range or memory, both caught by the step after. */
static void ih_web_bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* GET /api/runs[?label=&host=&mechanism=] : {"runs": [run, ...]}, newest
 * (highest id) first.  400 naming mechanism when it is not a known mode. */
enum MHD_Result ih_web_api_runs(struct ih_web_request *req)
{
	enum MHD_Result r;
	sqlite3_stmt *st;
	const char *mech;
	json_t *runs;

	if (ih_web_query_word(req, "mechanism", IH_WEB_MECHANISMS, &mech, &r) != 0)
		return r;
	st = ih_web_stmt(req, sql_runs, &r);
	if (!st)
		return r;
	ih_web_bind_text(st, 1, ih_web_query(req, "label"));
	ih_web_bind_text(st, 2, ih_web_query(req, "host"));
	ih_web_bind_text(st, 3, mech);
	if (ih_web_rows(req, st, &runs, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:o}", "runs", runs));
}

/* GET /api/runs/{id} : the run's object, its scenario parsed back into JSON
 * when it is valid JSON, and "paths": [{path, irqs, complete}, ...]. */
enum MHD_Result ih_web_api_run(struct ih_web_request *req)
{
	enum MHD_Result r;
	sqlite3_stmt *st;
	json_t *run, *paths, *scenario;
	int64_t id;
	int rc;

	if (ih_web_param_id(req, "id", &id, &r) != 0)
		return r;
	st = ih_web_stmt(req, sql_run, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	rc = ih_web_step(req, st, &r);
	if (rc < 0)
		return r;
	if (rc == SQLITE_DONE)
		return ih_web_error(req, MHD_HTTP_NOT_FOUND, "run %lld not found", (long long)id);
	run = ih_web_row_object(st);
	if (!run)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	scenario = json_object_get(run, "scenario");
	if (json_is_string(scenario)) {
		json_t *parsed = json_loads(json_string_value(scenario), 0, NULL);

		if (parsed)
			json_object_set_new(run, "scenario", parsed);
	}
	st = ih_web_stmt(req, sql_run_paths, &r);
	if (!st) {
		json_decref(run);
		return r;
	}
	sqlite3_bind_int64(st, 1, id);
	if (ih_web_rows(req, st, &paths, &r) != 0) {
		json_decref(run);
		return r;
	}
	if (json_object_set_new(run, "paths", paths) != 0) {
		json_decref(run);
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return ih_web_respond_json(req, run);
}

/* Modes of ih_web_hists (or-ed): what each hop's object gets. */
#define IH_HIST_BUCKETS 1 /* "buckets": [[lo_ns, hi_ns, count, cum], ...] */
#define IH_HIST_CDF     2 /* "cdf": [[hi_ns, cum / count], ...] */
#define IH_HIST_STATS   4 /* the hop_stats view's columns instead of the summary's */
static int ih_web_hists(struct ih_web_request *req, int64_t id, const char *path, const char *hop,
			int mode, json_t **out, enum MHD_Result *result);

/* GET /api/runs/{id}/hops : {"run_id": id, "hops": [...]}: the rows of the
 * hop_stats view for the run, by path then hop order, 'total' last in each
 * path.  Computed here from the run's hop_hist rows with the view's exact
 * definition: SQLite does not push "run_id = ?" into the view's window
 * function, so the view reads every run's buckets (40 ms with three runs,
 * growing with each run).  404 for an unknown run (a known run without
 * statistics has an empty list). */
enum MHD_Result ih_web_api_run_hops(struct ih_web_request *req)
{
	enum MHD_Result r;
	json_t *hops;
	int64_t id;

	if (ih_web_param_id(req, "id", &id, &r) != 0)
		return r;
	if (ih_web_run_exists(req, id, &r) != 1 ||
	    ih_web_hists(req, id, NULL, NULL, IH_HIST_STATS, &hops, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:I,s:o}", "run_id", (json_int_t)id,
						  "hops", hops));
}

/* ---- hops, columns and lanes ------------------------------------------- */

/* The columns of an interrupt in lists (slowest, sample, range). */
#define IH_WEB_IRQ_COLUMNS \
	"irq_id, path, source, vector, pcpu, vcpu, task_pcpu, ack_pcpu, worker, start_ns, " \
	"ack_ns, total_ns, complete, broken_hop, delivery_ns, schedule_ns, queue_ns, assist_ns, " \
	"callback_ns, defer_ns, worker_ns, inject_ns, guest_ns"

/* Every (path, hop) of hop_def, plus each path's "total", with the thread
 * the hop runs (or waits) on: the waterfall's lane (see ih_web_lane).  The
 * interrupts behind a hop's durations come from hop_order (schema v5,
 * schemas/order.h), not from an index over irq. */
enum ih_web_lane_kind { IH_LANE_RAISE, IH_LANE_TASKLET, IH_LANE_IO, IH_LANE_WORKER,
			IH_LANE_INJECT, IH_LANE_ACK, IH_LANE_NONE };
static const struct ih_web_hop {
	const char *path, *hop;
	enum ih_web_lane_kind lane;
} ih_web_hops[] = {
	{ "passthrough", "delivery", IH_LANE_RAISE },
	{ "passthrough", "schedule", IH_LANE_RAISE },
	{ "passthrough", "queue",    IH_LANE_TASKLET },
	{ "passthrough", "assist",   IH_LANE_TASKLET },
	{ "passthrough", "guest",    IH_LANE_ACK },
	{ "passthrough", "total",    IH_LANE_NONE },
	{ "timer",       "schedule", IH_LANE_RAISE },
	{ "timer",       "queue",    IH_LANE_TASKLET },
	{ "timer",       "assist",   IH_LANE_TASKLET },
	{ "timer",       "guest",    IH_LANE_ACK },
	{ "timer",       "total",    IH_LANE_NONE },
	{ "irqfd",       "callback", IH_LANE_IO },
	{ "irqfd",       "defer",    IH_LANE_IO },
	{ "irqfd",       "worker",   IH_LANE_WORKER },
	{ "irqfd",       "inject",   IH_LANE_INJECT },
	{ "irqfd",       "guest",    IH_LANE_ACK },
	{ "irqfd",       "total",    IH_LANE_NONE },
};
#define IH_WEB_PATHS "irqfd passthrough timer"
#define IH_WEB_HOP_NAMES "delivery schedule queue assist callback defer worker inject guest total"

/* The entry for (PATH, HOP), or NULL when HOP is not a hop of PATH. */
static const struct ih_web_hop *ih_web_hop_find(const char *path, const char *hop)
{
	for (size_t i = 0; i < sizeof(ih_web_hops) / sizeof(ih_web_hops[0]); i++)
		if (strcmp(ih_web_hops[i].path, path) == 0 && strcmp(ih_web_hops[i].hop, hop) == 0)
			return &ih_web_hops[i];
	return NULL;
}

/* Reads ?path= and ?hop= (each optional unless REQUIRED) and checks that
 * the hop belongs to the path.  Returns 0 with *path / *hop set (NULL when
 * absent), or -1 with a 400 naming the parameter queued (*result set). */
static int ih_web_path_hop(struct ih_web_request *req, int required, const char **path,
			   const char **hop, enum MHD_Result *result)
{
	if (ih_web_query_word(req, "path", IH_WEB_PATHS, path, result) != 0 ||
	    ih_web_query_word(req, "hop", IH_WEB_HOP_NAMES, hop, result) != 0)
		return -1;
	if (required && (!*path || !*hop)) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter %s: required",
				       *path ? "hop" : "path");
		return -1;
	}
	if (*path && *hop && !ih_web_hop_find(*path, *hop)) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				       "parameter hop: '%s' is not a hop of path %s", *hop, *path);
		return -1;
	}
	return 0;
}

/* ---- histograms and CDFs ---------------------------------------------- */

static const char sql_hist_summary[] =
	"SELECT s.path, s.hop, COALESCE(d.seq, 99) AS seq, s.count, s.sum_ns, s.min_ns, s.max_ns "
	"FROM hop_summary s LEFT JOIN hop_def d ON d.path = s.path AND d.hop = s.hop "
	"WHERE s.run_id = ?1 AND (?2 IS NULL OR s.path = ?2) AND (?3 IS NULL OR s.hop = ?3) "
	"ORDER BY s.path, seq, s.hop";
static const char sql_hist_buckets[] =
	"SELECT lo_ns, hi_ns, count FROM hop_hist WHERE run_id = ?1 AND path = ?2 AND hop = ?3 "
	"ORDER BY lo_ns";

/* Percentiles of the hop_stats view (docs/schema.md): nearest rank, the
 * upper bound of the first bucket whose cumulative count reaches q * count,
 * clamped to the exact maximum. */
static const double ih_web_quantiles[] = { 0.50, 0.90, 0.99, 0.999 };
static const char *const ih_web_quantile_names[] = { "p50_ns", "p90_ns", "p99_ns", "p999_ns" };
#define IH_WEB_NQ 4

/* Reads the buckets of *HIST (a summary row object: path, hop, seq, count,
 * sum_ns, min_ns, max_ns) from run ID and, by MODE (IH_HIST_*), adds them as
 * "buckets" and/or "cdf"; with IH_HIST_STATS *hist becomes the hop's
 * hop_stats row instead (plus "cdf" if asked), or NULL when the hop has no
 * bucket (the view has no row then).  Returns 0, or -1 with an error queued
 * (*result set). */
static int ih_web_hist_buckets(struct ih_web_request *req, int64_t id, json_t **hist, int mode,
			       enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql_hist_buckets, result);
	json_t *h = *hist, *arr = NULL, *cdf = NULL, *row = NULL;
	json_int_t cum = 0, total = json_integer_value(json_object_get(h, "count"));
	json_int_t maxv = json_integer_value(json_object_get(h, "max_ns"));
	json_int_t pq[IH_WEB_NQ] = { 0 };
	int found[IH_WEB_NQ] = { 0 }, nb = 0;
	int rc;

	if (!st)
		return -1;
	if (((mode & IH_HIST_BUCKETS) && !(arr = json_array())) ||
	    ((mode & IH_HIST_CDF) && !(cdf = json_array())))
		goto oom;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	ih_web_bind_text(st, 2, json_string_value(json_object_get(h, "path")));
	ih_web_bind_text(st, 3, json_string_value(json_object_get(h, "hop")));
	while ((rc = ih_web_step(req, st, result)) == SQLITE_ROW) {
		json_int_t hi = sqlite3_column_int64(st, 1), n = sqlite3_column_int64(st, 2);

		cum += n;
		nb++;
		/* The same double comparison as the view's "cum >= 0.99 * n". */
		for (int q = 0; q < IH_WEB_NQ; q++)
			if (!found[q] && (double)cum >= ih_web_quantiles[q] * (double)total) {
				found[q] = 1;
				pq[q] = hi < maxv ? hi : maxv;
			}
		if (cdf && json_array_append_new(cdf, json_pack("[If]", hi, total > 0 ?
						(double)cum / (double)total : 0.0)) != 0)
			goto oom;
		if (arr && json_array_append_new(arr, json_pack("[IIII]",
						(json_int_t)sqlite3_column_int64(st, 0), hi, n, cum)) != 0)
			goto oom;
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	if (mode & IH_HIST_STATS) {
		if (nb) {
			row = json_pack("{s:O,s:O,s:O,s:O,s:f,s:O}", "path", json_object_get(h, "path"),
					"hop", json_object_get(h, "hop"), "seq", json_object_get(h, "seq"),
					"count", json_object_get(h, "count"),
					"mean_ns", total ? (double)json_integer_value(json_object_get(h, "sum_ns")) /
						(double)total : 0.0,
					"max_ns", json_object_get(h, "max_ns"));
			if (!row)
				goto oom;
			for (int q = 0; q < IH_WEB_NQ; q++)
				if (json_object_set_new(row, ih_web_quantile_names[q],
							found[q] ? json_integer(pq[q]) : json_null()) != 0)
					goto oom;
		}
		h = row;
		row = NULL;
	}
	if (h && arr) {
		if (json_object_set_new(h, "buckets", arr) != 0) {
			arr = NULL;
			goto oom_h;
		}
	} else {
		json_decref(arr);
	}
	arr = NULL;
	if (h && cdf) {
		if (json_object_set_new(h, "cdf", cdf) != 0) {
			cdf = NULL;
			goto oom_h;
		}
	} else {
		json_decref(cdf);
	}
	if (h != *hist) {
		json_decref(*hist);
		*hist = h;
	}
	return 0;
oom_h:
	if (h != *hist)
		json_decref(h);
oom:
	*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
fail:
	json_decref(row);
	json_decref(arr);
	json_decref(cdf);
	return -1;
}

/* The histograms of run ID (PATH and HOP filter when not NULL), as a new
 * array in *out: per (path, hop) in path then hop order ('total' last),
 * {path, hop, seq, count, sum_ns, min_ns, max_ns} with what MODE asks for,
 * or with IH_HIST_STATS the hop_stats rows (ih_web_hist_buckets).  Returns
 * 0, or -1 with an error queued (*result set). */
static int ih_web_hists(struct ih_web_request *req, int64_t id, const char *path, const char *hop,
			int mode, json_t **out, enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql_hist_summary, result);
	json_t *hists, *res;

	*out = NULL;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	ih_web_bind_text(st, 2, path);
	ih_web_bind_text(st, 3, hop);
	if (ih_web_rows(req, st, &hists, result) != 0)
		return -1;
	sqlite3_reset(st);
	res = json_array();
	for (size_t i = 0; res && i < json_array_size(hists); i++) {
		json_t *h = json_incref(json_array_get(hists, i));

		if (ih_web_hist_buckets(req, id, &h, mode, result) != 0) {
			json_decref(h);
			json_decref(hists);
			json_decref(res);
			return -1;
		}
		if (h && json_array_append_new(res, h) != 0) {
			json_decref(res);
			res = NULL;
		}
	}
	json_decref(hists);
	if (!res) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	*out = res;
	return 0;
}

/* GET /api/runs/{id}/hist[?path=&hop=] : {"run_id", "hists": [...]}, each
 * hop's histogram with its cumulative counts (the CDF).  400 for a bad
 * path/hop, 404 for an unknown run. */
enum MHD_Result ih_web_api_run_hist(struct ih_web_request *req)
{
	enum MHD_Result r;
	const char *path, *hop;
	json_t *hists;
	int64_t id;

	if (ih_web_param_id(req, "id", &id, &r) != 0 || ih_web_path_hop(req, 0, &path, &hop, &r) != 0)
		return r;
	if (ih_web_run_exists(req, id, &r) != 1 ||
	    ih_web_hists(req, id, path, hop, IH_HIST_BUCKETS, &hists, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:I,s:o}", "run_id", (json_int_t)id,
						  "hists", hists));
}

/* ---- steal and locks --------------------------------------------------- */

/* Per vCPU over the run: the steal_breakdown view, with guest_ns = the
 * vCPU's running time less the hypervisor's share of it, so that guest,
 * hypervisor, runnable, blocked and offline add up to its wall time. */
static const char sql_steal[] =
	"SELECT vcpu, guest, guest_kind, pcpu, running_ns - hypervisor_ns AS guest_ns, running_ns, "
	"hypervisor_ns, hv_irq_ns, hv_softirq_ns, hv_tasklet_ns, hv_lock_ns, runnable_ns, "
	"blocked_ns, offline_ns, runnable_ns + offline_ns AS steal_ns, steal_pct, lock_spin_pct "
	"FROM steal_breakdown WHERE run_id = ?1 ORDER BY vcpu";
/* The test host's own steal of each pCPU thread (schedstat run delay). */
static const char sql_steal_pcpus[] =
	"SELECT pcpu, sum(run_ns) AS run_ns, sum(run_delay_ns) AS run_delay_ns, "
	"100.0 * sum(run_delay_ns) / max(sum(run_ns + run_delay_ns), 1) AS run_delay_pct "
	"FROM pcpu_stat WHERE run_id = ?1 GROUP BY pcpu ORDER BY pcpu";
/* Per vCPU and window; offset_ns from the run's first event. */
static const char sql_steal_windows[] =
	"SELECT vcpu, window_start_ns, window_start_ns - "
	"(SELECT COALESCE(r.start_ns, (SELECT min(window_start_ns) FROM steal WHERE run_id = ?1)) "
	" FROM run r WHERE r.id = ?1) AS offset_ns, window_ns, "
	"running_ns - hv_irq_ns - hv_softirq_ns AS guest_ns, hv_irq_ns + hv_softirq_ns AS hypervisor_ns, "
	"runnable_ns, blocked_ns, offline_ns, hv_lock_ns, "
	"100.0 * (runnable_ns + offline_ns) / max(window_ns, 1) AS steal_pct "
	"FROM steal WHERE run_id = ?1 AND (?2 IS NULL OR vcpu = ?2) ORDER BY vcpu, window_start_ns";
static const char sql_locks[] =
	"SELECT lock, lock_name, acquisitions, contended, wait_ns, hold_ns, contended_pct, mean_wait_ns "
	"FROM lock_summary WHERE run_id = ?1 ORDER BY wait_ns DESC, lock";
static const char sql_lock_pcpus[] =
	"SELECT lock, lock_name, pcpu, acquisitions, contended, wait_ns, hold_ns "
	"FROM lock_stat WHERE run_id = ?1 ORDER BY lock, pcpu";

/* Runs SQL (one parameter: ID) and stores its rows as member KEY of OBJ.
 * Returns 0, or -1 with an error queued (*result set). */
static int ih_web_rows_into(struct ih_web_request *req, const char *sql, int64_t id, json_t *obj,
			    const char *key, enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql, result);
	json_t *rows;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (ih_web_rows(req, st, &rows, result) != 0)
		return -1;
	sqlite3_reset(st);
	if (json_object_set_new(obj, key, rows) != 0) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	return 0;
}

/* Answers {"run_id": ID, KEY1: rows of SQL1, KEY2: rows of SQL2} for the run
 * in the path (400 malformed id, 404 unknown run, 500 database). */
static enum MHD_Result ih_web_run_two_lists(struct ih_web_request *req, const char *sql1,
					    const char *key1, const char *sql2, const char *key2)
{
	enum MHD_Result r;
	json_t *obj;
	int64_t id;

	if (ih_web_param_id(req, "id", &id, &r) != 0 || ih_web_run_exists(req, id, &r) != 1)
		return r;
	obj = json_pack("{s:I}", "run_id", (json_int_t)id);
	if (!obj)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	if (ih_web_rows_into(req, sql1, id, obj, key1, &r) != 0 ||
	    ih_web_rows_into(req, sql2, id, obj, key2, &r) != 0) {
		json_decref(obj);
		return r;
	}
	return ih_web_respond_json(req, obj);
}

/* GET /api/runs/{id}/steal : {"run_id", "vcpus": [...], "pcpus": [...]}.
 * Failures as ih_web_run_two_lists (400, 404, 500). */
enum MHD_Result ih_web_api_run_steal(struct ih_web_request *req)
{
	return ih_web_run_two_lists(req, sql_steal, "vcpus", sql_steal_pcpus, "pcpus");
}

/* GET /api/runs/{id}/locks : {"run_id", "locks": [...], "per_pcpu": [...]}.
 * Failures as ih_web_run_two_lists (400, 404, 500). */
enum MHD_Result ih_web_api_run_locks(struct ih_web_request *req)
{
	return ih_web_run_two_lists(req, sql_locks, "locks", sql_lock_pcpus, "per_pcpu");
}

/* GET /api/runs/{id}/steal/windows[?vcpu=N] : {"run_id", "windows": [...]}
 * per vCPU then window.  400 naming vcpu when malformed, 404 unknown run. */
enum MHD_Result ih_web_api_run_steal_windows(struct ih_web_request *req)
{
	enum MHD_Result r;
	sqlite3_stmt *st;
	json_t *rows;
	int64_t id, vcpu;

	if (ih_web_param_id(req, "id", &id, &r) != 0 ||
	    ih_web_query_int(req, "vcpu", 0, INT32_MAX, -1, &vcpu, &r) != 0 ||
	    ih_web_run_exists(req, id, &r) != 1)
		return r;
	st = ih_web_stmt(req, sql_steal_windows, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if (vcpu >= 0)
		sqlite3_bind_int64(st, 2, vcpu);
	if (ih_web_rows(req, st, &rows, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:I,s:o}", "run_id", (json_int_t)id,
						  "windows", rows));
}

/* ---- interrupts --------------------------------------------------------- */

#define IH_WEB_N_DEFAULT 20
#define IH_WEB_N_MAX 1000

/* One interrupt of run ?1 by irq_id ?2 (the primary key), for the lists
 * that hop_order answers. */
static const char sql_irq_list_row[] =
	"SELECT " IH_WEB_IRQ_COLUMNS " FROM irq WHERE run_id = ?1 AND irq_id = ?2";
/* Sample: the first interrupt at or after an irq_id (the primary key).
 * Two key look-ups: min() and max() together in one SELECT would scan the
 * run's whole key range (80 ms per million interrupts). */
static const char sql_irq_span[] =
	"SELECT (SELECT irq_id FROM irq WHERE run_id = ?1 ORDER BY irq_id LIMIT 1), "
	"(SELECT irq_id FROM irq WHERE run_id = ?1 ORDER BY irq_id DESC LIMIT 1)";
static const char sql_irq_at[] =
	"SELECT " IH_WEB_IRQ_COLUMNS " FROM irq WHERE run_id = ?1 AND irq_id >= ?2 "
	"AND (?3 IS NULL OR path = ?3) ORDER BY irq_id LIMIT 1";

/* The irq rows of run ID for PAIRS[0..N) (from hop_order), in that order,
 * as a new JSON array in *out; with DUR each row also gets "dur_ns" (the
 * pair's duration).  An interrupt missing from irq (a database edited by
 * hand) is skipped.  Returns 0, or -1 with an error queued (*result set). */
static int ih_web_pair_rows(struct ih_web_request *req, int64_t id, const struct ih_order_pair *pairs,
			    size_t n, bool dur, json_t **out, enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql_irq_list_row, result);
	json_t *arr;
	int rc;

	*out = NULL;
	if (!st)
		return -1;
	if (!(arr = json_array()))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		json_t *row;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)pairs[i].irq_id);
		rc = ih_web_step(req, st, result);
		if (rc < 0) {
			json_decref(arr);
			return -1;
		}
		if (rc != SQLITE_ROW)
			continue;
		row = ih_web_row_object(st);
		if (!row || (dur && json_object_set_new(row, "dur_ns", json_integer((json_int_t)pairs[i].dur_ns))) ||
		    json_array_append_new(arr, row) != 0) {
			json_decref(arr);
			goto oom;
		}
	}
	*out = arr;
	return 0;
oom:
	*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return -1;
}

/* Reads ?n= (1 to IH_WEB_N_MAX, default IH_WEB_N_DEFAULT) and the run id.
 * Returns 0, or -1 with the 400/404/500 queued (*result set). */
static int ih_web_list_args(struct ih_web_request *req, int64_t *id, int64_t *n,
			    enum MHD_Result *result)
{
	if (ih_web_param_id(req, "id", id, result) != 0 ||
	    ih_web_query_int(req, "n", 1, IH_WEB_N_MAX, IH_WEB_N_DEFAULT, n, result) != 0)
		return -1;
	return ih_web_run_exists(req, *id, result) == 1 ? 0 : -1;
}

/* GET /api/runs/{id}/irqs/slowest[?path=&n=] : {"run_id", "path", "n",
 * "irqs": [...]}: the N slowest complete interrupts by total_ns.  400
 * naming path or n, 400 malformed id, 404 unknown run, 500 database. */
enum MHD_Result ih_web_api_run_slowest(struct ih_web_request *req)
{
	static const char *const paths[] = { "irqfd", "passthrough", "timer" };
	struct ih_order_pair top[3 * IH_WEB_N_MAX];
	enum MHD_Result r;
	const char *path;
	json_t *rows;
	sqlite3 *db;
	size_t got = 0;
	int64_t id, n;
	char err[512];

	if (ih_web_query_word(req, "path", IH_WEB_PATHS, &path, &r) != 0 ||
	    ih_web_list_args(req, &id, &n, &r) != 0)
		return r;
	if (!(db = ih_web_db(req, &r)))
		return r;
	/* Each path's N slowest (hop_order's 'total'), merged. */
	for (size_t i = 0; i < 3; i++) {
		size_t k;

		if (path && strcmp(path, paths[i]) != 0)
			continue;
		if (ih_order_top(db, id, paths[i], "total", (size_t)n, top + got, &k, err, sizeof(err)))
			return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
		got += k;
	}
	qsort(top, got, sizeof(top[0]), ih_order_cmp_desc);
	if (ih_web_pair_rows(req, id, top, got < (size_t)n ? got : (size_t)n, false, &rows, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:I,s:s?,s:I,s:o}", "run_id", (json_int_t)id,
						  "path", path, "n", (json_int_t)n, "irqs", rows));
}

/* GET /api/runs/{id}/irqs/sample[?path=&n=] : {"run_id", "path", "n",
 * "irqs": [...]}: up to N interrupts spread evenly over the run's irq_id
 * range (the first one at or after each of N evenly spaced ids; repeats
 * dropped), in irq_id order.  Deterministic, N index look-ups.  400 naming
 * path or n, 400 malformed id, 404 unknown run, 500 database. */
enum MHD_Result ih_web_api_run_sample(struct ih_web_request *req)
{
	enum MHD_Result r;
	const char *path;
	sqlite3_stmt *st;
	json_t *rows;
	int64_t id, n, lo, hi, last = -1;
	int rc;

	if (ih_web_query_word(req, "path", IH_WEB_PATHS, &path, &r) != 0 ||
	    ih_web_list_args(req, &id, &n, &r) != 0)
		return r;
	st = ih_web_stmt(req, sql_irq_span, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = ih_web_step(req, st, &r)) < 0)
		return r;
	rows = json_array();
	if (!rows)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		lo = sqlite3_column_int64(st, 0);
		hi = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		st = ih_web_stmt(req, sql_irq_at, &r);
		if (!st) {
			json_decref(rows);
			return r;
		}
		for (int64_t k = 0; k < n; k++) {
			/* k-th of n evenly spaced ids in [lo, hi]; long double
			 * keeps hi - lo exact enough and cannot overflow. */
			int64_t at = lo + (int64_t)((long double)(hi - lo) * (long double)k / (long double)n);
			int64_t irq;

			if (at <= last)
				at = last + 1;
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, at);
			ih_web_bind_text(st, 3, path);
			rc = ih_web_step(req, st, &r);
			if (rc < 0) {
				json_decref(rows);
				return r;
			}
			if (rc == SQLITE_DONE)
				break;
			irq = sqlite3_column_int64(st, 0);
			if (json_array_append_new(rows, ih_web_row_object(st)) != 0) {
				json_decref(rows);
				return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			}
			last = irq;
			if (last == INT64_MAX)
				break;
		}
	}
	return ih_web_respond_json(req, json_pack("{s:I,s:s?,s:I,s:o}", "run_id", (json_int_t)id,
						  "path", path, "n", (json_int_t)n, "irqs", rows));
}

/* GET /api/runs/{id}/irqs?path=P&hop=H[&lo=&hi=&n=] : the interrupts of the
 * run and path whose hop H lasted between lo and hi ns (inclusive), by
 * duration, at most n: {"run_id", "path", "hop", "lo_ns", "hi_ns", "n",
 * "irqs": [... with "dur_ns"], "more": true when more matched}.  400 names
 * path, hop, lo, hi or n; 404 for an unknown run. */
enum MHD_Result ih_web_api_run_irqs(struct ih_web_request *req)
{
	struct ih_order_pair pairs[IH_WEB_N_MAX];
	enum MHD_Result r;
	const char *path, *hop;
	json_t *rows;
	sqlite3 *db;
	int64_t id, lo, hi, n;
	size_t got;
	bool more;
	char err[512];

	if (ih_web_param_id(req, "id", &id, &r) != 0 || ih_web_path_hop(req, 1, &path, &hop, &r) != 0 ||
	    ih_web_query_int(req, "lo", 0, INT64_MAX, 0, &lo, &r) != 0 ||
	    ih_web_query_int(req, "hi", 0, INT64_MAX, INT64_MAX, &hi, &r) != 0 ||
	    ih_web_query_int(req, "n", 1, IH_WEB_N_MAX, IH_WEB_N_DEFAULT, &n, &r) != 0)
		return r;
	if (hi < lo)
		return ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				    "parameter hi: %lld is below lo (%lld)", (long long)hi, (long long)lo);
	if (ih_web_run_exists(req, id, &r) != 1)
		return r;
	if (!(db = ih_web_db(req, &r)))
		return r;
	if (ih_order_range(db, id, path, hop, (uint64_t)lo, (uint64_t)hi, (size_t)n, pairs, &got, &more,
			   err, sizeof(err)))
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
	if (ih_web_pair_rows(req, id, pairs, got, true, &rows, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:o,s:b}",
						  "run_id", (json_int_t)id, "path", path, "hop", hop,
						  "lo_ns", (json_int_t)lo, "hi_ns", (json_int_t)hi,
						  "n", (json_int_t)n, "irqs", rows, "more", more));
}

static const char sql_irq_exists[] =
	"SELECT 1 FROM irq WHERE run_id = ?1 AND irq_id = ?2";
static const char sql_irq_row[] =
	"SELECT * FROM irq WHERE run_id = ?1 AND irq_id = ?2";
static const char sql_irq_hops[] =
	"SELECT hop, seq, start_ns, dur_ns, lock_wait_ns FROM hop "
	"WHERE run_id = ?1 AND irq_id = ?2 ORDER BY seq";

int ih_web_irq_exists(struct ih_web_request *req, int64_t id, int64_t irq, enum MHD_Result *result)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = ih_web_run_exists(req, id, result)) != 1)
		return rc;
	st = ih_web_stmt(req, sql_irq_exists, result);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, irq);
	rc = ih_web_step(req, st, result);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_DONE) {
		*result = ih_web_error(req, MHD_HTTP_NOT_FOUND, "interrupt %lld not found in run %lld",
				       (long long)irq, (long long)id);
		return 0;
	}
	return 1;
}

/* The lane (thread) a hop of interrupt IRQ runs or waits on, as two new
 * members of HOP: "lane" ("pCPU 1", "worker 0", "I/O thread 3" or
 * "unknown" when the analyzer did not see it) and "role" (raise, tasklet,
 * io, worker, ack).  Returns 0, or -1 when out of memory. */
static int ih_web_lane(json_t *irq, const char *path, const char *hopname, json_t *hop)
{
	const struct ih_web_hop *h = ih_web_hop_find(path, hopname);
	enum ih_web_lane_kind kind = h ? h->lane : IH_LANE_NONE;
	static const char *const roles[] = { "raise", "tasklet", "io", "worker", "inject", "ack", "other" };
	const char *col = NULL, *name = "pCPU";
	json_t *v;
	char lane[64] = "unknown";

	switch (kind) {
	case IH_LANE_RAISE:   col = "pcpu"; break;
	case IH_LANE_TASKLET: col = "task_pcpu"; break;
	case IH_LANE_IO:      col = "source"; name = "I/O thread"; break;
	case IH_LANE_WORKER:  col = "worker"; name = "worker"; break;
	case IH_LANE_ACK:     col = "ack_pcpu"; break;
	case IH_LANE_INJECT:
		/* Waitqueue mode injects from the worker; srcu mode (no
		 * worker) directly from the I/O thread's notifier call. */
		if (json_is_integer(json_object_get(irq, "worker"))) {
			col = "worker";
			name = "worker";
			kind = IH_LANE_WORKER;
		} else {
			col = "source";
			name = "I/O thread";
			kind = IH_LANE_IO;
		}
		break;
	case IH_LANE_NONE:    break;
	}
	v = col ? json_object_get(irq, col) : NULL;
	if (json_is_integer(v))
		snprintf(lane, sizeof(lane), "%s %lld", name, (long long)json_integer_value(v));
	return json_object_set_new(hop, "lane", json_string(lane)) ||
	       json_object_set_new(hop, "role", json_string(roles[kind == IH_LANE_INJECT ? 4 : kind]))
	       ? -1 : 0;
}

/* GET /api/runs/{id}/irqs/{irq} : one interrupt's waterfall: {"run_id",
 * "irq": the irq row (every column), "hops": [{hop, seq, start_ns,
 * offset_ns (from the interrupt's start), dur_ns, lock_wait_ns, lane,
 * role}, ...] in path order}.  400 naming id or irq; 404 unknown run or
 * interrupt. */
enum MHD_Result ih_web_api_run_irq(struct ih_web_request *req)
{
	enum MHD_Result r;
	sqlite3_stmt *st;
	json_t *irq, *hops, *obj;
	int64_t id, irqid, start;
	const char *path;
	int rc;

	if (ih_web_param_id(req, "id", &id, &r) != 0 || ih_web_param_id(req, "irq", &irqid, &r) != 0)
		return r;
	if (ih_web_run_exists(req, id, &r) != 1)
		return r;
	st = ih_web_stmt(req, sql_irq_row, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, irqid);
	rc = ih_web_step(req, st, &r);
	if (rc < 0)
		return r;
	if (rc == SQLITE_DONE)
		return ih_web_error(req, MHD_HTTP_NOT_FOUND, "interrupt %lld not found in run %lld",
				    (long long)irqid, (long long)id);
	irq = ih_web_row_object(st);
	if (!irq)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	start = json_integer_value(json_object_get(irq, "start_ns"));
	path = json_string_value(json_object_get(irq, "path"));
	st = ih_web_stmt(req, sql_irq_hops, &r);
	if (!st) {
		json_decref(irq);
		return r;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, irqid);
	if (ih_web_rows(req, st, &hops, &r) != 0) {
		json_decref(irq);
		return r;
	}
	for (size_t i = 0; i < json_array_size(hops); i++) {
		json_t *h = json_array_get(hops, i);
		json_t *s = json_object_get(h, "start_ns");

		/* Offsets in exact 64-bit arithmetic: JavaScript would round
		 * the epoch instants (docs/api.md). */
		if (json_object_set_new(h, "offset_ns", json_is_integer(s) ?
					json_integer(json_integer_value(s) - start) : json_null()) != 0 ||
		    ih_web_lane(irq, path ? path : "", json_string_value(json_object_get(h, "hop")), h) != 0) {
			json_decref(irq);
			json_decref(hops);
			return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		}
	}
	obj = json_pack("{s:I,s:o,s:o}", "run_id", (json_int_t)id, "irq", irq, "hops", hops);
	return ih_web_respond_json(req, obj);
}

/* ---- compare ----------------------------------------------------------- */

static const char sql_compare_run[] =
	"SELECT id, label, host, tasklet_mode, notifier_mode, start_ns, end_ns, irqs, "
	"irqs_incomplete, discarded, host_steal_ns, host_total_ns FROM run WHERE id = ?1";

/* Run NAME's id (?a= or ?b=, required) and its summary row in *out.
 * Returns 0, or -1 with a 400 naming the parameter, a 404 for an unknown
 * run, or a 500 queued (*result set). */
static int ih_web_compare_run(struct ih_web_request *req, const char *name, int64_t *id,
			      json_t **out, enum MHD_Result *result)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (!ih_web_query(req, name)) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter %s: required (a run id)", name);
		return -1;
	}
	if (ih_web_query_int(req, name, 1, INT64_MAX, 0, id, result) != 0)
		return -1;
	st = ih_web_stmt(req, sql_compare_run, result);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, *id);
	rc = ih_web_step(req, st, result);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_DONE) {
		*result = ih_web_error(req, MHD_HTTP_NOT_FOUND, "run %lld not found", (long long)*id);
		return -1;
	}
	*out = ih_web_row_object(st);
	sqlite3_reset(st);
	if (!*out) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	return 0;
}

/* One pass over run ID's histograms: *list, its hop_stats rows each with
 * its "cdf", and *by, the same rows keyed "path/hop".  Returns 0, or -1
 * with an error queued (*result set). */
static int ih_web_stats_by_hop(struct ih_web_request *req, int64_t id, json_t **list, json_t **by,
			       enum MHD_Result *result)
{
	char key[128];

	*by = NULL;
	if (ih_web_hists(req, id, NULL, NULL, IH_HIST_STATS | IH_HIST_CDF, list, result) != 0)
		return -1;
	*by = json_object();
	for (size_t i = 0; *by && i < json_array_size(*list); i++) {
		json_t *row = json_array_get(*list, i);

		snprintf(key, sizeof(key), "%s/%s", json_string_value(json_object_get(row, "path")),
			 json_string_value(json_object_get(row, "hop")));
		if (json_object_set(*by, key, row) != 0) {
			json_decref(*by);
			*by = NULL;
		}
	}
	if (!*by) {
		json_decref(*list);
		*list = NULL;
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	return 0;
}

/* A copy of stats row ROW without its "cdf" (for the "a"/"b" members), or
 * JSON null for NULL.  NULL when out of memory. */
static json_t *ih_web_stats_only(json_t *row)
{
	json_t *c;

	if (!row)
		return json_null();
	c = json_copy(row);
	if (c)
		json_object_del(c, "cdf");
	return c;
}

/* "b - a" of member KEY of two stats rows, or JSON null when either lacks
 * it; NULL only when out of memory. */
static json_t *ih_web_delta(json_t *a, json_t *b, const char *key)
{
	json_t *x = a ? json_object_get(a, key) : NULL, *y = b ? json_object_get(b, key) : NULL;

	if (!json_is_integer(x) || !json_is_integer(y))
		return json_null();
	return json_integer(json_integer_value(y) - json_integer_value(x));
}

/* "b / a" of member KEY, or JSON null when either lacks it or a is 0;
 * NULL only when out of memory. */
static json_t *ih_web_ratio(json_t *a, json_t *b, const char *key)
{
	json_t *x = a ? json_object_get(a, key) : NULL, *y = b ? json_object_get(b, key) : NULL;

	if (!json_is_integer(x) || !json_is_integer(y) || json_integer_value(x) == 0)
		return json_null();
	return json_real((double)json_integer_value(y) / (double)json_integer_value(x));
}

/* The per-hop comparison of runs A and B: one row per (path, hop) present
 * in either run, in path then hop order: {path, hop, seq, a: stats|null,
 * b: stats|null, d_p50_ns, d_p99_ns (b - a), r_p50, r_p99 (b / a)}; and the
 * CDFs of both, paired the same way.  Stores "hops" and "cdfs" in CMP.
 * Returns 0, or -1 with an error queued. */
static int ih_web_compare_hops(struct ih_web_request *req, int64_t a, int64_t b, json_t *cmp,
			       enum MHD_Result *result)
{
	json_t *sa = NULL, *sb = NULL, *ca = NULL, *cb = NULL, *hops = NULL, *cdfs = NULL;
	json_t *seen = NULL;
	int rc = -1;

	if (ih_web_stats_by_hop(req, a, &ca, &sa, result) != 0 ||
	    ih_web_stats_by_hop(req, b, &cb, &sb, result) != 0)
		goto out;
	hops = json_array();
	cdfs = json_array();
	seen = json_object();
	if (!hops || !cdfs || !seen)
		goto oom;
	/* The union of both runs' (path, hop), from their histogram lists
	 * (which are in path then hop order): a's, then b's extra ones. */
	for (int side = 0; side < 2; side++) {
		json_t *list = side ? cb : ca;

		for (size_t i = 0; i < json_array_size(list); i++) {
			json_t *h = json_array_get(list, i), *x, *y, *row, *pair, *other = NULL;
			const char *path = json_string_value(json_object_get(h, "path"));
			const char *hop = json_string_value(json_object_get(h, "hop"));
			char key[128];

			snprintf(key, sizeof(key), "%s/%s", path, hop);
			if (json_object_get(seen, key))
				continue;
			if (json_object_set_new(seen, key, json_true()) != 0)
				goto oom;
			x = json_object_get(sa, key);
			y = json_object_get(sb, key);
			row = json_pack("{s:s,s:s,s:O,s:o,s:o,s:o,s:o,s:o,s:o}", "path", path, "hop", hop,
					"seq", json_object_get(h, "seq"),
					"a", ih_web_stats_only(x), "b", ih_web_stats_only(y),
					"d_p50_ns", ih_web_delta(x, y, "p50_ns"),
					"d_p99_ns", ih_web_delta(x, y, "p99_ns"),
					"r_p50", ih_web_ratio(x, y, "p50_ns"),
					"r_p99", ih_web_ratio(x, y, "p99_ns"));
			if (json_array_append_new(hops, row) != 0)
				goto oom;
			for (size_t j = 0; j < json_array_size(side ? ca : cb); j++) {
				json_t *o = json_array_get(side ? ca : cb, j);

				if (strcmp(json_string_value(json_object_get(o, "path")), path) == 0 &&
				    strcmp(json_string_value(json_object_get(o, "hop")), hop) == 0)
					other = o;
			}
			pair = json_pack("{s:s,s:s,s:O,s:O,s:O}", "path", path, "hop", hop,
					 "seq", json_object_get(h, "seq"),
					 "a", side ? (other ? json_object_get(other, "cdf") : json_null())
						   : json_object_get(h, "cdf"),
					 "b", side ? json_object_get(h, "cdf")
						   : (other ? json_object_get(other, "cdf") : json_null()));
			if (json_array_append_new(cdfs, pair) != 0)
				goto oom;
		}
	}
	if (json_object_set(cmp, "hops", hops) != 0 || json_object_set(cmp, "cdfs", cdfs) != 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
out:
	json_decref(sa);
	json_decref(sb);
	json_decref(ca);
	json_decref(cb);
	json_decref(hops);
	json_decref(cdfs);
	json_decref(seen);
	return rc;
}

/* GET /api/compare?a=A&b=B : {"a": run A, "b": run B, "hops": per-hop
 * p50/p99 of both with deltas, "cdfs": both CDFs per hop}.  400 names a or
 * b (missing or malformed), 404 for an unknown run.
 *
 * Regression verdicts (`irqhop regress`) are one more member of the same
 * object, "verdicts": the verdict function reads this worker's connection
 * (ih_web_db) and its JSON is set in CMP by one call between the hop
 * comparison and the answer; the compare page renders "verdicts" whenever
 * it is present. */
/* Formats a relative change and its interval for a verdict row. */
static json_t *fmt_pct(json_t *v)
{
	char buf[64];

	if (!json_is_number(v))
		return json_string("");
	snprintf(buf, sizeof(buf), "%+.1f%%", json_number_value(v));
	return json_string(buf);
}

static json_t *fmt_ci(json_t *ci)
{
	char buf[96];

	if (!json_is_array(ci) || json_array_size(ci) != 2)
		return json_string("");
	snprintf(buf, sizeof(buf), "[%+.1f%%, %+.1f%%]", json_number_value(json_array_get(ci, 0)),
		 json_number_value(json_array_get(ci, 1)));
	return json_string(buf);
}

/* The verdicts of `irqhop regress` (analyzer/regress/regress.c, the same code the CI
 * gate exits on) for baseline A and candidate B, flattened into one row per
 * path, hop and metric (baseline/candidate in ns), plus one per guest kind
 * for steal (baseline/candidate in %).  Returns 0 and
 * sets "verdicts" and "regressed" in CMP; on failure returns -1 with the
 * response in *r. */
static int compare_verdicts_compute(struct ih_web_request *req, int64_t a, int64_t b, json_t *cmp,
				    enum MHD_Result *r)
{
	struct ih_regress_opts o;
	json_t *rep = NULL, *rows, *h, *g;
	sqlite3 *db = ih_web_db(req, r);
	char err[256];
	size_t i, j;

	if (!db)
		return -1;
	ih_regress_opts_default(&o);
	if (ih_regress_compare(db, a, b, &o, &rep, err, sizeof(err)) != 0) {
		*r = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
		return -1;
	}
	rows = json_array();
	json_array_foreach(json_object_get(rep, "hops"), i, h) {
		static const char *const metrics[] = { "p50", "p99" };

		for (j = 0; j < 2; j++) {
			json_t *m = json_object_get(h, metrics[j]);
			char key[16];

			if (!json_is_object(m))
				continue;
			snprintf(key, sizeof(key), "%s_ns", metrics[j]);
			json_array_append_new(rows, json_pack("{s:O,s:O,s:s,s:O,s:O,s:o,s:o,s:O}",
				"path", json_object_get(h, "path"), "hop", json_object_get(h, "hop"),
				"metric", metrics[j],
				"baseline", json_object_get(json_object_get(h, "baseline"), key),
				"candidate", json_object_get(json_object_get(h, "candidate"), key),
				"change", fmt_pct(json_object_get(m, "delta_pct")),
				"interval", fmt_ci(json_object_get(m, "ci_pct")),
				"verdict", json_object_get(m, "verdict")));
		}
	}
	json_array_foreach(json_object_get(json_object_get(rep, "steal"), "guests"), i, g)
		json_array_append_new(rows, json_pack("{s:s,s:O,s:s,s:O,s:O,s:o,s:o,s:O}",
			"path", "steal", "hop", json_object_get(g, "guest_kind"), "metric", "steal",
			"baseline", json_object_get(g, "baseline_pct"),
			"candidate", json_object_get(g, "candidate_pct"),
			"change", fmt_pct(json_object_get(g, "delta_pct")),
			"interval", fmt_ci(json_object_get(g, "ci_pct")),
			"verdict", json_object_get(g, "verdict")));
	json_object_set(cmp, "regressed", json_object_get(rep, "regressed"));
	json_object_set_new(cmp, "verdicts", rows);
	json_decref(rep);
	return 0;
}

/*
 * Verdicts cache.  A verdict reads every interrupt of both runs and
 * bootstraps (about 2 s for two runs of a million interrupts), while
 * everything else of /api/compare costs milliseconds; committed runs never
 * change, so the server keeps the last IH_WEB_VCACHE answers, keyed by the
 * pair and by the run table's (max(id), count(*)): a new or deleted run
 * (which can change the baseline's history of earlier runs) misses.
 * Entries are deep-copied in and out under the mutex, so no JSON value is
 * shared between worker threads; ih_web_server_stop() empties the cache
 * (ih_web_api_cleanup), so a later server never sees a stopped one's.
 */
#define IH_WEB_VCACHE 8
static struct {
	const struct ih_web_server *srv;	/* the server (one database) */
	int64_t a, b, max_id, nruns;
	uint64_t used;		/* 0: empty */
	json_t *verdicts, *regressed;
} vcache[IH_WEB_VCACHE];
static pthread_mutex_t vcache_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t vcache_clock;

static const char sql_run_version[] = "SELECT max(id), count(*) FROM run";

void ih_web_api_cleanup(void)
{
	pthread_mutex_lock(&vcache_mu);
	for (int i = 0; i < IH_WEB_VCACHE; i++) {
		json_decref(vcache[i].verdicts);
		json_decref(vcache[i].regressed);
		vcache[i].verdicts = vcache[i].regressed = NULL;
		vcache[i].used = 0;
	}
	pthread_mutex_unlock(&vcache_mu);
}

/* Sets "verdicts" and "regressed" in CMP, from the cache or computed (and
 * then cached).  Returns 0, or -1 with the response in *r. */
static int compare_verdicts(struct ih_web_request *req, int64_t a, int64_t b, json_t *cmp,
			    enum MHD_Result *r)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql_run_version, r);
	int64_t max_id, nruns;
	int rc, hit = 0, slot = 0;

	if (!st || (rc = ih_web_step(req, st, r)) < 0)
		return -1;
	max_id = sqlite3_column_int64(st, 0);
	nruns = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	pthread_mutex_lock(&vcache_mu);
	for (int i = 0; i < IH_WEB_VCACHE; i++) {
		if (vcache[i].used && vcache[i].srv == req->srv && vcache[i].a == a && vcache[i].b == b &&
		    vcache[i].max_id == max_id &&
		    vcache[i].nruns == nruns) {
			json_t *v = json_deep_copy(vcache[i].verdicts), *g = json_deep_copy(vcache[i].regressed);

			hit = v && g && json_object_set_new(cmp, "verdicts", v) == 0 &&
			      json_object_set_new(cmp, "regressed", g) == 0;
			if (hit)
				vcache[i].used = ++vcache_clock;
			break;
		}
	}
	pthread_mutex_unlock(&vcache_mu);
	if (hit)
		return 0;
	if (compare_verdicts_compute(req, a, b, cmp, r))
		return -1;
	pthread_mutex_lock(&vcache_mu);
	for (int i = 1; i < IH_WEB_VCACHE; i++)
		if (vcache[i].used < vcache[slot].used)
			slot = i;
	json_decref(vcache[slot].verdicts);
	json_decref(vcache[slot].regressed);
	vcache[slot].verdicts = json_deep_copy(json_object_get(cmp, "verdicts"));
	vcache[slot].regressed = json_deep_copy(json_object_get(cmp, "regressed"));
	vcache[slot].srv = req->srv;
	vcache[slot].a = a;
	vcache[slot].b = b;
	vcache[slot].max_id = max_id;
	vcache[slot].nruns = nruns;
	vcache[slot].used = vcache[slot].verdicts && vcache[slot].regressed ? ++vcache_clock : 0;
	pthread_mutex_unlock(&vcache_mu);
	return 0;
}

enum MHD_Result ih_web_api_compare(struct ih_web_request *req)
{
	enum MHD_Result r;
	json_t *ra, *rb, *cmp;
	int64_t a, b;

	if (ih_web_compare_run(req, "a", &a, &ra, &r) != 0)
		return r;
	if (ih_web_compare_run(req, "b", &b, &rb, &r) != 0) {
		json_decref(ra);
		return r;
	}
	cmp = json_pack("{s:o,s:o}", "a", ra, "b", rb);
	if (!cmp)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	if (ih_web_compare_hops(req, a, b, cmp, &r) != 0 ||
	    compare_verdicts(req, a, b, cmp, &r) != 0) {
		json_decref(cmp);
		return r;
	}
	return ih_web_respond_json(req, cmp);
}
