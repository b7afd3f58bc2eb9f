/*
 * sink.c - sink.irqhop.sqlite, see sink.h.
 *
 * Flow: initialize opens the database and begins the transaction (so a bad
 * database path fails before any decoding); the first stream of each trace
 * starts that trace's run (refusing a trace UUID already analyzed unless
 * replace=yes) before any of its events is decoded; consume decodes each
 * event into an ih_rec_event and feeds the trace's reconstruction (rows go to
 * the store's writer thread) or its steal accounting; at the end of the input
 * the remaining interrupts are flushed as incomplete, each run's tables are
 * written and everything is committed.  Any error before the commit rolls
 * every run back (ih_store_destroy in finalize).
 */
#include "config.h"
#include "analyzer/sqlite/sink.h"
#include "analyzer/reconstruct/catalogue.h"
#include "analyzer/reconstruct/scenario.h"
#include "analyzer/reconstruct/rec.h"
#include "analyzer/steal/steal.h"
#include "analyzer/store/store.h"

#include <ctype.h>
#include <time.h>

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
	S_GUEST, S_OLD, S_NEW, S_IRQ_NS, S_SOFTIRQ_NS, S_TASKLET_NS, S_LOCK_SPIN_NS,
	S_LOCK, S_ACQ, S_CONTENDED, S_WAIT_NS, S_HOLD_NS, S_RUN_NS, S_RUN_DELAY_NS,
	S_COUNT_
};

static const struct { const char *name; enum sink_slot slot; } slot_names[] = {
	{ "irq_id", S_IRQ_ID }, { "pcpu", S_PCPU }, { "vcpu", S_VCPU }, { "source", S_SOURCE },
	{ "vector", S_VECTOR }, { "target_pcpu", S_TARGET_PCPU }, { "efd", S_EFD },
	{ "worker", S_WORKER }, { "tasklet", S_TASKLET }, { "work", S_WORK },
	{ "lock_wait_ns", S_LOCK_WAIT }, { "vm_lock_wait_ns", S_VM_LOCK_WAIT }, { "mode", S_MODE },
	{ "queued", S_QUEUED }, { "raised", S_RAISED }, { "acked", S_ACKED },
	{ "host_steal_ns", S_HOST_STEAL }, { "host_total_ns", S_HOST_TOTAL },
	{ "guest", S_GUEST }, { "old", S_OLD }, { "new", S_NEW }, { "irq_ns", S_IRQ_NS },
	{ "softirq_ns", S_SOFTIRQ_NS }, { "tasklet_ns", S_TASKLET_NS }, { "lock_spin_ns", S_LOCK_SPIN_NS },
	{ "lock", S_LOCK }, { "acquisitions", S_ACQ }, { "contended", S_CONTENDED },
	{ "wait_ns", S_WAIT_NS }, { "hold_ns", S_HOLD_NS }, { "run_ns", S_RUN_NS },
	{ "run_delay_ns", S_RUN_DELAY_NS },
};

#define SINK_MAX_MEMBERS 16

/* What the sink knows about one event class, resolved on its first event
 * so decoding an event is a table lookup and a loop over integer members. */
struct sink_evc {
	const bt_event_class *ec;	/* key (borrowed: lives as long as the trace) */
	int kind;			/* enum ih_ev, or -1: not an irqhop event */
	uint8_t acct;			/* enum sink_acct */
	bool has_clock;
	int nmembers;
	uint8_t slot[SINK_MAX_MEMBERS];
	bool is_signed[SINK_MAX_MEMBERS];
	int64_t vtid_idx;		/* common context member index, -1 if none */
	bool vtid_signed;
	bool needs_vtid;		/* tasklet brackets: entry, exit, inject */
	bool feeds_rec;			/* an event the reconstruction uses */
};

/* Accounting event kinds, beyond enum ih_ev (which maps them to
 * IH_EV_OTHER): resolved by name once per event class. */
