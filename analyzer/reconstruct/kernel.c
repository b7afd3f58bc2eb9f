/*
 * analyzer/reconstruct/kernel.c - the kernel reconstruction model, see kernel.h and
 * docs/kvm-model.md.
 *
 * State of one interrupt (marks set in this order; any may be missing after loss):
 *   START (irq_raise, irqhop mode) -> REQ (kvm_msi_set_irq / workqueue_queue_work)
 *   [-> EXEC (workqueue_execute_start)] -> INJ (== REQ for an inline MSI; kvm_set_irq
 *   in the work) [-> WAKE (sched_waking of the vCPU on the injecting thread)]
 *   -> ACK (vcpu_ack, or the vCPU's EOI / userspace exit without irqhop events).
 * The switch into the vCPU thread is not marked when it happens: at ACK the vCPU's
 * recent switch-ins (analyzer/steal/kthreads.h) tell whether it was running, runnable
 * or blocked at INJ and when it first ran after it.
 *
 * Per injecting thread: at most one pending raise (the next request on the thread is
 * its request), one injection window (the next vCPU waking on the thread belongs to the
 * interrupt just injected; closed by the thread's next raise, request, work boundary or
 * switch-out), and the work it is running (kworkers).
 */
#include "config.h"
#include "analyzer/reconstruct/kernel.h"
#include "analyzer/steal/kthreads.h"

#include <stdlib.h>
#include <string.h>

/* ---- a chained hash map: u64 key -> fixed-size element ---------------------- */

struct knode {
	struct knode *next;
	uint64_t key;
	/* element follows, aligned for int64_t */
	int64_t elem[];
};

struct kmap {
	struct knode **b;
	size_t nb;		/* power of two */
	size_t n, esize;
};

static size_t kmap_bucket(const struct kmap *m, uint64_t key)
{
	key ^= key >> 31;
	key *= UINT64_C(0xbf58476d1ce4e5b9);
	key ^= key >> 29;
	return (size_t)key & (m->nb - 1);
}

/* -1 when out of memory. */
static int kmap_init(struct kmap *m, size_t esize)
{
	m->nb = 64;
	m->n = 0;
	m->esize = esize;
	m->b = calloc(m->nb, sizeof(*m->b));
	return m->b ? 0 : -1;
}

static void kmap_free(struct kmap *m)
{
	for (size_t i = 0; m->b && i < m->nb; i++)
		for (struct knode *p = m->b[i], *nx; p; p = nx) {
			nx = p->next;
			free(p);
		}
	free(m->b);
	m->b = NULL;
}

static void *kmap_find(const struct kmap *m, uint64_t key)
{
	for (struct knode *p = m->b[kmap_bucket(m, key)]; p; p = p->next)
		if (p->key == key)
			return p->elem;
	return NULL;
}

/* Element for KEY, inserted zeroed if missing (*created tells).  NULL when out of
 * memory.  Growing keeps elements in place (they are separate allocations). */
static void *kmap_get(struct kmap *m, uint64_t key, bool *created)
{
	struct knode *p;
	void *e = kmap_find(m, key);
	size_t h;

	*created = false;
	if (e)
		return e;
	if (m->n + 1 > m->nb) {
		size_t nb = m->nb * 2;
		struct knode **b = calloc(nb, sizeof(*b));

		if (b) {
			struct kmap big = { b, nb, m->n, m->esize };

			for (size_t i = 0; i < m->nb; i++)
				for (struct knode *q = m->b[i], *nx; q; q = nx) {
					nx = q->next;
					h = kmap_bucket(&big, q->key);
					q->next = b[h];
					b[h] = q;
				}
			free(m->b);
			*m = big;
		}
		/* Out of memory for the bigger table: chains just get longer. */
	}
	p = calloc(1, sizeof(*p) + m->esize);
	if (!p)
		return NULL;
	p->key = key;
	h = kmap_bucket(m, key);
	p->next = m->b[h];
	m->b[h] = p;
	m->n++;
	*created = true;
	return p->elem;
}

static void kmap_del(struct kmap *m, uint64_t key)
{
	for (struct knode **pp = &m->b[kmap_bucket(m, key)]; *pp; pp = &(*pp)->next)
		if ((*pp)->key == key) {
			struct knode *p = *pp;

			*pp = p->next;
			free(p);
			m->n--;
			return;
		}
}

/* ---- state ------------------------------------------------------------------- */

