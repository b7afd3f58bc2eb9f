/*
 * sink.h - the sink.irqhop.sqlite component class: reconstructs every
 * interrupt's path from irqhop events and writes the run into SQLite.
 *
 * Registered by analyzer/plugin.c (the babeltrace2 plugin) and created
 * directly by `irqhop analyze` through ih_sink_class_create().
 *
 * Parameters: db (string, required), label (string), trace (string, stored in
 * run.trace).  See docs/analyzer.md.
 */
#ifndef IH_SINK_H
#define IH_SINK_H
#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stdint.h>

#define IH_SINK_CLASS_NAME "sqlite"
#define IH_SINK_DESCRIPTION "Reconstruct irqhop interrupt paths and write them into an SQLite database."
#define IH_SINK_HELP \
	"Parameters:\n" \
	"  db=PATH     database to write (created if missing), required\n" \
	"  label=TEXT  run label (default: run_begin's label)\n" \
	"  trace=TEXT  trace path recorded in run.trace (default: the trace's name)\n" \
	"See docs/analyzer.md in the irqhop sources."

/* Filled by the sink when the run committed, if the component was created
 * with a pointer to one as initialize-method data (irqhop analyze). */
struct ih_sink_result {
	bool committed;
	int64_t run_id;
	uint64_t irqs;
	uint64_t incomplete;
	uint64_t events;
	uint64_t discarded;
};

bt_component_class_initialize_method_status ih_sink_initialize(
	bt_self_component_sink *self, bt_self_component_sink_configuration *config,
	const bt_value *params, void *init_data);
bt_component_class_sink_graph_is_configured_method_status ih_sink_graph_is_configured(
	bt_self_component_sink *self);
bt_component_class_sink_consume_method_status ih_sink_consume(bt_self_component_sink *self);
void ih_sink_finalize(bt_self_component_sink *self);

/* Creates the component class for use without the plugin (a new reference).
 * Returns NULL when out of memory. */
bt_component_class_sink *ih_sink_class_create(void);
#endif
