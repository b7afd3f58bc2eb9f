/*
 * analyzer/reconstruct/catalogue.h - the analyzer's view of the event catalogue
 * (collector/events/irqhop_tp.h) and of the hops it reconstructs (docs/design.md §5,
 * schemas/irqhop.sql hop_def).
 *
 * The analyzer does not include collector/events/irqhop_tp.h: that header drags in
 * lttng-ust, and the analyzer reads traces, it does not emit them.  The enum
 * values come from collector/events/enums.h, which the provider includes too.
 */
#ifndef IH_CATALOGUE_H
#define IH_CATALOGUE_H
#include "collector/events/enums.h"

/* Provider prefix of every irqhop event name in an LTTng trace. */
#define IH_CAT_PROVIDER_PREFIX "irqhop:"

/* The catalogue's fixed enum values, as the provider emits them. */
enum { IH_CAT_TASKLET_GLOBAL = IH_TP_TASKLET_GLOBAL, IH_CAT_TASKLET_PERCPU = IH_TP_TASKLET_PERCPU };
enum { IH_CAT_NOTIFIER_WAITQUEUE = IH_TP_NOTIFIER_WAITQUEUE, IH_CAT_NOTIFIER_SRCU = IH_TP_NOTIFIER_SRCU };

/* Events the analyzer distinguishes.  IH_EV_OTHER is every irqhop event that
 * carries nothing for reconstruction (accounting, informational events). */
enum ih_ev {
	IH_EV_OTHER = 0,
	IH_EV_RUN_BEGIN,
	IH_EV_RUN_END,
	IH_EV_IRQ_RAISE,
	IH_EV_IRQ_ENTRY,
	IH_EV_IRQ_EXIT,
	IH_EV_TIMER_FIRE,
	IH_EV_SOFTIRQ_RAISE,
	IH_EV_SOFTIRQ_ENTRY,
	IH_EV_SOFTIRQ_EXIT,
	IH_EV_TASKLET_SCHEDULE,
	IH_EV_TASKLET_ENTRY,
	IH_EV_TASKLET_EXIT,
	IH_EV_EVENTFD_SIGNAL,
	IH_EV_NOTIFIER_ENTRY,
	IH_EV_NOTIFIER_EXIT,
	IH_EV_WORK_QUEUE,
	IH_EV_WORK_ENTRY,
	IH_EV_WORK_EXIT,
	IH_EV_INJECT,
	IH_EV_VCPU_KICK,
	IH_EV_VCPU_ACK,
	IH_EV_COUNT_
};

/* Paths (irq.path). */
enum ih_path {
	IH_PATH_UNKNOWN = 0,	/* start event lost: path not known */
	IH_PATH_PASSTHROUGH,
	IH_PATH_TIMER,
	IH_PATH_IRQFD,
	/* Real KVM hosts, reconstructed from the kernel's own events
	 * (analyzer/reconstruct/kernel.h, docs/kvm-model.md). */
	IH_PATH_KVM_MSI,
	IH_PATH_KVM_IOAPIC,
	IH_PATH_COUNT_
};

/* Hops.  The order is the order of the irq table's hop columns; IH_HOP_TOTAL
 * is the whole path (histogram and summary only). */
enum ih_hop {
	IH_HOP_DELIVERY = 0,
	IH_HOP_SCHEDULE,
	IH_HOP_QUEUE,
	IH_HOP_ASSIST,
	IH_HOP_CALLBACK,
	IH_HOP_DEFER,
	IH_HOP_WORKER,
	IH_HOP_INJECT,
	IH_HOP_GUEST,
	IH_HOP_SIGNAL,		/* kernel model: irq_raise -> injection request */
	IH_HOP_WAKE,		/* kernel model: injection -> sched_waking of the vCPU */
	IH_HOP_RUN,		/* kernel model: sched_waking -> sched_switch into it */
	IH_HOP_TOTAL,
	IH_HOP_COUNT_
};

/* Maps a full trace event name ("irqhop:irq_raise") to its enum.  Returns -1
 * for a name outside the irqhop provider, IH_EV_OTHER for an irqhop event the
 * analyzer does not use (vcpu_runstate, lock_stat...). */
int ih_cat_event_from_name(const char *name);

/* Name of a path as stored in irq.path ("passthrough", ..., "unknown"). */
const char *ih_cat_path_name(enum ih_path path);

/* Name of a hop as stored in hop_hist.hop / irq.broken_hop ("delivery",
 * ..., "total"). */
const char *ih_cat_hop_name(enum ih_hop hop);
#endif
