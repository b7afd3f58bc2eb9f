/*
 * collector/record/flight.c - the flight recorder's triggers and their
 * notifications.  See collector/record/flight.h for the mechanism, its
 * states and why the cap cannot be overrun.
 */
#include "config.h"
#include "collector/record/flight.h"
#include "collector/record/sessiond.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lttng/lttng.h>

#define FLIGHT_POLL_MS 20

int ih_flight_parse_over(const char *arg, uint64_t *ns, char *err, size_t errlen)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	const char *at = strchr(arg, '@');
	char num[64], *end;
	size_t len = at ? (size_t)(at - arg) : strlen(arg);
	double v;

	if (at && strcmp(at + 1, "total") != 0) {
		ih_sd_seterr(err, errlen, "'%s': only @total can trigger a snapshot (the runtime "
			"measures raise-to-ack when it emits vcpu_ack, no other hop)", arg);
		return -1;
	}
	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, arg, len);
	num[len] = '\0';
	errno = 0;
	v = strtod(num, &end);
	if (errno || end == num || !(v > 0))
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0 && v * units[i].mult >= 1 &&
		    v * units[i].mult < 3600e9) {
			*ns = (uint64_t)(v * units[i].mult);
			return 0;
		}
bad:
	ih_sd_seterr(err, errlen, "'%s' is not a duration (a number with ns, us, ms or s, "
		"from 1 ns to 1 h, optionally @total)", arg);
	return -1;
}

/* An event-rule-matches condition on irqhop:NAME (filter may be NULL),
 * capturing the payload fields in caps.  Returns NULL on failure. */
static struct lttng_condition *event_condition(const char *name, const char *filter,
		const char *const *caps, size_t ncaps)
{
	struct lttng_event_rule *rule = lttng_event_rule_user_tracepoint_create();
	struct lttng_condition *cond = NULL;

	if (!rule || lttng_event_rule_user_tracepoint_set_name_pattern(rule, name) != LTTNG_EVENT_RULE_STATUS_OK ||
	    (filter && lttng_event_rule_user_tracepoint_set_filter(rule, filter) != LTTNG_EVENT_RULE_STATUS_OK))
		goto out;
	cond = lttng_condition_event_rule_matches_create(rule);
	for (size_t i = 0; cond && i < ncaps; i++) {
		struct lttng_event_expr *e = lttng_event_expr_event_payload_field_create(caps[i]);

		/* The condition owns e from here on success. */
		if (!e || lttng_condition_event_rule_matches_append_capture_descriptor(cond, e) !=
				LTTNG_CONDITION_STATUS_OK) {
			lttng_event_expr_destroy(e);
			lttng_condition_destroy(cond);
			cond = NULL;
		}
	}
out:
	lttng_event_rule_destroy(rule);
	return cond;
}

/* The actions of spike trigger k: snapshot to DIR as spike-k, then notify,
 * each once after k matches.  Returns NULL on failure. */
static struct lttng_action *spike_actions(const struct ih_flight *f, unsigned k)
{
	struct lttng_rate_policy *pol = lttng_rate_policy_once_after_n_create(k);
	struct lttng_action *list = lttng_action_list_create();
	struct lttng_action *snap = lttng_action_snapshot_session_create();
	struct lttng_action *notify = lttng_action_notify_create();
	struct lttng_snapshot_output *out = lttng_snapshot_output_create();
	char name[32];
	int ok;

	snprintf(name, sizeof(name), "spike-%u", k);
	ok = pol && list && snap && notify && out &&
	     lttng_snapshot_output_set_local_path(f->dir, out) == 0 &&
	     lttng_snapshot_output_set_name(name, out) == 0 &&
	     lttng_action_snapshot_session_set_session_name(snap, f->session) == LTTNG_ACTION_STATUS_OK &&
	     lttng_action_snapshot_session_set_output(snap, out) == LTTNG_ACTION_STATUS_OK;
	if (ok)
		out = NULL;  /* owned by snap */
	ok = ok && lttng_action_snapshot_session_set_rate_policy(snap, pol) == LTTNG_ACTION_STATUS_OK &&
	     lttng_action_notify_set_rate_policy(notify, pol) == LTTNG_ACTION_STATUS_OK &&
	     lttng_action_list_add_action(list, snap) == LTTNG_ACTION_STATUS_OK &&
	     lttng_action_list_add_action(list, notify) == LTTNG_ACTION_STATUS_OK;
	lttng_snapshot_output_destroy(out);
	lttng_action_destroy(snap);    /* the list holds references */
	lttng_action_destroy(notify);
	lttng_rate_policy_destroy(pol);
	if (!ok) {
		lttng_action_destroy(list);
		return NULL;
	}
	return list;
}

/* Creates and registers one trigger named SESSION-SUFFIX.  Returns 0 or -1
 * with err set. */
static int add_trigger(struct ih_flight *f, struct lttng_condition *cond,
		struct lttng_action *act, const char *suffix, char *err, size_t errlen)
{
	struct lttng_trigger *t = act ? lttng_trigger_create(cond, act) : NULL;
	enum lttng_error_code code;
	char name[LTTNG_NAME_MAX + 32];

