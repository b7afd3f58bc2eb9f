/*
 * collector/record/record.c - irqhop record's steps (see record.h):
 *
 *   0. with --kvm: root, the LTTng kernel modules and /dev/kvm (kernel.h);
 *   1. the scenario options are validated by `irqhop-runtime --check`
 *      (`irqhop-kvm --check` with --kvm; nothing with --attach)
 *      before anything touches LTTng (runner.h);
 *   2. refuse a non-empty output directory, create a missing one (outdir.h);
 *   3. use the running session daemon, or start our own (sessiond.h);
 *   4. create and start the session (session.h; plus the kernel channel with --kvm);
 *   5. run irqhop-runtime (irqhop-kvm; with --attach wait --duration), forwarding
 *      SIGINT/SIGTERM/SIGHUP to it;
 *   5b. with --snapshot-over: read the triggers' notifications until run_end's
 *      (every snapshot is then on disk) and tag each snapshot (flight.h);
 *   6. stop (data on disk), read the discarded count, destroy the session,
 *      stop our daemon, print where the trace is.
 *
 * Every failure prints one line "irqhop record: ..." and returns 1 (2 for
 * invalid scenario options) after undoing what was done, in reverse order
 * (the labels at the end).  An interrupted run keeps its partial trace.
 *
 * Signals are never handled asynchronously: they stay blocked and are
 * waited for with sigtimedwait (see collector/record/sessiond.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/record/flight.h"
#include "collector/record/kernel.h"
#include "collector/record/outdir.h"
#include "collector/record/record.h"
#include "collector/record/runner.h"
#include "collector/record/session.h"
#include "collector/record/sessiond.h"

#define PFX "irqhop record: "
#define SESSIOND_READY_MS 20000  /* a cold start takes well under 1 s */
#define DESTROY_MS 60000         /* destruction waits for the consumer */
#define STOP_CHILD_MS 10000      /* a child asked to stop must stop by then */
#define FLIGHT_END_MS 60000      /* run_end's notification after the runtime exited */
/* No run discards 2^62 events: a count this large is a wrapped sum. */
#define IMPLAUSIBLE_DISCARDED (UINT64_C(1) << 62)

const char *const ih_record_runtime_opts[IH_RT_NOPTS] = {
	[IH_RT_SCENARIO] = "scenario", [IH_RT_TASKLET] = "tasklet",
	[IH_RT_NOTIFIER] = "notifier", [IH_RT_DURATION] = "duration",
	[IH_RT_RATE] = "rate", [IH_RT_SEED] = "seed", [IH_RT_PCPUS] = "pcpus",
	[IH_RT_LABEL] = "label", [IH_RT_ROUTE] = "route", [IH_RT_VCPUS] = "vcpus",
	[IH_RT_ARRIVAL] = "arrival",
};

/* --attach: waits duration_s seconds, or until SIGINT/SIGTERM/SIGHUP (blocked), like a run.
 * Returns 0 at the end of the time, 3 with *sig set when interrupted. */
static int attach_wait(double duration_s, int *sig)
{
	struct timespec now, end, left;
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)duration_s;
	end.tv_nsec += (long)((duration_s - (double)(time_t)duration_s) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		int s;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return 0;
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		s = sigtimedwait(&stop, NULL, &left);
		if (s > 0) {
			*sig = s;
			return 3;
		}
	}
}

