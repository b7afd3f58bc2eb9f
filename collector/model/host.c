/*
 * collector/model/host.c - the host's construction, its run's lifecycle
 * and its teardown (see host.h); the pCPU threads are host_cpu.c, the
 * accounting host_stats.c.
 */
#include "config.h"
#include "collector/model/host_impl.h"
#include "collector/events/clock.h"
#include "collector/events/tp.h"
#include "collector/model/procstat.h"
#include "collector/model/softirq.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ih_host_create(const struct ih_scenario *sc, struct ih_host **out, char *err, size_t errlen)
{
	struct ih_host *h = calloc(1, sizeof(*h));
	uint64_t timer_epoch = ih_now_ns();
	unsigned vi = 0;

	*out = NULL;
	if (!h)
		goto nomem;
	h->sc = *sc;
	h->ncpus = sc->pcpus;
	atomic_init(&h->next_irq_id, 1);
	atomic_init(&h->raised, 0);
	atomic_init(&h->acked, 0);
	atomic_init(&h->stop, false);
	atomic_init(&h->interrupted, false);
	ih_evcount_init(&h->acked_notify);
	ih_evcount_init(&h->stop_notify);
	h->cpus = aligned_alloc(64, sizeof(*h->cpus) * h->ncpus);
	if (h->cpus)
		memset(h->cpus, 0, sizeof(*h->cpus) * h->ncpus);
	h->pcpu_ptrs = calloc(h->ncpus, sizeof(*h->pcpu_ptrs));
	for (unsigned g = 0; g < sc->nguests; g++)
		h->nvcpus += sc->guests[g].nvcpus;
	h->vcpus = calloc(h->nvcpus ? h->nvcpus : 1, sizeof(*h->vcpus));
	h->event_locks = aligned_alloc(64, sizeof(*h->event_locks) * (sc->nguests ? sc->nguests : 1));
	h->devices = calloc(sc->ndevices ? sc->ndevices : 1, sizeof(*h->devices));
	h->timers = calloc(h->nvcpus ? h->nvcpus : 1, sizeof(*h->timers));
	h->vm_locks = calloc(sc->nguests ? sc->nguests : 1, sizeof(*h->vm_locks));
	h->efds = calloc(sc->ndevices ? sc->ndevices : 1, sizeof(*h->efds));
	h->irqfds = calloc(sc->ndevices ? sc->ndevices : 1, sizeof(*h->irqfds));
	atomic_init(&h->producing, true);
	if (!h->cpus || !h->pcpu_ptrs || !h->vcpus || !h->event_locks || !h->devices || !h->timers ||
	    !h->vm_locks || !h->efds || !h->irqfds)
		goto nomem;
	for (unsigned i = 0; i < h->ncpus; i++) {
		ih_pcpu_init(&h->cpus[i].pcpu, i, &h->cpus[i]);
		h->cpus_ready++;
		h->cpus[i].host = h;
		h->cpus[i].vcpus = calloc(h->nvcpus ? h->nvcpus : 1, sizeof(struct ih_vcpu *));
		h->cpus[i].timers = calloc(h->nvcpus ? h->nvcpus : 1, sizeof(struct ih_vtimer *));
		if (!h->cpus[i].vcpus || !h->cpus[i].timers)
			goto nomem;
		h->pcpu_ptrs[i] = &h->cpus[i].pcpu;
	}
	if (ih_tasklet_domain_init(&h->tasklets, (enum ih_tasklet_mode)sc->tasklet_mode,
				   h->pcpu_ptrs, h->ncpus))
		goto nomem;
	h->tasklets_ready = true;
	for (unsigned g = 0; g < sc->nguests; g++) {
		const struct ih_sc_guest *sg = &sc->guests[g];

		ih_spin_init(&h->event_locks[g], 1 + g, "event_lock");
		pthread_mutex_init(&h->vm_locks[g], NULL);
		for (unsigned k = 0; k < sg->nvcpus; k++, vi++) {
			struct ih_host_cpu *hc = &h->cpus[sg->vcpu_pcpu[k]];

			ih_vcpu_init(&h->vcpus[vi], vi, g, sg->kind == IH_SC_BUSY, &hc->pcpu,
				     &h->acked, &h->acked_notify);
			h->vcpus_ready++;
			hc->vcpus[hc->nvcpus++] = &h->vcpus[vi];
			if (sg->kind == IH_SC_IDLE && sg->timer_hz > 0) {
				struct ih_vtimer *vt = &h->timers[h->ntimers++];

				vt->v = &h->vcpus[vi];
				vt->period_ns = (uint64_t)(1e9 / sg->timer_hz);
				vt->slop_ns = (uint64_t)sg->timer_slop_us * 1000;
				/* Independent vCPUs tick with spread phases; a timer due
				 * within timer_slop of one firing fires with it (Xen's
				 * coalescing, 50 us by default). */
				vt->next_ns = timer_epoch + vt->period_ns * (k + 1) / (sg->nvcpus + 1);
				ih_assist_init(&vt->assist, &h->tasklets, vt->v, &h->event_locks[g]);
				hc->timers[hc->ntimers++] = vt;
				if (!hc->next_timer || vt->next_ns < hc->next_timer)
					hc->next_timer = vt->next_ns;
			}
		}
	}
	for (unsigned i = 0; i < sc->ndevices; i++) {
		const struct ih_sc_device *sd = &sc->devices[i];
		unsigned first = 0;

		for (unsigned g = 0; g < sd->guest; g++)
			first += sc->guests[g].nvcpus;
		if (sd->kind == IH_SC_IRQFD) {
			unsigned f = h->nirqfds++;

			ih_eventfd_init(&h->efds[f], f, (enum ih_notifier_mode)sc->notifier_mode);
			ih_irqfd_init(&h->irqfds[f], f, &h->efds[f], &h->vcpus[first + sd->vcpu],
				      &h->vm_locks[sd->guest], &h->wq);
			ih_device_init_iothread(&h->devices[i], i, sd->vector, sd->rate_hz, sd->poisson,
						sc->seed, &h->efds[f], &h->next_irq_id, &h->raised);
		} else {
			ih_device_init_passthrough(&h->devices[i], i, sd->vector, sd->rate_hz, sd->poisson,
						   sc->seed, &h->cpus[sd->pcpu].pcpu,
						   &h->vcpus[first + sd->vcpu], &h->event_locks[sd->guest],
						   &h->tasklets, &h->next_irq_id, &h->raised);
			h->devices[i].spike_every = sd->spike_every;
			h->devices[i].spike_ns = sd->spike_ns;
		}
		h->ndevices++;
	}
	ih_softirq_open(IH_SOFTIRQ_TIMER, ih_host_timer_softirq);
	ih_softirq_open(IH_SOFTIRQ_SCHEDULE, ih_host_schedule_softirq);
	h->unit_iters = ih_host_calibrate_unit();
	*out = h;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory building the host");
	ih_host_destroy(h);
	return -1;
}

