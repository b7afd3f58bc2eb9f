/*
 * analyzer_kernel.c - unit tests of the kernel reconstruction model
 * (analyzer/reconstruct/kernel.h) and of the vCPU thread registry and its steal
 * (analyzer/steal/kthreads.h), fed with synthetic LTTng kernel event sequences.
 */
#include "config.h"
#include "tests/tap.h"
#include "analyzer/reconstruct/kernel.h"
#include "analyzer/steal/kthreads.h"
#include "analyzer/steal/steal.h"

#include <string.h>

#define MAX_ROWS 64

static struct ih_rec_row rows[MAX_ROWS];
static size_t nrows;

static int collect(void *ctx, const struct ih_rec_row *row)
{
	(void)ctx;
	if (nrows == MAX_ROWS)
		return -1;
	rows[nrows++] = *row;
	return 0;
}

static const struct ih_rec_row *row_of(uint64_t irq_id)
{
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].irq_id == irq_id)
			return &rows[i];
	return NULL;
}

static struct ih_kern *kern;
static struct ih_kthreads *kt;
static int errors;

/* Threads of the synthetic host. */
enum { DEV0 = 100, DEV1 = 101, KWORKER = 200, V0 = 300, V1 = 301, QEMU = 400, OTHER = 999 };
#define WORK UINT64_C(0xffff8880abc00000)
#define WORK2 UINT64_C(0xffff8880abc00100)
#define VEC 0x40

static const char *comm_of(int64_t tid)
{
	switch (tid) {
	case V0: return "CPU 0/KVM";
	case V1: return "CPU 1/KVM";
	case KWORKER: return "kworker/0:1";
	default: return "irqhop-dev0";
	}
}

static void feed(struct ih_kern_event ev)
{
	if (ih_kern_feed(kern, &ev))
		errors++;
}
#define F(...) ((struct ih_kern_event){ __VA_ARGS__ })

static void raise_(int64_t ts, int64_t tid, uint64_t id, uint32_t vec)
{
	feed(F(.kind = IH_KEV_RAISE, .ts = ts, .tid = tid, .irq_id = id, .source = 3, .vector = vec));
}

static void ack(int64_t ts, int64_t tid, uint64_t id)
{
	feed(F(.kind = IH_KEV_ACK, .ts = ts, .tid = tid, .cpu = 1, .irq_id = id));
}

static void msi(int64_t ts, int64_t tid, uint32_t dest, uint32_t vec)
{
	feed(F(.kind = IH_KEV_MSI, .ts = ts, .tid = tid, .address = UINT64_C(0xfee00000) | (dest << 12), .data = vec));
}

static void waking(int64_t ts, int64_t waker, int64_t tid)
{
	if (ih_kthreads_waking(kt, ts, tid, comm_of(tid), 1))
		errors++;
	feed(F(.kind = IH_KEV_WAKING, .ts = ts, .tid = waker, .woken_tid = tid, .woken_comm = comm_of(tid)));
}

/* sched_switch from PREV (left in STATE) to NEXT. */
static void sw(int64_t ts, int64_t prev, int64_t state, int64_t next)
{
	if (ih_kthreads_switch(kt, ts, 1, prev, comm_of(prev), state, next, comm_of(next)))
		errors++;
	feed(F(.kind = IH_KEV_SWITCH, .ts = ts, .tid = prev, .prev_tid = prev, .next_tid = next,
	       .prev_state = state, .prev_comm = comm_of(prev), .next_comm = comm_of(next)));
}

static void setup(void)
{
	ih_kern_destroy(kern);
	ih_kthreads_destroy(kt);
	kt = ih_kthreads_create(NULL);
	kern = kt ? ih_kern_create(collect, NULL, kt) : NULL;
	if (!kern)
		tap_bail("out of memory");
	nrows = 0;
}

#define HAS(r, h) ih_rec_row_has((r), (enum ih_col)(h))

