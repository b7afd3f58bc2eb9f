/* collector/model/device.c - see collector/model/device.h. */
#include "config.h"
#include "collector/model/wfcq.h"
#include "collector/model/device.h"
#include "collector/events/clock.h"
#include "collector/events/tp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* The assist tasklet (hvm_dirq_assist / hvm_assert_evtchn_irq): inject
 * everything queued, each under the guest's event_lock. */
static void assist_run(struct ih_tasklet *t, void *data)
{
	struct ih_assist *a = data;
	struct ih_pcpu *me = ih_pcpu_current();
	unsigned slot = me ? me->id : IH_SPIN_NOCPU;
	struct cds_wfcq_node *n;

	(void)t;
	while ((n = ih_wfcq_dequeue_single(&a->head, &a->tail)) != NULL) {
		struct ih_irq *irq = caa_container_of(n, struct ih_irq, node);
		uint64_t wait = ih_spin_lock(a->event_lock, slot);

		ih_vcpu_inject(a->vcpu, irq, wait);
		ih_spin_unlock(a->event_lock, slot);
	}
}

void ih_assist_init(struct ih_assist *a, struct ih_tasklet_domain *dom, struct ih_vcpu *vcpu,
		    struct ih_spinlock *event_lock)
{
	ih_tasklet_init(&a->tasklet, dom, assist_run, a);
	cds_wfcq_init(&a->head, &a->tail);
	a->vcpu = vcpu;
	a->event_lock = event_lock;
}

void ih_assist_queue(struct ih_assist *a, struct ih_irq *irq)
{
	uint64_t irq_id = irq->irq_id;

	ih_wfcq_enqueue(&a->head, &a->tail, &irq->node);
	ih_tasklet_schedule(&a->tasklet, irq_id);
}

void ih_assist_destroy(struct ih_assist *a)
{
	struct cds_wfcq_node *n;

	while ((n = ih_wfcq_dequeue_single(&a->head, &a->tail)) != NULL)
		free(caa_container_of(n, struct ih_irq, node));
	cds_wfcq_destroy(&a->head, &a->tail);
}

/* hvm_do_IRQ_dpci: runs on the target pCPU inside irq_entry/irq_exit. */
static void dpci_irq_handler(struct ih_pcpu *p, struct ih_irq *irq)
{
	struct ih_device *d = irq->ctx;

	(void)p;
	if (d->spike_every && irq->irq_id % d->spike_every == 0) {
		/* An injected latency spike (scenario keys spike_every/spike_us):
		 * a slow handler, bounded by the clock. */
		uint64_t t0 = ih_now_ns();

		while (ih_now_ns() - t0 < d->spike_ns)
			;
	}
	ih_assist_queue(&d->assist, irq);
}

static void device_init_common(struct ih_device *d, enum ih_device_kind kind, uint32_t id,
			       uint32_t vector, double rate_hz, bool poisson, uint64_t seed,
			       _Atomic uint64_t *next_irq_id, _Atomic uint64_t *raised)
{
	d->kind = kind;
	d->id = id;
	d->vector = vector;
	d->rate_hz = rate_hz;
	d->poisson = poisson;
	d->rng = seed ^ (0x9e3779b97f4a7c15ull * (id + 1));
	d->target = NULL;
	d->spike_every = d->spike_ns = 0;
	d->efd = NULL;
	d->next_irq_id = next_irq_id;
	d->raised = raised;
	d->started = false;
	atomic_init(&d->stop, false);
}

void ih_device_init_passthrough(struct ih_device *d, uint32_t id, uint32_t vector, double rate_hz,
				bool poisson, uint64_t seed, struct ih_pcpu *target,
				struct ih_vcpu *vcpu, struct ih_spinlock *event_lock,
				struct ih_tasklet_domain *dom, _Atomic uint64_t *next_irq_id,
				_Atomic uint64_t *raised)
{
	device_init_common(d, IH_DEV_PASSTHROUGH, id, vector, rate_hz, poisson, seed, next_irq_id, raised);
	d->target = target;
	ih_assist_init(&d->assist, dom, vcpu, event_lock);
}

void ih_device_init_iothread(struct ih_device *d, uint32_t id, uint32_t vector, double rate_hz,
			     bool poisson, uint64_t seed, struct ih_eventfd *efd,
			     _Atomic uint64_t *next_irq_id, _Atomic uint64_t *raised)
{
	device_init_common(d, IH_DEV_IOTHREAD, id, vector, rate_hz, poisson, seed, next_irq_id, raised);
	d->efd = efd;
}

bool ih_device_raise(struct ih_device *d)
{
	struct ih_irq *irq = malloc(sizeof(*irq));

	if (!irq)
		return false;
	irq->irq_id = atomic_fetch_add(d->next_irq_id, 1);
	irq->vector = d->vector;
	irq->source = d->id;
	irq->ctx = d;
	irq->raised_ns = ih_now_ns();
	atomic_fetch_add(d->raised, 1);
	if (d->kind == IH_DEV_IOTHREAD) {
		/* The tx-thread has posted to the ring: signal the irqfd. */
		irq->handler = NULL;
		irq->ctx = NULL;
		ih_eventfd_signal(d->efd, irq);
	} else {
		irq->handler = dpci_irq_handler;
		IH_TP(irq_raise, irq->irq_id, d->id, d->vector, d->target->id);
		ih_pcpu_raise_irq(d->target, irq);
	}
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

	if (d->kind == IH_DEV_IOTHREAD)
		ih_eventfd_thread_online();
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
	if (d->kind == IH_DEV_IOTHREAD)
		ih_eventfd_thread_offline();
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
	if (d->kind == IH_DEV_PASSTHROUGH)
		ih_assist_destroy(&d->assist);
}
