/*
 * collector/record/record.c - irqhop record: run a scenario under an LTTng session and
 * leave its CTF trace in a directory.
 *
 *   1. parse our options; the scenario options are validated by
 *      `irqhop-runtime --check` before anything touches LTTng;
 *   2. refuse a non-empty output directory, create a missing one;
 *   3. use the running session daemon, or start our own (ih_sessiond);
 *   4. create and start the session (ih_session);
 *   5. run irqhop-runtime, forwarding SIGINT/SIGTERM/SIGHUP to it;
 *   6. stop (data on disk), read the discarded count, destroy the session,
 *      stop our daemon, print where the trace is.
 *
 * Every failure prints one line "irqhop record: ..." and exits 1 (2 for a
 * usage error) after undoing what was done: the session destroyed, our
 * daemon stopped, and what we wrote (and the directories we created)
 * removed.  An interrupted run keeps its partial trace, which is valid CTF.
 *
 * Signals are never handled asynchronously: they stay blocked and are
 * waited for with sigtimedwait (see collector/record/sessiond.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cmd.h"
#include "collector/record/session.h"
#include "collector/record/sessiond.h"

#define PFX "irqhop record: "
#define SESSIOND_READY_MS 20000  /* a cold start takes well under 1 s */
#define CHECK_MS 30000           /* irqhop-runtime --check only parses */
#define DESTROY_MS 60000         /* destruction waits for the consumer */
#define STOP_CHILD_MS 10000      /* a child asked to stop must stop by then */
/* No run discards 2^62 events: a count this large is a wrapped sum. */
#define IMPLAUSIBLE_DISCARDED (UINT64_C(1) << 62)

/* The scenario options, passed to irqhop-runtime as given. */
static const char *const runtime_opts[] = {
	"scenario", "tasklet", "notifier", "duration", "rate", "seed", "pcpus", "label",
};
#define N_RUNTIME_OPTS (sizeof(runtime_opts) / sizeof(runtime_opts[0]))

enum {
	OPT_OUTPUT = 256, OPT_ALL_EVENTS, OPT_SUBBUF_SIZE, OPT_NUM_SUBBUF, OPT_HELP,
	OPT_RELAY, OPT_LIVE,
	OPT_RUNTIME0 = 300,  /* + index in runtime_opts */
};

struct record_opts {
	const char *runtime_val[N_RUNTIME_OPTS];
	const char *output;
	const char *relay;       /* net://HOST[:CTRL[:DATA]]: stream to lttng-relayd */
	uint64_t live_timer_us;  /* with relay: > 0 makes a live session */
	int all_events;
	uint64_t subbuf_size;
	uint64_t num_subbuf;
};

/* Prints the help.  Never fails (a write error on out is not reported). */
static void usage(FILE *out)
{
	fprintf(out,
"usage: irqhop record [OPTIONS]\n"
"\n"
"Run a scenario of irqhop-runtime under a new LTTng session and write its CTF\n"
"trace to a directory (the trace root to give to irqhop analyze).\n"
"\n"
"Scenario (validated by irqhop-runtime --check before anything is recorded):\n"
"  --scenario NAME|FILE     stock scenario or scenario file (default: passthrough)\n"
"  --tasklet global|percpu  tasklet implementation\n"
"  --notifier waitqueue|srcu  eventfd notifier implementation\n"
"  --duration SECONDS       how long the scenario runs\n"
"  --rate HZ                device interrupt rate\n"
"  --seed N                 random seed\n"
"  --pcpus N                number of pCPU threads\n"
"  --label TEXT             label stored with the run\n"
"\n"
"Recording:\n"
"  --output DIR             trace directory; must not exist or be empty\n"
"                           (default: ./irqhop-trace-YYYYmmdd-HHMMSS)\n"
"  --all-events             also record the DEBUG-level softirq_* events\n"
"  --subbuf-size SIZE       sub-buffer size, power of 2, suffix k/M/G allowed\n"
"                           (default: 8M; raise it if events are discarded)\n"
"  --num-subbuf N           sub-buffers per CPU, power of 2 (default: 4)\n"
"  --relay net://HOST[:CTRL[:DATA]]\n"
"                           stream the trace to lttng-relayd instead of writing\n"
"                           it here (ports default to 5342 and 5343)\n"
"  --live[=PERIOD_US]       with --relay: a live session, flushed to the relay\n"
"                           every PERIOD_US microseconds (default 1000000), for\n"
"                           irqhop analyze --live\n"
"  --help                   show this help\n"
"\n"
"A running session daemon is used when one answers; otherwise irqhop record\n"
"starts its own (lttng-sessiond --no-kernel --sig-parent; $LTTNG_SESSIOND\n"
"overrides the program) and stops it at the end.\n");
}