static void test_names(void)
{
	uint32_t n = 0;

	ok(ih_kt_vcpu_name("CPU 12/KVM", &n) && n == 12, "vcpu name: CPU 12/KVM is vCPU 12");
	ok(!ih_kt_vcpu_name("CPU 1/KVMx", &n) && !ih_kt_vcpu_name("CPU /KVM", &n) &&
	   !ih_kt_vcpu_name("kworker/0:1", &n) && !ih_kt_vcpu_name(NULL, &n), "vcpu name: others are not");
	ok(ih_kev_from_name("kvm_msi_set_irq") == IH_KEV_MSI && ih_kev_from_name("irqhop:vcpu_ack") == IH_KEV_ACK &&
	   ih_kev_from_name("sched_wakeup") == IH_KEV_OTHER, "event names map to kinds");
	ok(ih_kev_is_kernel("sched_switch") && !ih_kev_is_kernel("irqhop:irq_raise"), "kernel events told apart");
}

/* MSI into a halted vCPU, IOAPIC through a kworker into another, a vCPU already
 * running, a vCPU preempted (runnable), and two vCPUs interleaved. */
static void test_paths(void)
{
	const struct ih_rec_row *r;

	setup();
	/* V0 and V1 ran, then halted. */
	sw(5, 0, 0, V1);
	sw(10, 0, 0, V0);
	sw(15, V1, 1, 0);
	sw(20, V0, 1, 0);

	raise_(100, DEV0, 1, VEC);
	msi(110, DEV0, 0, VEC);
	waking(120, DEV0, V0);
	sw(130, DEV0, 1, 0);
	sw(150, 0, 0, V0);
	ok(nrows == 0, "msi: nothing emitted before vcpu_ack");
	ack(200, V0, 1);
	r = row_of(1);
	ok(r && r->path == IH_PATH_KVM_MSI && r->complete, "msi: complete kvm-msi row");
	if (r) {
		is_u64(r->col[IH_HOP_SIGNAL], 10, "msi: signal = kvm_msi_set_irq - irq_raise");
		is_u64(r->col[IH_HOP_WAKE], 10, "msi: wake = sched_waking - kvm_msi_set_irq");
		is_u64(r->col[IH_HOP_RUN], 30, "msi: run = sched_switch - sched_waking");
		is_u64(r->col[IH_HOP_GUEST], 50, "msi: guest = vcpu_ack - sched_switch");
		is_u64(r->col[IH_COL_TOTAL], 100, "msi: total = vcpu_ack - irq_raise");
		ok(!HAS(r, IH_HOP_WORKER) && !HAS(r, IH_HOP_INJECT), "msi: no worker or inject hop");
		ok(HAS(r, IH_COL_VCPU) && r->col[IH_COL_VCPU] == 0 && r->col[IH_COL_VECTOR] == VEC,
		   "msi: vcpu 0, vector from the MSI data");
	}

	raise_(300, DEV0, 2, VEC);
	feed(F(.kind = IH_KEV_QUEUE_WORK, .ts = 305, .tid = DEV0, .work = WORK));
	sw(310, DEV0, 1, 0);
	feed(F(.kind = IH_KEV_EXEC_START, .ts = 340, .tid = KWORKER, .work = WORK));
	feed(F(.kind = IH_KEV_SET_IRQ, .ts = 350, .tid = KWORKER, .gsi = 17, .level = 1));
	feed(F(.kind = IH_KEV_IOAPIC, .ts = 351, .tid = KWORKER, .entry = (UINT64_C(1) << 56) | VEC, .pin = 17));
	waking(360, KWORKER, V1);
	feed(F(.kind = IH_KEV_SET_IRQ, .ts = 365, .tid = KWORKER, .gsi = 17, .level = 0));
	feed(F(.kind = IH_KEV_EXEC_END, .ts = 370, .tid = KWORKER, .work = WORK));
	sw(400, 0, 0, V1);
	ack(450, V1, 2);
	r = row_of(2);
	ok(r && r->path == IH_PATH_KVM_IOAPIC && r->complete, "ioapic: complete kvm-ioapic row");
	if (r) {
		is_u64(r->col[IH_HOP_SIGNAL], 5, "ioapic: signal = queue_work - irq_raise");
		is_u64(r->col[IH_HOP_WORKER], 35, "ioapic: worker = execute_start - queue_work");
		is_u64(r->col[IH_HOP_INJECT], 10, "ioapic: inject = kvm_set_irq - execute_start");
		is_u64(r->col[IH_HOP_WAKE], 10, "ioapic: wake from kvm_set_irq");
		is_u64(r->col[IH_HOP_RUN], 40, "ioapic: run");
		is_u64(r->col[IH_HOP_GUEST], 50, "ioapic: guest");
		is_u64(r->col[IH_COL_TOTAL], 150, "ioapic: total = sum of hops");
		ok(r->col[IH_COL_WORKER] == KWORKER && r->col[IH_COL_VCPU] == 1, "ioapic: worker is the kworker, vcpu 1");
	}

	/* V0 is running (switched in at 150, never out). */
	raise_(600, DEV0, 3, VEC);
	msi(605, DEV0, 0, VEC);
	sw(610, DEV0, 1, 0);
	ack(700, V0, 3);
	r = row_of(3);
	ok(r && r->complete && !HAS(r, IH_HOP_WAKE) && !HAS(r, IH_HOP_RUN), "running: no wake or run hop");
	if (r) {
		is_u64(r->col[IH_HOP_GUEST], 95, "running: guest from the injection");
		is_u64(r->col[IH_COL_TOTAL], 100, "running: total");
	}

	/* V0 preempted (prev_state 0: still runnable) before the injection. */
	sw(710, V0, 0, OTHER);
	raise_(720, DEV0, 4, VEC);
	msi(725, DEV0, 0, VEC);
	sw(726, DEV0, 1, 0);
	sw(800, OTHER, 0, V0);
	ack(850, V0, 4);
	r = row_of(4);
	ok(r && r->complete && !HAS(r, IH_HOP_WAKE) && HAS(r, IH_HOP_RUN), "preempted: run hop, no wake");
	if (r)
		is_u64(r->col[IH_HOP_RUN], 75, "preempted: run = switch in - injection");

	/* Two vCPUs, two device threads, interleaved. */
	sw(900, V0, 1, 0);
	sw(905, V1, 1, 0);
	raise_(1000, DEV0, 5, VEC);
	raise_(1001, DEV1, 6, VEC);
	msi(1002, DEV1, 1, VEC);
	waking(1003, DEV1, V1);
	msi(1004, DEV0, 0, VEC);
	waking(1005, DEV0, V0);
	sw(1010, 0, 0, V1);
	sw(1020, 0, 0, V0);
	ack(1030, V1, 6);
	ack(1040, V0, 5);
	r = row_of(5);
	ok(r && r->complete && r->col[IH_HOP_SIGNAL] == 4 && r->col[IH_HOP_WAKE] == 1 && r->col[IH_HOP_RUN] == 15 &&
	   r->col[IH_HOP_GUEST] == 20, "two vCPUs: first interrupt matched by thread");
	r = row_of(6);
	ok(r && r->complete && r->col[IH_HOP_SIGNAL] == 1 && r->col[IH_HOP_WAKE] == 1 && r->col[IH_HOP_RUN] == 7 &&
	   r->col[IH_HOP_GUEST] == 20, "two vCPUs: second interrupt matched by thread");
	ok(errors == 0 && ih_kern_stats(kern)->incomplete == 0, "paths: no errors, nothing incomplete");
}

