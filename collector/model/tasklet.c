/*
 * collector/model/tasklet.c - tasklets in GLOBAL and PERCPU mode.  The states, transitions
 * and invariants are in collector/model/tasklet.h; each transition below asserts them.
 */
#include "config.h"
#include "collector/model/wfcq.h"
#include "collector/model/tasklet.h"
#include "collector/events/clock.h"
#include "collector/model/softirq.h"
#include "collector/events/tp.h"

#include <assert.h>
#include <sched.h>
#include <stdlib.h>

static void tasklet_softirq_global(struct ih_pcpu *p);
static void tasklet_softirq_percpu(struct ih_pcpu *p);

int ih_tasklet_domain_init(struct ih_tasklet_domain *d, enum ih_tasklet_mode mode,
			   struct ih_pcpu **pcpus, unsigned ncpus)
{
	d->mode = mode;
	d->ncpus = ncpus;
	ih_spin_init(&d->lock, 0, "tasklet_lock");
	atomic_init(&d->next_id, 1);
	d->cpu = aligned_alloc(64, sizeof(*d->cpu) * (ncpus ? ncpus : 1));
	if (!d->cpu)
		return -1;
	for (unsigned i = 0; i < ncpus; i++) {
		CDS_INIT_LIST_HEAD(&d->cpu[i].list);
		cds_wfcq_init(&d->cpu[i].feed_head, &d->cpu[i].feed_tail);
		d->cpu[i].pcpu = pcpus[i];
		d->cpu[i].func_ns = 0;
		d->cpu[i].runs = 0;
		pcpus[i]->tasklet_dom = d;
	}
	ih_softirq_open(IH_SOFTIRQ_TASKLET, tasklet_softirq_global);
	ih_softirq_open(IH_SOFTIRQ_TASKLET_PERCPU, tasklet_softirq_percpu);
	return 0;
}

void ih_tasklet_domain_destroy(struct ih_tasklet_domain *d)
{
	for (unsigned i = 0; i < d->ncpus; i++)
		cds_wfcq_destroy(&d->cpu[i].feed_head, &d->cpu[i].feed_tail);
	free(d->cpu);
	d->cpu = NULL;
}

void ih_tasklet_init(struct ih_tasklet *t, struct ih_tasklet_domain *d,
		     ih_tasklet_fn func, void *data)
{
	CDS_INIT_LIST_HEAD(&t->list);
	cds_wfcq_node_init(&t->feed_node);
	t->dom = d;
	t->func = func;
	t->data = data;
	t->id = atomic_fetch_add(&d->next_id, 1);
	t->sched_irq_id = 0;
	t->scheduled_on = -1;
	t->is_running = false;
	t->is_dead = false;
	atomic_init(&t->state, 0);
	atomic_init(&t->dead, false);
}

static uint32_t cur_cpu_slot(void)
{
	uint32_t id = ih_pcpu_current_id();

	return id == IH_PCPU_NONE ? IH_SPIN_NOCPU : id;
}

/* Runs T's function on behalf of pCPU C, accounting its time. */
static void run_func(struct ih_tasklet_cpu *c, struct ih_tasklet *t)
{
	uint64_t t0 = ih_now_ns();

	t->func(t, t->data);
	c->func_ns += ih_now_ns() - t0;
	c->runs++;
}

/* ---- GLOBAL mode ------------------------------------------------------ */

/* Caller holds d->lock: puts T at the tail of CPU's list (QUEUED(cpu)). */
static void enqueue_global__x(struct ih_tasklet_domain *d, struct ih_tasklet *t, unsigned cpu)
{
	assert(!t->is_running);
	cds_list_del_init(&t->list);
	t->scheduled_on = (int)cpu;
	cds_list_add_tail(&t->list, &d->cpu[cpu].list);
}

static bool schedule_global(struct ih_tasklet *t, unsigned cpu, uint64_t irq_id)
{
	struct ih_tasklet_domain *d = t->dom;
	uint32_t me = cur_cpu_slot();
	bool queued = false, raise = false;
	uint64_t wait;

	wait = ih_spin_lock(&d->lock, me);
	if (!t->is_dead) {
		if (t->is_running) {
			/* RUNNING -> RUNNING+RESCHED: re-queued when the run ends. */
			queued = t->scheduled_on < 0;
			t->scheduled_on = (int)cpu;
		} else {
			/* IDLE -> QUEUED(cpu), or QUEUED(c) -> QUEUED(cpu) (moved to the tail). */
			queued = cds_list_empty(&t->list);
			enqueue_global__x(d, t, cpu);
			raise = true;
		}
		if (queued)
			t->sched_irq_id = irq_id;
	}
	ih_spin_unlock(&d->lock, me);
	if (raise)
		ih_softirq_raise(d->cpu[cpu].pcpu, IH_SOFTIRQ_TASKLET, irq_id);
	IH_TP(tasklet_schedule, irq_id, t->id, IH_TP_TASKLET_GLOBAL,
	      ih_pcpu_current_id(), cpu, wait, queued);
	return queued;
}

