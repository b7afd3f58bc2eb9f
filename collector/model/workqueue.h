/*
 * collector/model/workqueue.h - a workqueue served by worker threads (kworkers).
 *
 * queue_work may be called from any context, including under a spinlock:
 * it is a wait-free enqueue plus a futex wake of one sleeping worker.  That
 * wake-up and the context switch to the worker are the extra hop that irqfd
 * pays in WAITQUEUE mode.
 *
 * Work items are interrupt objects (struct ih_irq): `handler` is the work
 * function, run on a worker thread between work_entry and work_exit.
 *
 * States of the workqueue: RUNNING (started, !stop) -> STOPPING (stop set
 * by ih_workqueue_stop) -> STOPPED (every worker joined).  A worker loops
 * BUSY (running a work item) / SLEEPING (on the event count, after finding
 * the queue empty) and exits only when it finds the queue empty with stop
 * set, so every item queued before stop runs (asserted: the queue is empty
 * once the workers are joined).  A work item is queued once, run once, by
 * one worker, and owned by its handler from then on.
 *
 * Synchronization: the queue is a wfcqueue whose single consumer role is
 * serialized by `deq_lock` (several workers dequeue); sleeping and waking
 * use an ih_evcount event count, so no wake-up is lost.
 */
#ifndef IH_WORKQUEUE_H
#define IH_WORKQUEUE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "collector/model/evcount.h"
#include "collector/model/pcpu.h"

#define IH_WQ_MAX_WORKERS 16

struct ih_workqueue;

struct ih_wq_worker {
	struct ih_workqueue *wq;
	unsigned index;
	pthread_t thread;
};

struct ih_workqueue {
	unsigned nworkers;
	struct ih_wq_worker workers[IH_WQ_MAX_WORKERS];
	unsigned started;
	struct cds_wfcq_head head;
	struct cds_wfcq_tail tail;
	pthread_mutex_t deq_lock;
	struct ih_evcount wake;
	atomic_bool stop;
	_Atomic uint64_t done;
};

/* Initializes WQ with NWORKERS (1..16) threads and starts them.  Returns 0,
 * or an errno value (threads already started are stopped). */
int ih_workqueue_start(struct ih_workqueue *wq, unsigned nworkers);

/* Queues WORK (irq->handler runs on a worker with p == NULL); emits
 * work_queue.  Any thread, any context. */
void ih_workqueue_queue(struct ih_workqueue *wq, struct ih_irq *work, uint64_t work_id);

/* Stops the workers after the queue is empty and joins them. */
void ih_workqueue_stop(struct ih_workqueue *wq);
#endif
