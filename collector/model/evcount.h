/*
 * collector/model/evcount.h - a futex-backed event count: waiters sleep until the count
 * moves or a deadline passes; signalling is a single atomic add when nobody
 * waits.  Used where a thread must wait for progress made by others (the
 * host draining in-flight interrupts) without polling.
 */
#ifndef IH_NOTIFY_H
#define IH_NOTIFY_H
#include <stdatomic.h>
#include <stdint.h>

struct ih_notify {
	atomic_uint seq;
	atomic_int waiters;
};

void ih_notify_init(struct ih_notify *n);
/* Current count: read it, test the condition, then ih_notify_wait(n, seq). */
unsigned ih_notify_seq(struct ih_notify *n);
/* Advances the count and wakes every waiter. */
void ih_notify_signal(struct ih_notify *n);
/* Advances the count and wakes at most one waiter. */
void ih_notify_signal_one(struct ih_notify *n);
/* Sleeps while the count equals SEQ, at most until DEADLINE_NS (monotonic);
 * returns 0 when woken or the count moved, -1 when the deadline passed. */
int ih_notify_wait(struct ih_notify *n, unsigned seq, uint64_t deadline_ns);
#endif
