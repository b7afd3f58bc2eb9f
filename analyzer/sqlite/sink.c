/*
 * sink.c - sink.irqhop.sqlite, see sink.h.
 *
 * Flow: initialize opens the database and begins the run's transaction (so a
 * bad database path fails before any decoding); consume decodes each event
 * into an ih_rec_event and feeds the reconstruction, whose rows go to the
 * store's writer thread; at the end of the stream the remaining interrupts
 * are flushed as incomplete and the run is committed.  Any error before the
 * commit rolls the whole run back (ih_store_destroy in finalize).
 */
#include "config.h"
#include "analyzer/sqlite/sink.h"
#include "analyzer/ih_catalogue.h"
#include "analyzer/ih_rec.h"
#include "analyzer/ih_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a payload member's value goes. */
enum sink_slot {
	S_NONE = 0,
	S_IRQ_ID, S_PCPU, S_VCPU, S_SOURCE, S_VECTOR, S_TARGET_PCPU, S_EFD, S_WORKER,
	S_TASKLET, S_WORK, S_LOCK_WAIT, S_VM_LOCK_WAIT, S_MODE, S_QUEUED,
	S_RAISED, S_ACKED, S_HOST_STEAL, S_HOST_TOTAL,
};

static const struct { const char *name; enum sink_slot slot; } slot_names[] = {
	{ "irq_id", S_IRQ_ID }, { "pcpu", S_PCPU }, { "vcpu", S_VCPU }, { "source", S_SOURCE },
	{ "vector", S_VECTOR }, { "target_pcpu", S_TARGET_PCPU }, { "efd", S_EFD },
	{ "worker", S_WORKER }, { "tasklet", S_TASKLET }, { "work", S_WORK },
	{ "lock_wait_ns", S_LOCK_WAIT }, { "vm_lock_wait_ns", S_VM_LOCK_WAIT }, { "mode", S_MODE },
	{ "queued", S_QUEUED }, { "raised", S_RAISED }, { "acked", S_ACKED },
	{ "host_steal_ns", S_HOST_STEAL }, { "host_total_ns", S_HOST_TOTAL },
};

#define SINK_MAX_MEMBERS 16

/* What the sink knows about one event class, resolved on its first event
 * so decoding an event is a table lookup and a loop over integer members. */
struct sink_evc {
	const bt_event_class *ec;	/* key (borrowed: lives as long as the trace) */
	int kind;			/* enum ih_ev, or -1: not an irqhop event */
	bool has_clock;
	int nmembers;
	uint8_t slot[SINK_MAX_MEMBERS];
	bool is_signed[SINK_MAX_MEMBERS];
	int64_t vtid_idx;		/* common context member index, -1 if none */
	bool vtid_signed;
};

struct ih_sink {
	bt_self_component *self_comp;
	bt_logging_level log_level;
	const char *name;
	bt_message_iterator *iter;
	struct ih_sink_result *result;

	char *db, *label_param, *trace_param;
	struct ih_store *store;
	struct ih_rec *rec;

	struct sink_evc *evc;		/* open addressing, keyed by pointer */
	size_t evc_cap, evc_n;

	/* Run facts gathered while decoding. */
	char *host, *uuid, *trace_name;
	char *run_label, *tasklet_mode, *notifier_mode, *scenario;
	const bt_trace *first_trace;	/* identity only, never dereferenced later */
	bool has_times;
	int64_t start_ns, end_ns;
	uint64_t events, ih_events, discarded;
	bool has_run_begin, has_run_end;
	uint64_t raised, acked, host_steal, host_total;
	bool warned_vtid, warned_discard;
	bool finished;
	char err[1024];
};

