/*
 * collector/record/session.c - the LTTng recording session of irqhop record, through
 * liblttng-ctl.  See collector/record/session.h.
 */
#include "config.h"
#include "collector/record/session.h"
#include "collector/record/sessiond.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>


/* liblttng-ctl returns negative codes from most calls and positive enum
 * lttng_error_code values from the _ext ones; lttng_strerror wants them
 * negative. */
static const char *lterr(int code)
{
	return lttng_strerror(code > 0 ? -code : code);
}

/* A name no other recording can hold: PID, time and random bits (two
 * irqhop record in one second from reused PIDs still differ).  Never
 * fails: without random bits it falls back to the clock's nanoseconds. */
static void unique_name(char *buf, size_t len)
{
	struct timespec ts;
	unsigned int rnd;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = (unsigned int)ts.tv_nsec;
	snprintf(buf, len, "irqhop-record-%ld-%lld-%08x", (long)getpid(),
		(long long)ts.tv_sec, rnd);
}

/* UST domain with per-UID buffers: the buffers belong to the session, not to
 * the traced process, so the runtime may exit before we stop tracing and its
 * last events still reach the trace; a run's short-lived processes share
 * them. */
static void ust_domain(struct lttng_domain *dom)
{
	memset(dom, 0, sizeof(*dom));
	dom->type = LTTNG_DOMAIN_UST;
	dom->buf_type = LTTNG_BUFFER_PER_UID;
}

/* Adds one context to every event of our channel.  On failure returns -1
 * with err set. */
static int add_context(struct ih_sess *s, enum lttng_event_context_type type,
		const char *what, char *err, size_t errlen)
{
	struct lttng_event_context ctx;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ctx = type;
	ret = lttng_add_context(s->handle, &ctx, NULL, IH_SESS_CHANNEL);
	if (ret < 0) {
		ih_sd_seterr(err, errlen, "cannot add the %s context to session %s: %s",
			what, s->name, lterr(ret));
		return -1;
	}
	return 0;
}

/* Creates the channel, enables the events and adds the contexts of an
 * existing session.  On failure returns -1 with err set (the caller
 * destroys the session). */
static int configure(struct ih_sess *s, const struct ih_sess_config *cfg,
		char *err, size_t errlen)
{
	struct lttng_domain dom;
	struct lttng_channel *chan;
	struct lttng_event *ev;
	int ret;

	ust_domain(&dom);
	s->handle = lttng_create_handle(s->name, &dom);
	if (!s->handle) {
		ih_sd_seterr(err, errlen, "cannot create a liblttng-ctl handle for session %s", s->name);
		return -1;
	}
	s->no_ust = cfg->no_ust;
	if (cfg->no_ust)
		return 0;

	/* lttng_channel_create() fills the domain's defaults, including the
	 * extended attributes plain structs lack. */
	chan = lttng_channel_create(&dom);
	if (!chan) {
		ih_sd_seterr(err, errlen, "cannot allocate an LTTng channel (out of memory?)");
		return -1;
	}
	snprintf(chan->name, sizeof(chan->name), "%s", IH_SESS_CHANNEL);
	/* discard: never lose the start of a path; a snapshot session
	 * (flight recorder) overwrites the oldest instead, keeping the latest. */
	chan->attr.overwrite = cfg->snapshot ? 1 : 0;
	chan->attr.subbuf_size = cfg->subbuf_size;
	chan->attr.num_subbuf = cfg->num_subbuf;
	chan->attr.output = LTTNG_EVENT_MMAP;  /* the only UST output */
	ret = lttng_enable_channel(s->handle, chan);
	lttng_channel_destroy(chan);
	if (ret < 0) {
		ih_sd_seterr(err, errlen, "cannot create channel %s (%llu x %llu bytes per CPU): %s",
			IH_SESS_CHANNEL, (unsigned long long)cfg->num_subbuf,
			(unsigned long long)cfg->subbuf_size, lterr(ret));
		return -1;
	}

	ev = lttng_event_create();
	if (!ev) {
		ih_sd_seterr(err, errlen, "cannot allocate an LTTng event rule (out of memory?)");
		return -1;
	}
	ev->type = LTTNG_EVENT_TRACEPOINT;
	snprintf(ev->name, sizeof(ev->name), "%s", IH_SESS_EVENTS);
	if (cfg->all_events) {
		ev->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		ev->loglevel = -1;
	} else {
		/* lttng-ust gives a tracepoint without an explicit loglevel
		 * TRACE_DEFAULT == DEBUG_LINE (13), so the catalogue's
		 * "default/INFO" events are matched by the range "at most
		 * DEBUG_LINE" and the DEBUG (14) softirq_* events are not.  A
		 * range of "at most INFO" would record nothing but explicit
		 * INFO events. */
		ev->loglevel_type = LTTNG_EVENT_LOGLEVEL_RANGE;
		ev->loglevel = LTTNG_LOGLEVEL_DEBUG_LINE;
	}
	ret = lttng_enable_event_with_exclusions(s->handle, ev, IH_SESS_CHANNEL,
		NULL, 0, NULL);
	lttng_event_destroy(ev);
	if (ret < 0) {
		ih_sd_seterr(err, errlen, "cannot enable events %s in session %s: %s",
			IH_SESS_EVENTS, s->name, lterr(ret));
		return -1;
	}

	if (add_context(s, LTTNG_EVENT_CONTEXT_VTID, "vtid", err, errlen) < 0 ||
	    add_context(s, LTTNG_EVENT_CONTEXT_PROCNAME, "procname", err, errlen) < 0)
		return -1;
	return 0;
}

