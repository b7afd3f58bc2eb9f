/*
 * web/api/compare.c - two runs side by side (/api/compare): per-hop
 * statistics, deltas and CDFs of both; the verdicts come from verdicts.c.
 */
#include "config.h"
#include "web/api/internal.h"

#include <stdio.h>
#include <string.h>

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
	    ih_web_compare_verdicts(req, a, b, cmp, &r) != 0) {
		json_decref(cmp);
		return r;
	}
	return ih_web_respond_json(req, cmp);
}

