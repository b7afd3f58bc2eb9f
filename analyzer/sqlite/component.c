/*
 * analyzer/sqlite/component.c - the lifecycle of sink.irqhop.sqlite, see
 * sink.h.
 *
 * Flow: initialize opens the database and begins the transaction (so a bad
 * database path fails before any decoding); the first stream of each trace
 * starts that trace's run (run.c) before any of its events is decoded;
 * consume hands each message to its handler by type (events: decode.c); at
 * the end of the input finish.c writes each run's tables and commits.  Any
 * error before the commit rolls every run back (ih_store_destroy in
 * finalize).
 */
#include "config.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/sqlite/bterror.h"
#include "analyzer/store/store.h"
#include "collector/events/clock.h"

#include <stdlib.h>
#include <string.h>

void sink_free(struct ih_sink *sink)
{
	if (!sink)
		return;
	/* Destroying an uncommitted store rolls every run back. */
	if (!sink->shared_store)
		ih_store_destroy(sink->store);
	for (size_t i = 0; i < sink->nruns; i++)
		sink_run_free(sink->runs[i]);
	free(sink->runs);
	bt_message_iterator_put_ref(sink->iter);
	sink_ship_free(sink->ship);
	free(sink->evc);
	free(sink->db);
	free(sink->label_param);
	free(sink->trace_param);
	free(sink);
}

int sink_create(bt_self_component *self_comp, const bt_value *params, struct ih_sink_result *result,
		struct ih_sink **out)
{
	struct ih_sink *sink = calloc(1, sizeof(*sink));

	*out = sink;
	if (!sink)
		return -1;
	sink->self_comp = self_comp;
	if (self_comp) {
		const bt_component *comp = bt_self_component_as_component(self_comp);

		sink->log_level = bt_component_get_logging_level(comp);
		sink->name = bt_component_get_name(comp);
	} else {
		sink->log_level = BT_LOGGING_LEVEL_WARNING;
		sink->name = "irqhop";
	}
	sink->result = result;
	sink->evc_cap = 64;
	sink->evc = calloc(sink->evc_cap, sizeof(*sink->evc));
	if (!sink->evc)
		goto memory_error;
	if (result && result->ship) {
		if (sink_ship_create(sink, result->ship))
			goto memory_error;
		return 0;
	}
	switch (sink_params_read(sink, params)) {
	case 0:
		break;
	case -1:
		return -1;
	default:
		goto memory_error;
	}
	if (result && result->store) {
		sink->store = result->store;
		sink->shared_store = true;
		return 0;
	}
	/* Open the database now: a bad path fails before any decoding. */
	sink->store = ih_store_open(sink->db, sink->err, sizeof(sink->err));
	if (!sink->store) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		return -1;
	}
	return 0;
memory_error:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
	return -1;
}

bt_component_class_initialize_method_status ih_sink_initialize(
	bt_self_component_sink *self, bt_self_component_sink_configuration *config,
	const bt_value *params, void *init_data)
{
	bt_component_class_initialize_method_status status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
	bt_self_component *self_comp = bt_self_component_sink_as_self_component(self);
	struct ih_sink *sink = NULL;

	(void)config;
	if (sink_create(self_comp, params, init_data, &sink)) {
		if (!sink)
			BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp, "Out of memory.");
		status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
		goto error;
	}
	if (bt_self_component_sink_add_input_port(self, "in", NULL, NULL) !=
	    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
		SINK_ERROR_CAUSE(sink, "Cannot add input port: name=in");
		status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
		goto error;
	}
	bt_self_component_set_data(self_comp, sink);
	goto end;
error:
	sink_free(sink);
end:
	return status;
}

void ih_sink_finalize(bt_self_component_sink *self)
{
	sink_free(bt_self_component_get_data(bt_self_component_sink_as_self_component(self)));
}

