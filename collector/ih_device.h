/*
 * ih_device.h - passthrough interrupt sources and Xen's dpci delivery.
 *
 * A device is a thread that raises physical interrupts on one pCPU at a set
 * rate (fixed period, or Poisson arrivals from a seeded generator).  On the
 * pCPU, the interrupt handler is hvm_do_IRQ_dpci: it queues the interrupt on
 * the device's dpci and schedules the dpci tasklet.  The tasklet function is
 * hvm_dirq_assist: it takes every queued interrupt and injects each into the
 * guest vCPU under the guest's event_lock.  Several interrupts that arrive
 * before the tasklet runs are thus served by one run, and each is still
 * injected and acknowledged individually.
 *
 * Synchronization: the dpci queue is a wfcqueue (the handler enqueues on the
 * device's pCPU; the tasklet, which runs on one pCPU at a time by G3,
 * dequeues).  `stop` is the only field the device thread shares.
 */
#ifndef IH_DEVICE_H
#define IH_DEVICE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "collector/ih_pcpu.h"
#include "collector/ih_tasklet.h"
#include "collector/ih_vcpu.h"

struct ih_device {
	uint32_t id;
	uint32_t vector;
	double rate_hz;
	bool poisson;
	uint64_t rng;                   /* splitmix64 state (device thread) */
	struct ih_pcpu *target;
	struct ih_vcpu *vcpu;
	struct ih_spinlock *event_lock; /* the guest's */
	struct ih_tasklet tasklet;      /* dpci->dirq_tasklet */
	struct cds_wfcq_head pend_head;
	struct cds_wfcq_tail pend_tail;
	_Atomic uint64_t *next_irq_id;  /* host-wide */
	_Atomic uint64_t *raised;       /* host-wide */
	pthread_t thread;
	bool started;
	atomic_bool stop;
};

void ih_device_init(struct ih_device *d, uint32_t id, uint32_t vector, double rate_hz,
		    bool poisson, uint64_t seed, struct ih_pcpu *target, struct ih_vcpu *vcpu,
		    struct ih_spinlock *event_lock, struct ih_tasklet_domain *dom,
		    _Atomic uint64_t *next_irq_id, _Atomic uint64_t *raised);

/* Starts the device thread.  Returns 0, or an errno value on failure. */
int ih_device_start(struct ih_device *d);
/* Stops raising and joins the thread (no-op if never started). */
void ih_device_stop(struct ih_device *d);
/* Kills the tasklet and frees queued interrupts.  After ih_device_stop and
 * once every pCPU has stopped. */
void ih_device_destroy(struct ih_device *d);

/* Raises one interrupt now from the calling thread (the device thread's
 * body; also used by tests).  Never fails but on allocation failure, where
 * the interrupt is not raised and false is returned. */
bool ih_device_raise(struct ih_device *d);
#endif
