/*
 * collector/model/host_impl.h - the host's insides, shared by its files and
 * by no one else (the contract is host.h):
 *   host.c        construction, the run's lifecycle, teardown
 *   host_cpu.c    a pCPU thread's loop and its scheduler (pick, charge, the
 *                 TIMER and SCHEDULE softirqs)
 *   host_stats.c  the runtime's own accounting: periodic lock_stat /
 *                 pcpu_schedstat / vcpu_account events, ih_host_stats, the
 *                 acknowledgment audit
 *   procstat.c    /proc sampling (host steal, a thread's schedstat)
 */
#ifndef IH_HOST_IMPL_H
#define IH_HOST_IMPL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "collector/model/device.h"
#include "collector/model/evcount.h"
#include "collector/model/host.h"
#include "collector/model/irqfd.h"
#include "collector/model/notifier.h"
#include "collector/model/pcpu.h"
#include "collector/model/spinlock.h"
#include "collector/model/tasklet.h"
#include "collector/model/vcpu.h"
#include "collector/model/workqueue.h"

#define IH_STATS_PERIOD_NS 100000000ull   /* periodic lock_stat/schedstat/account */
#define IH_DRAIN_TIMEOUT_NS 10000000000ull
#define IH_GUEST_UNIT_NS 1500
#define IH_VIRQ_TIMER_VECTOR 0xef

/* An idle vCPU's periodic timer, delivered through its timer tasklet. */
struct ih_vtimer {
	struct ih_vcpu *v;
	uint64_t period_ns;
	uint64_t next_ns;          /* home pCPU's thread only */
	uint64_t slop_ns;          /* Xen's timer_slop: coalescing window */
	struct ih_assist assist;   /* assert_evtchn_irq_tasklet */
};

struct ih_host_cpu {
	struct ih_pcpu pcpu;
	struct ih_host *host;
	pthread_t thread;
	bool started;
	struct ih_vcpu **vcpus;      /* vCPUs homed here */
	unsigned nvcpus;
	unsigned rr;                 /* round-robin cursor */
	struct ih_vcpu *cur;
	uint64_t slice_end;
	struct ih_vtimer **timers;   /* timers of vCPUs homed here */
	unsigned ntimers;
	uint64_t next_timer;         /* earliest timer deadline, 0 = none */
	/* Start of the softirq time not yet charged to a vCPU (see charge_softirq). */
	uint64_t hv_t0, hv_func0, hv_lw0;
} __attribute__((aligned(64)));

struct ih_host {
	struct ih_scenario sc;
	atomic_bool interrupted;     /* ih_host_interrupt: end the run now */
	struct ih_evcount stop_notify; /* wakes the run's duration wait */
	unsigned ncpus;
	struct ih_host_cpu *cpus;
	struct ih_pcpu **pcpu_ptrs;
	struct ih_tasklet_domain tasklets;
	bool tasklets_ready;
	unsigned nvcpus;
	unsigned cpus_ready, vcpus_ready; /* initialised so far (for teardown) */
	struct ih_vcpu *vcpus;
	struct ih_spinlock *event_locks; /* one per guest */
	unsigned ndevices;
	struct ih_device *devices;
	unsigned ntimers;
	struct ih_vtimer *timers;
	pthread_mutex_t *vm_locks;       /* one per guest (kvm->lock) */
	unsigned nirqfds;
	struct ih_eventfd *efds;         /* one per irqfd device */
	struct ih_irqfd *irqfds;
	struct ih_workqueue wq;
	bool wq_started;
	atomic_bool producing;           /* devices and timers may produce */
	_Atomic uint64_t next_irq_id;
	_Atomic uint64_t raised;
	_Atomic uint64_t acked;
	struct ih_evcount acked_notify;
	atomic_bool stop;
	uint64_t unit_iters;             /* loop iterations in one guest unit */
	_Atomic uint64_t *audit;         /* see ih_host_enable_ack_audit */
	_Atomic uint64_t audit_dups;
	uint64_t steal0, total0, steal1, total1;
	uint64_t end_ns;                 /* when the pCPUs stopped */
	unsigned runs_begun, runs_ended; /* run_begin / run_end emitted (ih_host_stats) */
	bool ended_early;                /* the duration wait ended before its end */
	uint64_t begin_ns;               /* when run_begin was emitted */
};

/* host_cpu.c */
/* Iterations of the guest work loop that take about IH_GUEST_UNIT_NS.
 * Never fails (at least 1). */
uint64_t ih_host_calibrate_unit(void);
/* A pCPU thread (ARG: its struct ih_host_cpu), until h->stop.  Never fails. */
void *ih_host_cpu_thread(void *arg);
/* The TIMER and SCHEDULE softirq handlers (ih_softirq_open). */
void ih_host_timer_softirq(struct ih_pcpu *p);
void ih_host_schedule_softirq(struct ih_pcpu *p);

/* host_stats.c */
/* Emits vcpu_account: V's cumulative hypervisor time.  Home thread. */
void ih_host_emit_account(struct ih_vcpu *v);
/* Emits this pCPU's periodic lock_stat, pcpu_schedstat and vcpu_account
 * events.  HC's thread only; never fails. */
void ih_host_emit_periodic(struct ih_host_cpu *hc);
/* Lock wait accumulated by HC's pCPU on every lock it may spin on. */
uint64_t ih_host_lock_wait_total(struct ih_host_cpu *hc);
#endif
