/*
 * analyzer/steal/kthreads.h - the vCPU threads of a kernel trace (a real KVM host
 * recorded with LTTng's kernel tracer) and their host scheduler states.
 *
 * A vCPU thread is a thread whose name is "CPU n/KVM" (QEMU's convention, kept by
 * irqhop-kvm).  The caller feeds sched_waking and sched_switch in timestamp order;
 * this module
 *   - gives each vCPU thread a small id (the vcpu column of the irq, vcpu and steal
 *     tables): n of its name when no other thread holds n, else the smallest free id;
 *   - keeps its state (RUNNING / RUNNABLE / BLOCKED, UNKNOWN before its first event)
 *     and, for the kernel reconstruction (analyzer/reconstruct/kernel.h), its last
 *     IH_KT_RING switch-ins, each with the sched_waking that preceded it;
 *   - feeds its state changes to the run's steal accounting (analyzer/steal/steal.h)
 *     as runstates: sched_waking -> RUNNABLE, sched_switch into it -> RUNNING,
 *     sched_switch out of it -> RUNNABLE when it was preempted (prev_state 0, or the
 *     kernel's TASK_REPORT_MAX bit 0x100 and above: "preempted, still runnable"),
 *     BLOCKED otherwise.  Before its first event as a vCPU thread (under its vCPU
 *     name: irqhop-kvm and QEMU rename the thread after creating it) it is counted
 *     BLOCKED: the trace cannot tell whether it existed, and it was not runnable.
 *
 * Memory: O(vCPU threads).  Not thread-safe.
 */
#ifndef IH_KTHREADS_H
#define IH_KTHREADS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ih_steal;

enum ih_kt_state { IH_KT_UNKNOWN = 0, IH_KT_RUNNING, IH_KT_RUNNABLE, IH_KT_BLOCKED };

#define IH_KT_RING 16
#define IH_KT_NAME 16	/* TASK_COMM_LEN */

/* One switch-in of a vCPU thread. */
struct ih_kt_in {
	int64_t in_ts;		/* sched_switch into the thread */
	int64_t wake_ts;	/* sched_waking since its previous switch-out, -1 if none */
	int64_t out_ts;		/* the switch-out before it, -1 if none seen */
	bool out_runnable;	/* that switch-out left it runnable (preempted) */
};

struct ih_kthread {
	int64_t tid;
	uint32_t id;		/* vcpu id, see above */
	uint32_t cpu;		/* CPU it last ran on */
	char name[IH_KT_NAME];
	enum ih_kt_state state;
	int64_t wake_ts;	/* last sched_waking, -1 if none */
	int64_t out_ts;		/* switch-out since the last switch-in, -1 if none */
	bool out_runnable;	/* that switch-out left it runnable */
	int64_t since_ts;	/* ring and states complete from here (INT64_MIN: the
				 * trace's start; else the last discontinuity) */
	size_t nin;		/* switch-ins seen (ring holds the last IH_KT_RING) */
	struct ih_kt_in ring[IH_KT_RING];
};

struct ih_kthreads;

/* Parses "CPU n/KVM": returns true and sets *n when NAME is a vCPU thread's name. */
bool ih_kt_vcpu_name(const char *name, uint32_t *n);

/* Creates the registry; STEAL (may be NULL) receives the runstates.  NULL when out of
 * memory. */
struct ih_kthreads *ih_kthreads_create(struct ih_steal *steal);
void ih_kthreads_destroy(struct ih_kthreads *kt);

/* sched_waking of thread TID named COMM, on the waker's CPU; TARGET_CPU is the CPU the
 * woken thread will run on.  Threads that are not vCPU threads are ignored.  Returns 0,
 * or -1 when out of memory. */
int ih_kthreads_waking(struct ih_kthreads *kt, int64_t ts, int64_t tid, const char *comm,
		       uint32_t target_cpu);

/* sched_switch on CPU from PREV (left in PREV_STATE) to NEXT.  Returns 0, or -1 when
 * out of memory. */
int ih_kthreads_switch(struct ih_kthreads *kt, int64_t ts, uint32_t cpu, int64_t prev_tid,
		       const char *prev_comm, int64_t prev_state, int64_t next_tid, const char *next_comm);

/* Events may have been lost here: every thread's state becomes UNKNOWN and its ring is
 * emptied (history from TS on), so nothing before the gap is combined with anything after it.  The steal
 * accounting keeps the last known state across the gap (docs/kvm-model.md). */
void ih_kthreads_discontinuity(struct ih_kthreads *kt, int64_t ts);

/* The vCPU thread TID, or NULL when TID is not one (or never seen). */
const struct ih_kthread *ih_kthreads_find(const struct ih_kthreads *kt, int64_t tid);

/* The only thread named "CPU n/KVM"; NULL when there is none, and NULL with *ambiguous
 * set when several are (several VMs). */
const struct ih_kthread *ih_kthreads_by_index(const struct ih_kthreads *kt, uint32_t n, bool *ambiguous);

/* Registers COMM as thread TID's name when it is a vCPU thread's (from a procname
 * context: a thread seen only through its own events).  Returns 0, or -1 when out of
 * memory. */
int ih_kthreads_note(struct ih_kthreads *kt, int64_t tid, const char *comm);

/* Every vCPU thread, in first-seen order. */
size_t ih_kthreads_count(const struct ih_kthreads *kt);
const struct ih_kthread *ih_kthreads_at(const struct ih_kthreads *kt, size_t i);
#endif
