/*
 * collector_tasklet.c - TAP tests of tasklet semantics in both modes
 * (guarantees G1-G4 of collector/model/tasklet.h).  Test threads act as pCPUs;
 * they wait for each other with semaphores and barriers, never with sleeps,
 * and every loop has a bound.
 */
#include "config.h"
#include "collector/model/pcpu.h"
#include "collector/model/softirq.h"
#include "collector/model/tasklet.h"
#include "tests/tap.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>

#define NCPU 2
#define STRESS_ITERS 20000
#define DRAIN_ROUNDS 10000

static struct ih_pcpu cpus[NCPU];
static struct ih_pcpu *cpu_ptrs[NCPU] = { &cpus[0], &cpus[1] };
static struct ih_tasklet_domain dom;

struct probe {
	atomic_int runs;
	atomic_int inside;        /* concurrent executions right now */
	atomic_int overlaps;      /* times inside was > 1 */
	int resched_left;         /* G2: reschedules itself this many times */
	sem_t started, release;   /* G4 */
	bool block;               /* G4: wait for release in the function */
	atomic_int *order;
	int end_seq;
};

static void probe_fn(struct ih_tasklet *t, void *data)
{
	struct probe *pr = data;

	if (atomic_fetch_add(&pr->inside, 1) != 0)
		atomic_fetch_add(&pr->overlaps, 1);
	atomic_fetch_add(&pr->runs, 1);
	if (pr->block) {
		sem_post(&pr->started);
		sem_wait(&pr->release);
		pr->end_seq = atomic_fetch_add(pr->order, 1);
	}
	if (pr->resched_left > 0) {
		pr->resched_left--;
		ih_tasklet_schedule(t, 0);
	}
	atomic_fetch_sub(&pr->inside, 1);
}

static void probe_init(struct probe *pr)
{
	memset(pr, 0, sizeof(*pr));
	sem_init(&pr->started, 0, 0);
	sem_init(&pr->release, 0, 0);
}

static void setup(enum ih_tasklet_mode mode)
{
	for (int i = 0; i < NCPU; i++)
		ih_pcpu_init(&cpus[i], (uint32_t)i, NULL);
	if (ih_tasklet_domain_init(&dom, mode, cpu_ptrs, NCPU))
		tap_bail("cannot allocate the tasklet domain");
}

static void teardown(void)
{
	ih_tasklet_domain_destroy(&dom);
	for (int i = 0; i < NCPU; i++)
		ih_pcpu_destroy(&cpus[i]);
}

static const char *mname(enum ih_tasklet_mode m)
{
	return m == IH_TASKLET_PERCPU ? "percpu" : "global";
}

/* G1: scheduled twice before it runs, it runs once. */
static void test_coalesce(enum ih_tasklet_mode m)
{
	struct ih_tasklet t;
	struct probe pr;
	bool q1, q2;

	setup(m);
	probe_init(&pr);
	ih_tasklet_init(&t, &dom, probe_fn, &pr);
	ih_pcpu_set_current(&cpus[0]);
	q1 = ih_tasklet_schedule(&t, 1);
	q2 = ih_tasklet_schedule(&t, 2);
	ok(q1 && !q2, "%s: first schedule queues, second is coalesced", mname(m));
	ih_softirq_do(&cpus[0]);
	is_u64(atomic_load(&pr.runs), 1, "%s: scheduled twice before running, it runs once", mname(m));
	ih_softirq_do(&cpus[0]);
	is_u64(atomic_load(&pr.runs), 1, "%s: and not again", mname(m));
	ih_pcpu_set_current(NULL);
	teardown();
}

/* G2: scheduled while running, it runs again afterwards. */
static void test_resched(enum ih_tasklet_mode m)
{
	struct ih_tasklet t;
	struct probe pr;

	setup(m);
	probe_init(&pr);
	pr.resched_left = 1;
	ih_tasklet_init(&t, &dom, probe_fn, &pr);
	ih_pcpu_set_current(&cpus[0]);
	ih_tasklet_schedule(&t, 1);
	for (int i = 0; i < 4; i++)
		ih_softirq_do(&cpus[0]);
	is_u64(atomic_load(&pr.runs), 2, "%s: scheduled during its run, it runs again after", mname(m));
	is_u64(atomic_load(&pr.overlaps), 0, "%s: the second run did not overlap the first", mname(m));
	ih_pcpu_set_current(NULL);
	teardown();
}