	lttng_action_destroy(act);  /* the trigger holds a reference */
	if (!t) {
		ih_sd_seterr(err, errlen, "cannot build trigger %s (out of memory?)", suffix);
		return -1;
	}
	snprintf(name, sizeof(name), "%s-%s", f->session, suffix);
	code = lttng_register_trigger_with_name(t, name);
	if (code != LTTNG_OK) {
		lttng_trigger_destroy(t);
		ih_sd_seterr(err, errlen, "cannot register trigger %s: %s", name,
			lttng_strerror(-(int)code));
		return -1;
	}
	f->trig[f->nreg++] = t;
	return 0;
}

int ih_flight_arm(struct ih_flight *f, const char *session, const char *dir,
		uint64_t over_ns, unsigned max, char *err, size_t errlen)
{
	static const char *const caps[] = { "irq_id", "latency_ns" };
	char filter[64];
	enum lttng_notification_channel_status st;

	assert(max >= 1 && max <= IH_FLIGHT_MAX_SNAPSHOTS);
	memset(f, 0, sizeof(*f));
	snprintf(f->session, sizeof(f->session), "%s", session);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	f->over_ns = over_ns;
	f->max = max;
	snprintf(filter, sizeof(filter), "latency_ns > %" PRIu64, over_ns);
	f->spike_cond = event_condition("irqhop:vcpu_ack", filter, caps, 2);
	f->end_cond = event_condition("irqhop:run_end", NULL, NULL, 0);
	if (!f->spike_cond || !f->end_cond) {
		ih_sd_seterr(err, errlen, "cannot build the snapshot conditions (out of memory?)");
		goto fail;
	}
	/* Subscribe before registering: no notification can be missed. */
	f->chan = lttng_notification_channel_create(lttng_session_daemon_notification_endpoint);
	if (!f->chan) {
		ih_sd_seterr(err, errlen, "cannot open a notification channel to the session daemon");
		goto fail;
	}
	st = lttng_notification_channel_subscribe(f->chan, f->spike_cond);
	if (st == LTTNG_NOTIFICATION_CHANNEL_STATUS_OK)
		st = lttng_notification_channel_subscribe(f->chan, f->end_cond);
	if (st != LTTNG_NOTIFICATION_CHANNEL_STATUS_OK) {
		ih_sd_seterr(err, errlen, "cannot subscribe to the snapshot notifications (status %d)", (int)st);
		goto fail;
	}
	for (unsigned k = 1; k <= max; k++) {
		char suffix[32];

		snprintf(suffix, sizeof(suffix), "spike-%u", k);
		if (add_trigger(f, f->spike_cond, spike_actions(f, k), suffix, err, errlen) < 0)
			goto fail;
	}
	if (add_trigger(f, f->end_cond, lttng_action_notify_create(), "end", err, errlen) < 0)
		goto fail;
	return 0;
fail:
	ih_flight_disarm(f, NULL, 0);
	return -1;
}

/* Handles one notification: a spike trigger's (recorded in f->snap) or the
 * end trigger's (f->ended).  Never fails: an unknown one is ignored. */
static void take_notification(struct ih_flight *f, struct lttng_notification *n)
{
	const struct lttng_trigger *t = lttng_notification_get_trigger(n);
	const struct lttng_evaluation *ev = lttng_notification_get_evaluation(n);
	const struct lttng_event_field_value *caps = NULL, *e;
	const char *name = NULL, *suffix;
	unsigned k;
	uint64_t v[2] = { 0, 0 };

	if (!t || lttng_trigger_get_name(t, &name) != LTTNG_TRIGGER_STATUS_OK ||
	    strncmp(name, f->session, strlen(f->session)) != 0)
		return;
	suffix = name + strlen(f->session);
	if (strcmp(suffix, "-end") == 0) {
		f->ended = 1;
		return;
	}
	if (sscanf(suffix, "-spike-%u", &k) != 1 || k < 1 || k > f->max)
		return;
	if (ev && lttng_evaluation_event_rule_matches_get_captured_values(ev, &caps) ==
			LTTNG_EVALUATION_EVENT_RULE_MATCHES_STATUS_OK)
		for (unsigned i = 0; i < 2; i++)
			if (lttng_event_field_value_array_get_element_at_index(caps, i, &e) ==
					LTTNG_EVENT_FIELD_VALUE_STATUS_OK)
				lttng_event_field_value_unsigned_int_get_value(e, &v[i]);
	f->snap[k - 1].seen = 1;
	f->snap[k - 1].irq_id = v[0];
	f->snap[k - 1].latency_ns = v[1];
}

/* Finds DIR/spike-K-* (the snapshot's directory) into s->dir.  Returns 0,
 * or -1 when there is none. */
