/*
 * irqhop-kvm - a real KVM workload (collector/kvm/kvm.h): a VM through /dev/kvm with the
 * in-kernel irqchip, N vCPU threads "CPU n/KVM", one device thread per vCPU signalling an
 * irqfd routed as MSI or through the IOAPIC.  irqhop record --kvm runs it inside a kernel +
 * UST session; without a session daemon the tracepoints are inert.
 *
 *   irqhop-kvm [--check] [--route msi|ioapic] [--vcpus N] [--rate HZ] [--arrival fixed|poisson]
 *              [--duration S] [--seed N] [--label TEXT]
 *
 * --check says in one line what is missing for a run (exit 1), or prints the resolved
 * configuration as one JSON line when all is there (exit 0).
 * Exit status: 0 success, 1 failure, 2 usage error, 128+sig when interrupted.
 */
#include "config.h"
#include "collector/kvm/kvm.h"
#include "cli/opts.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "irqhop-kvm";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "route", required_argument, NULL, 'R' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "rate", required_argument, NULL, 'r' },
		{ "arrival", required_argument, NULL, 'a' },
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ih_kvm_config cfg = {
		.route = IH_KVM_ROUTE_MSI, .arrival = IH_KVM_POISSON, .vcpus = 1,
		.rate_hz = 100, .duration_s = 5, .seed = 1, .label = "kvm",
	};
	struct ih_kvm_result res;
	sigset_t stop;
	bool check = false;
	char err[512];
	double d;
	int c, sig;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'c': check = true; break;
		case 'R':
			if (strcmp(optarg, "msi") == 0) cfg.route = IH_KVM_ROUTE_MSI;
			else if (strcmp(optarg, "ioapic") == 0) cfg.route = IH_KVM_ROUTE_IOAPIC;
			else return ih_opt_usage_error(prog, "--route: '%s' is not msi or ioapic", optarg);
			break;
		case 'v':
			if (!ih_opt_double(optarg, 1, IH_KVM_MAX_VCPUS, &d) || d != (double)(unsigned)d)
				return ih_opt_usage_error(prog, "--vcpus: '%s' is not an integer in [1, %d]", optarg,
					IH_KVM_MAX_VCPUS);
			cfg.vcpus = (unsigned)d;
			break;
		case 'r':
			if (!ih_opt_double(optarg, 0.1, 1e6, &cfg.rate_hz))
				return ih_opt_usage_error(prog, "--rate: '%s' is not a rate in Hz in [0.1, 1000000]", optarg);
			break;
		case 'a':
			if (strcmp(optarg, "fixed") == 0) cfg.arrival = IH_KVM_FIXED;
			else if (strcmp(optarg, "poisson") == 0) cfg.arrival = IH_KVM_POISSON;
			else return ih_opt_usage_error(prog, "--arrival: '%s' is not fixed or poisson", optarg);
			break;
		case 'd':
			if (!ih_opt_double(optarg, 0.001, 3600, &cfg.duration_s))
				return ih_opt_usage_error(prog, "--duration: '%s' is not a number of seconds in [0.001, 3600]",
					optarg);
			break;
		case 'S':
			if (!ih_opt_double(optarg, 0, 9007199254740992.0, &d) || d != (double)(uint64_t)d)
				return ih_opt_usage_error(prog, "--seed: '%s' is not a non-negative integer", optarg);
			cfg.seed = (uint64_t)d;
			break;
		case 'l': cfg.label = optarg; break;
		case 'h':
			printf("usage: %s [--check] [--route msi|ioapic] [--vcpus N] [--rate HZ]\n"
			       "       [--arrival fixed|poisson] [--duration S] [--seed N] [--label TEXT]\n"
			       "--rate is per vCPU (one device thread each); defaults: msi, 1 vCPU,\n"
			       "100 Hz, poisson, 5 s, seed 1\n", prog);
			return 0;
		default:
			return ih_opt_error(prog, c, argv);
		}
	}
	if (optind < argc)
		return ih_opt_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	/* The label is not escaped into --check's JSON: keep it to plain characters. */
	for (const char *p = cfg.label; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return ih_opt_usage_error(prog, "--label: quotes, backslashes and control characters are not allowed");
	if (ih_kvm_check(err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (check) {
		/* One JSON line, as irqhop-runtime --check: irqhop record reads duration_s. */
		printf("{\"workload\":\"kvm\",\"kvm\":\"usable\",\"route\":\"%s\",\"vcpus\":%u,"
		       "\"rate_hz\":%g,\"arrival\":\"%s\",\"duration_s\":%g,\"seed\":%" PRIu64 "}\n",
		       cfg.route == IH_KVM_ROUTE_MSI ? "msi" : "ioapic", cfg.vcpus, cfg.rate_hz,
		       cfg.arrival == IH_KVM_FIXED ? "fixed" : "poisson", cfg.duration_s, cfg.seed);
		return 0;
	}
	/* Blocked in every thread; ih_kvm_run takes them with sigtimedwait. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if ((errno = pthread_sigmask(SIG_BLOCK, &stop, NULL)) != 0) {
		fprintf(stderr, "%s: cannot block signals: %s\n", prog, strerror(errno));
		return 1;
	}
	if (ih_kvm_run(&cfg, &res, err, sizeof(err))) {
		fprintf(stderr, "%s: %s (raised=%" PRIu64 " acked=%" PRIu64 ")\n", prog, err,
			res.raised, res.acked);
		return 1;
	}
	printf("%s: raised=%" PRIu64 " acked=%" PRIu64 " dropped=%" PRIu64 "\n", prog, res.raised,
		res.acked, res.dropped);
	sig = res.stop_signal;
	if (sig > 0) {
		fprintf(stderr, "%s: interrupted by signal %d (%s); the run ended early and cleanly\n",
			prog, sig, strsignal(sig));
		return 128 + sig;
	}
	return 0;
}
