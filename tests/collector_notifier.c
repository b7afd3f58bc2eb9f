/*
 * collector_notifier.c - TAP stress tests of the eventfd notifier in both
 * modes: while signaller threads storm an eventfd, a client is registered
 * and unregistered over and over.  After unregister returns its callback
 * must never run again (checked with a per-client flag, and under
 * AddressSanitizer by freeing the client right away, so a late call is a
 * use-after-free report).  No sleeps: threads wait on semaphores with a
 * bounded timeout; every loop is bounded.
 */
#include "config.h"
#include "collector/events/clock.h"
#include "collector/model/notifier.h"
#include "tests/tap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIGNALLERS 2
#define ROUNDS 200
#define WAIT_S 20

struct client {
	struct ih_notifier_client c;
	atomic_int unregistered;   /* set once unregister has returned */
	sem_t called;
	atomic_int calls;
};

static atomic_int late_calls;
static atomic_int stop;

static bool client_fn(struct ih_notifier_client *nc, struct ih_irq *irq)
{
	struct client *cl = nc->data;

	(void)irq;
	if (atomic_load(&cl->unregistered))
		atomic_fetch_add(&late_calls, 1);
	if (atomic_fetch_add(&cl->calls, 1) == 0)
		sem_post(&cl->called);
	return false;
}

static void *signaller(void *arg)
{
	struct ih_eventfd *e = arg;
	uint64_t id = 1;

	ih_eventfd_thread_online();
	/* Bounded by the main thread's rounds; the cap is a safety net. */
	for (long i = 0; i < 100000000L && !atomic_load(&stop); i++) {
		struct ih_irq *irq = calloc(1, sizeof(*irq));

		if (!irq)
			break;
		irq->irq_id = id++;
		ih_eventfd_signal(e, irq);   /* nobody takes it: freed by signal */
	}
	ih_eventfd_thread_offline();
	return NULL;
}

static int wait_called(struct client *cl)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_S;
	while (sem_timedwait(&cl->called, &ts) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void storm(enum ih_notifier_mode mode)
{
	const char *name = mode == IH_NOTIFIER_SRCU ? "srcu" : "waitqueue";
	pthread_t th[SIGNALLERS];
	struct ih_eventfd e;
	int rounds_ok = 0;

	atomic_store(&late_calls, 0);
	atomic_store(&stop, 0);
	ih_eventfd_init(&e, 1, mode);
	for (int i = 0; i < SIGNALLERS; i++)
		pthread_create(&th[i], NULL, signaller, &e);
	for (int r = 0; r < ROUNDS; r++) {
		struct client *cl = calloc(1, sizeof(*cl));

		if (!cl)
			break;
		sem_init(&cl->called, 0, 0);
		cl->c.fn = client_fn;
		cl->c.data = cl;
		ih_eventfd_register(&e, &cl->c);
		if (wait_called(cl) != 0) {   /* it is live: signals reach it */
			tap_diag("round %d: the client was never called", r);
			break;
		}
		ih_eventfd_unregister_blocking(&e, &cl->c);
		atomic_store(&cl->unregistered, 1);
		if (r % 2) {
			/* Free at once: a late callback is a use after free. */
			sem_destroy(&cl->called);
			free(cl);
		} else {
			/* Keep it a little: a late callback bumps late_calls. */
			for (int k = 0; k < 1000; k++)
				ih_cpu_relax();
			sem_destroy(&cl->called);
			free(cl);
		}
		rounds_ok++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < SIGNALLERS; i++)
		pthread_join(th[i], NULL);
	ih_eventfd_destroy(&e);
	is_u64(rounds_ok, ROUNDS, "%s: %d register/unregister rounds during a signalling storm", name, ROUNDS);
	is_u64(atomic_load(&late_calls), 0, "%s: no callback ran after its unregister returned", name);
}

/* The default client: a blocked reader is woken by a signal. */
static void *reader(void *arg)
{
	struct ih_eventfd *e = arg;
	uint64_t v = ih_eventfd_read_blocking(e, ih_now_ns() + WAIT_S * 1000000000ull);

	return (void *)(uintptr_t)v;
}

static void blocked_reader(enum ih_notifier_mode mode)
{
	const char *name = mode == IH_NOTIFIER_SRCU ? "srcu" : "waitqueue";
	struct ih_eventfd e;
	struct ih_irq *irq = calloc(1, sizeof(*irq));
	pthread_t th;
	unsigned bound;
	void *ret;

	if (!irq)
		tap_bail("out of memory");
	ih_eventfd_init(&e, 2, mode);
	ih_eventfd_thread_online();
	pthread_create(&th, NULL, reader, &e);
	/* Signal only once the reader has announced that it waits (the last
	 * step before futex_wait): the wake path must then run.  Whether the
	 * reader is already asleep in the kernel or about to be does not
	 * matter: futex_wait refuses to sleep once the count moved. */
	for (bound = 10000000; bound > 0 && atomic_load(&e.readers_waiting) == 0; bound--)
		sched_yield();
	ok(bound > 0, "%s: the reader blocks", name);
	irq->irq_id = 1;
	ih_eventfd_signal(&e, irq);
	pthread_join(th, &ret);
	ih_eventfd_thread_offline();
	is_u64((uintptr_t)ret, 1, "%s: the blocked reader reads the signal", name);
	is_u64(atomic_load(&e.reader_wakes), 1, "%s: woken by the wait-queue client (one futex wake)", name);
	ih_eventfd_destroy(&e);
}

int main(void)
{
	blocked_reader(IH_NOTIFIER_WAITQUEUE);
	blocked_reader(IH_NOTIFIER_SRCU);
	storm(IH_NOTIFIER_WAITQUEUE);
	storm(IH_NOTIFIER_SRCU);
	return tap_done();
}
