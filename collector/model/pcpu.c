/* collector/model/pcpu.c - see collector/model/pcpu.h for the sleep/wake protocol. */
#include "config.h"
#include "collector/model/wfcq.h"
#include "collector/model/pcpu.h"
#include "collector/events/clock.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Thread_local struct ih_pcpu *cur_pcpu;

void ih_pcpu_init(struct ih_pcpu *p, uint32_t id, void *owner)
{
	p->id = id;
	atomic_init(&p->softirq_pending, 0);
	atomic_init(&p->wake_seq, 0);
	atomic_init(&p->idle, 0);
	cds_wfcq_init(&p->irq_head, &p->irq_tail);
	p->owner = owner;
	p->tasklet_dom = NULL;
	p->kicks = 0;
}

void ih_pcpu_destroy(struct ih_pcpu *p)
{
	struct ih_irq *irq;

	while ((irq = ih_pcpu_take_irq(p)) != NULL)
		free(irq);
	cds_wfcq_destroy(&p->irq_head, &p->irq_tail);
}

struct ih_pcpu *ih_pcpu_current(void)
{
	return cur_pcpu;
}

void ih_pcpu_set_current(struct ih_pcpu *p)
{
	cur_pcpu = p;
}

uint32_t ih_pcpu_current_id(void)
{
	return cur_pcpu ? cur_pcpu->id : IH_PCPU_NONE;
}

static long futex(atomic_uint *word, int op, unsigned val, const struct timespec *ts)
{
	return syscall(SYS_futex, (unsigned *)word, op, val, ts, NULL, 0);
}

void ih_pcpu_kick(struct ih_pcpu *p)
{
	atomic_fetch_add(&p->wake_seq, 1);
	if (atomic_load(&p->idle)) {
		p->kicks++;
		futex(&p->wake_seq, FUTEX_WAKE_PRIVATE, 1, NULL);
	}
}

void ih_pcpu_raise_irq(struct ih_pcpu *p, struct ih_irq *irq)
{
	ih_wfcq_enqueue(&p->irq_head, &p->irq_tail, &irq->node);
	ih_pcpu_kick(p);
}

struct ih_irq *ih_pcpu_take_irq(struct ih_pcpu *p)
{
	struct cds_wfcq_node *n;

	/* Single consumer (this pCPU), so the dequeue needs no mutex. */
	n = ih_wfcq_dequeue_single(&p->irq_head, &p->irq_tail);
	return n ? caa_container_of(n, struct ih_irq, node) : NULL;
}

bool ih_pcpu_has_work(struct ih_pcpu *p)
{
	return atomic_load(&p->softirq_pending) != 0 ||
	       !cds_wfcq_empty(&p->irq_head, &p->irq_tail);
}

void ih_pcpu_idle_wait(struct ih_pcpu *p, uint64_t deadline_ns)
{
	unsigned seq;

	atomic_store(&p->idle, 1);
	seq = atomic_load(&p->wake_seq);
	if (!ih_pcpu_has_work(p)) {
		if (deadline_ns) {
			uint64_t now = ih_now_ns();

			if (deadline_ns > now) {
				uint64_t d = deadline_ns - now;
				struct timespec ts = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };

				futex(&p->wake_seq, FUTEX_WAIT_PRIVATE, seq, &ts);
			}
		} else {
			futex(&p->wake_seq, FUTEX_WAIT_PRIVATE, seq, NULL);
		}
	}
	atomic_store(&p->idle, 0);
}
