/*
 * web/api/hops.c - the hops of each path (hop_def, plus "total") with their
 * waterfall lanes, and the ?path=&hop= parameters that name one.
 */
#include "config.h"
#include "web/api/internal.h"

#include <string.h>

/* Every (path, hop) of hop_def, plus each path's "total", with the thread
 * the hop runs (or waits) on: the waterfall's lane (see ih_web_lane).  The
 * interrupts behind a hop's durations come from hop_order (schema v5,
 * schemas/order.h), not from an index over irq. */
static const struct ih_web_hop ih_web_hops[] = {
	{ "passthrough", "delivery", IH_LANE_RAISE },
	{ "passthrough", "schedule", IH_LANE_RAISE },
	{ "passthrough", "queue",    IH_LANE_TASKLET },
	{ "passthrough", "assist",   IH_LANE_TASKLET },
	{ "passthrough", "guest",    IH_LANE_ACK },
	{ "passthrough", "total",    IH_LANE_NONE },
	{ "timer",       "schedule", IH_LANE_RAISE },
	{ "timer",       "queue",    IH_LANE_TASKLET },
	{ "timer",       "assist",   IH_LANE_TASKLET },
	{ "timer",       "guest",    IH_LANE_ACK },
	{ "timer",       "total",    IH_LANE_NONE },
	{ "irqfd",       "callback", IH_LANE_IO },
	{ "irqfd",       "defer",    IH_LANE_IO },
	{ "irqfd",       "worker",   IH_LANE_WORKER },
	{ "irqfd",       "inject",   IH_LANE_INJECT },
	{ "irqfd",       "guest",    IH_LANE_ACK },
	{ "irqfd",       "total",    IH_LANE_NONE },
};

/* The entry for (PATH, HOP), or NULL when HOP is not a hop of PATH. */
const struct ih_web_hop *ih_web_hop_find(const char *path, const char *hop)
{
	for (size_t i = 0; i < sizeof(ih_web_hops) / sizeof(ih_web_hops[0]); i++)
		if (strcmp(ih_web_hops[i].path, path) == 0 && strcmp(ih_web_hops[i].hop, hop) == 0)
			return &ih_web_hops[i];
	return NULL;
}

/* Reads ?path= and ?hop= (each optional unless REQUIRED) and checks that
 * the hop belongs to the path.  Returns 0 with *path / *hop set (NULL when
 * absent), or -1 with a 400 naming the parameter queued (*result set). */
int ih_web_path_hop(struct ih_web_request *req, int required, const char **path,
			   const char **hop, enum MHD_Result *result)
{
	if (ih_web_query_word(req, "path", IH_WEB_PATHS, path, result) != 0 ||
	    ih_web_query_word(req, "hop", IH_WEB_HOP_NAMES, hop, result) != 0)
		return -1;
	if (required && (!*path || !*hop)) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter %s: required",
				       *path ? "hop" : "path");
		return -1;
	}
	if (*path && *hop && !ih_web_hop_find(*path, *hop)) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				       "parameter hop: '%s' is not a hop of path %s", *hop, *path);
		return -1;
	}
	return 0;
}

