/*
 * web/api/hist.c - histograms, CDFs and the hop_stats rows of a run
 * (/api/runs/{id}/hist and /api/runs/{id}/hops), read from hop_hist and
 * hop_summary bucket by bucket.
 */
#include "config.h"
#include "web/api/internal.h"
#include "schemas/percentile.h"

#include <stdlib.h>
#include <string.h>

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

/* ---- histograms and CDFs ---------------------------------------------- */

static const char sql_hist_summary[] =
	"SELECT s.path, s.hop, COALESCE(d.seq, 99) AS seq, s.count, s.sum_ns, s.min_ns, s.max_ns "
	"FROM hop_summary s LEFT JOIN hop_def d ON d.path = s.path AND d.hop = s.hop "
	"WHERE s.run_id = ?1 AND (?2 IS NULL OR s.path = ?2) AND (?3 IS NULL OR s.hop = ?3) "
	"ORDER BY s.path, seq, s.hop";
static const char sql_hist_buckets[] =
	"SELECT lo_ns, hi_ns, count FROM hop_hist WHERE run_id = ?1 AND path = ?2 AND hop = ?3 "
	"ORDER BY lo_ns";

/* Percentiles of the hop_stats view (docs/schema.md), by the nearest-rank
 * rule of schemas/percentile.h: the upper bound of the first bucket whose
 * cumulative count reaches the rank, clamped to the exact maximum. */
static const double ih_web_quantiles[] = { 0.50, 0.90, 0.99, 0.999 };
static const char *const ih_web_quantile_names[] = { "p50_ns", "p90_ns", "p99_ns", "p999_ns" };
#define IH_WEB_NQ 4

/* Reads the buckets of *HIST (a summary row object: path, hop, seq, count,
 * sum_ns, min_ns, max_ns) from run ID and, by MODE (IH_HIST_*), adds them as
 * "buckets"; with IH_HIST_STATS *hist becomes the hop's hop_stats row
 * instead, or NULL when the hop has no bucket (the view has no row then).
 * With CT, the hop's CDF is appended to CT's text (and taken back when the
 * hop gets no row).  Returns 0, or -1 with an error queued (*result set). */
static int ih_web_hist_buckets(struct ih_web_request *req, int64_t id, json_t **hist, int mode,
			       struct ih_web_cdf_text *ct, enum MHD_Result *result)
{
	size_t off = ct ? ct->text.len : 0;
	sqlite3_stmt *st = ih_web_stmt(req, sql_hist_buckets, result);
	json_t *h = *hist, *arr = NULL, *row = NULL;
	json_int_t cum = 0, total = json_integer_value(json_object_get(h, "count"));
	json_int_t maxv = json_integer_value(json_object_get(h, "max_ns"));
	json_int_t pq[IH_WEB_NQ] = { 0 };
	uint64_t rank[IH_WEB_NQ];
	int found[IH_WEB_NQ] = { 0 }, nb = 0;
	int rc;

	if (!st)
		return -1;
	if ((mode & IH_HIST_BUCKETS) && !(arr = json_array()))
		goto oom;
	/* The one percentile rule (schemas/percentile.h), as the view's. */
	for (int q = 0; q < IH_WEB_NQ; q++)
		rank[q] = ih_pct_rank(ih_web_quantiles[q], total > 0 ? (uint64_t)total : 0);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	ih_web_bind_text(st, 2, json_string_value(json_object_get(h, "path")));
	ih_web_bind_text(st, 3, json_string_value(json_object_get(h, "hop")));
	if (ct)
		ih_web_text_put(&ct->text, "[", 1);
	while ((rc = ih_web_step(req, st, result)) == SQLITE_ROW) {
		json_int_t hi = sqlite3_column_int64(st, 1), n = sqlite3_column_int64(st, 2);

		cum += n;
		nb++;
		for (int q = 0; q < IH_WEB_NQ; q++)
			if (!found[q] && (uint64_t)cum >= rank[q]) {
				found[q] = 1;
				pq[q] = (json_int_t)ih_pct_bucket_value((uint64_t)hi, (uint64_t)maxv);
			}
		if (ct) {
			ih_web_text_put(&ct->text, nb > 1 ? ",[" : "[", nb > 1 ? 2 : 1);
			ih_web_text_i64(&ct->text, hi);
			ih_web_text_put(&ct->text, ",", 1);
			ih_web_text_frac(&ct->text, (uint64_t)cum, total > 0 ? (uint64_t)total : 0);
			ih_web_text_put(&ct->text, "]", 1);
		}
		if (arr && json_array_append_new(arr, json_pack("[IIII]",
						(json_int_t)sqlite3_column_int64(st, 0), hi, n, cum)) != 0)
			goto oom;
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	if (ct) {
		ih_web_text_put(&ct->text, "]", 1);
		if (ct->text.oom)
			goto oom;
		/* A hop without buckets has no row: its text goes. */
		if (!nb && (mode & IH_HIST_STATS))
			ct->text.len = off;
	}
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
	return -1;
}

/* Records CT's next span: the text from OFF to its end.  -1 when out of
 * memory. */
static int ih_web_cdf_span(struct ih_web_cdf_text *ct, size_t off)
{
	if (ct->n == ct->cap) {
		size_t cap = ct->cap ? ct->cap * 2 : 16;
		void *p = realloc(ct->span, cap * sizeof(*ct->span));

		if (!p)
			return -1;
		ct->span = p;
		ct->cap = cap;
	}
	ct->span[ct->n].off = off;
	ct->span[ct->n].len = ct->text.len - off;
	ct->n++;
	return 0;
}

/* The histograms of run ID (PATH and HOP filter when not NULL), as a new
 * array in *out: per (path, hop) in path then hop order ('total' last),
 * {path, hop, seq, count, sum_ns, min_ns, max_ns} with what MODE asks for,
 * or with IH_HIST_STATS the hop_stats rows (ih_web_hist_buckets).  Returns
 * 0, or -1 with an error queued (*result set). */
static int ih_web_hists_x(struct ih_web_request *req, int64_t id, const char *path, const char *hop,
			  int mode, json_t **out, struct ih_web_cdf_text *ct, enum MHD_Result *result)
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
		size_t off = ct ? ct->text.len : 0;

		if (ih_web_hist_buckets(req, id, &h, mode, ct, result) != 0) {
			json_decref(h);
			json_decref(hists);
			json_decref(res);
			return -1;
		}
		if (h && json_array_append_new(res, h) != 0) {
			json_decref(res);
			res = NULL;
		}
		if (res && h && ct && ih_web_cdf_span(ct, off) != 0) {
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

int ih_web_hists(struct ih_web_request *req, int64_t id, const char *path, const char *hop,
		 int mode, json_t **out, enum MHD_Result *result)
{
	return ih_web_hists_x(req, id, path, hop, mode, out, NULL, result);
}

int ih_web_hists_cdf_text(struct ih_web_request *req, int64_t id, json_t **out,
			  struct ih_web_cdf_text *ct, enum MHD_Result *result)
{
	return ih_web_hists_x(req, id, NULL, NULL, IH_HIST_STATS, out, ct, result);
}

void ih_web_cdf_text_free(struct ih_web_cdf_text *ct)
{
	ih_web_text_free(&ct->text);
	free(ct->span);
	memset(ct, 0, sizeof(*ct));
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