enum sink_acct { A_NONE = 0, A_RUNSTATE, A_ACCOUNT, A_LOCK_STAT, A_SCHEDSTAT };

/* One trace of the input: one run. */
struct sink_run {
	const bt_trace *trace;		/* identity only */
	struct ih_sink *sink;
	struct ih_rec *rec;
	struct ih_steal *steal;		/* created at the run's first event */
	struct ih_store_run *srun;
	char *host, *uuid, *trace_name;
	char *run_label, *tasklet_mode, *notifier_mode, *scenario;
	bool has_times;
	int64_t start_ns, end_ns;
	uint64_t events, ih_events, discarded;
	bool has_run_begin, has_run_end;
	uint64_t raised, acked, host_steal, host_total;
	/* Discarded events per stream (ids of the trace), for the log. */
	struct { uint64_t id, count; } *disc;
	size_t ndisc;
};

struct ih_sink {
	/* Payload values of the event being decoded, by slot.  All zero
	 * between events: sink_event() clears the slots it wrote, which is
	 * cheaper than clearing the whole array per event (a `rep stos` was a
	 * third of sink_event's time). */
	uint64_t v[S_COUNT_];
	bt_self_component *self_comp;
	bt_logging_level log_level;
	const char *name;
	bt_message_iterator *iter;
	struct ih_sink_result *result;

	char *db, *label_param, *trace_param;
	int64_t window_ns;
	bool replace;
	struct ih_store *store;

	struct sink_run **runs;
	size_t nruns;
	const bt_stream *last_stream;	/* cache: stream -> run */
	struct sink_run *last_run;

	struct sink_evc *evc;		/* open addressing, keyed by pointer */
	size_t evc_cap, evc_n;