enum kmark { KM_START, KM_REQ, KM_EXEC, KM_INJ, KM_WAKE, KM_ACK, KM_COUNT_ };

/* Forced breaks (an ambiguous or broken match), with the hop they break. */
enum kflag {
	KF_COALESCED = 1u << 0,	/* signal */
	KF_MISMATCH = 1u << 1,	/* signal (vector) or wake (vCPU) */
	KF_NO_INJECT = 1u << 2,	/* inject */
	KF_AMBIGUOUS = 1u << 3,	/* wake */
	KF_GAP = 1u << 4,	/* first hop not finished before the gap */
	KF_VIA_WORK = 1u << 5,	/* request was a queued work (worker, inject hops) */
	KF_COUNTED = 1u << 6,	/* its cause is already in the stats */
	KF_VEC_MISMATCH = 1u << 7,
	KF_NO_TARGET = 1u << 8,
};

#define PEND_MAX 16

struct kirq {
	uint64_t irq_id;
	uint8_t path;		/* enum ih_path */
	uint8_t marks;
	uint16_t flags;
	int64_t t[KM_COUNT_];
	int64_t first_ts, gap_ts;
	int64_t wake_tid;	/* vCPU thread the injector woke, 0 if none */
	int64_t target_tid;	/* vCPU thread found for it (attach mode), 0 if none */
	uint32_t raise_vector, vector, dest, source;
	bool has_vector, dest_phys, has_source;
	uint32_t pcpu, ack_pcpu;
	bool has_pcpu;
	int64_t worker;		/* kworker tid, 0 if none */
};

struct kthr {
	uint64_t raise_id;	/* pending raise (0: none) */
	uint64_t win_id;	/* injection whose waking window is open (0: none) */
	bool in_work;
	uint64_t work;
	int64_t work_qts;	/* its queue_work, -1 if not seen */
	int64_t work_ets;
	uint64_t work_irq;	/* interrupt bound to it, 0 if none */
	bool work_injected;
	/* Attach mode: interrupts delivered to this vCPU thread awaiting its EOI / exit. */
	uint64_t pend[PEND_MAX];
	int npend;
};

struct kwork {
	int64_t qts;
	uint64_t irq_id;
};

struct ih_kern {
	ih_rec_emit_fn emit;
	void *ctx;
	struct ih_kthreads *kt;
	struct kmap irqs, thr, works;
	bool irqhop;
	uint64_t next_id;
	struct ih_kern_stats stats;
};

static const struct { const char *name; enum ih_kev kind; } kev_names[] = {
	{ "irqhop:irq_raise", IH_KEV_RAISE },
	{ "irqhop:vcpu_ack", IH_KEV_ACK },
	{ "kvm_msi_set_irq", IH_KEV_MSI },
	{ "workqueue_queue_work", IH_KEV_QUEUE_WORK },
	{ "workqueue_execute_start", IH_KEV_EXEC_START },
	{ "workqueue_execute_end", IH_KEV_EXEC_END },
	{ "kvm_set_irq", IH_KEV_SET_IRQ },
	{ "kvm_ioapic_set_irq", IH_KEV_IOAPIC },
	{ "sched_waking", IH_KEV_WAKING },
	{ "sched_switch", IH_KEV_SWITCH },
	{ "kvm_mmio", IH_KEV_MMIO },
	{ "kvm_userspace_exit", IH_KEV_USER_EXIT },
};

enum ih_kev ih_kev_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(kev_names) / sizeof(kev_names[0]); i++)
		if (strcmp(name, kev_names[i].name) == 0)
			return kev_names[i].kind;
	return IH_KEV_OTHER;
}

bool ih_kev_is_kernel(const char *name)
{
	enum ih_kev k = ih_kev_from_name(name);

	return k != IH_KEV_OTHER && k != IH_KEV_RAISE && k != IH_KEV_ACK;
}

/* irq_raise sources of irqhop-kvm (IH_TP_SRC_KVM_MSI / _IOAPIC). */
enum { IH_SRC_KVM_MSI = 3, IH_SRC_KVM_IOAPIC = 4 };

/* The LAPIC's EOI register (x2APIC guests write an MSR instead: no kvm_mmio). */
#define LAPIC_EOI_GPA UINT64_C(0xfee000b0)
#define KVM_TRACE_MMIO_WRITE 2

