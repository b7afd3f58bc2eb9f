/* collector/model/workqueue.c - see collector/model/workqueue.h. */
#include "config.h"
#include "collector/model/workqueue.h"
#include "collector/events/clock.h"
#include "collector/events/tp.h"
#include "collector/model/wfcq.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

static struct ih_irq *take_work(struct ih_workqueue *wq)
{
	struct cds_wfcq_node *n;

	pthread_mutex_lock(&wq->deq_lock);
	n = ih_wfcq_dequeue_single(&wq->head, &wq->tail);
	pthread_mutex_unlock(&wq->deq_lock);
	return n ? caa_container_of(n, struct ih_irq, node) : NULL;
}

static void *worker_thread(void *arg)
{
	struct ih_wq_worker *wa = arg;
	struct ih_workqueue *wq = wa->wq;

	for (;;) {
		unsigned seq = ih_evcount_seq(&wq->wake);
		struct ih_irq *w = take_work(wq);

		if (w) {
			uint64_t irq_id = w->irq_id, work_id = w->work_id;

			IH_TP(work_entry, irq_id, work_id, wa->index);
			w->handler(NULL, w);      /* owns w from here */
			IH_TP(work_exit, irq_id, work_id, wa->index);
			atomic_fetch_add(&wq->done, 1);
			continue;
		}
		if (atomic_load(&wq->stop))
			break;
		/* Sleep until queue_work or stop signals (the event count makes
		 * a signal between our check and the wait wake us at once); the
		 * deadline only bounds each wait. */
		ih_evcount_wait(&wq->wake, seq, ih_now_ns() + 100000000ull);
	}
	return NULL;
}

int ih_workqueue_start(struct ih_workqueue *wq, unsigned nworkers)
{
	int rc = 0;

	if (nworkers < 1 || nworkers > IH_WQ_MAX_WORKERS)
		return EINVAL;
	wq->nworkers = nworkers;
	wq->started = 0;
	cds_wfcq_init(&wq->head, &wq->tail);
	pthread_mutex_init(&wq->deq_lock, NULL);
	ih_evcount_init(&wq->wake);
	atomic_init(&wq->stop, false);
	atomic_init(&wq->done, 0);
	for (unsigned i = 0; i < nworkers; i++) {
		struct ih_wq_worker *wa = &wq->workers[i];

		wa->wq = wq;
		wa->index = i;
		rc = pthread_create(&wa->thread, NULL, worker_thread, wa);
		if (rc) {
			ih_workqueue_stop(wq);
			return rc;
		}
		wq->started++;
	}
	return 0;
}

void ih_workqueue_queue(struct ih_workqueue *wq, struct ih_irq *work, uint64_t work_id)
{
	assert(!atomic_load(&wq->stop));   /* RUNNING only */
	work->work_id = work_id;
	IH_TP(work_queue, work->irq_id, work_id, 0);
	ih_wfcq_enqueue(&wq->head, &wq->tail, &work->node);
	ih_evcount_signal_one(&wq->wake);
}

void ih_workqueue_stop(struct ih_workqueue *wq)
{
	atomic_store(&wq->stop, true);
	ih_evcount_signal(&wq->wake);
	for (unsigned i = 0; i < wq->started; i++)
		pthread_join(wq->workers[i].thread, NULL);
	/* STOPPED: workers leave only with the queue empty (when any ran). */
	assert(wq->started == 0 || cds_wfcq_empty(&wq->head, &wq->tail));
	wq->started = 0;
	pthread_mutex_destroy(&wq->deq_lock);
	cds_wfcq_destroy(&wq->head, &wq->tail);
}
