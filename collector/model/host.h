/*
 * collector/model/host.h - the modelled virtualization host: one thread per pCPU, guests'
 * vCPUs placed on them, devices, and the tasklet domain, built from a
 * resolved scenario.
 *
 * A pCPU thread loops:  interrupt window (take queued physical interrupts,
 * run each handler between irq_entry and irq_exit) -> pending softirqs ->
 * pick a vCPU (round-robin among its RUNNABLE vCPUs, a timeslice each) ->
 * guest entry (acknowledge injected interrupts) -> one unit of guest work
 * (busy guests: ~1.5 us of computation) or block (idle guests) -> sleep when
 * nothing is runnable, until an interrupt, an IPI or the next periodic job.
 * Hypervisor time (interrupt handlers, softirqs, lock spinning inside them)
 * is charged to the vCPU that was current, as Xen does.
 *
 * Run lifecycle: create -> run (start pCPUs, emit run_begin, start devices,
 * wait the duration (or until ih_host_interrupt), stop devices, drain until every raised interrupt is
 * acknowledged, stop pCPUs, emit run_end) -> destroy.
 */
#ifndef IH_HOST_H
#define IH_HOST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model/scenario.h"

struct ih_host;

struct ih_host_stats {
	uint64_t raised;
	uint64_t acked;
	uint64_t host_steal_ns;     /* the test host's own steal over the run */
	uint64_t host_total_ns;
	uint64_t lock_acquisitions; /* the global tasklet lock, all pCPUs */
	uint64_t lock_contended;
	uint64_t lock_wait_ns;
	uint64_t tasklet_runs;
	/* With the audit enabled: distinct irq_ids acknowledged, and
	 * acknowledgments of an irq_id already acknowledged. */
	uint64_t audit_distinct;
	uint64_t audit_duplicates;
	/* Runstate time of the vCPUs of idle and of busy guests (ns), and the
	 * hypervisor time charged to them while running, from the runtime's own
	 * accounting. */
	uint64_t idle_rs_ns[4], busy_rs_ns[4];
	uint64_t idle_hv_ns, idle_lock_ns, busy_hv_ns, busy_lock_ns;
	/* run_begin and run_end events emitted: equal once ih_host_run has
	 * returned, whatever it returned (a trace always closes its run). */
	unsigned runs_begun, runs_ended;
	/* The run's duration was cut short by ih_host_interrupt (its wait
	 * ended before the duration did), and ns from run_begin to the pCPUs'
	 * stop. */
	bool ended_early;
	uint64_t run_ns;
};

/* Tests: records every acknowledgment in a bitmap (irq_ids below 2^24) so
 * ih_host_stats can tell exactly-once from merely equal counts.  Call before
 * ih_host_run.  Returns 0, or -1 on allocation failure. */
int ih_host_enable_ack_audit(struct ih_host *h);

/* Builds the host for SC (threads are not started).  Returns 0, or -1 with
 * one line in err (allocation failure). */
int ih_host_create(const struct ih_scenario *sc, struct ih_host **out, char *err, size_t errlen);

/* Runs the scenario to completion (see the lifecycle above).  Returns 0, or
 * -1 with one line in err: a thread could not be started, or interrupts
 * were still unacknowledged 10 s after the devices stopped.  Success and
 * failure leave by the same path: the devices that started are stopped,
 * what they raised is drained, every thread started is joined, and a run
 * that emitted run_begin emits its run_end. */
int ih_host_run(struct ih_host *h, char *err, size_t errlen);

/* Ends the run's duration now (any thread, e.g. one that caught SIGINT):
 * ih_host_run then goes on as at the end of the duration (devices stopped,
 * every raised interrupt drained and acknowledged, run_end emitted), so an
 * interrupted run still leaves a complete trace.  Cannot fail. */
void ih_host_interrupt(struct ih_host *h);

/* Whether ih_host_interrupt() was called. */
bool ih_host_was_interrupted(struct ih_host *h);

void ih_host_stats(struct ih_host *h, struct ih_host_stats *out);

/* Frees everything; after ih_host_run returned (or instead of it). */
void ih_host_destroy(struct ih_host *h);
#endif
