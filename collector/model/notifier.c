/* collector/model/notifier.c - see collector/model/notifier.h. */
#include "config.h"
#include "collector/model/notifier.h"
#include "collector/events/clock.h"
#include "collector/events/tp.h"
#include "collector/model/wfcq.h"

#include "collector/model/futex.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <urcu.h>
#include <urcu/rculist.h>

/* The default client: the classic eventfd wake-up of blocked readers. */
static bool wake_readers(struct ih_notifier_client *c, struct ih_irq *irq)
{
	struct ih_eventfd *e = c->data;

	(void)irq;
	/* The count moved before the walk (futex.h's waker side). */
	if (ih_futex_wake(&e->count, &e->readers_waiting, INT_MAX))
		atomic_fetch_add_explicit(&e->reader_wakes, 1, memory_order_relaxed);
	return false;
}

void ih_eventfd_init(struct ih_eventfd *e, uint32_t id, enum ih_notifier_mode mode)
{
	e->id = id;
	e->mode = mode;
	atomic_init(&e->count, 0);
	atomic_init(&e->readers_waiting, 0);
	atomic_init(&e->reader_wakes, 0);
	ih_spin_init(&e->wqh_lock, 100 + id, "eventfd_wqh");
	pthread_mutex_init(&e->update_lock, NULL);
	CDS_INIT_LIST_HEAD(&e->clients);
	e->default_client.fn = wake_readers;
	e->default_client.data = e;
	ih_eventfd_register(e, &e->default_client);
}

void ih_eventfd_destroy(struct ih_eventfd *e)
{
	ih_eventfd_unregister_blocking(e, &e->default_client);
	assert(cds_list_empty(&e->clients));   /* every other client is gone */
	pthread_mutex_destroy(&e->update_lock);
}

void ih_eventfd_register(struct ih_eventfd *e, struct ih_notifier_client *c)
{
	uint32_t slot = ih_pcpu_current_id();

	if (slot == IH_PCPU_NONE)
		slot = IH_SPIN_NOCPU;
	if (e->mode == IH_NOTIFIER_SRCU) {
		pthread_mutex_lock(&e->update_lock);
		IH_TSAN_RELEASE(c);   /* publication (rcu_assign_pointer) */
		cds_list_add_rcu(&c->node, &e->clients);
		pthread_mutex_unlock(&e->update_lock);
	} else {
		ih_spin_lock(&e->wqh_lock, slot);
		cds_list_add(&c->node, &e->clients);
		ih_spin_unlock(&e->wqh_lock, slot);
	}
}

void ih_eventfd_unregister_blocking(struct ih_eventfd *e, struct ih_notifier_client *c)
{
	uint32_t slot = ih_pcpu_current_id();

	if (slot == IH_PCPU_NONE)
		slot = IH_SPIN_NOCPU;
	if (e->mode == IH_NOTIFIER_SRCU) {
		pthread_mutex_lock(&e->update_lock);
		cds_list_del_rcu(&c->node);
		pthread_mutex_unlock(&e->update_lock);
		/* After the grace period no reader still sees C. */
		synchronize_rcu();
		IH_TSAN_ACQUIRE(&e->clients);   /* every earlier read side has ended */
	} else {
		ih_spin_lock(&e->wqh_lock, slot);
		cds_list_del(&c->node);
		ih_spin_unlock(&e->wqh_lock, slot);
	}
}

/* The SRCU-mode walk, kept in its own function: its list-pointer loads race,
 * by RCU's design, with concurrent cds_list_*_rcu updates, which liburcu 0.13
 * orders with barriers TSan cannot see (tests/tsan.supp names this function
 * only).  Returns whether a client took IRQ. */
static bool __attribute__((noinline)) ih_notifier_walk_rcu(struct ih_eventfd *e, struct ih_irq *irq)
{
	struct ih_notifier_client *c;
	bool taken = false;

	cds_list_for_each_entry_rcu(c, &e->clients, node) {
		IH_TSAN_ACQUIRE(c);   /* pairs with the release at registration */
		if (!taken && c->fn(c, irq))
			taken = true;
		else if (taken)
			c->fn(c, NULL);
	}
	return taken;
}

void ih_eventfd_signal(struct ih_eventfd *e, struct ih_irq *irq)
{
	struct ih_notifier_client *c;
	uint64_t irq_id = irq->irq_id;
	uint32_t slot = ih_pcpu_current_id();
	bool taken = false;

	if (slot == IH_PCPU_NONE)
		slot = IH_SPIN_NOCPU;
	IH_TP(eventfd_signal, irq_id, e->id, (uint8_t)e->mode);
	atomic_fetch_add(&e->count, 1);
	if (e->mode == IH_NOTIFIER_SRCU) {
		rcu_read_lock();
		IH_TP(notifier_entry, irq_id, e->id, (uint8_t)e->mode);
		taken = ih_notifier_walk_rcu(e, irq);
		IH_TP(notifier_exit, irq_id, e->id, (uint8_t)e->mode);
		IH_TSAN_RELEASE(&e->clients);   /* read side ends before any later grace period */
		rcu_read_unlock();
	} else {
		/* Callbacks run with the wait-queue lock held: none may sleep. */
		ih_spin_lock(&e->wqh_lock, slot);
		IH_TP(notifier_entry, irq_id, e->id, (uint8_t)e->mode);
		cds_list_for_each_entry(c, &e->clients, node)
			if (!taken && c->fn(c, irq))
				taken = true;
			else if (taken)
				c->fn(c, NULL);
		IH_TP(notifier_exit, irq_id, e->id, (uint8_t)e->mode);
		ih_spin_unlock(&e->wqh_lock, slot);
	}
	if (!taken)
		free(irq);
}

uint64_t ih_eventfd_read_blocking(struct ih_eventfd *e, uint64_t deadline_ns)
{
	for (;;) {
		unsigned v = atomic_exchange(&e->count, 0);

		if (v)
			return v;
		/* Sleep while the counter is 0 (futex.h's waiter side). */
		if (ih_futex_wait(&e->count, &e->readers_waiting, 0, deadline_ns) < 0)
			return atomic_exchange(&e->count, 0);
	}
}

void ih_eventfd_thread_online(void)
{
	rcu_register_thread();
}

void ih_eventfd_thread_offline(void)
{
	rcu_unregister_thread();
}
