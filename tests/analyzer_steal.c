/*
 * analyzer_steal.c - unit tests of the steal accounting (analyzer/ih_steal)
 * and of the scenario reader (analyzer/ih_json): windows, the state before
 * the first transition, clipping at the end, proportional spreading of
 * hypervisor time and schedstat deltas with exact integer sums, lock totals,
 * and guests/vCPUs from run_begin's JSON.
 */
#include "config.h"
#include "tests/tap.h"
#include "analyzer/reconstruct/scenario.h"
#include "analyzer/steal/steal.h"

#include <string.h>

#define MS INT64_C(1000000)

/* Sum of one state over every window of VCPU. */
static int64_t state_sum(const struct ih_steal *st, uint32_t vcpu, int s)
{
	const struct ih_steal_vwin *w = ih_steal_vcpu(st, vcpu, NULL, NULL);
	int64_t sum = 0;

	for (size_t i = 0; w && i < ih_steal_nwindows(st); i++)
		sum += w[i].state_ns[s];
	return sum;
}

static int64_t hv_sum(const struct ih_steal *st, uint32_t vcpu, int c)
{
	const struct ih_steal_vwin *w = ih_steal_vcpu(st, vcpu, NULL, NULL);
	int64_t sum = 0;

	for (size_t i = 0; w && i < ih_steal_nwindows(st); i++)
		sum += w[i].hv_ns[c];
	return sum;
}

static void test_runstates(void)
{
	/* Run from 1000 ms to 1250 ms, windows of 100 ms: 100, 100, 50. */
	int64_t t0 = 1000 * MS;
	struct ih_steal *st = ih_steal_create(t0, 100 * MS);
	const struct ih_steal_vwin *w;
	uint32_t guest = 9, pcpu = 9;
	int64_t total = 0;

	if (!st)
		tap_bail("out of memory");
	/* vCPU 0: RUNNABLE until 30 ms (the first event's old), RUNNING
	 * until 150, BLOCKED until 220, RUNNING to the end. */
	ok(ih_steal_runstate(st, t0 + 30 * MS, 0, 1, 2, IH_RS_RUNNABLE, IH_RS_RUNNING) == 0, "runstate fed");
	ih_steal_runstate(st, t0 + 150 * MS, 0, 1, 2, IH_RS_RUNNING, IH_RS_BLOCKED);
	ih_steal_runstate(st, t0 + 220 * MS, 0, 1, 2, IH_RS_BLOCKED, IH_RS_RUNNING);
	/* A timestamp earlier than the previous one counts as equal. */
	ih_steal_runstate(st, t0 + 219 * MS, 0, 1, 2, IH_RS_RUNNING, IH_RS_RUNNING);
	/* vCPU 2 only (1 never seen). */
	ih_steal_runstate(st, t0 + 240 * MS, 2, 0, 0, IH_RS_OFFLINE, IH_RS_RUNNABLE);
	ok(ih_steal_finish(st, t0 + 250 * MS) == 0, "finish");
	is_u64(ih_steal_nwindows(st), 3, "three windows");
	is_u64(ih_steal_window_len(st, 0) + ih_steal_window_len(st, 1) * 1000 + ih_steal_window_len(st, 2) * 1000000,
	       100 * MS + 100 * MS * 1000 + 50 * MS * 1000000, "window lengths, the last clipped");
	is_u64(ih_steal_window_start(st, 2), t0 + 200 * MS, "window start");
	w = ih_steal_vcpu(st, 0, &guest, &pcpu);
	ok(w != NULL && guest == 1 && pcpu == 2, "vCPU 0 known with its guest and pCPU");
	if (w) {
		is_u64(w[0].state_ns[IH_RS_RUNNABLE], 30 * MS, "state before the first transition is its old");
		is_u64(w[0].state_ns[IH_RS_RUNNING], 70 * MS, "running split at the window boundary (w0)");
		is_u64(w[1].state_ns[IH_RS_RUNNING], 50 * MS, "running split at the window boundary (w1)");
		is_u64(w[1].state_ns[IH_RS_BLOCKED], 50 * MS, "blocked in w1");
		is_u64(w[2].state_ns[IH_RS_BLOCKED], 20 * MS, "blocked in w2");
		is_u64(w[2].state_ns[IH_RS_RUNNING], 30 * MS, "last state runs to the end");
	}
	for (int s = 0; s < IH_RS_COUNT_; s++)
		total += state_sum(st, 0, s);
	is_u64(total, 250 * MS, "vCPU 0: the four states add up to the run");
	ok(ih_steal_vcpu(st, 1, NULL, NULL) == NULL, "vCPU 1 never seen: no windows");
	is_u64(state_sum(st, 2, IH_RS_OFFLINE), 240 * MS, "vCPU 2 offline from the start");
	is_u64(state_sum(st, 2, IH_RS_RUNNABLE), 10 * MS, "vCPU 2 runnable to the end");
	ih_steal_destroy(st);
}

