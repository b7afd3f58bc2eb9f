/*
 * analyzer/reconstruct/rec.c - reconstruction of interrupt paths, see analyzer/reconstruct/rec.h and
 * docs/analyzer.md.
 */
#include "config.h"
#include "analyzer/reconstruct/rec.h"

#include <stdlib.h>
#include <string.h>

/* ---- a small open-addressing map: u64 key -> fixed-size element ---------
 *
 * Linear probing with backward-shift deletion (no tombstones, so a long run
 * with millions of inserts and deletes never degrades).  Key 0 marks an empty
 * slot: irq_id is never 0 by the catalogue's contract, and vtid keys are
 * offset so they are never 0 either.  The key is the element's first u64. */
struct rec_map {
	unsigned char *slots;
	size_t esize;
	size_t cap;		/* power of two */
	size_t n;
};

static size_t map_home(const struct rec_map *m, uint64_t key)
{
	/* Fibonacci hashing spreads the consecutive irq_ids well. */
	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (m->cap - 1);
}

static uint64_t map_key_at(const struct rec_map *m, size_t i)
{
	uint64_t k;

	memcpy(&k, m->slots + i * m->esize, sizeof(k));
	return k;
}

/* Allocates CAP empty slots; -1 when out of memory. */
static int map_init(struct rec_map *m, size_t esize, size_t cap)
{
	m->esize = esize;
	m->cap = cap;
	m->n = 0;
	m->slots = calloc(cap, esize);
	return m->slots ? 0 : -1;
}

static void *map_find(const struct rec_map *m, uint64_t key)
{
	for (size_t i = map_home(m, key);; i = (i + 1) & (m->cap - 1)) {
		uint64_t k = map_key_at(m, i);

		if (k == key)
			return m->slots + i * m->esize;
		if (k == 0)
			return NULL;
	}
}

/* Doubles the table; -1 (table unchanged) when out of memory. */
static int map_grow(struct rec_map *m)
{
	struct rec_map bigger;

	if (map_init(&bigger, m->esize, m->cap * 2))
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		uint64_t k = map_key_at(m, i);
		size_t j;

		if (!k)
			continue;
		for (j = map_home(&bigger, k); map_key_at(&bigger, j); j = (j + 1) & (bigger.cap - 1))
			;
		memcpy(bigger.slots + j * m->esize, m->slots + i * m->esize, m->esize);
		bigger.n++;
	}
	free(m->slots);
	*m = bigger;
	return 0;
}

/* Returns the element for KEY, inserting a zeroed one (with its key set) if
 * missing; *created tells which.  Invalidates pointers to other elements
 * when it grows the table.  NULL when out of memory. */
static void *map_get_or_insert(struct rec_map *m, uint64_t key, bool *created)
{
	void *e = map_find(m, key);
	size_t i;

	*created = false;
	if (e)
		return e;
	/* Keep the load factor under 1/2 so probe sequences stay short. */
	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return NULL;
	for (i = map_home(m, key); map_key_at(m, i); i = (i + 1) & (m->cap - 1))
		;
	e = m->slots + i * m->esize;
	memset(e, 0, m->esize);
	memcpy(e, &key, sizeof(key));
	m->n++;
	*created = true;
	return e;
}

/* Removes the element E points to (a slot of M), shifting back the elements
 * of its probe run so lookups never need tombstones. */
static void map_remove(struct rec_map *m, void *e)
{
	size_t hole = (size_t)((unsigned char *)e - m->slots) / m->esize;
	size_t i = hole;

	for (;;) {
		uint64_t k;
		size_t home;

		i = (i + 1) & (m->cap - 1);
		k = map_key_at(m, i);
		if (!k)
			break;
		home = map_home(m, k);
		/* Move the element at I into the hole unless its home lies
		 * cyclically in (hole, i]: then it must stay after the hole. */
		if (((i - home) & (m->cap - 1)) >= ((i - hole) & (m->cap - 1))) {
			memcpy(m->slots + hole * m->esize, m->slots + i * m->esize, m->esize);
			hole = i;
		}
	}
	memset(m->slots + hole * m->esize, 0, m->esize);
	m->n--;
}