struct ih_kern *ih_kern_create(ih_rec_emit_fn emit, void *ctx, struct ih_kthreads *kt)
{
	struct ih_kern *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->emit = emit;
	k->ctx = ctx;
	k->kt = kt;
	k->next_id = 1;
	if (kmap_init(&k->irqs, sizeof(struct kirq)) || kmap_init(&k->thr, sizeof(struct kthr)) ||
	    kmap_init(&k->works, sizeof(struct kwork))) {
		ih_kern_destroy(k);
		return NULL;
	}
	return k;
}

void ih_kern_destroy(struct ih_kern *k)
{
	if (!k)
		return;
	kmap_free(&k->irqs);
	kmap_free(&k->thr);
	kmap_free(&k->works);
	free(k);
}

const struct ih_kern_stats *ih_kern_stats(const struct ih_kern *k)
{
	return &k->stats;
}

bool ih_kern_irqhop_mode(const struct ih_kern *k)
{
	return k->irqhop;
}

static bool has(const struct kirq *q, enum kmark m)
{
	return (q->marks >> m) & 1u;
}

static void mark(struct kirq *q, enum kmark m, int64_t ts)
{
	q->t[m] = ts;
	q->marks |= (uint8_t)(1u << m);
}

/* Counts Q's forced break once, by cause. */
static void flag(struct ih_kern *k, struct kirq *q, uint16_t f)
{
	if (q->flags & f)
		return;
	q->flags |= f;
	switch (f) {
	case KF_COALESCED: k->stats.coalesced++; break;
	case KF_MISMATCH: case KF_VEC_MISMATCH: k->stats.mismatch++; break;
	case KF_NO_INJECT: k->stats.no_inject++; break;
	case KF_AMBIGUOUS: k->stats.ambiguous++; break;
	case KF_NO_TARGET: k->stats.no_target++; break;
	case KF_GAP: k->stats.gap++; break;
	default: break;
	}
}

static struct kthr *thr_get(struct ih_kern *k, int64_t tid)
{
	bool created;
	struct kthr *t = kmap_get(&k->thr, (uint64_t)tid, &created);

	if (t && created)
		t->work_qts = -1;
	return t;
}

static int irq_emit(struct ih_kern *k, struct kirq *q, int64_t v_tid);

/* A new interrupt with id ID (0: the next attach-mode id).  NULL when out of memory
 * or when emitting failed (*err set). */
static struct kirq *irq_new(struct ih_kern *k, uint64_t id, int64_t ts, int *err)
{
	bool created;
	struct kirq *q;

	if (!id)
		id = k->next_id++;
	q = kmap_get(&k->irqs, id, &created);
	if (!q) {
		*err = -1;
		return NULL;
	}
	if (!created) {
		/* Same irq_id raised twice: the first one's later events were
		 * lost (irqhop ids are unique): it is stored as it stands. */
		if (irq_emit(k, q, 0)) {
			*err = -1;
			return NULL;
		}
		memset(q, 0, sizeof(*q));
	}
	q->irq_id = id;
	q->first_ts = ts;
	q->gap_ts = INT64_MAX;
	if (k->irqs.n > k->stats.inflight_max)
		k->stats.inflight_max = k->irqs.n;
	return q;
}

/* ---- emitting ------------------------------------------------------------------ */

/* Where the interrupt went after INJ, computed at its end on vCPU thread V. */
struct kdeliv {
	bool known;		/* false: ambiguous, hops after inject unknown */
	bool woke, ran;		/* wake / run hops exist */
	int64_t wake_ns, run_ns, last;	/* last boundary before the guest hop */
};

static struct kdeliv deliver(struct ih_kern *k, struct kirq *q, int64_t v_tid)
{
	struct kdeliv d = { false, false, false, 0, 0, 0 };
	const struct ih_kthread *t = ih_kthreads_find(k->kt, v_tid);
	int64_t ti = q->t[KM_INJ];
	const struct ih_kt_in *first = NULL;
	size_t nring;

