/*
 * collector/model/irqfd.h - KVM's irqfd: a notifier client of an eventfd that injects an
 * interrupt into a vCPU under the VM's mutex (kvm->lock, a sleeping lock).
 *
 * In WAITQUEUE mode the callback runs under the eventfd's spinlock and may
 * not sleep, so it queues the injection on a workqueue (the deferral hop and
 * the worker wake-up hop).  In SRCU mode the callback may sleep and injects
 * directly.  The VM mutex wait is reported in the inject event.
 */
#ifndef IH_IRQFD_H
#define IH_IRQFD_H
#include <pthread.h>
#include <stdint.h>

#include "collector/model/notifier.h"
#include "collector/model/vcpu.h"
#include "collector/model/workqueue.h"

struct ih_irqfd {
	struct ih_notifier_client client;
	uint32_t id;
	struct ih_eventfd *efd;
	struct ih_vcpu *vcpu;
	pthread_mutex_t *vm_lock;
	struct ih_workqueue *wq;
};

/* Binds an irqfd to EFD (registering it) for VCPU.  Never fails. */
void ih_irqfd_init(struct ih_irqfd *f, uint32_t id, struct ih_eventfd *efd, struct ih_vcpu *vcpu,
		   pthread_mutex_t *vm_lock, struct ih_workqueue *wq);
/* Unregisters; on return its callback runs nowhere. */
void ih_irqfd_destroy(struct ih_irqfd *f);
#endif
