/*
 * web/api/internal.h - what the files of web/api/ share: row helpers
 * (rows.c), paths, hops and lanes (hops.c), histograms (hist.c) and the verdicts
 * (verdicts.c).  Nothing outside web/api/ includes it; the contract is
 * web/api/api.h.  Every query is a static string with bound parameters,
 * prepared once per worker thread (ih_web_stmt); rows become JSON objects
 * keyed by column name, so a column added to a SELECT appears in the API
 * without more code.
 */
#ifndef IH_WEB_API_INTERNAL_H
#define IH_WEB_API_INTERNAL_H
#include "web/api/api.h"

/* ---- rows.c ---- */

/* Appends every row of ST (bound, not yet stepped) to a new JSON array in
 * *out.  Returns 0, or -1 with an error already queued (*result set). */
int ih_web_rows(struct ih_web_request *req, sqlite3_stmt *st, json_t **out, enum MHD_Result *result);

/* Binds TEXT (NULL: SQL NULL) as parameter I of ST.  Cannot fail (a bad
 * index or memory shows at the step after). */
void ih_web_bind_text(sqlite3_stmt *st, int i, const char *text);

/* Runs SQL (one parameter: ID) and stores its rows as member KEY of OBJ.
 * Returns 0, or -1 with an error queued (*result set). */
int ih_web_rows_into(struct ih_web_request *req, const char *sql, int64_t id, json_t *obj,
		     const char *key, enum MHD_Result *result);

/* ---- hops.c ---- */

/* The paths of the database's hop_def, by name, as a new JSON array of
 * strings in *out.  Returns 0, or -1 with an error queued (*result set). */
int ih_web_path_names(struct ih_web_request *req, json_t **out, enum MHD_Result *result);

/* hop_def as a new JSON array in *out: [{"path", "hops": [{"hop", "seq",
 * "from_ev", "to_ev", "role"}, ...]}, ...] by path name, hops in order.
 * Returns 0, or -1 with an error queued (*result set). */
int ih_web_path_defs(struct ih_web_request *req, json_t **out, enum MHD_Result *result);

/* Reads ?path= (optional), which must be a path of hop_def.  Returns 0
 * with *path set (NULL when absent), or -1 with the 400 naming the
 * parameter and the database's paths queued (*result set; 500 database). */
int ih_web_query_path(struct ih_web_request *req, const char **path, enum MHD_Result *result);

/* Reads ?path= and ?hop= (each optional unless REQUIRED): the path one of
 * hop_def, the hop one of hop_def or "total", and a hop of the path.
 * Returns 0 with *path / *hop set (NULL when absent), or -1 with a 400
 * naming the parameter and listing the valid words from hop_def queued
 * (*result set; 500 database). */
int ih_web_path_hop(struct ih_web_request *req, int required, const char **path,
		    const char **hop, enum MHD_Result *result);

/* The lane (thread) hop HOP of interrupt IRQ (its row as a JSON object,
 * path PATH) runs or waits on, written into LANE (SIZE bytes): "pCPU 1",
 * "worker 0", "I/O thread 3", "device thread, CPU 2", "kworker 812",
 * "vCPU 0", or "unknown" when the analyzer did not see the thread or the
 * hop has no lane rule.  Returns the role (docs/api.md).  Cannot fail. */
const char *ih_web_lane(const json_t *irq, const char *path, const char *hop, char *lane,
			size_t size);

/* ---- hist.c ---- */

/* Modes of ih_web_hists (or-ed): what each hop's object gets. */
#define IH_HIST_BUCKETS 1 /* "buckets": [[lo_ns, hi_ns, count, cum], ...] */
#define IH_HIST_STATS   4 /* the hop_stats view's columns instead of the summary's */

/* The histograms of run ID (PATH and HOP filter when not NULL), as a new
 * array in *out: per (path, hop) in path then hop order ('total' last),
 * {path, hop, seq, count, sum_ns, min_ns, max_ns} with what MODE asks for,
 * or with IH_HIST_STATS the hop_stats rows.  Returns 0, or -1 with an
 * error queued (*result set). */
int ih_web_hists(struct ih_web_request *req, int64_t id, const char *path, const char *hop,
		 int mode, json_t **out, enum MHD_Result *result);

/* Each hop's CDF as JSON text, [[hi_ns, fraction], ...] (the fraction
 * cum / count to 12 decimals): for /api/compare, whose CDFs are most of
 * its answer and, as jansson values, most of its first request's time
 * (ih_web_text).  Row i of the list is span[i] of text. */
struct ih_web_cdf_text {
	struct ih_web_text text;
	struct { size_t off, len; } *span;
	size_t n, cap;
};

/* The hop_stats rows of run ID as ih_web_hists with IH_HIST_STATS, and
 * each row's CDF appended to CT (which may already hold text).  Returns
 * 0, or -1 with an error queued (*result set); CT is to be freed either
 * way (ih_web_cdf_text_free). */
int ih_web_hists_cdf_text(struct ih_web_request *req, int64_t id, json_t **out,
			  struct ih_web_cdf_text *ct, enum MHD_Result *result);
void ih_web_cdf_text_free(struct ih_web_cdf_text *ct);

/* ---- verdicts.c ---- */

/* The regression verdicts of runs A (baseline) and B (candidate) for CMP
 * ("verdicts" and "regressed"), in two steps around the rest of the
 * answer: _start sets them from the API state's cache, or starts their
 * computation on a thread of its own (its own connection) and returns it
 * in *JOB; _finish waits for JOB, sets them in CMP and caches them (JOB
 * NULL: nothing to do).  Both return 0, or -1 with the response in *r.
 * A handler that fails between the two calls _finish with REQ and CMP
 * NULL, which waits for the thread and frees JOB. */
struct ih_web_vjob;
int ih_web_compare_verdicts_start(struct ih_web_request *req, int64_t a, int64_t b, json_t *cmp,
				  struct ih_web_vjob **job, enum MHD_Result *r);
int ih_web_compare_verdicts_finish(struct ih_web_request *req, struct ih_web_vjob *job, json_t *cmp,
				   enum MHD_Result *r);
#endif