/* Log lines are sentences with name=value fields, like Babeltrace's own. */
#define SINK_LOG(_sink, _lvl, _letter, _fmt, ...) do { \
	if ((_sink)->log_level <= (_lvl)) \
		fprintf(stderr, "%c irqhop [%s] " _fmt "\n", (_letter), (_sink)->name, ##__VA_ARGS__); \
} while (0)
#define SINK_WARN(_sink, _fmt, ...) SINK_LOG(_sink, BT_LOGGING_LEVEL_WARNING, 'W', _fmt, ##__VA_ARGS__)
#define SINK_INFO(_sink, _fmt, ...) SINK_LOG(_sink, BT_LOGGING_LEVEL_INFO, 'I', _fmt, ##__VA_ARGS__)
#define SINK_ERROR_CAUSE(_sink, _fmt, ...) \
	BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT((_sink)->self_comp, _fmt, ##__VA_ARGS__)

/* ---- parameters -------------------------------------------------------- */

struct param_ctx {
	struct ih_sink *sink;
	bool bad;
};

static bt_value_map_foreach_entry_const_func_status check_param(const char *key, const bt_value *v,
								 void *data)
{
	struct param_ctx *ctx = data;

	if (strcmp(key, "db") != 0 && strcmp(key, "label") != 0 && strcmp(key, "trace") != 0) {
		SINK_ERROR_CAUSE(ctx->sink, "Unknown parameter: name=%s (expected db, label, trace)", key);
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

/* ---- lifecycle ----------------------------------------------------------- */

static void sink_free(struct ih_sink *sink)
{
	if (!sink)
		return;
	/* Destroying an unfinished store rolls the run back. */
	ih_store_destroy(sink->store);
	ih_rec_destroy(sink->rec);
	bt_message_iterator_put_ref(sink->iter);
	free(sink->evc);
	free(sink->db);
	free(sink->label_param);
	free(sink->trace_param);
	free(sink->host);
	free(sink->uuid);
	free(sink->trace_name);
	free(sink->run_label);
	free(sink->tasklet_mode);
	free(sink->notifier_mode);
	free(sink->scenario);
	free(sink);
}

static int sink_emit(void *ctx, const struct ih_rec_row *row)
{
	struct ih_sink *sink = ctx;

	return ih_store_add_irq(sink->store, row, sink->err, sizeof(sink->err));
}

bt_component_class_initialize_method_status ih_sink_initialize(
	bt_self_component_sink *self, bt_self_component_sink_configuration *config,
	const bt_value *params, void *init_data)
{
	bt_component_class_initialize_method_status status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
	bt_self_component *self_comp = bt_self_component_sink_as_self_component(self);
	const bt_component *comp = bt_self_component_as_component(self_comp);
	struct ih_sink *sink = calloc(1, sizeof(*sink));
	struct param_ctx pctx = { sink, false };

	(void)config;
	if (!sink) {
		BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp, "Out of memory.");
		status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
		goto error;
	}
	sink->self_comp = self_comp;
	sink->log_level = bt_component_get_logging_level(comp);
	sink->name = bt_component_get_name(comp);
	sink->result = init_data;
	sink->evc_cap = 64;
	sink->evc = calloc(sink->evc_cap, sizeof(*sink->evc));
	if (!sink->evc)
		goto memory_error;

	bt_value_map_foreach_entry_const(params, check_param, &pctx);
	if (pctx.bad)
		goto invalid;
	if (!bt_value_map_has_entry(params, "db")) {
		SINK_ERROR_CAUSE(sink, "Missing parameter: name=db (the SQLite database to write)");
		goto invalid;
	}
	if (param_dup(params, "db", &sink->db) || param_dup(params, "label", &sink->label_param) ||
	    param_dup(params, "trace", &sink->trace_param))
		goto memory_error;

	sink->rec = ih_rec_create(sink_emit, sink);
	if (!sink->rec)
		goto memory_error;
	/* Open the database now: a bad path fails before any decoding. */
	sink->store = ih_store_open(sink->db, sink->trace_param, sink->label_param, sink->err,
				    sizeof(sink->err));
	if (!sink->store) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
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
invalid:
	status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	goto error;
memory_error:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
	status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
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

/* ---- decoding -------------------------------------------------------------- */

static size_t evc_home(const struct ih_sink *sink, const bt_event_class *ec)
{
	return (size_t)(((uintptr_t)ec >> 4) * UINT64_C(0x9E3779B97F4A7C15) >> 32) & (sink->evc_cap - 1);
}

/* Returns the free or matching slot for EC. */
static struct sink_evc *evc_slot(struct ih_sink *sink, const bt_event_class *ec)
{
	size_t i = evc_home(sink, ec);

	while (sink->evc[i].ec && sink->evc[i].ec != ec)
		i = (i + 1) & (sink->evc_cap - 1);
	return &sink->evc[i];
}

/* Doubles the event class table; -1 when out of memory. */
static int evc_grow(struct ih_sink *sink)
{
	struct sink_evc *old = sink->evc;
	size_t old_cap = sink->evc_cap;

	sink->evc = calloc(old_cap * 2, sizeof(*sink->evc));
	if (!sink->evc) {
		sink->evc = old;
		return -1;
	}
	sink->evc_cap = old_cap * 2;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].ec)
			*evc_slot(sink, old[i].ec) = old[i];
	free(old);
	return 0;
}

static enum sink_slot slot_of(const char *name)
{
	for (size_t i = 0; i < sizeof(slot_names) / sizeof(slot_names[0]); i++)
		if (strcmp(slot_names[i].name, name) == 0)
			return slot_names[i].slot;
	return S_NONE;
}

/* Resolves what the sink needs about EC (first event of that class).
 * NULL when out of memory. */
static struct sink_evc *evc_resolve(struct ih_sink *sink, const bt_event_class *ec)
{
	const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);
	const bt_field_class *pfc = bt_event_class_borrow_payload_field_class_const(ec);
	const bt_field_class *cfc = bt_stream_class_borrow_event_common_context_field_class_const(sc);
	const char *name = bt_event_class_get_name(ec);
	struct sink_evc *e;

	if ((sink->evc_n + 1) * 2 > sink->evc_cap && evc_grow(sink))
		return NULL;
	e = evc_slot(sink, ec);
	memset(e, 0, sizeof(*e));
	e->ec = ec;
	sink->evc_n++;
	e->kind = name ? ih_cat_event_from_name(name) : -1;
	e->has_clock = bt_stream_class_borrow_default_clock_class_const(sc) != NULL;
	e->vtid_idx = -1;
	if (e->kind < 0)
		return e;
	if (pfc && bt_field_class_get_type(pfc) == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		uint64_t n = bt_field_class_structure_get_member_count(pfc);

		e->nmembers = n > SINK_MAX_MEMBERS ? SINK_MAX_MEMBERS : (int)n;
		for (int i = 0; i < e->nmembers; i++) {
			const bt_field_class_structure_member *m =
				bt_field_class_structure_borrow_member_by_index_const(pfc, (uint64_t)i);
			bt_field_class_type t = bt_field_class_get_type(
				bt_field_class_structure_member_borrow_field_class_const(m));

			/* Only integers are decoded this way; run_begin's
			 * strings are read by name (one event per run). */
			if (!bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER))
				continue;
			e->slot[i] = (uint8_t)slot_of(bt_field_class_structure_member_get_name(m));
			e->is_signed[i] = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
		}
	}
	if (cfc && bt_field_class_get_type(cfc) == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		uint64_t n = bt_field_class_structure_get_member_count(cfc);

		for (uint64_t i = 0; i < n; i++) {
			const bt_field_class_structure_member *m =
				bt_field_class_structure_borrow_member_by_index_const(cfc, i);

			bt_field_class_type t = bt_field_class_get_type(
				bt_field_class_structure_member_borrow_field_class_const(m));

			if (strcmp(bt_field_class_structure_member_get_name(m), "vtid") == 0 &&
			    bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER)) {
				e->vtid_idx = (int64_t)i;
				e->vtid_signed = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
			}
		}
	}
	if (e->vtid_idx < 0 && !sink->warned_vtid) {
		sink->warned_vtid = true;
		SINK_WARN(sink, "Event has no vtid context: coalesced tasklet runs cannot be told apart "
			  "per thread; record with `lttng add-context -u -t vtid`: event=%s", name);
	}
	return e;
}

