/*
 * collector/record/runner.c - irqhop-runtime as irqhop record's child (see
 * runner.h): `--check` before anything is recorded, then the run, with
 * SIGINT/SIGTERM/SIGHUP forwarded once and a deadline.
 *
 * Signals are never handled asynchronously: they stay blocked and are
 * waited for with sigtimedwait (see collector/record/sessiond.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "collector/record/runner.h"
#include "collector/record/sessiond.h"

#define PFX "irqhop record: "
#define CHECK_MS 30000           /* irqhop-runtime --check only parses */
#define STOP_CHILD_MS 10000      /* a child asked to stop must stop by then */

/* argv for irqhop-runtime: PROG [--check] --OPT VALUE...  Fills av (size
 * >= 2 * IH_RT_NOPTS + 3) and the option-name buffers.  Never fails. */
static void runtime_argv(const char *prog, const struct ih_record_opts *o, int check,
		const char **av, char names[][32])
{
	size_t n = 0;

	av[n++] = prog;
	if (check)
		av[n++] = "--check";
	for (size_t i = 0; i < IH_RT_NOPTS; i++) {
		if (!o->runtime_val[i])
			continue;
		snprintf(names[i], 32, "--%s", ih_record_runtime_opts[i]);
		av[n++] = names[i];
		av[n++] = o->runtime_val[i];
	}
	av[n] = NULL;
}

/* Forks and executes av[0] in its own process group (a terminal ^C reaches
 * only us; we forward it), with our original signal mask, stdin on
 * /dev/null and stdout/stderr on the given descriptors.  It gets SIGTERM if
 * we die.  Returns its PID, or -1 with a message printed when fork fails
 * (exec failure shows up as exit status 127). */