/* G3 + accounting: two pCPU threads schedule one tasklet onto either pCPU
 * and run softirqs; it must never overlap itself, and it runs exactly once
 * per schedule call that reported it queued a run. */
struct stress_arg {
	int cpu;
	struct ih_tasklet *t;
	pthread_barrier_t *bar;
	long queued;
	long drain_left;
};

static void *stress_thread(void *arg)
{
	struct stress_arg *a = arg;
	uint64_t rng = 0x1234567ull * (uint64_t)(a->cpu + 1);
	long bound;

	ih_pcpu_set_current(&cpus[a->cpu]);
	pthread_barrier_wait(a->bar);
	for (int i = 0; i < STRESS_ITERS; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		if (ih_tasklet_schedule_on(a->t, (unsigned)(rng >> 63), (uint64_t)i + 1))
			a->queued++;
		ih_softirq_do(&cpus[a->cpu]);
	}
	pthread_barrier_wait(a->bar);
	/* Drain: nobody schedules any more.  In rounds: each thread runs its own
	 * softirqs until its pCPU is quiet; then, with every thread parked
	 * between two barriers (so the reads race with nothing), both check the
	 * whole domain and agree whether it is idle. */
	for (bound = DRAIN_ROUNDS; bound > 0; bound--) {
		bool quiet;

		for (int k = 0; k < 1000 && ih_pcpu_has_work(&cpus[a->cpu]); k++)
			ih_softirq_do(&cpus[a->cpu]);
		pthread_barrier_wait(a->bar);
		quiet = !ih_pcpu_has_work(&cpus[0]) && !ih_pcpu_has_work(&cpus[1]) &&
			cds_list_empty(&dom.cpu[0].list) && cds_list_empty(&dom.cpu[1].list) &&
			cds_wfcq_empty(&dom.cpu[0].feed_head, &dom.cpu[0].feed_tail) &&
			cds_wfcq_empty(&dom.cpu[1].feed_head, &dom.cpu[1].feed_tail) &&
			!a->t->is_running && atomic_load(&a->t->state) == 0;
		pthread_barrier_wait(a->bar);
		if (quiet)
			break;
	}
	a->drain_left = bound;
	pthread_barrier_wait(a->bar);
	ih_pcpu_set_current(NULL);
	return NULL;
}

static void test_stress(enum ih_tasklet_mode m)
{
	struct stress_arg a[NCPU];
	pthread_t th[NCPU];
	pthread_barrier_t bar;
	struct ih_tasklet t;
	struct probe pr;

	setup(m);
	probe_init(&pr);
	ih_tasklet_init(&t, &dom, probe_fn, &pr);
	pthread_barrier_init(&bar, NULL, NCPU);
	for (int i = 0; i < NCPU; i++) {
		a[i] = (struct stress_arg){ .cpu = i, .t = &t, .bar = &bar };
		pthread_create(&th[i], NULL, stress_thread, &a[i]);
	}
	for (int i = 0; i < NCPU; i++)
		pthread_join(th[i], NULL);
	ok(a[0].drain_left > 0 && a[1].drain_left > 0, "%s: both pCPUs drained within the bound", mname(m));
	is_u64(atomic_load(&pr.overlaps), 0, "%s: never ran concurrently with itself (%d runs)", mname(m),
	       atomic_load(&pr.runs));
	is_u64(atomic_load(&pr.runs), a[0].queued + a[1].queued,
	       "%s: one run per schedule that queued", mname(m));
	ok(atomic_load(&pr.runs) > 0, "%s: it ran", mname(m));
	pthread_barrier_destroy(&bar);
	teardown();
}

/* G4: kill waits for a running tasklet, and it never runs again. */
struct runner_arg { struct probe *pr; struct ih_tasklet *t; };

static void *runner_thread(void *arg)
{
	(void)arg;
	ih_pcpu_set_current(&cpus[0]);
	ih_softirq_do(&cpus[0]);
	ih_pcpu_set_current(NULL);
	return NULL;
}

struct killer_arg { struct ih_tasklet *t; atomic_int *order; int ret_seq; atomic_bool returned; };

static void *killer_thread(void *arg)
{
	struct killer_arg *ka = arg;

	ih_tasklet_kill_blocking(ka->t);
	ka->ret_seq = atomic_fetch_add(ka->order, 1);
	atomic_store(&ka->returned, true);
	return NULL;
}

/* Whether kill has marked T (the first thing it does, before it waits):
 * GLOBAL sets is_dead under the lock, PERCPU takes SCHED (0x2 -> 0x3). */
