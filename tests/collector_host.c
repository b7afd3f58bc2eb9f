/*
 * collector_host.c - TAP test of the whole runtime with no LTTng session:
 * every stock scenario, short, in both modes of its mechanism; every raised
 * interrupt must be acknowledged exactly once (audited per irq_id).
 */
#include "config.h"
#include "collector/model/host.h"
#include "collector/model/scenario.h"
#include "collector/model/pcpu.h"
#include "collector/model/vcpu.h"
#include "collector/events/clock.h"

#include <stdatomic.h>
#include "tests/tap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void run_one(const char *scenario, int tasklet, int notifier)
{
	struct ih_sc_overrides ov = { .has_tasklet = true, .tasklet_mode = tasklet,
				      .has_notifier = true, .notifier_mode = notifier,
				      .has_duration = true, .duration_s = 0.2,
				      .has_pcpus = true, .pcpus = 2 };
	struct ih_scenario sc;
	struct ih_host *h = NULL;
	struct ih_host_stats st;
	char name[128], err[256] = "";

	snprintf(name, sizeof(name), "%s/%s/%s", scenario, ih_tasklet_mode_name(tasklet),
		 ih_notifier_mode_name(notifier));
	if (!ok(ih_scenario_load(scenario, &ov, &sc, err, sizeof(err)) == 0, "%s: loads %s", name, err))
		return;
	if (!ok(ih_host_create(&sc, &h, err, sizeof(err)) == 0 && ih_host_enable_ack_audit(h) == 0,
		"%s: host built %s", name, err))
		return;
	ok(ih_host_run(h, err, sizeof(err)) == 0, "%s: run completed %s", name, err);
	ih_host_stats(h, &st);
	ok(st.raised > 0, "%s: interrupts were raised (%llu)", name, (unsigned long long)st.raised);
	is_u64(st.acked, st.raised, "%s: as many acknowledgments as interrupts", name);
	is_u64(st.audit_distinct, st.raised, "%s: every irq_id acknowledged", name);
	is_u64(st.audit_duplicates, 0, "%s: none acknowledged twice", name);
	if (strcmp(scenario, "kvm-irqfd") != 0) {
		if (tasklet == 1)
			is_u64(st.lock_acquisitions, 0, "%s: the global tasklet lock was never taken", name);
		else
			ok(st.lock_acquisitions >= 2 * st.tasklet_runs,
			   "%s: the tasklet lock was taken on schedule and on execution (%llu for %llu runs)",
			   name, (unsigned long long)st.lock_acquisitions,
			   (unsigned long long)st.tasklet_runs);
	}
	ih_host_destroy(h);
}

/* Interrupted runs (what a forwarded Ctrl-C does): a run of 30 s is cut
 * short by ih_host_interrupt() from another thread, before or during the
 * run; ih_host_run() returns, and every interrupt raised until then is
 * acknowledged exactly once. */
struct interrupter {
	struct ih_host *h;
};

static void *interrupt_main(void *arg)
{
	ih_host_interrupt(((struct interrupter *)arg)->h);
	return NULL;
}

static void interrupted_run(bool before)
{
	struct ih_sc_overrides ov = { .has_duration = true, .duration_s = 30, .has_pcpus = true, .pcpus = 2 };
	struct ih_scenario sc;
	struct ih_host *h = NULL;
	struct ih_host_stats st;
	struct interrupter in;
	pthread_t thr;
	const char *when = before ? "before the run" : "during the run";
	char err[256] = "";

	if (!ok(ih_scenario_load("mixed", &ov, &sc, err, sizeof(err)) == 0 &&
		ih_host_create(&sc, &h, err, sizeof(err)) == 0 && ih_host_enable_ack_audit(h) == 0,
		"interrupted %s: host built %s", when, err))
		return;
	in.h = h;
	if (before)
		ih_host_interrupt(h);
	else if (!ok(pthread_create(&thr, NULL, interrupt_main, &in) == 0, "interrupter thread started"))
		return;
	ok(ih_host_run(h, err, sizeof(err)) == 0, "interrupted %s: the 30 s run returned %s", when, err);
	if (!before)
		pthread_join(thr, NULL);
	ok(ih_host_was_interrupted(h), "interrupted %s: the host says it was interrupted", when);
	ih_host_stats(h, &st);
	/* What the interrupt did, from the host's own record: the duration
	 * wait ended before its 30 s, and the run then drained and closed. */
	ok(st.ended_early, "interrupted %s: the 30 s duration ended early (after %.3f s)", when,
	   st.run_ns / 1e9);
	is_u64(st.runs_ended, st.runs_begun, "interrupted %s: the run was closed (run_end)", when);
	is_u64(st.acked, st.raised, "interrupted %s: as many acknowledgments as interrupts (%llu)", when,
	       (unsigned long long)st.raised);
	is_u64(st.audit_distinct, st.raised, "interrupted %s: every irq_id acknowledged", when);
	is_u64(st.audit_duplicates, 0, "interrupted %s: none acknowledged twice", when);
	ih_host_destroy(h);
}