/* liblttng-ctl prints its URL parser's complaints on stderr ("Error: ...")
 * unless its (exported, undocumented) quiet flag is set; our callers print
 * one line of their own.  Weak, so a liblttng-ctl without it still links. */
extern int lttng_opt_quiet __attribute__((weak));

/* Sets liblttng-ctl's quiet flag to q and returns the previous value.
 * Never fails (does nothing without the flag). */
static int lttng_quiet(int q)
{
	int old = 0;

	if (&lttng_opt_quiet) {
		old = lttng_opt_quiet;
		lttng_opt_quiet = q;
	}
	return old;
}

/* 1 when url is net://HOST[:PORT[:PORT]] or net6://[ADDR][:PORT[:PORT]]
 * with nothing after (HOST: letters, digits, '.', '-', '_'; ports: 1 to
 * 65535).  Never fails. */
static int relay_url_syntax(const char *url)
{
	const char *p;
	int ports = 0;

	if (strncmp(url, "net://", 6) == 0) {
		p = url + 6;
		if (!*p || *p == ':')
			return 0;
		for (; *p && *p != ':'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			      *p == '.' || *p == '-' || *p == '_'))
				return 0;
	} else if (strncmp(url, "net6://[", 8) == 0) {
		p = strchr(url + 8, ']');
		if (!p || p == url + 8)
			return 0;
		p++;
	} else {
		return 0;
	}
	while (*p == ':') {
		long v = 0;

		if (++ports > 2 || !(*++p >= '0' && *p <= '9'))
			return 0;
		for (; *p >= '0' && *p <= '9'; p++)
			if ((v = v * 10 + (*p - '0')) > 65535)
				return 0;
		if (v < 1)
			return 0;
	}
	return *p == '\0';
}

int ih_sess_check_relay_url(const char *url, char *err, size_t errlen)
{
	struct lttng_session_descriptor *desc;
	int q;

	/* Only net:// and net6:// name both ports of one relay daemon; the
	 * descriptor parses the URL (and resolves HOST) without contacting
	 * the relay. */
	if (!relay_url_syntax(url)) {
		ih_sd_seterr(err, errlen, "'%s' is not a net://HOST[:CTRL[:DATA]] URL", url);
		return -1;
	}
	q = lttng_quiet(1);
	desc = lttng_session_descriptor_network_create("irqhop-url-check", url, NULL);
	lttng_quiet(q);
	if (!desc) {
		ih_sd_seterr(err, errlen, "'%s' is not a usable net://HOST[:CTRL[:DATA]] URL (unknown host?)", url);
		return -1;
	}
	lttng_session_descriptor_destroy(desc);
	return 0;
}