static int find_snapshot_dir(const struct ih_flight *f, unsigned k, struct ih_flight_snap *s)
{
	char prefix[32];
	DIR *d = opendir(f->dir);
	struct dirent *de;

	if (!d)
		return -1;
	snprintf(prefix, sizeof(prefix), "spike-%u-", k);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
			if (strlen(f->dir) + 1 + strlen(de->d_name) < sizeof(s->dir))
				snprintf(s->dir, sizeof(s->dir), "%.*s/%.255s", (int)(sizeof(s->dir) - 257),
					 f->dir, de->d_name);
			break;
		}
	closedir(d);
	return s->dir[0] ? 0 : -1;
}

/* Writes S's trigger.json.  Returns 0 or -1 with err set. */
static int write_tag(const struct ih_flight *f, unsigned k, const struct ih_flight_snap *s,
		char *err, size_t errlen)
{
	char path[4096 + 16];
	FILE *fp;
	int bad;

	snprintf(path, sizeof(path), "%s/trigger.json", s->dir);
	fp = fopen(path, "wx");
	if (!fp) {
		ih_sd_seterr(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "{\"snapshot\": %u, \"event\": \"irqhop:vcpu_ack\", \"condition\": \"latency_ns > %" PRIu64 "\", "
		"\"irq_id\": %" PRIu64 ", \"latency_ns\": %" PRIu64 ", \"over_ns\": %" PRIu64 ", "
		"\"excess_ns\": %" PRIu64 ", \"session\": \"%s\", "
		"\"label\": \"spike %u: irq %" PRIu64 " took %.3f ms, %.3f ms over %.3f ms\"}\n",
		k, f->over_ns, s->irq_id, s->latency_ns, f->over_ns,
		s->latency_ns > f->over_ns ? s->latency_ns - f->over_ns : 0, f->session,
		k, s->irq_id, (double)s->latency_ns / 1e6,
		(double)(s->latency_ns > f->over_ns ? s->latency_ns - f->over_ns : 0) / 1e6,
		(double)f->over_ns / 1e6);
	bad = ferror(fp);
	if (fclose(fp) != 0 || bad) {
		ih_sd_seterr(err, errlen, "cannot write %s", path);
		remove(path);
		return -1;
	}
	return 0;
}

int ih_flight_collect(struct ih_flight *f, int timeout_ms, char *err, size_t errlen)
{
	unsigned taken = 0;

	assert(f->chan && f->nreg == f->max + 1);
	for (int waited = 0; !f->ended;) {
		struct lttng_notification *n = NULL;
		enum lttng_notification_channel_status st;
		bool pending = false;

		st = lttng_notification_channel_has_pending_notification(f->chan, &pending);
		if (st != LTTNG_NOTIFICATION_CHANNEL_STATUS_OK) {
			ih_sd_seterr(err, errlen, "lost the notification channel of session %s (status %d)",
				f->session, (int)st);
			return -1;
		}
		if (!pending) {
			struct timespec ts = { 0, FLIGHT_POLL_MS * 1000000L };

			if (waited >= timeout_ms) {
				ih_sd_seterr(err, errlen, "no notification of run_end from session %s within %d s; "
					"the snapshots may be incomplete", f->session, timeout_ms / 1000);
				return -1;
			}
			nanosleep(&ts, NULL);
			waited += FLIGHT_POLL_MS;
			continue;
		}
		st = lttng_notification_channel_get_next_notification(f->chan, &n);
		if (st == LTTNG_NOTIFICATION_CHANNEL_STATUS_NOTIFICATIONS_DROPPED) {
			f->dropped++;
			continue;
		}
		if (st != LTTNG_NOTIFICATION_CHANNEL_STATUS_OK) {
			ih_sd_seterr(err, errlen, "cannot read a notification of session %s (status %d)",
				f->session, (int)st);
			return -1;
		}
		take_notification(f, n);
		lttng_notification_destroy(n);
	}
	/* Every action the daemon executed before run_end's is done: each
	 * notified snapshot is on disk, under its own directory. */
	for (unsigned k = 1; k <= f->max; k++) {
		struct ih_flight_snap *s = &f->snap[k - 1];

		if (!s->seen)
			continue;
		if (find_snapshot_dir(f, k, s) < 0) {
			ih_sd_seterr(err, errlen, "snapshot %u was notified but %s/spike-%u-* is missing",
				k, f->dir, k);
			return -1;
		}
		if (write_tag(f, k, s, err, errlen) < 0)
			return -1;
		taken++;
	}
	return (int)taken;
}

void ih_flight_disarm(struct ih_flight *f, char *err, size_t errlen)
{
	while (f->nreg > 0) {
		struct lttng_trigger *t = f->trig[--f->nreg];
		int ret = lttng_unregister_trigger(t);

		if (ret < 0 && err && !err[0])
			ih_sd_seterr(err, errlen, "cannot unregister a trigger of session %s: %s",
				f->session, lttng_strerror(ret));
		lttng_trigger_destroy(t);
	}
	if (f->chan) {
		lttng_notification_channel_destroy(f->chan);
		f->chan = NULL;
	}
	lttng_condition_destroy(f->spike_cond);
	lttng_condition_destroy(f->end_cond);
	f->spike_cond = f->end_cond = NULL;
}
