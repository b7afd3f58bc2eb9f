/*
 * sink.h - the sink.irqhop.sqlite component class: reconstructs every
 * interrupt's path from irqhop events and writes the run into SQLite.
 *
 * Registered by analyzer/plugin.c (the babeltrace2 plugin) and created
 * directly by `irqhop analyze` through ih_sink_class_create().
 *
 * Parameters: db (string, required), label (string), trace (string, stored in
 * run.trace), window (ns as an integer, or a duration string such as
 * "100ms"), replace (boolean).  See docs/analyzer.md.
 *
 * Each trace of the input becomes its own run (irq_id is unique within one
 * trace only); every run of one graph is written in one transaction.
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
	"  window=W    steal window: ns, or a duration like 100ms, 1s (default 100ms)\n" \
	"  replace=yes analyze a trace again: delete the run that holds its UUID\n" \
	"See docs/analyzer.md in the irqhop sources."

/* Filled by the sink when the run committed, if the component was created
 * with a pointer to one as initialize-method data (irqhop analyze). */
struct ih_ship_config;
struct ih_store;
struct ih_sink_result {
	bool committed;
	size_t nruns;		/* runs committed */
	/* The first run (irqhop analyze gives the sink one trace). */
	int64_t run_id;
	int64_t replaced;	/* run deleted by replace=yes, 0 if none */
	uint64_t irqs;
	uint64_t incomplete;
	uint64_t events;
	uint64_t discarded;
	/* Set by the caller (may be NULL): called on the decoding thread about
	 * every 16384 events with the events read so far and the time of the
	 * last one (ns from the clock's origin). */
	void (*progress)(void *ctx, uint64_t events, int64_t ts_ns);
	void *progress_ctx;
	/* Set by irqhop analyze's decoding children (may be NULL): ship mode,
	 * see ship.h: events are decoded and sent there, nothing is written,
	 * and the parameters are not read. */
	const struct ih_ship_config *ship;
	/* Set by irqhop analyze when it replays several traces into one store
	 * (may be NULL): the sink writes its runs there and neither commits
	 * nor destroys it; `committed` then means "finished", the caller
	 * commits. */
	struct ih_store *store;
};

/* Parses a steal window: an integer (ns) or a number with a unit (ns, us,
 * ms, s), e.g. "100ms", "0.5s".  Returns the window in ns, or -1 when TEXT
 * is not a positive duration. */
int64_t ih_sink_parse_window(const char *text);

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
