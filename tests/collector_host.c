/*
 * collector_host.c - TAP test of the whole runtime with no LTTng session:
 * the stock passthrough scenario, short, in both tasklet modes; every raised
 * interrupt must be acknowledged exactly once.
 */
#include "config.h"
#include "collector/ih_host.h"
#include "collector/ih_scenario.h"
#include "tests/tap.h"

#include <string.h>

static void run_mode(int mode)
{
	struct ih_sc_overrides ov = { .has_tasklet = true, .tasklet_mode = mode,
				      .has_duration = true, .duration_s = 0.3,
				      .has_pcpus = true, .pcpus = 2 };
	struct ih_scenario sc;
	struct ih_host *h = NULL;
	struct ih_host_stats st;
	char err[256] = "";

	ok(ih_scenario_load("passthrough", &ov, &sc, err, sizeof(err)) == 0,
	   "%s: stock passthrough scenario loads %s", ih_tasklet_mode_name(mode), err);
	ok(ih_host_create(&sc, &h, err, sizeof(err)) == 0, "%s: host built %s",
	   ih_tasklet_mode_name(mode), err);
	if (!h)
		return;
	ok(ih_host_run(h, err, sizeof(err)) == 0, "%s: run completed %s", ih_tasklet_mode_name(mode), err);
	ih_host_stats(h, &st);
	ok(st.raised > 0, "%s: interrupts were raised (%llu)", ih_tasklet_mode_name(mode),
	   (unsigned long long)st.raised);
	is_u64(st.acked, st.raised, "%s: every raised interrupt was acknowledged exactly once",
	       ih_tasklet_mode_name(mode));
	if (mode == 1)
		is_u64(st.lock_acquisitions, 0, "percpu: the global tasklet lock was never taken");
	else
		ok(st.lock_acquisitions >= 2 * st.raised,
		   "global: the tasklet lock was taken on schedule and on execution (%llu)",
		   (unsigned long long)st.lock_acquisitions);
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
}

int main(void)
{
	run_mode(0);
	run_mode(1);
	bad_scenarios();
	return tap_done();
}