	uint64_t events;		/* all runs */
	double t_start;			/* first message (monotonic s) */
	bool warned_vtid;
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

/* ---- lifecycle ----------------------------------------------------------- */

static void run_free(struct sink_run *run)
{
	if (!run)
		return;
	ih_rec_destroy(run->rec);
	ih_steal_destroy(run->steal);
	free(run->host);
	free(run->uuid);
	free(run->trace_name);
	free(run->run_label);
	free(run->tasklet_mode);
	free(run->notifier_mode);
	free(run->scenario);
	free(run->disc);
	free(run);
}

static void sink_free(struct ih_sink *sink)
{
	if (!sink)
		return;
	/* Destroying an uncommitted store rolls every run back. */
	ih_store_destroy(sink->store);
	for (size_t i = 0; i < sink->nruns; i++)
		run_free(sink->runs[i]);
	free(sink->runs);
	bt_message_iterator_put_ref(sink->iter);
	free(sink->evc);
	free(sink->db);
	free(sink->label_param);
	free(sink->trace_param);
	free(sink);
}

static int sink_emit(void *ctx, const struct ih_rec_row *row)
{
	struct sink_run *run = ctx;

	return ih_store_add_irq(run->srun, row, run->sink->err, sizeof(run->sink->err));
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
	sink->window_ns = IH_STEAL_DEFAULT_WINDOW_NS;
	{
		const bt_value *w = bt_value_map_borrow_entry_value_const(params, "window");
		const bt_value *r = bt_value_map_borrow_entry_value_const(params, "replace");

		if (w && bt_value_is_string(w))
			sink->window_ns = ih_sink_parse_window(bt_value_string_get(w));
		else if (w && bt_value_is_signed_integer(w))
			sink->window_ns = bt_value_integer_signed_get(w);
		else if (w)
			sink->window_ns = (int64_t)bt_value_integer_unsigned_get(w);
		sink->replace = r && bt_value_bool_get(r);
	}

	/* Open the database now: a bad path fails before any decoding. */
	sink->store = ih_store_open(sink->db, sink->err, sizeof(sink->err));
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

#define SLOT_BIT(s) (UINT64_C(1) << (s))

/* The payload members an event kind needs: the others are never read, so
 * decoding an event costs only what its use needs. */
static uint64_t kind_slots(int kind, int acct)
{
	switch (acct) {
	case A_RUNSTATE:
		return SLOT_BIT(S_VCPU) | SLOT_BIT(S_GUEST) | SLOT_BIT(S_PCPU) | SLOT_BIT(S_OLD) | SLOT_BIT(S_NEW);
	case A_ACCOUNT:
		return SLOT_BIT(S_VCPU) | SLOT_BIT(S_IRQ_NS) | SLOT_BIT(S_SOFTIRQ_NS) | SLOT_BIT(S_TASKLET_NS) |
		       SLOT_BIT(S_LOCK_SPIN_NS);
	case A_LOCK_STAT:
		return SLOT_BIT(S_LOCK) | SLOT_BIT(S_PCPU) | SLOT_BIT(S_ACQ) | SLOT_BIT(S_CONTENDED) |
		       SLOT_BIT(S_WAIT_NS) | SLOT_BIT(S_HOLD_NS);
	case A_SCHEDSTAT:
		return SLOT_BIT(S_PCPU) | SLOT_BIT(S_RUN_NS) | SLOT_BIT(S_RUN_DELAY_NS);
	default:
		break;
	}
	switch (kind) {
	case IH_EV_RUN_END:
		return SLOT_BIT(S_RAISED) | SLOT_BIT(S_ACKED) | SLOT_BIT(S_HOST_STEAL) | SLOT_BIT(S_HOST_TOTAL);
	case IH_EV_IRQ_RAISE:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_SOURCE) | SLOT_BIT(S_VECTOR) | SLOT_BIT(S_TARGET_PCPU);
	case IH_EV_IRQ_ENTRY:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_PCPU);
	case IH_EV_TIMER_FIRE:
	case IH_EV_VCPU_ACK:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_VCPU) | SLOT_BIT(S_PCPU);
	case IH_EV_TASKLET_SCHEDULE:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_LOCK_WAIT);
	case IH_EV_TASKLET_ENTRY:
		return SLOT_BIT(S_PCPU) | SLOT_BIT(S_LOCK_WAIT);
	case IH_EV_EVENTFD_SIGNAL:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_EFD) | SLOT_BIT(S_MODE);
	case IH_EV_NOTIFIER_ENTRY:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_MODE);
	case IH_EV_WORK_QUEUE:
	case IH_EV_WORK_ENTRY:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_WORKER);
	case IH_EV_INJECT:
		return SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_VCPU) | SLOT_BIT(S_VECTOR) | SLOT_BIT(S_VM_LOCK_WAIT);
	default:
		return 0;	/* tasklet_exit, *_exit, softirq_*, vcpu_kick, run_begin */
	}
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
	if (e->kind == IH_EV_OTHER) {
		if (strcmp(name, IH_CAT_PROVIDER_PREFIX "vcpu_runstate") == 0)
			e->acct = A_RUNSTATE;
		else if (strcmp(name, IH_CAT_PROVIDER_PREFIX "vcpu_account") == 0)
			e->acct = A_ACCOUNT;
		else if (strcmp(name, IH_CAT_PROVIDER_PREFIX "lock_stat") == 0)
			e->acct = A_LOCK_STAT;
		else if (strcmp(name, IH_CAT_PROVIDER_PREFIX "pcpu_schedstat") == 0)
			e->acct = A_SCHEDSTAT;
	}
	e->has_clock = bt_stream_class_borrow_default_clock_class_const(sc) != NULL;
	e->vtid_idx = -1;
	e->needs_vtid = e->kind == IH_EV_TASKLET_ENTRY || e->kind == IH_EV_TASKLET_EXIT || e->kind == IH_EV_INJECT;
	e->feeds_rec = e->kind == IH_EV_TASKLET_EXIT || kind_slots(e->kind, A_NONE) & SLOT_BIT(S_IRQ_ID) ||
		       e->kind == IH_EV_TASKLET_ENTRY;
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
			if (!(kind_slots(e->kind, e->acct) & SLOT_BIT(e->slot[i])))
				e->slot[i] = S_NONE;
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

