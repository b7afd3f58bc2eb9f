/*
 * collector/model/vcpu.h - virtual CPUs: injection, acknowledgment, runstate.
 *
 * Injection (any thread): emit `inject`, set the vector pending, queue the
 * interrupt on the vCPU, then kick: a BLOCKED vCPU is woken (BLOCKED ->
 * RUNNABLE, SCHEDULE softirq raised on its pCPU, which kicks it when it is
 * another pCPU); a vCPU RUNNING on another pCPU gets an IPI; a
 * vCPU current on the injecting pCPU notices at its next entry.  The event
 * is emitted before the interrupt is published so that its timestamp always
 * precedes the acknowledgment's.
 *
 * Acknowledgment (the home pCPU's thread, at guest entry): every queued
 * interrupt is taken, `vcpu_ack` emitted, the object freed, and the host's
 * ack counter incremented.  Each injected interrupt is acknowledged once.
 *
 * Runstate (Xen's): RUNNING, RUNNABLE, BLOCKED, OFFLINE.  Transitions:
 *   RUNNABLE -> RUNNING   home pCPU picks it          (home thread)
 *   RUNNING  -> RUNNABLE  timeslice expired            (home thread)
 *   RUNNING  -> BLOCKED   idle guest has nothing to do (home thread)
 *   BLOCKED  -> RUNNABLE  wake on injection            (any thread, CAS)
 *                         or ih_vcpu_block's re-check  (home thread, CAS)
 * Invariant: a vCPU is never left BLOCKED with an interrupt queued.  The
 * injector enqueues, then reads the runstate; ih_vcpu_block publishes
 * BLOCKED, then reads the queue: one of them sees the other and wakes it.
 * A transition is one step under the vCPU's rs_lock (a tiny spinlock, taken
 * only for transitions): check the state is FROM, read the clock, charge
 * [rs_since, now) to FROM, set rs_since and the state, emit vcpu_runstate.
 * So intervals tile time exactly (what is charged to the four states adds
 * up to the time elapsed), each is charged to the state it was spent in,
 * and the vcpu_runstate events of one vCPU come in transition order.
 * runstate stays atomic so that readers (pick, inject) need no lock.
 */
#ifndef IH_VCPU_H
#define IH_VCPU_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "collector/model/pcpu.h"
#include "collector/model/spinlock.h"
#include "collector/model/evcount.h"

enum ih_runstate { IH_RS_RUNNING = 0, IH_RS_RUNNABLE = 1, IH_RS_BLOCKED = 2, IH_RS_OFFLINE = 3 };

struct ih_vcpu {
	uint32_t id;
	uint32_t guest;
	bool busy;                        /* busy guests always have work */
	struct ih_pcpu *pcpu;             /* home pCPU (no migration) */
	atomic_int runstate;              /* written under rs_lock, read by anyone */
	atomic_flag rs_lock;              /* serializes transitions (see above) */
	_Atomic uint64_t rs_since;        /* when the current state began (rs_lock) */
	_Atomic uint64_t rs_ns[4];        /* accumulated time per state (rs_lock) */
	struct cds_wfcq_head inj_head;
	struct cds_wfcq_tail inj_tail;
	_Atomic uint64_t pending_vec[4];  /* 256-bit IRR */
	_Atomic uint64_t *acked_counter;  /* host-wide acknowledgment count */
	struct ih_evcount *acked_notify;   /* signalled after each acknowledgment batch */
	_Atomic uint64_t acked;
	/* Optional audit (tests): one bit per irq_id below audit_bits; a bit
	 * found already set counts a duplicate acknowledgment. */
	_Atomic uint64_t *audit;
	uint64_t audit_bits;
	_Atomic uint64_t *audit_dups;
	/* Hypervisor time charged while this vCPU was current (home thread). */
	uint64_t hv_irq_ns, hv_softirq_ns, hv_tasklet_ns, hv_lock_ns;
};

void ih_vcpu_init(struct ih_vcpu *v, uint32_t id, uint32_t guest, bool busy,
		  struct ih_pcpu *home, _Atomic uint64_t *acked_counter,
		  struct ih_evcount *acked_notify);
/* Frees interrupts injected but never acknowledged (teardown only). */
void ih_vcpu_destroy(struct ih_vcpu *v);

/* Injects IRQ (ownership passes to the vCPU).  Any thread. */
void ih_vcpu_inject(struct ih_vcpu *v, struct ih_irq *irq, uint64_t vm_lock_wait_ns);

/* Acknowledges every queued interrupt; returns how many.  Home thread. */
unsigned ih_vcpu_ack_pending(struct ih_vcpu *v);
bool ih_vcpu_has_pending(struct ih_vcpu *v);

/* Guest entry found nothing pending (the caller checked): RUNNING ->
 * BLOCKED.  Home thread, V current.  Returns true when V left RUNNING (the
 * caller drops it as current), false when it was not RUNNING. */
bool ih_vcpu_block(struct ih_vcpu *v);

/* Runstate transition FROM -> TO; false when the state was not FROM (a
 * concurrent transition won).  Emits vcpu_runstate on success. */
bool ih_vcpu_set_runstate(struct ih_vcpu *v, enum ih_runstate from, enum ih_runstate to);
#endif
