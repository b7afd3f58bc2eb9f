/*
 * analyzer/steal/kthreads.c - vCPU threads of a kernel trace, see kthreads.h.
 *
 * The threads are few (one per vCPU), so they live in an array searched linearly;
 * only events naming a vCPU thread (by name) or a tid already registered get that far.
 */
#include "config.h"
#include "analyzer/steal/kthreads.h"
#include "analyzer/steal/steal.h"

#include <stdlib.h>
#include <string.h>

struct ih_kthreads {
	struct ih_steal *steal;
	struct ih_kthread *t;
	size_t n, cap;
};

bool ih_kt_vcpu_name(const char *name, uint32_t *n)
{
	uint32_t v = 0;
	const char *p;

	if (!name || strncmp(name, "CPU ", 4) != 0)
		return false;
	p = name + 4;
	if (*p < '0' || *p > '9')
		return false;
	/* At most 5 digits: TASK_COMM_LEN keeps the name short anyway. */
	for (int i = 0; i < 5 && *p >= '0' && *p <= '9'; i++, p++)
		v = v * 10 + (uint32_t)(*p - '0');
	if (strcmp(p, "/KVM") != 0)
		return false;
	*n = v;
	return true;
}

struct ih_kthreads *ih_kthreads_create(struct ih_steal *steal)
{
	struct ih_kthreads *kt = calloc(1, sizeof(*kt));

	if (kt)
		kt->steal = steal;
	return kt;
}

void ih_kthreads_destroy(struct ih_kthreads *kt)
{
	if (!kt)
		return;
	free(kt->t);
	free(kt);
}

static struct ih_kthread *kt_find(const struct ih_kthreads *kt, int64_t tid)
{
	for (size_t i = 0; i < kt->n; i++)
		if (kt->t[i].tid == tid)
			return &kt->t[i];
	return NULL;
}

const struct ih_kthread *ih_kthreads_find(const struct ih_kthreads *kt, int64_t tid)
{
	return kt_find(kt, tid);
}

static bool kt_id_taken(const struct ih_kthreads *kt, uint32_t id)
{
	for (size_t i = 0; i < kt->n; i++)
		if (kt->t[i].id == id)
			return true;
	return false;
}

/* The thread TID, registered under COMM if new and COMM is a vCPU thread's name;
 * NULL (with *oom clear) when it is not a vCPU thread, NULL with *oom set when out
 * of memory. */
static struct ih_kthread *kt_get(struct ih_kthreads *kt, int64_t tid, const char *comm, bool *oom)
{
	struct ih_kthread *t = kt_find(kt, tid);
	uint32_t n, id;

