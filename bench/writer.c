/*
 * bench/writer.c - the analyzer's writer thread: CPU per interrupt.
 *
 * Feeds N synthetic interrupt rows through the store API (ih_store_open,
 * ih_store_run_begin, ih_store_add_irq, ih_store_run_finish,
 * ih_store_commit) into a new database, as `irqhop analyze` does, without
 * Babeltrace, and prints the writer thread's CPU time per interrupt
 * (ih_store_times()->writer_cpu_s: its irq inserts and hop-order parts),
 * plus the wall time of the whole ingest and of the commit.
 *
 * The rows look like a passthrough trace at --rate 100000 on 4 pCPUs:
 * irq_id increasing but acknowledged slightly out of order (a row is
 * emitted at its vcpu_ack), start_ns 10 us apart, the five hops of the
 * path plus total with durations of a few microseconds, lock waits mostly
 * 0, the same columns set and NULL as the reconstruction sets them.  The
 * generator is seeded: every trial writes the same rows.
 *
 * Usage: ih-bench-writer [--irqs N] [--trials T] [--keep DB]
 *   --irqs N     interrupts per trial (default 1000000)
 *   --trials T   fresh databases, one after the other (default 3); the
 *                median is printed last
 *   --keep DB    write the (last) trial's database to DB (must not exist)
 *                instead of a temporary one, e.g. to compare contents
 * Bad options: one line on stderr, exit 2.  A store failure: its message,
 * exit 1.
 */
