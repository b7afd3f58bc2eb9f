/*
 * analyzer/sqlite/ship.c - parallel decoding's wire, see ship.h: the sink's
 * ship mode (a decoding child's side) and the replay (the parent's side).
 */
#include "config.h"
#include "analyzer/sqlite/ship.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/reconstruct/catalogue.h"
#include "analyzer/reconstruct/kernel.h"
#include "analyzer/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the child's side: ship mode ----------------------------------------- */

#define SHIP_BUF ((size_t)256 << 10)

struct sink_ship {
	const struct ih_ship_config *cfg;
	unsigned char *buf;
	size_t n, cap;
	int64_t last_ts;		/* merge key of records without a time */
	uint16_t nclasses;
	/* bt_trace -> its number, learnt at its streams' beginnings */
	const bt_trace *trace_of[IH_SHIP_MAX_TRACES];
	bool shipped[IH_SHIP_MAX_TRACES];	/* its STREAM record was sent */
	const bt_stream *last_stream;
	int last_trace;
	uint64_t last_order;
};

/* Writes the buffer to the pipe.  -1 after appending an error cause. */
static int ship_flush(struct ih_sink *sink)
{
	struct sink_ship *s = sink->ship;
	size_t off = 0;

	while (off < s->n) {
		ssize_t w = write(s->cfg->fd, s->buf + off, s->n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			SINK_ERROR_CAUSE(sink, "Cannot write decoded events to irqhop analyze: %s", strerror(errno));
			return -1;
		}
		off += (size_t)w;
	}
	s->n = 0;
	return 0;
}

/* Room for LEN more bytes (flushing, or growing for one large record).  -1
 * after appending an error cause. */
static int ship_room(struct ih_sink *sink, size_t len)
{
	struct sink_ship *s = sink->ship;

	if (s->n + len <= s->cap)
		return 0;
	if (ship_flush(sink))
		return -1;
	if (len > s->cap) {
		unsigned char *p = realloc(s->buf, len);

		if (!p) {
			SINK_ERROR_CAUSE(sink, "Out of memory.");
			return -1;
		}
		s->buf = p;
		s->cap = len;
	}
	return 0;
}

static void put(struct sink_ship *s, const void *p, size_t len)
{
	memcpy(s->buf + s->n, p, len);
	s->n += len;
}

static void put_u8(struct sink_ship *s, uint8_t v) { put(s, &v, 1); }
static void put_u64(struct sink_ship *s, uint64_t v) { put(s, &v, 8); }

/* A string: u32 length with its NUL (0: NULL), then its bytes. */
static size_t str_size(const char *str) { return 4 + (str ? strlen(str) + 1 : 0); }
static void put_str(struct sink_ship *s, const char *str)
{
	uint32_t len = str ? (uint32_t)strlen(str) + 1 : 0;

	put(s, &len, 4);
	if (len)
		put(s, str, len);
}

/* Opens a record of type TYPE and body size BODY: header written, room made.
 * Returns where the header is, or -1 after appending an error cause. */
static int ship_begin(struct ih_sink *sink, uint8_t type, int trace, uint16_t cls, int64_t ts, uint64_t order,
		      size_t body)
{
	struct sink_ship *s = sink->ship;
	struct ih_ship_hdr h;

	if (sizeof(h) + body > IH_SHIP_MAX_RECORD) {
		SINK_ERROR_CAUSE(sink, "Event too large to decode in parallel: size=%zu", body);
		return -1;
	}
	if (ship_room(sink, sizeof(h) + body))
		return -1;
	h.len = (uint32_t)(sizeof(h) + body);
	h.type = type;
	h.trace = (uint8_t)trace;
	h.cls = cls;
	h.ts = ts;
	h.order = order;
	put(s, &h, sizeof(h));
	return 0;
}

int sink_ship_create(struct ih_sink *sink, const struct ih_ship_config *cfg)
{
	struct sink_ship *s = calloc(1, sizeof(*s));

	if (!s || !(s->buf = malloc(SHIP_BUF))) {
		free(s);
		return -1;
	}
	s->cfg = cfg;
	s->cap = SHIP_BUF;
	s->last_ts = INT64_MIN;
	s->last_trace = -1;
	sink->ship = s;
	return 0;
}

bool sink_ship_kernel(const struct ih_sink *sink)
{
	return sink->ship->cfg->kernel_session;
}

