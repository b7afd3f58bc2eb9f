/*
 * collector/events/enums.h - the fixed enum values of the event catalogue.
 *
 * Plain C, no lttng-ust: included by the provider header
 * (collector/events/irqhop_tp.h), which emits them, and by the analyzer
 * (analyzer/reconstruct/catalogue.h, analyzer/steal/steal.h), which reads
 * them, so the two sides cannot drift apart.  docs/events.md documents
 * them.  Values are part of the trace format: never renumber, only add.
 */
#ifndef IH_TP_ENUMS_H
#define IH_TP_ENUMS_H

/* tasklet_schedule.mode, run_begin's tasklet_mode */
enum { IH_TP_TASKLET_GLOBAL = 0, IH_TP_TASKLET_PERCPU = 1 };
/* eventfd_signal.mode, notifier_entry.mode */
enum { IH_TP_NOTIFIER_WAITQUEUE = 0, IH_TP_NOTIFIER_SRCU = 1 };
/* vcpu_runstate.old/new: Xen's runstate numbering */
enum { IH_TP_RS_RUNNING = 0, IH_TP_RS_RUNNABLE = 1, IH_TP_RS_BLOCKED = 2, IH_TP_RS_OFFLINE = 3 };
/* vcpu_kick.kind */
enum { IH_TP_KICK_NONE = 0, IH_TP_KICK_WAKE = 1, IH_TP_KICK_IPI = 2 };
/* irq_raise.source; 3 and 4 are irqhop-kvm's routes (docs/kvm.md) */
enum { IH_TP_SRC_DEVICE = 0, IH_TP_SRC_TIMER = 1, IH_TP_SRC_IOTHREAD = 2,
       IH_TP_SRC_KVM_MSI = 3, IH_TP_SRC_KVM_IOAPIC = 4 };
#endif
