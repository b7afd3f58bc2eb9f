/*
 * collector_signals.c - TAP test of irqhop-runtime's signal thread
 * (cli/runtime_signals.h): a signal that arrives after the host was
 * detached and destroyed must not touch it (run under ASan, a use after
 * free fails the test), and one that arrives while attached interrupts the
 * run.  Waits are bounded polls of the thread's handled count, no sleeps.
 */
#include "config.h"
#include "cli/runtime_signals.h"
#include "collector/model/host.h"
#include "collector/model/scenario.h"
#include "tests/tap.h"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

/* Sends SIGINT to the process (only the signal thread takes it) and waits
 * until the thread has handled one more signal.  Returns whether it did. */
static int deliver_sigint(void)
{
	unsigned before = ih_rt_signals_handled(), bound;

	kill(getpid(), SIGINT);
	for (bound = 10000000; bound > 0 && ih_rt_signals_handled() == before; bound--)
		sched_yield();
	return bound > 0;
}

int main(void)
{
	struct ih_sc_overrides ov = { .has_duration = true, .duration_s = 30, .has_pcpus = true, .pcpus = 1 };
	struct ih_scenario sc;
	struct ih_host *h = NULL;
	char err[256] = "";

	if (!ok(ih_rt_signals_start(err, sizeof(err)) == 0, "signal thread started %s", err))
		return tap_done();
	if (!ok(ih_scenario_load("passthrough", &ov, &sc, err, sizeof(err)) == 0 &&
		ih_host_create(&sc, &h, err, sizeof(err)) == 0, "host built %s", err))
		return tap_done();
	ih_rt_signals_attach(h);
	/* Shutdown as irqhop-runtime does it: detach, then destroy; a signal
	 * arriving now must leave the freed host alone. */
	ih_rt_signals_detach();
	ih_host_destroy(h);
	ok(deliver_sigint(), "a signal after teardown is handled (without touching the host)");
	is_u64(ih_rt_signals_caught(), SIGINT, "and recorded");
	return tap_done();
}