/* ---- interrupt state ------------------------------------------------------ */

/* Instants on an interrupt's path (marks). */
enum rec_mark {
	M_START,	/* irq_raise / timer_fire / eventfd_signal */
	M_ENTRY,	/* irq_entry */
	M_SCHED,	/* tasklet_schedule (its end) */
	M_TENTRY,	/* tasklet_entry of the bracket holding the inject */
	M_NOTIFIER,	/* notifier_entry */
	M_WQ,		/* work_queue */
	M_WENTRY,	/* work_entry */
	M_INJECT,	/* inject */
	M_ACK,		/* vcpu_ack */
	M_COUNT_
};

enum { MODE_UNKNOWN = 0xff };

/* In rec_irq.marks beyond the M_x bits: its irq_exit was seen. */
#define EXITED_BIT (1u << 15)

struct rec_irq {
	uint64_t irq_id;	/* map key: must stay first */
	uint8_t path;		/* enum ih_path */
	uint8_t mode;		/* notifier mode (irqfd), MODE_UNKNOWN if unseen */
	uint16_t marks;		/* bit (1 << M_x) when t[M_x] is known */
	uint32_t set;		/* ih_rec_row.set bits for the non-hop columns */
	int64_t first_ts;	/* first event seen for this irq_id */
	int64_t t[M_COUNT_];
	int64_t col[IH_COL_COUNT_];	/* only the non-hop columns are used */
};

/* Open tasklet bracket of one thread: tasklet_entry seen, tasklet_exit not
 * yet.  Every inject on that thread in between belongs to this run. */
struct rec_bracket {
	uint64_t key;		/* vtid key, see vtid_key(); must stay first */
	bool open;
	bool tainted;		/* opened inside a loss range: never used */
	int64_t cut;		/* a loss range began here while open: injects
				 * after it are not this run's; INT64_MAX: none */
	int64_t ts;
	uint64_t lock_wait_ns;
	uint32_t pcpu;
};

struct ih_rec {
	ih_rec_emit_fn emit;
	void *ctx;
	struct rec_map irqs;
	struct rec_map brackets;
	/* irq_ids of passthrough (or unknown-path) interrupts written at their
	 * vcpu_ack before their irq_exit was seen: that exit, when it comes,
	 * belongs to a row already written and must not start a new one.
	 * Entries are removed at the exit (bounded by such races and by
	 * lost exits). */
	struct rec_map awaiting_exit;
	int64_t loss_until;	/* end of the latest loss range, INT64_MIN: none */
	struct ih_rec_stats stats;
};

/* Hop sequence of a path: marks[0] -> marks[1] is hops[0], and so on. */
struct rec_seq {
	int n;			/* number of hops */
	uint8_t marks[6];
	uint8_t hops[5];
};

static const struct rec_seq seq_passthrough = {
	5, { M_START, M_ENTRY, M_SCHED, M_TENTRY, M_INJECT, M_ACK },
	{ IH_HOP_DELIVERY, IH_HOP_SCHEDULE, IH_HOP_QUEUE, IH_HOP_ASSIST, IH_HOP_GUEST } };
/* Also used for IH_PATH_UNKNOWN (a lost start event): such an interrupt went
 * through a tasklet if it has a tasklet_schedule, and its first hop is then
 * missing either way. */
static const struct rec_seq seq_timer = {
	4, { M_START, M_SCHED, M_TENTRY, M_INJECT, M_ACK },
	{ IH_HOP_SCHEDULE, IH_HOP_QUEUE, IH_HOP_ASSIST, IH_HOP_GUEST } };
static const struct rec_seq seq_irqfd_wq = {
	5, { M_START, M_NOTIFIER, M_WQ, M_WENTRY, M_INJECT, M_ACK },
	{ IH_HOP_CALLBACK, IH_HOP_DEFER, IH_HOP_WORKER, IH_HOP_INJECT, IH_HOP_GUEST } };
static const struct rec_seq seq_irqfd_srcu = {
	3, { M_START, M_NOTIFIER, M_INJECT, M_ACK },
	{ IH_HOP_CALLBACK, IH_HOP_INJECT, IH_HOP_GUEST } };

