/*
 * analyzer/sqlite/decode.c - one event message: its run, its time, its
 * payload slots (as evclass.c resolved them), then its class's handler:
 * the reconstruction (rec), the steal accounting (acct), or the run's own
 * run_begin / run_end.
 */
#include "config.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/reconstruct/rec.h"
#include "analyzer/steal/steal.h"
#include "analyzer/store/store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static uint64_t field_uint(const bt_field *f, bool is_signed)
{
	return is_signed ? (uint64_t)bt_field_integer_signed_get_value(f)
			 : bt_field_integer_unsigned_get_value(f);
}

/* STRUCT's string member NAME, NULL when absent (or not a string). */
static const char *string_member(const bt_field *st, const char *name)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_name_const(st, name);

	if (!f || bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
		return NULL;
	return bt_field_string_get_value(f);
}

/* Replaces *out with a copy of S; S NULL leaves *out alone.  -1 when out of
 * memory. */
static int dup_string(const char *s, char **out)
{
	char *d;

	if (!s)
		return 0;
	if (!(d = strdup(s)))
		return -1;
	free(*out);
	*out = d;
	return 0;
}

/* The run an event's stream belongs to (cached per stream).  NULL when the
 * trace's stream beginning was never seen (cannot happen with a conforming
 * upstream; the caller reports it). */
static struct sink_run *sink_run_of(struct ih_sink *sink, const bt_event *event)
{
	const bt_stream *stream = bt_event_borrow_stream_const(event);

	if (stream != sink->last_stream) {
		sink->last_run = sink_run_of_trace(sink, bt_stream_borrow_trace_const(stream));
		sink->last_stream = stream;
	}
	return sink->last_run;
}