/* Formats a trace UUID; NULL when out of memory. */
static char *uuid_text(bt_uuid uuid)
{
	char *s = malloc(37);

	if (s)
		snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
			 uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
	return s;
}

/* Returns the run of TRACE, or NULL (no error) when there is none yet. */
static struct sink_run *run_of_trace(struct ih_sink *sink, const bt_trace *trace)
{
	for (size_t i = 0; i < sink->nruns; i++)
		if (sink->runs[i]->trace == trace)
			return sink->runs[i];
	return NULL;
}

/* The trace's name as given to run.trace (see sink_run_info). */
static const char *run_trace_text(const struct ih_sink *sink, const struct sink_run *run)
{
	if (sink->trace_param && sink->nruns == 1)
		return sink->trace_param;
	if (run->trace_name)
		return run->trace_name;
	return sink->trace_param ? sink->trace_param : "";
}

/* Starts the run of the trace a stream belongs to (on the trace's first
 * stream, before any of its events): host, UUID, name, and the run row, which
 * refuses a UUID already analyzed (unless replace).  Returns 0, or -1 after
 * appending an error cause. */
static int sink_stream_beginning(struct ih_sink *sink, const bt_message *msg)
{
	const bt_stream *stream = bt_message_stream_beginning_borrow_stream_const(msg);
	const bt_trace *trace = bt_stream_borrow_trace_const(stream);
	struct sink_run *run, **runs;
	const bt_value *host;
	bt_uuid uuid;
	int ret = -1;

	if (run_of_trace(sink, trace)) {
		ret = 0;
		goto end;
	}
	run = calloc(1, sizeof(*run));
	runs = realloc(sink->runs, (sink->nruns + 1) * sizeof(*runs));
	if (!run || !runs) {
		free(run);
		if (runs)
			sink->runs = runs;
		goto oom;
	}
	sink->runs = runs;
	sink->runs[sink->nruns++] = run;
	run->trace = trace;
	run->sink = sink;
	if (!(run->rec = ih_rec_create(sink_emit, run)))
		goto oom;
	host = bt_trace_borrow_environment_entry_value_by_name_const(trace, "hostname");
	if (host && bt_value_is_string(host) && !(run->host = strdup(bt_value_string_get(host))))
		goto oom;
	if (bt_trace_get_name(trace) && !(run->trace_name = strdup(bt_trace_get_name(trace))))
		goto oom;
	uuid = bt_trace_get_uuid(trace);
	if (uuid && !(run->uuid = uuid_text(uuid)))
		goto oom;
	run->srun = ih_store_run_begin(sink->store, run_trace_text(sink, run), run->uuid, sink->replace,
				       sink->err, sizeof(sink->err));
	if (!run->srun) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		goto end;
	}
	ret = 0;
	goto end;
oom:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
end:
	return ret;
}

/* The run an event's stream belongs to (cached per stream).  NULL when the
 * trace's stream beginning was never seen (cannot happen with a conforming
 * upstream; the caller reports it). */
static struct sink_run *sink_run_of(struct ih_sink *sink, const bt_event *event)
{
	const bt_stream *stream = bt_event_borrow_stream_const(event);

	if (stream != sink->last_stream) {
		sink->last_run = run_of_trace(sink, bt_stream_borrow_trace_const(stream));
		sink->last_stream = stream;
	}
	return sink->last_run;
}

/* Feeds an accounting event to the run's steal accounting.  Returns 0, or -1
 * after appending an error cause. */