	if (!t) {
		/* Never scheduled in the trace: it ran throughout. */
		d.known = !has(q, KM_WAKE);
		d.last = ti;
		return d;
	}
	if (t->since_ts > ti)
		return d;	/* history starts after the injection (a gap) */
	nring = t->nin < IH_KT_RING ? t->nin : IH_KT_RING;
	for (size_t i = 0; i < nring; i++) {
		const struct ih_kt_in *in = &t->ring[(t->nin - nring + i) % IH_KT_RING];

		if (in->in_ts >= ti) {
			first = in;
			/* The ring may have lost switch-ins between ti and it. */
			if (i == 0 && t->nin > IH_KT_RING)
				return d;
			break;
		}
	}
	if (!first) {
		/* Running from before ti until the end. */
		d.known = true;
		if (has(q, KM_WAKE)) {
			/* Woken before it had switched out: it never slept. */
			d.woke = true;
			d.wake_ns = q->t[KM_WAKE] - ti;
			d.last = q->t[KM_WAKE];
		} else {
			d.last = ti;
		}
		return d;
	}
	if (has(q, KM_WAKE)) {
		if (q->t[KM_WAKE] > first->in_ts)
			return d;
		d.known = d.woke = d.ran = true;
		d.wake_ns = q->t[KM_WAKE] - ti;
		d.run_ns = first->in_ts - q->t[KM_WAKE];
		d.last = first->in_ts;
		return d;
	}
	if (first->out_ts > ti) {
		/* Running at ti, switched out before taking it. */
		d.known = true;
		d.last = ti;
		return d;
	}
	if (first->wake_ts > ti)
		return d;	/* blocked at ti and woken by another thread */
	/* Runnable at ti (preempted, or woken before): the host's run queue. */
	d.known = d.ran = true;
	d.run_ns = first->in_ts - ti;
	d.last = first->in_ts;
	return d;
}

static void row_hop(struct ih_rec_row *r, enum ih_hop h, int64_t v)
{
	r->col[h] = v;
	r->set |= 1u << h;
}

static void row_col(struct ih_rec_row *r, enum ih_col c, int64_t v)
{
	r->col[c] = v;
	r->set |= 1u << c;
}

/* Builds Q's row and emits it; V_TID is the vCPU thread it ended on (0: not ended).
 * Returns the callback's result as -1 / 0. */
static int irq_emit(struct ih_kern *k, struct kirq *q, int64_t v_tid)
{
	struct ih_rec_row r;
	enum ih_hop need[6];
	int nneed = 0, forced = -1;
	int64_t start;
	struct kdeliv d = { false, false, false, 0, 0, 0 };

	memset(&r, 0, sizeof(r));
	r.irq_id = q->irq_id;
	r.path = (enum ih_path)q->path;
	r.broken_hop = -1;
	start = has(q, KM_START) ? q->t[KM_START] : has(q, KM_REQ) ? q->t[KM_REQ] : q->first_ts;
	r.start_ns = start;
	if (k->irqhop) {
		need[nneed++] = IH_HOP_SIGNAL;
		if (has(q, KM_START) && has(q, KM_REQ))
			row_hop(&r, IH_HOP_SIGNAL, q->t[KM_REQ] - q->t[KM_START]);
	}
	if (q->flags & KF_VIA_WORK) {
		need[nneed++] = IH_HOP_WORKER;
		need[nneed++] = IH_HOP_INJECT;
		if (has(q, KM_REQ) && has(q, KM_EXEC))
			row_hop(&r, IH_HOP_WORKER, q->t[KM_EXEC] - q->t[KM_REQ]);
		if (has(q, KM_EXEC) && has(q, KM_INJ))
			row_hop(&r, IH_HOP_INJECT, q->t[KM_INJ] - q->t[KM_EXEC]);
	}
	if (has(q, KM_ACK) && has(q, KM_INJ) && v_tid) {
		d = deliver(k, q, v_tid);
		if (!d.known)
			flag(k, q, KF_AMBIGUOUS);
	}
	if (d.known) {
		if (d.woke) {
			need[nneed++] = IH_HOP_WAKE;
			row_hop(&r, IH_HOP_WAKE, d.wake_ns);
		}
		if (d.ran) {
			need[nneed++] = IH_HOP_RUN;
			row_hop(&r, IH_HOP_RUN, d.run_ns);
		}
		row_hop(&r, IH_HOP_GUEST, q->t[KM_ACK] - d.last);
	} else {
		need[nneed++] = IH_HOP_WAKE;
	}
	need[nneed++] = IH_HOP_GUEST;
	/* Forced breaks name the hop the broken match is in. */
	if (q->flags & (KF_COALESCED | KF_VEC_MISMATCH))
		forced = IH_HOP_SIGNAL;
	else if (q->flags & KF_NO_INJECT)
		forced = IH_HOP_INJECT;
	else if (q->flags & (KF_AMBIGUOUS | KF_MISMATCH | KF_NO_TARGET))
		forced = IH_HOP_WAKE;
	r.complete = forced < 0 && !(q->flags & KF_GAP);
	for (int i = 0; i < nneed && r.complete; i++)
		if (!ih_rec_row_has(&r, (enum ih_col)need[i])) {
			r.complete = false;
			r.broken_hop = need[i];
		}
	if (!r.complete && r.broken_hop < 0)
		r.broken_hop = forced >= 0 ? forced : IH_HOP_GUEST;
	if (q->flags & KF_GAP && forced < 0) {
		/* The first hop that had not ended before the gap. */
		static const enum kmark end_of[] = { [IH_HOP_SIGNAL] = KM_REQ, [IH_HOP_WORKER] = KM_EXEC,
						     [IH_HOP_INJECT] = KM_INJ, [IH_HOP_WAKE] = KM_WAKE,
						     [IH_HOP_RUN] = KM_ACK, [IH_HOP_GUEST] = KM_ACK };

		for (int i = 0; i < nneed; i++)
			if (!has(q, end_of[need[i]]) || q->t[end_of[need[i]]] > q->gap_ts) {
				r.broken_hop = need[i];
				break;
			}
	}
	if (r.complete)
		row_col(&r, IH_COL_TOTAL, q->t[KM_ACK] - start);
	if (q->has_source)
		row_col(&r, IH_COL_SOURCE, q->source);
	if (q->has_vector)
		row_col(&r, IH_COL_VECTOR, q->vector);
	if (q->has_pcpu)
		row_col(&r, IH_COL_PCPU, q->pcpu);
	if (has(q, KM_ACK)) {
		const struct ih_kthread *t = v_tid ? ih_kthreads_find(k->kt, v_tid) : NULL;

		row_col(&r, IH_COL_ACK, q->t[KM_ACK]);
		row_col(&r, IH_COL_ACK_PCPU, q->ack_pcpu);
		if (t)
			row_col(&r, IH_COL_VCPU, t->id);
	}
	if (q->worker)
		row_col(&r, IH_COL_WORKER, q->worker);
	k->stats.irqs++;
	if (!r.complete)
		k->stats.incomplete++;
	return k->emit(k->ctx, &r) ? -1 : 0;
}

