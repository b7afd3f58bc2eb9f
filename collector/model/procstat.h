/*
 * collector/model/procstat.h - what the host samples from /proc: the test
 * machine's own steal (so a run on a noisy VM can be told apart) and a
 * thread's schedstat.
 */
#ifndef IH_PROCSTAT_H
#define IH_PROCSTAT_H
#include <stdint.h>

/* Host-wide steal and total CPU time from /proc/stat's "cpu" line, in ns.
 * On failure both are 0 (the host's steal is then reported as unknown). */
void ih_proc_read_stat(uint64_t *steal_ns, uint64_t *total_ns);

/* The calling thread's run time and run delay from its schedstat; zeros on
 * failure (kernels without schedstats). */
void ih_proc_read_schedstat(uint64_t *run_ns, uint64_t *delay_ns);
#endif