static int sink_acct(struct ih_sink *sink, struct sink_run *run, int acct, int64_t ts, const uint64_t *v)
{
	int r = 0;

	if (!run->steal && !(run->steal = ih_steal_create(run->start_ns, sink->window_ns)))
		goto oom;
	switch (acct) {
	case A_RUNSTATE:
		r = ih_steal_runstate(run->steal, ts, (uint32_t)v[S_VCPU], (uint32_t)v[S_GUEST],
				      (uint32_t)v[S_PCPU], (unsigned)v[S_OLD], (unsigned)v[S_NEW]);
		break;
	case A_ACCOUNT: {
		uint64_t cum[IH_HV_COUNT_] = { v[S_IRQ_NS], v[S_SOFTIRQ_NS], v[S_TASKLET_NS], v[S_LOCK_SPIN_NS] };

		r = ih_steal_account(run->steal, ts, (uint32_t)v[S_VCPU], cum);
		break;
	}
	case A_LOCK_STAT:
		r = ih_steal_lock_sample(run->steal, (uint32_t)v[S_LOCK], (uint32_t)v[S_PCPU], v[S_ACQ],
					 v[S_CONTENDED], v[S_WAIT_NS], v[S_HOLD_NS]);
		break;
	case A_SCHEDSTAT:
		r = ih_steal_schedstat(run->steal, ts, (uint32_t)v[S_PCPU], v[S_RUN_NS], v[S_RUN_DELAY_NS]);
		break;
	default:
		break;
	}
	if (!r)
		return 0;
oom:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
	return -1;
}

static int sink_event_fields(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
			     const bt_event *event, int64_t ts);

/* Decodes one event message and feeds it to its run's reconstruction or
 * steal accounting.  Returns 0, or -1 after appending an error cause. */
static int sink_event(struct ih_sink *sink, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_event_class *ec = bt_event_borrow_class_const(event);
	struct sink_evc *e = evc_slot(sink, ec);
	struct sink_run *run = sink_run_of(sink, event);
	const bt_field *payload;
	int64_t ts = 0;
	int ret;

	if (!run) {
		SINK_ERROR_CAUSE(sink, "Event of a stream that never began: event=%s", bt_event_class_get_name(ec));
		return -1;
	}
	if (!e->ec && !(e = evc_resolve(sink, ec))) {
		SINK_ERROR_CAUSE(sink, "Out of memory.");
		return -1;
	}
	run->events++;
	if (++sink->events == 10000)
		ih_test_point("decoding");
	if (e->has_clock) {
		const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(msg);

		if (bt_clock_snapshot_get_ns_from_origin(cs, &ts) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
			SINK_ERROR_CAUSE(sink, "Event time overflows ns from origin: event=%s",
					 bt_event_class_get_name(ec));
			return -1;
		}
		if (!run->has_times) {
			run->has_times = true;
			run->start_ns = ts;
		}
		run->end_ns = ts;
	}
	if (!(sink->events & 0x3fff) && sink->result && sink->result->progress)
		sink->result->progress(sink->result->progress_ctx, sink->events, ts);
	if (e->kind < 0)
		return 0;
	run->ih_events++;
	if (!e->has_clock) {
		SINK_ERROR_CAUSE(sink, "irqhop event without a clock: event=%s", bt_event_class_get_name(ec));
		return -1;
	}

	payload = bt_event_borrow_payload_field_const(event);
	for (int i = 0; i < e->nmembers; i++) {
		if (!e->slot[i])
			continue;
		sink->v[e->slot[i]] = field_uint(bt_field_structure_borrow_member_field_by_index_const(payload,
											(uint64_t)i),
						 e->is_signed[i]);
	}
	ret = e->acct ? sink_acct(sink, run, e->acct, ts, sink->v) : sink_event_fields(sink, run, e, event, ts);
	for (int i = 0; i < e->nmembers; i++)
		sink->v[e->slot[i]] = 0;
	return ret;
}

/* The rest of sink_event() for an event of the hops or run_begin/run_end,
 * whose payload values are in sink->v.  Returns 0, or -1 after appending an
 * error cause. */
