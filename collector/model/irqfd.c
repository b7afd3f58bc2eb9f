/* collector/model/irqfd.c - see collector/model/irqfd.h. */
#include "config.h"
#include "collector/model/irqfd.h"
#include "collector/events/clock.h"

/* Takes the VM mutex; returns the ns spent waiting for it. */
static uint64_t vm_lock(pthread_mutex_t *m)
{
	uint64_t t0;

	if (pthread_mutex_trylock(m) == 0)
		return 0;
	t0 = ih_now_ns();
	pthread_mutex_lock(m);
	return ih_now_ns() - t0;
}

static void irqfd_inject(struct ih_irqfd *f, struct ih_irq *irq)
{
	uint64_t wait = vm_lock(f->vm_lock);

	ih_vcpu_inject(f->vcpu, irq, wait);
	pthread_mutex_unlock(f->vm_lock);
}

/* The deferred injection, on a worker thread. */
static void irqfd_work(struct ih_pcpu *p, struct ih_irq *irq)
{
	(void)p;
	irqfd_inject(irq->ctx, irq);
}

static bool irqfd_wakeup(struct ih_notifier_client *c, struct ih_irq *irq)
{
	struct ih_irqfd *f = c->data;

	if (!irq)
		return false;
	if (f->efd->mode == IH_NOTIFIER_SRCU) {
		/* No spinlock held: we may sleep on the VM mutex. */
		irqfd_inject(f, irq);
	} else {
		/* Called under the wait-queue spinlock: defer. */
		irq->handler = irqfd_work;
		irq->ctx = f;
		ih_workqueue_queue(f->wq, irq, f->id);
	}
	return true;
}

void ih_irqfd_init(struct ih_irqfd *f, uint32_t id, struct ih_eventfd *efd, struct ih_vcpu *vcpu,
		   pthread_mutex_t *vm_lock_, struct ih_workqueue *wq)
{
	f->id = id;
	f->efd = efd;
	f->vcpu = vcpu;
	f->vm_lock = vm_lock_;
	f->wq = wq;
	f->client.fn = irqfd_wakeup;
	f->client.data = f;
	ih_eventfd_register(efd, &f->client);
}

void ih_irqfd_destroy(struct ih_irqfd *f)
{
	ih_eventfd_unregister_blocking(f->efd, &f->client);
}