int sink_on_acct(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e, const struct sink_ev *ev)
{
	const uint64_t *v = sink->v;
	int64_t ts = ev->ts;
	int r = 0;

	if (!run->steal && !(run->steal = ih_steal_create(run->start_ns, sink->window_ns)))
		goto oom;
	switch (e->acct) {
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

int sink_on_run_begin(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
		      const struct sink_ev *ev)
{
	(void)e;
	if (run->has_run_begin)
		SINK_WARN(sink, "Second run_begin event; keeping the last one's configuration: ts=%" PRId64, ev->ts);
	run->has_run_begin = true;
	if (dup_string(ev->str[SINK_STR_LABEL], &run->run_label) ||
	    dup_string(ev->str[SINK_STR_SCENARIO], &run->scenario) ||
	    dup_string(ev->str[SINK_STR_TASKLET_MODE], &run->tasklet_mode) ||
	    dup_string(ev->str[SINK_STR_NOTIFIER_MODE], &run->notifier_mode)) {
		SINK_ERROR_CAUSE(sink, "Out of memory.");
		return -1;
	}
	return 0;
}

int sink_on_run_end(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
		    const struct sink_ev *ev)
{
	(void)e;
	(void)ev;
	run->has_run_end = true;
	run->raised = sink->v[S_RAISED];
	run->acked = sink->v[S_ACKED];
	run->host_steal = sink->v[S_HOST_STEAL];
	run->host_total = sink->v[S_HOST_TOTAL];
	return 0;
}

int sink_on_rec(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e, const struct sink_ev *d)
{
	const uint64_t *v = sink->v;
	struct ih_rec_event ev;

	ev.kind = (enum ih_ev)e->kind;
	ev.ts = d->ts;
	ev.vtid = d->vtid;
	ev.has_vtid = d->has_vtid;
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
	if (ih_rec_feed(run->rec, &ev)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		return -1;
	}
	return 0;
}

int sink_apply(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e, struct sink_ev *ev)
{
	int ret;

	run->events++;
	if (++sink->events == 10000)
		ih_test_point("decoding");
	if (e->has_clock) {
		if (!run->has_times) {
			run->has_times = true;
			run->start_ns = ev->ts;
		}
		run->end_ns = ev->ts;
	}
	if (!(sink->events & 0x3fff) && sink->result && sink->result->progress)
		sink->result->progress(sink->result->progress_ctx, sink->events, ev->ts);
	if (e->kev && run->kernel) {
		/* A kernel run: its kernel events and irqhop's irq_raise /
		 * vcpu_ack go to the kernel model (kernel.c). */
		if (e->kind >= 0)
			run->ih_events++;
		if (!e->has_clock) {
			SINK_ERROR_CAUSE(sink, "Kernel event without a clock: event=%s", e->name);
			ret = -1;
			goto end;
		}
		ret = sink_on_kernel(sink, run, e, ev);
		goto end;
	}
	ret = 0;
	if (e->kind < 0)
		goto end;
	run->ih_events++;
	if (!e->has_clock) {
		SINK_ERROR_CAUSE(sink, "irqhop event without a clock: event=%s", e->name);
		ret = -1;
		goto end;
	}
	if (e->handle)
		ret = e->handle(sink, run, e, ev);
end:
	for (int i = 0; i < e->nmembers; i++)
		sink->v[e->slot[i]] = 0;
	return ret;
}

int sink_event(struct ih_sink *sink, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_event_class *ec = bt_event_borrow_class_const(event);
	struct sink_evc *e = sink_evc_slot(sink, ec);
	struct sink_run *run = NULL;
	const bt_field *payload;
	struct sink_ev ev;

	if (!sink->ship && !(run = sink_run_of(sink, event))) {
		SINK_ERROR_CAUSE(sink, "Event of a stream that never began: event=%s", bt_event_class_get_name(ec));
		return -1;
	}
	if (!e->ec && !(e = sink_evc_resolve(sink, ec))) {
		SINK_ERROR_CAUSE(sink, "Out of memory.");
		return -1;
	}
	ev.ts = 0;
	ev.has_vtid = false;
	ev.vtid = 0;
	if (e->has_clock) {
		const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(msg);

		if (bt_clock_snapshot_get_ns_from_origin(cs, &ev.ts) != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
			SINK_ERROR_CAUSE(sink, "Event time overflows ns from origin: event=%s",
					 bt_event_class_get_name(ec));
			return -1;
		}
	}
	/* The payload: only what some handler may read (E's slots, run_begin's
	 * strings, the vtid, the kernel fields). */
	if (e->handle || e->kdecode) {
		payload = bt_event_borrow_payload_field_const(event);
		for (int i = 0; i < e->nmembers; i++) {
			if (!e->slot[i])
				continue;
			sink->v[e->slot[i]] = field_uint(
				bt_field_structure_borrow_member_field_by_index_const(payload, (uint64_t)i),
				e->is_signed[i]);
		}
		if (e->needs_vtid && e->vtid_idx >= 0) {
			const bt_field *ctx = bt_event_borrow_common_context_field_const(event);
			const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(ctx,
												  (uint64_t)e->vtid_idx);

			ev.vtid = e->vtid_signed ? bt_field_integer_signed_get_value(f)
						 : (int64_t)bt_field_integer_unsigned_get_value(f);
			ev.has_vtid = true;
		}
		if (e->kind == IH_EV_RUN_BEGIN) {
			ev.str[SINK_STR_LABEL] = string_member(payload, "label");
			ev.str[SINK_STR_SCENARIO] = string_member(payload, "scenario");
			ev.str[SINK_STR_TASKLET_MODE] = string_member(payload, "tasklet_mode");
			ev.str[SINK_STR_NOTIFIER_MODE] = string_member(payload, "notifier_mode");
		}
		/* In-process only a kernel run reads them (sink_apply). */
		if (e->kdecode && (sink->ship || run->kernel))
			sink_kernel_decode(e, event, &ev);
	}
	if (sink->ship)
		return sink_ship_event(sink, e, event, &ev);
	return sink_apply(sink, run, e, &ev);
}
