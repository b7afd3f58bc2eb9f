/*
 * web/api/internal.h - what the files of web/api/ share: row helpers
 * (rows.c), the hop table (hops.c), histograms (hist.c) and the verdicts
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

/* The values of ?path= and ?hop=. */
#define IH_WEB_PATHS "irqfd passthrough timer"
#define IH_WEB_HOP_NAMES "delivery schedule queue assist callback defer worker inject guest total"

/* The thread a hop runs (or waits) on: the waterfall's lane (irqs.c). */
enum ih_web_lane_kind { IH_LANE_RAISE, IH_LANE_TASKLET, IH_LANE_IO, IH_LANE_WORKER,
			IH_LANE_INJECT, IH_LANE_ACK, IH_LANE_NONE };
struct ih_web_hop {
	const char *path, *hop;
	enum ih_web_lane_kind lane;
};

/* The entry for (PATH, HOP), or NULL when HOP is not a hop of PATH. */
const struct ih_web_hop *ih_web_hop_find(const char *path, const char *hop);

/* Reads ?path= and ?hop= (each optional unless REQUIRED) and checks that
 * the hop belongs to the path.  Returns 0 with *path / *hop set (NULL when
 * absent), or -1 with a 400 naming the parameter queued (*result set). */
int ih_web_path_hop(struct ih_web_request *req, int required, const char **path,
		    const char **hop, enum MHD_Result *result);

/* ---- hist.c ---- */

/* Modes of ih_web_hists (or-ed): what each hop's object gets. */
#define IH_HIST_BUCKETS 1 /* "buckets": [[lo_ns, hi_ns, count, cum], ...] */
#define IH_HIST_CDF     2 /* "cdf": [[hi_ns, cum / count], ...] */
#define IH_HIST_STATS   4 /* the hop_stats view's columns instead of the summary's */

/* The histograms of run ID (PATH and HOP filter when not NULL), as a new
 * array in *out: per (path, hop) in path then hop order ('total' last),
 * {path, hop, seq, count, sum_ns, min_ns, max_ns} with what MODE asks for,
 * or with IH_HIST_STATS the hop_stats rows.  Returns 0, or -1 with an
 * error queued (*result set). */
int ih_web_hists(struct ih_web_request *req, int64_t id, const char *path, const char *hop,
		 int mode, json_t **out, enum MHD_Result *result);

/* ---- verdicts.c ---- */

/* Sets "verdicts" and "regressed" of runs A (baseline) and B (candidate)
 * in CMP, from the API state's cache or computed (and then cached).
 * Returns 0, or -1 with the response in *r. */
int ih_web_compare_verdicts(struct ih_web_request *req, int64_t a, int64_t b, json_t *cmp,
			    enum MHD_Result *r);
#endif