static const struct rec_seq *irq_seq(const struct rec_irq *irq)
{
	switch (irq->path) {
	case IH_PATH_PASSTHROUGH:
		return &seq_passthrough;
	case IH_PATH_IRQFD:
		if (irq->mode == IH_CAT_NOTIFIER_SRCU)
			return &seq_irqfd_srcu;
		if (irq->mode == IH_CAT_NOTIFIER_WAITQUEUE)
			return &seq_irqfd_wq;
		/* Mode lost with the events carrying it: deferral shows. */
		return (irq->marks & ((1u << M_WQ) | (1u << M_WENTRY))) ? &seq_irqfd_wq
									 : &seq_irqfd_srcu;
	default:
		return &seq_timer;
	}
}

struct ih_rec *ih_rec_create(ih_rec_emit_fn emit, void *ctx)
{
	struct ih_rec *rec = calloc(1, sizeof(*rec));

	if (!rec)
		goto error;
	rec->emit = emit;
	rec->ctx = ctx;
	rec->loss_until = INT64_MIN;
	if (map_init(&rec->irqs, sizeof(struct rec_irq), 1024))
		goto error;
	if (map_init(&rec->brackets, sizeof(struct rec_bracket), 64) ||
	    map_init(&rec->awaiting_exit, sizeof(uint64_t), 64))
		goto error;
	return rec;
error:
	ih_rec_destroy(rec);
	return NULL;
}

void ih_rec_destroy(struct ih_rec *rec)
{
	if (!rec)
		return;
	free(rec->irqs.slots);
	free(rec->brackets.slots);
	free(rec->awaiting_exit.slots);
	free(rec);
}

size_t ih_rec_inflight(const struct ih_rec *rec)
{
	return rec->irqs.n;
}

const struct ih_rec_stats *ih_rec_stats(const struct ih_rec *rec)
{
	return &rec->stats;
}

/* Events without a vtid context share one bracket key (docs/analyzer.md:
 * record with the vtid context, or coalesced runs cannot be told apart). */
static uint64_t vtid_key(const struct ih_rec_event *ev)
{
	if (!ev->has_vtid)
		return UINT64_C(1) << 63;
	return ((uint64_t)(uint32_t)ev->vtid) | (UINT64_C(1) << 32);
}

static void irq_set(struct rec_irq *irq, enum ih_col c, int64_t v)
{
	irq->col[c] = v;
	irq->set |= 1u << c;
}

/* Builds the row of IRQ and hands it to the emit callback.  Returns the
 * callback's result (nonzero = stop). */
static int irq_emit(struct ih_rec *rec, const struct rec_irq *irq)
{
	const struct rec_seq *seq = irq_seq(irq);
	struct ih_rec_row row;
	bool prev_known = false;
	int64_t prev = 0;

	memset(&row, 0, sizeof(row));
	row.irq_id = irq->irq_id;
	row.path = (enum ih_path)irq->path;
	row.start_ns = (irq->marks & (1u << M_START)) ? irq->t[M_START] : irq->first_ts;
	row.broken_hop = -1;
	row.set = irq->set;
	memcpy(row.col, irq->col, sizeof(row.col));
	for (int i = 0; i <= seq->n; i++) {
		int m = seq->marks[i];
		int64_t b;

		if (!(irq->marks & (1u << m))) {
			prev_known = false;
			continue;
		}
		b = irq->t[m];
		if (prev_known) {
			/* A boundary earlier than the previous one happens only
			 * when a tasklet run already under way served this
			 * interrupt (schedule coalesced into a running bracket):
			 * the interrupt waited for no queue at all.  Moving the
			 * boundary forward keeps hops >= 0 and their sum equal to
			 * total. */
			if (b < prev) {
				b = prev;
				rec->stats.clamped++;
			}
			row.col[seq->hops[i - 1]] = b - prev;
			row.set |= 1u << seq->hops[i - 1];
		}
		prev = b;
		prev_known = true;
	}
	row.complete = true;
	for (int i = 0; i < seq->n; i++)
		if (!ih_rec_row_has(&row, (enum ih_col)seq->hops[i])) {
			row.complete = false;
			row.broken_hop = seq->hops[i];
			break;
		}
	if (row.complete) {
		/* prev is the last (possibly clamped) boundary, the ack. */
		row.col[IH_COL_TOTAL] = prev - irq->t[M_START];
		row.set |= 1u << IH_COL_TOTAL;
	}
	rec->stats.irqs++;
	if (!row.complete)
		rec->stats.incomplete++;
	if (!(irq->marks & (1u << M_START)))
		rec->stats.orphans++;
	return rec->emit(rec->ctx, &row) ? -1 : 0;
}