/* The lost wake-up of a blocking vCPU, replayed step by step on one
 * thread: the home pCPU finds nothing pending, an injector acting as
 * another pCPU then injects (it sees RUNNING, so it only kicks), and the
 * home pCPU blocks the vCPU.  The vCPU must not end BLOCKED with an
 * interrupt pending: nothing would ever run it again (Xen's vcpu_block
 * re-checks after blocking). */
static void block_races_inject(void)
{
	struct ih_pcpu home, other;
	struct ih_vcpu v;
	_Atomic uint64_t acked = 0;
	struct ih_irq *irq = calloc(1, sizeof(*irq));

	if (!irq)
		tap_bail("out of memory");
	ih_pcpu_init(&home, 0, NULL);
	ih_pcpu_init(&other, 1, NULL);
	ih_vcpu_init(&v, 0, 0, false, &home, &acked, NULL);
	ih_pcpu_set_current(&home);
	ok(ih_vcpu_set_runstate(&v, IH_RS_RUNNABLE, IH_RS_RUNNING), "block race: the vCPU runs");
	ok(!ih_vcpu_has_pending(&v), "block race: guest entry finds nothing pending");
	/* ... the injector, on another pCPU, between that check and the block: */
	ih_pcpu_set_current(&other);
	irq->irq_id = 1;
	irq->vector = 48;
	ih_vcpu_inject(&v, irq, 0);
	ih_pcpu_set_current(&home);
	ok(ih_vcpu_block(&v), "block race: the vCPU leaves RUNNING");
	ok(!(atomic_load(&v.runstate) == IH_RS_BLOCKED && ih_vcpu_has_pending(&v)),
	   "block race: not left BLOCKED with an interrupt pending (runstate %d)",
	   atomic_load(&v.runstate));
	is_u64(atomic_load(&v.runstate), IH_RS_RUNNABLE, "block race: runnable again, to be picked");
	if (atomic_load(&v.runstate) == IH_RS_RUNNABLE) {
		ok(ih_vcpu_set_runstate(&v, IH_RS_RUNNABLE, IH_RS_RUNNING), "block race: picked again");
		is_u64(ih_vcpu_ack_pending(&v), 1, "block race: and the interrupt is acknowledged");
	}
	ih_pcpu_set_current(NULL);
	ih_vcpu_destroy(&v);
	ih_pcpu_destroy(&other);
	ih_pcpu_destroy(&home);
}

/* The same race in a whole run: irqfd devices inject from device threads
 * (SRCU) or kworkers (waitqueue) into an idle guest with no timer, so a
 * vCPU left BLOCKED with a pending interrupt would never be run again and
 * the drain would give up.  Every interrupt must be acknowledged. */
