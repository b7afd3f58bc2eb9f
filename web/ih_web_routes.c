/*
 * ih_web_routes.c - the routing table of `irqhop serve`: every URL the
 * server answers, in one place.  The dispatcher (ih_web_server.c) walks it
 * in order and runs the first row whose pattern matches; "{name}" captures
 * one path segment (read it with ih_web_param / ih_web_param_id).  Methods
 * other than GET and HEAD are refused with 405 before routing (the server
 * is read-only); an unmatched path is a 404.
 */
#include "config.h"
#include "web/ih_web.h"

const struct ih_web_route ih_web_routes[] = {
	/* JSON API (docs/api.md). */
	{ "GET", "/api/runs",           ih_web_api_runs },
	{ "GET", "/api/runs/{id}",      ih_web_api_run },
	{ "GET", "/api/runs/{id}/hops", ih_web_api_run_hops },
	/* Pages: embedded HTML whose scripts fetch the API. */
	{ "GET", "/",                   ih_web_page_index },
	{ "GET", "/runs/{id}",          ih_web_page_run },
	/* Embedded static files (web/assets/, by base name). */
	{ "GET", "/assets/{name}",      ih_web_static },
	{ NULL, NULL, NULL },
};
