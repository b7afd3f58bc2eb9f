/*
 * collector/record/record.h - irqhop record as a library: run a scenario of
 * irqhop-runtime under an LTTng session and leave its CTF trace in a
 * directory (or stream it to lttng-relayd).  The command line of `irqhop
 * record` (cli/record_main.c) fills a struct ih_record_opts and calls
 * ih_record_run(); the steps are in collector/record/record.c, the output
 * directory in outdir.h, the irqhop-runtime child in runner.h, LTTng in
 * session.h and sessiond.h.
 */
#ifndef IH_RECORD_H
#define IH_RECORD_H

#include <stdint.h>

/* The scenario options, passed to irqhop-runtime as given ("--NAME VALUE"),
 * indexed by enum ih_record_runtime_opt. */
enum ih_record_runtime_opt {
	IH_RT_SCENARIO, IH_RT_TASKLET, IH_RT_NOTIFIER, IH_RT_DURATION, IH_RT_RATE,
	IH_RT_SEED, IH_RT_PCPUS, IH_RT_LABEL,
	IH_RT_ROUTE, IH_RT_VCPUS, IH_RT_ARRIVAL,   /* irqhop-kvm's (--kvm) */
	IH_RT_NOPTS
};
extern const char *const ih_record_runtime_opts[IH_RT_NOPTS];

struct ih_record_opts {
	const char *runtime_val[IH_RT_NOPTS];  /* NULL: not given */
	const char *output;      /* trace directory; NULL: ./irqhop-trace-DATE-TIME */
	const char *relay;       /* net://HOST[:CTRL[:DATA]]: stream to lttng-relayd */
	uint64_t live_timer_us;  /* with relay: > 0 makes a live session */
	int all_events;          /* also enable the DEBUG-level events */
	uint64_t subbuf_size;    /* channel geometry (validated by the caller) */
	uint64_t num_subbuf;
	int kvm;                 /* --kvm: add the kernel channel (collector/record/kernel.h);
				  * PROG is irqhop-kvm */
	uint64_t snapshot_over_ns; /* > 0: flight recorder (collector/record/flight.h): a snapshot
				    * session, one snapshot per interrupt whose total exceeds it */
	unsigned max_snapshots;  /* with snapshot_over_ns: at most this many (1..64) */
	int attach;              /* with kvm: run nothing, record the host's own VMs for
				  * --duration seconds (runtime_val[IH_RT_DURATION], required) */
};

/* Records one run with irqhop-runtime PROG (irqhop-kvm with o->kvm; unused with o->attach).  The options are syntactically
 * valid (the caller checked them); the scenario options are checked by
 * `PROG --check` before anything touches LTTng.  Returns the exit status of
 * `irqhop record`: 0 with "irqhop record: trace written to ..." on stdout;
 * 2 for invalid scenario options; 1 for any other failure (one line
 * "irqhop record: ..." on stderr) after undoing what was done: the session
 * destroyed, our session daemon stopped, what was written (and the
 * directories created) removed.  An interrupted run (SIGINT, SIGTERM,
 * SIGHUP, forwarded to the child) returns 1 and keeps its partial trace,
 * which is valid CTF. */
int ih_record_run(const struct ih_record_opts *o, const char *prog);
#endif
