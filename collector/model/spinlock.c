/* collector/model/spinlock.c - see collector/model/spinlock.h. */
#include "config.h"
#include "collector/model/spinlock.h"
#include "collector/events/clock.h"

#include <assert.h>
#include <sched.h>
#include <string.h>

void ih_spin_init(struct ih_spinlock *l, uint32_t id, const char *name)
{
	memset(l, 0, sizeof(*l));
	atomic_init(&l->locked, 0);
	l->id = id;
	l->name = name;
}

uint64_t ih_spin_lock(struct ih_spinlock *l, unsigned cpu)
{
	struct ih_lock_counters *c = &l->per_cpu[cpu <= IH_SPIN_NOCPU ? cpu : IH_SPIN_NOCPU];
	uint64_t wait = 0, t0, now;
	unsigned polls = 0;

	if (atomic_exchange_explicit(&l->locked, 1, memory_order_acquire)) {
		t0 = ih_now_ns();
		for (;;) {
			while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
				ih_cpu_relax();
				if (++polls % IH_SPIN_YIELD_EVERY == 0)
					sched_yield();
			}
			if (!atomic_exchange_explicit(&l->locked, 1, memory_order_acquire))
				break;
		}
		now = ih_now_ns();
		wait = now - t0;
		atomic_fetch_add_explicit(&c->contended, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&c->wait_ns, wait, memory_order_relaxed);
	} else {
		now = ih_now_ns();
	}
	l->acquired_at = now;
	atomic_fetch_add_explicit(&c->acquisitions, 1, memory_order_relaxed);
	return wait;
}

void ih_spin_unlock(struct ih_spinlock *l, unsigned cpu)
{
	struct ih_lock_counters *c = &l->per_cpu[cpu <= IH_SPIN_NOCPU ? cpu : IH_SPIN_NOCPU];
	uint64_t held = ih_now_ns() - l->acquired_at;

	assert(atomic_load_explicit(&l->locked, memory_order_relaxed) == 1);
	atomic_fetch_add_explicit(&c->hold_ns, held, memory_order_relaxed);
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

void ih_spin_counters(const struct ih_spinlock *l, unsigned cpu, uint64_t out[4])
{
	const struct ih_lock_counters *c = &l->per_cpu[cpu <= IH_SPIN_NOCPU ? cpu : IH_SPIN_NOCPU];

	out[0] = atomic_load_explicit(&c->acquisitions, memory_order_relaxed);
	out[1] = atomic_load_explicit(&c->contended, memory_order_relaxed);
	out[2] = atomic_load_explicit(&c->wait_ns, memory_order_relaxed);
	out[3] = atomic_load_explicit(&c->hold_ns, memory_order_relaxed);
}