static int sink_event_fields(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
			     const bt_event *event, int64_t ts)
{
	const uint64_t *v = sink->v;
	const bt_field *payload = bt_event_borrow_payload_field_const(event);
	struct ih_rec_event ev;

	ev.kind = (enum ih_ev)e->kind;
	ev.ts = ts;
	ev.vtid = 0;
	ev.has_vtid = false;
	ev.irq_id = v[S_IRQ_ID];
	ev.pcpu = (uint32_t)v[S_PCPU];
	ev.vcpu = (uint32_t)v[S_VCPU];
	ev.source = (uint32_t)v[S_SOURCE];
	ev.vector = (uint32_t)v[S_VECTOR];
	ev.target_pcpu = (uint32_t)v[S_TARGET_PCPU];
	ev.efd = (uint32_t)v[S_EFD];
	ev.worker = (uint32_t)v[S_WORKER];
	ev.tasklet = v[S_TASKLET];
	ev.work = v[S_WORK];
	ev.lock_wait_ns = v[S_LOCK_WAIT];
	ev.vm_lock_wait_ns = v[S_VM_LOCK_WAIT];
	ev.mode = (uint8_t)v[S_MODE];
	ev.queued = (uint8_t)v[S_QUEUED];
	if (!e->feeds_rec && ev.kind != IH_EV_RUN_BEGIN && ev.kind != IH_EV_RUN_END)
		return 0;	/* nothing for the hops (irq_exit, vcpu_kick, ...) */
	if (e->needs_vtid && e->vtid_idx >= 0) {
		const bt_field *ctx = bt_event_borrow_common_context_field_const(event);
		const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(ctx, (uint64_t)e->vtid_idx);

		ev.vtid = e->vtid_signed ? bt_field_integer_signed_get_value(f)
					 : (int64_t)bt_field_integer_unsigned_get_value(f);
		ev.has_vtid = true;
	}
	switch (ev.kind) {
	case IH_EV_RUN_BEGIN:
		if (run->has_run_begin)
			SINK_WARN(sink, "Second run_begin event; keeping the last one's configuration: ts=%" PRId64, ts);
		run->has_run_begin = true;
		if (dup_string_member(payload, "label", &run->run_label) ||
		    dup_string_member(payload, "scenario", &run->scenario) ||
		    dup_string_member(payload, "tasklet_mode", &run->tasklet_mode) ||
		    dup_string_member(payload, "notifier_mode", &run->notifier_mode)) {
			SINK_ERROR_CAUSE(sink, "Out of memory.");
			return -1;
		}
		return 0;
	case IH_EV_RUN_END:
		run->has_run_end = true;
		run->raised = v[S_RAISED];
		run->acked = v[S_ACKED];
		run->host_steal = v[S_HOST_STEAL];
		run->host_total = v[S_HOST_TOTAL];
		return 0;
	default:
		break;
	}
	if (ih_rec_feed(run->rec, &ev)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		return -1;
	}
	return 0;
}

/* Counts a discarded-events message against its stream's run.  Lost
 * tasklet_exit events would leave a bracket open and attach later injects to
 * the wrong run, so the trace's open brackets are closed: interrupts served
 * across the gap are then stored incomplete, never wrong.  Returns 0, or -1
 * after appending an error cause. */