void sink_ship_free(struct sink_ship *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

/* The muxer's tie order of STREAM of trace K (ship.h). */
static uint64_t ship_order(const struct sink_ship *s, int k, const bt_stream *stream)
{
	uint64_t sc = bt_stream_class_get_id(bt_stream_borrow_class_const(stream));
	uint64_t id = bt_stream_get_id(stream);

	if (sc > 0xffff)
		sc = 0xffff;
	if (id > (UINT64_C(1) << 40) - 1)
		id = (UINT64_C(1) << 40) - 1;
	return (uint64_t)s->cfg->traces[k].rank << 56 | sc << 40 | id;
}

/* The number of STREAM's trace (learnt at its first stream), -1 if
 * unknown; sets s->last_order. */
static int ship_trace_of(struct sink_ship *s, const bt_stream *stream)
{
	const bt_trace *trace;

	if (stream == s->last_stream)
		return s->last_trace;
	trace = bt_stream_borrow_trace_const(stream);
	s->last_stream = stream;
	s->last_trace = -1;
	for (size_t i = 0; i < s->cfg->ntraces; i++)
		if (s->trace_of[i] == trace)
			s->last_trace = (int)i;
	if (s->last_trace >= 0)
		s->last_order = ship_order(s, s->last_trace, stream);
	return s->last_trace;
}

int sink_ship_stream(struct ih_sink *sink, const struct sink_trace_desc *desc, const bt_stream *stream)
{
	struct sink_ship *s = sink->ship;
	const char *file = desc->stream_name ? strrchr(desc->stream_name, '/') : NULL;
	char *stream_name = NULL;
	int k = -1, ret = -1;
	size_t body;

	/* Which input: src.ctf.fs names a stream by its file's path. */
	for (size_t i = 0; desc->stream_name && i < s->cfg->ntraces; i++) {
		size_t len = strlen(s->cfg->traces[i].input);

		if (strncmp(desc->stream_name, s->cfg->traces[i].input, len) == 0 && desc->stream_name[len] == '/')
			k = (int)i;
	}
	if (k < 0) {
		SINK_ERROR_CAUSE(sink, "Stream of no input folder: stream=%s",
				 desc->stream_name ? desc->stream_name : "(unnamed)");
		goto end;
	}
	s->trace_of[k] = desc->key;
	s->last_stream = NULL;
	if (s->shipped[k]) {
		ret = 0;
		goto end;
	}
	s->shipped[k] = true;
	/* The stream's name as in the trace's own folder. */
	if (file && asprintf(&stream_name, "%s%s", s->cfg->traces[k].folder, file) < 0) {
		stream_name = NULL;
		SINK_ERROR_CAUSE(sink, "Out of memory.");
		goto end;
	}
	body = str_size(desc->hostname) + str_size(desc->domain) + str_size(desc->env_trace_name) +
	       str_size(desc->created) + str_size(desc->name) + 1 + 16 + str_size(stream_name);
	if (ship_begin(sink, IH_SHIP_STREAM, k, 0, s->last_ts, ship_order(s, k, stream), body))
		goto end;
	put_str(s, desc->hostname);
	put_str(s, desc->domain);
	put_str(s, desc->env_trace_name);
	put_str(s, desc->created);
	put_str(s, desc->name);
	put_u8(s, desc->has_uuid);
	put(s, desc->uuid, 16);
	put_str(s, stream_name);
	ret = 0;
end:
	free(stream_name);
	return ret;
}

/* The CLASS record of E, on its first event here.  -1 after appending an
 * error cause. */
static int ship_class(struct ih_sink *sink, struct sink_evc *e, int trace)
{
	struct sink_ship *s = sink->ship;
	uint32_t kmask = 0;

	if (s->nclasses == UINT16_MAX) {
		SINK_ERROR_CAUSE(sink, "Too many event classes to decode in parallel.");
		return -1;
	}
	for (int i = 0; i < SINK_KF_COUNT_; i++)
		if (e->kdecode && e->kfield[i] >= 0)
			kmask |= 1u << i;
	if (ship_begin(sink, IH_SHIP_CLASS, trace, s->nclasses, s->last_ts, s->last_order,
		       4 + 1 + (size_t)e->nmembers + 4 + str_size(e->name)))
		return -1;
	put_u8(s, e->has_clock);
	put_u8(s, e->vtid_idx >= 0);
	put_u8(s, e->needs_vtid && e->vtid_idx >= 0);
	put_u8(s, (uint8_t)e->nmembers);
	put_u8(s, e->kdecode);
	put(s, e->slot, (size_t)e->nmembers);
	put(s, &kmask, 4);
	put_str(s, e->name);
	e->ship_id = s->nclasses++;
	e->shipped = true;
	return 0;
}

int sink_ship_event(struct ih_sink *sink, struct sink_evc *e, const bt_event *event, const struct sink_ev *ev)
{
	struct sink_ship *s = sink->ship;
	int trace = ship_trace_of(s, bt_event_borrow_stream_const(event));
	size_t body = 0;
	int ret = -1;

	if (trace < 0) {
		SINK_ERROR_CAUSE(sink, "Event of a stream that never began: event=%s", e->name);
		goto end;
	}
	if (!e->shipped && ship_class(sink, e, trace))
		goto end;
	if (e->has_clock)
		s->last_ts = ev->ts;
	for (int i = 0; i < e->nmembers; i++)
		if (e->slot[i])
			body += 8;
	if (ev->has_vtid)
		body += 8;
	if (e->kind == IH_EV_RUN_BEGIN)
		for (int i = 0; i < SINK_STR_COUNT_; i++)
			body += str_size(ev->str[i]);
	if (e->kdecode) {
		body += 8 + 4;
		for (int i = 0; i < SINK_KF_COUNT_; i++)
			if (e->kfield[i] >= 0)
				body += 8 + str_size(ev->kstr[i]);
	}
	if (ship_begin(sink, IH_SHIP_EVENT, trace, e->ship_id, s->last_ts, s->last_order, body))
		goto end;
	for (int i = 0; i < e->nmembers; i++)
		if (e->slot[i])
			put_u64(s, sink->v[e->slot[i]]);
	if (ev->has_vtid)
		put_u64(s, (uint64_t)ev->vtid);
	if (e->kind == IH_EV_RUN_BEGIN)
		for (int i = 0; i < SINK_STR_COUNT_; i++)
			put_str(s, ev->str[i]);
	if (e->kdecode) {
		put_u64(s, (uint64_t)ev->ktid);
		put(s, &ev->kcpu, 4);
		for (int i = 0; i < SINK_KF_COUNT_; i++) {
			if (e->kfield[i] < 0)
				continue;
			put_u64(s, (uint64_t)ev->kf[i]);
			put_str(s, ev->kstr[i]);
		}
	}
	ret = 0;
end:
	for (int i = 0; i < e->nmembers; i++)
		sink->v[e->slot[i]] = 0;
	return ret;
}

int sink_ship_discarded(struct ih_sink *sink, const bt_stream *stream, uint64_t id, bool has_count, uint64_t n,
			int64_t begin, int64_t until)
{
	struct sink_ship *s = sink->ship;
	int trace = ship_trace_of(s, stream);

	if (trace < 0) {
		SINK_ERROR_CAUSE(sink, "Discarded events in a stream that never began.");
		return -1;
	}
	if (ship_begin(sink, IH_SHIP_DISCARDED, trace, 0, begin != INT64_MIN ? begin : s->last_ts, s->last_order,
		       8 + 1 + 8 + 8 + 8))
		return -1;
	put_u64(s, id);
	put_u8(s, has_count);
	put_u64(s, n);
	put_u64(s, (uint64_t)begin);
	put_u64(s, (uint64_t)until);
	return 0;
}

int sink_ship_end(struct ih_sink *sink)
{
	if (ship_begin(sink, IH_SHIP_END, 0, 0, sink->ship->last_ts, UINT64_MAX, 0))
		return -1;
	return ship_flush(sink);
}

/* ---- the parent's side: the replay --------------------------------------- */

/* One child's classes, by their number. */
struct replay_child {
	struct sink_evc *evc;
	char **names;
	size_t n, cap;
};

struct ih_replay {
	struct ih_sink *sink;
	struct replay_child *child;
	int nchild;
	char err[1024];
};

/* A cursor over one record's body: every read is bounds-checked. */
struct cur {
	const unsigned char *p, *end;
	bool bad;
};

static void get(struct cur *c, void *out, size_t len)
{
	if (c->bad || (size_t)(c->end - c->p) < len) {
		c->bad = true;
		memset(out, 0, len);
		return;
	}
	memcpy(out, c->p, len);
	c->p += len;
}

static uint8_t get_u8(struct cur *c) { uint8_t v; get(c, &v, 1); return v; }
static uint64_t get_u64(struct cur *c) { uint64_t v; get(c, &v, 8); return v; }

/* A string as put_str wrote it, borrowed from the record (NULL when absent
 * or malformed: then c->bad). */
static const char *get_str(struct cur *c)
{
	uint32_t len;
	const char *s;

	get(c, &len, 4);
	if (c->bad || !len)
		return NULL;
	if ((size_t)(c->end - c->p) < len || c->p[len - 1] != '\0') {
		c->bad = true;
		return NULL;
	}
	s = (const char *)c->p;
	c->p += len;
	return s;
}

static int replay_fail(struct ih_replay *r, const char *what)
{
	if (!r->err[0])
		snprintf(r->err, sizeof(r->err), "%s", r->sink->cause[0] ? r->sink->cause : what);
	return -1;
}

struct ih_replay *ih_replay_create(const bt_value *params, struct ih_sink_result *result, int nchild, char *err,
				   size_t errlen)
{
	struct ih_replay *r = calloc(1, sizeof(*r));

	if (!r || !(r->child = calloc((size_t)nchild, sizeof(*r->child)))) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	r->nchild = nchild;
	if (sink_create(NULL, params, result, &r->sink)) {
		snprintf(err, errlen, "%s", r->sink && r->sink->cause[0] ? r->sink->cause : "out of memory");
		ih_replay_destroy(r);
		return NULL;
	}
	return r;
}

/* A CLASS record: the class as the child resolved it, its handler from its
 * name (evclass.c, the same table). */
static int replay_class(struct ih_replay *r, struct replay_child *ch, const struct ih_ship_hdr *h, struct cur *c)
{
	struct ih_sink *sink = r->sink;
	struct sink_evc *e;
	const char *name;
	uint32_t kmask;
	bool vtid_ctx, needs;
	char *dup;

	if (h->cls != ch->n)
		return replay_fail(r, "decoded events out of order (class number)");
	if (ch->n == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 64;
		struct sink_evc *evc = realloc(ch->evc, cap * sizeof(*evc));
		char **names;

		if (evc)
			ch->evc = evc;
		names = evc ? realloc(ch->names, cap * sizeof(*names)) : NULL;
		if (!names)
			return replay_fail(r, "out of memory");
		ch->names = names;
		ch->cap = cap;
	}
	e = &ch->evc[ch->n];
	memset(e, 0, sizeof(*e));
	e->has_clock = get_u8(c);
	vtid_ctx = get_u8(c);
	needs = get_u8(c);
	e->nmembers = get_u8(c);
	e->kdecode = get_u8(c);
	if (e->nmembers > SINK_MAX_MEMBERS)
		c->bad = true;
	get(c, e->slot, c->bad ? 0 : (size_t)e->nmembers);
	get(c, &kmask, 4);
	name = get_str(c);
	for (int i = 0; i < e->nmembers; i++)
		if (e->slot[i] >= S_COUNT_)
			c->bad = true;
	if (c->bad || !name)
		return replay_fail(r, "malformed decoded event class");
	if (!(dup = strdup(name)))
		return replay_fail(r, "out of memory");
	ch->names[ch->n++] = dup;
	e->ec = (const bt_event_class *)e;	/* resolved */
	e->name = dup;
	e->vtid_idx = vtid_ctx ? 0 : -1;
	(void)sink_evc_dispatch(e, name);
	e->needs_vtid = needs;
	e->kev = ih_kev_from_name(name);
	if (!e->kev)
		e->kdecode = false;
	for (int i = 0; i < SINK_KF_COUNT_; i++)
		e->kfield[i] = (int8_t)((kmask >> i) & 1u ? i : -1);
	if (e->kind >= 0 && !vtid_ctx && !sink->warned_vtid) {
		sink->warned_vtid = true;
		SINK_WARN(sink, "Event has no vtid context: coalesced tasklet runs cannot be told apart "
			  "per thread; record with `lttng add-context -u -t vtid`: event=%s", name);
	}
	return 0;
}

static int replay_stream(struct ih_replay *r, const struct ih_ship_hdr *h, struct cur *c)
{
	struct sink_trace_desc d;

	memset(&d, 0, sizeof(d));
	d.key = (const void *)(uintptr_t)(h->trace + 1);
	d.hostname = get_str(c);
	d.domain = get_str(c);
	d.env_trace_name = get_str(c);
	d.created = get_str(c);
	d.name = get_str(c);
	d.has_uuid = get_u8(c);
	get(c, d.uuid, 16);
	d.stream_name = get_str(c);
	if (c->bad)
		return replay_fail(r, "malformed decoded stream");
	if (sink_trace_begin(r->sink, &d))
		return replay_fail(r, "cannot start the run");
	return 0;
}

static int replay_event(struct ih_replay *r, struct replay_child *ch, const struct ih_ship_hdr *h, struct cur *c)
{
	struct ih_sink *sink = r->sink;
	struct sink_run *run = sink_run_of_trace(sink, (const void *)(uintptr_t)(h->trace + 1));
	struct sink_evc *e;
	struct sink_ev ev;

	if (h->cls >= ch->n || !run)
		return replay_fail(r, "decoded event of an unknown class or stream");
	e = &ch->evc[h->cls];
	/* The child was told the run is not a kernel one (its metadata's
	 * env), but the traces' descriptions say it is: never silently wrong. */
	if (e->kev && run->kernel && !e->kdecode)
		return replay_fail(r, "a kernel run decoded without its kernel fields (retry with --jobs 1)");
	ev.ts = e->has_clock ? h->ts : 0;
	for (int i = 0; i < e->nmembers; i++)
		if (e->slot[i])
			sink->v[e->slot[i]] = get_u64(c);
	ev.has_vtid = e->needs_vtid;
	ev.vtid = ev.has_vtid ? (int64_t)get_u64(c) : 0;
	if (e->kind == IH_EV_RUN_BEGIN)
		for (int i = 0; i < SINK_STR_COUNT_; i++)
			ev.str[i] = get_str(c);
	if (e->kdecode) {
		ev.ktid = (int64_t)get_u64(c);
		get(c, &ev.kcpu, 4);
		for (int i = 0; i < SINK_KF_COUNT_; i++) {
			ev.kf[i] = 0;
			ev.kstr[i] = NULL;
			if (e->kfield[i] < 0)
				continue;
			ev.kf[i] = (int64_t)get_u64(c);
			ev.kstr[i] = get_str(c);
		}
	}
	if (c->bad) {
		for (int i = 0; i < e->nmembers; i++)
			sink->v[e->slot[i]] = 0;
		return replay_fail(r, "malformed decoded event");
	}
	if (sink_apply(sink, run, e, &ev))
		return replay_fail(r, "cannot handle an event");
	return 0;
}

static int replay_discarded(struct ih_replay *r, const struct ih_ship_hdr *h, struct cur *c)
{
	struct sink_run *run = sink_run_of_trace(r->sink, (const void *)(uintptr_t)(h->trace + 1));
	uint64_t id = get_u64(c), n;
	bool has_count = get_u8(c);
	int64_t begin, until;

	n = get_u64(c);
	begin = (int64_t)get_u64(c);
	until = (int64_t)get_u64(c);
	if (c->bad || !run)
		return replay_fail(r, "malformed decoded discarded-events record");
	if (sink_discarded_apply(r->sink, run, id, has_count, n, begin, until))
		return replay_fail(r, "cannot count discarded events");
	return 0;
}

int ih_replay_feed(struct ih_replay *r, int child, const struct ih_ship_hdr *h, const unsigned char *body)
{
	struct cur c = { body, body + (h->len - sizeof(*h)), false };
	struct replay_child *ch = &r->child[child];

	if (r->err[0])
		return -1;
	if (h->len < sizeof(*h) || h->trace >= IH_SHIP_MAX_TRACES)
		return replay_fail(r, "malformed decoded record");
	switch (h->type) {
	case IH_SHIP_CLASS:
		return replay_class(r, ch, h, &c);
	case IH_SHIP_STREAM:
		return replay_stream(r, h, &c);
	case IH_SHIP_EVENT:
		return replay_event(r, ch, h, &c);
	case IH_SHIP_DISCARDED:
		return replay_discarded(r, h, &c);
	case IH_SHIP_END:
		return 0;
	default:
		return replay_fail(r, "malformed decoded record (type)");
	}
}

int ih_replay_finish(struct ih_replay *r)
{
	if (r->err[0])
		return -1;
	if (sink_finish(r->sink))
		return replay_fail(r, "cannot write the run");
	return 0;
}

void ih_replay_drop(struct ih_replay *r)
{
	for (size_t i = 0; i < r->sink->nruns; i++)
		if (r->sink->runs[i]->srun)
			ih_store_run_drop(r->sink->runs[i]->srun);
}

const char *ih_replay_error(const struct ih_replay *r)
{
	return r->err;
}

void ih_replay_destroy(struct ih_replay *r)
{
	if (!r)
		return;
	sink_free(r->sink);
	for (int i = 0; r->child && i < r->nchild; i++) {
		for (size_t k = 0; k < r->child[i].n; k++)
			free(r->child[i].names[k]);
		free(r->child[i].names);
		free(r->child[i].evc);
	}
	free(r->child);
	free(r);
}
