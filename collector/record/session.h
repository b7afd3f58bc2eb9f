/*
 * collector/record/session.h - the LTTng recording session of irqhop record, driven
 * through liblttng-ctl (never the lttng command).
 *
 * One session per recording, named uniquely, writing locally to an absolute
 * directory or streaming to an lttng-relayd (net://HOST[:CTRL[:DATA]],
 * optionally as a live session); one UST channel with per-UID buffers in
 * discard mode, sized so a default run loses nothing; the irqhop:* events; the vtid and procname
 * contexts.
 *
 * Errors: functions returning int return 0 on success and -1 on failure,
 * with one line (no prefix, no newline) describing the problem in err,
 * including liblttng-ctl's own message.
 */
#ifndef IH_SESSION_H
#define IH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <lttng/constant.h>

#define IH_SESS_CHANNEL "irqhop"
#define IH_SESS_EVENTS "irqhop:*"
/* Default channel geometry: 4 sub-buffers of 8 MiB per CPU.  At ~26 bytes
 * per event that absorbs about 1.2 M events per CPU between two reads of the
 * consumer daemon, far more than a default scenario emits. */
#define IH_SESS_SUBBUF_SIZE (8ULL << 20)
#define IH_SESS_NUM_SUBBUF 4ULL

/* Live timer of a live session when none is given: one flush of every
 * sub-buffer to the relay daemon per second, as `lttng create --live`. */
#define IH_SESS_LIVE_TIMER_US 1000000ULL

struct ih_sess_config {
	const char *output_dir;  /* absolute path; the trace root (unused by ih_sess_create_relay) */
	uint64_t subbuf_size;    /* bytes, power of 2, >= page size */
	uint64_t num_subbuf;     /* power of 2, >= 2 */
	int all_events;          /* also the DEBUG-level events (softirq_*) */
	int no_ust;              /* no UST channel (irqhop record --kvm --attach: the caller
				  * adds a kernel channel, collector/record/kernel.h) */
	int snapshot;            /* a snapshot session (flight recorder, collector/record/flight.h):
				  * overwrite-mode buffers, nothing written but snapshots */
};

struct ih_sess {
	char name[LTTNG_NAME_MAX];
	struct lttng_handle *handle;
	int created;  /* the session exists in the daemon */
	int started;  /* tracing is (or may be) active */
	int no_ust;   /* created without the UST channel: ih_sess_stop reads no count */
};

/* Checks that URL is a network output liblttng-ctl accepts
 * (net://HOST[:CTRL[:DATA]], net6://...), without contacting anything.
 * Returns 0, or -1 with err set. */
int ih_sess_check_relay_url(const char *url, char *err, size_t errlen);

/* Creates the session (unique name derived from the PID and time) with its
 * channel, event rule and contexts; does not start it.  On failure returns
 * -1 with err set, after destroying whatever part of the session it had
 * created (no half-initialized session is left in the daemon). */
int ih_sess_create(struct ih_sess *s, const struct ih_sess_config *cfg,
		char *err, size_t errlen);

/* As ih_sess_create, but the session streams to the lttng-relayd at
 * relay_url (net://HOST[:CTRL[:DATA]]) instead of writing to
 * cfg->output_dir, which is ignored; live_timer_us > 0 makes it a live
 * session (lttng create --live) with that live timer.  The session daemon
 * connects to the relay daemon here: an unreachable relay is this
 * function's error, and nothing is left in the daemon. */
int ih_sess_create_relay(struct ih_sess *s, const struct ih_sess_config *cfg,
		const char *relay_url, uint64_t live_timer_us, char *err, size_t errlen);

/* Starts tracing.  On failure returns -1 with err set; the session still
 * exists (the caller destroys it with ih_sess_destroy). */
int ih_sess_start(struct ih_sess *s, char *err, size_t errlen);

/* Stops tracing and waits until the data is on disk (polling
 * lttng_data_pending, at most 60 s: then it fails), then reads the
 * channel's discarded-event count into *discarded.  On failure returns -1 with err set; the session still exists
 * and *discarded is left at UINT64_MAX when it could not be read. */
int ih_sess_stop(struct ih_sess *s, uint64_t *discarded, char *err, size_t errlen);

/* Destroys the session and waits (at most timeout_ms) for the daemon to
 * finish it (lttng_destroy_session_ext + the destruction handle); frees the
 * handle.  Safe to call on a session that was never created (returns 0).
 * On failure returns -1 with err set; the local state is released anyway. */
int ih_sess_destroy(struct ih_sess *s, int timeout_ms, char *err, size_t errlen);

#endif
