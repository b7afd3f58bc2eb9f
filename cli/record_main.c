/*
 * cli/record_main.c - the command line of irqhop record: options, help and
 * usage errors.  The recording itself is collector/record/ (record.h).
 *
 * A usage error prints one line "irqhop record: ..." and exits 2; --help
 * prints the help and exits 0.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/opts.h"
#include "collector/record/flight.h"
#include "collector/record/record.h"
#include "collector/record/session.h"

#define PFX "irqhop record: "

enum {
	OPT_OUTPUT = 256, OPT_ALL_EVENTS, OPT_SUBBUF_SIZE, OPT_NUM_SUBBUF, OPT_HELP,
	OPT_RELAY, OPT_LIVE, OPT_KVM, OPT_ATTACH, OPT_SNAPSHOT_OVER, OPT_MAX_SNAPSHOTS,
	OPT_RUNTIME0 = 300,  /* + index in ih_record_runtime_opts */
};

/* Prints the help.  Never fails (a write error on out is not reported). */
static void usage(FILE *out)
{
	fprintf(out,
"usage: irqhop record [OPTIONS]\n"
"\n"
"Run a scenario of irqhop-runtime under a new LTTng session and write its CTF\n"
"trace to a directory (the trace root to give to irqhop analyze).\n"
"\n"
"Scenario (validated by irqhop-runtime --check before anything is recorded):\n"
"  --scenario NAME|FILE     stock scenario or scenario file (default: passthrough)\n"
"  --tasklet global|percpu  tasklet implementation\n"
"  --notifier waitqueue|srcu  eventfd notifier implementation\n"
"  --duration SECONDS       how long the scenario runs\n"
"  --rate HZ                device interrupt rate\n"
"  --seed N                 random seed\n"
"  --pcpus N                number of pCPU threads\n"
"  --label TEXT             label stored with the run\n"
"\n"
"Recording:\n"
"  --output DIR             trace directory; must not exist or be empty\n"
"                           (default: ./irqhop-trace-YYYYmmdd-HHMMSS)\n"
"  --all-events             also record the DEBUG-level softirq_* events\n"
"  --subbuf-size SIZE       sub-buffer size, power of 2, suffix k/M/G allowed\n"
"                           (default: 8M; raise it if events are discarded)\n"
"  --num-subbuf N           sub-buffers per CPU, power of 2 (default: 4)\n"
"  --relay net://HOST[:CTRL[:DATA]]\n"
"                           stream the trace to lttng-relayd instead of writing\n"
"                           it here (ports default to 5342 and 5343)\n"
"  --live[=PERIOD_US]       with --relay: a live session, flushed to the relay\n"
"                           every PERIOD_US microseconds (default 1000000), for\n"
"                           irqhop analyze --live\n"
"  --snapshot-over DURATION[@total]\n"
"                           flight recorder: keep the trace in memory only and\n"
"                           write an LTTng snapshot each time an interrupt's\n"
"                           raise-to-ack total exceeds DURATION (e.g. 500us,\n"
"                           2ms); each snapshot is its own trace, tagged by its\n"
"                           trigger.json (docs/record.md, \"Flight recorder\")\n"
"  --max-snapshots N        with --snapshot-over: at most N snapshots, 1 to 64\n"
"                           (default 8)\n"
"  --help                   show this help\n"
"\n"
"Real KVM (docs/kvm.md; root, /dev/kvm and the LTTng kernel modules):\n"
"  --kvm                    also record the kernel's injection (a kernel channel:\n"
"                           kvm_*, sched_*, workqueue_*, irq_*; tid, procname) and\n"
"                           run irqhop-kvm, a VM through /dev/kvm, instead of\n"
"                           irqhop-runtime; its options: --route msi|ioapic,\n"
"                           --vcpus N, --rate HZ (per vCPU), --arrival\n"
"                           fixed|poisson, --duration, --seed, --label\n"
"  --attach                 with --kvm and --duration: run nothing, record the\n"
"                           host's own VMs (QEMU or any KVM user)\n"
"\n"
"A running session daemon is used when one answers; otherwise irqhop record\n"
"starts its own (lttng-sessiond --no-kernel --sig-parent, without --no-kernel\n"
"for --kvm; $LTTNG_SESSIOND overrides the program) and stops it at the end.\n");
}

