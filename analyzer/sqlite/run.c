/*
 * analyzer/sqlite/run.c - one run per trace of the input: started at the
 * trace's first stream beginning (before any of its events), told about
 * discarded events, freed with the sink.
 */
#include "config.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/store/snapshot.h"
#include "analyzer/reconstruct/rec.h"
#include "analyzer/steal/steal.h"
#include "analyzer/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sink_run_free(struct sink_run *run)
{
	if (!run)
		return;
	ih_rec_destroy(run->rec);
	sink_kernel_free(run);
	ih_steal_destroy(run->steal);
	free(run->host);
	free(run->uuid);
	free(run->trace_name);
	free(run->path);
	free(run->run_label);
	free(run->snap_label);
	free(run->tasklet_mode);
	free(run->notifier_mode);
	free(run->scenario);
	free(run->disc);
	free(run);
}

static int sink_emit(void *ctx, const struct ih_rec_row *row)
{
	struct sink_run *run = ctx;

	return ih_store_add_irq(run->srun, row, run->sink->err, sizeof(run->sink->err));
}

/* Formats a trace UUID; NULL when out of memory. */
static char *uuid_text(const uint8_t *uuid)
{
	char *s = malloc(37);

	if (s)
		snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
			 uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
	return s;
}

struct sink_run *sink_run_of_trace(struct ih_sink *sink, const void *trace)
{
	for (size_t i = 0; i < sink->nruns; i++) {
		if (sink->runs[i]->trace == trace)
			return sink->runs[i];
		for (size_t j = 0; j < sink->runs[i]->nalso; j++)
			if (sink->runs[i]->also[j] == trace)
				return sink->runs[i];
	}
	return NULL;
}

const char *sink_run_trace_text(const struct ih_sink *sink, const struct sink_run *run)
{
	if (sink->trace_param && sink->nruns == 1)
		return sink->trace_param;
	if (run->trace_name && run->trace_name[0])
		return run->trace_name;
	/* A trace without a name (no hostname in its environment): its
	 * folder, which src.ctf.fs gives as its streams' file names. */
	if (run->path)
		return run->path;
	return sink->trace_param ? sink->trace_param : "(unnamed trace)";
}

/* The folder of a stream's file when its NAME is a path (src.ctf.fs names
 * each stream by its file); NULL otherwise or when out of memory. */
static char *stream_folder(const char *name)
{
	const char *slash = name ? strrchr(name, '/') : NULL;

	if (!slash || slash == name)
		return NULL;
	return strndup(name, (size_t)(slash - name));
}

static const char *env_string(const bt_trace *trace, const char *name)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(trace, name);

	return v && bt_value_is_string(v) ? bt_value_string_get(v) : NULL;
}

void sink_trace_describe(const bt_trace *trace, const bt_stream *stream, struct sink_trace_desc *desc)
{
	bt_uuid uuid = bt_trace_get_uuid(trace);

	memset(desc, 0, sizeof(*desc));
	desc->key = trace;
	desc->hostname = env_string(trace, "hostname");
	desc->domain = env_string(trace, "domain");
	desc->env_trace_name = env_string(trace, "trace_name");
	desc->created = env_string(trace, "trace_creation_datetime");
	desc->name = bt_trace_get_name(trace);
	if (uuid) {
		desc->has_uuid = true;
		memcpy(desc->uuid, uuid, sizeof(desc->uuid));
	}
	desc->stream_name = bt_stream_get_name(stream);
}

/* Starts the run of the trace a stream belongs to (on the trace's first
 * stream, before any of its events).  Returns 0, or -1 after appending an
 * error cause. */
int sink_stream_beginning(struct ih_sink *sink, const bt_message *msg)
{
	const bt_stream *stream = bt_message_stream_beginning_borrow_stream_const(msg);
	const bt_trace *trace = bt_stream_borrow_trace_const(stream);
	struct sink_trace_desc desc;

	if (!sink->ship && sink_run_of_trace(sink, trace))
		return 0;
	sink_trace_describe(trace, stream, &desc);
	if (sink->ship)
		return sink_ship_stream(sink, &desc, stream);
	return sink_trace_begin(sink, &desc);
}

/* Host, UUID, name, and the run row, which refuses a UUID already analyzed
 * (unless replace). */