#include "config.h"
#include "analyzer/store/store.h"
#include "collector/events/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A duration around BASE ns: BASE plus up to SPREAD, with a rare tail of
 * up to 20 x SPREAD (the histogram's slow bucket in a real trace). */
static int64_t dur(int64_t base, int64_t spread)
{
	uint64_t r = next_rand();
	int64_t d = base + (int64_t)(r % (uint64_t)spread);

	if ((r >> 40) % 100 == 0)
		d += (int64_t)((r >> 20) % (uint64_t)(20 * spread));
	return d;
}

static void set(struct ih_rec_row *r, int c, int64_t v)
{
	r->col[c] = v;
	r->set |= 1u << c;
}

/* Row I of the synthetic trace (see the file's comment). */
static struct ih_rec_row make_row(uint64_t i)
{
	struct ih_rec_row r;
	int64_t hops[4], total = 0;
	uint64_t pcpu = i % 4;

	memset(&r, 0, sizeof(r));
	/* Out of order by up to 3 within groups of 4: ids 4k..4k+3 leave as
	 * a permutation of themselves. */
	r.irq_id = 1 + (i & ~(uint64_t)3) + ((i + (i >> 2)) & 3);
	r.path = IH_PATH_PASSTHROUGH;
	r.start_ns = 1700000000000000000LL + (int64_t)r.irq_id * 10000 + (int64_t)(next_rand() % 500);
	r.complete = next_rand() % 1000 != 0;
	r.broken_hop = r.complete ? -1 : IH_HOP_GUEST;
	hops[0] = dur(900, 1200);
	hops[1] = dur(400, 600);
	hops[2] = dur(1500, 8000);
	hops[3] = dur(700, 900);
	set(&r, IH_HOP_DELIVERY, hops[0]);
	set(&r, IH_HOP_SCHEDULE, hops[1]);
	set(&r, IH_HOP_QUEUE, hops[2]);
	set(&r, IH_HOP_ASSIST, hops[3]);
	for (int k = 0; k < 4; k++)
		total += hops[k];
	set(&r, IH_COL_SOURCE, (int64_t)(i % 8));
	set(&r, IH_COL_VECTOR, 32 + (int64_t)(i % 8));
	set(&r, IH_COL_PCPU, (int64_t)pcpu);
	set(&r, IH_COL_VCPU, (int64_t)(i % 8));
	set(&r, IH_COL_SCHED_LOCK, next_rand() % 20 == 0 ? dur(50, 400) : 0);
	set(&r, IH_COL_RUN_LOCK, next_rand() % 20 == 0 ? dur(50, 400) : 0);
	set(&r, IH_COL_VM_LOCK, next_rand() % 50 == 0 ? dur(50, 400) : 0);
	set(&r, IH_COL_TASK_PCPU, (int64_t)pcpu);
	if (r.complete) {
		int64_t g = dur(1000, 3000);

		set(&r, IH_HOP_GUEST, g);
		total += g;
		set(&r, IH_COL_TOTAL, total);
		set(&r, IH_COL_ACK, r.start_ns + total);
		set(&r, IH_COL_ACK_PCPU, (int64_t)((pcpu + 1) % 4));
	}
	return r;
}

struct trial {
	double writer_cpu_s, wall_s, commit_s;
};

/* One trial into DB (which must not exist).  0, or -1 with the store's
 * message printed. */
static int trial(const char *db, uint64_t n, struct trial *t)
{
	char err[512];
	struct ih_store *st;
	struct ih_store_run *run;
	struct ih_store_run_info info;
	struct ih_store_result res;
	const struct ih_store_times *tm;
	uint64_t t0 = ih_now_ns();
	int ret = -1;

	rng = 0x9e3779b97f4a7c15ull;
	if (!(st = ih_store_open(db, err, sizeof(err))))
		goto fail;
	if (!(run = ih_store_run_begin(st, "bench", NULL, false, err, sizeof(err))))
		goto fail;
	for (uint64_t i = 0; i < n; i++) {
		struct ih_rec_row r = make_row(i);

		if (ih_store_add_irq(run, &r, err, sizeof(err)))
			goto fail;
	}
	memset(&info, 0, sizeof(info));
	info.label = "bench-writer";
	if (ih_store_run_finish(run, &info, NULL, &res, err, sizeof(err)) ||
	    ih_store_commit(st, err, sizeof(err)))
		goto fail;
	tm = ih_store_times(st);
	t->writer_cpu_s = tm->writer_cpu_s;
	t->commit_s = tm->commit_s;
	t->wall_s = (double)(ih_now_ns() - t0) / 1e9;
	ret = 0;
	goto end;
fail:
	fprintf(stderr, "ih-bench-writer: %s\n", err);
end:
	ih_store_destroy(st);
	return ret;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void rm_db(const char *db)
{
	char p[4200];

	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000;
	long trials = 3;
	const char *keep = NULL;
	char dir[] = "/tmp/ih-bench-writer.XXXXXX", db[4096];
	double per[64];
	struct stat sb;

	for (int i = 1; i < argc; i++) {
		char *end = NULL;

		if (strcmp(argv[i], "--irqs") == 0 && i + 1 < argc) {
			n = strtoull(argv[++i], &end, 10);
			if (!*argv[i] || *end || n == 0 || n > 100000000) {
				fprintf(stderr, "ih-bench-writer: --irqs: not a count from 1 to 100000000: %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc) {
			trials = strtol(argv[++i], &end, 10);
			if (!*argv[i] || *end || trials < 1 || trials > 64) {
				fprintf(stderr, "ih-bench-writer: --trials: not a count from 1 to 64: %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
			keep = argv[++i];
			if (stat(keep, &sb) == 0 || errno != ENOENT) {
				fprintf(stderr, "ih-bench-writer: --keep: %s already exists\n", keep);
				return 2;
			}
		} else {
			fprintf(stderr, "ih-bench-writer: unknown option or missing value: %s "
				"(usage: ih-bench-writer [--irqs N] [--trials T] [--keep DB])\n", argv[i]);
			return 2;
		}
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "ih-bench-writer: cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	for (long t = 0; t < trials; t++) {
		struct trial r;
		bool last = t == trials - 1;

		snprintf(db, sizeof(db), "%s/w.sqlite", dir);
		if (trial(last && keep ? keep : db, n, &r)) {
			rm_db(db);
			rmdir(dir);
			return 1;
		}
		rm_db(db);
		per[t] = r.writer_cpu_s / (double)n * 1e6;
		printf("trial %ld: %llu irqs, writer CPU %.3f s = %.3f us/irq, ingest wall %.3f s, commit %.3f s\n",
		       t + 1, (unsigned long long)n, r.writer_cpu_s, per[t], r.wall_s, r.commit_s);
		fflush(stdout);
	}
	rmdir(dir);
	qsort(per, (size_t)trials, sizeof(per[0]), cmp_d);
	printf("writer_cpu_us_per_irq %.3f (median of %ld)\n", per[trials / 2], trials);
	return 0;
}
