/*
 * collector/model/softirq.h - per-pCPU softirqs, as in Xen and Linux.
 *
 * States of one softirq on one pCPU: NOT PENDING -> (raise) PENDING ->
 * (do_softirq takes the pending word) RUNNING -> NOT PENDING, or PENDING again
 * if raised meanwhile.  Raising from another thread also kicks the pCPU, the
 * model's IPI, so a sleeping pCPU runs it promptly.
 *
 * Handlers run on the pCPU's own thread only, one softirq at a time, in
 * number order.  do_softirq restarts at most IH_SOFTIRQ_MAX_RESTART times and
 * then returns with the remainder still pending (as Linux does), so a softirq
 * that keeps re-raising itself cannot starve the guest.
 */
#ifndef IH_SOFTIRQ_H
#define IH_SOFTIRQ_H
#include <stdint.h>
#include "collector/model/pcpu.h"

/* Xen's order (xen/include/xen/softirq.h with the 2014 patch): TIMER, then
 * SCHEDULE, then the tasklet softirqs.  A vCPU woken by a tasklet's
 * injection raises SCHEDULE, so the switch to it comes before the next
 * tasklet runs, and that tasklet then runs (and spins) on its time. */
enum ih_softirq_nr {
	IH_SOFTIRQ_TIMER = 0,
	IH_SOFTIRQ_SCHEDULE = 1,
	IH_SOFTIRQ_TASKLET_PERCPU = 2,
	IH_SOFTIRQ_TASKLET = 3,
	IH_NR_SOFTIRQS
};

#define IH_SOFTIRQ_MAX_RESTART 10

typedef void (*ih_softirq_fn)(struct ih_pcpu *p);

/* Installs the handler of softirq NR (process-wide, before pCPUs run). */
void ih_softirq_open(enum ih_softirq_nr nr, ih_softirq_fn fn);

/* Marks NR pending on P; kicks P unless the caller is P.  IRQ_ID is the
 * interrupt that caused it (for the softirq_raise event).  Any thread. */
void ih_softirq_raise(struct ih_pcpu *p, enum ih_softirq_nr nr, uint64_t irq_id);

/* Runs P's pending softirqs.  P's thread only. */
void ih_softirq_do(struct ih_pcpu *p);
#endif
