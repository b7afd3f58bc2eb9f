/*
 * collector/model/device.h - interrupt sources and tasklet-assisted delivery.
 *
 * An assist is Xen's deferred injection through a tasklet: interrupts are
 * queued on it, its tasklet is scheduled, and the tasklet function injects
 * every queued interrupt into the vCPU under the guest's event_lock.  Two
 * uses: the dpci of a passthrough device (hvm_do_IRQ_dpci queues, then
 * hvm_dirq_assist runs), and the timer tasklet of an idle vCPU
 * (assert_evtchn_irq_tasklet).  Interrupts that arrive before the tasklet
 * runs are served by one run; each is still injected and acknowledged
 * individually.
 *
 * A device is a thread that produces interrupts at a set rate (fixed period,
 * or Poisson arrivals from a seeded generator):
 *   PASSTHROUGH  raises a physical interrupt on a pCPU; the handler (on
 *                that pCPU) queues it on the device's assist;
 *   IOTHREAD     the tap/virtio tx-thread: signals an eventfd (irqfd path).
 *
 * Synchronization: an assist's queue is a wfcqueue (queued on the pCPU, or
 * any thread; dequeued by the tasklet, which runs on one pCPU at a time by
 * G3 of collector/model/tasklet.h).  `stop` is the only field a device thread shares.
 */
#ifndef IH_DEVICE_H
#define IH_DEVICE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "collector/model/notifier.h"
#include "collector/model/pcpu.h"
#include "collector/model/tasklet.h"
#include "collector/model/vcpu.h"

struct ih_assist {
	struct ih_tasklet tasklet;
	struct cds_wfcq_head head;
	struct cds_wfcq_tail tail;
	struct ih_vcpu *vcpu;
	struct ih_spinlock *event_lock;  /* the guest's */
};

void ih_assist_init(struct ih_assist *a, struct ih_tasklet_domain *dom, struct ih_vcpu *vcpu,
		    struct ih_spinlock *event_lock);
/* Queues IRQ and schedules the tasklet on the caller's pCPU. */
void ih_assist_queue(struct ih_assist *a, struct ih_irq *irq);
/* Frees queued interrupts (teardown, all pCPUs stopped). */
void ih_assist_destroy(struct ih_assist *a);

enum ih_device_kind { IH_DEV_PASSTHROUGH = 0, IH_DEV_IOTHREAD = 1 };

struct ih_device {
	enum ih_device_kind kind;
	uint32_t id;
	uint32_t vector;
	double rate_hz;
	bool poisson;
	uint64_t rng;                   /* splitmix64 state (device thread) */
	struct ih_pcpu *target;         /* PASSTHROUGH */
	struct ih_assist assist;        /* PASSTHROUGH: the dpci */
	struct ih_eventfd *efd;         /* IOTHREAD */
	_Atomic uint64_t *next_irq_id;  /* host-wide */
	_Atomic uint64_t *raised;       /* host-wide */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	uint64_t spike_every;           /* PASSTHROUGH: irq_ids that are multiples of it */
	uint64_t spike_ns;              /* spin this long in the handler (0: none) */
};

/* A passthrough device raising on TARGET, delivered into VCPU. */
void ih_device_init_passthrough(struct ih_device *d, uint32_t id, uint32_t vector, double rate_hz,
				bool poisson, uint64_t seed, struct ih_pcpu *target,
				struct ih_vcpu *vcpu, struct ih_spinlock *event_lock,
				struct ih_tasklet_domain *dom, _Atomic uint64_t *next_irq_id,
				_Atomic uint64_t *raised);
/* An I/O thread signalling EFD. */
void ih_device_init_iothread(struct ih_device *d, uint32_t id, uint32_t vector, double rate_hz,
			     bool poisson, uint64_t seed, struct ih_eventfd *efd,
			     _Atomic uint64_t *next_irq_id, _Atomic uint64_t *raised);

/* Starts the device thread.  Returns 0, or an errno value on failure. */
int ih_device_start(struct ih_device *d);
/* Stops producing and joins the thread (no-op if never started). */
void ih_device_stop(struct ih_device *d);
/* Frees what is queued.  After ih_device_stop and once pCPUs stopped. */
void ih_device_destroy(struct ih_device *d);

/* Produces one interrupt now from the calling thread (the device thread's
 * body; also used by tests).  Returns false, producing nothing, only on
 * allocation failure. */
bool ih_device_raise(struct ih_device *d);
#endif
