/*
 * collector/model/host_cpu.c - one pCPU thread of the host: its loop
 * (interrupt window, softirqs, pick a vCPU, guest entry, guest work or
 * block, idle sleep; see host.h) and its scheduler (round-robin pick,
 * hypervisor time charged to the current vCPU, the TIMER and SCHEDULE
 * softirqs).  Everything here runs on the pCPU's own thread.
 */
#include "config.h"
#include "collector/model/host_impl.h"
#include "collector/events/clock.h"
#include "collector/events/tp.h"
#include "collector/model/softirq.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

/* Per thread: each pCPU computes its own guest work. */
static _Thread_local volatile uint64_t guest_sink;

/* One unit of guest computation. */
static void guest_unit(uint64_t iters)
{
	uint64_t x = guest_sink + 1;

	for (uint64_t i = 0; i < iters; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	guest_sink = x;
}

/* Iterations of guest_unit's loop that take about IH_GUEST_UNIT_NS. */
uint64_t ih_host_calibrate_unit(void)
{
	uint64_t iters = 1 << 16, t0, dt;

	t0 = ih_now_ns();
	guest_unit(iters);
	dt = ih_now_ns() - t0;
	if (dt == 0)
		dt = 1;
	iters = iters * IH_GUEST_UNIT_NS / dt;
	return iters ? iters : 1;
}


/* Picks the vCPU to run: keeps the current one within its timeslice, else
 * the next RUNNABLE one round-robin.  Home thread only. */
static struct ih_vcpu *pick_vcpu(struct ih_host_cpu *hc, uint64_t now)
{
	struct ih_vcpu *cur = hc->cur;

	if (cur && now < hc->slice_end)
		return cur;
	for (unsigned k = 1; k <= hc->nvcpus; k++) {
		unsigned idx = (hc->rr + k) % hc->nvcpus;
		struct ih_vcpu *v = hc->vcpus[idx];

		if (v == cur || atomic_load(&v->runstate) != IH_RS_RUNNABLE)
			continue;
		if (cur) {
			ih_host_emit_account(cur);
			ih_vcpu_set_runstate(cur, IH_RS_RUNNING, IH_RS_RUNNABLE);
		}
		if (ih_vcpu_set_runstate(v, IH_RS_RUNNABLE, IH_RS_RUNNING)) {
			hc->rr = idx;
			hc->cur = v;
			hc->slice_end = now + hc->host->sc.timeslice_ns;
			return v;
		}
	}
	if (cur)
		hc->slice_end = now + hc->host->sc.timeslice_ns;
	return cur;
}

/* Charges the softirq time since the marks (hv_t0, hv_func0, hv_lw0) to the
 * vCPU current now, as Xen charges hypervisor work to the current vCPU, and
 * moves the marks to NOW.  Home thread only. */
static void charge_softirq(struct ih_host_cpu *hc, uint64_t now)
{
	uint64_t func = hc->host->tasklets.cpu[hc->pcpu.id].func_ns, lw = ih_host_lock_wait_total(hc);

	if (hc->cur) {
		hc->cur->hv_softirq_ns += now - hc->hv_t0;
		hc->cur->hv_tasklet_ns += func - hc->hv_func0;
		hc->cur->hv_lock_ns += lw - hc->hv_lw0;
	}
	hc->hv_t0 = now;
	hc->hv_func0 = func;
	hc->hv_lw0 = lw;
}

/* SCHEDULE softirq (raised by a vCPU's wake-up): switch to the next vCPU
 * now, before the softirqs numbered after it (the tasklets), as Xen's
 * schedule() does from do_softirq.  What remains of the pass then runs on
 * the new vCPU's time.  Home thread only. */
void ih_host_schedule_softirq(struct ih_pcpu *p)
{
	struct ih_host_cpu *hc = p->owner;
	uint64_t now = ih_now_ns();

	charge_softirq(hc, now);
	pick_vcpu(hc, now);
}

/* TIMER softirq: fire this pCPU's due timers (timer_fire, then the timer
 * tasklet is scheduled through the vCPU's assist).  pCPU thread only. */
void ih_host_timer_softirq(struct ih_pcpu *p)
{
	struct ih_host_cpu *hc = p->owner;
	struct ih_host *h = hc->host;
	uint64_t now = ih_now_ns(), next = 0;

	for (unsigned i = 0; i < hc->ntimers; i++) {
		struct ih_vtimer *vt = hc->timers[i];

		/* A timer due within its slop fires with the ones due now. */
		if (now + vt->slop_ns >= vt->next_ns && atomic_load(&h->producing)) {
			struct ih_irq *irq = malloc(sizeof(*irq));

			if (irq) {
				irq->irq_id = atomic_fetch_add(&h->next_irq_id, 1);
				irq->vector = IH_VIRQ_TIMER_VECTOR;
				irq->source = vt->v->id;
				irq->handler = NULL;
				irq->ctx = vt;
				irq->raised_ns = now;
				atomic_fetch_add(&h->raised, 1);
				IH_TP(timer_fire, irq->irq_id, vt->v->id, p->id);
				ih_assist_queue(&vt->assist, irq);
			}
			/* Periodic: keep the grid, skipping periods that were missed. */
			while (vt->next_ns <= now + vt->slop_ns)
				vt->next_ns += vt->period_ns;
		}
		if (!next || vt->next_ns < next)
			next = vt->next_ns;
	}
	hc->next_timer = next;
}

void *ih_host_cpu_thread(void *arg)
{
	struct ih_host_cpu *hc = arg;
	struct ih_host *h = hc->host;
	struct ih_pcpu *p = &hc->pcpu;
	uint64_t next_stats = ih_now_ns() + IH_STATS_PERIOD_NS;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	/* Pinned where possible; with more pCPUs than CPUs they share. */
	if (online > 0) {
		CPU_ZERO(&set);
		CPU_SET((int)(p->id % (unsigned long)online), &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	ih_pcpu_set_current(p);
	/* A vCPU's runstate clock starts when its pCPU comes online: the time
	 * spent building the host and starting the threads before the run is
	 * no guest's time, RUNNABLE or otherwise.  Only BLOCKED vCPUs are
	 * changed by other threads, and these are all still RUNNABLE. */
	for (unsigned i = 0; i < hc->nvcpus; i++)
		atomic_store(&hc->vcpus[i]->rs_since, ih_now_ns());
	while (!atomic_load(&h->stop)) {
		struct ih_irq *irq;
		struct ih_vcpu *v;
		uint64_t t0, now, lw0;

		/* Interrupt window. */
		t0 = ih_now_ns();
		lw0 = ih_host_lock_wait_total(hc);
		while ((irq = ih_pcpu_take_irq(p)) != NULL) {
			uint64_t irq_id = irq->irq_id;

			IH_TP(irq_entry, irq_id, p->id);
			irq->handler(p, irq);
			IH_TP(irq_exit, irq_id, p->id);
		}
		now = ih_now_ns();
		if (hc->cur)
			hc->cur->hv_irq_ns += now - t0;
		if (atomic_load(&p->softirq_pending)) {
			/* Charged per vCPU current: SCHEDULE may switch mid-pass. */
			hc->hv_t0 = now;
			hc->hv_func0 = h->tasklets.cpu[p->id].func_ns;
			hc->hv_lw0 = lw0;
			ih_softirq_do(p);
			now = ih_now_ns();
			charge_softirq(hc, now);
		} else if (hc->cur) {
			hc->cur->hv_lock_ns += ih_host_lock_wait_total(hc) - lw0;
		}

		if (hc->next_timer && now >= hc->next_timer)
			ih_softirq_raise(p, IH_SOFTIRQ_TIMER, 0);

		v = pick_vcpu(hc, now);
		if (v) {
			ih_vcpu_ack_pending(v);
			if (v->busy) {
				guest_unit(h->unit_iters);
			} else if (!ih_vcpu_has_pending(v)) {
				ih_host_emit_account(v);
				if (ih_vcpu_block(v))
					hc->cur = NULL;
			}
		} else {
			uint64_t deadline = next_stats;

			if (hc->next_timer && hc->next_timer < deadline)
				deadline = hc->next_timer;
			ih_pcpu_idle_wait(p, deadline);
		}
		if (now >= next_stats) {
			ih_host_emit_periodic(hc);
			next_stats = now + IH_STATS_PERIOD_NS;
		}
	}
	ih_host_emit_periodic(hc);
	ih_pcpu_set_current(NULL);
	return NULL;
}
