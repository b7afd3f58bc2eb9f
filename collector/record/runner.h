/*
 * collector/record/runner.h - irqhop-runtime as irqhop record's child: the
 * scenario check before recording, and the recorded run itself.
 *
 * The child runs in its own process group (a terminal ^C reaches only
 * irqhop record, which forwards it), with the caller's original signal
 * mask, stdin on /dev/null, and SIGTERM if irqhop record dies.  The caller
 * has blocked IH_SESSIOND_SIGNALS (collector/record/sessiond.h).
 */
#ifndef IH_RUNNER_H
#define IH_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "collector/record/record.h"

/* Runs `PROG --check` with the scenario options o->runtime_val.  Returns 0
 * when they are valid (*duration_s set from the resolved scenario when it
 * says, else left alone); 2 after printing the runtime's one-line complaint
 * ("irqhop record: ..."); 1 after printing why the check could not run. */
int ih_runner_check(const char *prog, const struct ih_record_opts *o,
		const sigset_t *mask, double *duration_s);

/* Runs the scenario and waits for it: forwards SIGINT/SIGTERM/SIGHUP once,
 * kills it on a second one or when it overruns its deadline (twice
 * duration_s plus a minute; duration_s < 0: no deadline).  Its stdout and
 * stderr go to out and errf.  Returns 0 on success; 1 on failure (message,
 * without prefix, in err), including a signal pending before the start (no
 * run is started then); 3 when interrupted (*sig set, the run ended). */
int ih_runner_run(const char *prog, const struct ih_record_opts *o,
		const sigset_t *mask, double duration_s, FILE *out, FILE *errf,
		int *sig, char *err, size_t errlen);

/* Copies a child's captured output to one of ours.  Never fails. */
void ih_runner_forward(FILE *from, FILE *to);
#endif
