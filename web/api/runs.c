/*
 * web/api/runs.c - runs: the list (/api/runs), one run (/api/runs/{id}),
 * and the existence check every run URL makes.
 */
#include "config.h"
#include "web/api/internal.h"

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

