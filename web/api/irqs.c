/*
 * web/api/irqs.c - interrupts: the slowest, a sample, those behind a
 * histogram bucket (from hop_order, schemas/order.h), and one interrupt
 * with its waterfall.
 */
#include "config.h"
#include "web/api/internal.h"

#include "schemas/order.h"

#include <stdio.h>
#include <string.h>

/* The columns of an interrupt in lists (slowest, sample, range). */
#define IH_WEB_IRQ_COLUMNS \
	"irq_id, path, source, vector, pcpu, vcpu, task_pcpu, ack_pcpu, worker, start_ns, " \
	"ack_ns, total_ns, complete, broken_hop, delivery_ns, schedule_ns, queue_ns, assist_ns, " \
	"callback_ns, defer_ns, worker_ns, inject_ns, guest_ns"


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

