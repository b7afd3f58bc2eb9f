/* collector/model/procstat.c - see collector/model/procstat.h. */
#include "config.h"
#include "collector/model/procstat.h"

#include <stdio.h>
#include <unistd.h>

/* Host-wide steal and total CPU time from /proc/stat's "cpu" line, in ns.
 * On failure both stay 0 (the host's steal is then reported as unknown). */
void ih_proc_read_stat(uint64_t *steal_ns, uint64_t *total_ns)
{
	unsigned long long f[10] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *fp = fopen("/proc/stat", "r");
	uint64_t total = 0;

	*steal_ns = *total_ns = 0;
	if (!fp)
		return;
	if (fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2],
		   &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9]) >= 8 && hz > 0) {
		/* guest and guest_nice (8, 9) are already counted in user/nice. */
		for (int i = 0; i < 8; i++)
			total += f[i];
		*steal_ns = (uint64_t)f[7] * (1000000000ull / (uint64_t)hz);
		*total_ns = total * (1000000000ull / (uint64_t)hz);
	}
	fclose(fp);
}

/* The calling thread's run time and run delay from its schedstat; zeros on
 * failure (kernels without schedstats). */
void ih_proc_read_schedstat(uint64_t *run_ns, uint64_t *delay_ns)
{
	unsigned long long r = 0, d = 0;
	FILE *fp = fopen("/proc/thread-self/schedstat", "r");

	if (fp) {
		if (fscanf(fp, "%llu %llu", &r, &d) != 2)
			r = d = 0;
		fclose(fp);
	}
	*run_ns = r;
	*delay_ns = d;
}
