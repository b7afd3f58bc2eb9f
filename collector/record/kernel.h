/*
 * collector/record/kernel.h - the kernel half of irqhop record --kvm: what a host needs
 * (root, the LTTng kernel modules, /dev/kvm) and the kernel channel added to the recording
 * session of collector/record/session.h.
 *
 * The channel (IH_KERN_CHANNEL, discard mode, per-CPU buffers) records the kernel's own
 * interrupt injection and the scheduling around it: kvm_* (the generic kvm probe:
 * kvm_set_irq, kvm_msi_set_irq, kvm_ioapic_set_irq, kvm_mmio, kvm_userspace_exit...),
 * sched_switch, sched_waking, sched_wakeup, workqueue_*, irq_handler_*, irq_softirq_*, with
 * the tid and procname contexts on every event.  docs/kvm.md says what each is used for.
 *
 * Errors: functions returning int return 0 on success and -1 on failure with one line (no
 * prefix, no newline) in err; a missing prerequisite names the Debian package to install.
 */
#ifndef IH_KERNEL_H
#define IH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "collector/record/session.h"

#define IH_KERN_CHANNEL "kernel"
/* 8 sub-buffers of 1 MiB per CPU: a recording of seconds at a few kHz of interrupts
 * (~10 kernel events each, ~60 bytes with the contexts) fits without a read. */
#define IH_KERN_SUBBUF_SIZE (1ULL << 20)
#define IH_KERN_NUM_SUBBUF 8ULL

/* Checks that kernel tracing of KVM can work here: /dev/kvm exists, we are root, and the
 * LTTng kernel modules for the running kernel are loaded or installed (lttng-tracer).
 * Returns 0, or -1 with err naming the first thing missing and what to install. */
int ih_kern_check(char *err, size_t errlen);

/* Adds the kernel channel, its event rules and contexts to session s (created by
 * ih_sess_create, not started).  On failure returns -1 with err set; the caller destroys
 * the session. */
int ih_kern_configure(struct ih_sess *s, char *err, size_t errlen);

/* The kernel channel's discarded-event count, read after ih_sess_stop.  Returns 0, or -1
 * with err set (then *discarded is UINT64_MAX). */
int ih_kern_discarded(struct ih_sess *s, uint64_t *discarded, char *err, size_t errlen);

#endif