/* Ambiguous and broken matches: each counted and stored incomplete. */
static void test_broken(void)
{
	const struct ih_rec_row *r;
	const struct ih_kern_stats *s;

	setup();
	sw(5, 0, 0, V1);
	sw(10, 0, 0, V0);
	sw(15, V1, 1, 0);
	sw(20, V0, 1, 0);

	/* Coalesced: the second raise finds the work still pending, no request. */
	raise_(100, DEV0, 7, VEC);
	feed(F(.kind = IH_KEV_QUEUE_WORK, .ts = 101, .tid = DEV0, .work = WORK));
	raise_(102, DEV0, 8, VEC);
	sw(103, DEV0, 1, 0);
	feed(F(.kind = IH_KEV_EXEC_START, .ts = 110, .tid = KWORKER, .work = WORK));
	feed(F(.kind = IH_KEV_SET_IRQ, .ts = 111, .tid = KWORKER, .gsi = 17, .level = 1));
	waking(112, KWORKER, V1);
	feed(F(.kind = IH_KEV_EXEC_END, .ts = 115, .tid = KWORKER, .work = WORK));
	sw(120, 0, 0, V1);
	ack(130, V1, 7);
	ack(131, V1, 8);
	ok(row_of(7) && row_of(7)->complete, "coalesced: the raise with the request is complete");
	r = row_of(8);
	ok(r && !r->complete && r->broken_hop == IH_HOP_SIGNAL, "coalesced: the other is incomplete at signal");

	/* Woken by another thread (the injector's waking lost): wake unknown. */
	raise_(200, DEV0, 9, VEC);
	msi(201, DEV0, 0, VEC);
	sw(202, DEV0, 1, 0);
	waking(300, OTHER, V0);
	sw(310, 0, 0, V0);
	ack(320, V0, 9);
	r = row_of(9);
	ok(r && !r->complete && r->broken_hop == IH_HOP_WAKE, "other waker: incomplete at wake");

	/* Vector of the injection differs from the raise's. */
	raise_(400, DEV0, 10, VEC + 1);
	msi(401, DEV0, 0, VEC);
	sw(402, DEV0, 1, 0);
	ack(410, V0, 10);
	r = row_of(10);
	ok(r && !r->complete && r->broken_hop == IH_HOP_SIGNAL, "vector mismatch: incomplete at signal");

	/* Woken vCPU is not the one that acknowledged. */
	sw(450, V1, 1, 0);
	raise_(500, DEV0, 11, VEC);
	msi(501, DEV0, 1, VEC);
	waking(502, DEV0, V1);
	sw(503, DEV0, 1, 0);
	ack(510, V0, 11);
	r = row_of(11);
	ok(r && !r->complete && r->broken_hop == IH_HOP_WAKE, "vCPU mismatch: incomplete at wake");

	/* The work ran without injecting. */
	raise_(600, DEV0, 12, VEC);
	feed(F(.kind = IH_KEV_QUEUE_WORK, .ts = 601, .tid = DEV0, .work = WORK));
	sw(602, DEV0, 1, 0);
	feed(F(.kind = IH_KEV_EXEC_START, .ts = 610, .tid = KWORKER, .work = WORK));
	feed(F(.kind = IH_KEV_EXEC_END, .ts = 611, .tid = KWORKER, .work = WORK));
	ack(620, V0, 12);
	r = row_of(12);
	ok(r && !r->complete && r->broken_hop == IH_HOP_INJECT, "no injection: incomplete at inject");

	/* Foreign injection (no raise on the thread) and an orphan ack. */
	msi(700, QEMU, 0, 0x30);
	ack(710, V0, 99);
	r = row_of(99);
	ok(r && !r->complete && r->path == IH_PATH_UNKNOWN && r->broken_hop == IH_HOP_SIGNAL, "orphan ack: unknown path");

	/* Discarded events between injection and ack. */
	raise_(800, DEV0, 13, VEC);
	msi(801, DEV0, 0, VEC);
	ih_kern_discontinuity(kern, 802);
	ih_kthreads_discontinuity(kt, 802);
	ack(810, V0, 13);
	r = row_of(13);
	ok(r && !r->complete, "gap: in flight across discarded events, incomplete");

	/* In flight at the end. */
	raise_(900, DEV0, 14, VEC);
	ok(ih_kern_flush(kern) == 0 && row_of(14) && !row_of(14)->complete &&
	   row_of(14)->broken_hop == IH_HOP_SIGNAL, "flush: in flight emitted incomplete");

	s = ih_kern_stats(kern);
	is_u64(s->coalesced, 1, "stats: one coalesced");
	is_u64(s->ambiguous, 2, "stats: ambiguous (other waker, gap)");
	is_u64(s->mismatch, 2, "stats: two mismatches (vector, vCPU)");
	is_u64(s->no_inject, 1, "stats: one work without injection");
	is_u64(s->foreign, 1, "stats: one foreign injection");
	is_u64(s->orphans, 1, "stats: one orphan");
	is_u64(s->gap, 1, "stats: one across a gap");
	is_u64(s->irqs, 9, "stats: every row counted");
	is_u64(s->incomplete, 8, "stats: incomplete rows counted");
	ok(errors == 0, "broken: no errors");
}