int ih_record_run(const struct ih_record_opts *o, const char *prog)
{
	struct ih_sessiond daemon = { 0 };
	struct ih_sess sess;
	struct ih_sess_config cfg;
	struct ih_outdir od;
	char err[1024], err2[512];
	sigset_t oldmask;
	double duration_s = -1;
	uint64_t discarded = 0;
	FILE *rout = NULL, *rerr = NULL;
	struct ih_flight *flight = NULL;
	int rc, sig = 0, died, nsnap = 0;

	memset(&sess, 0, sizeof(sess));
	memset(&od, 0, sizeof(od));
	if (o->runtime_val[IH_RT_DURATION]) {    /* --duration: the runtime checks it */
		char *end;

		duration_s = strtod(o->runtime_val[IH_RT_DURATION], &end);
		if (end == o->runtime_val[IH_RT_DURATION])
			duration_s = -1;
	}
	if (ih_sessiond_block_signals(&oldmask, err, sizeof(err)) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		return 1;
	}

	/* 0. --kvm: root, the LTTng kernel modules, /dev/kvm. */
	if (o->kvm && ih_kern_check(err, sizeof(err)) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		rc = 1;
		goto out_signals;
	}

	/* 1. Scenario options, before touching anything. */
	if (!o->attach) {
		double resolved = -1;

		rc = ih_runner_check(prog, o, &oldmask, &resolved);
		if (rc)
			goto out_signals;
		if (duration_s < 0)
			duration_s = resolved;
	}

	/* 2. Output directory (none when the relay daemon writes the trace). */
	rc = o->relay ? 0 : ih_outdir_prepare(o->output, &od);
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
	if ((o->kvm ? ih_sessiond_ensure_kernel(&daemon, &oldmask, SESSIOND_READY_MS, err, sizeof(err))
		    : ih_sessiond_ensure(&daemon, &oldmask, SESSIOND_READY_MS, err, sizeof(err))) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		goto out_undo;
	}

	/* 4. Session. */
	cfg = (struct ih_sess_config){ .output_dir = o->relay ? NULL : od.path,
		.subbuf_size = o->subbuf_size, .num_subbuf = o->num_subbuf, .all_events = o->all_events,
		.no_ust = o->attach, .snapshot = o->snapshot_over_ns > 0 };
	if ((o->relay ? ih_sess_create_relay(&sess, &cfg, o->relay, o->live_timer_us, err, sizeof(err))
		     : ih_sess_create(&sess, &cfg, err, sizeof(err))) < 0 ||
	    (o->kvm && ih_kern_configure(&sess, err, sizeof(err)) < 0)) {
		fprintf(stderr, PFX "%s\n", err);
		goto out_destroy;
	}
	if (o->snapshot_over_ns) {
		flight = calloc(1, sizeof(*flight));
		if (!flight) {
			fprintf(stderr, PFX "out of memory\n");
			goto out_destroy;
		}
		if (ih_flight_arm(flight, sess.name, od.path, o->snapshot_over_ns, o->max_snapshots,
				  err, sizeof(err)) < 0) {
			free(flight);
			flight = NULL;
			fprintf(stderr, PFX "%s\n", err);
			goto out_destroy;
		}
	}
	if (ih_sess_start(&sess, err, sizeof(err)) < 0) {
		fprintf(stderr, PFX "%s\n", err);
		goto out_destroy;
	}

	/* 5. The run. */
	rc = o->attach ? attach_wait(duration_s, &sig)
		       : ih_runner_run(prog, o, &oldmask, duration_s, rout, rerr, &sig, err, sizeof(err));
	if (rc == 1) {
		fprintf(stderr, PFX "%s\n", err);
		goto out_destroy;
	}

	/* 5b. Flight recorder: every snapshot on disk, each tagged. */
	if (flight) {
		nsnap = ih_flight_collect(flight, FLIGHT_END_MS, err, sizeof(err));
		if (nsnap < 0) {
			fprintf(stderr, PFX "%s\n", err);
			rc = 1;
			goto out_destroy;
		}
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
	if (o->kvm) {
		uint64_t kd;

		if (ih_kern_discarded(&sess, &kd, err, sizeof(err)) < 0) {
			fprintf(stderr, PFX "%s\n", err);
			rc = 1;
			goto out_destroy;
		}
		discarded = discarded + kd < discarded ? UINT64_MAX : discarded + kd;
	}
	if (flight) {
		err[0] = '\0';
		ih_flight_disarm(flight, err, sizeof(err));
		if (err[0])
			fprintf(stderr, PFX "warning: %s\n", err);
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
	if (rc == 3 && o->relay) {
		fprintf(stderr, PFX "interrupted by signal %d (%s); partial trace streamed to %s "
			"(session %s)\n", sig, strsignal(sig), o->relay, sess.name);
		rc = 1;
		goto out_signals;
	}
	if (rc == 3) {
		fprintf(stderr, PFX "interrupted by signal %d (%s); partial trace kept in %s\n",
			sig, strsignal(sig), od.path);
		rc = 1;
		goto out_signals;
	}
	if (flight) {
		/* Nothing but the snapshots was written: no spike, no trace. */
		ih_runner_forward(rout, stdout);
		ih_runner_forward(rerr, stderr);
		for (unsigned k = 0; k < flight->max; k++)
			if (flight->snap[k].seen)
				printf("irqhop record: snapshot %u: irq %" PRIu64 " took %.3f ms (%.3f ms over) in %s\n",
				       k + 1, flight->snap[k].irq_id, (double)flight->snap[k].latency_ns / 1e6,
				       (double)(flight->snap[k].latency_ns - o->snapshot_over_ns) / 1e6,
				       flight->snap[k].dir);
		if (flight->dropped)
			fprintf(stderr, PFX "warning: the session daemon dropped %u notifications; "
				"some snapshots may be untagged\n", flight->dropped);
		printf("irqhop record: %d snapshot%s (at most %u) written to %s\n", nsnap,
		       nsnap == 1 ? "" : "s", o->max_snapshots, od.path);
		fflush(stdout);
		rc = 0;
		goto out_signals;
	}
	if (!o->relay && !ih_outdir_has_trace(od.path)) {
		fprintf(stderr, PFX "no trace was written to %s (did %s register with the session daemon?)\n",
			od.path, o->attach ? "the kernel tracer" : prog);
		rc = 1;
		goto out_undo;
	}
	ih_runner_forward(rout, stdout);
	ih_runner_forward(rerr, stderr);
	if (o->relay) {
		/* Where the relay daemon writes it: OUTPUT/HOSTNAME/SESSION-DATETIME
		 * (its default grouping), so the session name is what to look for. */
		snprintf(od.path, sizeof(od.path), "%s as %ssession %s", o->relay,
			o->live_timer_us ? "live " : "", sess.name);
	}
	if (discarded >= IMPLAUSIBLE_DISCARDED) {
		/* Under heavy loss LTTng 2.13's per-packet discarded counters
		 * can go backwards (babeltrace2 then reports "discarded
		 * 18446744073709..." too), and the daemon's sum wraps. */
		fprintf(stderr, PFX "warning: events were discarded, how many is unknown "
			"(LTTng reported %" PRIu64 "); raise --subbuf-size or --num-subbuf\n",
			discarded);
		printf("irqhop record: trace %s %s (an unknown number of events discarded)\n",
			o->relay ? "streamed to" : "written to", od.path);
	} else {
		if (discarded)
			fprintf(stderr, PFX "warning: %" PRIu64 " events discarded; "
				"raise --subbuf-size or --num-subbuf\n", discarded);
		printf("irqhop record: trace %s %s (%" PRIu64 " events discarded)\n",
			o->relay ? "streamed to" : "written to", od.path, discarded);
	}
	fflush(stdout);
	rc = 0;
	goto out_signals;

out_destroy:
	/* Teardown after a failure: its own problems are worth a warning,
	 * except the consequences of our daemon's death, already reported. */
	died = ih_sessiond_gone(&daemon);
	if (flight) {
		err2[0] = '\0';
		ih_flight_disarm(flight, died ? NULL : err2, sizeof(err2));
		if (err2[0])
			fprintf(stderr, PFX "warning: %s\n", err2);
	}
	if (ih_sess_destroy(&sess, DESTROY_MS, err2, sizeof(err2)) < 0 && !died)
		fprintf(stderr, PFX "warning: %s\n", err2);
out_daemon:
	died = ih_sessiond_gone(&daemon);
	if (ih_sessiond_stop(&daemon, STOP_CHILD_MS, err2, sizeof(err2)) < 0 && !died)
		fprintf(stderr, PFX "warning: %s\n", err2);
out_undo:
	if (!o->relay)
		ih_outdir_undo(&od);
out_signals:
	free(flight);
	if (rout)
		fclose(rout);
	if (rerr)
		fclose(rerr);
	ih_sessiond_restore_signals(&oldmask);
	return rc;
}
