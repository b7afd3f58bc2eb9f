/*
 * collector/model/evcount.h - a futex-backed event count: waiters sleep until the count
 * moves or a deadline passes; signalling is a single atomic add when nobody
 * waits.  Used where a thread must wait for progress made by others (the
 * host draining in-flight interrupts, an idle pCPU waiting for a kick, an
 * idle kworker) without polling.  Built on the protocol of futex.h.
 *
 * Use:  seq = ih_evcount_seq(n); if (!condition) ih_evcount_wait(n, seq, d);
 * and on the other side: make the condition true; ih_evcount_signal(n).
 * The condition is checked after reading seq, so a signal between the check
 * and the wait moves the count and the wait returns at once.
 */
#ifndef IH_EVCOUNT_H
#define IH_EVCOUNT_H
#include <stdatomic.h>
#include <stdint.h>

struct ih_evcount {
	atomic_uint seq;      /* the futex word */
	atomic_int waiters;   /* announced waiters (futex.h) */
};

void ih_evcount_init(struct ih_evcount *n);
/* Current count: read it, test the condition, then ih_evcount_wait(n, seq). */
unsigned ih_evcount_seq(struct ih_evcount *n);
/* Advances the count and wakes every waiter. */
void ih_evcount_signal(struct ih_evcount *n);
/* Advances the count and wakes at most one waiter. */
void ih_evcount_signal_one(struct ih_evcount *n);
/* Sleeps while the count equals SEQ, at most until DEADLINE_NS (monotonic;
 * 0: no deadline); returns 0 when woken or the count moved, -1 when the
 * deadline passed with the count unmoved. */
int ih_evcount_wait(struct ih_evcount *n, unsigned seq, uint64_t deadline_ns);
#endif
