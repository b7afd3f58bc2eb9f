/*
 * collector/events/irqhop_tp.h - the irqhop LTTng-UST tracepoint provider: the event catalogue.
 *
 * This header is the contract between the collector (which emits) and the
 * analyzer (which reconstructs).  docs/events.md describes every event; keep
 * the two in step.  Rules:
 *   - every event on an interrupt's path carries irq_id (u64, unique in a run,
 *     never 0); events that are not on one interrupt's path carry irq_id = 0;
 *   - every field is an integer (ns durations, ids, enums) except the run's
 *     configuration strings in run_begin;
 *   - enums are plain integers whose values are fixed below (IH_TP_*).
 *
 * Loglevels: events needed to reconstruct hops are INFO; the per-pass softirq
 * events and the exits of the irqfd path (notifier_exit, work_exit) are DEBUG
 * so a default recording stays at <= 8 events per interrupt on every path
 * (irqhop record --all-events enables them).
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER irqhop

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "collector/events/irqhop_tp.h"

#if !defined(IRQHOP_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define IRQHOP_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

/* Fixed enum values: collector/events/enums.h (shared with the analyzer). */
#include "collector/events/enums.h"

/* ---- run framing ---------------------------------------------------- */

LTTNG_UST_TRACEPOINT_EVENT(irqhop, run_begin,
	LTTNG_UST_TP_ARGS(const char *, label, const char *, scenario_json,
		const char *, tasklet_mode, const char *, notifier_mode,
		uint32_t, pcpus, uint32_t, vcpus, uint32_t, devices,
		uint64_t, seed, uint64_t, duration_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(label, label)
		lttng_ust_field_string(scenario, scenario_json)
		lttng_ust_field_string(tasklet_mode, tasklet_mode)
		lttng_ust_field_string(notifier_mode, notifier_mode)
		lttng_ust_field_integer(uint32_t, pcpus, pcpus)
		lttng_ust_field_integer(uint32_t, vcpus, vcpus)
		lttng_ust_field_integer(uint32_t, devices, devices)
		lttng_ust_field_integer(uint64_t, seed, seed)
		lttng_ust_field_integer(uint64_t, duration_ns, duration_ns)))

LTTNG_UST_TRACEPOINT_EVENT(irqhop, run_end,
	LTTNG_UST_TP_ARGS(uint64_t, raised, uint64_t, acked,
		uint64_t, host_steal_ns, uint64_t, host_total_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, raised, raised)
		lttng_ust_field_integer(uint64_t, acked, acked)
		lttng_ust_field_integer(uint64_t, host_steal_ns, host_steal_ns)
		lttng_ust_field_integer(uint64_t, host_total_ns, host_total_ns)))

/* ---- physical interrupts -------------------------------------------- */

LTTNG_UST_TRACEPOINT_EVENT(irqhop, irq_raise,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, source, uint32_t, vector,
		uint32_t, target_pcpu),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, source, source)
		lttng_ust_field_integer(uint32_t, vector, vector)
		lttng_ust_field_integer(uint32_t, target_pcpu, target_pcpu)))

LTTNG_UST_TRACEPOINT_EVENT_CLASS(irqhop, irq_pcpu_class,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, pcpu),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, irq_pcpu_class, irqhop, irq_entry,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, pcpu))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, irq_pcpu_class, irqhop, irq_exit,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, pcpu))

LTTNG_UST_TRACEPOINT_EVENT(irqhop, timer_fire,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, vcpu, uint32_t, pcpu),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, vcpu, vcpu)
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)))

/* ---- softirq (DEBUG: one per pass, not per interrupt) ----------------- */

LTTNG_UST_TRACEPOINT_EVENT_CLASS(irqhop, softirq_class,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, pcpu, uint32_t, nr),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)
		lttng_ust_field_integer(uint32_t, nr, nr)))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, softirq_class, irqhop, softirq_raise,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, pcpu, uint32_t, nr))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, softirq_class, irqhop, softirq_entry,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, pcpu, uint32_t, nr))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, softirq_class, irqhop, softirq_exit,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, pcpu, uint32_t, nr))
