/*
 * analyzer/sqlite/evclass.c - event-class resolution: on the first event of
 * each class, which handler gets its events and which payload members are
 * decoded into which slot.  The tables below are the sink's dispatch table:
 * an event family is added by naming its events, slots and handler here.
 */
#include "config.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/reconstruct/catalogue.h"
#include "analyzer/reconstruct/kernel.h"

#include <stdlib.h>
#include <string.h>

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

/* The accounting events (enum ih_ev maps them to IH_EV_OTHER), by name:
 * the steal accounting gets them. */
static const struct {
	const char *name;
	enum sink_acct acct;
	uint64_t slots;
} acct_classes[] = {
	{ IH_CAT_PROVIDER_PREFIX "vcpu_runstate", A_RUNSTATE,
	  SLOT_BIT(S_VCPU) | SLOT_BIT(S_GUEST) | SLOT_BIT(S_PCPU) | SLOT_BIT(S_OLD) | SLOT_BIT(S_NEW) },
	{ IH_CAT_PROVIDER_PREFIX "vcpu_account", A_ACCOUNT,
	  SLOT_BIT(S_VCPU) | SLOT_BIT(S_IRQ_NS) | SLOT_BIT(S_SOFTIRQ_NS) | SLOT_BIT(S_TASKLET_NS) |
	  SLOT_BIT(S_LOCK_SPIN_NS) },
	{ IH_CAT_PROVIDER_PREFIX "lock_stat", A_LOCK_STAT,
	  SLOT_BIT(S_LOCK) | SLOT_BIT(S_PCPU) | SLOT_BIT(S_ACQ) | SLOT_BIT(S_CONTENDED) | SLOT_BIT(S_WAIT_NS) |
	  SLOT_BIT(S_HOLD_NS) },
	{ IH_CAT_PROVIDER_PREFIX "pcpu_schedstat", A_SCHEDSTAT,
	  SLOT_BIT(S_PCPU) | SLOT_BIT(S_RUN_NS) | SLOT_BIT(S_RUN_DELAY_NS) },
};

/* The events of the hops and of the run, by enum ih_ev: their handler, the
 * payload members it needs (the others are never read, so decoding an
 * event costs only what its use needs) and whether it needs the vtid.
 * Kinds absent here (softirq_*, vcpu_kick, ...) are counted only. */
static const struct {
	sink_handler_fn handle;
	uint64_t slots;
	bool needs_vtid;
} kind_classes[IH_EV_COUNT_] = {
	[IH_EV_RUN_BEGIN] = { sink_on_run_begin, 0, false },
	[IH_EV_RUN_END] = { sink_on_run_end,
			    SLOT_BIT(S_RAISED) | SLOT_BIT(S_ACKED) | SLOT_BIT(S_HOST_STEAL) | SLOT_BIT(S_HOST_TOTAL),
			    false },
	[IH_EV_IRQ_RAISE] = { sink_on_rec,
			      SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_SOURCE) | SLOT_BIT(S_VECTOR) | SLOT_BIT(S_TARGET_PCPU),
			      false },
	[IH_EV_IRQ_ENTRY] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_PCPU), false },
	[IH_EV_IRQ_EXIT] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_PCPU), false },
	[IH_EV_TIMER_FIRE] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_VCPU) | SLOT_BIT(S_PCPU), false },
	[IH_EV_VCPU_ACK] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_VCPU) | SLOT_BIT(S_PCPU), false },
	[IH_EV_TASKLET_SCHEDULE] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_LOCK_WAIT), false },
	[IH_EV_TASKLET_ENTRY] = { sink_on_rec, SLOT_BIT(S_PCPU) | SLOT_BIT(S_LOCK_WAIT), true },
	[IH_EV_TASKLET_EXIT] = { sink_on_rec, 0, true },
	[IH_EV_EVENTFD_SIGNAL] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_EFD) | SLOT_BIT(S_MODE), false },
	[IH_EV_NOTIFIER_ENTRY] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_MODE), false },
	[IH_EV_WORK_QUEUE] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_WORKER), false },
	[IH_EV_WORK_ENTRY] = { sink_on_rec, SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_WORKER), false },
	[IH_EV_INJECT] = { sink_on_rec,
			   SLOT_BIT(S_IRQ_ID) | SLOT_BIT(S_VCPU) | SLOT_BIT(S_VECTOR) | SLOT_BIT(S_VM_LOCK_WAIT),
			   true },
};

static size_t evc_home(const struct ih_sink *sink, const bt_event_class *ec)
{
	return (size_t)(((uintptr_t)ec >> 4) * UINT64_C(0x9E3779B97F4A7C15) >> 32) & (sink->evc_cap - 1);
}

struct sink_evc *sink_evc_slot(struct ih_sink *sink, const bt_event_class *ec)
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
			*sink_evc_slot(sink, old[i].ec) = old[i];
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

uint64_t sink_evc_dispatch(struct sink_evc *e, const char *name)
{
	e->kind = name ? ih_cat_event_from_name(name) : -1;
	if (e->kind == IH_EV_OTHER) {
		for (size_t i = 0; i < sizeof(acct_classes) / sizeof(acct_classes[0]); i++) {
			if (strcmp(name, acct_classes[i].name) == 0) {
				e->acct = (uint8_t)acct_classes[i].acct;
				e->handle = sink_on_acct;
				return acct_classes[i].slots;
			}
		}
		return 0;
	}
	if (e->kind <= 0 || e->kind >= IH_EV_COUNT_)
		return 0;
	e->handle = kind_classes[e->kind].handle;
	e->needs_vtid = kind_classes[e->kind].needs_vtid;
	return kind_classes[e->kind].slots;
}

struct sink_evc *sink_evc_resolve(struct ih_sink *sink, const bt_event_class *ec)
{
	const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);
	const bt_field_class *pfc = bt_event_class_borrow_payload_field_class_const(ec);
	const bt_field_class *cfc = bt_stream_class_borrow_event_common_context_field_class_const(sc);
	const char *name = bt_event_class_get_name(ec);
	struct sink_evc *e;
	uint64_t slots;

	if ((sink->evc_n + 1) * 2 > sink->evc_cap && evc_grow(sink))
		return NULL;
	e = sink_evc_slot(sink, ec);
	memset(e, 0, sizeof(*e));
	e->ec = ec;
	sink->evc_n++;
	e->name = name ? name : "(unnamed)";
	e->has_clock = bt_stream_class_borrow_default_clock_class_const(sc) != NULL;
	e->vtid_idx = -1;
	slots = sink_evc_dispatch(e, name);
	e->kev = ih_kev_from_name(name);
	if (e->kev)
		sink_kernel_resolve(e, ec);
	/* A decoding child knows whether its run is a kernel one; in-process
	 * the run decides at each event (decode.c). */
	e->kdecode = e->kev && (!sink->ship || e->kind < 0 || sink_ship_kernel(sink));
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
			if (!(slots & SLOT_BIT(e->slot[i])))
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
