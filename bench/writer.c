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
 * The rows look like a passthrough trace recorded at --rate 100000 on 2
 * pCPUs: start_ns 10 us apart, emitted at their vcpu_ack (so irq_id
 * increases with local disorder: a fifth of the rows come after a larger
 * id, by up to a few hundred), the five hops of the path plus total with
 * the durations' shape of a recorded trace, lock waits mostly 0, the same
 * columns set and NULL as the reconstruction sets them.  The generator is
 * seeded: every trial writes the same rows.
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

/* A duration of BASE ns plus up to SPREAD, with a tail: one in TAIL
 * (0: none) gets up to TAILNS more. */
static int64_t dur(int64_t base, int64_t spread, uint64_t tail, int64_t tailns)
{
	uint64_t r = next_rand();
	int64_t d = base + (int64_t)(r % (uint64_t)spread);

	if (tail && (r >> 40) % tail == 0)
		d += (int64_t)((r >> 8) % (uint64_t)tailns);
	return d;
}

static void set(struct ih_rec_row *r, int c, int64_t v)
{
	r->col[c] = v;
	r->set |= 1u << c;
}

/* Interrupt ID (raised 10 us after the previous one, on one of 2 pCPUs);
 * *emit_ns = when the analyzer emits its row (its vcpu_ack). */
static struct ih_rec_row make_row(uint64_t id, int64_t *emit_ns)
{
	struct ih_rec_row r;
	int64_t total = 0;
	uint64_t pcpu = id % 2;

	memset(&r, 0, sizeof(r));
	r.irq_id = id;
	r.path = IH_PATH_PASSTHROUGH;
	r.start_ns = 1700000000000000000LL + (int64_t)id * 10000 + (int64_t)(next_rand() % 2000);
	r.complete = next_rand() % 1000 != 0;
	r.broken_hop = r.complete ? -1 : IH_HOP_GUEST;
	/* Like a recorded passthrough trace on this machine: delivery p50
	 * ~17 us with a 1 % tail to 5 ms, the other hops under 1 us with a
	 * tail to 100 us. */
	set(&r, IH_HOP_DELIVERY, dur(1500, 30000, 100, 5000000));
	set(&r, IH_HOP_SCHEDULE, dur(300, 500, 100, 60000));
	set(&r, IH_HOP_QUEUE, dur(250, 450, 100, 100000));
	set(&r, IH_HOP_ASSIST, dur(150, 400, 100, 50000));
	for (int h = IH_HOP_DELIVERY; h <= IH_HOP_ASSIST; h++)
		total += r.col[h];
	set(&r, IH_COL_SOURCE, (int64_t)pcpu);
	set(&r, IH_COL_VECTOR, 48);
	set(&r, IH_COL_PCPU, (int64_t)pcpu);
	set(&r, IH_COL_VCPU, (int64_t)pcpu);
	set(&r, IH_COL_SCHED_LOCK, 0);
	set(&r, IH_COL_RUN_LOCK, 0);
	set(&r, IH_COL_VM_LOCK, next_rand() % 160 == 0 ? dur(50, 2000, 0, 0) : 0);
	set(&r, IH_COL_TASK_PCPU, (int64_t)pcpu);
	if (r.complete) {
		set(&r, IH_HOP_GUEST, dur(350, 500, 100, 100000));
		total += r.col[IH_HOP_GUEST];
		set(&r, IH_COL_TOTAL, total);
		set(&r, IH_COL_ACK, r.start_ns + total);
		set(&r, IH_COL_ACK_PCPU, (int64_t)pcpu);
	}
	*emit_ns = r.start_ns + total;
	return r;
}

/* Rows waiting for their emission time, a binary min-heap on it: rows
 * leave in the order the analyzer emits them (by vcpu_ack, so irq_id is
 * increasing with local disorder, as in a recorded trace). */
#define HEAP_CAP 65536
static struct pending {
	int64_t emit_ns;
	struct ih_rec_row row;
} heap[HEAP_CAP];
static size_t nheap;

static void heap_push(int64_t emit_ns, const struct ih_rec_row *row)
{
	size_t i = nheap++;

	while (i > 0 && heap[(i - 1) / 2].emit_ns > emit_ns) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i].emit_ns = emit_ns;
	heap[i].row = *row;
}

static struct ih_rec_row heap_pop(void)
{
	struct ih_rec_row top = heap[0].row;
	struct pending last = heap[--nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= nheap)
			break;
		if (c + 1 < nheap && heap[c + 1].emit_ns < heap[c].emit_ns)
			c++;
		if (heap[c].emit_ns >= last.emit_ns)
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = last;
	return top;
}

struct trial {
	double writer_cpu_s, wall_s, commit_s;
	uint64_t late;		/* rows queued after a larger irq_id */
};

static uint64_t max_id;

/* Queues ROW, counting it in T->late when a larger irq_id went first. */
static int add(struct ih_store_run *run, const struct ih_rec_row *row, struct trial *t, char *err,
	       size_t errlen)
{
	if (row->irq_id < max_id)
		t->late++;
	else
		max_id = row->irq_id;
	return ih_store_add_irq(run, row, err, errlen);
}

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
	nheap = 0;
	max_id = 0;
	t->late = 0;
	for (uint64_t id = 1; id <= n || nheap; id++) {
		int64_t emit;
		struct ih_rec_row r;

		if (id <= n) {
			r = make_row(id, &emit);
			/* Everything acknowledged before this raise leaves first;
			 * the heap's cap (never reached: 5 ms is 500 raises)
			 * bounds the loop's memory anyway. */
			while (nheap && (heap[0].emit_ns <= r.start_ns || nheap == HEAP_CAP)) {
				struct ih_rec_row o = heap_pop();

				if (add(run, &o, t, err, sizeof(err)))
					goto fail;
			}
			heap_push(emit, &r);
			continue;
		}
		r = heap_pop();
		if (add(run, &r, t, err, sizeof(err)))
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
		printf("trial %ld: %llu irqs (%.1f %% after a larger id), writer CPU %.3f s = %.3f us/irq, "
		       "ingest wall %.3f s, commit %.3f s\n", t + 1, (unsigned long long)n,
		       100.0 * (double)r.late / (double)n, r.writer_cpu_s, per[t], r.wall_s, r.commit_s);
		fflush(stdout);
	}
	rmdir(dir);
	qsort(per, (size_t)trials, sizeof(per[0]), cmp_d);
	printf("writer_cpu_us_per_irq %.3f (median of %ld; min %.3f)\n", per[trials / 2], trials, per[0]);
	return 0;
}