/* Emits Q (ended on V_TID, 0 if not) and forgets it. */
static int irq_done(struct ih_kern *k, struct kirq *q, int64_t v_tid)
{
	uint64_t id = q->irq_id;
	int r = irq_emit(k, q, v_tid);

	kmap_del(&k->irqs, id);
	return r;
}

/* ---- matching ---------------------------------------------------------------- */

/* Closes thread T's injection window.  In attach mode the interrupt then goes to the
 * vCPU thread it was delivered to, to await its end there.  Returns 0 or -1. */
static int win_close(struct ih_kern *k, struct kthr *t)
{
	struct kirq *q;
	int64_t v = 0;
	struct kthr *vt;

	if (!t->win_id)
		return 0;
	q = kmap_find(&k->irqs, t->win_id);
	t->win_id = 0;
	if (!q || k->irqhop)
		return 0;
	if (q->wake_tid) {
		v = q->wake_tid;
	} else if (q->dest_phys) {
		bool amb;
		const struct ih_kthread *kt = ih_kthreads_by_index(k->kt, q->dest, &amb);

		if (kt)
			v = kt->tid;
	}
	if (!v) {
		flag(k, q, KF_NO_TARGET);
		return irq_done(k, q, 0);
	}
	q->target_tid = v;
	if (!(vt = thr_get(k, v)))
		return -1;
	if (vt->npend == PEND_MAX) {
		/* More interrupts pending on one vCPU than EOIs can tell
		 * apart: the oldest is given up. */
		struct kirq *old = kmap_find(&k->irqs, vt->pend[0]);

		memmove(vt->pend, vt->pend + 1, (PEND_MAX - 1) * sizeof(vt->pend[0]));
		vt->npend--;
		if (old) {
			flag(k, old, KF_AMBIGUOUS);
			if (irq_done(k, old, 0))
				return -1;
		}
	}
	vt->pend[vt->npend++] = q->irq_id;
	return 0;
}

/* Sets the injection's vector and destination, checking the raise's vector. */
static void irq_vector(struct ih_kern *k, struct kirq *q, uint32_t vec, uint32_t dest, bool phys)
{
	q->vector = vec;
	q->has_vector = true;
	q->dest = dest;
	q->dest_phys = phys;
	if (q->raise_vector && q->raise_vector != vec)
		flag(k, q, KF_VEC_MISMATCH);
}