static void idle_guest_injected_from_elsewhere(int notifier)
{
	static const char text[] =
		"{\"pcpus\": 2, \"duration\": 0.3, \"tasklet\": \"percpu\",\n"
		" \"guests\": [{\"name\": \"idle\", \"kind\": \"idle\", \"pcpus\": [0],\n"
		"              \"vcpus_per_pcpu\": 2, \"timer_hz\": 0}],\n"
		" \"devices\": [{\"kind\": \"irqfd\", \"guest\": \"idle\", \"rate\": 20000,\n"
		"               \"arrival\": \"poisson\", \"count\": 2}]}\n";
	struct ih_sc_overrides ov = { .has_notifier = true, .notifier_mode = notifier };
	char path[] = "/tmp/ih-idle-irqfd-XXXXXX.json", err[256] = "";
	struct ih_scenario sc;
	struct ih_host *h = NULL;
	struct ih_host_stats st;
	int fd = mkstemps(path, 5);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	const char *mode = ih_notifier_mode_name(notifier);

	if (!fp)
		tap_bail("cannot write a temporary scenario file");
	fputs(text, fp);
	fclose(fp);
	if (!ok(ih_scenario_load(path, &ov, &sc, err, sizeof(err)) == 0 &&
		ih_host_create(&sc, &h, err, sizeof(err)) == 0 && ih_host_enable_ack_audit(h) == 0,
		"idle guest, irqfd/%s, no timer: host built %s", mode, err)) {
		unlink(path);
		return;
	}
	unlink(path);
	ok(ih_host_run(h, err, sizeof(err)) == 0, "idle guest, irqfd/%s, no timer: run drained %s", mode, err);
	ih_host_stats(h, &st);
	ok(st.raised > 0, "idle guest, irqfd/%s: interrupts raised (%llu)", mode, (unsigned long long)st.raised);
	is_u64(st.acked, st.raised, "idle guest, irqfd/%s: every interrupt acknowledged", mode);
	is_u64(st.audit_distinct, st.raised, "idle guest, irqfd/%s: every irq_id acknowledged", mode);
	ih_host_destroy(h);
}

/* Runstate accounting under a racing wake: the home thread runs and
 * blocks the vCPU while another thread wakes it whenever it sees BLOCKED.
 * Each transition and its accounting are one step, so the time charged to
 * the four states adds up exactly to the time elapsed: an interval counted
 * twice (two transitions' clock reads and accountings interleaved) breaks
 * the sum. */
#define RS_ROUNDS 20000
struct waker {
	struct ih_vcpu *v;
	atomic_bool stop;
	_Atomic uint64_t wakes;
};

static void *waker_main(void *arg)
{
	struct waker *w = arg;

	while (!atomic_load(&w->stop))
		if (atomic_load(&w->v->runstate) == IH_RS_BLOCKED &&
		    ih_vcpu_set_runstate(w->v, IH_RS_BLOCKED, IH_RS_RUNNABLE))
			atomic_fetch_add(&w->wakes, 1);
	return NULL;
}

static void runstate_accounting_races(void)
{
	struct ih_pcpu home;
	struct ih_vcpu v;
	_Atomic uint64_t acked = 0;
	struct waker w;
	pthread_t thr;
	uint64_t start, end, total = 0, blocks = 0;

	ih_pcpu_init(&home, 0, NULL);
	ih_vcpu_init(&v, 0, 0, false, &home, &acked, NULL);
	w.v = &v;
	atomic_init(&w.stop, false);
	atomic_init(&w.wakes, 0);
	start = atomic_load(&v.rs_since);
	if (!ok(pthread_create(&thr, NULL, waker_main, &w) == 0, "runstate race: waker started"))
		return;
	ih_pcpu_set_current(&home);   /* this thread is the vCPU's home pCPU */
	for (unsigned i = 0; i < RS_ROUNDS; i++) {
		if (ih_vcpu_set_runstate(&v, IH_RS_RUNNABLE, IH_RS_RUNNING) &&
		    ih_vcpu_set_runstate(&v, IH_RS_RUNNING, IH_RS_BLOCKED))
			blocks++;
		/* Until the waker has woken it (bounded: a stuck waker fails
		 * the wake count below instead of hanging). */
		for (unsigned k = 0; k < 1000000 && atomic_load(&v.runstate) == IH_RS_BLOCKED; k++)
			sched_yield();
	}
	atomic_store(&w.stop, true);
	pthread_join(thr, NULL);
	end = ih_now_ns();
	ih_pcpu_set_current(NULL);
	for (int k = 0; k < 4; k++)
		total += atomic_load(&v.rs_ns[k]);
	total += end - atomic_load(&v.rs_since);
	ok(blocks > 0 && atomic_load(&w.wakes) > 0, "runstate race: %llu blocks, %llu wakes",
	   (unsigned long long)blocks, (unsigned long long)atomic_load(&w.wakes));
	is_u64(total, end - start, "runstate race: the states' time adds up to the time elapsed");
	ih_vcpu_destroy(&v);
	ih_pcpu_destroy(&home);
}

/* pthread_create, wrapped at link time (tests/local.mk: --wrap): fails
 * the fail_at-th call from now with EAGAIN (0: never). */
int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __wrap_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static atomic_int create_calls, fail_at;

int __wrap_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	if (atomic_load(&fail_at) && atomic_fetch_add(&create_calls, 1) + 1 == atomic_load(&fail_at))
		return EAGAIN;
	return __real_pthread_create(th, attr, fn, arg);
}

