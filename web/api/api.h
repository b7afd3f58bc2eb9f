/*
 * web/api/api.h - the JSON API of `irqhop serve` (docs/api.md): handlers for
 * the server's routing table (web/server/server.h), and the API's state.
 *
 * The handlers expect the application state (ih_web_app_data) to be a
 * struct ih_web_api made by ih_web_api_new(); web/routes.c wires it.  They
 * depend on the server's helpers only.
 *
 * Files: runs.c (run list, one run, existence checks), hops.c (paths
 * and hops from hop_def, ?path=&hop= parsing, lanes), hist.c (histograms, CDFs, hop_stats),
 * steal.c (steal and locks), irqs.c (interrupt lists and waterfalls),
 * compare.c (two runs side by side), verdicts.c (regression verdicts and
 * their cache), export.c (a selection as a Perfetto trace, for download); web/api/internal.h joins them.
 */
#ifndef IH_WEB_API_H
#define IH_WEB_API_H
#include <stdint.h>
#include "web/server/server.h"

/* The API's state for one server: the cache of compare verdicts
 * (verdicts.c).  Safe to share between the server's worker threads. */
struct ih_web_api;

/* A new, empty API state.  NULL when out of memory. */
struct ih_web_api *ih_web_api_new(void);

/* Frees API and its cache, once no handler can run (after
 * ih_web_server_stop).  NULL is a no-op. */
void ih_web_api_free(struct ih_web_api *api);

enum MHD_Result ih_web_api_paths(struct ih_web_request *req);	/* hops.c */
enum MHD_Result ih_web_api_runs(struct ih_web_request *req);
enum MHD_Result ih_web_api_run(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_hops(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_hist(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_steal(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_steal_windows(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_locks(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_irqs(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_slowest(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_sample(struct ih_web_request *req);
enum MHD_Result ih_web_api_run_export(struct ih_web_request *req);	/* export.c */
enum MHD_Result ih_web_api_run_irq(struct ih_web_request *req);
enum MHD_Result ih_web_api_compare(struct ih_web_request *req);

/* Whether run ID exists: 1 yes, 0 no (a 404 "run ID not found" is then
 * already queued), -1 database error (500 queued); *result is set unless 1. */
int ih_web_run_exists(struct ih_web_request *req, int64_t id, enum MHD_Result *result);

/* Whether interrupt IRQ of run ID exists: as ih_web_run_exists (the 404 is
 * "interrupt IRQ not found in run ID"). */
int ih_web_irq_exists(struct ih_web_request *req, int64_t id, int64_t irq, enum MHD_Result *result);
#endif
