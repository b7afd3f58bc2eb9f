/*
 * analyzer_rec.c - unit tests of interrupt-path reconstruction
 * (analyzer/ih_rec), fed with synthetic event sequences.
 */
#include "config.h"
#include "tests/tap.h"
#include "analyzer/reconstruct/rec.h"

#include <string.h>

#define MAX_ROWS 64

static struct ih_rec_row rows[MAX_ROWS];
static size_t nrows;
static uint64_t nemitted, nemitted_complete;
static bool keep_rows = true;

static int collect(void *ctx, const struct ih_rec_row *row)
{
	(void)ctx;
	nemitted++;
	if (row->complete)
		nemitted_complete++;
	if (keep_rows) {
		if (nrows == MAX_ROWS)
			return -1;
		rows[nrows++] = *row;
	}
	return 0;
}

static const struct ih_rec_row *row_of(uint64_t irq_id)
{
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].irq_id == irq_id)
			return &rows[i];
	return NULL;
}

static struct ih_rec *rec;
static int feed_errors;

/* Feeds one event: kind, time, irq_id, vtid, then the fields it carries. */
static void feed(enum ih_ev kind, int64_t ts, uint64_t irq_id, int64_t vtid, struct ih_rec_event ev)
{
	ev.kind = kind;
	ev.ts = ts;
	ev.irq_id = irq_id;
	ev.vtid = vtid;
	ev.has_vtid = true;
	if (ih_rec_feed(rec, &ev))
		feed_errors++;
}
#define F(...) ((struct ih_rec_event){ __VA_ARGS__ })
#define NONE F(.kind = 0)

#define HAS(r, c) ih_rec_row_has((r), (c))

static void test_passthrough(void)
{
	const struct ih_rec_row *r;

	feed(IH_EV_IRQ_RAISE, 100, 1, 5, F(.source = 3, .vector = 48, .target_pcpu = 0));
	feed(IH_EV_IRQ_ENTRY, 200, 1, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 250, 1, 10, F(.lock_wait_ns = 7, .queued = 1, .tasklet = 1));
	feed(IH_EV_IRQ_EXIT, 260, 1, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_ENTRY, 300, 1, 11, F(.pcpu = 1, .lock_wait_ns = 11, .tasklet = 1));
	feed(IH_EV_INJECT, 400, 1, 11, F(.vcpu = 2, .vector = 48, .vm_lock_wait_ns = 5));
	feed(IH_EV_TASKLET_EXIT, 500, 1, 11, F(.pcpu = 1));
	ok(nrows == 0 && ih_rec_inflight(rec) == 1, "passthrough: nothing emitted before vcpu_ack");
	feed(IH_EV_VCPU_ACK, 600, 1, 12, F(.vcpu = 2, .pcpu = 1));
	r = row_of(1);
	ok(r != NULL, "passthrough: row emitted at vcpu_ack");
	if (!r)
		return;
	is_u64(ih_rec_inflight(rec), 0, "passthrough: no interrupt left in flight");
	ok(r->path == IH_PATH_PASSTHROUGH && r->complete && r->broken_hop == -1, "passthrough: complete");
	is_u64(r->start_ns, 100, "passthrough: start is irq_raise");
	is_u64(r->col[IH_HOP_DELIVERY], 100, "passthrough: delivery = irq_entry - irq_raise");
	is_u64(r->col[IH_HOP_SCHEDULE], 50, "passthrough: schedule = tasklet_schedule - irq_entry");
	is_u64(r->col[IH_HOP_QUEUE], 50, "passthrough: queue = tasklet_entry - tasklet_schedule");
	is_u64(r->col[IH_HOP_ASSIST], 100, "passthrough: assist = inject - tasklet_entry");
	is_u64(r->col[IH_HOP_GUEST], 200, "passthrough: guest = vcpu_ack - inject");
	is_u64(r->col[IH_COL_TOTAL], 500, "passthrough: total = vcpu_ack - irq_raise");
	ok(!HAS(r, (enum ih_col)IH_HOP_CALLBACK) && !HAS(r, (enum ih_col)IH_HOP_INJECT), "passthrough: irqfd hops NULL");
	is_u64(r->col[IH_COL_SCHED_LOCK], 7, "passthrough: sched_lock_wait_ns from tasklet_schedule");
	is_u64(r->col[IH_COL_RUN_LOCK], 11, "passthrough: run_lock_wait_ns from tasklet_entry");
	is_u64(r->col[IH_COL_VM_LOCK], 5, "passthrough: vm_lock_wait_ns from inject");
	is_u64(r->col[IH_COL_TASK_PCPU], 1, "passthrough: task_pcpu from tasklet_entry");
	is_u64(r->col[IH_COL_ACK_PCPU], 1, "passthrough: ack_pcpu from vcpu_ack");
	ok(r->col[IH_COL_SOURCE] == 3 && r->col[IH_COL_VECTOR] == 48 && r->col[IH_COL_PCPU] == 0 &&
	   r->col[IH_COL_VCPU] == 2 && r->col[IH_COL_ACK] == 600, "passthrough: source, vector, pcpu, vcpu, ack");
}

