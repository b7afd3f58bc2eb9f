/* collector/model/evcount.c - see collector/model/evcount.h. */
#include "config.h"
#include "collector/model/evcount.h"
#include "collector/events/clock.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	if (atomic_load(&n->waiters))
		syscall(SYS_futex, (unsigned *)&n->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void ih_evcount_signal_one(struct ih_evcount *n)
{
	atomic_fetch_add(&n->seq, 1);
	if (atomic_load(&n->waiters))
		syscall(SYS_futex, (unsigned *)&n->seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int ih_evcount_wait(struct ih_evcount *n, unsigned seq, uint64_t deadline_ns)
{
	uint64_t now = ih_now_ns();
	struct timespec ts;
	uint64_t d;

	if (now >= deadline_ns)
		return -1;
	d = deadline_ns - now;
	ts.tv_sec = (time_t)(d / 1000000000ull);
	ts.tv_nsec = (long)(d % 1000000000ull);
	atomic_fetch_add(&n->waiters, 1);
	if (atomic_load(&n->seq) == seq)
		syscall(SYS_futex, (unsigned *)&n->seq, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
	atomic_fetch_sub(&n->waiters, 1);
	return ih_now_ns() >= deadline_ns && atomic_load(&n->seq) == seq ? -1 : 0;
}
