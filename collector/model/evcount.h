/*
 * collector/model/evcount.h - a futex-backed event count: waiters sleep until the count
 * moves or a deadline passes; signalling is a single atomic add when nobody
 * waits.  Used where a thread must wait for progress made by others (the
 * host draining in-flight interrupts) without polling.
 */
#ifndef IH_EVCOUNT_H
#define IH_EVCOUNT_H
#include <stdatomic.h>
#include <stdint.h>

struct ih_evcount {
	atomic_uint seq;
	atomic_int waiters;
};

void ih_evcount_init(struct ih_evcount *n);
/* Current count: read it, test the condition, then ih_evcount_wait(n, seq). */
unsigned ih_evcount_seq(struct ih_evcount *n);
/* Advances the count and wakes every waiter. */
void ih_evcount_signal(struct ih_evcount *n);
/* Advances the count and wakes at most one waiter. */
void ih_evcount_signal_one(struct ih_evcount *n);
/* Sleeps while the count equals SEQ, at most until DEADLINE_NS (monotonic);
 * returns 0 when woken or the count moved, -1 when the deadline passed. */
int ih_evcount_wait(struct ih_evcount *n, unsigned seq, uint64_t deadline_ns);
#endif