/* Parses a size with an optional k/M/G suffix (powers of 1024).  Returns 0
 * and the value, or -1 when it is not a number with a known suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: return -1;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* 1 when v is a power of 2 (0 is not).  Never fails. */
static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Parses our argv.  Returns 0 to go on, 2 after printing a usage error, or
 * -1 after printing the help (exit 0). */
static int parse_args(int argc, char **argv, struct record_opts *o)
{
	struct option longopts[N_RUNTIME_OPTS + 8];
	size_t n = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->subbuf_size = IH_SESS_SUBBUF_SIZE;
	o->num_subbuf = IH_SESS_NUM_SUBBUF;
	for (size_t i = 0; i < N_RUNTIME_OPTS; i++)
		longopts[n++] = (struct option){ runtime_opts[i], required_argument, NULL,
						 OPT_RUNTIME0 + (int)i };
	longopts[n++] = (struct option){ "output", required_argument, NULL, OPT_OUTPUT };
	longopts[n++] = (struct option){ "all-events", no_argument, NULL, OPT_ALL_EVENTS };
	longopts[n++] = (struct option){ "subbuf-size", required_argument, NULL, OPT_SUBBUF_SIZE };
	longopts[n++] = (struct option){ "num-subbuf", required_argument, NULL, OPT_NUM_SUBBUF };
	longopts[n++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	longopts[n++] = (struct option){ "relay", required_argument, NULL, OPT_RELAY };
	longopts[n++] = (struct option){ "live", optional_argument, NULL, OPT_LIVE };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	/* Our own messages, not getopt's; no permutation ("+"); ':' reports a
	 * missing value apart from an unknown option.  optind = 0 re-initialises
	 * glibc's getopt in case something parsed before us. */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		const char *arg = argv[optind - 1];

		switch (c) {
		case OPT_OUTPUT:
			if (!*optarg) {
				fprintf(stderr, PFX "--output needs a non-empty directory name\n");
				return 2;
			}
			o->output = optarg;
			break;
		case OPT_ALL_EVENTS:
			o->all_events = 1;
			break;
		case OPT_RELAY: {
			char err[512];

			if (ih_sess_check_relay_url(optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, PFX "--relay: %s\n", err);
				return 2;
			}
			o->relay = optarg;
			break;
		}
		case OPT_LIVE:
			o->live_timer_us = IH_SESS_LIVE_TIMER_US;
			if (optarg && (parse_size(optarg, &o->live_timer_us) < 0 || o->live_timer_us == 0 ||
			    o->live_timer_us > UINT32_MAX)) {
				fprintf(stderr, PFX "--live: '%s' is not a period in microseconds (1 to %u)\n",
					optarg, UINT32_MAX);
				return 2;
			}
			break;
		case OPT_SUBBUF_SIZE:
			if (parse_size(optarg, &o->subbuf_size) < 0 || !is_pow2(o->subbuf_size) ||
			    o->subbuf_size < 4096 || o->subbuf_size > (1ULL << 30)) {
				fprintf(stderr, PFX "--subbuf-size: '%s' is not a power of 2 between 4k and 1G\n",
					optarg);
				return 2;
			}
			break;
		case OPT_NUM_SUBBUF:
			if (parse_size(optarg, &o->num_subbuf) < 0 || !is_pow2(o->num_subbuf) ||
			    o->num_subbuf < 2 || o->num_subbuf > 1024) {
				fprintf(stderr, PFX "--num-subbuf: '%s' is not a power of 2 between 2 and 1024\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		case ':':
			fprintf(stderr, PFX "option '%s' needs a value\n", arg);
			return 2;
		case '?':
			if (optopt && optopt < 256)
				fprintf(stderr, PFX "unknown option '-%c' (try 'irqhop record --help')\n",
					optopt);
			else
				fprintf(stderr, PFX "unknown option '%s' (try 'irqhop record --help')\n", arg);
			return 2;
		default:
			if (c >= OPT_RUNTIME0 && c < OPT_RUNTIME0 + (int)N_RUNTIME_OPTS) {
				o->runtime_val[c - OPT_RUNTIME0] = optarg;
				break;
			}
			fprintf(stderr, PFX "unexpected option code %d\n", c);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PFX "unexpected argument '%s' (try 'irqhop record --help')\n",
			argv[optind]);
		return 2;
	}
	if (o->live_timer_us && !o->relay) {
		fprintf(stderr, PFX "--live needs --relay net://HOST (a live session streams to lttng-relayd)\n");
		return 2;
	}
	if (o->relay && o->output) {
		fprintf(stderr, PFX "--output and --relay exclude each other (the relay daemon writes the trace)\n");
		return 2;
	}
	return 0;
}

/* argv for irqhop-runtime: PROG [--check] --OPT VALUE...  Fills av (size
 * >= 2 * N_RUNTIME_OPTS + 3) and the option-name buffers.  Never fails. */
static void runtime_argv(const char *prog, const struct record_opts *o, int check,
		const char **av, char names[][32])
{
	size_t n = 0;

	av[n++] = prog;
	if (check)
		av[n++] = "--check";
	for (size_t i = 0; i < N_RUNTIME_OPTS; i++) {
		if (!o->runtime_val[i])
			continue;
		snprintf(names[i], 32, "--%s", runtime_opts[i]);
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
	e = strchr(p, '\n');
	snprintf(line, len, "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
}

/* Runs irqhop-runtime --check with our scenario options.  Returns 0 when
 * they are valid (*duration_s set from the resolved scenario when it says,
 * else left alone), 2 after printing the runtime's one-line complaint, 1
 * after printing why the check could not run. */
static int check_scenario(const char *prog, const struct record_opts *o,
		const sigset_t *mask, double *duration_s)
{
	const char *av[2 * N_RUNTIME_OPTS + 3];
	char names[N_RUNTIME_OPTS][32], err[256], how[96];
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

/* The output directory and what we created of it, so a failure removes
 * exactly that and nothing else. */
struct outdir {
	char path[PATH_MAX];      /* absolute */
	char created[PATH_MAX];   /* topmost directory we created, "" if none */
};

/* Makes o->output (or the default name) absolute, refuses an existing
 * non-empty directory or a non-directory, and creates what is missing
 * (mkdir -p).  Returns 0, or 1 after printing the problem. */
static int prepare_outdir(const char *output, struct outdir *d)
{
	char name[64], cwd[PATH_MAX];
	struct stat st;
	char *p;

	memset(d, 0, sizeof(*d));
	if (!output) {
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(name, sizeof(name), "irqhop-trace-%Y%m%d-%H%M%S", &tm);
		output = name;
	}
	if (output[0] == '/') {
		if (snprintf(d->path, sizeof(d->path), "%s", output) >= (int)sizeof(d->path))
			goto toolong;
	} else {
		if (!getcwd(cwd, sizeof(cwd))) {
			fprintf(stderr, PFX "cannot get the current directory: %s\n", strerror(errno));
			return 1;
		}
		if (snprintf(d->path, sizeof(d->path), "%s/%s", cwd, output) >= (int)sizeof(d->path))
			goto toolong;
	}
	/* Trailing slashes would give LTTng and our messages two spellings. */
	for (size_t n = strlen(d->path); n > 1 && d->path[n - 1] == '/'; n--)
		d->path[n - 1] = '\0';

	if (stat(d->path, &st) == 0) {
		DIR *dir;
		struct dirent *e;
		int empty = 1;

		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, PFX "%s exists and is not a directory\n", d->path);
			return 1;
		}
		dir = opendir(d->path);
		if (!dir) {
			fprintf(stderr, PFX "cannot read directory %s: %s\n", d->path, strerror(errno));
			return 1;
		}
		while ((e = readdir(dir)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				empty = 0;
				break;
			}
		closedir(dir);
		if (!empty) {
			fprintf(stderr, PFX "output directory %s exists and is not empty\n", d->path);
			return 1;
		}
		if (access(d->path, W_OK) != 0) {
			fprintf(stderr, PFX "cannot write to %s: %s\n", d->path, strerror(errno));
			return 1;
		}
		return 0;
	} else if (errno != ENOENT) {
		fprintf(stderr, PFX "cannot use %s: %s\n", d->path, strerror(errno));
		return 1;
	}
	/* mkdir -p, remembering the first (topmost) directory we made. */
	for (p = d->path + 1;; p++) {
		int last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(d->path, 0777) == 0) {
			if (!d->created[0])
				snprintf(d->created, sizeof(d->created), "%s", d->path);
		} else if (errno != EEXIST) {
			fprintf(stderr, PFX "cannot create directory %s: %s\n", d->path, strerror(errno));
			if (!last)
				*p = '/';
			return 1;
		}
		if (last)
			break;
		*p = '/';
	}
	return 0;
toolong:
	fprintf(stderr, PFX "output path is too long\n");
	return 1;
}

static const char *rm_root;

/* nftw callback: removes everything under rm_root, and rm_root itself only
 * when it is the topmost directory we created.  An entry that cannot be
 * removed is skipped (returning 0 keeps the walk going). */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0 && strcmp(path, rm_root) != 0)
		return 0;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* After a failure: deletes what the failed recording wrote under the output
 * directory, and the directories we created for it.  Failures to delete are
 * ignored (the error already reported is the one that matters); FTW_PHYS and
 * FTW_MOUNT keep it from following links or crossing into other mounts. */
static void undo_outdir(const struct outdir *d)
{
	const char *top = d->created[0] ? d->created : d->path;

	rm_root = top;
	nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (!d->created[0])
		mkdir(d->path, 0777);  /* it existed (empty) before: keep it */
}

static int has_metadata;

/* nftw callback: stops the walk (returns 1) at the first file named
 * "metadata".  Never fails. */
static int find_metadata(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (flag == FTW_F && strcmp(path + ftw->base, "metadata") == 0) {
		has_metadata = 1;
		return 1;
	}
	return 0;
}

/* 1 when the directory holds a CTF trace (a metadata file somewhere), 0
 * otherwise, including when it cannot be read. */
static int trace_written(const char *path)
{
	has_metadata = 0;
	nftw(path, find_metadata, 16, FTW_PHYS);
	return has_metadata;
}

/* Copies a child's captured output to one of ours.  Never fails. */
static void forward(FILE *from, FILE *to)
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
static int run_scenario(const char *prog, const struct record_opts *o,
		const sigset_t *mask, double duration_s, FILE *out, FILE *errf,
		int *sig, char *err, size_t errlen)
{
	const char *av[2 * N_RUNTIME_OPTS + 3];
	char names[N_RUNTIME_OPTS][32], how[96], werr[128];
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

int ih_record_main(int argc, char **argv)
{
	struct record_opts o;
	struct ih_sessiond daemon = { 0 };
	struct ih_sess sess;
	struct ih_sess_config cfg;
	struct outdir od;
	char rtbuf[PATH_MAX], err[1024], err2[512];
	const char *prog;
	sigset_t oldmask;
	double duration_s = -1;
	uint64_t discarded = 0;
	FILE *rout = NULL, *rerr = NULL;
	int rc, sig = 0, died;

	memset(&sess, 0, sizeof(sess));
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	prog = ih_runtime_path(rtbuf, sizeof(rtbuf));
	if (!prog)
		return 1;
	if (o.runtime_val[3]) {    /* --duration: the runtime checks it */
		char *end;

		duration_s = strtod(o.runtime_val[3], &end);
		if (end == o.runtime_val[3])
			duration_s = -1;
	}
	if (ih_sessiond_block_signals(&oldmask, err, sizeof(err)) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		return 1;
	}

	/* 1. Scenario options, before touching anything. */
	{
		double resolved = -1;

		rc = check_scenario(prog, &o, &oldmask, &resolved);
		if (rc)
			goto out_signals;
		if (duration_s < 0)
			duration_s = resolved;
	}

	/* 2. Output directory (none when the relay daemon writes the trace). */
	memset(&od, 0, sizeof(od));
	rc = o.relay ? 0 : prepare_outdir(o.output, &od);
	if (rc)
		goto out_signals;
	rc = 1;
	rout = tmpfile();
	rerr = tmpfile();
	if (!rout || !rerr) {
		fprintf(stderr, PFX "cannot create a temporary file: %s\n", strerror(errno));
		goto out_undo;
	}

	/* 3. Session daemon. */
	if (ih_sessiond_ensure(&daemon, &oldmask, SESSIOND_READY_MS, err, sizeof(err)) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		goto out_undo;
	}

	/* 4. Session. */
	cfg = (struct ih_sess_config){ .output_dir = o.relay ? NULL : od.path,
		.subbuf_size = o.subbuf_size, .num_subbuf = o.num_subbuf, .all_events = o.all_events };
	if ((o.relay ? ih_sess_create_relay(&sess, &cfg, o.relay, o.live_timer_us, err, sizeof(err))
		     : ih_sess_create(&sess, &cfg, err, sizeof(err))) < 0 ||
	    ih_sess_start(&sess, err, sizeof(err)) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		goto out_destroy;
	}

	/* 5. The run. */
	rc = run_scenario(prog, &o, &oldmask, duration_s, rout, rerr, &sig, err, sizeof(err));
	if (rc == 1) {
		fprintf(stderr, PFX "%s\n", err);
		goto out_destroy;
	}

	/* 6. Stop: the data is on disk when this returns. */
	if (ih_sess_stop(&sess, &discarded, err, sizeof(err)) < 0) {
		if (ih_sessiond_gone(&daemon))
			fprintf(stderr, PFX "our lttng-sessiond (pid %ld) died during the run\n",
				(long)daemon.pid);
		else
			fprintf(stderr, PFX "%s\n", err);
		rc = 1;
		goto out_destroy;
	}
	if (ih_sess_destroy(&sess, DESTROY_MS, err, sizeof(err)) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		rc = 1;
		goto out_daemon;
	}
	if (ih_sessiond_stop(&daemon, STOP_CHILD_MS, err, sizeof(err)) < 0) {
		/* The trace is complete (the session was destroyed cleanly):
		 * say so, but do not fail the recording for it. */
		fprintf(stderr, PFX "warning: %s\n", err);
	}
	if (rc == 3 && o.relay) {
		fprintf(stderr, PFX "interrupted by signal %d (%s); partial trace streamed to %s "
			"(session %s)\n", sig, strsignal(sig), o.relay, sess.name);
		rc = 1;
		goto out_signals;
	}
	if (rc == 3) {
		fprintf(stderr, PFX "interrupted by signal %d (%s); partial trace kept in %s\n",
			sig, strsignal(sig), od.path);
		rc = 1;
		goto out_signals;
	}
	if (!o.relay && !trace_written(od.path)) {
		fprintf(stderr, PFX "no trace was written to %s (did %s register with the session daemon?)\n",
			od.path, prog);
		rc = 1;
		goto out_undo;
	}
	forward(rout, stdout);
	forward(rerr, stderr);
	if (o.relay) {
		/* Where the relay daemon writes it: OUTPUT/HOSTNAME/SESSION-DATETIME
		 * (its default grouping), so the session name is what to look for. */
		snprintf(od.path, sizeof(od.path), "%s as %ssession %s", o.relay,
			o.live_timer_us ? "live " : "", sess.name);
	}
	if (discarded >= IMPLAUSIBLE_DISCARDED) {
		/* Under heavy loss LTTng 2.13's per-packet discarded counters
		 * can go backwards (babeltrace2 then reports "discarded
		 * 18446744073709..." too), and the daemon's sum wraps. */
		fprintf(stderr, PFX "warning: events were discarded, how many is unknown "
			"(LTTng reported %" PRIu64 "); raise --subbuf-size or --num-subbuf\n",
			discarded);
		printf("irqhop record: trace %s %s (an unknown number of events discarded)\n",
			o.relay ? "streamed to" : "written to", od.path);
	} else {
		if (discarded)
			fprintf(stderr, PFX "warning: %" PRIu64 " events discarded; "
				"raise --subbuf-size or --num-subbuf\n", discarded);
		printf("irqhop record: trace %s %s (%" PRIu64 " events discarded)\n",
			o.relay ? "streamed to" : "written to", od.path, discarded);
	}
	fflush(stdout);
	rc = 0;
	goto out_signals;

out_destroy:
	/* Teardown after a failure: its own problems are worth a warning,
	 * except the consequences of our daemon's death, already reported. */
	died = ih_sessiond_gone(&daemon);
	if (ih_sess_destroy(&sess, DESTROY_MS, err2, sizeof(err2)) < 0 && !died)
		fprintf(stderr, PFX "warning: %s\n", err2);
out_daemon:
	died = ih_sessiond_gone(&daemon);
	if (ih_sessiond_stop(&daemon, STOP_CHILD_MS, err2, sizeof(err2)) < 0 && !died)
		fprintf(stderr, PFX "warning: %s\n", err2);
out_undo:
	if (!o.relay)
		undo_outdir(&od);
out_signals:
	if (rout)
		fclose(rout);
	if (rerr)
		fclose(rerr);
	ih_sessiond_restore_signals(&oldmask);
	return rc;
}
