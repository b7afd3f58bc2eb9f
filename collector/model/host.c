/* collector/model/host.c - see collector/model/host.h. */
#include "config.h"
#include "collector/model/host.h"
#include "collector/events/clock.h"
#include "collector/model/device.h"
#include "collector/model/irqfd.h"
#include "collector/model/notifier.h"
#include "collector/model/workqueue.h"
#include "collector/model/evcount.h"
#include "collector/model/pcpu.h"
#include "collector/model/softirq.h"
#include "collector/model/tasklet.h"
#include "collector/events/tp.h"
#include "collector/model/vcpu.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IH_STATS_PERIOD_NS 100000000ull   /* periodic lock_stat/schedstat/account */
#define IH_DRAIN_TIMEOUT_NS 10000000000ull
#define IH_GUEST_UNIT_NS 1500
#define IH_VIRQ_TIMER_VECTOR 0xef

/* An idle vCPU's periodic timer, delivered through its timer tasklet. */
struct ih_vtimer {
	struct ih_vcpu *v;
	uint64_t period_ns;
	uint64_t next_ns;          /* home pCPU's thread only */
	uint64_t slop_ns;          /* Xen's timer_slop: coalescing window */
	struct ih_assist assist;   /* assert_evtchn_irq_tasklet */
};

struct ih_host_cpu {
	struct ih_pcpu pcpu;
	struct ih_host *host;
	pthread_t thread;
	bool started;
	struct ih_vcpu **vcpus;      /* vCPUs homed here */
	unsigned nvcpus;
	unsigned rr;                 /* round-robin cursor */
	struct ih_vcpu *cur;
	uint64_t slice_end;
	struct ih_vtimer **timers;   /* timers of vCPUs homed here */
	unsigned ntimers;
	uint64_t next_timer;         /* earliest timer deadline, 0 = none */
	/* Start of the softirq time not yet charged to a vCPU (see charge_softirq). */
	uint64_t hv_t0, hv_func0, hv_lw0;
} __attribute__((aligned(64)));

struct ih_host {
	struct ih_scenario sc;
	atomic_bool interrupted;     /* ih_host_interrupt: end the run now */
	struct ih_notify stop_notify; /* wakes the run's duration wait */
	unsigned ncpus;
	struct ih_host_cpu *cpus;
	struct ih_pcpu **pcpu_ptrs;
	struct ih_tasklet_domain tasklets;
	bool tasklets_ready;
	unsigned nvcpus;
	unsigned cpus_ready, vcpus_ready; /* initialised so far (for teardown) */
	struct ih_vcpu *vcpus;
	struct ih_spinlock *event_locks; /* one per guest */
	unsigned ndevices;
	struct ih_device *devices;
	unsigned ntimers;
	struct ih_vtimer *timers;
	pthread_mutex_t *vm_locks;       /* one per guest (kvm->lock) */
	unsigned nirqfds;
	struct ih_eventfd *efds;         /* one per irqfd device */
	struct ih_irqfd *irqfds;
	struct ih_workqueue wq;
	bool wq_started;
	atomic_bool producing;           /* devices and timers may produce */
	_Atomic uint64_t next_irq_id;
	_Atomic uint64_t raised;
	_Atomic uint64_t acked;
	struct ih_notify acked_notify;
	atomic_bool stop;
	uint64_t unit_iters;             /* loop iterations in one guest unit */
	_Atomic uint64_t *audit;         /* see ih_host_enable_ack_audit */
	_Atomic uint64_t audit_dups;
	uint64_t steal0, total0, steal1, total1;
	uint64_t end_ns;                 /* when the pCPUs stopped */
};

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
static uint64_t calibrate_unit(void)
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

/* Host-wide steal and total CPU time from /proc/stat's "cpu" line, in ns.
 * On failure both stay 0 (the host's steal is then reported as unknown). */
