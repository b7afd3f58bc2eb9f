/* collector/model/pcpu.c - see collector/model/pcpu.h for the sleep/wake protocol. */
#include "config.h"
#include "collector/model/wfcq.h"
#include "collector/model/pcpu.h"
#include "collector/events/clock.h"

#include <assert.h>
#include <stdlib.h>

static _Thread_local struct ih_pcpu *cur_pcpu;

void ih_pcpu_init(struct ih_pcpu *p, uint32_t id, void *owner)
{
	p->id = id;
	atomic_init(&p->softirq_pending, 0);
	ih_evcount_init(&p->wake);
	cds_wfcq_init(&p->irq_head, &p->irq_tail);
	p->owner = owner;
	p->tasklet_dom = NULL;
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

void ih_pcpu_kick(struct ih_pcpu *p)
{
	/* Only P's thread sleeps on P: wake at most one. */
	ih_evcount_signal_one(&p->wake);
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
	assert(cur_pcpu == p || cur_pcpu == NULL);
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
	unsigned seq = ih_evcount_seq(&p->wake);

	assert(cur_pcpu == p);   /* RUNNING -> IDLE: its own thread only */
	if (!ih_pcpu_has_work(p))
		ih_evcount_wait(&p->wake, seq, deadline_ns);
}
