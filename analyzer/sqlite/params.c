/*
 * analyzer/sqlite/params.c - the parameters of sink.irqhop.sqlite (sink.h
 * lists them): checked all at once, so every bad one is named.
 */
#include "config.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/steal/steal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct param_ctx {
	struct ih_sink *sink;
	bool bad;
};

int64_t ih_sink_parse_window(const char *text)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1 },
	};
	char *end;
	double v;

	if (!text || !*text || isspace((unsigned char)*text))
		return -1;
	v = strtod(text, &end);
	if (end == text || !(v > 0))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			double ns = v * units[i].mult;

			if (ns < 1 || ns > 9e18 || ns != ns)
				return -1;
			return (int64_t)(ns + 0.5);
		}
	}
	return -1;
}

static bt_value_map_foreach_entry_const_func_status check_param(const char *key, const bt_value *v,
								 void *data)
{
	struct param_ctx *ctx = data;

	if (strcmp(key, "replace") == 0) {
		if (!bt_value_is_bool(v)) {
			SINK_ERROR_CAUSE(ctx->sink, "Parameter is not a boolean: name=%s", key);
			ctx->bad = true;
		}
	} else if (strcmp(key, "window") == 0) {
		if (!(bt_value_is_string(v) && ih_sink_parse_window(bt_value_string_get(v)) > 0) &&
		    !(bt_value_is_signed_integer(v) && bt_value_integer_signed_get(v) > 0) &&
		    !(bt_value_is_unsigned_integer(v) && bt_value_integer_unsigned_get(v) > 0 &&
		      bt_value_integer_unsigned_get(v) <= INT64_MAX)) {
			SINK_ERROR_CAUSE(ctx->sink, "Parameter is not a positive duration (ns, or a number with "
					 "ns, us, ms or s): name=%s", key);
			ctx->bad = true;
		}
	} else if (strcmp(key, "db") != 0 && strcmp(key, "label") != 0 && strcmp(key, "trace") != 0) {
		SINK_ERROR_CAUSE(ctx->sink, "Unknown parameter: name=%s (expected db, label, trace, window, "
				 "replace)", key);
		ctx->bad = true;
	} else if (!bt_value_is_string(v)) {
		SINK_ERROR_CAUSE(ctx->sink, "Parameter is not a string: name=%s", key);
		ctx->bad = true;
	}
	return BT_VALUE_MAP_FOREACH_ENTRY_CONST_FUNC_STATUS_OK;
}

/* Copies the optional string parameter KEY; *out stays NULL when absent.
 * -1 when out of memory. */
static int param_dup(const bt_value *params, const char *key, char **out)
{
	const bt_value *v = bt_value_map_borrow_entry_value_const(params, key);

	*out = NULL;
	if (!v)
		return 0;
	*out = strdup(bt_value_string_get(v));
	return *out ? 0 : -1;
}

int sink_params_read(struct ih_sink *sink, const bt_value *params)
{
	struct param_ctx pctx = { sink, false };
	const bt_value *w, *r;

	bt_value_map_foreach_entry_const(params, check_param, &pctx);
	if (pctx.bad)
		return -1;
	if (!bt_value_map_has_entry(params, "db")) {
		SINK_ERROR_CAUSE(sink, "Missing parameter: name=db (the SQLite database to write)");
		return -1;
	}
	if (param_dup(params, "db", &sink->db) || param_dup(params, "label", &sink->label_param) ||
	    param_dup(params, "trace", &sink->trace_param))
		return -2;
	sink->window_ns = IH_STEAL_DEFAULT_WINDOW_NS;
	w = bt_value_map_borrow_entry_value_const(params, "window");
	r = bt_value_map_borrow_entry_value_const(params, "replace");
	if (w && bt_value_is_string(w))
		sink->window_ns = ih_sink_parse_window(bt_value_string_get(w));
	else if (w && bt_value_is_signed_integer(w))
		sink->window_ns = bt_value_integer_signed_get(w);
	else if (w)
		sink->window_ns = (int64_t)bt_value_integer_unsigned_get(w);
	sink->replace = r && bt_value_bool_get(r);
	return 0;
}