static void read_proc_stat(uint64_t *steal_ns, uint64_t *total_ns)
{
	unsigned long long f[10] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *fp = fopen("/proc/stat", "r");
	uint64_t total = 0;

	*steal_ns = *total_ns = 0;
	if (!fp)
		return;
	if (fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2],
		   &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9]) >= 8 && hz > 0) {
		/* guest and guest_nice (8, 9) are already counted in user/nice. */
		for (int i = 0; i < 8; i++)
			total += f[i];
		*steal_ns = (uint64_t)f[7] * (1000000000ull / (uint64_t)hz);
		*total_ns = total * (1000000000ull / (uint64_t)hz);
	}
	fclose(fp);
}

/* The calling thread's run time and run delay from its schedstat; zeros on
 * failure (kernels without schedstats). */
static void read_schedstat(uint64_t *run_ns, uint64_t *delay_ns)
{
	unsigned long long r = 0, d = 0;
	FILE *fp = fopen("/proc/thread-self/schedstat", "r");

	if (fp) {
		if (fscanf(fp, "%llu %llu", &r, &d) != 2)
			r = d = 0;
		fclose(fp);
	}
	*run_ns = r;
	*delay_ns = d;
}

/* Cumulative hypervisor time of V, for the analyzer's steal windows. */
static void emit_account(struct ih_vcpu *v)
{
	IH_TP(vcpu_account, v->id, v->hv_irq_ns, v->hv_softirq_ns, v->hv_tasklet_ns, v->hv_lock_ns);
}

static void emit_periodic(struct ih_host_cpu *hc)
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
	read_schedstat(&run, &delay);
	IH_TP(pcpu_schedstat, id, run, delay);
	for (unsigned i = 0; i < hc->nvcpus; i++) {
		struct ih_vcpu *v = hc->vcpus[i];

		emit_account(v);
	}
}

/* Lock wait accumulated by this pCPU on every lock it may spin on. */
static uint64_t lock_wait_total(struct ih_host_cpu *hc)
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
			emit_account(cur);
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
	uint64_t func = hc->host->tasklets.cpu[hc->pcpu.id].func_ns, lw = lock_wait_total(hc);

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
static void schedule_softirq(struct ih_pcpu *p)
{
	struct ih_host_cpu *hc = p->owner;
	uint64_t now = ih_now_ns();

	charge_softirq(hc, now);
	pick_vcpu(hc, now);
}

/* TIMER softirq: fire this pCPU's due timers (timer_fire, then the timer
 * tasklet is scheduled through the vCPU's assist).  pCPU thread only. */
static void timer_softirq(struct ih_pcpu *p)
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

