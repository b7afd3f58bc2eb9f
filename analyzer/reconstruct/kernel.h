/*
 * analyzer/reconstruct/kernel.h - the kernel reconstruction model: interrupt paths of a
 * real KVM host, rebuilt from LTTng kernel events (kvm, sched, workqueue probes) and,
 * when the trace has them, irqhop's own irq_raise / vcpu_ack UST events at the ends.
 *
 * Paths (docs/kvm-model.md gives the rules in full):
 *   kvm-msi     irq_raise -> kvm_msi_set_irq (inline, on the signalling thread)
 *               -> sched_waking of the vCPU thread -> sched_switch into it -> vcpu_ack
 *   kvm-ioapic  irq_raise -> workqueue_queue_work (signalling thread)
 *               -> workqueue_execute_start (kworker) -> kvm_set_irq (kworker)
 *               -> sched_waking -> sched_switch -> vcpu_ack
 * Hops: signal (raise -> request), worker (queue -> execute_start), inject
 * (execute_start -> kvm_set_irq), wake (injection -> waking), run (waking, or the
 * injection when the vCPU was runnable, -> switch in), guest (-> vcpu_ack; without
 * irqhop events: -> the vCPU's next EOI write or userspace exit), total.
 *
 * Events are matched by thread (tid context), work pointer, vector and order, never by
 * time proximity.  Every interrupt whose match is ambiguous or broken is emitted
 * incomplete and counted in ih_kern_stats, by cause.
 *
 * The model runs in one of two modes, fixed by the trace: with irqhop's UST events
 * (the first irqhop event switches it on) only interrupts started by an irq_raise are
 * rows and injections of other sources are counted as foreign; without them (a host
 * traced with --attach) every injection is an interrupt, numbered from 1.
 *
 * Rows go through the same callback and struct as analyzer/reconstruct/rec.h.  Memory:
 * in-flight interrupts, one context per injecting thread, one entry per queued work.
 * Not thread-safe.
 */
#ifndef IH_KERNEL_H
#define IH_KERNEL_H
#include <stdbool.h>
#include <stdint.h>
#include "analyzer/reconstruct/rec.h"

struct ih_kthreads;

/* Events the kernel model reads. */
enum ih_kev {
	IH_KEV_OTHER = 0,
	IH_KEV_RAISE,		/* irqhop:irq_raise */
	IH_KEV_ACK,		/* irqhop:vcpu_ack */
	IH_KEV_MSI,		/* kvm_msi_set_irq */
	IH_KEV_QUEUE_WORK,	/* workqueue_queue_work */
	IH_KEV_EXEC_START,	/* workqueue_execute_start */
	IH_KEV_EXEC_END,	/* workqueue_execute_end */
	IH_KEV_SET_IRQ,		/* kvm_set_irq */
	IH_KEV_IOAPIC,		/* kvm_ioapic_set_irq */
	IH_KEV_WAKING,		/* sched_waking */
	IH_KEV_SWITCH,		/* sched_switch */
	IH_KEV_MMIO,		/* kvm_mmio */
	IH_KEV_USER_EXIT,	/* kvm_userspace_exit */
	IH_KEV_COUNT_
};

/* Maps an event name to its kind: IH_KEV_OTHER for any other name. */
enum ih_kev ih_kev_from_name(const char *name);

/* True when NAME is one of the kernel events above (a trace holding one is analyzed
 * with this model). */
bool ih_kev_is_kernel(const char *name);

/* One decoded event; only the fields of its kind are meaningful. */
struct ih_kern_event {
	enum ih_kev kind;
	int64_t ts;
	int64_t tid;		/* tid context (UST: vtid) of the emitting thread */
	uint32_t cpu;		/* CPU of the event's stream */
	/* irq_raise / vcpu_ack */
	uint64_t irq_id;
	uint32_t source, vector;
	/* workqueue_* */
	uint64_t work;
	/* kvm_msi_set_irq */
	uint64_t address, data;
	/* kvm_set_irq */
	uint32_t gsi;
	int64_t level;
	/* kvm_ioapic_set_irq */
	uint64_t entry;
	uint32_t pin;
	/* sched_switch */
	int64_t prev_tid, next_tid, prev_state;
	const char *prev_comm, *next_comm;
	/* sched_waking */
	int64_t woken_tid;
	const char *woken_comm;
	uint32_t target_cpu;
	/* kvm_mmio */
	uint32_t mmio_type;
	uint64_t gpa;
};

/* Why interrupts were stored incomplete or not stored (docs/kvm-model.md). */
struct ih_kern_stats {
	uint64_t events, irqs, incomplete;
	uint64_t orphans;	/* vcpu_ack of an irq_id whose irq_raise was never seen */
	uint64_t foreign;	/* injections not started by an irq_raise (irqhop mode) */
	uint64_t coalesced;	/* irq_raise with no request of its own before the next */
	uint64_t no_inject;	/* request matched, but its work ran without injecting */
	uint64_t no_target;	/* vCPU thread could not be found (attach mode) */
	uint64_t ambiguous;	/* vCPU history cannot tell wake/run apart */
	uint64_t mismatch;	/* vector or vCPU thread differs from the raise's */
	uint64_t gap;		/* in flight across discarded events */
	uint64_t inflight_max;
};

struct ih_kern;

/* Creates the model.  KT (required, owned by the caller) is the run's vCPU thread
 * registry, fed by the caller with the same sched events.  NULL when out of memory. */
struct ih_kern *ih_kern_create(ih_rec_emit_fn emit, void *ctx, struct ih_kthreads *kt);
void ih_kern_destroy(struct ih_kern *k);

/* Feeds one event (timestamp order).  The caller feeds sched_waking / sched_switch to
 * the registry first (ih_kthreads_*), then here.  Returns 0, or -1 when out of memory or
 * when the emit callback failed. */
int ih_kern_feed(struct ih_kern *k, const struct ih_kern_event *ev);

/* Events may have been lost at TS: every interrupt in flight will be stored incomplete,
 * every open match (pending raise, injection window, running work) is closed. */
void ih_kern_discontinuity(struct ih_kern *k, int64_t ts);

/* Emits every interrupt still in flight as incomplete, in irq_id order.  Returns 0, or
 * -1 as ih_kern_feed(). */
int ih_kern_flush(struct ih_kern *k);

/* True once an irqhop event was fed (irqhop mode). */
bool ih_kern_irqhop_mode(const struct ih_kern *k);

const struct ih_kern_stats *ih_kern_stats(const struct ih_kern *k);
#endif