/* ih_sess_create and ih_sess_create_relay: relay_url NULL writes locally. */
static int create(struct ih_sess *s, const struct ih_sess_config *cfg,
		const char *relay_url, uint64_t live_timer_us, char *err, size_t errlen)
{
	struct lttng_session_descriptor *desc;
	enum lttng_error_code code;
	const char *where = relay_url ? relay_url : cfg->output_dir;

	memset(s, 0, sizeof(*s));
	if (!relay_url && (!cfg->output_dir || cfg->output_dir[0] != '/')) {
		ih_sd_seterr(err, errlen, "the trace directory must be an absolute path");
		return -1;
	}
	unique_name(s->name, sizeof(s->name));
	if (!relay_url && cfg->snapshot) {
		desc = lttng_session_descriptor_snapshot_local_create(s->name, cfg->output_dir);
	} else if (!relay_url) {
		desc = lttng_session_descriptor_local_create(s->name, cfg->output_dir);
	} else {
		int q = lttng_quiet(1);

		if (live_timer_us)
			desc = lttng_session_descriptor_live_network_create(s->name, relay_url, NULL,
				live_timer_us);
		else
			desc = lttng_session_descriptor_network_create(s->name, relay_url, NULL);
		lttng_quiet(q);
	}
	if (!desc) {
		ih_sd_seterr(err, errlen, relay_url ?
			"cannot describe a session streaming to %s (not a net://HOST[:CTRL[:DATA]] URL?)" :
			"cannot describe a session writing to %s (invalid path?)", where);
		return -1;
	}
	code = lttng_create_session_ext(desc);
	lttng_session_descriptor_destroy(desc);
	if (code != LTTNG_OK) {
		ih_sd_seterr(err, errlen, "cannot create session %s %s %s: %s", s->name,
			relay_url ? "streaming to" : "writing to", where, lterr((int)code));
		return -1;
	}
	s->created = 1;
	if (configure(s, cfg, err, errlen) < 0) {
		char ignored[256];

		/* The relay daemon is first contacted here (channel creation):
		 * name it. */
		if (relay_url) {
			char first[512];

			snprintf(first, sizeof(first), "%s", err);
			ih_sd_seterr(err, errlen, "streaming to %s: %s", relay_url, first);
		}

		/* The first error is the one to report. */
		ih_sess_destroy(s, 10000, ignored, sizeof(ignored));
		return -1;
	}
	return 0;
}

int ih_sess_create(struct ih_sess *s, const struct ih_sess_config *cfg,
		char *err, size_t errlen)
{
	return create(s, cfg, NULL, 0, err, errlen);
}

int ih_sess_create_relay(struct ih_sess *s, const struct ih_sess_config *cfg,
		const char *relay_url, uint64_t live_timer_us, char *err, size_t errlen)
{
	return create(s, cfg, relay_url, live_timer_us, err, errlen);
}

int ih_sess_start(struct ih_sess *s, char *err, size_t errlen)
{
	int ret = lttng_start_tracing(s->name);

	if (ret < 0) {
		ih_sd_seterr(err, errlen, "cannot start tracing in session %s: %s", s->name, lterr(ret));
		return -1;
	}
	s->started = 1;
	return 0;
}

/* How often and how long ih_sess_stop() waits for the data to be written. */
#define IH_SESS_PENDING_POLL_MS 100
#define IH_SESS_PENDING_MAX_MS 60000