static void *pcpu_thread(void *arg)
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
		lw0 = lock_wait_total(hc);
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
			hc->cur->hv_lock_ns += lock_wait_total(hc) - lw0;
		}

		if (hc->next_timer && now >= hc->next_timer)
			ih_softirq_raise(p, IH_SOFTIRQ_TIMER, 0);

		v = pick_vcpu(hc, now);
		if (v) {
			ih_vcpu_ack_pending(v);
			if (v->busy) {
				guest_unit(h->unit_iters);
			} else if (!ih_vcpu_has_pending(v)) {
				emit_account(v);
				ih_vcpu_set_runstate(v, IH_RS_RUNNING, IH_RS_BLOCKED);
				hc->cur = NULL;
			}
		} else {
			uint64_t deadline = next_stats;

			if (hc->next_timer && hc->next_timer < deadline)
				deadline = hc->next_timer;
			ih_pcpu_idle_wait(p, deadline);
		}
		if (now >= next_stats) {
			emit_periodic(hc);
			next_stats = now + IH_STATS_PERIOD_NS;
		}
	}
	emit_periodic(hc);
	ih_pcpu_set_current(NULL);
	return NULL;
}

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
	ih_notify_init(&h->acked_notify);
	ih_notify_init(&h->stop_notify);
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
		}
		h->ndevices++;
	}
	ih_softirq_open(IH_SOFTIRQ_TIMER, timer_softirq);
	ih_softirq_open(IH_SOFTIRQ_SCHEDULE, schedule_softirq);
	h->unit_iters = calibrate_unit();
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
	uint64_t end, deadline;
	char *json;
	int rc;

	read_proc_stat(&h->steal0, &h->total0);
	if (h->nirqfds) {
		rc = ih_workqueue_start(&h->wq, h->sc.workers);
		if (rc) {
			snprintf(err, errlen, "cannot start the workqueue: %s", strerror(rc));
			return -1;
		}
		h->wq_started = true;
	}
	for (unsigned i = 0; i < h->ncpus; i++) {
		rc = pthread_create(&h->cpus[i].thread, NULL, pcpu_thread, &h->cpus[i]);
		if (rc) {
			snprintf(err, errlen, "cannot start pCPU thread %u: %s", i, strerror(rc));
			stop_pcpus(h);
			return -1;
		}
		h->cpus[i].started = true;
	}
	json = ih_scenario_to_json(&h->sc);
	IH_TP(run_begin, h->sc.label, json ? json : "{}", ih_tasklet_mode_name(h->sc.tasklet_mode),
	      ih_notifier_mode_name(h->sc.notifier_mode), h->ncpus, h->nvcpus, h->ndevices,
	      h->sc.seed, (uint64_t)(h->sc.duration_s * 1e9));
	free(json);
	for (unsigned i = 0; i < h->ndevices; i++) {
		rc = ih_device_start(&h->devices[i]);
		if (rc) {
			snprintf(err, errlen, "cannot start device thread %u: %s", i, strerror(rc));
			for (unsigned k = 0; k < i; k++)
				ih_device_stop(&h->devices[k]);
			stop_pcpus(h);
			return -1;
		}
	}
	/* The run's duration, cut short by ih_host_interrupt(): the main
	 * thread has nothing else to do. */
	end = ih_now_ns() + (uint64_t)(h->sc.duration_s * 1e9);
	for (;;) {
		unsigned seq = ih_notify_seq(&h->stop_notify);

		if (atomic_load(&h->interrupted) || ih_now_ns() >= end)
			break;
		ih_notify_wait(&h->stop_notify, seq, end);
	}
	atomic_store(&h->producing, false);
	for (unsigned i = 0; i < h->ndevices; i++)
		ih_device_stop(&h->devices[i]);

	/* Drain: wait (woken by each acknowledgment batch) until every raised
	 * interrupt has been acknowledged. */
	deadline = ih_now_ns() + IH_DRAIN_TIMEOUT_NS;
	for (;;) {
		unsigned seq = ih_notify_seq(&h->acked_notify);

		if (atomic_load(&h->acked) >= atomic_load(&h->raised))
			break;
		if (ih_notify_wait(&h->acked_notify, seq, deadline) < 0 &&
		    atomic_load(&h->acked) < atomic_load(&h->raised)) {
			snprintf(err, errlen, "%llu of %llu interrupts were not acknowledged 10 s after the devices stopped",
				 (unsigned long long)(atomic_load(&h->raised) - atomic_load(&h->acked)),
				 (unsigned long long)atomic_load(&h->raised));
			stop_pcpus(h);
			return -1;
		}
	}
	stop_pcpus(h);
	h->end_ns = ih_now_ns();
	if (h->wq_started) {
		ih_workqueue_stop(&h->wq);
		h->wq_started = false;
	}
	read_proc_stat(&h->steal1, &h->total1);
	IH_TP(run_end, atomic_load(&h->raised), atomic_load(&h->acked), h->steal1 - h->steal0,
	      h->total1 - h->total0);
	return 0;
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

void ih_host_interrupt(struct ih_host *h)
{
	atomic_store(&h->interrupted, true);
	ih_notify_signal(&h->stop_notify);
}

bool ih_host_was_interrupted(struct ih_host *h)
{
	return atomic_load(&h->interrupted);
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