/* TASKLET softirq: runs one tasklet from this pCPU's list, re-raising when
 * more remain (Xen's do_tasklet_work + tasklet_softirq_action). */
static void tasklet_softirq_global(struct ih_pcpu *p)
{
	struct ih_tasklet_domain *d = p->tasklet_dom;
	struct ih_tasklet_cpu *c = &d->cpu[p->id];
	struct ih_tasklet *t;
	uint64_t wait_in, wait_out, irq_id, tid;
	int resched;
	bool more;

	wait_in = ih_spin_lock(&d->lock, p->id);
	if (cds_list_empty(&c->list)) {
		ih_spin_unlock(&d->lock, p->id);
		return;
	}
	/* QUEUED(p) -> RUNNING */
	t = cds_list_entry(c->list.next, struct ih_tasklet, list);
	assert(!t->is_running && t->scheduled_on == (int)p->id);
	cds_list_del_init(&t->list);
	t->scheduled_on = -1;
	t->is_running = true;
	irq_id = t->sched_irq_id;
	tid = t->id;
	ih_spin_unlock(&d->lock, p->id);

	IH_TP(tasklet_entry, irq_id, tid, p->id, wait_in);
	run_func(c, t);

	wait_out = ih_spin_lock(&d->lock, p->id);
	assert(t->is_running);
	t->is_running = false;
	resched = t->scheduled_on;
	/* RUNNING -> IDLE, or RUNNING+RESCHED -> QUEUED(c) */
	if (resched >= 0)
		enqueue_global__x(d, t, (unsigned)resched);
	more = !cds_list_empty(&c->list);
	ih_spin_unlock(&d->lock, p->id);
	/* T may be killed and freed from here on: use tid only. */
	IH_TP(tasklet_exit, irq_id, tid, p->id, wait_out);

	if (resched >= 0 && (unsigned)resched != p->id)
		ih_softirq_raise(d->cpu[resched].pcpu, IH_SOFTIRQ_TASKLET, 0);
	if (more || (unsigned)resched == p->id)
		ih_softirq_raise(p, IH_SOFTIRQ_TASKLET, 0);
}

static void kill_global(struct ih_tasklet *t)
{
	struct ih_tasklet_domain *d = t->dom;
	struct ih_pcpu *me = ih_pcpu_current();
	uint32_t slot = cur_cpu_slot();

	ih_spin_lock(&d->lock, slot);
	/* QUEUED -> IDLE; a RUNNING+RESCHED loses its re-queue. */
	cds_list_del_init(&t->list);
	t->scheduled_on = -1;
	t->is_dead = true;
	while (t->is_running) {
		ih_spin_unlock(&d->lock, slot);
		if (me)
			ih_softirq_do(me);
		else
			sched_yield();
		ih_spin_lock(&d->lock, slot);
	}
	ih_spin_unlock(&d->lock, slot);
}

/* ---- PERCPU mode ------------------------------------------------------- */

/* Called by the caller that just set SCHED: if kill marked T dead
 * meanwhile (its dead store precedes its clear of SCHED, which precedes our
 * set), give SCHED back and refuse, so no run is queued after kill
 * returned (G4).  Returns whether T is dead. */
static bool dead_after_sched(struct ih_tasklet *t)
{
	if (!atomic_load(&t->dead))
		return false;
	atomic_fetch_and(&t->state, ~IH_TASKLET_STATE_SCHED);
	return true;
}

static bool schedule_percpu(struct ih_tasklet *t, unsigned cpu, uint64_t irq_id)
{
	struct ih_tasklet_domain *d = t->dom;
	struct ih_pcpu *me = ih_pcpu_current();
	bool queued = false;

	if (!atomic_load(&t->dead) &&
	    !(atomic_fetch_or(&t->state, IH_TASKLET_STATE_SCHED) & IH_TASKLET_STATE_SCHED) &&
	    !dead_after_sched(t)) {
		/* 0x0 -> 0x1 or 0x2 -> 0x3: we own the queueing. */
		queued = true;
		t->scheduled_on = (int)cpu;
		t->sched_irq_id = irq_id;
		if (me && me->id == cpu) {
			cds_list_add_tail(&t->list, &d->cpu[cpu].list);
		} else {
			ih_wfcq_enqueue(&d->cpu[cpu].feed_head, &d->cpu[cpu].feed_tail, &t->feed_node);
		}
		ih_softirq_raise(d->cpu[cpu].pcpu, IH_SOFTIRQ_TASKLET_PERCPU, irq_id);
	}
	IH_TP(tasklet_schedule, irq_id, t->id, IH_TP_TASKLET_PERCPU,
	      ih_pcpu_current_id(), cpu, 0, queued);
	return queued;
}

