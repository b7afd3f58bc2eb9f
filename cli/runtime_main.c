/*
 * irqhop-runtime - the scenario driver: a thin program over the collector
 * library.  irqhop record starts it inside an LTTng session; it can also run
 * on its own (the events then go nowhere, at the cost of a disabled
 * tracepoint each).
 *
 *   irqhop-runtime [--check] [--scenario NAME|FILE] [--tasklet global|percpu]
 *                  [--notifier waitqueue|srcu] [--duration S] [--rate HZ]
 *                  [--seed N] [--pcpus N] [--label TEXT]
 *
 * --check validates and prints the resolved scenario as one JSON line.
 * Exit status: 0 success, 1 runtime failure, 2 usage error.
 */
#include "config.h"
#include "collector/model/host.h"
#include "collector/model/scenario.h"
#include "cli/opts.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "irqhop-runtime";

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* Parses a number in [lo, hi]; false on junk or out of range. */
static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

/*
 * Signals.  SIGINT, SIGTERM and SIGHUP are blocked before any thread starts
 * (threads inherit the mask) and taken by one thread in sigwait(): the
 * first ends the run early but cleanly (ih_host_interrupt: devices stop,
 * in-flight interrupts drain, run_end is emitted), so `irqhop record`
 * forwarding a user's Ctrl-C gets a complete trace; killed by the default
 * action instead, a thread could die inside a tracepoint with an LTTng
 * sub-buffer reserved and never committed, which leaves the session's stop
 * waiting for data that never comes.  A second signal exits at once.
 */
static sigset_t stop_signals;
static atomic_int stop_signal;   /* the first one caught, 0 if none */
/* The host the signal thread may interrupt: set once it is built, cleared
 * before it is destroyed, and read under the lock, so a signal arriving
 * during or after ih_host_destroy never touches a freed host (the signal
 * thread is detached and lives until exit). */
static pthread_mutex_t live_host_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ih_host *live_host;

static void set_live_host(struct ih_host *h)
{
	pthread_mutex_lock(&live_host_lock);
	live_host = h;
	pthread_mutex_unlock(&live_host_lock);
}

static void *signal_thread(void *arg)
{
	(void)arg;
	for (;;) {
		int sig;

		if (sigwait(&stop_signals, &sig) != 0)
			continue;
		if (atomic_exchange(&stop_signal, sig) != 0)
			_exit(128 + sig);
		pthread_mutex_lock(&live_host_lock);
		if (live_host)
			ih_host_interrupt(live_host);
		pthread_mutex_unlock(&live_host_lock);
	}
	return NULL;
}

/* Destroys the host once the signal thread can no longer reach it.  Never
 * fails. */
static void destroy_host(struct ih_host *h)
{
	set_live_host(NULL);
	ih_host_destroy(h);
}

