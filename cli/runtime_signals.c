/* cli/runtime_signals.c - see cli/runtime_signals.h. */
#include "config.h"
#include "cli/runtime_signals.h"
#include "collector/model/host.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sigset_t stop_signals;
static atomic_int stop_signal;   /* the first one caught, 0 if none */
static atomic_uint handled;
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ih_host *slot;     /* slot_lock */

static void *signal_thread(void *arg)
{
	(void)arg;
	for (;;) {
		int sig;

		if (sigwait(&stop_signals, &sig) != 0)
			continue;
		if (atomic_exchange(&stop_signal, sig) != 0)
			_exit(128 + sig);
		pthread_mutex_lock(&slot_lock);
		if (slot)
			ih_host_interrupt(slot);
		pthread_mutex_unlock(&slot_lock);
		atomic_fetch_add(&handled, 1);
	}
	return NULL;
}

int ih_rt_signals_start(char *err, size_t errlen)
{
	pthread_attr_t attr;
	pthread_t thr;
	int e;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	if ((e = pthread_sigmask(SIG_BLOCK, &stop_signals, NULL)) != 0) {
		snprintf(err, errlen, "cannot block signals: %s", strerror(e));
		return -1;
	}
	/* Detached: it waits in sigwait() until the process exits. */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&thr, &attr, signal_thread, NULL);
	pthread_attr_destroy(&attr);
	if (e != 0) {
		snprintf(err, errlen, "cannot start the signal thread: %s", strerror(e));
		return -1;
	}
	return 0;
}

void ih_rt_signals_attach(struct ih_host *h)
{
	pthread_mutex_lock(&slot_lock);
	slot = h;
	pthread_mutex_unlock(&slot_lock);
}

void ih_rt_signals_detach(void)
{
	ih_rt_signals_attach(NULL);
}

int ih_rt_signals_caught(void)
{
	return atomic_load(&stop_signal);
}

unsigned ih_rt_signals_handled(void)
{
	return atomic_load(&handled);
}
