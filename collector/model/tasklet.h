/*
 * collector/model/tasklet.h - Xen tasklets in two modes: the original global-lock design
 * and the per-CPU lockless design of the 2014 patch.
 *
 * A tasklet is deferred work that runs from a softirq on one pCPU.  Two
 * guarantees hold in both modes, and the unit tests check them:
 *   G1  scheduled N >= 1 times before it runs, it runs once;
 *   G2  scheduled while it runs, it runs again after the current run;
 *   G3  it never runs concurrently with itself;
 *   G4  ih_tasklet_kill() returns only once it is neither queued nor running,
 *       and it is never run again until re-initialised.  A queued run is
 *       cancelled in GLOBAL mode (Xen's original list_del) and performed
 *       first in PERCPU mode (the patch waits for SCHED to clear).
 *
 * GLOBAL mode (Xen before the patch).  One spinlock, domain->lock, protects
 * every list and the fields scheduled_on / is_running / is_dead of every
 * tasklet.  States (under the lock):
 *   IDLE            not on a list, !is_running, scheduled_on < 0
 *   QUEUED(c)       on pCPU c's list, !is_running, scheduled_on == c
 *   RUNNING         not on a list, is_running, scheduled_on < 0
 *   RUNNING+RESCHED not on a list, is_running, scheduled_on == c
 * Transitions: schedule moves IDLE/QUEUED -> QUEUED(c) (list_del + add tail)
 * and RUNNING -> RUNNING+RESCHED; the softirq takes the lock to dequeue
 * (QUEUED -> RUNNING), drops it around the function, and takes it again after
 * (RUNNING -> IDLE, or RUNNING+RESCHED -> QUEUED(c)).  Every schedule and every
 * run therefore crosses the one lock, which is what the per-CPU patch removed.
 *
 * PERCPU mode (the patch).  Two atomic bits in state:
 *   0x0  idle;  0x1 SCHED: queued, not running;  0x2 RUN: running;
 *   0x3  running and queued again (scheduled during its run, or from
 *        another pCPU while it runs elsewhere).
 * schedule: test_and_set(SCHED); only the caller that set it queues the
 *   tasklet, on the target pCPU's list (its own list directly; another pCPU's
 *   through that pCPU's lock-free feed queue, then an IPI).
 * softirq (one tasklet per pass): pop the head of the local list, re-raise if
 *   more remain; trylock RUN: on success clear SCHED (asserted set), run,
 *   clear RUN; on failure (running elsewhere) re-queue locally and re-raise.
 * Lists are touched only by their own pCPU's thread (the model of "local
 *   interrupts off"), so they need no lock at all.
 * kill: set SCHED (waiting while it is already set, so a queued run happens
 *   first), wait for RUN to clear, mark dead, clear SCHED.  Marking dead
 *   before clearing SCHED closes the window in which the patch's order would
 *   let a schedule slip in between; a scheduler that checked dead before the
 *   mark and wins SCHED after the clear checks dead again and gives SCHED
 *   back, so no run is queued once kill returned.
 * The runner reads everything it needs of T (id, sched_irq_id) before it
 *   releases the lock (GLOBAL) or the RUN bit (PERCPU): after that kill may
 *   return and T be freed.
 *
 * Synchronization table:
 *   field              GLOBAL mode              PERCPU mode
 *   list (membership)  domain->lock             owning pCPU's thread only
 *   scheduled_on       domain->lock             writer: the SCHED setter
 *   is_running         domain->lock             (RUN bit instead)
 *   is_dead            domain->lock             atomic dead
 *   sched_irq_id       domain->lock             written by the SCHED setter,
 *                                               read by the RUN holder
 *   feed queue         -                        wfcqueue: any enqueuer, owner dequeues
 */
#ifndef IH_TASKLET_H
#define IH_TASKLET_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/list.h>
#include <urcu/wfcqueue.h>

#include "collector/model/pcpu.h"
#include "collector/model/spinlock.h"

enum ih_tasklet_mode { IH_TASKLET_GLOBAL = 0, IH_TASKLET_PERCPU = 1 };

#define IH_TASKLET_STATE_SCHED 0x1ul
#define IH_TASKLET_STATE_RUN   0x2ul

struct ih_tasklet;
typedef void (*ih_tasklet_fn)(struct ih_tasklet *t, void *data);

struct ih_tasklet_cpu {
	struct cds_list_head list;          /* queued tasklets */
	struct cds_wfcq_head feed_head;     /* PERCPU: cross-CPU feeding */
	struct cds_wfcq_tail feed_tail;
	struct ih_pcpu *pcpu;
	uint64_t func_ns;                   /* time in tasklet functions (owner pCPU) */
	uint64_t runs;                      /* tasklet runs (owner pCPU) */
} __attribute__((aligned(64)));

struct ih_tasklet_domain {
	enum ih_tasklet_mode mode;
	unsigned ncpus;
	struct ih_spinlock lock;            /* GLOBAL mode: the tasklet_lock */
	struct ih_tasklet_cpu *cpu;         /* [ncpus] */
	_Atomic uint64_t next_id;
};

struct ih_tasklet {
	struct cds_list_head list;
	struct cds_wfcq_node feed_node;
	struct ih_tasklet_domain *dom;
	ih_tasklet_fn func;
	void *data;
	uint64_t id;
	uint64_t sched_irq_id;   /* interrupt whose schedule queued the next run */
	int scheduled_on;        /* see the table above */
	bool is_running;         /* GLOBAL */
	bool is_dead;            /* GLOBAL */
	atomic_ulong state;      /* PERCPU: SCHED | RUN */
	atomic_bool dead;        /* PERCPU */
};

/* Sets up a domain of NCPUS pCPUs (PCPUS[i] is pCPU i) and installs the
 * tasklet softirq handlers.  Returns 0, or -1 on allocation failure. */
int ih_tasklet_domain_init(struct ih_tasklet_domain *d, enum ih_tasklet_mode mode,
			   struct ih_pcpu **pcpus, unsigned ncpus);
void ih_tasklet_domain_destroy(struct ih_tasklet_domain *d);

void ih_tasklet_init(struct ih_tasklet *t, struct ih_tasklet_domain *d,
		     ih_tasklet_fn func, void *data);

/* Queues T to run on pCPU CPU (on the caller's pCPU for ih_tasklet_schedule;
 * pCPU 0 when the caller is not a pCPU).  IRQ_ID is the interrupt on whose
 * behalf it is scheduled (0 if none); emits tasklet_schedule on return.
 * Returns true when this call queued a run, false when the run was already
 * pending (the work is coalesced into it) or T is dead. */
bool ih_tasklet_schedule_on(struct ih_tasklet *t, unsigned cpu, uint64_t irq_id);
bool ih_tasklet_schedule(struct ih_tasklet *t, uint64_t irq_id);

/* Waits until T is neither queued nor running, then marks it dead (G4).
 * Called from a pCPU thread it runs that pCPU's softirqs while waiting, so
 * it cannot wait for a run only it could perform.  Must not be called from
 * T's own function. */
void ih_tasklet_kill_blocking(struct ih_tasklet *t);

#endif
