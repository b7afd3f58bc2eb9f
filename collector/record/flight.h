/*
 * collector/record/flight.h - irqhop record --snapshot-over: the flight
 * recorder's triggers (docs/record.md, "Flight recorder").
 *
 * The session is an LTTng snapshot session (ring buffers overwritten in
 * memory, nothing written while all is well).  The snapshots are taken by
 * LTTng's own trigger machinery, not by irqhop record or the runtime:
 *
 *   condition  event-rule-matches on irqhop:vcpu_ack with the filter
 *              "latency_ns > OVER" (the runtime's raise-to-ack latency,
 *              evaluated inside the traced process), capturing irq_id and
 *              latency_ns;
 *   actions    trigger k (1 <= k <= max): a list of snapshot-session (to
 *              DIR, output name spike-k) and notify, both with the rate
 *              policy "once after k".  The k-th matching ack fires trigger
 *              k and no other, so at most max snapshots are ever taken
 *              however fast spikes come, with no race against us;
 *   end        one more trigger, on irqhop:run_end, notify only.  The
 *              session daemon executes actions in the order the events
 *              reached it, and run_end is the runtime's last event: once its
 *              notification is here, every snapshot is on disk.
 *
 * irqhop record only reads the notifications (after the run) to tag each
 * snapshot: DIR/spike-k-DATETIME-N/trigger.json says which interrupt, by
 * how much.
 *
 * States: DISARMED -> ARMED (ih_flight_arm: every trigger registered, the
 * notification channel subscribed) -> COLLECTED (ih_flight_collect saw
 * run_end) -> DISARMED (ih_flight_disarm: every trigger unregistered, also
 * from ARMED after a failure).  Triggers outlive sessions in the daemon,
 * so ih_flight_disarm runs on every path once ih_flight_arm was called.
 *
 * Errors: functions returning int return 0 on success and -1 on failure,
 * with one line (no prefix, no newline) in err.
 */
#ifndef IH_FLIGHT_H
#define IH_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include <lttng/constant.h>

#define IH_FLIGHT_MAX_SNAPSHOTS 64  /* each is one event notifier in the runtime */

struct ih_flight_snap {
	int seen;            /* its notification arrived */
	uint64_t irq_id;     /* the interrupt whose ack fired it */
	uint64_t latency_ns; /* its raise-to-ack latency */
	char dir[4096];      /* the snapshot's trace directory ("" until found) */
};

struct ih_flight {
	char session[LTTNG_NAME_MAX];
	char dir[4096];
	uint64_t over_ns;
	unsigned max;
	unsigned nreg;                    /* triggers registered (spikes, then the end one) */
	struct lttng_trigger *trig[IH_FLIGHT_MAX_SNAPSHOTS + 1];
	struct lttng_condition *spike_cond, *end_cond;
	struct lttng_notification_channel *chan;
	int ended;                        /* run_end's notification arrived */
	unsigned dropped;                 /* notifications the daemon dropped */
	struct ih_flight_snap snap[IH_FLIGHT_MAX_SNAPSHOTS];
};

/* Parses DURATION[@HOP] of --snapshot-over: a number with unit ns, us, ms
 * or s; HOP, when given, must be "total" (the only duration the runtime
 * knows when it emits vcpu_ack).  Returns 0 with *ns set, or -1 with err set. */
int ih_flight_parse_over(const char *arg, uint64_t *ns, char *err, size_t errlen);

/* Registers the triggers for snapshot session SESSION (created, not yet
 * started) writing to DIR, and subscribes to their notifications.  On
 * failure returns -1 with err set after undoing what it did. */
int ih_flight_arm(struct ih_flight *f, const char *session, const char *dir,
		uint64_t over_ns, unsigned max, char *err, size_t errlen);

/* Reads the notifications until run_end's (at most timeout_ms, polling),
 * then finds each snapshot's directory and writes its trigger.json.
 * Returns the number of snapshots taken (>= 0), or -1 with err set (no
 * run_end in time, a lost notification channel, a snapshot without its
 * directory, or trigger.json not written). */
int ih_flight_collect(struct ih_flight *f, int timeout_ms, char *err, size_t errlen);

/* Unregisters every trigger and closes the channel.  Never fails: a
 * trigger that cannot be unregistered is reported in err (if it was ""). */
void ih_flight_disarm(struct ih_flight *f, char *err, size_t errlen);
#endif
