/*
 * analyzer/sqlite/kernel.c - the sink's part of the kernel reconstruction model
 * (analyzer/reconstruct/kernel.h): which traces form a kernel run, decoding the kernel
 * events (and irqhop's irq_raise / vcpu_ack in such a run) into ih_kern_event, the
 * vCPU threads' steal, and the end of a kernel run.
 *
 * A trace whose environment says domain = "kernel" makes its run a kernel run; the UST
 * traces of the same LTTng session (same hostname, trace_name and
 * trace_creation_datetime) join that run, whichever stream begins first.
 */
#include "config.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/reconstruct/kernel.h"
#include "analyzer/steal/kthreads.h"
#include "analyzer/steal/steal.h"
#include "analyzer/store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kfield_names[SINK_KF_COUNT_] = {
	[SINK_KF_WORK] = "work", [SINK_KF_ADDRESS] = "address", [SINK_KF_DATA] = "data",
	[SINK_KF_GSI] = "gsi", [SINK_KF_LEVEL] = "level", [SINK_KF_E] = "e", [SINK_KF_PIN] = "pin",
	[SINK_KF_PREV_TID] = "prev_tid", [SINK_KF_NEXT_TID] = "next_tid", [SINK_KF_PREV_STATE] = "prev_state",
	[SINK_KF_PREV_COMM] = "prev_comm", [SINK_KF_NEXT_COMM] = "next_comm", [SINK_KF_TID] = "tid",
	[SINK_KF_COMM] = "comm", [SINK_KF_TARGET_CPU] = "target_cpu", [SINK_KF_TYPE] = "type",
	[SINK_KF_GPA] = "gpa", [SINK_KF_IRQ_ID] = "irq_id", [SINK_KF_SOURCE] = "source",
	[SINK_KF_VECTOR] = "vector",
};

char *sink_kernel_session(const struct sink_trace_desc *desc, bool *is_kernel, bool *oom)
{
	const char *domain = desc->domain, *host = desc->hostname;
	const char *name = desc->env_trace_name, *created = desc->created;
	size_t len;
	char *key;

	*oom = false;
	*is_kernel = domain && strcmp(domain, "kernel") == 0;
	if (!domain || !name || !created)
		return NULL;
	len = strlen(host ? host : "") + strlen(name) + strlen(created) + 3;
	if (!(key = malloc(len))) {
		*oom = true;
		return NULL;
	}
	snprintf(key, len, "%s\n%s\n%s", host ? host : "", name, created);
	return key;
}

/* Index of member NAME in structure class FC, -1 if none. */
static int8_t member_idx(const bt_field_class *fc, const char *name)
{
	uint64_t n;

	if (!fc || bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return -1;
	n = bt_field_class_structure_get_member_count(fc);
	for (uint64_t i = 0; i < n && i < 127; i++)
		if (strcmp(bt_field_class_structure_member_get_name(
				   bt_field_class_structure_borrow_member_by_index_const(fc, i)), name) == 0)
			return (int8_t)i;
	return -1;
}

void sink_kernel_resolve(struct sink_evc *e, const bt_event_class *ec)
{
	const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);
	const bt_field_class *pfc = bt_event_class_borrow_payload_field_class_const(ec);
	const bt_field_class *cfc = bt_stream_class_borrow_event_common_context_field_class_const(sc);

	for (int i = 0; i < SINK_KF_COUNT_; i++)
		e->kfield[i] = member_idx(pfc, kfield_names[i]);
	e->ktid_idx = member_idx(cfc, "tid");
	if (e->ktid_idx < 0)
		e->ktid_idx = member_idx(cfc, "vtid");
	e->kcpu_idx = member_idx(bt_stream_class_borrow_packet_context_field_class_const(sc), "cpu_id");
}

