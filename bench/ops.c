/*
 * bench/ops.c - cost per operation of the runtime's primitives, measured
 * in one run so the ratios between them are meaningful on a noisy machine.
 * Tracepoints are compiled in but inert (no provider linked).
 *
 * Prints one line per measurement: "name ns_per_op" and then ratio lines.
 * Options: --iters N (default 200000), --json.
 */
#include "config.h"
#include "collector/events/clock.h"
#include "collector/model/notifier.h"
#include "collector/model/pcpu.h"
#include "collector/model/softirq.h"
#include "collector/model/spinlock.h"
#include "collector/model/tasklet.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long iters = 200000;

struct result { const char *name; double ns; };
static struct result results[32];
static int nresults;

static void report(const char *name, double ns)
{
	results[nresults].name = name;
	results[nresults].ns = ns;
	nresults++;
	printf("%-36s %10.1f ns/op\n", name, ns);
	fflush(stdout);
}

static double lookup(const char *name)
{
	for (int i = 0; i < nresults; i++)
		if (strcmp(results[i].name, name) == 0)
			return results[i].ns;
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	CPU_SET(cpu % (n > 0 ? (int)n : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- tasklet schedule + run on one pCPU --------------------------------- */
static void nop_fn(struct ih_tasklet *t, void *d) { (void)t; (void)d; }

static void bench_tasklet_single(enum ih_tasklet_mode m)
{
	struct ih_pcpu p;
	struct ih_pcpu *pp = &p;
	struct ih_tasklet_domain dom;
	struct ih_tasklet t;
	uint64_t t0;

	ih_pcpu_init(&p, 0, NULL);
	ih_tasklet_domain_init(&dom, m, &pp, 1);
	ih_tasklet_init(&t, &dom, nop_fn, NULL);
	ih_pcpu_set_current(&p);
	t0 = ih_now_ns();
	for (long i = 0; i < iters; i++) {
		ih_tasklet_schedule(&t, (uint64_t)i + 1);
		ih_softirq_do(&p);
	}
	report(m == IH_TASKLET_PERCPU ? "tasklet_sched_run_percpu_1cpu" : "tasklet_sched_run_global_1cpu",
	       (double)(ih_now_ns() - t0) / (double)iters);
	ih_pcpu_set_current(NULL);
	ih_tasklet_domain_destroy(&dom);
	ih_pcpu_destroy(&p);
}

/* ---- the same on two pCPUs at once (the global lock is shared) ---------- */
struct two_arg { struct ih_tasklet_domain *dom; struct ih_pcpu *p; pthread_barrier_t *bar; uint64_t ns; };

static void *two_thread(void *arg)
{
	struct two_arg *a = arg;
	struct ih_tasklet t;
	uint64_t t0;

	pin((int)a->p->id);
	ih_tasklet_init(&t, a->dom, nop_fn, NULL);
	ih_pcpu_set_current(a->p);
	pthread_barrier_wait(a->bar);
	t0 = ih_now_ns();
	for (long i = 0; i < iters; i++) {
		ih_tasklet_schedule(&t, (uint64_t)i + 1);
		ih_softirq_do(a->p);
	}
	a->ns = ih_now_ns() - t0;
	ih_pcpu_set_current(NULL);
	return NULL;
}

static void bench_tasklet_two(enum ih_tasklet_mode m)
{
	struct ih_pcpu p[2];
	struct ih_pcpu *pp[2] = { &p[0], &p[1] };
	struct ih_tasklet_domain dom;
	pthread_barrier_t bar;
	struct two_arg a[2];
	pthread_t th[2];

	ih_pcpu_init(&p[0], 0, NULL);
	ih_pcpu_init(&p[1], 1, NULL);
	ih_tasklet_domain_init(&dom, m, pp, 2);
	pthread_barrier_init(&bar, NULL, 2);
	for (int i = 0; i < 2; i++) {
		a[i] = (struct two_arg){ &dom, &p[i], &bar, 0 };
		pthread_create(&th[i], NULL, two_thread, &a[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	report(m == IH_TASKLET_PERCPU ? "tasklet_sched_run_percpu_2cpu" : "tasklet_sched_run_global_2cpu",
	       (double)(a[0].ns + a[1].ns) / 2.0 / (double)iters);
	pthread_barrier_destroy(&bar);
	ih_tasklet_domain_destroy(&dom);
	ih_pcpu_destroy(&p[0]);
	ih_pcpu_destroy(&p[1]);
}

/* ---- eventfd_signal with one client that does nothing -------------------- */
static bool nop_client(struct ih_notifier_client *c, struct ih_irq *irq) { (void)c; (void)irq; return false; }

static void bench_signal(enum ih_notifier_mode m)
{
	struct ih_eventfd e;
	struct ih_notifier_client c = { .fn = nop_client };
	uint64_t t0;

	ih_eventfd_init(&e, 1, m);
	ih_eventfd_register(&e, &c);
	ih_eventfd_thread_online();
	t0 = ih_now_ns();
	for (long i = 0; i < iters; i++) {
		struct ih_irq *irq = malloc(sizeof(*irq));

		irq->irq_id = (uint64_t)i + 1;
		ih_eventfd_signal(&e, irq);   /* not taken: freed */
	}
	report(m == IH_NOTIFIER_SRCU ? "eventfd_signal_srcu" : "eventfd_signal_waitqueue",
	       (double)(ih_now_ns() - t0) / (double)iters);
	ih_eventfd_thread_offline();
	ih_eventfd_unregister_blocking(&e, &c);
	ih_eventfd_destroy(&e);
}

/* ---- the wake-up hop: futex ping-pong ------------------------------------ */
static atomic_uint ping, pong;

static void fwait(atomic_uint *w, unsigned v)
{
	while (atomic_load(w) == v)
		syscall(SYS_futex, (unsigned *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void fwake(atomic_uint *w)
{
	atomic_fetch_add(w, 1);
	syscall(SYS_futex, (unsigned *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static long pp_iters;

static void *ponger(void *arg)
{
	int cpu = *(int *)arg;

	pin(cpu);
	for (long i = 0; i < pp_iters; i++) {
		fwait(&ping, (unsigned)i);
		fwake(&pong);
	}
	return NULL;
}

static void bench_wakeup(int other_cpu, const char *name)
{
	pthread_t th;
	uint64_t t0;

	pp_iters = iters / 10 > 1000 ? iters / 10 : 1000;
	atomic_store(&ping, 0);
	atomic_store(&pong, 0);
	pin(0);
	pthread_create(&th, NULL, ponger, &other_cpu);
	t0 = ih_now_ns();
	for (long i = 0; i < pp_iters; i++) {
		fwake(&ping);
		fwait(&pong, (unsigned)i);
	}
	report(name, (double)(ih_now_ns() - t0) / (double)pp_iters / 2.0);
	pthread_join(th, NULL);
}

/* ---- spinlock ------------------------------------------------------------- */
static void bench_spin_uncontended(void)
{
	static struct ih_spinlock l;
	uint64_t t0;

	ih_spin_init(&l, 0, "bench");
	t0 = ih_now_ns();
	for (long i = 0; i < iters; i++) {
		ih_spin_lock(&l, 0);
		ih_spin_unlock(&l, 0);
	}
	report("spinlock_uncontended", (double)(ih_now_ns() - t0) / (double)iters);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc) {
			iters = atol(argv[++i]);
			if (iters < 1000)
				iters = 1000;
		} else {
			fprintf(stderr, "ih-bench-ops: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	bench_spin_uncontended();
	bench_tasklet_single(IH_TASKLET_GLOBAL);
	bench_tasklet_single(IH_TASKLET_PERCPU);
	bench_tasklet_two(IH_TASKLET_GLOBAL);
	bench_tasklet_two(IH_TASKLET_PERCPU);
	bench_signal(IH_NOTIFIER_WAITQUEUE);
	bench_signal(IH_NOTIFIER_SRCU);
	bench_wakeup(0, "wakeup_same_cpu");
	bench_wakeup(1, "wakeup_cross_cpu");
	printf("ratio tasklet global/percpu (1 pCPU)     %.2f\n",
	       lookup("tasklet_sched_run_global_1cpu") / lookup("tasklet_sched_run_percpu_1cpu"));
	printf("ratio tasklet global/percpu (2 pCPUs)    %.2f\n",
	       lookup("tasklet_sched_run_global_2cpu") / lookup("tasklet_sched_run_percpu_2cpu"));
	printf("ratio eventfd_signal waitqueue/srcu      %.2f\n",
	       lookup("eventfd_signal_waitqueue") / lookup("eventfd_signal_srcu"));
	printf("ratio wakeup cross-cpu/tasklet percpu    %.1f\n",
	       lookup("wakeup_cross_cpu") / lookup("tasklet_sched_run_percpu_1cpu"));
	return 0;
}
