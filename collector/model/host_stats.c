/*
 * collector/model/host_stats.c - the host's own accounting: the periodic
 * lock_stat / pcpu_schedstat / vcpu_account events, ih_host_stats, and the
 * acknowledgment audit of the tests.
 */
#include "config.h"
#include "collector/model/host_impl.h"
#include "collector/model/procstat.h"
#include "collector/events/tp.h"

#include <stdlib.h>
#include <string.h>

/* Cumulative hypervisor time of V, for the analyzer's steal windows. */
void ih_host_emit_account(struct ih_vcpu *v)
{
	IH_TP(vcpu_account, v->id, v->hv_irq_ns, v->hv_softirq_ns, v->hv_tasklet_ns, v->hv_lock_ns);
}

void ih_host_emit_periodic(struct ih_host_cpu *hc)
{
	struct ih_host *h = hc->host;
	uint32_t id = hc->pcpu.id;
	uint64_t c[4], run, delay;

	if (h->sc.tasklet_mode == IH_TASKLET_GLOBAL) {
		ih_spin_counters(&h->tasklets.lock, id, c);
		IH_TP(lock_stat, h->tasklets.lock.id, id, c[0], c[1], c[2], c[3]);
	}
	for (unsigned g = 0; g < h->sc.nguests; g++) {
		ih_spin_counters(&h->event_locks[g], id, c);
		if (c[0])
			IH_TP(lock_stat, h->event_locks[g].id, id, c[0], c[1], c[2], c[3]);
	}
	ih_proc_read_schedstat(&run, &delay);
	IH_TP(pcpu_schedstat, id, run, delay);
	for (unsigned i = 0; i < hc->nvcpus; i++) {
		struct ih_vcpu *v = hc->vcpus[i];

		ih_host_emit_account(v);
	}
}

/* Lock wait accumulated by this pCPU on every lock it may spin on. */
uint64_t ih_host_lock_wait_total(struct ih_host_cpu *hc)
{
	struct ih_host *h = hc->host;
	uint64_t c[4], sum = 0;

	ih_spin_counters(&h->tasklets.lock, hc->pcpu.id, c);
	sum += c[2];
	for (unsigned g = 0; g < h->sc.nguests; g++) {
		ih_spin_counters(&h->event_locks[g], hc->pcpu.id, c);
		sum += c[2];
	}
	return sum;
}

#define IH_AUDIT_BITS (1ull << 24)

int ih_host_enable_ack_audit(struct ih_host *h)
{
	h->audit = calloc(IH_AUDIT_BITS / 64, sizeof(*h->audit));
	if (!h->audit)
		return -1;
	atomic_init(&h->audit_dups, 0);
	for (unsigned i = 0; i < h->nvcpus; i++) {
		h->vcpus[i].audit = h->audit;
		h->vcpus[i].audit_bits = IH_AUDIT_BITS;
		h->vcpus[i].audit_dups = &h->audit_dups;
	}
	return 0;
}


void ih_host_stats(struct ih_host *h, struct ih_host_stats *out)
{
	uint64_t c[4];

	memset(out, 0, sizeof(*out));
	if (h->audit) {
		for (uint64_t w = 0; w < IH_AUDIT_BITS / 64; w++)
			out->audit_distinct += (uint64_t)__builtin_popcountll(atomic_load(&h->audit[w]));
		out->audit_duplicates = atomic_load(&h->audit_dups);
	}
	for (unsigned i = 0; i < h->nvcpus; i++) {
		struct ih_vcpu *v = &h->vcpus[i];
		uint64_t *rs = v->busy ? out->busy_rs_ns : out->idle_rs_ns;
		uint64_t hv = v->hv_irq_ns + v->hv_softirq_ns;

		for (int k = 0; k < 4; k++)
			rs[k] += atomic_load(&v->rs_ns[k]);
		/* The current state's time up to the end of the run. */
		if (h->end_ns > atomic_load(&v->rs_since))
			rs[atomic_load(&v->runstate)] += h->end_ns - atomic_load(&v->rs_since);
		if (v->busy) {
			out->busy_hv_ns += hv;
			out->busy_lock_ns += v->hv_lock_ns;
		} else {
			out->idle_hv_ns += hv;
			out->idle_lock_ns += v->hv_lock_ns;
		}
	}
	out->runs_begun = h->runs_begun;
	out->runs_ended = h->runs_ended;
	out->ended_early = h->ended_early;
	out->run_ns = h->runs_begun && h->end_ns > h->begin_ns ? h->end_ns - h->begin_ns : 0;
	out->raised = atomic_load(&h->raised);
	out->acked = atomic_load(&h->acked);
	out->host_steal_ns = h->steal1 - h->steal0;
	out->host_total_ns = h->total1 - h->total0;
	for (unsigned i = 0; i <= IH_SPIN_NOCPU; i++) {
		ih_spin_counters(&h->tasklets.lock, i, c);
		out->lock_acquisitions += c[0];
		out->lock_contended += c[1];
		out->lock_wait_ns += c[2];
	}
	for (unsigned i = 0; i < h->ncpus; i++)
		out->tasklet_runs += h->tasklets.cpu[i].runs;
}