/* irqhop mode from the first irqhop event on: interrupts made up so far were
 * injections of other sources, counted as foreign and forgotten. */
static void irqhop_on(struct ih_kern *k)
{
	if (k->irqhop)
		return;
	k->irqhop = true;
	for (size_t i = 0; i < k->irqs.nb; i++)
		for (struct knode *p = k->irqs.b[i], *nx; p; p = nx) {
			nx = p->next;
			free(p);
			k->stats.foreign++;
		}
	memset(k->irqs.b, 0, k->irqs.nb * sizeof(*k->irqs.b));
	k->irqs.n = 0;
	for (size_t i = 0; i < k->thr.nb; i++)
		for (struct knode *p = k->thr.b[i]; p; p = p->next) {
			struct kthr *t = (struct kthr *)p->elem;

			t->win_id = 0;
			t->work_irq = 0;
			t->npend = 0;
		}
	for (size_t i = 0; i < k->works.nb; i++)
		for (struct knode *p = k->works.b[i]; p; p = p->next)
			((struct kwork *)p->elem)->irq_id = 0;
}

static int on_raise(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = thr_get(k, ev->tid);
	struct kirq *q, *prev;
	int err = 0;

	if (!t || win_close(k, t))
		return -1;
	irqhop_on(k);
	if (t->raise_id && (prev = kmap_find(&k->irqs, t->raise_id)) && !has(prev, KM_REQ))
		flag(k, prev, KF_COALESCED);
	q = irq_new(k, ev->irq_id, ev->ts, &err);
	if (!q)
		return err;
	mark(q, KM_START, ev->ts);
	q->raise_vector = ev->vector;
	q->source = ev->source;
	q->has_source = true;
	/* irqhop-kvm's sources name the route (collector/events/irqhop_tp.h
	 * IH_TP_SRC_KVM_*): the path of a raise that never gets a request. */
	if (ev->source == IH_SRC_KVM_MSI)
		q->path = IH_PATH_KVM_MSI;
	else if (ev->source == IH_SRC_KVM_IOAPIC)
		q->path = IH_PATH_KVM_IOAPIC;
	t->raise_id = q->irq_id;
	return 0;
}

/* The interrupt a request on thread T starts: T's pending raise (irqhop mode), a new
 * one (attach mode), or NULL: foreign (or *err on failure). */
static struct kirq *req_irq(struct ih_kern *k, struct kthr *t, const struct ih_kern_event *ev, int *err)
{
	struct kirq *q = NULL;

	*err = 0;
	if (k->irqhop) {
		if (t->raise_id)
			q = kmap_find(&k->irqs, t->raise_id);
		t->raise_id = 0;
		if (!q || has(q, KM_REQ)) {
			k->stats.foreign++;
			return NULL;
		}
	} else if (!(q = irq_new(k, 0, ev->ts, err))) {
		return NULL;
	}
	mark(q, KM_REQ, ev->ts);
	q->pcpu = ev->cpu;
	q->has_pcpu = true;
	return q;
}

static int on_msi(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = thr_get(k, ev->tid);
	uint32_t vec = (uint32_t)(ev->data & 0xff), dest = (uint32_t)((ev->address >> 12) & 0xff);
	bool phys = !(ev->address & 4);
	struct kirq *q;
	int err;

	if (!t)
		return -1;
	if (t->win_id && (q = kmap_find(&k->irqs, t->win_id)) && (q->flags & KF_VIA_WORK) &&
	    t->in_work && t->work_irq == q->irq_id) {
		/* kvm_set_irq of a work, routed to an MSI (irqfd_inject of an
		 * MSI route that could not inject inline). */
		q->path = IH_PATH_KVM_MSI;
		irq_vector(k, q, vec, dest, phys);
		return 0;
	}
	if (win_close(k, t))
		return -1;
	if (!(q = req_irq(k, t, ev, &err)))
		return err;
	q->path = IH_PATH_KVM_MSI;
	mark(q, KM_INJ, ev->ts);
	irq_vector(k, q, vec, dest, phys);
	t->win_id = q->irq_id;
	return 0;
}