static bool kill_started(enum ih_tasklet_mode m, struct ih_tasklet *t)
{
	bool marked;

	if (m == IH_TASKLET_PERCPU)
		return atomic_load(&t->state) & IH_TASKLET_STATE_SCHED;
	ih_spin_lock(&dom.lock, IH_SPIN_NOCPU);
	marked = t->is_dead;
	ih_spin_unlock(&dom.lock, IH_SPIN_NOCPU);
	return marked;
}

static void test_kill(enum ih_tasklet_mode m)
{
	atomic_int order = 0;
	struct runner_arg ra;
	struct killer_arg ka;
	struct ih_tasklet t;
	pthread_t runner, killer;
	struct probe pr;
	unsigned bound;

	setup(m);
	probe_init(&pr);
	pr.block = true;
	pr.order = &order;
	ih_tasklet_init(&t, &dom, probe_fn, &pr);
	ih_pcpu_set_current(&cpus[0]);
	ih_tasklet_schedule(&t, 1);
	ih_pcpu_set_current(NULL);
	ra = (struct runner_arg){ &pr, &t };
	pthread_create(&runner, NULL, runner_thread, &ra);
	sem_wait(&pr.started);                 /* the function is running */
	ka.t = &t;
	ka.order = &order;
	atomic_init(&ka.returned, false);
	pthread_create(&killer, NULL, killer_thread, &ka);
	/* Kill has marked the tasklet (it is inside kill, not before it) and,
	 * the function still being held, must not have returned: a kill that
	 * does not wait returns right after its mark, and fails here or below. */
	for (bound = 10000000; bound > 0 && !kill_started(m, &t) && !atomic_load(&ka.returned); bound--)
		sched_yield();
	ok(bound > 0 && kill_started(m, &t), "%s: kill has started", mname(m));
	ok(!atomic_load(&ka.returned), "%s: kill has not returned while the function runs", mname(m));
	sem_post(&pr.release);                 /* let the function finish */
	pthread_join(killer, NULL);
	pthread_join(runner, NULL);
	ok(pr.end_seq < ka.ret_seq, "%s: kill returned after the running function ended", mname(m));

	pr.block = false;
	ih_pcpu_set_current(&cpus[0]);
	ok(!ih_tasklet_schedule(&t, 2), "%s: a killed tasklet cannot be scheduled", mname(m));
	ih_softirq_do(&cpus[0]);
	is_u64(atomic_load(&pr.runs), 1, "%s: a killed tasklet never runs again", mname(m));

	/* Killing a queued (not running) tasklet: GLOBAL mode (Xen's original)
	 * takes it off its list; PERCPU mode (the patch) lets the queued run
	 * happen first.  Either way it is then idle and dead. */
	probe_init(&pr);
	ih_tasklet_init(&t, &dom, probe_fn, &pr);
	ih_tasklet_schedule(&t, 3);
	ih_tasklet_kill_blocking(&t);
	ih_softirq_do(&cpus[0]);
	is_u64(atomic_load(&pr.runs), m == IH_TASKLET_PERCPU ? 1 : 0,
	       "%s: kill of a queued tasklet %s", mname(m),
	       m == IH_TASKLET_PERCPU ? "lets the queued run happen" : "cancels the queued run");
	ok(!ih_tasklet_schedule(&t, 4), "%s: and then refuses schedules", mname(m));
	ih_pcpu_set_current(NULL);
	teardown();
}

/* G4 with schedules racing kill: pCPU 1 keeps scheduling the tasklet onto
 * itself and running its softirqs while pCPU 0 kills it.  Once kill has
 * returned the function must never start again, and every schedule must be
 * refused.  Many short rounds, each with a fresh tasklet (freed after kill:
 * the ASan build catches a runner touching it after kill returned). */
#define KILL_RACE_ROUNDS 1500
struct race {
	struct ih_tasklet *t;
	atomic_bool killed, stop;
	atomic_int runs_after_kill, runs;
	atomic_int refused_after_kill_failures;
	pthread_barrier_t bar;
};

static void race_fn(struct ih_tasklet *t, void *data)
{
	struct race *r = data;

	(void)t;
	atomic_fetch_add(&r->runs, 1);
	if (atomic_load(&r->killed))
		atomic_fetch_add(&r->runs_after_kill, 1);
}