bt_component_class_sink_graph_is_configured_method_status ih_sink_graph_is_configured(
	bt_self_component_sink *self)
{
	bt_component_class_sink_graph_is_configured_method_status status =
		BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
	struct ih_sink *sink = bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	bt_self_component_port_input *port = bt_self_component_sink_borrow_input_port_by_index(self, 0);

	if (!bt_port_is_connected(bt_self_component_port_as_port(
		    bt_self_component_port_input_as_self_component_port(port)))) {
		SINK_ERROR_CAUSE(sink, "Input port is not connected: name=in");
		status = BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
		goto end;
	}
	if (bt_message_iterator_create_from_sink_component(self, port, &sink->iter) !=
	    BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK) {
		SINK_ERROR_CAUSE(sink, "Cannot create the upstream message iterator.");
		status = BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
		goto end;
	}
end:
	return status;
}

bt_component_class_sink_consume_method_status ih_sink_consume(bt_self_component_sink *self)
{
	bt_component_class_sink_consume_method_status status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
	struct ih_sink *sink = bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	bt_message_array_const msgs;
	uint64_t count = 0, i = 0;

	switch (bt_message_iterator_next(sink->iter, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		if (sink->ship ? sink_ship_end(sink) : sink_finish(sink))
			goto error;
		status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
		goto end;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
		goto end;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
		goto end;
	default: {
		/* The stock CLI prints this cause first: it names the trace
		 * and repeats the upstream root cause, as irqhop analyze's
		 * line does. */
		char why[512];
		const struct sink_run *run = sink->last_run ? sink->last_run : sink->nruns ? sink->runs[0] : NULL;

		ih_bt_error_peek_line(why, sizeof(why));
		SINK_ERROR_CAUSE(sink, "Cannot read trace %s: %s",
				 run ? sink_run_trace_text(sink, run) : sink->trace_param ? sink->trace_param : "(input)",
				 why[0] ? why : "the upstream message iterator failed");
		goto error;
	}
	}
	if (!sink->t_start_ns)
		sink->t_start_ns = ih_now_ns();
	for (; i < count; i++) {
		const bt_message *msg = msgs[i];
		int ret = 0;

		switch (bt_message_get_type(msg)) {
		case BT_MESSAGE_TYPE_EVENT:
			ret = sink_event(sink, msg);
			break;
		case BT_MESSAGE_TYPE_STREAM_BEGINNING:
			ret = sink_stream_beginning(sink, msg);
			break;
		case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
			ret = sink_discarded(sink, msg);
			break;
		default:
			break;
		}
		bt_message_put_ref(msg);
		if (ret) {
			i++;
			goto error;
		}
	}
	goto end;
error:
	/* Release the messages not handled yet. */
	for (; i < count; i++)
		bt_message_put_ref(msgs[i]);
	status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
end:
	return status;
}

bt_component_class_sink *ih_sink_class_create(void)
{
	bt_component_class_sink *cls = bt_component_class_sink_create(IH_SINK_CLASS_NAME, ih_sink_consume);

	if (!cls)
		goto error;
	if (bt_component_class_set_description(bt_component_class_sink_as_component_class(cls),
					       IH_SINK_DESCRIPTION) != BT_COMPONENT_CLASS_SET_DESCRIPTION_STATUS_OK ||
	    bt_component_class_set_help(bt_component_class_sink_as_component_class(cls),
					IH_SINK_HELP) != BT_COMPONENT_CLASS_SET_HELP_STATUS_OK ||
	    bt_component_class_sink_set_initialize_method(cls, ih_sink_initialize) !=
		    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK ||
	    bt_component_class_sink_set_finalize_method(cls, ih_sink_finalize) !=
		    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK ||
	    bt_component_class_sink_set_graph_is_configured_method(cls, ih_sink_graph_is_configured) !=
		    BT_COMPONENT_CLASS_SET_METHOD_STATUS_OK)
		goto error;
	return cls;
error:
	bt_component_class_sink_put_ref(cls);
	return NULL;
}