static int on_queue_work(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = thr_get(k, ev->tid);
	struct kwork *w;
	struct kirq *q = NULL;
	bool created;

	if (!t || win_close(k, t))
		return -1;
	if (k->irqhop && !t->raise_id)
		return 0;	/* not a request of ours: any other work */
	if (k->irqhop) {
		int err;

		if (!(q = req_irq(k, t, ev, &err)))
			return err;
		q->path = IH_PATH_KVM_IOAPIC;
		q->flags |= KF_VIA_WORK;
	}
	if (!(w = kmap_get(&k->works, ev->work, &created)))
		return -1;
	if (!created && w->irq_id) {
		struct kirq *old = kmap_find(&k->irqs, w->irq_id);

		/* Queued again before it ran: its execute_start was lost. */
		if (old)
			flag(k, old, KF_NO_INJECT);
	}
	w->qts = ev->ts;
	w->irq_id = q ? q->irq_id : 0;
	return 0;
}

/* Ends thread T's work (execute_end, or the next execute_start). */
static void work_end(struct ih_kern *k, struct kthr *t)
{
	struct kirq *q;

	if (t->in_work && t->work_irq && !t->work_injected && (q = kmap_find(&k->irqs, t->work_irq)))
		flag(k, q, KF_NO_INJECT);
	t->in_work = false;
	t->work_irq = 0;
}

static int on_exec(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = thr_get(k, ev->tid);
	struct kwork *w;
	struct kirq *q;

	if (!t || win_close(k, t))
		return -1;
	work_end(k, t);
	if (ev->kind == IH_KEV_EXEC_END)
		return 0;
	t->in_work = true;
	t->work = ev->work;
	t->work_ets = ev->ts;
	t->work_qts = -1;
	t->work_injected = false;
	if ((w = kmap_find(&k->works, ev->work))) {
		t->work_qts = w->qts;
		t->work_irq = w->irq_id;
		kmap_del(&k->works, ev->work);
	}
	if (t->work_irq && (q = kmap_find(&k->irqs, t->work_irq))) {
		mark(q, KM_EXEC, ev->ts);
		q->worker = ev->tid;
	}
	return 0;
}

static int on_set_irq(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = thr_get(k, ev->tid);
	struct kirq *q = NULL;
	int err = 0;

	if (!t)
		return -1;
	if (ev->level == 0)
		return 0;	/* the line's de-assertion (irqfd_inject sets 1 then 0) */
	if (t->in_work && t->work_injected)
		return 0;	/* the work's second assertion: one interrupt per work */
	if (win_close(k, t))
		return -1;
	if (t->in_work && t->work_irq) {
		q = kmap_find(&k->irqs, t->work_irq);
	} else if (!k->irqhop) {
		if (!(q = irq_new(k, 0, ev->ts, &err)))
			return err;
		q->flags |= t->in_work ? KF_VIA_WORK : 0;
		if (t->in_work && t->work_qts >= 0) {
			mark(q, KM_REQ, t->work_qts);
			mark(q, KM_EXEC, t->work_ets);
		} else if (t->in_work) {
			mark(q, KM_EXEC, t->work_ets);
		} else {
			mark(q, KM_REQ, ev->ts);
		}
		q->pcpu = ev->cpu;
		q->has_pcpu = true;
		q->worker = t->in_work ? ev->tid : 0;
		q->path = IH_PATH_KVM_IOAPIC;
	} else {
		k->stats.foreign++;
	}
	if (t->in_work)
		t->work_injected = true;
	if (!q)
		return 0;
	mark(q, KM_INJ, ev->ts);
	if (!q->has_source) {
		q->source = ev->gsi;
		q->has_source = true;
	}
	t->win_id = q->irq_id;
	return 0;
}

static int on_ioapic(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = kmap_find(&k->thr, (uint64_t)ev->tid);
	struct kirq *q;

	if (!t || !t->win_id || !(q = kmap_find(&k->irqs, t->win_id)))
		return 0;
	q->path = IH_PATH_KVM_IOAPIC;
	/* Redirection entry: vector 7:0, destination mode 11, destination 63:56. */
	irq_vector(k, q, (uint32_t)(ev->entry & 0xff), (uint32_t)(ev->entry >> 56), !(ev->entry & (1u << 11)));
	return 0;
}

static int on_waking(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = kmap_find(&k->thr, (uint64_t)ev->tid);
	struct kirq *q;
	uint32_t n;

	if (!t || !t->win_id || !ih_kt_vcpu_name(ev->woken_comm, &n))
		return 0;
	if (!(q = kmap_find(&k->irqs, t->win_id)))
		return 0;
	mark(q, KM_WAKE, ev->ts);
	q->wake_tid = ev->woken_tid;
	/* One waking per injection: the window closes with it. */
	return win_close(k, t);
}