/* One tasklet run serves two interrupts: the second was coalesced
 * (queued = 0) and its queue hop ends at the run's tasklet_entry, which
 * names the first interrupt.  Another thread's open run must not count. */
static void test_coalesced(void)
{
	const struct ih_rec_row *a, *b;

	feed(IH_EV_IRQ_RAISE, 1000, 2, 5, F(.source = 0, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 1010, 2, 20, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 1020, 2, 20, F(.queued = 1, .lock_wait_ns = 1));
	feed(IH_EV_IRQ_RAISE, 1030, 3, 5, F(.source = 0, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 1040, 3, 20, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 1050, 3, 20, F(.queued = 0, .lock_wait_ns = 2));
	feed(IH_EV_TASKLET_ENTRY, 1100, 2, 20, F(.pcpu = 0, .lock_wait_ns = 9));
	feed(IH_EV_TASKLET_ENTRY, 1105, 99, 21, F(.pcpu = 1, .lock_wait_ns = 1000));
	feed(IH_EV_INJECT, 1110, 2, 20, F(.vcpu = 0));
	feed(IH_EV_INJECT, 1120, 3, 20, F(.vcpu = 0));
	feed(IH_EV_TASKLET_EXIT, 1130, 2, 20, NONE);
	feed(IH_EV_VCPU_ACK, 1200, 2, 22, F(.pcpu = 0));
	feed(IH_EV_VCPU_ACK, 1210, 3, 22, F(.pcpu = 0));
	a = row_of(2);
	b = row_of(3);
	ok(a && b, "coalesced: both interrupts emitted");
	if (!a || !b)
		return;
	ok(a->complete && b->complete, "coalesced: both complete");
	is_u64(a->col[IH_HOP_QUEUE], 80, "coalesced: first queue = its own tasklet_entry");
	is_u64(a->col[IH_HOP_ASSIST], 10, "coalesced: first assist");
	is_u64(b->col[IH_HOP_QUEUE], 50, "coalesced: second queue ends at the shared tasklet_entry");
	is_u64(b->col[IH_HOP_ASSIST], 20, "coalesced: second assist = its inject - shared entry");
	is_u64(b->col[IH_COL_RUN_LOCK], 9, "coalesced: run lock wait of the shared run, not the other thread's");
	is_u64(b->col[IH_COL_SCHED_LOCK], 2, "coalesced: sched lock wait of its own tasklet_schedule");
	is_u64(b->col[IH_COL_TOTAL], 180, "coalesced: second total");
	is_u64(b->col[IH_HOP_DELIVERY] + b->col[IH_HOP_SCHEDULE] + b->col[IH_HOP_QUEUE] +
	       b->col[IH_HOP_ASSIST] + b->col[IH_HOP_GUEST], b->col[IH_COL_TOTAL], "coalesced: hops sum to total");
}

/* A run under way when the schedule comes: the entry precedes the schedule,
 * the queue hop is 0 and the hops still sum to total. */
static void test_clamp(void)
{
	const struct ih_rec_row *r;
	uint64_t before = ih_rec_stats(rec)->clamped;

	feed(IH_EV_TASKLET_ENTRY, 5000, 0, 50, F(.pcpu = 3));
	feed(IH_EV_IRQ_RAISE, 5002, 4, 5, NONE);
	feed(IH_EV_IRQ_ENTRY, 5003, 4, 50, NONE);
	feed(IH_EV_TASKLET_SCHEDULE, 5004, 4, 50, F(.queued = 0));
	feed(IH_EV_INJECT, 5010, 4, 50, NONE);
	feed(IH_EV_TASKLET_EXIT, 5011, 0, 50, NONE);
	feed(IH_EV_VCPU_ACK, 5020, 4, 50, NONE);
	r = row_of(4);
	ok(r && r->complete, "clamp: complete");
	if (!r)
		return;
	is_u64(r->col[IH_HOP_QUEUE], 0, "clamp: queue is 0 when the run was already under way");
	is_u64(r->col[IH_HOP_ASSIST], 6, "clamp: assist from the schedule");
	is_u64(r->col[IH_COL_TOTAL], 18, "clamp: total");
	is_u64(ih_rec_stats(rec)->clamped, before + 1, "clamp: counted");
}

static void test_broken(void)
{
	const struct ih_rec_row *r;

	/* tasklet_entry lost: inject outside any bracket. */
	feed(IH_EV_IRQ_RAISE, 6000, 5, 5, NONE);
	feed(IH_EV_IRQ_ENTRY, 6010, 5, 60, NONE);
	feed(IH_EV_TASKLET_SCHEDULE, 6020, 5, 60, NONE);
	feed(IH_EV_INJECT, 6100, 5, 61, NONE);
	feed(IH_EV_VCPU_ACK, 6200, 5, 62, NONE);
	r = row_of(5);
	ok(r != NULL, "broken: emitted at vcpu_ack");
	if (r) {
		ok(!r->complete, "broken: incomplete");
		ok(r->broken_hop == IH_HOP_QUEUE, "broken: broken_hop is queue (first missing hop)");
		ok(HAS(r, (enum ih_col)IH_HOP_DELIVERY) && HAS(r, (enum ih_col)IH_HOP_SCHEDULE),
		   "broken: hops before the break kept");
		ok(!HAS(r, (enum ih_col)IH_HOP_QUEUE) && !HAS(r, (enum ih_col)IH_HOP_ASSIST),
		   "broken: hops touching the missing event NULL");
		is_u64(r->col[IH_HOP_GUEST], 100, "broken: guest hop after the break kept");
		ok(!HAS(r, IH_COL_TOTAL), "broken: total NULL");
	}

	/* Trace ends after irq_entry: flushed as incomplete. */
	feed(IH_EV_IRQ_RAISE, 7000, 6, 5, NONE);
	feed(IH_EV_IRQ_ENTRY, 7005, 6, 60, NONE);
	/* irq_raise lost: first seen event is irq_entry (orphan). */
	feed(IH_EV_IRQ_ENTRY, 7100, 7, 60, NONE);
	feed(IH_EV_TASKLET_SCHEDULE, 7110, 7, 60, NONE);
	ok(row_of(6) == NULL, "broken: in-flight interrupt not emitted before flush");
	ok(ih_rec_flush(rec) == 0, "broken: flush succeeds");
	is_u64(ih_rec_inflight(rec), 0, "broken: flush empties the table");
	r = row_of(6);
	ok(r && !r->complete && r->broken_hop == IH_HOP_SCHEDULE && HAS(r, (enum ih_col)IH_HOP_DELIVERY),
	   "broken: end of trace -> incomplete, broken_hop schedule, delivery kept");
	r = row_of(7);
	ok(r && r->path == IH_PATH_PASSTHROUGH && !r->complete && r->broken_hop == IH_HOP_DELIVERY &&
	   r->start_ns == 7100 && HAS(r, (enum ih_col)IH_HOP_SCHEDULE),
	   "broken: lost irq_raise -> passthrough orphan, broken_hop delivery, start = first seen");
}

static void test_irqfd(void)
{
	const struct ih_rec_row *r;

	/* waitqueue: deferred to a worker.  An open tasklet bracket on the
	 * injecting thread must not give irqfd a queue hop. */
	feed(IH_EV_TASKLET_ENTRY, 7990, 0, 71, NONE);
	feed(IH_EV_EVENTFD_SIGNAL, 8000, 8, 70, F(.efd = 4, .mode = 0));
	feed(IH_EV_NOTIFIER_ENTRY, 8010, 8, 70, F(.efd = 4, .mode = 0));
	feed(IH_EV_WORK_QUEUE, 8030, 8, 70, F(.worker = 2));
	feed(IH_EV_NOTIFIER_EXIT, 8035, 8, 70, NONE);
	feed(IH_EV_WORK_ENTRY, 8100, 8, 71, F(.worker = 3));
	feed(IH_EV_INJECT, 8150, 8, 71, F(.vcpu = 1, .vm_lock_wait_ns = 40));
	feed(IH_EV_WORK_EXIT, 8160, 8, 71, NONE);
	feed(IH_EV_VCPU_ACK, 8300, 8, 72, F(.pcpu = 1));
	feed(IH_EV_TASKLET_EXIT, 8310, 0, 71, NONE);
	r = row_of(8);
	ok(r && r->path == IH_PATH_IRQFD && r->complete, "irqfd waitqueue: complete");
	if (r) {
		is_u64(r->col[IH_HOP_CALLBACK], 10, "irqfd waitqueue: callback");
		is_u64(r->col[IH_HOP_DEFER], 20, "irqfd waitqueue: defer");
		is_u64(r->col[IH_HOP_WORKER], 70, "irqfd waitqueue: worker (the extra context switch)");
		is_u64(r->col[IH_HOP_INJECT], 50, "irqfd waitqueue: inject from work_entry");
		is_u64(r->col[IH_HOP_GUEST], 150, "irqfd waitqueue: guest");
		is_u64(r->col[IH_COL_TOTAL], 300, "irqfd waitqueue: total");
		is_u64(r->col[IH_COL_WORKER], 3, "irqfd waitqueue: worker that ran the work");
		is_u64(r->col[IH_COL_VM_LOCK], 40, "irqfd waitqueue: vm lock wait");
		is_u64(r->col[IH_COL_SOURCE], 4, "irqfd waitqueue: source is the eventfd");
		ok(!HAS(r, (enum ih_col)IH_HOP_QUEUE) && !HAS(r, IH_COL_RUN_LOCK), "irqfd: no tasklet columns");
	}

	/* srcu: injects straight from the callback. */
	feed(IH_EV_EVENTFD_SIGNAL, 9000, 9, 70, F(.efd = 4, .mode = 1));
	feed(IH_EV_NOTIFIER_ENTRY, 9005, 9, 70, F(.efd = 4, .mode = 1));
	feed(IH_EV_INJECT, 9025, 9, 70, NONE);
	feed(IH_EV_NOTIFIER_EXIT, 9030, 9, 70, NONE);
	feed(IH_EV_VCPU_ACK, 9040, 9, 72, NONE);
	r = row_of(9);
	ok(r && r->path == IH_PATH_IRQFD && r->complete, "irqfd srcu: complete without defer/worker");
	if (r) {
		is_u64(r->col[IH_HOP_CALLBACK], 5, "irqfd srcu: callback");
		is_u64(r->col[IH_HOP_INJECT], 20, "irqfd srcu: inject from notifier_entry");
		is_u64(r->col[IH_HOP_GUEST], 15, "irqfd srcu: guest");
		ok(!HAS(r, (enum ih_col)IH_HOP_DEFER) && !HAS(r, (enum ih_col)IH_HOP_WORKER),
		   "irqfd srcu: defer and worker NULL");
		is_u64(r->col[IH_COL_TOTAL], 40, "irqfd srcu: total");
	}

	/* waitqueue with work_entry lost: broken at worker. */
	feed(IH_EV_EVENTFD_SIGNAL, 9100, 10, 70, F(.mode = 0));
	feed(IH_EV_NOTIFIER_ENTRY, 9110, 10, 70, F(.mode = 0));
	feed(IH_EV_WORK_QUEUE, 9120, 10, 70, NONE);
	feed(IH_EV_INJECT, 9200, 10, 71, NONE);
	feed(IH_EV_VCPU_ACK, 9300, 10, 72, NONE);
	r = row_of(10);
	ok(r && !r->complete && r->broken_hop == IH_HOP_WORKER && HAS(r, (enum ih_col)IH_HOP_DEFER) &&
	   !HAS(r, (enum ih_col)IH_HOP_INJECT), "irqfd waitqueue: lost work_entry -> broken_hop worker");
}

static void test_timer(void)
{
	const struct ih_rec_row *r;

	feed(IH_EV_TIMER_FIRE, 10000, 11, 80, F(.vcpu = 6, .pcpu = 2));
	feed(IH_EV_TASKLET_SCHEDULE, 10010, 11, 80, F(.lock_wait_ns = 3));
	feed(IH_EV_TASKLET_ENTRY, 10050, 11, 81, F(.pcpu = 2));
	feed(IH_EV_INJECT, 10060, 11, 81, F(.vcpu = 6));
	feed(IH_EV_TASKLET_EXIT, 10061, 11, 81, NONE);
	feed(IH_EV_VCPU_KICK, 10062, 11, 81, NONE);
	feed(IH_EV_VCPU_ACK, 10500, 11, 82, F(.vcpu = 6, .pcpu = 2));
	r = row_of(11);
	ok(r && r->path == IH_PATH_TIMER && r->complete, "timer: complete");
	if (r) {
		ok(!HAS(r, (enum ih_col)IH_HOP_DELIVERY), "timer: no delivery hop");
		ok(r->col[IH_HOP_SCHEDULE] == 10 && r->col[IH_HOP_QUEUE] == 40 && r->col[IH_HOP_ASSIST] == 10 &&
		   r->col[IH_HOP_GUEST] == 440, "timer: schedule, queue, assist, guest");
		is_u64(r->col[IH_COL_TOTAL], 500, "timer: total");
		is_u64(r->col[IH_COL_VCPU], 6, "timer: vcpu");
	}
}

/* Many interrupts in flight at once, acknowledged out of order: the table
 * grows and shrinks (backward-shift deletion) without losing any. */
static void test_many(void)
{
	enum { N = 200000, WINDOW = 5000 };
	uint64_t state = 12345, before = nemitted, before_c = nemitted_complete;
	uint64_t ids[WINDOW];
	int64_t t = 100000;

	keep_rows = false;
	for (uint64_t i = 0; i < WINDOW; i++)
		ids[i] = 0;
	for (uint64_t id = 1000; id < 1000 + N; id++) {
		size_t slot;

		state = state * 6364136223846793005ull + 1442695040888963407ull;
		slot = (size_t)(state >> 33) % WINDOW;
		/* Acknowledge whichever interrupt held this slot. */
		if (ids[slot]) {
			feed(IH_EV_VCPU_ACK, t++, ids[slot], 3, NONE);
		}
		ids[slot] = id;
		feed(IH_EV_EVENTFD_SIGNAL, t++, id, 1, F(.mode = 1));
		feed(IH_EV_NOTIFIER_ENTRY, t++, id, 1, F(.mode = 1));
		feed(IH_EV_INJECT, t++, id, 1, NONE);
	}
	ok(ih_rec_stats(rec)->inflight_max >= WINDOW / 2, "many: thousands in flight at once (max %llu)",
	   (unsigned long long)ih_rec_stats(rec)->inflight_max);
	for (size_t s = 0; s < WINDOW; s++)
		if (ids[s])
			feed(IH_EV_VCPU_ACK, t++, ids[s], 3, NONE);
	is_u64(nemitted - before, N, "many: every interrupt emitted once");
	is_u64(nemitted_complete - before_c, N, "many: every one complete");
	is_u64(ih_rec_inflight(rec), 0, "many: none left in flight");
	keep_rows = true;
}

/* A discarded-events gap closes the open tasklet runs: an inject after it
 * is not attached to a run whose tasklet_exit may have been lost. */
static void test_discontinuity(void)
{
	const struct ih_rec_row *r;

	nrows = 0;
	feed(IH_EV_IRQ_RAISE, 9000, 900, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9010, 900, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9020, 900, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_TASKLET_ENTRY, 9030, 899, 10, F(.pcpu = 0, .tasklet = 1));
	ih_rec_discontinuity(rec, INT64_MIN, INT64_MIN);
	feed(IH_EV_INJECT, 9040, 900, 10, F(.vcpu = 0, .vector = 48));
	feed(IH_EV_VCPU_ACK, 9050, 900, 12, F(.vcpu = 0, .pcpu = 0));
	r = row_of(900);
	ok(r != NULL && !r->complete && r->broken_hop == IH_HOP_QUEUE && !HAS(r, (enum ih_col)IH_HOP_QUEUE) &&
	   !HAS(r, IH_COL_TASK_PCPU) && HAS(r, (enum ih_col)IH_HOP_GUEST),
	   "discontinuity: inject after a gap is not attached to the open run (queue broken)");
	/* A tasklet_entry after the gap opens a run again. */
	feed(IH_EV_IRQ_RAISE, 9100, 901, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9110, 901, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9120, 901, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_TASKLET_ENTRY, 9130, 901, 10, F(.pcpu = 0, .tasklet = 1));
	feed(IH_EV_INJECT, 9140, 901, 10, F(.vcpu = 0, .vector = 48));
	feed(IH_EV_TASKLET_EXIT, 9150, 901, 10, F(.pcpu = 0));
	feed(IH_EV_VCPU_ACK, 9160, 901, 12, F(.vcpu = 0, .pcpu = 0));
	r = row_of(901);
	ok(r != NULL && r->complete, "discontinuity: runs after the gap are bracketed again");
	/* The loss range reaches past the message (xen-steal with tiny
	 * buffers): a run that starts inside the range may lose its exit and
	 * the next run's entry; an inject after them is not attached to it. */
	ih_rec_discontinuity(rec, 9190, 9300);
	feed(IH_EV_IRQ_RAISE, 9200, 902, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9210, 902, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9220, 902, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_TASKLET_ENTRY, 9250, 902, 10, F(.pcpu = 0, .tasklet = 1));
	feed(IH_EV_INJECT, 9260, 902, 10, F(.vcpu = 0, .vector = 48));
	/* lost: tasklet_exit, and the next run's tasklet_entry */
	feed(IH_EV_IRQ_RAISE, 9270, 903, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9280, 903, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9290, 903, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_INJECT, 9400, 903, 10, F(.vcpu = 0, .vector = 48));
	feed(IH_EV_VCPU_ACK, 9410, 902, 12, F(.vcpu = 0, .pcpu = 0));
	feed(IH_EV_VCPU_ACK, 9420, 903, 12, F(.vcpu = 0, .pcpu = 0));
	r = row_of(903);
	ok(r != NULL && !r->complete && r->broken_hop == IH_HOP_QUEUE && !HAS(r, (enum ih_col)IH_HOP_ASSIST) &&
	   !HAS(r, IH_COL_TASK_PCPU) && HAS(r, (enum ih_col)IH_HOP_GUEST),
	   "loss range: an inject is not attached to a run opened inside the range (no 1.1 ms assist)");
	r = row_of(902);
	ok(r != NULL && !HAS(r, (enum ih_col)IH_HOP_ASSIST), "loss range: nor is the run's own inject");
	/* After the range's end, runs are trusted again. */
	feed(IH_EV_TASKLET_EXIT, 9500, 0, 10, F(.pcpu = 0));
	feed(IH_EV_IRQ_RAISE, 9600, 904, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9610, 904, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9620, 904, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_TASKLET_ENTRY, 9630, 904, 10, F(.pcpu = 0, .tasklet = 1));
	feed(IH_EV_INJECT, 9640, 904, 10, F(.vcpu = 0, .vector = 48));
	feed(IH_EV_TASKLET_EXIT, 9650, 904, 10, F(.pcpu = 0));
	feed(IH_EV_VCPU_ACK, 9660, 904, 12, F(.vcpu = 0, .pcpu = 0));
	r = row_of(904);
	ok(r != NULL && r->complete, "loss range: a run opened after the range's end is trusted");

	/* lossy-xs (xen-steal, 4 KiB buffers): the inject is the last event of
	 * the packet before the loss, so the range begins at its timestamp and
	 * the message comes after it.  Every lost event follows the inject: it
	 * keeps its run, whichever side of the message the muxer puts it. */
	feed(IH_EV_IRQ_RAISE, 9700, 905, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9710, 905, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9720, 905, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_TASKLET_ENTRY, 9730, 905, 10, F(.pcpu = 0, .tasklet = 1));
	feed(IH_EV_INJECT, 9740, 905, 10, F(.vcpu = 0, .vector = 48));
	ih_rec_discontinuity(rec, 9740, 9800);
	feed(IH_EV_TASKLET_EXIT, 9810, 905, 10, F(.pcpu = 0));
	feed(IH_EV_VCPU_ACK, 9820, 905, 12, F(.vcpu = 0, .pcpu = 0));
	r = row_of(905);
	ok(r != NULL && r->complete && HAS(r, (enum ih_col)IH_HOP_QUEUE) && r->col[IH_HOP_QUEUE] == 10 &&
	   HAS(r, (enum ih_col)IH_HOP_ASSIST),
	   "loss range: an inject at the range's beginning, before the message, keeps its run");
	feed(IH_EV_IRQ_RAISE, 9900, 906, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9910, 906, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9920, 906, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_TASKLET_ENTRY, 9930, 906, 10, F(.pcpu = 0, .tasklet = 1));
	feed(IH_EV_IRQ_RAISE, 9931, 908, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9932, 908, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 9933, 908, 10, F(.queued = 1, .tasklet = 1));
	ih_rec_discontinuity(rec, 9940, 9990);
	feed(IH_EV_INJECT, 9940, 906, 10, F(.vcpu = 0, .vector = 48));
	feed(IH_EV_VCPU_ACK, 9941, 906, 12, F(.vcpu = 0, .pcpu = 0));
	r = row_of(906);
	ok(r != NULL && r->complete && HAS(r, (enum ih_col)IH_HOP_ASSIST) && r->col[IH_HOP_ASSIST] == 10,
	   "loss range: an inject at the range's beginning, after the message, keeps its run");
	/* another thread's run opened inside the range */
	feed(IH_EV_IRQ_RAISE, 9942, 907, 5, F(.source = 1, .vector = 48));
	feed(IH_EV_IRQ_ENTRY, 9943, 907, 11, F(.pcpu = 1));
	feed(IH_EV_TASKLET_SCHEDULE, 9944, 907, 11, F(.queued = 1, .tasklet = 2));
	feed(IH_EV_TASKLET_ENTRY, 9945, 907, 11, F(.pcpu = 1, .tasklet = 2));
	feed(IH_EV_INJECT, 9946, 908, 10, F(.vcpu = 0, .vector = 48));
	feed(IH_EV_VCPU_ACK, 9950, 908, 12, F(.vcpu = 0, .pcpu = 0));
	r = row_of(908);
	ok(r != NULL && !r->complete && r->broken_hop == IH_HOP_QUEUE && !HAS(r, (enum ih_col)IH_HOP_QUEUE) &&
	   !HAS(r, (enum ih_col)IH_HOP_ASSIST),
	   "loss range: an inject after the range's beginning does not use the run open at the message");
	feed(IH_EV_INJECT, 9960, 907, 11, F(.vcpu = 1, .vector = 48));
	feed(IH_EV_VCPU_ACK, 9970, 907, 13, F(.vcpu = 1, .pcpu = 1));
	r = row_of(907);
	ok(r != NULL && !r->complete && !HAS(r, (enum ih_col)IH_HOP_QUEUE),
	   "loss range: nor a run opened inside the range");
}

/* irq_exit names its interrupt: one seen only there is kept (incomplete),
 * and an exit after its interrupt's vcpu_ack makes no second row. */
static void test_exit_only(void)
{
	const struct ih_rec_row *r;
	size_t before = nrows, n951 = 0;

	feed(IH_EV_IRQ_EXIT, 20000, 950, 10, F(.pcpu = 3));
	/* acked before the host's handler returned */
	feed(IH_EV_IRQ_RAISE, 20010, 951, 5, F(.source = 1, .vector = 48, .target_pcpu = 0));
	feed(IH_EV_IRQ_ENTRY, 20020, 951, 10, F(.pcpu = 0));
	feed(IH_EV_TASKLET_SCHEDULE, 20030, 951, 10, F(.queued = 1, .tasklet = 1));
	feed(IH_EV_TASKLET_ENTRY, 20040, 951, 11, F(.pcpu = 1, .tasklet = 1));
	feed(IH_EV_INJECT, 20050, 951, 11, F(.vcpu = 0, .vector = 48));
	feed(IH_EV_TASKLET_EXIT, 20055, 951, 11, F(.pcpu = 1));
	feed(IH_EV_VCPU_ACK, 20060, 951, 12, F(.vcpu = 0, .pcpu = 1));
	feed(IH_EV_IRQ_EXIT, 20070, 951, 10, F(.pcpu = 0));
	ok(ih_rec_flush(rec) == 0, "exit only: flush succeeds");
	r = row_of(950);
	ok(r && r->path == IH_PATH_PASSTHROUGH && !r->complete && r->broken_hop == IH_HOP_DELIVERY &&
	   r->start_ns == 20000 && HAS(r, IH_COL_PCPU) && r->col[IH_COL_PCPU] == 3,
	   "exit only: an interrupt seen only in irq_exit is kept, incomplete, passthrough");
	for (size_t i = before; i < nrows; i++)
		n951 += rows[i].irq_id == 951;
	r = row_of(951);
	ok(n951 == 1 && r && r->complete, "exit only: an irq_exit after the vcpu_ack makes no second row");
}

int main(void)
{
	rec = ih_rec_create(collect, NULL);
	if (!rec)
		tap_bail("cannot create the reconstruction state");
	test_passthrough();
	test_coalesced();
	test_clamp();
	test_broken();
	test_irqfd();
	test_timer();
	test_many();
	test_discontinuity();
	test_exit_only();
	is_u64(feed_errors, 0, "no feed failed");
	is_u64(ih_rec_stats(rec)->irqs, nemitted, "stats count every emitted row");
	ih_rec_destroy(rec);
	return tap_done();
}