/* Integer member IDX of structure ST (0 when absent or not an integer). */
static int64_t int_at(const bt_field *st, int idx)
{
	const bt_field *f;
	bt_field_class_type t;

	if (idx < 0 || !st)
		return 0;
	f = bt_field_structure_borrow_member_field_by_index_const(st, (uint64_t)idx);
	t = bt_field_get_class_type(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		return bt_field_integer_signed_get_value(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
		return (int64_t)bt_field_integer_unsigned_get_value(f);
	return 0;
}

/* String member IDX of ST (ctf_array_text decodes as a string), NULL if none. */
static const char *str_at(const bt_field *st, int idx)
{
	const bt_field *f;

	if (idx < 0 || !st)
		return NULL;
	f = bt_field_structure_borrow_member_field_by_index_const(st, (uint64_t)idx);
	return bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_STRING ? bt_field_string_get_value(f) : NULL;
}

void sink_kernel_decode(const struct sink_evc *e, const bt_event *event, struct sink_ev *ev)
{
	const bt_field *p = bt_event_borrow_payload_field_const(event);
	const bt_packet *pkt = bt_event_borrow_packet_const(event);

	ev->ktid = int_at(bt_event_borrow_common_context_field_const(event), e->ktid_idx);
	ev->kcpu = pkt && e->kcpu_idx >= 0 ? (uint32_t)int_at(bt_packet_borrow_context_field_const(pkt), e->kcpu_idx)
					   : 0;
	for (int i = 0; i < SINK_KF_COUNT_; i++) {
		ev->kf[i] = int_at(p, e->kfield[i]);
		ev->kstr[i] = str_at(p, e->kfield[i]);
	}
}

static int kernel_emit(void *ctx, const struct ih_rec_row *row)
{
	struct sink_run *run = ctx;

	return ih_store_add_irq(run->srun, row, run->sink->err, sizeof(run->sink->err));
}

/* Creates RUN's model at its first kernel-model event.  -1 when out of memory. */
static int kernel_start(struct ih_sink *sink, struct sink_run *run)
{
	if (!run->steal && !(run->steal = ih_steal_create(run->start_ns, sink->window_ns)))
		return -1;
	if (!(run->kthreads = ih_kthreads_create(run->steal)))
		return -1;
	if (!(run->kern = ih_kern_create(kernel_emit, run, run->kthreads)))
		return -1;
	return 0;
}

int sink_on_kernel(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
		   const struct sink_ev *d)
{
	const int64_t *f = d->kf;
	struct ih_kern_event ev;
	int64_t ts = d->ts;
	int r = 0;

	if (!run->kern && kernel_start(sink, run))
		goto oom;
	memset(&ev, 0, sizeof(ev));
	ev.kind = (enum ih_kev)e->kev;
	ev.ts = ts;
	ev.tid = d->ktid;
	ev.cpu = d->kcpu;
	ev.irq_id = (uint64_t)f[SINK_KF_IRQ_ID];
	ev.source = (uint32_t)f[SINK_KF_SOURCE];
	ev.vector = (uint32_t)f[SINK_KF_VECTOR];
	ev.work = (uint64_t)f[SINK_KF_WORK];
	ev.address = (uint64_t)f[SINK_KF_ADDRESS];
	ev.data = (uint64_t)f[SINK_KF_DATA];
	ev.gsi = (uint32_t)f[SINK_KF_GSI];
	ev.level = f[SINK_KF_LEVEL];
	ev.entry = (uint64_t)f[SINK_KF_E];
	ev.pin = (uint32_t)f[SINK_KF_PIN];
	ev.mmio_type = (uint32_t)f[SINK_KF_TYPE];
	ev.gpa = (uint64_t)f[SINK_KF_GPA];
	switch (ev.kind) {
	case IH_KEV_SWITCH:
		ev.prev_tid = f[SINK_KF_PREV_TID];
		ev.next_tid = f[SINK_KF_NEXT_TID];
		ev.prev_state = f[SINK_KF_PREV_STATE];
		ev.prev_comm = d->kstr[SINK_KF_PREV_COMM];
		ev.next_comm = d->kstr[SINK_KF_NEXT_COMM];
		r = ih_kthreads_switch(run->kthreads, ts, ev.cpu, ev.prev_tid, ev.prev_comm, ev.prev_state,
				       ev.next_tid, ev.next_comm);
		break;
	case IH_KEV_WAKING:
		ev.woken_tid = f[SINK_KF_TID];
		ev.woken_comm = d->kstr[SINK_KF_COMM];
		ev.target_cpu = (uint32_t)f[SINK_KF_TARGET_CPU];
		r = ih_kthreads_waking(run->kthreads, ts, ev.woken_tid, ev.woken_comm, ev.target_cpu);
		break;
	default:
		break;
	}
	if (r)
		goto oom;
	if (ih_kern_feed(run->kern, &ev)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		return -1;
	}
	return 0;
oom:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
	return -1;
}

void sink_kernel_discontinuity(struct sink_run *run)
{
	if (!run->kern)
		return;
	ih_kern_discontinuity(run->kern, run->end_ns);
	ih_kthreads_discontinuity(run->kthreads, run->end_ns);
}

int sink_kernel_finish(struct ih_sink *sink, struct sink_run *run, struct ih_store_vcpu **vcpus, size_t *nvcpus)
{
	const struct ih_kern_stats *ks;
	size_t n = 0;

	*vcpus = NULL;
	*nvcpus = 0;
	if (!run->kern) {
		SINK_WARN(sink, "Kernel trace with none of the events of the kernel model (sched_switch, "
			  "kvm_msi_set_irq, ...): no interrupts, no steal: trace=%s", sink_run_trace_text(sink, run));
		return 0;
	}
	if (ih_kern_flush(run->kern)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		return -1;
	}
	ks = ih_kern_stats(run->kern);
	if (!ks->irqs)
		SINK_WARN(sink, "Kernel trace without any KVM interrupt injection (no kvm_msi_set_irq / "
			  "kvm_set_irq%s): trace=%s", ih_kern_irqhop_mode(run->kern) ? " matching an irq_raise" : "",
			  sink_run_trace_text(sink, run));
	if (ks->incomplete || ks->foreign)
		SINK_WARN(sink, "Kernel model: interrupts stored incomplete or not stored, by cause: trace=%s, "
			  "irqs=%" PRIu64 ", incomplete=%" PRIu64 ", orphans=%" PRIu64 ", coalesced=%" PRIu64
			  ", no-inject=%" PRIu64 ", no-target=%" PRIu64 ", ambiguous=%" PRIu64 ", mismatch=%" PRIu64
			  ", gap=%" PRIu64 ", early-ack=%" PRIu64 ", foreign=%" PRIu64 " (not stored)",
			  sink_run_trace_text(sink, run), ks->irqs, ks->incomplete, ks->orphans, ks->coalesced,
			  ks->no_inject, ks->no_target, ks->ambiguous, ks->mismatch, ks->gap, ks->early_ack, ks->foreign);
	for (size_t i = 0; i < ih_kthreads_count(run->kthreads); i++) {
		const struct ih_kthread *t = ih_kthreads_at(run->kthreads, i);

		if (t->id + 1 > n)
			n = t->id + 1;
	}
	if (n && !(*vcpus = calloc(n, sizeof(**vcpus)))) {
		SINK_ERROR_CAUSE(sink, "Out of memory.");
		return -1;
	}
	for (size_t i = 0; i < ih_kthreads_count(run->kthreads); i++) {
		const struct ih_kthread *t = ih_kthreads_at(run->kthreads, i);
		struct ih_store_vcpu *v = &(*vcpus)[t->id];

		v->guest = "kvm";
		v->kind = "kvm";
		v->pcpu = t->cpu;
		v->thread = t->name;
		v->tid = t->tid;
	}
	*nvcpus = n;
	return 0;
}

void sink_kernel_free(struct sink_run *run)
{
	ih_kern_destroy(run->kern);
	ih_kthreads_destroy(run->kthreads);
	free(run->session);
}
