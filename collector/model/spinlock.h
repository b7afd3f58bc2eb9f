/*
 * collector/model/spinlock.h - a test-and-test-and-set spinlock that measures itself.
 *
 * Used where the modelled hypervisor spins (Xen's global tasklet_lock, a
 * domain's event_lock).  Each lock keeps per-pCPU counters (acquisitions,
 * contended acquisitions, ns spent waiting, ns held) so lock_stat events can
 * report contention per lock and pCPU.
 *
 * Userspace cannot disable preemption: a preempted holder would make waiters
 * spin for a whole host timeslice.  After IH_SPIN_YIELD_EVERY failed polls a
 * waiter calls sched_yield(); the wait still counts as spinning (it is time
 * the vCPU did not get).
 *
 * States: FREE (locked == 0) and HELD (locked == 1).  FREE -> HELD by the
 * exchange that returned 0 (acquire); HELD -> FREE only by the holder's
 * ih_spin_unlock (release; asserted HELD).  Invariant: one holder at a
 * time, and the holder alone writes acquired_at.
 *
 * Synchronization: the lock word is the only shared state written by more
 * than one thread.  Counters of slot s are written only by threads whose
 * current pCPU is s (slot IH_SPIN_NOCPU for threads that are not pCPUs, where
 * writers may be several: those counters use relaxed atomic adds), and read
 * by anyone with relaxed loads (monotonic, so a racy read is a valid sample).
 */
#ifndef IH_SPINLOCK_H
#define IH_SPINLOCK_H
#include <stdatomic.h>
#include <stdint.h>

#define IH_MAX_PCPUS 64
#define IH_SPIN_NOCPU IH_MAX_PCPUS
#define IH_SPIN_YIELD_EVERY 1024

struct ih_lock_counters {
	_Atomic uint64_t acquisitions;
	_Atomic uint64_t contended;
	_Atomic uint64_t wait_ns;
	_Atomic uint64_t hold_ns;
} __attribute__((aligned(64)));

struct ih_spinlock {
	atomic_uint locked;
	uint32_t id;                 /* lock id in lock_stat events */
	const char *name;
	uint64_t acquired_at;        /* written by the holder only */
	struct ih_lock_counters per_cpu[IH_MAX_PCPUS + 1];
};

void ih_spin_init(struct ih_spinlock *l, uint32_t id, const char *name);

/* Takes the lock on behalf of pCPU slot CPU (or IH_SPIN_NOCPU); returns the
 * ns spent waiting (0 when uncontended).  Never fails. */
uint64_t ih_spin_lock(struct ih_spinlock *l, unsigned cpu);

/* Releases a lock taken by ih_spin_lock with the same CPU slot. */
void ih_spin_unlock(struct ih_spinlock *l, unsigned cpu);

/* Reads slot CPU's counters (a consistent-enough sample for reporting). */
void ih_spin_counters(const struct ih_spinlock *l, unsigned cpu, uint64_t out[4]);
#endif