/* A thread that cannot start: ih_host_run fails with one line, and the
 * trace still closes the run it opened (run_begin has its run_end), for a
 * device thread (after run_begin) and a pCPU thread (before it). */
static void run_fails_to_start(const char *what, int nth)
{
	struct ih_sc_overrides ov = { .has_duration = true, .duration_s = 30, .has_pcpus = true, .pcpus = 2 };
	struct ih_scenario sc;
	struct ih_host *h = NULL;
	struct ih_host_stats st;
	char err[256] = "";
	int rc;

	if (!ok(ih_scenario_load("passthrough", &ov, &sc, err, sizeof(err)) == 0 &&
		ih_host_create(&sc, &h, err, sizeof(err)) == 0, "%s fails: host built %s", what, err))
		return;
	atomic_store(&create_calls, 0);
	atomic_store(&fail_at, nth);
	rc = ih_host_run(h, err, sizeof(err));
	atomic_store(&fail_at, 0);
	ok(rc == -1 && strstr(err, what), "%s fails: the run fails, saying so: %s", what, err);
	ih_host_stats(h, &st);
	is_u64(st.runs_ended, st.runs_begun, "%s fails: every run_begin has its run_end (%u begun)", what,
	       st.runs_begun);
	ih_host_destroy(h);
}

static void bad_scenarios(void)
{
	struct ih_sc_overrides ov = { 0 };
	struct ih_scenario sc;
	char err[256];

	ok(ih_scenario_load("nosuch", &ov, &sc, err, sizeof(err)) == -1 &&
	   strstr(err, "unknown scenario 'nosuch'"), "an unknown stock scenario is named: %s", err);
	ok(ih_scenario_load("/nonexistent/x.json", &ov, &sc, err, sizeof(err)) == -1 &&
	   strstr(err, "/nonexistent/x.json"), "a missing scenario file is named: %s", err);

	/* Bad files: the message names file:line and what was expected. */
	{
		static const struct { const char *text, *want; } cases[] = {
			{ "{\n \"guests\": [\n  {\"name\": \"g\" \"kind\": 1}\n ]\n}\n", ":3:" },
			{ "{\"guests\": [{\"name\": \"g\",\n \"kind\": \"bussy\"}]}", ":2: at guests[0].kind: expected \"kind\": \"busy\" or \"idle\"" },
			{ "{\"guests\": [{\"name\": \"g\", \"kind\": \"busy\"}],\n\"devices\": [\n{\"kind\": \"passthrough\", \"guest\": \"g\", \"rate\": 10},\n{\"kind\": \"passthrough\", \"guest\": \"g\",\n \"rate\": -5}]}",
			  ":5: at devices[1].rate: expected \"rate\"" },
			{ "{\"guests\": [{\"name\": \"g\", \"kind\": \"busy\"}],\n\"devices\": [{\"kind\": \"passthrough\",\n\"guest\": \"nobody\", \"rate\": 1}]}",
			  ":3: at devices[0].guest: expected \"guest\": the name of a guest defined in guests" },
		};
		char path[] = "/tmp/ih-scenario-XXXXXX.json";

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int fd = mkstemps(path, 5);
			FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;

			if (!fp)
				tap_bail("cannot write a temporary scenario file");
			fputs(cases[i].text, fp);
			fclose(fp);
			ok(ih_scenario_load(path, &ov, &sc, err, sizeof(err)) == -1 && strstr(err, path) &&
			   strstr(err, cases[i].want), "bad scenario file %zu: %s", i + 1, err);
			unlink(path);
			memcpy(path + strlen(path) - 11, "XXXXXX", 6);
		}
	}
}

int main(void)
{
	for (int t = 0; t <= 1; t++) {
		run_one("passthrough", t, 0);
		run_one("xen-steal", t, 0);
		run_one("mixed", t, t);
	}
	for (int n = 0; n <= 1; n++)
		run_one("kvm-irqfd", 1, n);
	block_races_inject();
	runstate_accounting_races();
	idle_guest_injected_from_elsewhere(0);
	idle_guest_injected_from_elsewhere(1);
	run_fails_to_start("device thread", 3);   /* pCPU threads are calls 1 and 2 */
	run_fails_to_start("pCPU thread", 2);
	interrupted_run(true);
	interrupted_run(false);
	bad_scenarios();
	return tap_done();
}
