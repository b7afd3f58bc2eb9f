/*
 * collector/model/wfcq.h - liburcu's wait-free concurrent queue, as the runtime uses it:
 * many enqueuers, one dequeuer at a time (the owning thread, or consumers
 * serialized by a mutex of their own), so the dequeue itself takes no lock:
 * __cds_wfcq_dequeue_blocking's contract.  ih_wfcq_dequeue_single says so in
 * its name; a `__x` suffix in this project means only "caller holds the
 * lock" (liburcu's convention).
 *
 * Why wrappers: liburcu 0.13 publishes a node with a plain volatile store
 * after an asm fence, which ThreadSanitizer cannot see; the payload written
 * before enqueue then looks racy against its reader.  Under TSan the wrappers
 * state the happens-before edge explicitly (release on enqueue, acquire on
 * dequeue); in other builds they compile to the bare liburcu calls.
 */
#ifndef IH_WFCQ_H
#define IH_WFCQ_H
#include <urcu/wfcqueue.h>

#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define IH_TSAN_ACQUIRE(p) __tsan_acquire(p)
#define IH_TSAN_RELEASE(p) __tsan_release(p)
#else
#define IH_TSAN_ACQUIRE(p) ((void)(p))
#define IH_TSAN_RELEASE(p) ((void)(p))
#endif

/* Any thread.  Never fails (wait-free). */
static inline void ih_wfcq_enqueue(struct cds_wfcq_head *h, struct cds_wfcq_tail *t,
				   struct cds_wfcq_node *n)
{
	cds_wfcq_node_init(n);
	IH_TSAN_RELEASE(n);
	cds_wfcq_enqueue(h, t, n);
}

/* The queue's single consumer only (one dequeuer at a time).  NULL when
 * empty. */
static inline struct cds_wfcq_node *ih_wfcq_dequeue_single(struct cds_wfcq_head *h,
						       struct cds_wfcq_tail *t)
{
	struct cds_wfcq_node *n = __cds_wfcq_dequeue_blocking(h, t);

	if (n)
		IH_TSAN_ACQUIRE(n);
	return n;
}
#endif