/* Moves tasklets fed by other pCPUs onto this pCPU's list. */
static void splice_feed(struct ih_tasklet_cpu *c)
{
	struct cds_wfcq_node *n;

	while ((n = ih_wfcq_dequeue_single(&c->feed_head, &c->feed_tail)) != NULL) {
		struct ih_tasklet *t = caa_container_of(n, struct ih_tasklet, feed_node);

		cds_list_add_tail(&t->list, &c->list);
	}
}

/* TASKLET_PERCPU softirq: one tasklet per pass, lock-free. */
static void tasklet_softirq_percpu(struct ih_pcpu *p)
{
	struct ih_tasklet_domain *d = p->tasklet_dom;
	struct ih_tasklet_cpu *c = &d->cpu[p->id];
	struct ih_tasklet *t;
	unsigned long old;
	uint64_t irq_id, tid;
	bool poke;

	splice_feed(c);
	if (cds_list_empty(&c->list))
		return;
	t = cds_list_entry(c->list.next, struct ih_tasklet, list);
	cds_list_del_init(&t->list);
	poke = !cds_list_empty(&c->list);
	assert(atomic_load(&t->state) & IH_TASKLET_STATE_SCHED);

	if (atomic_fetch_or(&t->state, IH_TASKLET_STATE_RUN) & IH_TASKLET_STATE_RUN) {
		/* Running on another pCPU (0x3): re-queue here and retry later. */
		cds_list_add_tail(&t->list, &c->list);
		ih_softirq_raise(p, IH_SOFTIRQ_TASKLET_PERCPU, 0);
		return;
	}
	/* We hold RUN: 0x3 -> 0x2.  Read the irq before SCHED is released to a
	 * new scheduler that will overwrite it. */
	irq_id = t->sched_irq_id;
	tid = t->id;
	old = atomic_fetch_and(&t->state, ~IH_TASKLET_STATE_SCHED);
	assert(old & IH_TASKLET_STATE_SCHED);
	(void)old;
	IH_TP(tasklet_entry, irq_id, tid, p->id, 0);
	run_func(c, t);
	/* 0x2 -> 0x0, or 0x3 -> 0x1 if scheduled meanwhile (already queued). */
	old = atomic_fetch_and_explicit(&t->state, ~IH_TASKLET_STATE_RUN, memory_order_release);
	assert(old & IH_TASKLET_STATE_RUN);
	/* T may be killed and freed from here on: use tid only. */
	IH_TP(tasklet_exit, irq_id, tid, p->id, 0);
	if (poke)
		ih_softirq_raise(p, IH_SOFTIRQ_TASKLET_PERCPU, 0);
}

static void kill_percpu(struct ih_tasklet *t)
{
	struct ih_pcpu *me = ih_pcpu_current();

	/* Take SCHED ourselves; while someone else holds it a run is queued,
	 * so let it happen first. */
	while (atomic_fetch_or(&t->state, IH_TASKLET_STATE_SCHED) & IH_TASKLET_STATE_SCHED) {
		while (atomic_load(&t->state) & IH_TASKLET_STATE_SCHED) {
			if (me)
				ih_softirq_do(me);
			else
				sched_yield();
		}
	}
	while (atomic_load(&t->state) & IH_TASKLET_STATE_RUN)
		sched_yield();
	atomic_store(&t->dead, true);
	atomic_fetch_and(&t->state, ~IH_TASKLET_STATE_SCHED);
}

/* ---- mode dispatch ------------------------------------------------------ */

bool ih_tasklet_schedule_on(struct ih_tasklet *t, unsigned cpu, uint64_t irq_id)
{
	assert(cpu < t->dom->ncpus);
	return t->dom->mode == IH_TASKLET_PERCPU ? schedule_percpu(t, cpu, irq_id)
						 : schedule_global(t, cpu, irq_id);
}

bool ih_tasklet_schedule(struct ih_tasklet *t, uint64_t irq_id)
{
	uint32_t me = ih_pcpu_current_id();

	return ih_tasklet_schedule_on(t, me == IH_PCPU_NONE ? 0 : me, irq_id);
}

void ih_tasklet_kill_blocking(struct ih_tasklet *t)
{
	if (t->dom->mode == IH_TASKLET_PERCPU)
		kill_percpu(t);
	else
		kill_global(t);
}
