/*
 * collector/record/sessiond.h - child processes of irqhop record: an lttng-sessiond of our
 * own when none answers, and bounded waits for any child.
 *
 * Signals are handled synchronously: the caller blocks the signals in
 * IH_SESSIOND_SIGNALS (SIGCHLD, SIGUSR1, SIGINT, SIGTERM, SIGHUP, SIGPIPE)
 * for the whole command with ih_sessiond_block_signals() and waits for them
 * with sigtimedwait(); no asynchronous handler ever runs.  Every child gets
 * the caller's original mask back before exec.
 *
 * Errors: functions returning int return 0 on success and -1 on failure,
 * with one line (no prefix, no newline) describing the problem in err.
 */
#ifndef IH_SESSIOND_H
#define IH_SESSIOND_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* A session daemon as irqhop record sees it.  pid is 0 when the daemon that
 * answers was already running (we never touch it); otherwise it is our own
 * child, which only ih_sessiond_stop() ends. */
struct ih_sessiond {
	pid_t pid;
	int exited;   /* our child exited on its own (status in status) */
	int status;   /* waitpid() status once exited */
};

/* Blocks the signals irqhop record waits for synchronously and saves the
 * previous mask in *old (children restore it).  On failure (only with an
 * invalid mask, in practice never) returns -1 and err says why. */
int ih_sessiond_block_signals(sigset_t *old, char *err, size_t errlen);

/* Restores the mask saved by ih_sessiond_block_signals().  Signals that
 * arrived meanwhile and are still pending (for instance a SIGINT that came
 * while we were tearing down) are discarded first, so restoring the mask
 * never kills us after the work is done. */
void ih_sessiond_restore_signals(const sigset_t *old);

/* Makes sure a session daemon answers lttng_session_daemon_alive().
 * If one answers already, leaves it alone and sets d->pid = 0.  Otherwise
 * forks and executes PROG --no-kernel --sig-parent (PROG: $LTTNG_SESSIOND if
 * set, else the configure-time path) in its own process group, with
 * stdin/stdout/stderr on /dev/null (or appended to $IRQHOP_SESSIOND_LOG),
 * and waits at most timeout_ms for its SIGUSR1 readiness signal.
 * On failure (cannot fork or exec, the daemon exits early, no readiness in
 * time, or still no answer after readiness) returns -1 with err set; a child
 * it started is killed (SIGTERM, then SIGKILL) and reaped, so nothing is
 * left running.  Signals other than its readiness and its exit that arrive
 * meanwhile (SIGINT...) make it give up the same way, reported as
 * "interrupted". */
int ih_sessiond_ensure(struct ih_sessiond *d, const sigset_t *child_mask,
		int timeout_ms, char *err, size_t errlen);

/* As ih_sessiond_ensure, but a daemon it starts has kernel tracing (no --no-kernel: the
 * caller is root and the LTTng kernel modules are installed; irqhop record --kvm).  A daemon
 * already running is used as it is: if it has no kernel tracer, creating the kernel channel
 * fails later with liblttng-ctl's message. */
int ih_sessiond_ensure_kernel(struct ih_sessiond *d, const sigset_t *child_mask,
		int timeout_ms, char *err, size_t errlen);

/* Reaps our daemon without blocking if it exited; returns 1 when it is not
 * (or no longer) running, 0 when it still runs or was not ours.  Never
 * fails. */
int ih_sessiond_gone(struct ih_sessiond *d);

/* Stops the daemon we started (no-op, returning 0, when d->pid is 0):
 * SIGTERM to exactly that PID, then waits at most timeout_ms; if it is still
 * there, SIGKILL and reap.  Returns -1 with err set when the daemon had to be
 * killed or had already died with a failure status; it is reaped in every
 * case, and d->pid becomes 0. */
int ih_sessiond_stop(struct ih_sessiond *d, int timeout_ms, char *err, size_t errlen);

/* Waits at most timeout_ms (< 0: no limit) for child pid to exit, consuming
 * SIGCHLD (which must be blocked).  Returns 1 with *status set when it
 * exited, 0 on timeout, -1 on error (err set).  When sig is not NULL, an
 * SIGINT, SIGTERM or SIGHUP received meanwhile stops the wait early: it
 * returns 2 with *sig set to that signal (the child is still running). */
int ih_child_wait(pid_t pid, int timeout_ms, int *status, int *sig,
		char *err, size_t errlen);

/* Describes a waitpid() status ("exit status 3", "killed by signal 9") into
 * buf and returns buf.  Never fails. */
const char *ih_child_status_str(int status, char *buf, size_t len);

/* Ends child pid for good: sends sig (if not 0) to exactly that PID, waits
 * at most timeout_ms, then SIGKILL and reaps it.  Returns its waitpid()
 * status.  Never fails (an already reaped pid gives status 0). */
int ih_child_end(pid_t pid, int sig, int timeout_ms);

/* Formats one error line into ERR (used by this module and collector/record/session.c,
 * whose functions all report failures that way).  Never fails. */
void ih_sd_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif
