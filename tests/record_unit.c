/*
 * record_unit.c - unit tests of irqhop record's child-process and
 * session-daemon module (collector/ih_sessiond.[ch]) and of the failure
 * paths of the session module that need no daemon.  Run by
 * tests/record_unit.test inside a private mount namespace (a real
 * lttng-sessiond is started and stopped here).
 *
 * Fake daemons are small shell scripts written to $IH_TMP: one that exits
 * at once, one that never signals readiness, one that signals readiness but
 * is no LTTng daemon.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>

#include "collector/events/clock.h"
#include "collector/record/session.h"
#include "collector/record/sessiond.h"
#include "tests/tap.h"

static sigset_t oldmask;
static char tmpdir[512];

static double now_s(void)
{
	return ih_now_ns() / 1e9;
}

/* Forks and executes a shell command with the original signal mask
 * (ignoring SIGTERM from before the fork returns when ignore_term). */
static pid_t run_sh_ign(const char *cmd, int ignore_term)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static pid_t run_sh(const char *cmd)
{
	return run_sh_ign(cmd, 0);
}

/* Writes an executable script into tmpdir; returns its path (static). */
static const char *script(const char *name, const char *body)
{
	static char path[4][600];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, 600, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (!f)
		tap_bail("cannot write %s: %s", p, strerror(errno));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(p, 0755);
	return p;
}

/* 1 when this process has no child left (all reaped). */
static int no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void test_child_wait(void)
{
	char err[256];
	int status = -1, sig = 0, r;
	pid_t pid;
	double t0;

	pid = run_sh("exit 3");
	r = ih_child_wait(pid, 5000, &status, NULL, err, sizeof(err));
	ok(r == 1 && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	   "ih_child_wait reaps a child and gives its status");

	pid = run_sh("exec sleep 30");
	t0 = now_s();
	r = ih_child_wait(pid, 200, &status, NULL, err, sizeof(err));
	ok(r == 0 && now_s() - t0 < 5, "ih_child_wait times out (200 ms) on a running child");
	status = ih_child_end(pid, SIGTERM, 5000);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	   "ih_child_end stops it with the signal given");

	pid = run_sh_ign("exec sleep 30", 1);
	t0 = now_s();
	status = ih_child_end(pid, SIGTERM, 300);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && now_s() - t0 < 10,
	   "ih_child_end falls back to SIGKILL when the signal is ignored");

	pid = run_sh("exec sleep 30");
	kill(getpid(), SIGINT);   /* blocked: stays pending until waited for */
	r = ih_child_wait(pid, 5000, &status, &sig, err, sizeof(err));
	ok(r == 2 && sig == SIGINT, "ih_child_wait reports a SIGINT received while waiting");
	ih_child_end(pid, SIGTERM, 5000);
	ok(no_children(), "no child left behind");
}

static void test_ensure_failures(void)
{
	struct ih_sessiond d;
	char err[512];
	double t0;
	int r;

	/* These need no daemon to answer: the namespace has none yet. */
	if (lttng_session_daemon_alive() == 1)
		tap_bail("a session daemon answers inside the test namespace");

	setenv("LTTNG_SESSIOND", script("exits", "exit 3"), 1);
	r = ih_sessiond_ensure(&d, &oldmask, 5000, err, sizeof(err));
	ok(r < 0 && strstr(err, "exited before it was ready (exit status 3)"),
	   "a daemon that exits at once is reported: %s", err);
	ok(no_children(), "... and reaped");

	setenv("LTTNG_SESSIOND", script("silent", "exec sleep 30"), 1);
	t0 = now_s();
	r = ih_sessiond_ensure(&d, &oldmask, 300, err, sizeof(err));
	ok(r < 0 && strstr(err, "did not signal readiness within 300 ms") && now_s() - t0 < 10,
	   "a daemon that never signals readiness times out: %s", err);
	ok(no_children(), "... and is stopped and reaped");

	setenv("LTTNG_SESSIOND", script("impostor", "kill -USR1 $PPID; exec sleep 30"), 1);
	r = ih_sessiond_ensure(&d, &oldmask, 5000, err, sizeof(err));
	ok(r < 0 && strstr(err, "does not answer liblttng-ctl"),
	   "a daemon that signals readiness but does not answer is refused: %s", err);
	ok(no_children(), "... and is stopped and reaped");

	setenv("LTTNG_SESSIOND", "/nonexistent/lttng-sessiond", 1);
	r = ih_sessiond_ensure(&d, &oldmask, 5000, err, sizeof(err));
	ok(r < 0 && strstr(err, "/nonexistent/lttng-sessiond cannot be executed"),
	   "a missing daemon program is named: %s", err);

	memset(&d, 0, sizeof(d));
	ok(ih_sessiond_stop(&d, 1000, err, sizeof(err)) == 0,
	   "stopping a daemon that is not ours does nothing");
}

static void test_session_no_daemon(void)
{
	struct ih_sess s;
	struct ih_sess_config cfg = { "relative/dir", IH_SESS_SUBBUF_SIZE, IH_SESS_NUM_SUBBUF, 0, 0, 0 };
	char err[512];

	ok(ih_sess_create(&s, &cfg, err, sizeof(err)) < 0 && strstr(err, "absolute"),
	   "a relative trace directory is refused: %s", err);
	memset(&s, 0, sizeof(s));
	ok(ih_sess_destroy(&s, 1000, err, sizeof(err)) == 0,
	   "destroying a session never created does nothing");
	cfg.output_dir = tmpdir;
	ok(ih_sess_create(&s, &cfg, err, sizeof(err)) < 0 && s.created == 0,
	   "without a daemon, creation fails cleanly: %s", err);
}

static void test_real_daemon(const char *prog)
{
	struct ih_sessiond d, d2;
	char err[512];
	pid_t pid;

	setenv("LTTNG_SESSIOND", prog, 1);
	if (ih_sessiond_ensure(&d, &oldmask, 20000, err, sizeof(err)) < 0) {
		ok(0, "the real daemon starts: %s", err);
		return;
	}
	pid = d.pid;
	ok(pid > 0 && lttng_session_daemon_alive() == 1,
	   "the real daemon starts as our child and answers (pid %ld)", (long)pid);
	ok(ih_sessiond_ensure(&d2, &oldmask, 20000, err, sizeof(err)) == 0 && d2.pid == 0,
	   "with a daemon running, ensure uses it and does not own it");
	ok(ih_sessiond_gone(&d) == 0, "our daemon is running");
	ok(ih_sessiond_stop(&d, 10000, err, sizeof(err)) == 0 && d.pid == 0,
	   "our daemon stops on SIGTERM");
	ok(kill(pid, 0) < 0 && errno == ESRCH, "... and is gone (reaped)");
	ok(lttng_session_daemon_alive() != 1, "... and no longer answers");
	ok(no_children(), "no child left behind");
}

int main(void)
{
	const char *tmp = getenv("IH_TMP"), *prog = getenv("IH_REAL_SESSIOND");
	char err[256];

	if (!tmp)
		tap_bail("IH_TMP is not set (run through tests/record_unit.test)");
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmp);
	if (ih_sessiond_block_signals(&oldmask, err, sizeof(err)) < 0)
		tap_bail("%s", err);

	test_child_wait();
	test_ensure_failures();
	test_session_no_daemon();
	if (prog && *prog)
		test_real_daemon(prog);

	ih_sessiond_restore_signals(&oldmask);
	return tap_done();
}
