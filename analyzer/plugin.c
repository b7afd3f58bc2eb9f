/*
 * plugin.c - the babeltrace2 plugin `irqhop`: registers sink.irqhop.sqlite
 * (analyzer/sqlite/).  Each component class lives in its own folder, as in
 * Babeltrace's own plugins; this file only declares them.
 */
#include "config.h"
#include <babeltrace2/babeltrace.h>
#include "analyzer/sqlite/sink.h"

BT_PLUGIN_MODULE();

BT_PLUGIN(irqhop);
BT_PLUGIN_DESCRIPTION("irqhop: interrupt-path reconstruction for hypervisor traces.");
BT_PLUGIN_AUTHOR("The irqhop developers");
BT_PLUGIN_LICENSE("see the irqhop sources");
BT_PLUGIN_VERSION(0, 1, 0, "");

BT_PLUGIN_SINK_COMPONENT_CLASS(sqlite, ih_sink_consume);
BT_PLUGIN_SINK_COMPONENT_CLASS_DESCRIPTION(sqlite, IH_SINK_DESCRIPTION);
BT_PLUGIN_SINK_COMPONENT_CLASS_HELP(sqlite, IH_SINK_HELP);
BT_PLUGIN_SINK_COMPONENT_CLASS_INITIALIZE_METHOD(sqlite, ih_sink_initialize);
BT_PLUGIN_SINK_COMPONENT_CLASS_FINALIZE_METHOD(sqlite, ih_sink_finalize);
BT_PLUGIN_SINK_COMPONENT_CLASS_GRAPH_IS_CONFIGURED_METHOD(sqlite, ih_sink_graph_is_configured);