static uint64_t field_uint(const bt_field *f, bool is_signed)
{
	return is_signed ? (uint64_t)bt_field_integer_signed_get_value(f)
			 : bt_field_integer_unsigned_get_value(f);
}

/* Copies string member NAME of STRUCT into *out (replacing it).  Absent
 * members leave *out alone.  -1 when out of memory. */
static int dup_string_member(const bt_field *st, const char *name, char **out)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_name_const(st, name);
	char *s;

	if (!f || bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
		return 0;
	s = strdup(bt_field_string_get_value(f));
	if (!s)
		return -1;
	free(*out);
	*out = s;
	return 0;
}

/* Records the trace a stream belongs to (host, UUID, name).  Returns 0, or
 * -1 after appending an error cause (out of memory, a second trace). */
static int sink_stream_beginning(struct ih_sink *sink, const bt_message *msg)
{
	const bt_stream *stream = bt_message_stream_beginning_borrow_stream_const(msg);
	const bt_trace *trace = bt_stream_borrow_trace_const(stream);
	const bt_value *host;
	bt_uuid uuid;

	if (sink->first_trace) {
		/* irq_id is unique within one run's trace only: two traces
		 * (two hosts, two runs) would mix their interrupts. */
		if (trace != sink->first_trace) {
			SINK_ERROR_CAUSE(sink, "input holds more than one trace (%s and %s); analyze one trace "
					 "per run", sink->trace_name ? sink->trace_name : "?",
					 bt_trace_get_name(trace) ? bt_trace_get_name(trace) : "?");
			return -1;
		}
		return 0;
	}
	sink->first_trace = trace;
	host = bt_trace_borrow_environment_entry_value_by_name_const(trace, "hostname");
	if (host && bt_value_is_string(host) && !(sink->host = strdup(bt_value_string_get(host))))
		goto oom;
	if (bt_trace_get_name(trace) && !(sink->trace_name = strdup(bt_trace_get_name(trace))))
		goto oom;
	uuid = bt_trace_get_uuid(trace);
	if (uuid) {
		sink->uuid = malloc(37);
		if (!sink->uuid)
			goto oom;
		snprintf(sink->uuid, 37,
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
			 uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
	}
	return 0;
oom:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
	return -1;
}

/* Decodes one event message and feeds it to the reconstruction.  Returns 0,
 * or -1 after appending an error cause. */
static int sink_event(struct ih_sink *sink, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_event_class *ec = bt_event_borrow_class_const(event);
	struct sink_evc *e = evc_slot(sink, ec);
	struct ih_rec_event ev;
	const bt_field *payload;
	int64_t ts = 0;

	if (!e->ec && !(e = evc_resolve(sink, ec))) {
		SINK_ERROR_CAUSE(sink, "Out of memory.");
		return -1;
	}
	sink->events++;
	if (e->has_clock) {
		const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(msg);

		if (bt_clock_snapshot_get_ns_from_origin(cs, &ts) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
			SINK_ERROR_CAUSE(sink, "Event time overflows ns from origin: event=%s",
					 bt_event_class_get_name(ec));
			return -1;
		}
		if (!sink->has_times) {
			sink->has_times = true;
			sink->start_ns = ts;
		}
		sink->end_ns = ts;
	}
	if (e->kind < 0)
		return 0;
	sink->ih_events++;
	if (!e->has_clock) {
		SINK_ERROR_CAUSE(sink, "irqhop event without a clock: event=%s", bt_event_class_get_name(ec));
		return -1;
	}

	memset(&ev, 0, sizeof(ev));
	ev.kind = (enum ih_ev)e->kind;
	ev.ts = ts;
	payload = bt_event_borrow_payload_field_const(event);
	for (int i = 0; i < e->nmembers; i++) {
		uint64_t v;

		if (!e->slot[i])
			continue;
		v = field_uint(bt_field_structure_borrow_member_field_by_index_const(payload, (uint64_t)i),
			       e->is_signed[i]);
		switch ((enum sink_slot)e->slot[i]) {
		case S_IRQ_ID: ev.irq_id = v; break;
		case S_PCPU: ev.pcpu = (uint32_t)v; break;
		case S_VCPU: ev.vcpu = (uint32_t)v; break;
		case S_SOURCE: ev.source = (uint32_t)v; break;
		case S_VECTOR: ev.vector = (uint32_t)v; break;
		case S_TARGET_PCPU: ev.target_pcpu = (uint32_t)v; break;
		case S_EFD: ev.efd = (uint32_t)v; break;
		case S_WORKER: ev.worker = (uint32_t)v; break;
		case S_TASKLET: ev.tasklet = v; break;
		case S_WORK: ev.work = v; break;
		case S_LOCK_WAIT: ev.lock_wait_ns = v; break;
		case S_VM_LOCK_WAIT: ev.vm_lock_wait_ns = v; break;
		case S_MODE: ev.mode = (uint8_t)v; break;
		case S_QUEUED: ev.queued = (uint8_t)v; break;
		case S_RAISED: sink->raised = v; break;
		case S_ACKED: sink->acked = v; break;
		case S_HOST_STEAL: sink->host_steal = v; break;
		case S_HOST_TOTAL: sink->host_total = v; break;
		case S_NONE: break;
		}
	}
	if (e->vtid_idx >= 0) {
		const bt_field *ctx = bt_event_borrow_common_context_field_const(event);
		const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)e->vtid_idx);

		ev.vtid = e->vtid_signed ? bt_field_integer_signed_get_value(f)
					 : (int64_t)bt_field_integer_unsigned_get_value(f);
		ev.has_vtid = true;
	}
	switch (ev.kind) {
	case IH_EV_RUN_BEGIN:
		if (sink->has_run_begin)
			SINK_WARN(sink, "Second run_begin event; keeping the last one's configuration: ts=%" PRId64, ts);
		sink->has_run_begin = true;
		if (dup_string_member(payload, "label", &sink->run_label) ||
		    dup_string_member(payload, "scenario", &sink->scenario) ||
		    dup_string_member(payload, "tasklet_mode", &sink->tasklet_mode) ||
		    dup_string_member(payload, "notifier_mode", &sink->notifier_mode)) {
			SINK_ERROR_CAUSE(sink, "Out of memory.");
			return -1;
		}
		return 0;
	case IH_EV_RUN_END:
		sink->has_run_end = true;
		return 0;
	default:
		break;
	}
	if (ih_rec_feed(sink->rec, &ev)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		return -1;
	}
	return 0;
}

