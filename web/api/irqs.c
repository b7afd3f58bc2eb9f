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
	"callback_ns, defer_ns, worker_ns, inject_ns, signal_ns, wake_ns, run_ns, guest_ns"


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

/* Adds "threads" to ROW (an interrupt of a list): the lanes of its path's
 * hops (DEFS: ih_web_path_defs), in hop order, each once, "unknown" ones
 * left out, so a list shows where each interrupt went without knowing the
 * path.  Returns 0, or -1 when out of memory. */
static int ih_web_row_threads(json_t *row, const json_t *defs)
{
	const char *path = json_string_value(json_object_get(row, "path"));
	json_t *threads = json_array(), *hops = NULL;
	char lane[64];
	size_t i, j;

	if (!threads)
		return -1;
	for (i = 0; path && i < json_array_size(defs); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(defs, i), "path")), path) == 0)
			hops = json_object_get(json_array_get(defs, i), "hops");
	for (i = 0; i < json_array_size(hops); i++) {
		ih_web_lane(row, path, json_string_value(json_object_get(json_array_get(hops, i), "hop")),
			    lane, sizeof(lane));
		if (strcmp(lane, "unknown") == 0)
			continue;
		for (j = 0; j < json_array_size(threads); j++)
			if (strcmp(json_string_value(json_array_get(threads, j)), lane) == 0)
				break;
		if (j == json_array_size(threads) && json_array_append_new(threads, json_string(lane)) != 0) {
			json_decref(threads);
			return -1;
		}
	}
	return json_object_set_new(row, "threads", threads);
}

/* The irq rows of run ID for PAIRS[0..N) (from hop_order), in that order,
 * as a new JSON array in *out, each with its "threads"; with DUR each row
 * also gets "dur_ns" (the pair's duration).  An interrupt missing from irq
 * (a database edited by hand) is skipped.  Returns 0, or -1 with an error
 * queued (*result set). */
static int ih_web_pair_rows(struct ih_web_request *req, int64_t id, const struct ih_order_pair *pairs,
			    size_t n, bool dur, json_t **out, enum MHD_Result *result)
{
	sqlite3_stmt *st;
	json_t *arr, *defs;
	int rc;

	*out = NULL;
	if (ih_web_path_defs(req, &defs, result) != 0)
		return -1;
	if (!(st = ih_web_stmt(req, sql_irq_list_row, result))) {
		json_decref(defs);
		return -1;
	}
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
			json_decref(defs);
			return -1;
		}
		if (rc != SQLITE_ROW)
			continue;
		row = ih_web_row_object(st);
		if (!row || (dur && json_object_set_new(row, "dur_ns", json_integer((json_int_t)pairs[i].dur_ns))) ||
		    ih_web_row_threads(row, defs) != 0) {
			json_decref(row);
			json_decref(arr);
			goto oom;
		}
		if (json_array_append_new(arr, row) != 0) {	/* steals row */
			json_decref(arr);
			goto oom;
		}
	}
	json_decref(defs);
	*out = arr;
	return 0;
oom:
	json_decref(defs);
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
 * "irqs": [...]}: the N slowest complete interrupts by total_ns, over the
 * paths of hop_def (or one).  400 naming path or n, 400 malformed id, 404
 * unknown run, 500 database. */
enum MHD_Result ih_web_api_run_slowest(struct ih_web_request *req)
{
	/* The slowest so far (at most N) and the next path's (at most N). */
	struct ih_order_pair top[2 * IH_WEB_N_MAX];
	enum MHD_Result r;
	const char *path;
	json_t *rows, *paths;
	sqlite3 *db;
	size_t got = 0;
	int64_t id, n;
	char err[512];

	if (ih_web_query_path(req, &path, &r) != 0 || ih_web_list_args(req, &id, &n, &r) != 0)
		return r;
	if (!(db = ih_web_db(req, &r)) || ih_web_path_names(req, &paths, &r) != 0)
		return r;
	/* Each path's N slowest (hop_order's 'total'), merged. */
	for (size_t i = 0; i < json_array_size(paths); i++) {
		const char *p = json_string_value(json_array_get(paths, i));
		size_t k;

		if (path && strcmp(path, p) != 0)
			continue;
		if (ih_order_top(db, id, p, "total", (size_t)n, top + got, &k, err, sizeof(err))) {
			json_decref(paths);
			return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
		}
		got += k;
		qsort(top, got, sizeof(top[0]), ih_order_cmp_desc);
		if (got > (size_t)n)
			got = (size_t)n;
	}
	json_decref(paths);
	if (ih_web_pair_rows(req, id, top, got, false, &rows, &r) != 0)
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
	json_t *rows = NULL, *defs = NULL;
	int64_t id, n, lo, hi, last = -1;
	int rc;