/* A host traced without irqhop's events (--attach): every injection is an interrupt,
 * ended by the vCPU's EOI write or userspace exit. */
static void test_attach(void)
{
	const struct ih_rec_row *r;

	setup();
	sw(5, 0, 0, V0);
	sw(8, V0, 1, 0);
	msi(10, QEMU, 0, 0x30);
	waking(12, QEMU, V0);
	sw(13, QEMU, 1, 0);
	sw(20, 0, 0, V0);
	feed(F(.kind = IH_KEV_MMIO, .ts = 25, .tid = V0, .mmio_type = 2, .gpa = UINT64_C(0xfee00300)));
	ok(nrows == 0, "attach: other MMIO writes end nothing");
	feed(F(.kind = IH_KEV_MMIO, .ts = 30, .tid = V0, .cpu = 1, .mmio_type = 2, .gpa = UINT64_C(0xfee000b0)));
	r = row_of(1);
	ok(r && r->path == IH_PATH_KVM_MSI && r->complete && !HAS(r, IH_HOP_SIGNAL), "attach msi: complete, no signal hop");
	if (r) {
		ok(r->col[IH_HOP_WAKE] == 2 && r->col[IH_HOP_RUN] == 8 && r->col[IH_HOP_GUEST] == 10,
		   "attach msi: wake, run, guest to the EOI");
		is_u64(r->col[IH_COL_TOTAL], 20, "attach msi: total from the injection");
		is_u64((uint64_t)r->start_ns, 10, "attach msi: starts at kvm_msi_set_irq");
	}

	feed(F(.kind = IH_KEV_QUEUE_WORK, .ts = 100, .tid = QEMU, .work = WORK));
	feed(F(.kind = IH_KEV_EXEC_START, .ts = 110, .tid = KWORKER, .work = WORK));
	feed(F(.kind = IH_KEV_SET_IRQ, .ts = 120, .tid = KWORKER, .gsi = 4, .level = 1));
	feed(F(.kind = IH_KEV_IOAPIC, .ts = 121, .tid = KWORKER, .entry = 0x31, .pin = 4));
	feed(F(.kind = IH_KEV_SET_IRQ, .ts = 122, .tid = KWORKER, .gsi = 4, .level = 0));
	feed(F(.kind = IH_KEV_EXEC_END, .ts = 130, .tid = KWORKER, .work = WORK));
	/* A work that injects nothing is no interrupt. */
	feed(F(.kind = IH_KEV_QUEUE_WORK, .ts = 131, .tid = QEMU, .work = WORK2));
	feed(F(.kind = IH_KEV_EXEC_START, .ts = 132, .tid = KWORKER, .work = WORK2));
	feed(F(.kind = IH_KEV_EXEC_END, .ts = 133, .tid = KWORKER, .work = WORK2));
	feed(F(.kind = IH_KEV_USER_EXIT, .ts = 150, .tid = V0, .cpu = 1));
	r = row_of(2);
	ok(r && r->path == IH_PATH_KVM_IOAPIC && r->complete, "attach ioapic: complete");
	if (r)
		ok(r->col[IH_HOP_WORKER] == 10 && r->col[IH_HOP_INJECT] == 10 && !HAS(r, IH_HOP_WAKE) &&
		   r->col[IH_HOP_GUEST] == 30 && r->col[IH_COL_TOTAL] == 50, "attach ioapic: worker, inject, guest");

	/* Destination with no vCPU thread. */
	msi(300, QEMU, 5, 0x30);
	sw(301, QEMU, 1, 0);
	r = row_of(3);
	ok(r && !r->complete && r->broken_hop == IH_HOP_WAKE && ih_kern_stats(kern)->no_target == 1,
	   "attach: no vCPU thread for the destination: incomplete, counted");
	ok(nrows == 3 && errors == 0, "attach: three interrupts, no errors");

	/* A kernel trace with no kvm events gives no interrupt. */
	setup();
	sw(5, 0, 0, V0);
	sw(8, V0, 1, 0);
	waking(10, OTHER, V0);
	ok(ih_kern_flush(kern) == 0 && nrows == 0, "no kvm events: no interrupts");
}

