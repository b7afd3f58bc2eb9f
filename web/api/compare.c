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

/* One pass over run ID's histograms: *list, its hop_stats rows, *by, the
 * same rows keyed "path/hop" (each with its index in *list, "i"), and each
 * row's CDF as text in CT.  Returns 0, or -1 with an error queued (*result
 * set). */
static int ih_web_stats_by_hop(struct ih_web_request *req, int64_t id, json_t **list, json_t **by,
			       struct ih_web_cdf_text *ct, enum MHD_Result *result)
{
	char key[128];

	*by = NULL;
	if (ih_web_hists_cdf_text(req, id, list, ct, result) != 0)
		return -1;
	*by = json_object();
	for (size_t i = 0; *by && i < json_array_size(*list); i++) {
		json_t *row = json_array_get(*list, i);

		snprintf(key, sizeof(key), "%s/%s", json_string_value(json_object_get(row, "path")),
			 json_string_value(json_object_get(row, "hop")));
		if (json_object_set_new(*by, key, json_integer((json_int_t)i)) != 0) {
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

/* Appends the CDF of row I of CT (a JSON array), or null when I is
 * negative. */
static void ih_web_cdf_put(struct ih_web_text *out, const struct ih_web_cdf_text *ct, json_int_t i)
{
	if (i < 0 || (size_t)i >= ct->n)
		ih_web_text_put(out, "null", 4);
	else
		ih_web_text_put(out, ct->text.s + ct->span[i].off, ct->span[i].len);
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
 * b: stats|null, d_p50_ns, d_p99_ns (b - a), r_p50, r_p99 (b / a)}, stored
 * as "hops" in CMP; and the CDFs of both, paired the same way ({path, hop,
 * seq, a: cdf|null, b: cdf|null}), as the JSON text of an array in CDFS.
 * Returns 0, or -1 with an error queued. */
static int ih_web_compare_hops(struct ih_web_request *req, int64_t a, int64_t b, json_t *cmp,
			       struct ih_web_text *cdfs, enum MHD_Result *result)
{
	struct ih_web_cdf_text ta = { 0 }, tb = { 0 };
	json_t *sa = NULL, *sb = NULL, *ca = NULL, *cb = NULL, *hops = NULL, *seen = NULL;
	int rc = -1, first = 1;

	if (ih_web_stats_by_hop(req, a, &ca, &sa, &ta, result) != 0 ||
	    ih_web_stats_by_hop(req, b, &cb, &sb, &tb, result) != 0)
		goto out;
	hops = json_array();
	seen = json_object();
	if (!hops || !seen)
		goto oom;
	ih_web_text_put(cdfs, "[", 1);
	/* The union of both runs' (path, hop), from their histogram lists
	 * (which are in path then hop order): a's, then b's extra ones. */
	for (int side = 0; side < 2; side++) {
		json_t *list = side ? cb : ca;

		for (size_t i = 0; i < json_array_size(list); i++) {
			json_t *h = json_array_get(list, i), *ix, *iy, *x, *y, *row, *pair;
			const char *path = json_string_value(json_object_get(h, "path"));
			const char *hop = json_string_value(json_object_get(h, "hop"));
			char key[128];

			snprintf(key, sizeof(key), "%s/%s", path, hop);
			if (json_object_get(seen, key))
				continue;
			if (json_object_set_new(seen, key, json_true()) != 0)
				goto oom;
			ix = json_object_get(sa, key);
			iy = json_object_get(sb, key);
			x = ix ? json_array_get(ca, (size_t)json_integer_value(ix)) : NULL;
			y = iy ? json_array_get(cb, (size_t)json_integer_value(iy)) : NULL;
			row = json_pack("{s:s,s:s,s:O,s:O,s:O,s:o,s:o,s:o,s:o}", "path", path, "hop", hop,
					"seq", json_object_get(h, "seq"),
					"a", x ? x : json_null(), "b", y ? y : json_null(),
					"d_p50_ns", ih_web_delta(x, y, "p50_ns"),
					"d_p99_ns", ih_web_delta(x, y, "p99_ns"),
					"r_p50", ih_web_ratio(x, y, "p50_ns"),
					"r_p99", ih_web_ratio(x, y, "p99_ns"));
			if (json_array_append_new(hops, row) != 0)
				goto oom;
			/* {"path":..,"hop":..,"seq":..} without its "}", then both CDFs. */
			pair = json_pack("{s:s,s:s,s:O}", "path", path, "hop", hop, "seq", json_object_get(h, "seq"));
			if (!pair)
				goto oom;
			if (!first)
				ih_web_text_put(cdfs, ",", 1);
			first = 0;
			ih_web_text_json(cdfs, pair);
			json_decref(pair);
			if (cdfs->oom)
				goto oom;
			cdfs->len--;
			ih_web_text_put(cdfs, ",\"a\":", 5);
			ih_web_cdf_put(cdfs, &ta, ix ? json_integer_value(ix) : -1);
			ih_web_text_put(cdfs, ",\"b\":", 5);
			ih_web_cdf_put(cdfs, &tb, iy ? json_integer_value(iy) : -1);
			ih_web_text_put(cdfs, "}", 1);
		}
	}
	ih_web_text_put(cdfs, "]", 1);
	if (cdfs->oom || json_object_set(cmp, "hops", hops) != 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
out:
	ih_web_cdf_text_free(&ta);
	ih_web_cdf_text_free(&tb);
	json_decref(sa);
	json_decref(sb);
	json_decref(ca);
	json_decref(cb);
	json_decref(hops);
	json_decref(seen);
	return rc;
}

/* GET /api/compare?a=A&b=B : {"a": run A, "b": run B, "hops": per-hop
 * p50/p99 of both with deltas, "cdfs": both CDFs per hop}.  400 names a or
 * b (missing or malformed), 404 for an unknown run.
 *
 * Regression verdicts (`irqhop regress`) are one more member of the same
 * object, "verdicts" (with "regressed"): computed on a thread of their own
 * with a connection of their own while this one reads the histograms
 * (verdicts.c), or taken from the server's cache; the compare page
 * renders "verdicts" whenever it is present.  "cdfs" comes last, written
 * as text (ih_web_text). */
enum MHD_Result ih_web_api_compare(struct ih_web_request *req)
{
	struct ih_web_text cdfs = { 0 };
	struct ih_web_vjob *job = NULL;
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
	/* The verdicts on their own thread while the histograms are read. */
	if (ih_web_compare_verdicts_start(req, a, b, cmp, &job, &r) != 0) {
		json_decref(cmp);
		return r;
	}
	if (ih_web_compare_hops(req, a, b, cmp, &cdfs, &r) != 0) {
		ih_web_compare_verdicts_finish(NULL, job, NULL, NULL);
		json_decref(cmp);
		ih_web_text_free(&cdfs);
		return r;
	}
	if (ih_web_compare_verdicts_finish(req, job, cmp, &r) != 0) {
		json_decref(cmp);
		ih_web_text_free(&cdfs);
		return r;
	}
	/* "cdfs" goes last, as text: it is most of the answer. */
	return ih_web_respond_json_with(req, cmp, "cdfs", &cdfs);
}