/* Path implied by an event seen first for an irq_id whose start was lost. */
static enum ih_path orphan_path(enum ih_ev kind)
{
	switch (kind) {
	case IH_EV_IRQ_ENTRY:
	case IH_EV_IRQ_EXIT:
		return IH_PATH_PASSTHROUGH;
	case IH_EV_NOTIFIER_ENTRY:
	case IH_EV_WORK_QUEUE:
	case IH_EV_WORK_ENTRY:
		return IH_PATH_IRQFD;
	default:
		return IH_PATH_UNKNOWN;
	}
}

/* Returns the in-flight interrupt EV belongs to, creating it (as an orphan
 * unless EV is a start event) if needed.  NULL when out of memory or when
 * an emit failed (*err set) . */
static struct rec_irq *irq_lookup(struct ih_rec *rec, const struct ih_rec_event *ev,
				  enum ih_path start_path, int *err)
{
	struct rec_irq *irq;
	bool created;

	*err = 0;
	irq = map_get_or_insert(&rec->irqs, ev->irq_id, &created);
	if (!irq) {
		*err = -1;
		return NULL;
	}
	if (!created && start_path != IH_PATH_UNKNOWN && (irq->marks & (1u << M_START))) {
		/* The same irq_id started twice: the catalogue promises
		 * uniqueness, so the first one's remaining events were lost.
		 * Emit it as it stands and start afresh. */
		if (irq_emit(rec, irq)) {
			*err = -1;
			return NULL;
		}
		memset((char *)irq + sizeof(irq->irq_id), 0, sizeof(*irq) - sizeof(irq->irq_id));
		created = true;
	}
	if (created) {
		irq->mode = MODE_UNKNOWN;
		irq->first_ts = ev->ts;
		irq->path = (uint8_t)(start_path != IH_PATH_UNKNOWN ? start_path : orphan_path(ev->kind));
		if (rec->irqs.n > rec->stats.inflight_max)
			rec->stats.inflight_max = rec->irqs.n;
	} else if (irq->path == IH_PATH_UNKNOWN) {
		/* A later event may tell the path of an orphan. */
		irq->path = (uint8_t)orphan_path(ev->kind);
	}
	return irq;
}

static void irq_mark(struct rec_irq *irq, enum rec_mark m, int64_t ts)
{
	irq->t[m] = ts;
	irq->marks |= (uint16_t)(1u << m);
}

/* Handles tasklet_entry / tasklet_exit: opens or closes the bracket of the
 * event's thread.  -1 when out of memory. */
static int rec_bracket(struct ih_rec *rec, const struct ih_rec_event *ev)
{
	struct rec_bracket *b;
	bool created;

	b = map_get_or_insert(&rec->brackets, vtid_key(ev), &created);
	if (!b)
		return -1;
	if (ev->kind == IH_EV_TASKLET_ENTRY) {
		/* An entry while a bracket is open means the exit was lost:
		 * the new entry starts a new run either way. */
		b->open = true;
		b->tainted = ev->ts <= rec->loss_until;
		b->cut = INT64_MAX;
		b->ts = ev->ts;
		b->lock_wait_ns = ev->lock_wait_ns;
		b->pcpu = ev->pcpu;
	} else {
		b->open = false;
	}
	return 0;
}

/* Handles irq_exit: nothing for the hops, but an interrupt seen only in its
 * irq_exit (every other event lost, or the trace joined mid-interrupt) is
 * kept as an incomplete passthrough orphan rather than dropped.  -1 when
 * out of memory or when an emit failed. */