static int on_switch(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t = kmap_find(&k->thr, (uint64_t)ev->prev_tid);

	return t ? win_close(k, t) : 0;
}

/* End of Q on vCPU thread V at EV. */
static int irq_end(struct ih_kern *k, struct kirq *q, const struct ih_kern_event *ev)
{
	mark(q, KM_ACK, ev->ts);
	q->ack_pcpu = ev->cpu;
	if (has(q, KM_START) && !has(q, KM_REQ))
		flag(k, q, KF_COALESCED);	/* acknowledged with no request of its own */
	if (q->wake_tid && q->wake_tid != ev->tid)
		flag(k, q, KF_MISMATCH);
	return irq_done(k, q, ev->tid);
}

static int on_ack(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kirq *q = kmap_find(&k->irqs, ev->irq_id);
	int err = 0;

	if (!q) {
		if (!(q = irq_new(k, ev->irq_id, ev->ts, &err)))
			return err;
		k->stats.orphans++;
		q->path = IH_PATH_UNKNOWN;
	}
	return irq_end(k, q, ev);
}

/* Attach mode: the vCPU's EOI write or userspace exit ends its oldest delivered
 * interrupt. */
static int on_vcpu_exit(struct ih_kern *k, const struct ih_kern_event *ev)
{
	struct kthr *t;
	struct kirq *q;

	if (k->irqhop)
		return 0;
	if (ev->kind == IH_KEV_MMIO && (ev->mmio_type != KVM_TRACE_MMIO_WRITE || ev->gpa != LAPIC_EOI_GPA))
		return 0;
	t = kmap_find(&k->thr, (uint64_t)ev->tid);
	while (t && t->npend) {
		uint64_t id = t->pend[0];

		memmove(t->pend, t->pend + 1, (size_t)(t->npend - 1) * sizeof(t->pend[0]));
		t->npend--;
		if ((q = kmap_find(&k->irqs, id)))
			return irq_end(k, q, ev);
	}
	return 0;
}

int ih_kern_feed(struct ih_kern *k, const struct ih_kern_event *ev)
{
	k->stats.events++;
	switch (ev->kind) {
	case IH_KEV_RAISE:
		return ev->irq_id ? on_raise(k, ev) : 0;
	case IH_KEV_ACK:
		irqhop_on(k);
		return ev->irq_id ? on_ack(k, ev) : 0;
	case IH_KEV_MSI:
		return on_msi(k, ev);
	case IH_KEV_QUEUE_WORK:
		return on_queue_work(k, ev);
	case IH_KEV_EXEC_START:
	case IH_KEV_EXEC_END:
		return on_exec(k, ev);
	case IH_KEV_SET_IRQ:
		return on_set_irq(k, ev);
	case IH_KEV_IOAPIC:
		return on_ioapic(k, ev);
	case IH_KEV_WAKING:
		return on_waking(k, ev);
	case IH_KEV_SWITCH:
		return on_switch(k, ev);
	case IH_KEV_MMIO:
	case IH_KEV_USER_EXIT:
		return on_vcpu_exit(k, ev);
	default:
		return 0;
	}
}

void ih_kern_discontinuity(struct ih_kern *k, int64_t ts)
{
	for (size_t i = 0; i < k->irqs.nb; i++)
		for (struct knode *p = k->irqs.b[i]; p; p = p->next) {
			struct kirq *q = (struct kirq *)p->elem;

			if (q->gap_ts == INT64_MAX)
				q->gap_ts = ts;
			flag(k, q, KF_GAP);
		}
	for (size_t i = 0; i < k->thr.nb; i++)
		for (struct knode *p = k->thr.b[i]; p; p = p->next) {
			struct kthr *t = (struct kthr *)p->elem;

			t->raise_id = 0;
			t->win_id = 0;
			t->in_work = false;
			t->work_irq = 0;
		}
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int ih_kern_flush(struct ih_kern *k)
{
	uint64_t *ids;
	size_t n = 0;
	int ret = 0;

	if (!k->irqs.n)
		return 0;
	if (!(ids = malloc(k->irqs.n * sizeof(*ids))))
		return -1;
	for (size_t i = 0; i < k->irqs.nb; i++)
		for (struct knode *p = k->irqs.b[i]; p; p = p->next)
			ids[n++] = p->key;
	qsort(ids, n, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < n && !ret; i++) {
		struct kirq *q = kmap_find(&k->irqs, ids[i]);

		if (q)
			ret = irq_done(k, q, 0);
	}
	free(ids);
	return ret;
}
