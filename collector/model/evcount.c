/* collector/model/evcount.c - see collector/model/evcount.h (protocol: futex.h). */
#include "config.h"
#include "collector/model/evcount.h"
#include "collector/model/futex.h"

void ih_evcount_init(struct ih_evcount *n)
{
	atomic_init(&n->seq, 0);
	atomic_init(&n->waiters, 0);
}

unsigned ih_evcount_seq(struct ih_evcount *n)
{
	return atomic_load(&n->seq);
}

void ih_evcount_signal(struct ih_evcount *n)
{
	atomic_fetch_add(&n->seq, 1);
	ih_futex_wake(&n->seq, &n->waiters, INT_MAX);
}

void ih_evcount_signal_one(struct ih_evcount *n)
{
	atomic_fetch_add(&n->seq, 1);
	ih_futex_wake(&n->seq, &n->waiters, 1);
}

int ih_evcount_wait(struct ih_evcount *n, unsigned seq, uint64_t deadline_ns)
{
	if (ih_futex_wait(&n->seq, &n->waiters, seq, deadline_ns) < 0)
		return atomic_load(&n->seq) == seq ? -1 : 0;
	return 0;
}