/* End of the input: flush, commit.  Returns 0, or -1 after appending an
 * error cause (the run is then rolled back). */
static int sink_finish(struct ih_sink *sink)
{
	struct ih_store_result res;
	struct ih_store_run run;
	const struct ih_rec_stats *rs = ih_rec_stats(sink->rec);

	sink->finished = true;
	if (!sink->ih_events) {
		SINK_ERROR_CAUSE(sink, "trace %s has no irqhop events (no run_begin and no irqhop:* event; "
				 "was the channel enabled with 'irqhop:*'?)",
				 sink->trace_param ? sink->trace_param :
				 sink->trace_name ? sink->trace_name : "(input)");
		return -1;
	}
	if (!sink->has_run_begin)
		SINK_WARN(sink, "Trace has no run_begin event: run configuration unknown: events=%" PRIu64,
			  sink->events);
	if (ih_rec_flush(sink->rec)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		return -1;
	}
	memset(&run, 0, sizeof(run));
	run.label = sink->label_param ? sink->label_param : sink->run_label;
	run.host = sink->host;
	run.trace = sink->trace_param ? sink->trace_param : sink->trace_name;
	run.trace_uuid = sink->uuid;
	run.tasklet_mode = sink->tasklet_mode;
	run.notifier_mode = sink->notifier_mode;
	run.scenario = sink->scenario;
	run.has_times = sink->has_times;
	run.start_ns = sink->start_ns;
	run.end_ns = sink->end_ns;
	run.events = sink->events;
	run.discarded = sink->discarded;
	run.has_run_end = sink->has_run_end;
	run.irqs_raised = sink->raised;
	run.irqs_acked = sink->acked;
	run.host_steal_ns = sink->host_steal;
	run.host_total_ns = sink->host_total;
	if (ih_store_finish(sink->store, &run, &res, sink->err, sizeof(sink->err))) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		return -1;
	}
	SINK_INFO(sink, "Committed run: db=%s, run-id=%" PRId64 ", irqs=%" PRIu64 ", incomplete=%" PRIu64
		  ", orphans=%" PRIu64 ", clamped=%" PRIu64 ", inflight-max=%" PRIu64 ", events=%" PRIu64
		  ", discarded=%" PRIu64, sink->db, res.run_id, res.irqs, res.incomplete, rs->orphans,
		  rs->clamped, rs->inflight_max, sink->events, sink->discarded);
	if (sink->result) {
		sink->result->committed = true;
		sink->result->run_id = res.run_id;
		sink->result->irqs = res.irqs;
		sink->result->incomplete = res.incomplete;
		sink->result->events = sink->events;
		sink->result->discarded = sink->discarded;
	}
	return 0;
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
		if (sink_finish(sink))
			goto error;
		status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
		goto end;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
		goto end;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		status = BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
		goto end;
	default:
		SINK_ERROR_CAUSE(sink, "Cannot read the input trace.");
		goto error;
	}
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
		case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
			uint64_t n = 0;

			if (bt_message_discarded_events_get_count(msg, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE)
				sink->discarded += n;
			if (!sink->warned_discard) {
				sink->warned_discard = true;
				SINK_WARN(sink, "Tracer discarded events: interrupts whose events were lost are "
					  "stored incomplete; use larger sub-buffers: first-count=%" PRIu64, n);
			}
			break;
		}
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