static int rec_exit(struct ih_rec *rec, const struct ih_rec_event *ev)
{
	struct rec_irq *irq;
	uint64_t *done;
	int err;

	if (ev->irq_id == 0)
		return 0;
	irq = map_find(&rec->irqs, ev->irq_id);
	if (!irq && (done = map_find(&rec->awaiting_exit, ev->irq_id)) != NULL) {
		map_remove(&rec->awaiting_exit, done);	/* its row is written */
		return 0;
	}
	if (!irq) {
		irq = irq_lookup(rec, ev, IH_PATH_UNKNOWN, &err);
		if (!irq)
			return err;
	} else if (irq->path == IH_PATH_UNKNOWN) {
		irq->path = IH_PATH_PASSTHROUGH;	/* only hardware interrupts exit */
	}
	irq->marks |= EXITED_BIT;
	if (!(irq->set & (1u << IH_COL_PCPU)))
		irq_set(irq, IH_COL_PCPU, ev->pcpu);
	return 0;
}

int ih_rec_feed(struct ih_rec *rec, const struct ih_rec_event *ev)
{
	enum ih_path start_path = IH_PATH_UNKNOWN;
	struct rec_irq *irq;
	int err;

	rec->stats.events++;
	switch (ev->kind) {
	case IH_EV_TASKLET_ENTRY:
	case IH_EV_TASKLET_EXIT:
		return rec_bracket(rec, ev);
	case IH_EV_IRQ_RAISE:
		start_path = IH_PATH_PASSTHROUGH;
		break;
	case IH_EV_TIMER_FIRE:
		start_path = IH_PATH_TIMER;
		break;
	case IH_EV_EVENTFD_SIGNAL:
		start_path = IH_PATH_IRQFD;
		break;
	case IH_EV_IRQ_EXIT:
		return rec_exit(rec, ev);
	case IH_EV_IRQ_ENTRY:
	case IH_EV_TASKLET_SCHEDULE:
	case IH_EV_NOTIFIER_ENTRY:
	case IH_EV_WORK_QUEUE:
	case IH_EV_WORK_ENTRY:
	case IH_EV_INJECT:
	case IH_EV_VCPU_ACK:
		break;
	default:
		/* Informational and accounting events: nothing to do. */
		return 0;
	}
	if (ev->irq_id == 0)
		return 0;	/* not on an interrupt's path (contract) */
	irq = irq_lookup(rec, ev, start_path, &err);
	if (!irq)
		return err;
	switch (ev->kind) {
	case IH_EV_IRQ_RAISE:
		irq_mark(irq, M_START, ev->ts);
		irq_set(irq, IH_COL_SOURCE, ev->source);
		irq_set(irq, IH_COL_VECTOR, ev->vector);
		irq_set(irq, IH_COL_PCPU, ev->target_pcpu);
		break;
	case IH_EV_TIMER_FIRE:
		irq_mark(irq, M_START, ev->ts);
		/* A guest's timer is its vCPU's: the source is the vCPU. */
		irq_set(irq, IH_COL_SOURCE, ev->vcpu);
		irq_set(irq, IH_COL_VCPU, ev->vcpu);
		irq_set(irq, IH_COL_PCPU, ev->pcpu);
		break;
	case IH_EV_EVENTFD_SIGNAL:
		irq_mark(irq, M_START, ev->ts);
		irq_set(irq, IH_COL_SOURCE, ev->efd);
		irq->mode = ev->mode;
		break;
	case IH_EV_IRQ_ENTRY:
		irq_mark(irq, M_ENTRY, ev->ts);
		if (!(irq->set & (1u << IH_COL_PCPU)))
			irq_set(irq, IH_COL_PCPU, ev->pcpu);
		break;
	case IH_EV_TASKLET_SCHEDULE:
		irq_mark(irq, M_SCHED, ev->ts);
		irq_set(irq, IH_COL_SCHED_LOCK, (int64_t)ev->lock_wait_ns);
		break;
	case IH_EV_NOTIFIER_ENTRY:
		irq_mark(irq, M_NOTIFIER, ev->ts);
		if (irq->mode == MODE_UNKNOWN)
			irq->mode = ev->mode;
		break;
	case IH_EV_WORK_QUEUE:
		irq_mark(irq, M_WQ, ev->ts);
		if (!(irq->set & (1u << IH_COL_WORKER)))
			irq_set(irq, IH_COL_WORKER, ev->worker);
		break;
	case IH_EV_WORK_ENTRY:
		irq_mark(irq, M_WENTRY, ev->ts);
		/* The worker that actually ran the work wins over the one
		 * work_queue picked. */
		irq_set(irq, IH_COL_WORKER, ev->worker);
		break;
	case IH_EV_INJECT: {
		const struct rec_bracket *b;

		irq_mark(irq, M_INJECT, ev->ts);
		irq_set(irq, IH_COL_VCPU, ev->vcpu);
		if (!(irq->set & (1u << IH_COL_VECTOR)))
			irq_set(irq, IH_COL_VECTOR, ev->vector);
		irq_set(irq, IH_COL_VM_LOCK, (int64_t)ev->vm_lock_wait_ns);
		if (irq->path == IH_PATH_IRQFD)
			break;
		/* The queue hop ends at the entry of the tasklet run this
		 * inject happens in, whichever interrupt that entry names. */
		b = map_find(&rec->brackets, vtid_key(ev));
		if (b && b->open && !b->tainted && ev->ts <= b->cut) {
			irq_mark(irq, M_TENTRY, b->ts);
			irq_set(irq, IH_COL_RUN_LOCK, (int64_t)b->lock_wait_ns);
			irq_set(irq, IH_COL_TASK_PCPU, b->pcpu);
		}
		break;
	}
	case IH_EV_VCPU_ACK:
		irq_mark(irq, M_ACK, ev->ts);
		irq_set(irq, IH_COL_ACK, ev->ts);
		irq_set(irq, IH_COL_ACK_PCPU, ev->pcpu);
		if (!(irq->set & (1u << IH_COL_VCPU)))
			irq_set(irq, IH_COL_VCPU, ev->vcpu);
		err = irq_emit(rec, irq);
		if (!err && !(irq->marks & EXITED_BIT) &&
		    (irq->path == IH_PATH_PASSTHROUGH || irq->path == IH_PATH_UNKNOWN)) {
			bool created;

			if (!map_get_or_insert(&rec->awaiting_exit, irq->irq_id, &created))
				err = -1;
		}
		map_remove(&rec->irqs, irq);
		return err;
	default:
		break;
	}
	return 0;
}