	if (ih_web_query_path(req, &path, &r) != 0 || ih_web_list_args(req, &id, &n, &r) != 0 ||
	    ih_web_path_defs(req, &defs, &r) != 0)
		return r;
	if (!(st = ih_web_stmt(req, sql_irq_span, &r)))
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = ih_web_step(req, st, &r)) < 0)
		goto fail;
	if (!(rows = json_array()))
		goto oom;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		lo = sqlite3_column_int64(st, 0);
		hi = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		if (!(st = ih_web_stmt(req, sql_irq_at, &r)))
			goto fail;
		for (int64_t k = 0; k < n; k++) {
			/* k-th of n evenly spaced ids in [lo, hi]; long double
			 * keeps hi - lo exact enough and cannot overflow. */
			int64_t at = lo + (int64_t)((long double)(hi - lo) * (long double)k / (long double)n);
			json_t *row;

			if (at <= last)
				at = last + 1;
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, at);
			ih_web_bind_text(st, 3, path);
			rc = ih_web_step(req, st, &r);
			if (rc < 0)
				goto fail;
			if (rc == SQLITE_DONE)
				break;
			last = sqlite3_column_int64(st, 0);
			row = ih_web_row_object(st);
			if (!row || ih_web_row_threads(row, defs) != 0) {
				json_decref(row);
				goto oom;
			}
			if (json_array_append_new(rows, row) != 0)	/* steals row */
				goto oom;
			if (last == INT64_MAX)
				break;
		}
	}
	json_decref(defs);
	return ih_web_respond_json(req, json_pack("{s:I,s:s?,s:I,s:o}", "run_id", (json_int_t)id,
						  "path", path, "n", (json_int_t)n, "irqs", rows));
oom:
	r = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
fail:
	json_decref(rows);
	json_decref(defs);
	return r;
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
/* The interrupt's vCPU (on a kernel trace its host thread: tid, thread). */
static const char sql_irq_vcpu[] =
	"SELECT * FROM vcpu WHERE run_id = ?1 AND vcpu = ?2";
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

/* Sets "lane" and "role" of HOP (a row of the hop view) of interrupt IRQ
 * (path PATH): ih_web_lane.  Returns 0, or -1 when out of memory. */
static int ih_web_hop_lane(const json_t *irq, const char *path, json_t *hop)
{
	const char *name = json_string_value(json_object_get(hop, "hop"));
	const char *role;
	char lane[64];

	role = ih_web_lane(irq, path, name ? name : "", lane, sizeof(lane));
	return json_object_set_new(hop, "lane", json_string(lane)) ||
	       json_object_set_new(hop, "role", json_string(role)) ? -1 : 0;
}

/* GET /api/runs/{id}/irqs/{irq} : one interrupt's waterfall: {"run_id",
 * "irq": the irq row (every column), "hops": [{hop, seq, start_ns,
 * offset_ns (from the interrupt's start), dur_ns, lock_wait_ns, lane,
 * role}, ...] in path order, "vcpu": its vcpu row or null}.  400 naming id
 * or irq; 404 unknown run or interrupt. */
enum MHD_Result ih_web_api_run_irq(struct ih_web_request *req)
{
	enum MHD_Result r;
	sqlite3_stmt *st;
	json_t *irq, *hops, *obj, *vcpu, *vrow = NULL;
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
		    ih_web_hop_lane(irq, path ? path : "", h) != 0) {
			json_decref(irq);
			json_decref(hops);
			return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		}
	}
	vcpu = json_object_get(irq, "vcpu");
	if (json_is_integer(vcpu)) {
		if (!(st = ih_web_stmt(req, sql_irq_vcpu, &r)))
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, json_integer_value(vcpu));
		if ((rc = ih_web_step(req, st, &r)) < 0)
			goto fail;
		if (rc == SQLITE_ROW && !(vrow = ih_web_row_object(st)))
			goto oom;
	}
	obj = json_pack("{s:I,s:o,s:o,s:o}", "run_id", (json_int_t)id, "irq", irq, "hops", hops,
			"vcpu", vrow ? vrow : json_null());
	return ih_web_respond_json(req, obj);
oom:
	r = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
fail:
	json_decref(irq);
	json_decref(hops);
	return r;
}

