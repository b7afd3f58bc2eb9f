/*
 * web/pages/pages.c - HTML pages and static assets.  Pages are static HTML from
 * web/pages/assets/ compiled into the binary; their scripts fetch the JSON API, so
 * every view has an API behind it and the pages need no templating.
 */
#include "config.h"
#include "web/pages/pages.h"
#include "web/api/api.h"

/* GET / : the list of runs.  Fails only as ih_web_respond_asset does. */
enum MHD_Result ih_web_page_index(struct ih_web_request *req)
{
	return ih_web_respond_asset(req, "index.html");
}

/* GET /runs/{id} : one run.  A malformed id is a 400 and an unknown run a
 * 404 (checked here, so a bookmark to a deleted run gets a real status);
 * otherwise the page, whose script reads the id from the URL. */
enum MHD_Result ih_web_page_run(struct ih_web_request *req)
{
	enum MHD_Result r;
	int64_t id;

	if (ih_web_param_id(req, "id", &id, &r) != 0)
		return r;
	if (ih_web_run_exists(req, id, &r) != 1)
		return r;
	return ih_web_respond_asset(req, "run.html");
}

/* GET /runs/{id}/irqs : the interrupt explorer of a run (slowest, sample,
 * and the interrupts behind a histogram bucket: ?path=&hop=&lo=&hi=&n=, read
 * by its script and checked by the API it calls).  400 / 404 as the run
 * page. */
enum MHD_Result ih_web_page_explorer(struct ih_web_request *req)
{
	enum MHD_Result r;
	int64_t id;

	if (ih_web_param_id(req, "id", &id, &r) != 0 || ih_web_run_exists(req, id, &r) != 1)
		return r;
	return ih_web_respond_asset(req, "explorer.html");
}

/* GET /runs/{id}/irqs/{irq} : one interrupt's waterfall.  400 for a
 * malformed id or irq, 404 for an unknown run or interrupt. */
enum MHD_Result ih_web_page_irq(struct ih_web_request *req)
{
	enum MHD_Result r;
	int64_t id, irq;

	if (ih_web_param_id(req, "id", &id, &r) != 0 || ih_web_param_id(req, "irq", &irq, &r) != 0 ||
	    ih_web_irq_exists(req, id, irq, &r) != 1)
		return r;
	return ih_web_respond_asset(req, "irq.html");
}

/* GET /compare?a=A&b=B : two runs side by side.  The page's script reads a
 * and b and the API checks them (400 / 404 shown on the page); without
 * them the page lets the user pick two runs.  Fails only as
 * ih_web_respond_asset does. */
enum MHD_Result ih_web_page_compare(struct ih_web_request *req)
{
	return ih_web_respond_asset(req, "compare.html");
}

/* GET /assets/{name} : an embedded file, by base name only.  The router
 * hands over exactly one segment and the dispatcher has already refused "."
 * and ".." segments, and only names compiled into ih_web_assets exist, so
 * nothing outside the embedded set can be reached.  Unknown names: 404. */
enum MHD_Result ih_web_static(struct ih_web_request *req)
{
	return ih_web_respond_asset(req, ih_web_param(req, "name"));
}
