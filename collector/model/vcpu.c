/* collector/model/vcpu.c - see collector/model/vcpu.h for the protocol. */
#include "config.h"
#include "collector/model/wfcq.h"
#include "collector/model/vcpu.h"
#include "collector/events/clock.h"
#include "collector/model/softirq.h"
#include "collector/events/tp.h"

#include <assert.h>
#include <sched.h>
#include <stdlib.h>

void ih_vcpu_init(struct ih_vcpu *v, uint32_t id, uint32_t guest, bool busy,
		  struct ih_pcpu *home, _Atomic uint64_t *acked_counter,
		  struct ih_evcount *acked_notify)
{
	v->id = id;
	v->guest = guest;
	v->busy = busy;
	v->pcpu = home;
	atomic_init(&v->runstate, IH_RS_RUNNABLE);
	atomic_flag_clear(&v->rs_lock);
	atomic_init(&v->rs_since, ih_now_ns());
	for (int i = 0; i < 4; i++) {
		atomic_init(&v->rs_ns[i], 0);
		atomic_init(&v->pending_vec[i], 0);
	}
	cds_wfcq_init(&v->inj_head, &v->inj_tail);
	v->acked_counter = acked_counter;
	v->acked_notify = acked_notify;
	atomic_init(&v->acked, 0);
	v->audit = NULL;
	v->audit_bits = 0;
	v->audit_dups = NULL;
	v->hv_irq_ns = v->hv_softirq_ns = v->hv_tasklet_ns = v->hv_lock_ns = 0;
}

void ih_vcpu_destroy(struct ih_vcpu *v)
{
	struct cds_wfcq_node *n;

	while ((n = ih_wfcq_dequeue_single(&v->inj_head, &v->inj_tail)) != NULL)
		free(caa_container_of(n, struct ih_irq, node));
	cds_wfcq_destroy(&v->inj_head, &v->inj_tail);
}

bool ih_vcpu_set_runstate(struct ih_vcpu *v, enum ih_runstate from, enum ih_runstate to)
{
	unsigned polls = 0;
	uint64_t now, since;

	assert(from != to && (unsigned)from < 4 && (unsigned)to < 4);
	/* Only BLOCKED -> RUNNABLE (a wake) may come from another thread. */
	assert((from == IH_RS_BLOCKED && to == IH_RS_RUNNABLE) || ih_pcpu_current() == v->pcpu);
	/* Cheap test first: a transition that cannot happen takes no lock. */
	if (atomic_load(&v->runstate) != (int)from)
		return false;
	while (atomic_flag_test_and_set_explicit(&v->rs_lock, memory_order_acquire)) {
		ih_cpu_relax();
		if (++polls % IH_SPIN_YIELD_EVERY == 0)
			sched_yield();   /* the holder may be preempted */
	}
	if (atomic_load(&v->runstate) != (int)from) {
		atomic_flag_clear_explicit(&v->rs_lock, memory_order_release);
		return false;
	}
	now = ih_now_ns();
	since = atomic_load_explicit(&v->rs_since, memory_order_relaxed);
	if (now > since)
		atomic_fetch_add_explicit(&v->rs_ns[from], now - since, memory_order_relaxed);
	atomic_store_explicit(&v->rs_since, now, memory_order_relaxed);
	atomic_store(&v->runstate, (int)to);
	IH_TP(vcpu_runstate, v->id, v->guest, v->pcpu->id, (uint8_t)from, (uint8_t)to);
	atomic_flag_clear_explicit(&v->rs_lock, memory_order_release);
	return true;
}

bool ih_vcpu_block(struct ih_vcpu *v)
{
	if (!ih_vcpu_set_runstate(v, IH_RS_RUNNING, IH_RS_BLOCKED))
		return false;
	/* Xen's vcpu_block: check again once BLOCKED is visible.  An injector
	 * that enqueued after the caller's check may have seen RUNNING and
	 * only kicked; then we wake the vCPU ourselves.  If the CAS fails, an
	 * injector saw BLOCKED and woke it (and raised SCHEDULE).  Either way
	 * no vCPU stays BLOCKED with an interrupt pending.  The fence orders
	 * our BLOCKED store before the queue load (the injector's enqueue is a
	 * full barrier before its runstate load): one of us sees the other. */
	atomic_thread_fence(memory_order_seq_cst);
	if (ih_vcpu_has_pending(v))
		ih_vcpu_set_runstate(v, IH_RS_BLOCKED, IH_RS_RUNNABLE);
	return true;
}

void ih_vcpu_inject(struct ih_vcpu *v, struct ih_irq *irq, uint64_t vm_lock_wait_ns)
{
	struct ih_pcpu *me = ih_pcpu_current();
	uint32_t me_id = me ? me->id : IH_PCPU_NONE;
	uint64_t irq_id = irq->irq_id;

	IH_TP(inject, irq_id, v->id, irq->vector, vm_lock_wait_ns);
	atomic_fetch_or(&v->pending_vec[(irq->vector >> 6) & 3], 1ull << (irq->vector & 63));
	ih_wfcq_enqueue(&v->inj_head, &v->inj_tail, &irq->node);
	/* irq may be acknowledged and freed from here on: use irq_id only. */
	if (atomic_load(&v->runstate) == IH_RS_BLOCKED &&
	    ih_vcpu_set_runstate(v, IH_RS_BLOCKED, IH_RS_RUNNABLE)) {
		IH_TP(vcpu_kick, irq_id, v->id, me_id, v->pcpu->id, IH_TP_KICK_WAKE);
		/* vcpu_wake's tickle: SCHEDULE on the vCPU's pCPU (kicks it
		 * when that is another pCPU). */
		ih_softirq_raise(v->pcpu, IH_SOFTIRQ_SCHEDULE, 0);
	} else if (me != v->pcpu) {
		if (atomic_load(&v->runstate) == IH_RS_RUNNING)
			IH_TP(vcpu_kick, irq_id, v->id, me_id, v->pcpu->id, IH_TP_KICK_IPI);
		ih_pcpu_kick(v->pcpu);
	}
}

bool ih_vcpu_has_pending(struct ih_vcpu *v)
{
	return !cds_wfcq_empty(&v->inj_head, &v->inj_tail);
}

unsigned ih_vcpu_ack_pending(struct ih_vcpu *v)
{
	struct cds_wfcq_node *n;
	unsigned count = 0;

	while ((n = ih_wfcq_dequeue_single(&v->inj_head, &v->inj_tail)) != NULL) {
		struct ih_irq *irq = caa_container_of(n, struct ih_irq, node);

		atomic_fetch_and(&v->pending_vec[(irq->vector >> 6) & 3], ~(1ull << (irq->vector & 63)));
		IH_TP(vcpu_ack, irq->irq_id, v->id, v->pcpu->id, ih_now_ns() - irq->raised_ns);
		if (v->audit && irq->irq_id < v->audit_bits) {
			uint64_t bit = 1ull << (irq->irq_id & 63);

			if (atomic_fetch_or(&v->audit[irq->irq_id >> 6], bit) & bit)
				atomic_fetch_add(v->audit_dups, 1);
		}
		free(irq);
		count++;
	}
	if (count) {
		atomic_fetch_add(&v->acked, count);
		atomic_fetch_add(v->acked_counter, count);
		if (v->acked_notify)
			ih_evcount_signal(v->acked_notify);
	}
	return count;
}