static void stop_pcpus(struct ih_host *h)
{
	atomic_store(&h->stop, true);
	for (unsigned i = 0; i < h->ncpus; i++)
		ih_pcpu_kick(&h->cpus[i].pcpu);
	for (unsigned i = 0; i < h->ncpus; i++)
		if (h->cpus[i].started) {
			pthread_join(h->cpus[i].thread, NULL);
			h->cpus[i].started = false;
		}
}

int ih_host_run(struct ih_host *h, char *err, size_t errlen)
{
	unsigned devices_started = 0;
	uint64_t end, deadline;
	char *json;
	int rc = -1, e;

	ih_proc_read_stat(&h->steal0, &h->total0);
	if (h->nirqfds) {
		e = ih_workqueue_start(&h->wq, h->sc.workers);
		if (e) {
			snprintf(err, errlen, "cannot start the workqueue: %s", strerror(e));
			goto out;
		}
		h->wq_started = true;
	}
	for (unsigned i = 0; i < h->ncpus; i++) {
		e = pthread_create(&h->cpus[i].thread, NULL, ih_host_cpu_thread, &h->cpus[i]);
		if (e) {
			snprintf(err, errlen, "cannot start pCPU thread %u: %s", i, strerror(e));
			goto out;
		}
		h->cpus[i].started = true;
	}
	json = ih_scenario_to_json(&h->sc);
	IH_TP(run_begin, h->sc.label, json ? json : "{}", ih_tasklet_mode_name(h->sc.tasklet_mode),
	      ih_notifier_mode_name(h->sc.notifier_mode), h->ncpus, h->nvcpus, h->ndevices,
	      h->sc.seed, (uint64_t)(h->sc.duration_s * 1e9));
	h->runs_begun++;
	h->begin_ns = ih_now_ns();
	free(json);
	for (; devices_started < h->ndevices; devices_started++) {
		e = ih_device_start(&h->devices[devices_started]);
		if (e) {
			snprintf(err, errlen, "cannot start device thread %u: %s", devices_started,
				 strerror(e));
			goto out;
		}
	}
	/* The run's duration, cut short by ih_host_interrupt(): the main
	 * thread has nothing else to do. */
	end = ih_now_ns() + (uint64_t)(h->sc.duration_s * 1e9);
	for (;;) {
		unsigned seq = ih_evcount_seq(&h->stop_notify);

		if (atomic_load(&h->interrupted)) {
			h->ended_early = ih_now_ns() < end;
			break;
		}
		if (ih_now_ns() >= end)
			break;
		ih_evcount_wait(&h->stop_notify, seq, end);
	}
	rc = 0;
out:
	/* The one way out, on success and failure alike: nothing produces any
	 * more, the devices that started stop, what was raised drains (when
	 * the pCPUs run), the pCPUs and workers stop, and an opened run is
	 * closed by run_end. */
	atomic_store(&h->producing, false);
	for (unsigned i = 0; i < devices_started; i++)
		ih_device_stop(&h->devices[i]);
	if (h->runs_begun > h->runs_ended) {
		/* Drain: wait (woken by each acknowledgment batch) until every
		 * raised interrupt has been acknowledged. */
		deadline = ih_now_ns() + IH_DRAIN_TIMEOUT_NS;
		for (;;) {
			unsigned seq = ih_evcount_seq(&h->acked_notify);

			if (atomic_load(&h->acked) >= atomic_load(&h->raised))
				break;
			if (ih_evcount_wait(&h->acked_notify, seq, deadline) < 0 &&
			    atomic_load(&h->acked) < atomic_load(&h->raised)) {
				if (rc == 0)
					snprintf(err, errlen, "%llu of %llu interrupts were not acknowledged 10 s after the devices stopped",
						 (unsigned long long)(atomic_load(&h->raised) - atomic_load(&h->acked)),
						 (unsigned long long)atomic_load(&h->raised));
				rc = -1;
				break;
			}
		}
	}
	stop_pcpus(h);
	h->end_ns = ih_now_ns();
	if (h->wq_started) {
		ih_workqueue_stop(&h->wq);
		h->wq_started = false;
	}
	if (h->runs_begun > h->runs_ended) {
		ih_proc_read_stat(&h->steal1, &h->total1);
		IH_TP(run_end, atomic_load(&h->raised), atomic_load(&h->acked), h->steal1 - h->steal0,
		      h->total1 - h->total0);
		h->runs_ended++;
	}
	return rc;
}


