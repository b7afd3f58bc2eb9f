/*
 * analyzer/live/live.h - irqhop analyze --live net://HOST[:PORT]: follow the live
 * sessions of an lttng-relayd and commit one run per session when it ends.
 *
 * Each live session the relay daemon lists (query "sessions" of
 * src.ctf.lttng-live) gets its own graph src.ctf.lttng-live ->
 * sink.irqhop.sqlite (session-not-found-action=end, so the graph ends when
 * the session is destroyed), all graphs run in turn on the caller's thread.
 * docs/record.md ("Live") has the recording side.
 */
#ifndef IH_LIVE_H
#define IH_LIVE_H
#include <stddef.h>
#include <signal.h>

struct ih_live_opts {
	const char *url;        /* net://HOST[:PORT] of the relay daemon's live port */
	const char *db;         /* database to write (created if missing) */
	const char *label;      /* run label; NULL: the label recorded in each trace */
	const char *window;     /* steal window (sink parameter window); NULL: default */
	unsigned max_runs;      /* return after this many committed runs; 0: never */
	double idle_timeout_s;  /* return when no session was seen for this long; <= 0: never */
	int verbose;            /* print one line per session attached (stdout) */
};

/* Follows live sessions until max_runs runs are committed, the relay has
 * listed no session for idle_timeout_s, or one of the signals in *stop
 * (blocked by the caller; may be NULL) arrives.  Each committed run prints
 * one line on stdout ("irqhop analyze: run N in DB: ... (live HOST/SESSION)").
 * A session whose run fails (no irqhop events, database error) prints one
 * line on stderr and does not stop the others.
 * Returns 0 when it ended as asked with every session committed, 1 when a
 * session failed or a signal stopped it (sessions in flight are rolled back,
 * nothing half-written), 2 on a usage error (bad URL) or when the relay
 * cannot be reached at start; err holds one line for the last failure. */
int ih_analyze_live(const struct ih_live_opts *o, const sigset_t *stop, char *err, size_t errlen);
#endif