void ih_rec_discontinuity(struct ih_rec *rec, int64_t begin_ns, int64_t until_ns)
{
	if (until_ns > rec->loss_until)
		rec->loss_until = until_ns;
	/* Not closed outright: an inject at BEGIN_NS itself may be the last
	 * event of the packet before the loss (its end time is the range's
	 * beginning), and the muxer orders ties across streams as it likes;
	 * such an inject precedes every lost event. */
	for (size_t i = 0; i < rec->brackets.cap; i++) {
		struct rec_bracket *b = (struct rec_bracket *)(rec->brackets.slots + i * rec->brackets.esize);

		if (b->key && b->open && begin_ns < b->cut)
			b->cut = begin_ns;
	}
}

static int cmp_irq_id(const void *a, const void *b)
{
	uint64_t x = ((const struct rec_irq *)a)->irq_id;
	uint64_t y = ((const struct rec_irq *)b)->irq_id;

	return (x > y) - (x < y);
}

int ih_rec_flush(struct ih_rec *rec)
{
	struct rec_irq *all;
	size_t n = 0;
	int ret = 0;

	if (!rec->irqs.n)
		return 0;
	all = malloc(rec->irqs.n * sizeof(*all));
	if (!all)
		return -1;
	for (size_t i = 0; i < rec->irqs.cap; i++)
		if (map_key_at(&rec->irqs, i))
			memcpy(&all[n++], rec->irqs.slots + i * rec->irqs.esize, sizeof(*all));
	/* irq_id order makes the output independent of the table's layout. */
	qsort(all, n, sizeof(*all), cmp_irq_id);
	for (size_t i = 0; i < n && !ret; i++)
		ret = irq_emit(rec, &all[i]);
	free(all);
	memset(rec->irqs.slots, 0, rec->irqs.cap * rec->irqs.esize);
	rec->irqs.n = 0;
	return ret;
}
