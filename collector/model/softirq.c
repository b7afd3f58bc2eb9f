/* collector/model/softirq.c - see collector/model/softirq.h. */
#include "config.h"
#include "collector/model/softirq.h"
#include "collector/events/tp.h"

#include <assert.h>

static ih_softirq_fn handlers[IH_NR_SOFTIRQS];

void ih_softirq_open(enum ih_softirq_nr nr, ih_softirq_fn fn)
{
	assert(nr < IH_NR_SOFTIRQS);
	handlers[nr] = fn;
}

void ih_softirq_raise(struct ih_pcpu *p, enum ih_softirq_nr nr, uint64_t irq_id)
{
	unsigned bit = 1u << nr;
	unsigned old = atomic_fetch_or(&p->softirq_pending, bit);

	if (!(old & bit))
		IH_TP(softirq_raise, irq_id, p->id, (uint32_t)nr);
	if (ih_pcpu_current() != p)
		ih_pcpu_kick(p);
}

void ih_softirq_do(struct ih_pcpu *p)
{
	assert(ih_pcpu_current() == p);
	for (int restart = 0; restart < IH_SOFTIRQ_MAX_RESTART; restart++) {
		unsigned pending = atomic_exchange(&p->softirq_pending, 0);

		if (!pending)
			return;
		for (unsigned nr = 0; nr < IH_NR_SOFTIRQS; nr++) {
			if (!(pending & (1u << nr)))
				continue;
			IH_TP(softirq_entry, 0, p->id, nr);
			if (handlers[nr])
				handlers[nr](p);
			IH_TP(softirq_exit, 0, p->id, nr);
		}
	}
}