int ih_sess_stop(struct ih_sess *s, uint64_t *discarded, char *err, size_t errlen)
{
	struct lttng_channel *chans = NULL;
	int ret, n;

	*discarded = UINT64_MAX;
	/* Stop, then wait until the consumer daemon has written every
	 * sub-buffer: lttng_stop_tracing() would wait the same way (polling
	 * lttng_data_pending every 200 ms) but without a bound, and a buffer
	 * an application died writing into stays pending forever. */
	ret = lttng_stop_tracing_no_wait(s->name);
	if (ret < 0 && ret != -LTTNG_ERR_TRACE_ALREADY_STOPPED) {
		ih_sd_seterr(err, errlen, "cannot stop tracing in session %s: %s", s->name, lterr(ret));
		return -1;
	}
	s->started = 0;
	for (int waited_ms = 0;; waited_ms += IH_SESS_PENDING_POLL_MS) {
		struct timespec ts = { 0, IH_SESS_PENDING_POLL_MS * 1000000L };

		ret = lttng_data_pending(s->name);
		if (ret == 0)
			break;
		if (ret < 0) {
			ih_sd_seterr(err, errlen, "cannot tell whether session %s still has data to write: %s",
				     s->name, lterr(ret));
			return -1;
		}
		if (waited_ms >= IH_SESS_PENDING_MAX_MS) {
			ih_sd_seterr(err, errlen, "session %s still had data to write %d s after it was stopped",
				     s->name, IH_SESS_PENDING_MAX_MS / 1000);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	if (s->no_ust) {
		*discarded = 0;
		return 0;
	}
	/* The counts come from the buffers, which live until the session is
	 * destroyed: read them now. */
	n = lttng_list_channels(s->handle, &chans);
	if (n < 0) {
		ih_sd_seterr(err, errlen, "cannot list the channels of session %s: %s", s->name, lterr(n));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		uint64_t d;

		if (strcmp(chans[i].name, IH_SESS_CHANNEL) != 0)
			continue;
		ret = lttng_channel_get_discarded_event_count(&chans[i], &d);
		if (ret < 0) {
			free(chans);
			ih_sd_seterr(err, errlen, "cannot read the discarded-event count of channel %s: %s",
				IH_SESS_CHANNEL, lterr(ret));
			return -1;
		}
		*discarded = d;
	}
	free(chans);
	if (*discarded == UINT64_MAX) {
		ih_sd_seterr(err, errlen, "channel %s is missing from session %s", IH_SESS_CHANNEL, s->name);
		return -1;
	}
	return 0;
}

int ih_sess_destroy(struct ih_sess *s, int timeout_ms, char *err, size_t errlen)
{
	struct lttng_destruction_handle *dh = NULL;
	enum lttng_destruction_handle_status st;
	enum lttng_error_code code, result = LTTNG_OK;
	int rc = 0;

	if (s->handle) {
		lttng_destroy_handle(s->handle);
		s->handle = NULL;
	}
	if (!s->created)
		return 0;
	s->created = 0;
	s->started = 0;
	/* Destroying stops tracing first if needed, so this is also how an
	 * interrupted or failed recording is cleaned up. */
	code = lttng_destroy_session_ext(s->name, &dh);
	if (code != LTTNG_OK) {
		ih_sd_seterr(err, errlen, "cannot destroy session %s: %s", s->name, lterr((int)code));
		return -1;
	}
	st = lttng_destruction_handle_wait_for_completion(dh, timeout_ms);
	if (st == LTTNG_DESTRUCTION_HANDLE_STATUS_TIMEOUT) {
		ih_sd_seterr(err, errlen, "session %s was not destroyed within %d ms", s->name, timeout_ms);
		rc = -1;
	} else if (st != LTTNG_DESTRUCTION_HANDLE_STATUS_COMPLETED) {
		ih_sd_seterr(err, errlen, "lost track of the destruction of session %s", s->name);
		rc = -1;
	} else if (lttng_destruction_handle_get_result(dh, &result) !=
			LTTNG_DESTRUCTION_HANDLE_STATUS_OK || result != LTTNG_OK) {
		ih_sd_seterr(err, errlen, "destroying session %s failed: %s", s->name, lterr((int)result));
		rc = -1;
	}
	lttng_destruction_handle_destroy(dh);
	return rc;
}