LTTNG_UST_TRACEPOINT_LOGLEVEL(irqhop, softirq_raise, LTTNG_UST_TRACEPOINT_LOGLEVEL_DEBUG)
LTTNG_UST_TRACEPOINT_LOGLEVEL(irqhop, softirq_entry, LTTNG_UST_TRACEPOINT_LOGLEVEL_DEBUG)
LTTNG_UST_TRACEPOINT_LOGLEVEL(irqhop, softirq_exit, LTTNG_UST_TRACEPOINT_LOGLEVEL_DEBUG)

/* ---- tasklets ---------------------------------------------------------- */

/* Emitted when tasklet_schedule() returns: its timestamp ends the
 * "schedule" hop.  queued = 1 when this call put the tasklet on a list,
 * 0 when it was already scheduled (the work is coalesced into that run). */
LTTNG_UST_TRACEPOINT_EVENT(irqhop, tasklet_schedule,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, tasklet, uint8_t, mode,
		uint32_t, from_pcpu, uint32_t, to_pcpu, uint64_t, lock_wait_ns,
		uint8_t, queued),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint64_t, tasklet, tasklet)
		lttng_ust_field_integer(uint8_t, mode, mode)
		lttng_ust_field_integer(uint32_t, from_pcpu, from_pcpu)
		lttng_ust_field_integer(uint32_t, to_pcpu, to_pcpu)
		lttng_ust_field_integer(uint64_t, lock_wait_ns, lock_wait_ns)
		lttng_ust_field_integer(uint8_t, queued, queued)))

/* tasklet_entry: the tasklet function is about to run; lock_wait_ns is the
 * global-lock wait paid to dequeue it (0 in percpu mode).  irq_id is the
 * oldest interrupt this run serves; every inject emitted on the same thread
 * between tasklet_entry and tasklet_exit belongs to this run.
 * tasklet_exit: lock_wait_ns is the wait to re-take the lock after the
 * function (global mode). */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(irqhop, tasklet_run_class,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, tasklet, uint32_t, pcpu,
		uint64_t, lock_wait_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint64_t, tasklet, tasklet)
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)
		lttng_ust_field_integer(uint64_t, lock_wait_ns, lock_wait_ns)))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, tasklet_run_class, irqhop, tasklet_entry,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, tasklet, uint32_t, pcpu,
		uint64_t, lock_wait_ns))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, tasklet_run_class, irqhop, tasklet_exit,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, tasklet, uint32_t, pcpu,
		uint64_t, lock_wait_ns))

/* ---- eventfd / notifier / workqueue (KVM irqfd path) -------------------- */

LTTNG_UST_TRACEPOINT_EVENT_CLASS(irqhop, efd_class,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, efd, uint8_t, mode),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, efd, efd)
		lttng_ust_field_integer(uint8_t, mode, mode)))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, efd_class, irqhop, eventfd_signal,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, efd, uint8_t, mode))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, efd_class, irqhop, notifier_entry,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, efd, uint8_t, mode))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, efd_class, irqhop, notifier_exit,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, efd, uint8_t, mode))
LTTNG_UST_TRACEPOINT_LOGLEVEL(irqhop, notifier_exit, LTTNG_UST_TRACEPOINT_LOGLEVEL_DEBUG)

LTTNG_UST_TRACEPOINT_EVENT_CLASS(irqhop, work_class,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, work, uint32_t, worker),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint64_t, work, work)
		lttng_ust_field_integer(uint32_t, worker, worker)))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, work_class, irqhop, work_queue,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, work, uint32_t, worker))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, work_class, irqhop, work_entry,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, work, uint32_t, worker))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(irqhop, work_class, irqhop, work_exit,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint64_t, work, uint32_t, worker))
LTTNG_UST_TRACEPOINT_LOGLEVEL(irqhop, work_exit, LTTNG_UST_TRACEPOINT_LOGLEVEL_DEBUG)

/* ---- injection into the guest ----------------------------------------- */

LTTNG_UST_TRACEPOINT_EVENT(irqhop, inject,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, vcpu, uint32_t, vector,
		uint64_t, vm_lock_wait_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, vcpu, vcpu)
		lttng_ust_field_integer(uint32_t, vector, vector)
		lttng_ust_field_integer(uint64_t, vm_lock_wait_ns, vm_lock_wait_ns)))

