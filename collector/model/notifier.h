/*
 * collector/model/notifier.h - an eventfd with two ways of calling its clients, the two
 * designs of the 2009 KVM discussion.
 *
 * WAITQUEUE mode (eventfd as it was): signal takes the wait-queue spinlock
 * and calls every client with it held, so a client may not sleep.  irqfd,
 * which must take the VM's mutex to inject, therefore defers the injection
 * to a workqueue.
 *
 * SRCU mode (the proposal): the clients are an RCU list.  Signal walks it
 * inside an RCU read-side section (liburcu): no lock, clients may sleep, so
 * irqfd injects directly.  Registration is the update side: add under the
 * update mutex; unregister removes under the mutex and then waits for a grace
 * period (synchronize_rcu), so when it returns no signaller can still be
 * inside that client's callback.
 *
 * The classic wake-up of blocked readers stays one default client of the
 * notifier (ih_eventfd_read_blocking), in both modes.
 *
 * Ownership: signal passes an interrupt object; at most one client takes it
 * (its callback returns true); clients called after that one get NULL (the
 * object may already be injected and freed); if none takes it, signal frees it.
 *
 * States of a client: UNREGISTERED -> REGISTERED (ih_eventfd_register: on
 * the list, visible to signals that start after it) -> UNREGISTERING
 * (ih_eventfd_unregister_blocking: off the list, signals already walking
 * may still call it) -> UNREGISTERED (the call returned: WAITQUEUE, the
 * removal held wqh_lock; SRCU, a grace period passed).  Invariants: no
 * callback of a client runs after its unregister returned (the storm test);
 * an interrupt object has at most one owner (the client that took it, or
 * signal, which frees it); the default client stays registered from init
 * to destroy (asserted at destroy: the list is then empty).
 *
 * Synchronization table:
 *   clients list   WAITQUEUE: wqh_lock (walk and updates)
 *                  SRCU: RCU (walk), update_lock (updates)
 *   count          atomic (eventfd counter; futex word for blocked readers,
 *                  with readers_waiting: the protocol of futex.h)
 *   client fields  immutable while registered
 *
 * Threads that signal in SRCU mode must be registered RCU readers
 * (rcu_register_thread); ih_eventfd_thread_online() does it.
 */
#ifndef IH_NOTIFIER_H
#define IH_NOTIFIER_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/list.h>

#include "collector/model/pcpu.h"
#include "collector/model/spinlock.h"

enum ih_notifier_mode { IH_NOTIFIER_WAITQUEUE = 0, IH_NOTIFIER_SRCU = 1 };

struct ih_notifier_client;
/* Called on every signal; returns true to take ownership of IRQ. */
typedef bool (*ih_notifier_fn)(struct ih_notifier_client *c, struct ih_irq *irq);

struct ih_notifier_client {
	struct cds_list_head node;
	ih_notifier_fn fn;
	void *data;
};

struct ih_eventfd {
	uint32_t id;
	enum ih_notifier_mode mode;
	atomic_uint count;                /* eventfd counter (32 bits: a futex word) */
	atomic_int readers_waiting;       /* announced blocked readers (futex.h) */
	_Atomic uint64_t reader_wakes;    /* futex wakes sent to blocked readers (tests) */
	struct ih_spinlock wqh_lock;      /* WAITQUEUE mode */
	pthread_mutex_t update_lock;      /* SRCU mode updaters */
	struct cds_list_head clients;
	struct ih_notifier_client default_client;  /* wakes blocked readers */
};

void ih_eventfd_init(struct ih_eventfd *e, uint32_t id, enum ih_notifier_mode mode);
/* Unregisters the default client; every other client must be gone. */
void ih_eventfd_destroy(struct ih_eventfd *e);

/* Registers C (update side).  Never fails. */
void ih_eventfd_register(struct ih_eventfd *e, struct ih_notifier_client *c);
/* Unregisters C and waits until no signaller can be running its callback
 * (SRCU: synchronize_rcu; WAITQUEUE: the removal itself holds wqh_lock). */
void ih_eventfd_unregister_blocking(struct ih_eventfd *e, struct ih_notifier_client *c);

/* eventfd_signal: counts, then calls the clients as the mode says.  IRQ is
 * handed to the first client that takes it, or freed.  Emits
 * eventfd_signal, and notifier_entry/notifier_exit around the walk. */
void ih_eventfd_signal(struct ih_eventfd *e, struct ih_irq *irq);

/* Blocks until the counter is non-zero or DEADLINE_NS passes, then reads and
 * resets it; returns the value read (0 on timeout). */
uint64_t ih_eventfd_read_blocking(struct ih_eventfd *e, uint64_t deadline_ns);

/* RCU reader registration for a thread that will signal in SRCU mode. */
void ih_eventfd_thread_online(void);
void ih_eventfd_thread_offline(void);
#endif