static int sink_discarded(struct ih_sink *sink, const bt_message *msg)
{
	const bt_stream *stream = bt_message_discarded_events_borrow_stream_const(msg);
	struct sink_run *run = run_of_trace(sink, bt_stream_borrow_trace_const(stream));
	uint64_t n = 0;

	if (!run) {
		SINK_ERROR_CAUSE(sink, "Discarded events in a stream that never began.");
		return -1;
	}
	if (bt_message_discarded_events_get_count(msg, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE) {
		uint64_t id = bt_stream_get_id(stream);
		size_t i;

		/* LTTng 2.13's per-packet counters can go backwards under heavy
		 * loss (docs/record.md): babeltrace2 then reports a wrapped,
		 * huge count.  Adding modulo 2^64 gives each stream's net
		 * count, which is the tracer's own total. */
		run->discarded += n;
		for (i = 0; i < run->ndisc && run->disc[i].id != id; i++)
			;
		if (i == run->ndisc) {
			void *p = realloc(run->disc, (run->ndisc + 1) * sizeof(*run->disc));

			if (!p) {
				SINK_ERROR_CAUSE(sink, "Out of memory.");
				return -1;
			}
			run->disc = p;
			run->disc[run->ndisc].id = id;
			run->disc[run->ndisc].count = 0;
			run->ndisc++;
		}
		run->disc[i].count += n;
	}
	ih_rec_discontinuity(run->rec);
	return 0;
}

/* Builds the vcpu list of RUN from its scenario's guests (vCPU ids in guest
 * order).  Returns 0, or -1 when out of memory (a scenario that does not
 * parse gives no list and a warning). */
static int run_vcpus(struct ih_sink *sink, struct sink_run *run, struct ih_json_guest **guests,
		     size_t *nguests, struct ih_store_vcpu **vcpus, size_t *nvcpus, const char ***names)
{
	size_t n = 0, k = 0;

	*vcpus = NULL;
	*nvcpus = 0;
	*names = NULL;
	if (!run->scenario)
		return 0;
	if (ih_json_scenario_guests(run->scenario, guests, nguests)) {
		SINK_WARN(sink, "Cannot read the guests of run_begin's scenario (not JSON?): vcpu table left "
			  "to the runstate events: trace=%s", run->trace_name ? run->trace_name : "?");
		return 0;
	}
	for (size_t g = 0; g < *nguests; g++)
		n += (*guests)[g].nvcpus;
	if (*nguests && !(*names = calloc(*nguests, sizeof(**names))))
		return -1;
	if (n && !(*vcpus = calloc(n, sizeof(**vcpus))))
		return -1;
	for (size_t g = 0; g < *nguests; g++) {
		(*names)[g] = (*guests)[g].name;
		for (size_t i = 0; i < (*guests)[g].nvcpus; i++, k++) {
			(*vcpus)[k].guest = (*guests)[g].name;
			(*vcpus)[k].kind = (*guests)[g].kind;
			(*vcpus)[k].pcpu = (*guests)[g].vcpu_pcpus[i];
		}
	}
	*nvcpus = n;
	return 0;
}

/* Flushes RUN's interrupts and writes its tables.  Returns 0, or -1 after
 * appending an error cause. */
static int sink_finish_run(struct ih_sink *sink, struct sink_run *run, struct ih_store_result *res)
{
	const struct ih_rec_stats *rs = ih_rec_stats(run->rec);
	struct ih_store_run_info info;
	struct ih_json_guest *guests = NULL;
	struct ih_store_vcpu *vcpus = NULL;
	const char **names = NULL;
	size_t nguests = 0, nvcpus = 0;
	int ret = -1;

	if (!run->ih_events) {
		SINK_ERROR_CAUSE(sink, "trace %s has no irqhop events (no run_begin and no irqhop:* event; "
				 "was the channel enabled with 'irqhop:*'?)", run_trace_text(sink, run));
		goto end;
	}
	if (!run->has_run_begin)
		SINK_WARN(sink, "Trace has no run_begin event: run configuration unknown: trace=%s, events=%" PRIu64,
			  run_trace_text(sink, run), run->events);
	if (ih_rec_flush(run->rec)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		goto end;
	}
	if (run->ndisc) {
		char list[512];
		size_t len = 0;

		list[0] = '\0';
		for (size_t i = 0; i < run->ndisc && len < sizeof(list) - 64; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PRIu64 ":%" PRIu64,
						i ? "," : "", run->disc[i].id, run->disc[i].count);
		SINK_WARN(sink, "Tracer discarded events: interrupts whose events were lost are stored "
			  "incomplete; use larger sub-buffers: trace=%s, discarded=%" PRIu64
			  ", per-stream=%s (stream-id:count)", run_trace_text(sink, run), run->discarded, list);
	}
	if (run->steal && ih_steal_finish(run->steal, run->end_ns))
		goto oom;
	if (run_vcpus(sink, run, &guests, &nguests, &vcpus, &nvcpus, &names))
		goto oom;
	memset(&info, 0, sizeof(info));
	info.label = sink->label_param ? sink->label_param : run->run_label;
	info.host = run->host;
	info.trace = run_trace_text(sink, run);
	info.tasklet_mode = run->tasklet_mode;
	info.notifier_mode = run->notifier_mode;
	info.scenario = run->scenario;
	info.has_times = run->has_times;
	info.start_ns = run->start_ns;
	info.end_ns = run->end_ns;
	info.events = run->events;
	info.discarded = run->discarded;
	info.has_run_end = run->has_run_end;
	info.irqs_raised = run->raised;
	info.irqs_acked = run->acked;
	info.host_steal_ns = run->host_steal;
	info.host_total_ns = run->host_total;
	info.vcpus = vcpus;
	info.nvcpus = nvcpus;
	info.guests = names;
	info.nguests = nguests;
	if (ih_store_run_finish(run->srun, &info, run->steal, res, sink->err, sizeof(sink->err))) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		goto end;
	}
	SINK_INFO(sink, "Run written: db=%s, run-id=%" PRId64 ", host=%s, irqs=%" PRIu64 ", incomplete=%" PRIu64
		  ", orphans=%" PRIu64 ", clamped=%" PRIu64 ", inflight-max=%" PRIu64 ", events=%" PRIu64
		  ", discarded=%" PRIu64, sink->db, res->run_id, run->host ? run->host : "", res->irqs,
		  res->incomplete, rs->orphans, rs->clamped, rs->inflight_max, run->events, run->discarded);
	ret = 0;
	goto end;
oom:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
end:
	ih_json_guests_free(guests, nguests);
	free(vcpus);
	free(names);
	return ret;
}