static void test_account(void)
{
	int64_t t0 = 0;
	struct ih_steal *st = ih_steal_create(t0, 100 * MS);
	const struct ih_steal_vwin *w;
	uint64_t c1[IH_HV_COUNT_] = { 1000, 0, 0, 7 }, c2[IH_HV_COUNT_] = { 4001, 0, 0, 7 };
	uint64_t c3[IH_HV_COUNT_] = { 4001, 500, 0, 7 };

	if (!st)
		tap_bail("out of memory");
	/* RUNNING 50..250 ms: 50 ms in w0, 100 in w1, 50 in w2. */
	ih_steal_runstate(st, 50 * MS, 0, 0, 0, IH_RS_BLOCKED, IH_RS_RUNNING);
	/* First sample at 150 ms: 1000 ns spread over 50 ms (w0) and 50 ms
	 * (w1) of RUNNING since the start. */
	ok(ih_steal_account(st, 150 * MS, 0, c1) == 0, "account fed");
	/* Second at 250 ms: 3001 ns over 50 ms (w1) and 50 ms (w2). */
	ih_steal_account(st, 250 * MS, 0, c2);
	ih_steal_runstate(st, 250 * MS, 0, 0, 0, IH_RS_RUNNING, IH_RS_BLOCKED);
	/* Third while blocked (no RUNNING in between): to the later window. */
	ih_steal_account(st, 280 * MS, 0, c3);
	ih_steal_finish(st, 300 * MS);
	w = ih_steal_vcpu(st, 0, NULL, NULL);
	ok(w != NULL, "vCPU 0 has windows");
	if (w) {
		is_u64(w[0].hv_ns[IH_HV_IRQ], 500, "w0 gets its RUNNING share");
		is_u64(w[1].hv_ns[IH_HV_IRQ], 500 + 1500, "w1 gets its share of both samples");
		is_u64(w[2].hv_ns[IH_HV_IRQ], 1501, "w2 gets the rest: parts add up exactly");
		is_u64(w[0].hv_ns[IH_HV_LOCK] + w[1].hv_ns[IH_HV_LOCK], 7, "lock spin spread too");
		is_u64(w[2].hv_ns[IH_HV_SOFTIRQ], 500, "no RUNNING time between samples: the later window");
	}
	is_u64(hv_sum(st, 0, IH_HV_IRQ), 4001, "hypervisor time: the last cumulative value");
	ih_steal_destroy(st);
}

static void test_pcpu_and_locks(void)
{
	struct ih_steal *st = ih_steal_create(0, 100 * MS);
	const struct ih_steal_pwin *w;

	if (!st)
		tap_bail("out of memory");
	/* Delta of 1000 over [0, 150 ms): 2/3 to w0, 1/3 to w1. */
	ok(ih_steal_schedstat(st, 150 * MS, 1, 1000, 10) == 0, "schedstat fed");
	ih_steal_schedstat(st, 210 * MS, 1, 1600, 10);
	ih_steal_lock_sample(st, 0, 1, 5, 1, 100, 200);
	ih_steal_lock_sample(st, 2, 0, 1, 0, 0, 3);
	ih_steal_lock_sample(st, 0, 1, 50, 10, 1000, 2000);
	ih_steal_finish(st, 210 * MS);
	w = ih_steal_pcpu(st, 1);
	ok(w != NULL && ih_steal_pcpu(st, 0) == NULL, "pCPU 1 known, pCPU 0 not");
	if (w) {
		is_u64(w[0].run_ns, 666, "run_ns by overlap (w0)");
		is_u64(w[1].run_ns, 334 + 500, "run_ns by overlap (w1)");
		is_u64(w[2].run_ns, 100, "run_ns by overlap (w2)");
		is_u64(w[0].run_delay_ns + w[1].run_delay_ns, 10, "run delay adds up");
	}
	is_u64(ih_steal_nlocks(st), 2, "two locks");
	is_u64(ih_steal_lock_at(st, 0)->acquisitions * 1000 + ih_steal_lock_at(st, 0)->hold_ns, 52000,
	       "last cumulative sample kept");
	ih_steal_destroy(st);
	ok(ih_steal_create(0, 0) == NULL, "a zero window is refused");
}

static void test_json(void)
{
	struct ih_json_guest *g = NULL;
	size_t n = 0;
	const char *j = "{\"name\":\"x\",\"guests\":[{\"name\":\"busy\",\"kind\":\"busy\",\"vcpu_pcpus\":[0],"
			"\"timer_hz\":0.0},{\"name\":\"i\\\"dle\",\"kind\":\"idle\",\"vcpu_pcpus\":[1,1,2],"
			"\"x\":{\"a\":[true,false,null,-1e3]}}],\"devices\":[]}";

	ok(ih_json_scenario_guests(j, &g, &n) == 0, "scenario JSON parsed");
	is_u64(n, 2, "two guests");
	if (n == 2) {
		ok(strcmp(g[0].name, "busy") == 0 && strcmp(g[0].kind, "busy") == 0 && g[0].nvcpus == 1 &&
		   g[0].vcpu_pcpus[0] == 0, "guest 0");
		ok(strcmp(g[1].name, "i\"dle") == 0 && strcmp(g[1].kind, "idle") == 0 && g[1].nvcpus == 3 &&
		   g[1].vcpu_pcpus[2] == 2, "guest 1 (escaped name)");
	}
	ih_json_guests_free(g, n);
	ok(ih_json_scenario_guests("{\"guests\":[{\"name\":}]}", &g, &n) != 0 && !g && !n, "syntax error refused");
	ok(ih_json_scenario_guests("{\"guests\":[]} x", &g, &n) != 0, "trailing garbage refused");
	ok(ih_json_scenario_guests("{\"a\":1}", &g, &n) == 0 && n == 0, "no guests member");
}

int main(void)
{
	test_runstates();
	test_account();
	test_pcpu_and_locks();
	test_json();
	return tap_done();
}
