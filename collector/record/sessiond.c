/*
 * collector/record/sessiond.c - our own lttng-sessiond when none answers, and bounded
 * waits for children.  See collector/record/sessiond.h for the signal discipline.
 */
#include "config.h"
#include "collector/record/sessiond.h"
#include "collector/events/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>

void ih_sd_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The set waited for synchronously; see collector/record/sessiond.h. */
static void wait_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	/* SIGPIPE: a write to the daemon's socket after it died must fail
	 * with EPIPE, not kill us before we clean up. */
	sigaddset(set, SIGPIPE);
}

int ih_sessiond_block_signals(sigset_t *old, char *err, size_t errlen)
{
	sigset_t set;
	int rc;

	wait_set(&set);
	rc = pthread_sigmask(SIG_BLOCK, &set, old);
	if (rc != 0) {
		ih_sd_seterr(err, errlen, "cannot block signals: %s", strerror(rc));
		return -1;
	}
	return 0;
}

void ih_sessiond_restore_signals(const sigset_t *old)
{
	sigset_t set, pending;
	struct timespec zero = { 0, 0 };

	/* Consume what is pending (bounded: at most one per signal number,
	 * since standard signals do not queue). */
	wait_set(&set);
	if (sigpending(&pending) == 0)
		for (int s = 1; s < NSIG; s++)
			if (sigismember(&set, s) == 1 && sigismember(&pending, s) == 1) {
				sigset_t one;

				sigemptyset(&one);
				sigaddset(&one, s);
				(void)sigtimedwait(&one, NULL, &zero);
			}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* CLOCK_MONOTONIC in ms (collector/events/clock.h is the one clock). */
static int64_t now_ms(void)
{
	return (int64_t)(ih_now_ns() / 1000000u);
}

/* Waits for one signal of set until deadline (ms on CLOCK_MONOTONIC, < 0: no
 * limit).  Returns the signal, 0 on timeout, -1 on error (errno set). */
static int wait_signal(const sigset_t *set, int64_t deadline, siginfo_t *info)
{
	for (;;) {
		int s;

		if (deadline < 0) {
			s = sigwaitinfo(set, info);
		} else {
			int64_t left = deadline - now_ms();
			struct timespec ts;

			if (left <= 0)
				return 0;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000;
			s = sigtimedwait(set, info, &ts);
		}
		if (s > 0)
			return s;
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

const char *ih_child_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status %#x", status);
	return buf;
}

int ih_child_wait(pid_t pid, int timeout_ms, int *status, int *sig,
		char *err, size_t errlen)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sig) {
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
	}
	for (;;) {
		siginfo_t info;
		pid_t r;
		int s;

		/* Check first: SIGCHLD does not queue, and one consumed by an
		 * earlier wait may have been this child's. */
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR) {
			ih_sd_seterr(err, errlen, "waitpid(%ld): %s", (long)pid, strerror(errno));
			return -1;
		}
		s = wait_signal(&set, deadline, &info);
		if (s == 0)
			return 0;
		if (s < 0) {
			ih_sd_seterr(err, errlen, "sigtimedwait: %s", strerror(errno));
			return -1;
		}
		if (s != SIGCHLD && sig) {
			*sig = s;
			return 2;
		}
	}
}