/* End of the input: every run's tables, then the commit.  Returns 0, or -1
 * after appending an error cause (every run is then rolled back). */
static double sink_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sink_finish(struct ih_sink *sink)
{
	struct ih_store_result first;
	double t_decoded = sink_now(), t_written;
	const struct ih_store_times *tm;

	sink->finished = true;
	ih_test_point("finishing");
	memset(&first, 0, sizeof(first));
	if (!sink->nruns) {
		SINK_ERROR_CAUSE(sink, "trace %s has no irqhop events (no stream at all)",
				 sink->trace_param ? sink->trace_param : "(input)");
		return -1;
	}
	for (size_t i = 0; i < sink->nruns; i++) {
		struct ih_store_result res;

		memset(&res, 0, sizeof(res));
		if (sink_finish_run(sink, sink->runs[i], &res))
			return -1;
		if (i == 0)
			first = res;
	}
	t_written = sink_now();
	if (ih_store_commit(sink->store, sink->err, sizeof(sink->err))) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		return -1;
	}
	tm = ih_store_times(sink->store);
	SINK_INFO(sink, "Committed: db=%s, runs=%zu, events=%" PRIu64 ", decode-s=%.3f, tables-s=%.3f, "
		  "drain-s=%.3f, index-s=%.3f, commit-s=%.3f", sink->db, sink->nruns, sink->events,
		  t_decoded - sink->t_start, t_written - t_decoded, tm->drain_s, tm->index_s, tm->commit_s);
	if (sink->result) {
		struct sink_run *run = sink->runs[0];

		sink->result->committed = true;
		sink->result->nruns = sink->nruns;
		sink->result->run_id = first.run_id;
		sink->result->replaced = first.replaced;
		sink->result->irqs = first.irqs;
		sink->result->incomplete = first.incomplete;
		sink->result->events = run->events;
		sink->result->discarded = run->discarded;
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
	if (!sink->t_start)
		sink->t_start = sink_now();
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