/* Parses a size with an optional k/M/G suffix (powers of 1024).  Returns 0
 * and the value, or -1 when it is not a number with a known suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: return -1;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* 1 when v is a power of 2 (0 is not).  Never fails. */
static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Parses our argv.  Returns 0 to go on, 2 after printing a usage error, or
 * -1 after printing the help (exit 0). */
static int parse_args(int argc, char **argv, struct ih_record_opts *o)
{
	struct option longopts[IH_RT_NOPTS + 12];
	size_t n = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->subbuf_size = IH_SESS_SUBBUF_SIZE;
	o->num_subbuf = IH_SESS_NUM_SUBBUF;
	for (size_t i = 0; i < IH_RT_NOPTS; i++)
		longopts[n++] = (struct option){ ih_record_runtime_opts[i], required_argument, NULL,
						 OPT_RUNTIME0 + (int)i };
	longopts[n++] = (struct option){ "output", required_argument, NULL, OPT_OUTPUT };
	longopts[n++] = (struct option){ "all-events", no_argument, NULL, OPT_ALL_EVENTS };
	longopts[n++] = (struct option){ "subbuf-size", required_argument, NULL, OPT_SUBBUF_SIZE };
	longopts[n++] = (struct option){ "num-subbuf", required_argument, NULL, OPT_NUM_SUBBUF };
	longopts[n++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	longopts[n++] = (struct option){ "relay", required_argument, NULL, OPT_RELAY };
	longopts[n++] = (struct option){ "live", optional_argument, NULL, OPT_LIVE };
	longopts[n++] = (struct option){ "kvm", no_argument, NULL, OPT_KVM };
	longopts[n++] = (struct option){ "attach", no_argument, NULL, OPT_ATTACH };
	longopts[n++] = (struct option){ "snapshot-over", required_argument, NULL, OPT_SNAPSHOT_OVER };
	longopts[n++] = (struct option){ "max-snapshots", required_argument, NULL, OPT_MAX_SNAPSHOTS };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	/* Our own messages, not getopt's; no permutation ("+"); ':' reports a
	 * missing value apart from an unknown option.  optind = 0 re-initialises
	 * glibc's getopt in case something parsed before us. */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_OUTPUT:
			if (!*optarg) {
				fprintf(stderr, PFX "--output needs a non-empty directory name\n");
				return 2;
			}
			o->output = optarg;
			break;
		case OPT_ALL_EVENTS:
			o->all_events = 1;
			break;
		case OPT_KVM:
			o->kvm = 1;
			break;
		case OPT_ATTACH:
			o->attach = 1;
			break;
		case OPT_SNAPSHOT_OVER: {
			char err[256];

			if (ih_flight_parse_over(optarg, &o->snapshot_over_ns, err, sizeof(err)) < 0) {
				fprintf(stderr, PFX "--snapshot-over: %s\n", err);
				return 2;
			}
			break;
		}
		case OPT_MAX_SNAPSHOTS: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > IH_FLIGHT_MAX_SNAPSHOTS) {
				fprintf(stderr, PFX "--max-snapshots: '%s' is not a number from 1 to %d\n",
					optarg, IH_FLIGHT_MAX_SNAPSHOTS);
				return 2;
			}
			o->max_snapshots = (unsigned)v;
			break;
		}
		case OPT_RELAY: {
			char err[512];

			if (ih_sess_check_relay_url(optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, PFX "--relay: %s\n", err);
				return 2;
			}
			o->relay = optarg;
			break;
		}
		case OPT_LIVE:
			o->live_timer_us = IH_SESS_LIVE_TIMER_US;
			if (optarg && (parse_size(optarg, &o->live_timer_us) < 0 || o->live_timer_us == 0 ||
			    o->live_timer_us > UINT32_MAX)) {
				fprintf(stderr, PFX "--live: '%s' is not a period in microseconds (1 to %u)\n",
					optarg, UINT32_MAX);
				return 2;
			}
			break;
		case OPT_SUBBUF_SIZE:
			if (parse_size(optarg, &o->subbuf_size) < 0 || !is_pow2(o->subbuf_size) ||
			    o->subbuf_size < 4096 || o->subbuf_size > (1ULL << 30)) {
				fprintf(stderr, PFX "--subbuf-size: '%s' is not a power of 2 between 4k and 1G\n",
					optarg);
				return 2;
			}
			break;
		case OPT_NUM_SUBBUF:
			if (parse_size(optarg, &o->num_subbuf) < 0 || !is_pow2(o->num_subbuf) ||
			    o->num_subbuf < 2 || o->num_subbuf > 1024) {
				fprintf(stderr, PFX "--num-subbuf: '%s' is not a power of 2 between 2 and 1024\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		default:
			if (c >= OPT_RUNTIME0 && c < OPT_RUNTIME0 + (int)IH_RT_NOPTS) {
				o->runtime_val[c - OPT_RUNTIME0] = optarg;
				break;
			}
			return ih_opt_error("irqhop record", c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, PFX "unexpected argument '%s' (try 'irqhop record --help')\n",
			argv[optind]);
		return 2;
	}
	if (!o->kvm) {
		static const int kvm_only[] = { IH_RT_ROUTE, IH_RT_VCPUS, IH_RT_ARRIVAL };

		if (o->attach) {
			fprintf(stderr, PFX "--attach needs --kvm (it records a host's own VMs)\n");
			return 2;
		}
		for (size_t i = 0; i < sizeof(kvm_only) / sizeof(kvm_only[0]); i++)
			if (o->runtime_val[kvm_only[i]]) {
				fprintf(stderr, PFX "--%s needs --kvm (an option of the KVM workload)\n",
					ih_record_runtime_opts[kvm_only[i]]);
				return 2;
			}
	} else {
		static const int scenario_only[] = { IH_RT_SCENARIO, IH_RT_TASKLET, IH_RT_NOTIFIER,
						     IH_RT_PCPUS };

		for (size_t i = 0; i < sizeof(scenario_only) / sizeof(scenario_only[0]); i++)
			if (o->runtime_val[scenario_only[i]]) {
				fprintf(stderr, PFX "--%s is a scenario option of irqhop-runtime; --kvm "
					"runs irqhop-kvm (--route, --vcpus, --rate, --arrival, --duration, "
					"--seed, --label)\n", ih_record_runtime_opts[scenario_only[i]]);
				return 2;
			}
		if (o->attach) {
			char *end;
			double d;

			if (!o->runtime_val[IH_RT_DURATION]) {
				fprintf(stderr, PFX "--attach needs --duration SECONDS (how long to record)\n");
				return 2;
			}
			d = strtod(o->runtime_val[IH_RT_DURATION], &end);
			if (*end || !(d > 0 && d <= 86400)) {
				fprintf(stderr, PFX "--duration: '%s' is not a number of seconds in (0, 86400]\n",
					o->runtime_val[IH_RT_DURATION]);
				return 2;
			}
			for (size_t i = 0; i < IH_RT_NOPTS; i++)
				if (o->runtime_val[i] && i != IH_RT_DURATION) {
					fprintf(stderr, PFX "--%s: --attach runs no workload of ours\n",
						ih_record_runtime_opts[i]);
					return 2;
				}
		}
	}
	if (o->max_snapshots && !o->snapshot_over_ns) {
		fprintf(stderr, PFX "--max-snapshots needs --snapshot-over DURATION (the flight recorder)\n");
		return 2;
	}
	if (o->snapshot_over_ns && (o->relay || o->kvm)) {
		fprintf(stderr, PFX "--snapshot-over excludes %s (%s)\n", o->relay ? "--relay" : "--kvm",
			o->relay ? "snapshots are written here, next to their trigger.json"
				 : "irqhop-kvm's vcpu_ack carries no latency");
		return 2;
	}
	if (o->snapshot_over_ns && !o->max_snapshots)
		o->max_snapshots = 8;
	if (o->live_timer_us && !o->relay) {
		fprintf(stderr, PFX "--live needs --relay net://HOST (a live session streams to lttng-relayd)\n");
		return 2;
	}
	if (o->relay && o->output) {
		fprintf(stderr, PFX "--output and --relay exclude each other (the relay daemon writes the trace)\n");
		return 2;
	}
	return 0;
}

int ih_record_main(int argc, char **argv)
{
	struct ih_record_opts o;
	char rtbuf[PATH_MAX];
	const char *prog;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	prog = o.attach ? NULL : o.kvm ? ih_kvm_path(rtbuf, sizeof(rtbuf))
				       : ih_runtime_path(rtbuf, sizeof(rtbuf));
	if (!prog && !o.attach)
		return 1;
	return ih_record_run(&o, prog);
}