	*oom = false;
	if (t || !ih_kt_vcpu_name(comm, &n))
		return t;
	if (kt->n == kt->cap) {
		size_t cap = kt->cap ? kt->cap * 2 : 8;
		void *p = realloc(kt->t, cap * sizeof(*kt->t));

		if (!p) {
			*oom = true;
			return NULL;
		}
		kt->t = p;
		kt->cap = cap;
	}
	/* n of the name unless another thread (another VM) holds it. */
	id = n;
	if (kt_id_taken(kt, id))
		for (id = 0; kt_id_taken(kt, id); id++)
			;
	t = &kt->t[kt->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->id = id;
	t->wake_ts = -1;
	t->out_ts = -1;
	t->since_ts = INT64_MIN;
	strncpy(t->name, comm, sizeof(t->name) - 1);
	return t;
}

int ih_kthreads_note(struct ih_kthreads *kt, int64_t tid, const char *comm)
{
	bool oom;

	kt_get(kt, tid, comm, &oom);
	return oom ? -1 : 0;
}

/* Moves T to state S at TS. */
static int kt_set(struct ih_kthreads *kt, struct ih_kthread *t, int64_t ts, uint32_t cpu, enum ih_kt_state s)
{
	static const unsigned rs[] = { [IH_KT_RUNNING] = IH_RS_RUNNING, [IH_KT_RUNNABLE] = IH_RS_RUNNABLE,
				       [IH_KT_BLOCKED] = IH_RS_BLOCKED };
	/* Before its first event (as a vCPU thread: it may have run under
	 * another name) a thread is counted blocked: not runnable, whether it
	 * existed or not. */
	enum ih_kt_state old = t->state == IH_KT_UNKNOWN ? IH_KT_BLOCKED : t->state;

	t->state = s;
	t->cpu = cpu;
	if (!kt->steal || old == s)
		return 0;
	return ih_steal_runstate(kt->steal, ts, t->id, 0, cpu, rs[old], rs[s]);
}

int ih_kthreads_waking(struct ih_kthreads *kt, int64_t ts, int64_t tid, const char *comm, uint32_t target_cpu)
{
	bool oom;
	struct ih_kthread *t = kt_get(kt, tid, comm, &oom);

	if (!t)
		return oom ? -1 : 0;
	t->wake_ts = ts;
	/* A waking of a thread still running (it set its state but had not
	 * switched out yet) leaves it running. */
	if (t->state == IH_KT_RUNNING)
		return 0;
	return kt_set(kt, t, ts, target_cpu, IH_KT_RUNNABLE);
}

/* prev_state of sched_switch: 0 (TASK_RUNNING) or TASK_REPORT_MAX (0x100 on 4.14+;
 * TASK_STATE_MAX, higher, before) for a preempted thread. */
static bool kt_preempted(int64_t prev_state)
{
	return prev_state == 0 || prev_state >= 0x100;
}

int ih_kthreads_switch(struct ih_kthreads *kt, int64_t ts, uint32_t cpu, int64_t prev_tid,
		       const char *prev_comm, int64_t prev_state, int64_t next_tid, const char *next_comm)
{
	bool oom;
	struct ih_kthread *t = kt_get(kt, prev_tid, prev_comm, &oom);

	if (oom)
		return -1;
	if (t) {
		bool pre = kt_preempted(prev_state);

		t->out_ts = ts;
		t->out_runnable = pre;
		if (kt_set(kt, t, ts, cpu, pre ? IH_KT_RUNNABLE : IH_KT_BLOCKED))
			return -1;
	}
	t = kt_get(kt, next_tid, next_comm, &oom);
	if (oom)
		return -1;
	if (t) {
		struct ih_kt_in *in = &t->ring[t->nin % IH_KT_RING];

		/* The switch-out and waking since the previous switch-in, if any. */
		in->out_ts = t->out_ts;
		in->out_runnable = t->out_runnable;
		in->wake_ts = (t->wake_ts >= 0 && t->wake_ts >= t->out_ts) ? t->wake_ts : -1;
		in->in_ts = ts;
		t->nin++;
		t->out_ts = -1;
		if (kt_set(kt, t, ts, cpu, IH_KT_RUNNING))
			return -1;
	}
	return 0;
}

void ih_kthreads_discontinuity(struct ih_kthreads *kt, int64_t ts)
{
	for (size_t i = 0; i < kt->n; i++) {
		struct ih_kthread *t = &kt->t[i];

		/* The steal accounting keeps its last state; the history the
		 * reconstruction reads starts again here. */
		t->nin = 0;
		t->wake_ts = -1;
		t->out_ts = -1;
		t->since_ts = ts;
	}
}

const struct ih_kthread *ih_kthreads_by_index(const struct ih_kthreads *kt, uint32_t n, bool *ambiguous)
{
	const struct ih_kthread *found = NULL;

	*ambiguous = false;
	for (size_t i = 0; i < kt->n; i++) {
		uint32_t m;

		if (!ih_kt_vcpu_name(kt->t[i].name, &m) || m != n)
			continue;
		if (found) {
			*ambiguous = true;
			return NULL;
		}
		found = &kt->t[i];
	}
	return found;
}

size_t ih_kthreads_count(const struct ih_kthreads *kt)
{
	return kt->n;
}

const struct ih_kthread *ih_kthreads_at(const struct ih_kthreads *kt, size_t i)
{
	return i < kt->n ? &kt->t[i] : NULL;
}