/* --stats: the runtime's own accounting as one JSON line (benchmarks). */
static void print_stats_json(const struct ih_scenario *sc, const struct ih_host_stats *st)
{
	static const char *const rs[4] = { "running", "runnable", "blocked", "offline" };

	printf("{\"scenario\":\"%s\",\"tasklet\":\"%s\",\"notifier\":\"%s\",\"raised\":%" PRIu64
	       ",\"acked\":%" PRIu64 ",\"tasklet_runs\":%" PRIu64 ",\"lock_acquisitions\":%" PRIu64
	       ",\"lock_contended\":%" PRIu64 ",\"lock_wait_ns\":%" PRIu64 ",\"host_steal_ns\":%" PRIu64
	       ",\"host_total_ns\":%" PRIu64, sc->name, ih_tasklet_mode_name(sc->tasklet_mode),
	       ih_notifier_mode_name(sc->notifier_mode), st->raised, st->acked, st->tasklet_runs,
	       st->lock_acquisitions, st->lock_contended, st->lock_wait_ns, st->host_steal_ns,
	       st->host_total_ns);
	for (int k = 0; k < 4; k++)
		printf(",\"idle_%s_ns\":%" PRIu64 ",\"busy_%s_ns\":%" PRIu64, rs[k], st->idle_rs_ns[k],
		       rs[k], st->busy_rs_ns[k]);
	printf(",\"idle_hv_ns\":%" PRIu64 ",\"idle_lock_ns\":%" PRIu64 ",\"busy_hv_ns\":%" PRIu64
	       ",\"busy_lock_ns\":%" PRIu64 "}\n", st->idle_hv_ns, st->idle_lock_ns, st->busy_hv_ns,
	       st->busy_lock_ns);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "scenario", required_argument, NULL, 's' },
		{ "tasklet", required_argument, NULL, 't' },
		{ "notifier", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "pcpus", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "stats", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_sc_overrides ov = { 0 };
	const char *scenario = "passthrough";
	struct ih_scenario sc;
	struct ih_host *host = NULL;
	struct ih_host_stats st;
	bool check = false, stats = false;
	char err[512];
	double d;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'c': check = true; break;
		case 's': scenario = optarg; break;
		case 't':
			ov.has_tasklet = true;
			if (strcmp(optarg, "global") == 0) ov.tasklet_mode = 0;
			else if (strcmp(optarg, "percpu") == 0) ov.tasklet_mode = 1;
			else return usage_error("--tasklet: '%s' is not global or percpu", optarg);
			break;
		case 'n':
			ov.has_notifier = true;
			if (strcmp(optarg, "waitqueue") == 0) ov.notifier_mode = 0;
			else if (strcmp(optarg, "srcu") == 0) ov.notifier_mode = 1;
			else return usage_error("--notifier: '%s' is not waitqueue or srcu", optarg);
			break;
		case 'd':
			if (!parse_double(optarg, 0.001, 3600, &ov.duration_s))
				return usage_error("--duration: '%s' is not a number of seconds in [0.001, 3600]", optarg);
			ov.has_duration = true;
			break;
		case 'r':
			if (!parse_double(optarg, 1, 1e6, &ov.rate_hz))
				return usage_error("--rate: '%s' is not a rate in Hz in [1, 1000000]", optarg);
			ov.has_rate = true;
			break;
		case 'S':
			if (!parse_double(optarg, 0, 9007199254740992.0, &d) || d != (double)(uint64_t)d)
				return usage_error("--seed: '%s' is not a non-negative integer", optarg);
			ov.seed = (uint64_t)d;
			ov.has_seed = true;
			break;
		case 'p':
			if (!parse_double(optarg, 1, IH_MAX_PCPUS, &d) || d != (double)(unsigned)d)
				return usage_error("--pcpus: '%s' is not an integer in [1, 64]", optarg);
			ov.pcpus = (unsigned)d;
			ov.has_pcpus = true;
			break;
		case 'l': ov.label = optarg; ov.has_label = true; break;
		case 'j': stats = true; break;
		case 'h':
			printf("usage: %s [--check] [--scenario NAME|FILE] [--tasklet global|percpu]\n"
			       "       [--notifier waitqueue|srcu] [--duration S] [--rate HZ] [--seed N]\n"
			       "       [--pcpus N] [--label TEXT] [--stats]\n", prog);
			return 0;
		default:
			return ih_opt_error(prog, c, argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (ih_scenario_load(scenario, &ov, &sc, err, sizeof(err)))
		return usage_error("%s", err);
	if (check) {
		char *json = ih_scenario_to_json(&sc);

		if (!json) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return 1;
		}
		printf("%s\n", json);
		free(json);
		return 0;
	}
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	if ((errno = pthread_sigmask(SIG_BLOCK, &stop_signals, NULL)) != 0) {
		snprintf(err, sizeof(err), "cannot block signals: %s", strerror(errno));
		goto fail;
	}
	if (ih_host_create(&sc, &host, err, sizeof(err)))
		goto fail;
	{
		pthread_t sigthr;
		pthread_attr_t attr;

		/* Detached: it waits in sigwait() until the process exits. */
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		set_live_host(host);
		errno = pthread_create(&sigthr, &attr, signal_thread, NULL);
		pthread_attr_destroy(&attr);
		if (errno != 0) {
			snprintf(err, sizeof(err), "cannot start the signal thread: %s", strerror(errno));
			goto fail;
		}
	}
	if (ih_host_run(host, err, sizeof(err)))
		goto fail;
	ih_host_stats(host, &st);
	printf("%s: raised=%" PRIu64 " acked=%" PRIu64 " lock_contended=%" PRIu64
	       " lock_wait_ns=%" PRIu64 " host_steal_pct=%.2f\n", prog, st.raised, st.acked,
	       st.lock_contended, st.lock_wait_ns,
	       st.host_total_ns ? 100.0 * (double)st.host_steal_ns / (double)st.host_total_ns : 0.0);
	if (stats)
		print_stats_json(&sc, &st);
	destroy_host(host);
	if (atomic_load(&stop_signal)) {
		int sig = atomic_load(&stop_signal);

		fprintf(stderr, "%s: interrupted by signal %d (%s); the run ended early and cleanly\n", prog, sig,
			strsignal(sig));
		return 128 + sig;
	}
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", prog, err);
	destroy_host(host);
	return 1;
}
