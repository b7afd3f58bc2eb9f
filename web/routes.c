/*
 * web/routes.c - the dashboard application (web/routes.h): the routing
 * table of `irqhop serve`, every URL the server answers in one place, and
 * its wiring to the server.  The dispatcher (web/server/dispatch.c) walks it
 * in order and runs the first row whose pattern matches; "{name}" captures
 * one path segment (read it with ih_web_param / ih_web_param_id).  Methods
 * other than GET and HEAD are refused with 405 before routing (the server
 * is read-only); an unmatched path is a 404.
 */
#include "config.h"
#include "web/routes.h"
#include "web/api/api.h"
#include "web/pages/pages.h"

#include <stdio.h>
#include <stdlib.h>

const struct ih_web_route ih_web_routes[] = {
	/* JSON API (docs/api.md).  Last column: accepted query parameters. */
	{ "GET", "/api/paths",                      ih_web_api_paths,      NULL },
	{ "GET", "/api/runs",                       ih_web_api_runs,       "label host mechanism" },
	{ "GET", "/api/runs/{id}",                  ih_web_api_run,        NULL },
	{ "GET", "/api/runs/{id}/hops",             ih_web_api_run_hops,   NULL },
	{ "GET", "/api/runs/{id}/hist",             ih_web_api_run_hist,   "path hop" },
	{ "GET", "/api/runs/{id}/steal",            ih_web_api_run_steal,  NULL },
	{ "GET", "/api/runs/{id}/steal/windows",    ih_web_api_run_steal_windows, "vcpu" },
	{ "GET", "/api/runs/{id}/locks",            ih_web_api_run_locks,  NULL },
	{ "GET", "/api/runs/{id}/irqs",             ih_web_api_run_irqs,   "path hop lo hi n" },
	{ "GET", "/api/runs/{id}/irqs/slowest",     ih_web_api_run_slowest, "path n" },
	{ "GET", "/api/runs/{id}/irqs/sample",      ih_web_api_run_sample, "path n" },
	{ "GET", "/api/runs/{id}/irqs/{irq}",       ih_web_api_run_irq,    NULL },
	{ "GET", "/api/runs/{id}/export",           ih_web_api_run_export,
	  "slowest path hop lo hi irq start end max" },
	{ "GET", "/api/compare",                    ih_web_api_compare,    "a b" },
	/* Pages: embedded HTML whose scripts fetch the API (and read the same
	 * query parameters as the API they call). */
	{ "GET", "/",                               ih_web_page_index,     "label host mechanism" },
	{ "GET", "/runs/{id}",                      ih_web_page_run,       NULL },
	{ "GET", "/runs/{id}/irqs",                 ih_web_page_explorer,  "path hop lo hi n" },
	{ "GET", "/runs/{id}/irqs/{irq}",           ih_web_page_irq,       NULL },
	{ "GET", "/compare",                        ih_web_page_compare,   "a b" },
	/* Embedded static files (web/pages/assets/, by base name). */
	{ "GET", "/assets/{name}",                  ih_web_static,         NULL },
	{ NULL, NULL, NULL, NULL },
};

struct ih_web_dashboard {
	struct ih_web_server *srv;
	struct ih_web_api *api;
	struct ih_web_app app;
};

int ih_web_dashboard_start(const struct ih_web_config *cfg, struct ih_web_dashboard **out,
			   int *kind, char *err, size_t errlen)
{
	struct ih_web_dashboard *d = calloc(1, sizeof(*d));

	*out = NULL;
	*kind = 3;
	if (!d || !(d->api = ih_web_api_new())) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->app.routes = ih_web_routes;
	d->app.assets = ih_web_assets;
	d->app.data = d->api;
	if (ih_web_server_start(cfg, &d->app, &d->srv, kind, err, errlen) != 0) {
		ih_web_api_free(d->api);
		free(d);
		return -1;
	}
	*out = d;
	return 0;
}

const char *ih_web_dashboard_url(const struct ih_web_dashboard *d)
{
	return ih_web_server_url(d->srv);
}

void ih_web_dashboard_stop(struct ih_web_dashboard *d)
{
	if (!d)
		return;
	/* No handler runs after the server stops: the API state can go. */
	ih_web_server_stop(d->srv);
	ih_web_api_free(d->api);
	free(d);
}