static void *race_scheduler(void *arg)
{
	struct race *r = arg;

	ih_pcpu_set_current(&cpus[1]);
	for (int round = 0; round < KILL_RACE_ROUNDS; round++) {
		pthread_barrier_wait(&r->bar);     /* r->t is ready */
		for (unsigned k = 0; k < 20000 && !atomic_load(&r->stop); k++) {
			bool killed = atomic_load(&r->killed);

			if (ih_tasklet_schedule_on(r->t, 1, 1) && killed)
				atomic_fetch_add(&r->refused_after_kill_failures, 1);
			ih_softirq_do(&cpus[1]);
		}
		for (int k = 0; k < 1000 && ih_pcpu_has_work(&cpus[1]); k++)
			ih_softirq_do(&cpus[1]);
		pthread_barrier_wait(&r->bar);     /* done with r->t */
	}
	ih_pcpu_set_current(NULL);
	return NULL;
}

static void test_kill_races_schedule(enum ih_tasklet_mode m)
{
	struct race r;
	pthread_t th;
	int rounds_ran = 0;

	setup(m);
	memset(&r, 0, sizeof(r));
	pthread_barrier_init(&r.bar, NULL, 2);
	pthread_create(&th, NULL, race_scheduler, &r);
	ih_pcpu_set_current(&cpus[0]);
	for (int round = 0; round < KILL_RACE_ROUNDS; round++) {
		struct ih_tasklet *t = malloc(sizeof(*t));

		if (!t)
			tap_bail("out of memory");
		ih_tasklet_init(t, &dom, race_fn, &r);
		r.t = t;
		atomic_store(&r.killed, false);
		atomic_store(&r.stop, false);
		atomic_store(&r.runs, 0);
		pthread_barrier_wait(&r.bar);
		/* Let the scheduler get going (bounded; it may also finish first). */
		for (unsigned k = 0; k < 100000 && atomic_load(&r.runs) == 0; k++)
			ih_softirq_do(&cpus[0]);
		ih_tasklet_kill_blocking(t);
		atomic_store(&r.killed, true);
		if (atomic_load(&r.runs) > 0)
			rounds_ran++;
		/* The scheduler sees stop after at least one more schedule, and
		 * drains its pCPU, so a run wrongly queued after kill happens
		 * (and is counted) before the round ends. */
		atomic_store(&r.stop, true);
		pthread_barrier_wait(&r.bar);
		for (int k = 0; k < 1000 && ih_pcpu_has_work(&cpus[0]); k++)
			ih_softirq_do(&cpus[0]);
		free(t);
	}
	ih_pcpu_set_current(NULL);
	pthread_join(th, NULL);
	ok(rounds_ran > 0, "%s: kill raced a running tasklet (%d of %d rounds)", mname(m), rounds_ran,
	   KILL_RACE_ROUNDS);
	is_u64(atomic_load(&r.runs_after_kill), 0, "%s: never ran after kill returned", mname(m));
	is_u64(atomic_load(&r.refused_after_kill_failures), 0,
	       "%s: every schedule after kill returned was refused", mname(m));
	pthread_barrier_destroy(&r.bar);
	teardown();
}

/* Cross-CPU feeding: scheduled onto another pCPU, it runs there. */
static void test_cross_cpu(enum ih_tasklet_mode m)
{
	struct ih_tasklet t;
	struct probe pr;

	setup(m);
	probe_init(&pr);
	ih_tasklet_init(&t, &dom, probe_fn, &pr);
	ih_pcpu_set_current(&cpus[0]);
	ok(ih_tasklet_schedule_on(&t, 1, 7), "%s: scheduled from pCPU 0 onto pCPU 1", mname(m));
	ih_softirq_do(&cpus[0]);
	is_u64(atomic_load(&pr.runs), 0, "%s: it does not run on pCPU 0", mname(m));
	ok(atomic_load(&cpus[1].softirq_pending) != 0, "%s: pCPU 1 has the softirq pending", mname(m));
	ih_pcpu_set_current(&cpus[1]);
	ih_softirq_do(&cpus[1]);
	is_u64(atomic_load(&pr.runs), 1, "%s: it runs on pCPU 1", mname(m));
	ih_pcpu_set_current(NULL);
	teardown();
}

int main(void)
{
	for (int m = IH_TASKLET_GLOBAL; m <= IH_TASKLET_PERCPU; m++) {
		test_coalesce((enum ih_tasklet_mode)m);
		test_resched((enum ih_tasklet_mode)m);
		test_cross_cpu((enum ih_tasklet_mode)m);
		test_kill((enum ih_tasklet_mode)m);
		test_kill_races_schedule((enum ih_tasklet_mode)m);
		test_stress((enum ih_tasklet_mode)m);
	}
	return tap_done();
}
