/*
 * collector_host.c - TAP test of the whole runtime with no LTTng session:
 * every stock scenario, short, in both modes of its mechanism; every raised
 * interrupt must be acknowledged exactly once (audited per irq_id).
 */
#include "config.h"
#include "collector/model/host.h"
#include "collector/model/scenario.h"
#include "tests/tap.h"

#include <pthread.h>
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
	is_u64(st.acked, st.raised, "interrupted %s: as many acknowledgments as interrupts (%llu)", when,
	       (unsigned long long)st.raised);
	is_u64(st.audit_distinct, st.raised, "interrupted %s: every irq_id acknowledged", when);
	is_u64(st.audit_duplicates, 0, "interrupted %s: none acknowledged twice", when);
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
	interrupted_run(true);
	interrupted_run(false);
	bad_scenarios();
	return tap_done();
}