void ih_host_interrupt(struct ih_host *h)
{
	atomic_store(&h->interrupted, true);
	ih_evcount_signal(&h->stop_notify);
}

bool ih_host_was_interrupted(struct ih_host *h)
{
	return atomic_load(&h->interrupted);
}


void ih_host_destroy(struct ih_host *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < h->ndevices; i++) {
		ih_device_stop(&h->devices[i]);
		ih_device_destroy(&h->devices[i]);
	}
	if (h->cpus)
		stop_pcpus(h);
	if (h->wq_started)
		ih_workqueue_stop(&h->wq);
	for (unsigned i = 0; i < h->nirqfds; i++) {
		ih_irqfd_destroy(&h->irqfds[i]);
		ih_eventfd_destroy(&h->efds[i]);
	}
	for (unsigned i = 0; i < h->ntimers; i++)
		ih_assist_destroy(&h->timers[i].assist);
	if (h->vm_locks)
		for (unsigned g = 0; g < h->sc.nguests; g++)
			pthread_mutex_destroy(&h->vm_locks[g]);
	if (h->cpus) {
		for (unsigned i = 0; i < h->cpus_ready; i++) {
			ih_pcpu_destroy(&h->cpus[i].pcpu);
			free(h->cpus[i].vcpus);
			free(h->cpus[i].timers);
		}
	}
	if (h->vcpus)
		for (unsigned i = 0; i < h->vcpus_ready; i++)
			ih_vcpu_destroy(&h->vcpus[i]);
	if (h->tasklets_ready)
		ih_tasklet_domain_destroy(&h->tasklets);
	free(h->devices);
	free(h->timers);
	free(h->vm_locks);
	free(h->efds);
	free(h->irqfds);
	free(h->event_locks);
	free(h->audit);
	free(h->vcpus);
	free(h->pcpu_ptrs);
	free(h->cpus);
	free(h);
}