static pid_t spawn(const char **av, int out_fd, int err_fd, const sigset_t *mask)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, PFX "cannot fork to run %s: %s\n", av[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if (fd >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		pthread_sigmask(SIG_SETMASK, mask, NULL);
		execv(av[0], (char *const *)av);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* Reads what a child wrote to a temporary file (at most len - 1 bytes, NUL
 * terminated).  Never fails: an unreadable file reads as empty. */
static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
}

/* The first non-empty line of text, without its newline and without an
 * "irqhop-runtime: " prefix, into line.  Never fails. */
static void first_line(const char *text, char *line, size_t len)
{
	const char *p = text, *e;

	while (*p == '\n')
		p++;
	if (strncmp(p, "irqhop-runtime: ", 16) == 0)
		p += 16;
	else if (strncmp(p, "irqhop-kvm: ", 12) == 0)   /* irqhop record --kvm's workload */
		p += 12;
	e = strchr(p, '\n');
	snprintf(line, len, "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
}

/* Runs irqhop-runtime --check with our scenario options.  Returns 0 when
 * they are valid (*duration_s set from the resolved scenario when it says,
 * else left alone), 2 after printing the runtime's one-line complaint, 1
 * after printing why the check could not run. */
int ih_runner_check(const char *prog, const struct ih_record_opts *o,
		const sigset_t *mask, double *duration_s)
{
	const char *av[2 * IH_RT_NOPTS + 3];
	char names[IH_RT_NOPTS][32], err[256], how[96];
	static char out[65536], errtext[4096];
	FILE *fo = tmpfile(), *fe = tmpfile();
	int status = 0, rc = 1, w;
	pid_t pid;

	if (!fo || !fe) {
		fprintf(stderr, PFX "cannot create a temporary file: %s\n", strerror(errno));
		goto out;
	}
	runtime_argv(prog, o, 1, av, names);
	pid = spawn(av, fileno(fo), fileno(fe), mask);
	if (pid < 0)
		goto out;
	w = ih_child_wait(pid, CHECK_MS, &status, NULL, err, sizeof(err));
	if (w != 1) {
		ih_child_end(pid, SIGKILL, STOP_CHILD_MS);
		fprintf(stderr, PFX "%s --check %s\n", prog,
			w == 0 ? "did not answer in time" : err);
		goto out;
	}
	slurp(fo, out, sizeof(out));
	slurp(fe, errtext, sizeof(errtext));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		char line[512];

		first_line(errtext, line, sizeof(line));
		fprintf(stderr, PFX "%s\n", *line ? line : "invalid scenario options");
		rc = 2;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char line[512];

		first_line(errtext, line, sizeof(line));
		fprintf(stderr, PFX "%s --check failed (%s)%s%s\n", prog,
			ih_child_status_str(status, how, sizeof(how)), *line ? ": " : "", line);
		goto out;
	}
	{
		/* The resolved scenario bounds how long the run may take. */
		json_error_t jerr;
		json_t *root = json_loads(out, JSON_DISABLE_EOF_CHECK, &jerr);
		json_t *v;

		if (!root || !json_is_object(root)) {
			fprintf(stderr, PFX "%s --check printed no JSON scenario: %s\n", prog, jerr.text);
			json_decref(root);
			goto out;
		}
		if ((v = json_object_get(root, "duration_ns")) && json_is_number(v))
			*duration_s = json_number_value(v) / 1e9;
		else if ((v = json_object_get(root, "duration_s")) && json_is_number(v))
			*duration_s = json_number_value(v);
		else if ((v = json_object_get(root, "duration")) && json_is_number(v))
			*duration_s = json_number_value(v);
		json_decref(root);
	}
	rc = 0;
out:
	if (fo)
		fclose(fo);
	if (fe)
		fclose(fe);
	return rc;
}

/* Copies a child's captured output to one of ours.  Never fails. */
void ih_runner_forward(FILE *from, FILE *to)
{
	char buf[4096];
	size_t n;

	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		fwrite(buf, 1, n, to);
	fflush(to);
}

/* Runs the scenario and waits for it: forwards SIGINT/SIGTERM/SIGHUP once,
 * kills it on a second one or when it overruns its deadline (< 0: none).
 * Returns 0 on success; 1 on failure (message in err); 3 when interrupted
 * (*sig set, the run ended).  Captured output goes to out/errf. */
int ih_runner_run(const char *prog, const struct ih_record_opts *o,
		const sigset_t *mask, double duration_s, FILE *out, FILE *errf,
		int *sig, char *err, size_t errlen)
{
	const char *av[2 * IH_RT_NOPTS + 3];
	char names[IH_RT_NOPTS][32], how[96], werr[128];
	int status = 0, timeout_ms = -1, got = 0;
	pid_t pid;

	runtime_argv(prog, o, 0, av, names);
	/* Interrupted while the session was being set up: do not start a run
	 * only to kill it while it registers (its trace would lack even the
	 * stream declarations); fail instead, which removes the empty trace. */
	{
		sigset_t pending, stop;
		struct timespec zero = { 0, 0 };
		int s;

		sigemptyset(&stop);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGHUP);
		if (sigpending(&pending) == 0 &&
		    (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 ||
		     sigismember(&pending, SIGHUP) == 1) &&
		    (s = sigtimedwait(&stop, NULL, &zero)) > 0) {
			snprintf(err, errlen, "interrupted by signal %d (%s) before the run started",
				s, strsignal(s));
			return 1;
		}
	}
	/* Wait longer than lttng-ust's default 3 s for the session daemon at
	 * start, so a loaded machine does not lose the run's first events. */
	setenv("LTTNG_UST_REGISTER_TIMEOUT", "10000", 0);
	pid = spawn(av, fileno(out), fileno(errf), mask);
	if (pid < 0) {
		snprintf(err, errlen, "cannot run %s", prog);
		return 1;
	}
	if (duration_s > 0 && duration_s < 86400.0 * 365)
		timeout_ms = (int)(duration_s * 2000.0) + 60000;
	*sig = 0;
	for (;;) {
		int w = ih_child_wait(pid, timeout_ms, &status, &got, werr, sizeof(werr));

		if (w == 1)
			break;
		if (w == 2 && !*sig) {
			/* First interrupt: let the scenario end its run cleanly. */
			*sig = got;
			kill(pid, got);
			timeout_ms = STOP_CHILD_MS;
			continue;
		}
		if (w == 2) {
			status = ih_child_end(pid, SIGKILL, STOP_CHILD_MS);
			break;
		}
		status = ih_child_end(pid, SIGTERM, STOP_CHILD_MS);
		if (*sig)
			break;
		snprintf(err, errlen, w == 0 ? "%s did not finish within %d s; stopped it"
			 : "%s: lost track of it; stopped it", prog, timeout_ms / 1000);
		return 1;
	}
	if (*sig)
		return 3;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char text[4096], line[512];

		slurp(errf, text, sizeof(text));
		first_line(text, line, sizeof(line));
		snprintf(err, errlen, "%s failed (%s)%s%s", prog,
			ih_child_status_str(status, how, sizeof(how)),
			WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": cannot execute it" :
			*line ? ": " : "", line);
		return 1;
	}
	return 0;
}