int ih_child_end(pid_t pid, int sig, int timeout_ms)
{
	char err[128];
	int status = 0;

	if (pid <= 0)
		return 0;
	if (sig)
		kill(pid, sig);
	if (ih_child_wait(pid, timeout_ms, &status, NULL, err, sizeof(err)) == 1)
		return status;
	kill(pid, SIGKILL);
	/* SIGKILL cannot be ignored: this wait ends unless the process is
	 * stuck in the kernel, so it is still bounded in practice; give it a
	 * generous limit rather than none. */
	if (ih_child_wait(pid, 10000, &status, NULL, err, sizeof(err)) == 1)
		return status;
	return status;
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void sessiond_child(const char *prog, const char *logpath, const sigset_t *mask,
		pid_t parent, int kernel)
{
	int fd;

	/* Own process group: a ^C on the terminal reaches irqhop record, which
	 * tears the session down before it stops the daemon itself. */
	setpgid(0, 0);
	/* Never outlive irqhop record, even if it is SIGKILLed. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		if (fd > 0)
			close(fd);
	}
	fd = logpath ? open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
		     : open("/dev/null", O_WRONLY);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	pthread_sigmask(SIG_SETMASK, mask, NULL);
	if (kernel)
		execl(prog, prog, "--sig-parent", (char *)NULL);
	else
		execl(prog, prog, "--no-kernel", "--sig-parent", (char *)NULL);
	_exit(127);
}

static int ensure(struct ih_sessiond *d, const sigset_t *child_mask, int kernel,
		int timeout_ms, char *err, size_t errlen)
{
	const char *prog = getenv("LTTNG_SESSIOND");
	const char *logpath = getenv("IRQHOP_SESSIOND_LOG");
	int64_t deadline = now_ms() + timeout_ms;
	pid_t self = getpid(), pid;
	char how[96];
	sigset_t set;
	int alive;

	memset(d, 0, sizeof(*d));
	alive = lttng_session_daemon_alive();
	if (alive == 1)
		return 0;    /* someone else's: use it, leave it alone */
	if (!prog || !*prog)
		prog = IH_LTTNG_SESSIOND;
	if (logpath && !*logpath)
		logpath = NULL;
	if (access(prog, X_OK) != 0) {
		ih_sd_seterr(err, errlen, "no session daemon is running and %s cannot be executed: %s",
			prog, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		ih_sd_seterr(err, errlen, "cannot fork to start %s: %s", prog, strerror(errno));
		return -1;
	}
	if (pid == 0)
		sessiond_child(prog, logpath, child_mask, self, kernel);
	setpgid(pid, pid);  /* also here, so the group exists before we go on */

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	for (;;) {
		siginfo_t info;
		int status, s;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			ih_sd_seterr(err, errlen, "%s exited before it was ready (%s)%s", prog,
				ih_child_status_str(status, how, sizeof(how)),
				WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
				": cannot execute it" : "");
			return -1;
		}
		s = wait_signal(&set, deadline, &info);
		if (s == SIGUSR1 && info.si_pid == pid)
			break;
		if (s == SIGUSR1 || s == SIGCHLD)
			continue;   /* not our daemon's readiness; SIGCHLD: checked above */
		if (s == 0)
			ih_sd_seterr(err, errlen, "%s did not signal readiness within %d ms", prog, timeout_ms);
		else if (s < 0)
			ih_sd_seterr(err, errlen, "sigtimedwait: %s", strerror(errno));
		else
			ih_sd_seterr(err, errlen, "interrupted by signal %d (%s) while starting %s", s, strsignal(s), prog);
		ih_child_end(pid, SIGTERM, 5000);
		return -1;
	}
	/* Ready means its client socket is listening; check that this is the
	 * daemon liblttng-ctl talks to (same HOME / LTTNG_HOME / rundir). */
	alive = lttng_session_daemon_alive();
	if (alive != 1) {
		ih_sd_seterr(err, errlen, "%s (pid %ld) is ready but does not answer liblttng-ctl", prog, (long)pid);
		ih_child_end(pid, SIGTERM, 5000);
		return -1;
	}
	d->pid = pid;
	return 0;
}

int ih_sessiond_ensure(struct ih_sessiond *d, const sigset_t *child_mask,
		int timeout_ms, char *err, size_t errlen)
{
	return ensure(d, child_mask, 0, timeout_ms, err, errlen);
}

int ih_sessiond_ensure_kernel(struct ih_sessiond *d, const sigset_t *child_mask,
		int timeout_ms, char *err, size_t errlen)
{
	return ensure(d, child_mask, 1, timeout_ms, err, errlen);
}

int ih_sessiond_gone(struct ih_sessiond *d)
{
	if (d->pid == 0)
		return 0;
	if (d->exited)
		return 1;
	if (waitpid(d->pid, &d->status, WNOHANG) == d->pid) {
		d->exited = 1;
		return 1;
	}
	return 0;
}

int ih_sessiond_stop(struct ih_sessiond *d, int timeout_ms, char *err, size_t errlen)
{
	char how[96];
	int status, rc = 0;

	if (d->pid == 0)
		return 0;
	if (ih_sessiond_gone(d)) {
		status = d->status;
		if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			ih_sd_seterr(err, errlen, "our lttng-sessiond (pid %ld) died during the run (%s)",
				(long)d->pid, ih_child_status_str(status, how, sizeof(how)));
			rc = -1;
		}
		d->pid = 0;
		return rc;
	}
	kill(d->pid, SIGTERM);
	if (ih_child_wait(d->pid, timeout_ms, &status, NULL, err, errlen) != 1) {
		kill(d->pid, SIGKILL);
		ih_child_wait(d->pid, 10000, &status, NULL, err, errlen);
		ih_sd_seterr(err, errlen, "our lttng-sessiond (pid %ld) did not stop within %d ms; killed it",
			(long)d->pid, timeout_ms);
		rc = -1;
	}
	d->pid = 0;
	return rc;
}
