/*
 * analyzer/steal/steal.h - steal accounting of one run: vCPU runstates, hypervisor time
 * by cause, pCPU thread schedstats and lock totals, per time window.
 *
 * Like ih_rec, independent of Babeltrace and SQLite (unit-tested with
 * synthetic events).  The caller feeds the accounting events of one run in
 * timestamp order, then calls ih_steal_finish() with the run's end and reads
 * the windows back.  docs/analyzer.md ("Steal") gives the rules:
 *
 *   - windows are [start + k*W, start + (k+1)*W), W = the window length, the
 *     last one clipped at the run's end, so their lengths add up to the run;
 *   - a vCPU's state before its first vcpu_runstate is that event's `old`,
 *     from the run's start; the last state lasts until the run's end; each
 *     span goes to the windows it overlaps, so running + runnable + blocked +
 *     offline over a vCPU's windows is exactly end - start;
 *   - a vcpu_account delta (cumulative counters; the first one counts from 0
 *     at the run's start) is spread over the windows between the previous
 *     sample and this one in proportion to the vCPU's RUNNING time in each
 *     (hypervisor time is charged only while it runs); with no RUNNING time
 *     in between, all of it goes to the window of the later sample;
 *   - a pcpu_schedstat delta is spread over the windows between the previous
 *     sample (or the run's start) and this one in proportion to the overlap;
 *   - lock_stat keeps the last (cumulative) sample per lock and pCPU.
 *
 * Integer shares are rounded so that the parts of a delta add up to it
 * exactly.  Timestamps earlier than the previous one of the same vCPU (two
 * threads changing one vCPU's state race to the tracer) are taken as equal.
 *
 * Memory: O(vCPUs x windows + pCPUs x windows + locks).  Not thread-safe.
 */
#ifndef IH_STEAL_H
#define IH_STEAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "collector/events/enums.h"

/* Xen runstates, as vcpu_runstate carries them (collector/events/enums.h). */
enum { IH_RS_RUNNING = IH_TP_RS_RUNNING, IH_RS_RUNNABLE = IH_TP_RS_RUNNABLE,
       IH_RS_BLOCKED = IH_TP_RS_BLOCKED, IH_RS_OFFLINE = IH_TP_RS_OFFLINE, IH_RS_COUNT_ };
_Static_assert(IH_RS_COUNT_ == 4, "runstates index arrays: they must be 0..3");
/* Hypervisor time causes, in vcpu_account's order. */
enum { IH_HV_IRQ = 0, IH_HV_SOFTIRQ, IH_HV_TASKLET, IH_HV_LOCK, IH_HV_COUNT_ };

#define IH_STEAL_DEFAULT_WINDOW_NS INT64_C(100000000)

/* One vCPU's window. */
struct ih_steal_vwin {
	int64_t state_ns[IH_RS_COUNT_];
	int64_t hv_ns[IH_HV_COUNT_];
};

/* One pCPU thread's window. */
struct ih_steal_pwin {
	int64_t run_ns;
	int64_t run_delay_ns;
};

struct ih_steal_lock {
	uint32_t lock, pcpu;
	uint64_t acquisitions, contended, wait_ns, hold_ns;
};

struct ih_steal;

/* Creates the accounting of a run starting at START_NS with windows of
 * WINDOW_NS (> 0).  NULL when out of memory or WINDOW_NS <= 0. */
struct ih_steal *ih_steal_create(int64_t start_ns, int64_t window_ns);

/* Frees ST.  NULL is accepted. */
void ih_steal_destroy(struct ih_steal *st);

/* Feeds one event (timestamp order, all >= the start).  Each returns 0, or
 * -1 when out of memory (ST is then only good for ih_steal_destroy()).
 * Out-of-range states are ignored (0 returned). */
int ih_steal_runstate(struct ih_steal *st, int64_t ts, uint32_t vcpu, uint32_t guest,
		      uint32_t pcpu, unsigned old_state, unsigned new_state);
int ih_steal_account(struct ih_steal *st, int64_t ts, uint32_t vcpu, const uint64_t cum[IH_HV_COUNT_]);
int ih_steal_schedstat(struct ih_steal *st, int64_t ts, uint32_t pcpu, uint64_t run_ns,
		       uint64_t run_delay_ns);
int ih_steal_lock_sample(struct ih_steal *st, uint32_t lock, uint32_t pcpu, uint64_t acquisitions,
			 uint64_t contended, uint64_t wait_ns, uint64_t hold_ns);

/* Closes every vCPU's last state at END_NS (>= every fed timestamp) and
 * fixes the number of windows.  Returns 0, or -1 when out of memory. */
int ih_steal_finish(struct ih_steal *st, int64_t end_ns);

/* Results, valid after ih_steal_finish(). */
int64_t ih_steal_window_ns(const struct ih_steal *st);
size_t ih_steal_nwindows(const struct ih_steal *st);
/* Start and length of window W (the last one clipped at the end). */
int64_t ih_steal_window_start(const struct ih_steal *st, size_t w);
int64_t ih_steal_window_len(const struct ih_steal *st, size_t w);
/* vCPUs seen in vcpu_runstate events are 0..ih_steal_nvcpus()-1 with gaps:
 * ih_steal_vcpu() returns NULL for an id never seen, else its windows (an
 * array of ih_steal_nwindows()) and, through *guest / *pcpu, the guest index
 * and pCPU of its last runstate event. */
size_t ih_steal_nvcpus(const struct ih_steal *st);
const struct ih_steal_vwin *ih_steal_vcpu(const struct ih_steal *st, uint32_t vcpu, uint32_t *guest,
					  uint32_t *pcpu);
/* Same for pCPU threads seen in pcpu_schedstat events. */
size_t ih_steal_npcpus(const struct ih_steal *st);
const struct ih_steal_pwin *ih_steal_pcpu(const struct ih_steal *st, uint32_t pcpu);
/* Last lock samples, in first-seen order. */
size_t ih_steal_nlocks(const struct ih_steal *st);
const struct ih_steal_lock *ih_steal_lock_at(const struct ih_steal *st, size_t i);
#endif