int sink_trace_begin(struct ih_sink *sink, const struct sink_trace_desc *desc)
{
	const void *trace = desc->key;
	struct sink_run *run, **runs;
	int ret = -1;

	char *session;
	bool is_kernel, oom;

	if (sink_run_of_trace(sink, trace)) {
		ret = 0;
		goto end;
	}
	session = sink_kernel_session(desc, &is_kernel, &oom);
	if (oom)
		goto oom;
	/* The traces of one LTTng session with a kernel channel are one
	 * kernel run (kernel.c). */
	for (size_t i = 0; session && i < sink->nruns; i++) {
		run = sink->runs[i];
		if (!run->session || strcmp(run->session, session) != 0 || !(run->kernel || is_kernel) ||
		    run->nalso == SINK_MAX_TRACES)
			continue;
		run->also[run->nalso++] = trace;
		run->kernel = true;
		free(session);
		ret = 0;
		goto end;
	}
	run = calloc(1, sizeof(*run));
	runs = realloc(sink->runs, (sink->nruns + 1) * sizeof(*runs));
	if (!run || !runs) {
		free(run);
		free(session);
		if (runs)
			sink->runs = runs;
		goto oom;
	}
	sink->runs = runs;
	sink->runs[sink->nruns++] = run;
	run->trace = trace;
	run->sink = sink;
	run->session = session;
	run->kernel = is_kernel;
	if (!(run->rec = ih_rec_create(sink_emit, run)))
		goto oom;
	if (desc->hostname && !(run->host = strdup(desc->hostname)))
		goto oom;
	if (desc->name && !(run->trace_name = strdup(desc->name)))
		goto oom;
	if (desc->has_uuid && !(run->uuid = uuid_text(desc->uuid)))
		goto oom;
	run->path = desc->stream_name ? stream_folder(desc->stream_name) : NULL;
	if (run->uuid) {
		char folder[256];
		int r = ih_store_snapshot_find(run->path, folder, sizeof(folder), &run->snap_label, sink->err,
					       sizeof(sink->err));
		char *key;

		if (r < 0) {
			SINK_ERROR_CAUSE(sink, "%s", sink->err);
			goto end;
		}
		/* One session's snapshots share its UUID: key each by its folder. */
		if (r > 0) {
			if (!(key = malloc(strlen(run->uuid) + 1 + strlen(folder) + 1)))
				goto oom;
			sprintf(key, "%s#%s", run->uuid, folder);
			free(run->uuid);
			run->uuid = key;
		}
	}
	run->srun = ih_store_run_begin(sink->store, sink_run_trace_text(sink, run), run->uuid, sink->replace,
				       sink->err, sizeof(sink->err));
	if (!run->srun) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		goto end;
	}
	ret = 0;
	goto end;
oom:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
end:
	return ret;
}

/* Counts a discarded-events message against its stream's run, and tells the
 * run's reconstruction where events may be missing.  Babeltrace sends the
 * message (at its range's beginning) before the packet whose header counts
 * the loss, but the lost events may come anywhere up to the range's end,
 * after that packet's last event: so the range's both ends are passed on,
 * and no tasklet bracket spanning part of the range is trusted (rec.h).  Lost
 * tasklet_exit events would otherwise attach later injects to the wrong
 * run: interrupts served across the gap are stored incomplete, never wrong.
 * Returns 0, or -1 after appending an error cause. */
int sink_discarded(struct ih_sink *sink, const bt_message *msg)
{
	const bt_stream *stream = bt_message_discarded_events_borrow_stream_const(msg);
	struct sink_run *run = NULL;
	int64_t begin = INT64_MIN, until = INT64_MIN;
	bool has_count;
	uint64_t n = 0;

	if (!sink->ship && !(run = sink_run_of_trace(sink, bt_stream_borrow_trace_const(stream)))) {
		SINK_ERROR_CAUSE(sink, "Discarded events in a stream that never began.");
		return -1;
	}
	has_count = bt_message_discarded_events_get_count(msg, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE;
	if (bt_stream_class_discarded_events_have_default_clock_snapshots(bt_stream_borrow_class_const(stream))) {
		if (bt_clock_snapshot_get_ns_from_origin(
			    bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg), &begin) !=
		    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
			begin = INT64_MIN;	/* beyond the clock's range: trust no open bracket */
		if (bt_clock_snapshot_get_ns_from_origin(
			    bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg), &until) !=
		    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
			until = INT64_MAX;	/* beyond the clock's range: trust no later bracket */
	}
	if (sink->ship)
		return sink_ship_discarded(sink, stream, bt_stream_get_id(stream), has_count, n, begin, until);
	return sink_discarded_apply(sink, run, bt_stream_get_id(stream), has_count, n, begin, until);
}

int sink_discarded_apply(struct ih_sink *sink, struct sink_run *run, uint64_t id, bool has_count, uint64_t n,
			 int64_t begin, int64_t until)
{
	if (has_count) {
		size_t i;

		/* LTTng 2.13's per-packet counters can go backwards under heavy
		 * loss (docs/record.md): babeltrace2 then reports a wrapped,
		 * huge count.  Adding modulo 2^64 gives each stream's net
		 * count, which is the tracer's own total. */
		run->discarded += n;
		for (i = 0; i < run->ndisc && run->disc[i].id != id; i++)
			;
		if (i == run->ndisc) {
			void *p = realloc(run->disc, (run->ndisc + 1) * sizeof(*run->disc));

			if (!p) {
				SINK_ERROR_CAUSE(sink, "Out of memory.");
				return -1;
			}
			run->disc = p;
			run->disc[run->ndisc].id = id;
			run->disc[run->ndisc].count = 0;
			run->ndisc++;
		}
		run->disc[i].count += n;
	}
	ih_rec_discontinuity(run->rec, begin, until);
	sink_kernel_discontinuity(run);
	return 0;
}
