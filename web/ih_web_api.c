/*
 * ih_web_api.c - the JSON API (documented in docs/api.md).  Every query is a
 * static string with bound parameters, prepared once per worker thread
 * (ih_web_stmt); rows become JSON objects keyed by column name, so a column
 * added to a SELECT appears in the API without more code.
 */
#include "config.h"
#include "web/ih_web.h"

#include <string.h>

/* The fields of a run in the list and in the run's own object. */
#define IH_WEB_RUN_COLUMNS \
	"id, label, host, tasklet_mode, notifier_mode, start_ns, end_ns, events, " \
	"discarded, irqs, irqs_incomplete, irqs_raised, irqs_acked, analyzed_at"

static const char sql_runs[] =
	"SELECT " IH_WEB_RUN_COLUMNS " FROM run ORDER BY id DESC";
static const char sql_run[] =
	"SELECT " IH_WEB_RUN_COLUMNS ", trace, trace_uuid, host_steal_ns, host_total_ns, "
	"analyzer_version, scenario FROM run WHERE id = ?1";
static const char sql_run_exists[] =
	"SELECT 1 FROM run WHERE id = ?1";
static const char sql_run_paths[] =
	"SELECT path, count(*) AS irqs, sum(complete) AS complete "
	"FROM irq WHERE run_id = ?1 GROUP BY path ORDER BY path";
/* hop_stats gives 'total' seq 99, so it sorts last in each path. */
static const char sql_run_hops[] =
	"SELECT path, hop, seq, count, mean_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns "
	"FROM hop_stats WHERE run_id = ?1 ORDER BY path, seq, hop";

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

/* GET /api/runs : {"runs": [run, ...]}, newest (highest id) first. */
enum MHD_Result ih_web_api_runs(struct ih_web_request *req)
{
	enum MHD_Result r;
	sqlite3_stmt *st = ih_web_stmt(req, sql_runs, &r);
	json_t *runs;

	if (!st || ih_web_rows(req, st, &runs, &r) != 0)
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

/* GET /api/runs/{id}/hops : {"run_id": id, "hops": [...]} from hop_stats,
 * by path then hop order, 'total' last in each path.  404 for an unknown
 * run (a known run without statistics has an empty list). */
enum MHD_Result ih_web_api_run_hops(struct ih_web_request *req)
{
	enum MHD_Result r;
	sqlite3_stmt *st;
	json_t *hops;
	int64_t id;

	if (ih_web_param_id(req, "id", &id, &r) != 0)
		return r;
	if (ih_web_run_exists(req, id, &r) != 1)
		return r;
	st = ih_web_stmt(req, sql_run_hops, &r);
	if (!st)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if (ih_web_rows(req, st, &hops, &r) != 0)
		return r;
	return ih_web_respond_json(req, json_pack("{s:I,s:o}", "run_id", (json_int_t)id,
						  "hops", hops));
}
