/*
 * collector/model/pcpu.h - a physical CPU of the modelled host.
 *
 * A pCPU is a structure, not a thread: the host (collector/model/host.c) runs one thread
 * per pCPU, and unit tests may let any test thread act as a pCPU with
 * ih_pcpu_set_current().  What a pCPU offers other threads is what hardware
 * offers other CPUs: raise a physical interrupt on it, and kick it (an IPI)
 * so that it notices pending work at its next interrupt window.
 *
 * Sleeping: an idle pCPU blocks on an event count (ih_pcpu_idle_wait) until
 * kicked or until a deadline (its next timer); the wait/wake protocol is
 * futex.h's, so no wake-up is lost:
 *   sleeper: seq = wake.seq; if (work) skip; wait while wake.seq == seq
 *   waker:   publish work (seq_cst); wake.seq++; futex_wake if a sleeper announced itself
 * Either the sleeper's check sees the work (published before the count
 * moved), or its wait sees the count moved.
 *
 * States of a pCPU (its thread's view):
 *   RUNNING   in its loop: interrupt window, softirqs, guest
 *   IDLE      in ih_pcpu_idle_wait, announced as a waiter of wake
 * Transitions: RUNNING -> IDLE only by its own thread, only with no work
 *   queued when it read wake's count; IDLE -> RUNNING on a kick, a deadline
 *   or a spurious return.  Invariant: work published before a kick is seen
 *   by the pCPU's next check (the protocol below); only P's thread dequeues
 *   P's interrupts or sleeps on P (asserted).
 *
 * Synchronization:
 *   irq queue      wfcqueue: any thread enqueues, only the pCPU's thread dequeues
 *   softirq_pending atomic bit set; any thread sets bits, the pCPU clears them
 *   wake           ih_evcount (protocol above)
 *   everything else owned by the pCPU's thread
 */
#ifndef IH_PCPU_H
#define IH_PCPU_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "collector/model/evcount.h"

struct ih_pcpu;

/* A physical interrupt in flight.  The same object travels from the device
 * to the pCPU's queue, to the handler's deferred queue, to the vCPU's
 * injection queue, and is freed when the guest acknowledges it. */
struct ih_irq {
	struct cds_wfcq_node node;
	uint64_t irq_id;
	uint32_t vector;
	uint32_t source;
	uint64_t raised_ns;
	uint64_t work_id;       /* set by ih_workqueue_queue (work_queue/work_entry) */
	/* Runs on the target pCPU's thread at its next interrupt window. */
	void (*handler)(struct ih_pcpu *p, struct ih_irq *irq);
	void *ctx;
};

struct ih_pcpu {
	uint32_t id;
	atomic_uint softirq_pending;
	struct ih_evcount wake; /* kicks; the idle sleep waits on it */
	struct cds_wfcq_head irq_head;
	struct cds_wfcq_tail irq_tail;
	void *owner;            /* the host's per-pCPU state */
	void *tasklet_dom;      /* the ih_tasklet_domain whose softirqs this pCPU runs */
};

void ih_pcpu_init(struct ih_pcpu *p, uint32_t id, void *owner);
/* Frees interrupts still queued (at teardown). */
void ih_pcpu_destroy(struct ih_pcpu *p);

/* The pCPU the calling thread is acting as, or NULL. */
struct ih_pcpu *ih_pcpu_current(void);
void ih_pcpu_set_current(struct ih_pcpu *p);
/* Id of the current pCPU, or IH_PCPU_NONE for a thread that is not one. */
#define IH_PCPU_NONE 0xffffffffu
uint32_t ih_pcpu_current_id(void);

/* The IPI: makes P notice new work; wakes it if it sleeps. Any thread. */
void ih_pcpu_kick(struct ih_pcpu *p);

/* Queues IRQ on P and kicks it.  Any thread. */
void ih_pcpu_raise_irq(struct ih_pcpu *p, struct ih_irq *irq);

/* Pops the oldest queued interrupt, or NULL.  P's thread only. */
struct ih_irq *ih_pcpu_take_irq(struct ih_pcpu *p);

/* True when P has queued interrupts or pending softirqs. */
bool ih_pcpu_has_work(struct ih_pcpu *p);

/* Sleeps until kicked, until DEADLINE_NS (CLOCK_MONOTONIC; 0 = none), or
 * not at all if work is already pending.  P's thread only. */
void ih_pcpu_idle_wait(struct ih_pcpu *p, uint64_t deadline_ns);
#endif