/* Steal of a vCPU thread: runnable (woken or preempted) until switched in. */
static void test_steal(void)
{
	struct ih_steal *st = ih_steal_create(0, 1000);
	const struct ih_steal_vwin *w;
	uint32_t guest = 9, pcpu = 9;

	ih_kthreads_destroy(kt);
	kt = st ? ih_kthreads_create(st) : NULL;
	if (!kt)
		tap_bail("out of memory");
	ih_kthreads_waking(kt, 100, V1, comm_of(V1), 1);
	ih_kthreads_switch(kt, 150, 1, 0, "swapper/1", 0, V1, comm_of(V1));
	ih_kthreads_switch(kt, 300, 1, V1, comm_of(V1), 0, OTHER, "stress");
	ih_kthreads_switch(kt, 400, 1, OTHER, "stress", 0x100, V1, comm_of(V1));
	ih_kthreads_switch(kt, 500, 1, V1, comm_of(V1), 1, 0, "swapper/1");
	ok(ih_steal_finish(st, 1000) == 0, "steal: finished");
	w = ih_steal_vcpu(st, 1, &guest, &pcpu);
	ok(w != NULL && ih_kthreads_find(kt, V1) && ih_kthreads_find(kt, V1)->id == 1, "steal: vCPU thread 1 has id 1");
	if (w) {
		is_u64(w[0].state_ns[IH_RS_RUNNABLE], 150, "steal: runnable = woken..in + preempted..in");
		is_u64(w[0].state_ns[IH_RS_RUNNING], 250, "steal: running");
		is_u64(w[0].state_ns[IH_RS_BLOCKED], 600, "steal: blocked before the waking and after");
	}
	ok(ih_kthreads_find(kt, OTHER) == NULL, "steal: other threads are not vCPU threads");
	ih_steal_destroy(st);
}

static void test_ids(void)
{
	bool amb = false;

	ih_kthreads_destroy(kt);
	kt = ih_kthreads_create(NULL);
	ih_kthreads_note(kt, 10, "CPU 0/KVM");
	ih_kthreads_note(kt, 20, "CPU 0/KVM");
	ih_kthreads_note(kt, 30, "CPU 1/KVM");
	ok(ih_kthreads_find(kt, 10)->id == 0 && ih_kthreads_find(kt, 20)->id == 1 &&
	   ih_kthreads_find(kt, 30)->id == 2, "ids: a second VM's CPU 0 takes the next free id");
	ok(ih_kthreads_by_index(kt, 0, &amb) == NULL && amb, "ids: two CPU 0 threads are ambiguous");
	ok(ih_kthreads_by_index(kt, 1, &amb) == ih_kthreads_find(kt, 30) && !amb, "ids: CPU 1 is unique");
}

int main(void)
{
	test_names();
	test_paths();
	test_broken();
	test_attach();
	test_steal();
	test_ids();
	ih_kern_destroy(kern);
	ih_kthreads_destroy(kt);
	return tap_done();
}
