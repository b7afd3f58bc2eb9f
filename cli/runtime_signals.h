/*
 * cli/runtime_signals.h - irqhop-runtime's signals.  SIGINT, SIGTERM and
 * SIGHUP are blocked before any thread starts (threads inherit the mask) and
 * taken by one detached thread in sigwait(): the first ends the run early
 * but cleanly (ih_host_interrupt: devices stop, in-flight interrupts drain,
 * run_end is emitted), so `irqhop record` forwarding a user's Ctrl-C gets a
 * complete trace; killed by the default action instead, a thread could die
 * inside a tracepoint with an LTTng sub-buffer reserved and never
 * committed, which leaves the session's stop waiting for data that never
 * comes.  A second signal exits at once (128 + signal).
 *
 * States of the host slot: EMPTY -> ATTACHED (ih_rt_signals_attach) ->
 * EMPTY (ih_rt_signals_detach, before ih_host_destroy).  The signal thread
 * reads the slot under its lock, so once detach returned no signal reaches
 * the host: a signal during or after teardown never touches freed memory.
 */
#ifndef IH_RUNTIME_SIGNALS_H
#define IH_RUNTIME_SIGNALS_H
#include <stddef.h>

struct ih_host;

/* Blocks the stop signals in the calling thread (call before any other
 * thread starts) and starts the signal thread.  Returns 0, or -1 with one
 * line in err. */
int ih_rt_signals_start(char *err, size_t errlen);

/* The host the first signal interrupts from now on (NULL: none). */
void ih_rt_signals_attach(struct ih_host *h);
/* Empties the slot; returns once the signal thread cannot reach the host. */
void ih_rt_signals_detach(void);

/* The first signal caught, 0 if none. */
int ih_rt_signals_caught(void);
/* Signals the thread has finished handling (tests wait on it). */
unsigned ih_rt_signals_handled(void);
#endif
