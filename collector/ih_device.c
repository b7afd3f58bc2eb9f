/* ih_device.c - see ih_device.h. */
#include "config.h"
#include "collector/ih_wfcq.h"
#include "collector/ih_device.h"
#include "collector/ih_clock.h"
#include "collector/ih_tp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* hvm_dirq_assist: inject everything queued on this dpci. */
static void dirq_assist(struct ih_tasklet *t, void *data)
{
	struct ih_device *d = data;
	struct ih_pcpu *me = ih_pcpu_current();
	unsigned slot = me ? me->id : IH_SPIN_NOCPU;
	struct cds_wfcq_node *n;

	(void)t;
	while ((n = ih_wfcq_dequeue__x(&d->pend_head, &d->pend_tail)) != NULL) {
		struct ih_irq *irq = caa_container_of(n, struct ih_irq, node);
		uint64_t wait = ih_spin_lock(d->event_lock, slot);

		ih_vcpu_inject(d->vcpu, irq, wait);
		ih_spin_unlock(d->event_lock, slot);
	}
}

/* hvm_do_IRQ_dpci: runs on the target pCPU inside irq_entry/irq_exit. */
static void dpci_irq_handler(struct ih_pcpu *p, struct ih_irq *irq)
{
	struct ih_device *d = irq->ctx;
	uint64_t irq_id = irq->irq_id;

	(void)p;
	ih_wfcq_enqueue(&d->pend_head, &d->pend_tail, &irq->node);
	ih_tasklet_schedule(&d->tasklet, irq_id);
}

void ih_device_init(struct ih_device *d, uint32_t id, uint32_t vector, double rate_hz,
		    bool poisson, uint64_t seed, struct ih_pcpu *target, struct ih_vcpu *vcpu,
		    struct ih_spinlock *event_lock, struct ih_tasklet_domain *dom,
		    _Atomic uint64_t *next_irq_id, _Atomic uint64_t *raised)
{
	d->id = id;
	d->vector = vector;
	d->rate_hz = rate_hz;
	d->poisson = poisson;
	d->rng = seed ^ (0x9e3779b97f4a7c15ull * (id + 1));
	d->target = target;
	d->vcpu = vcpu;
	d->event_lock = event_lock;
	ih_tasklet_init(&d->tasklet, dom, dirq_assist, d);
	cds_wfcq_init(&d->pend_head, &d->pend_tail);
	d->next_irq_id = next_irq_id;
	d->raised = raised;
	d->started = false;
	atomic_init(&d->stop, false);
}

bool ih_device_raise(struct ih_device *d)
{
	struct ih_irq *irq = malloc(sizeof(*irq));

	if (!irq)
		return false;
	irq->irq_id = atomic_fetch_add(d->next_irq_id, 1);
	irq->vector = d->vector;
	irq->source = d->id;
	irq->handler = dpci_irq_handler;
	irq->ctx = d;
	irq->raised_ns = ih_now_ns();
	atomic_fetch_add(d->raised, 1);
	IH_TP(irq_raise, irq->irq_id, d->id, d->vector, d->target->id);
	ih_pcpu_raise_irq(d->target, irq);
	return true;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Next inter-arrival time in ns. */
static uint64_t next_gap_ns(struct ih_device *d)
{
	double mean = 1e9 / d->rate_hz;

	if (d->poisson) {
		/* Uniform in (0, 1], then the exponential's inverse CDF. */
		double u = ((double)(splitmix64(&d->rng) >> 11) + 1.0) / 9007199254740992.0;

		return (uint64_t)(-log(u) * mean) + 1;
	}
	return (uint64_t)mean;
}

static void *device_thread(void *arg)
{
	struct ih_device *d = arg;
	uint64_t next = ih_now_ns() + next_gap_ns(d);

	while (!atomic_load(&d->stop)) {
		struct timespec ts = { (time_t)(next / 1000000000ull), (long)(next % 1000000000ull) };
		uint64_t now;

		/* The device's clock: an absolute timer, so rate errors do not
		 * accumulate.  This is the modelled hardware's timing, not
		 * synchronization. */
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			continue;
		if (atomic_load(&d->stop))
			break;
		ih_device_raise(d);
		next += next_gap_ns(d);
		now = ih_now_ns();
		/* A host that starved this thread must not get a catch-up burst
		 * of more than a few periods. */
		if (next + 4 * (uint64_t)(1e9 / d->rate_hz) < now)
			next = now;
	}
	return NULL;
}

int ih_device_start(struct ih_device *d)
{
	int rc = pthread_create(&d->thread, NULL, device_thread, d);

	if (rc == 0)
		d->started = true;
	return rc;
}

void ih_device_stop(struct ih_device *d)
{
	if (!d->started)
		return;
	atomic_store(&d->stop, true);
	pthread_join(d->thread, NULL);
	d->started = false;
}

void ih_device_destroy(struct ih_device *d)
{
	struct cds_wfcq_node *n;

	while ((n = ih_wfcq_dequeue__x(&d->pend_head, &d->pend_tail)) != NULL)
		free(caa_container_of(n, struct ih_irq, node));
	cds_wfcq_destroy(&d->pend_head, &d->pend_tail);
}
