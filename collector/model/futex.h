/*
 * collector/model/futex.h - the runtime's one futex wait/wake protocol.
 *
 * A futex word and a count of announced waiters.  The waker changes the word
 * and calls the futex only when someone announced that it waits, so a wake
 * with no sleeper is one atomic add and one load:
 *
 *   waiter: waiters++ (seq_cst); futex_wait(word, expected); waiters--
 *   waker:  change word (seq_cst); if (waiters) futex_wake(word)
 *
 * No wake-up is lost: if the waker reads waiters == 0, its change of the
 * word precedes the waiter's waiters++ in the seq_cst order, so the kernel's
 * check in futex_wait sees the word differ from expected and returns at
 * once.  The waiter re-checks its condition after every return (spurious
 * wake-ups, EINTR, EAGAIN are all "look again").
 *
 * Users: evcount (the word is a sequence count), pcpu (its idle sleep is an
 * evcount), notifier (the word is the eventfd counter; readers wait while
 * it is 0).
 */
#ifndef IH_FUTEX_H
#define IH_FUTEX_H
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/events/clock.h"

/* Waiter side: announces itself in *waiters and sleeps while *word ==
 * expected, at most until deadline_ns (CLOCK_MONOTONIC; 0: no deadline).
 * Returns 0 when it returned before the deadline (woken, word changed,
 * spurious), -1 when the deadline had passed (then it did not sleep, or
 * slept until it). */
static inline int ih_futex_wait(atomic_uint *word, atomic_int *waiters, unsigned expected,
				uint64_t deadline_ns)
{
	struct timespec ts, *tsp = NULL;

	if (deadline_ns) {
		uint64_t now = ih_now_ns(), d;

		if (now >= deadline_ns)
			return -1;
		d = deadline_ns - now;
		ts.tv_sec = (time_t)(d / 1000000000ull);
		ts.tv_nsec = (long)(d % 1000000000ull);
		tsp = &ts;
	}
	atomic_fetch_add(waiters, 1);
	syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
	atomic_fetch_sub(waiters, 1);
	return deadline_ns && ih_now_ns() >= deadline_ns ? -1 : 0;
}

/* Waker side, after changing *word: wakes up to n (INT_MAX: all) of the
 * announced waiters.  Returns whether there were any (the futex was
 * called).  Never fails. */
static inline bool ih_futex_wake(atomic_uint *word, atomic_int *waiters, int n)
{
	if (!atomic_load(waiters))
		return false;
	syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
	return true;
}
#endif
