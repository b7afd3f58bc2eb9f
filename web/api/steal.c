/*
 * web/api/steal.c - steal and locks of a run (/api/runs/{id}/steal,
 * /steal/windows, /locks): views of the schema, as rows.
 */
#include "config.h"
#include "web/api/internal.h"

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

