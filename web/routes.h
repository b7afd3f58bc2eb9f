/*
 * web/routes.h - the dashboard application: irqhop's routing table wired
 * to the generic server (web/server/server.h) with the API's state
 * (web/api/api.h) and the pages' embedded files (web/pages/pages.h).  The
 * only part of web/ that knows all the others; cli/serve_main.c uses it.
 */
#ifndef IH_WEB_ROUTES_H
#define IH_WEB_ROUTES_H
#include "web/server/server.h"

/* Every URL the dashboard answers (web/routes.c), terminated by a row with
 * pattern NULL. */
extern const struct ih_web_route ih_web_routes[];

struct ih_web_dashboard;

/* Starts the dashboard on CFG: a new API state, then the server with
 * ih_web_routes and ih_web_assets.  Fails as ih_web_server_start (same
 * *kind, same err lines; "out of memory" is kind 3) with *out NULL. */
int ih_web_dashboard_start(const struct ih_web_config *cfg, struct ih_web_dashboard **out,
			   int *kind, char *err, size_t errlen);

/* The URL it answers on (ih_web_server_url). */
const char *ih_web_dashboard_url(const struct ih_web_dashboard *d);

/* Stops the server, then frees the API state.  NULL is a no-op. */
void ih_web_dashboard_stop(struct ih_web_dashboard *d);
#endif