/* Emitted only when a kick does something (kind WAKE or IPI). */
LTTNG_UST_TRACEPOINT_EVENT(irqhop, vcpu_kick,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, vcpu, uint32_t, from_pcpu,
		uint32_t, to_pcpu, uint8_t, kind),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, vcpu, vcpu)
		lttng_ust_field_integer(uint32_t, from_pcpu, from_pcpu)
		lttng_ust_field_integer(uint32_t, to_pcpu, to_pcpu)
		lttng_ust_field_integer(uint8_t, kind, kind)))

/* latency_ns: raise to this ack, measured by the emitter (0: unknown, as
 * in irqhop-kvm, whose raise and ack are in different processes' hands).
 * It is what irqhop record --snapshot-over's trigger filters on
 * (docs/record.md, "Flight recorder"); the analyzer recomputes every hop
 * from the timestamps and does not need it. */
LTTNG_UST_TRACEPOINT_EVENT(irqhop, vcpu_ack,
	LTTNG_UST_TP_ARGS(uint64_t, irq_id, uint32_t, vcpu, uint32_t, pcpu, uint64_t, latency_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, irq_id, irq_id)
		lttng_ust_field_integer(uint32_t, vcpu, vcpu)
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)
		lttng_ust_field_integer(uint64_t, latency_ns, latency_ns)))

/* ---- accounting (no irq_id) ------------------------------------------- */

LTTNG_UST_TRACEPOINT_EVENT(irqhop, vcpu_runstate,
	LTTNG_UST_TP_ARGS(uint32_t, vcpu, uint32_t, guest, uint32_t, pcpu,
		uint8_t, old_state, uint8_t, new_state),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, vcpu, vcpu)
		lttng_ust_field_integer(uint32_t, guest, guest)
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)
		lttng_ust_field_integer(uint8_t, old, old_state)
		lttng_ust_field_integer(uint8_t, new, new_state)))

/* Cumulative hypervisor time charged to a vCPU while it was current, by
 * cause; emitted at each runstate change away from RUNNING and periodically. */
LTTNG_UST_TRACEPOINT_EVENT(irqhop, vcpu_account,
	LTTNG_UST_TP_ARGS(uint32_t, vcpu, uint64_t, irq_ns, uint64_t, softirq_ns,
		uint64_t, tasklet_ns, uint64_t, lock_spin_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, vcpu, vcpu)
		lttng_ust_field_integer(uint64_t, irq_ns, irq_ns)
		lttng_ust_field_integer(uint64_t, softirq_ns, softirq_ns)
		lttng_ust_field_integer(uint64_t, tasklet_ns, tasklet_ns)
		lttng_ust_field_integer(uint64_t, lock_spin_ns, lock_spin_ns)))

/* Cumulative counters of one lock as seen from one pCPU (periodic). */
LTTNG_UST_TRACEPOINT_EVENT(irqhop, lock_stat,
	LTTNG_UST_TP_ARGS(uint32_t, lock, uint32_t, pcpu, uint64_t, acquisitions,
		uint64_t, contended, uint64_t, wait_ns, uint64_t, hold_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, lock, lock)
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)
		lttng_ust_field_integer(uint64_t, acquisitions, acquisitions)
		lttng_ust_field_integer(uint64_t, contended, contended)
		lttng_ust_field_integer(uint64_t, wait_ns, wait_ns)
		lttng_ust_field_integer(uint64_t, hold_ns, hold_ns)))

/* Cumulative run time and run delay (host-level steal) of a pCPU thread,
 * from /proc/thread-self/schedstat (periodic). */
LTTNG_UST_TRACEPOINT_EVENT(irqhop, pcpu_schedstat,
	LTTNG_UST_TP_ARGS(uint32_t, pcpu, uint64_t, run_ns, uint64_t, run_delay_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, pcpu, pcpu)
		lttng_ust_field_integer(uint64_t, run_ns, run_ns)
		lttng_ust_field_integer(uint64_t, run_delay_ns, run_delay_ns)))

#endif /* IRQHOP_TP_H */

#include <lttng/tracepoint-event.h>
