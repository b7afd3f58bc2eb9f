/*
 * analyzer/sqlite/finish.c - the end of the input: each run's interrupts
 * still in flight are flushed as incomplete, its tables written, then every
 * run is committed in one transaction.
 */
#include "config.h"
#include "analyzer/sqlite/priv.h"
#include "analyzer/reconstruct/rec.h"
#include "analyzer/reconstruct/scenario.h"
#include "analyzer/steal/steal.h"
#include "analyzer/store/store.h"
#include "collector/events/clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Builds the vcpu list of RUN from its scenario's guests (vCPU ids in guest
 * order).  Returns 0, or -1 when out of memory (a scenario that does not
 * parse gives no list and a warning). */
static int run_vcpus(struct ih_sink *sink, struct sink_run *run, struct ih_json_guest **guests,
		     size_t *nguests, struct ih_store_vcpu **vcpus, size_t *nvcpus, const char ***names)
{
	size_t n = 0, k = 0;

	*vcpus = NULL;
	*nvcpus = 0;
	*names = NULL;
	if (!run->scenario)
		return 0;
	if (ih_json_scenario_guests(run->scenario, guests, nguests)) {
		SINK_WARN(sink, "Cannot read the guests of run_begin's scenario (not JSON?): vcpu table left "
			  "to the runstate events: trace=%s", run->trace_name ? run->trace_name : "?");
		return 0;
	}
	for (size_t g = 0; g < *nguests; g++)
		n += (*guests)[g].nvcpus;
	if (*nguests && !(*names = calloc(*nguests, sizeof(**names))))
		return -1;
	if (n && !(*vcpus = calloc(n, sizeof(**vcpus))))
		return -1;
	for (size_t g = 0; g < *nguests; g++) {
		(*names)[g] = (*guests)[g].name;
		for (size_t i = 0; i < (*guests)[g].nvcpus; i++, k++) {
			(*vcpus)[k].guest = (*guests)[g].name;
			(*vcpus)[k].kind = (*guests)[g].kind;
			(*vcpus)[k].pcpu = (*guests)[g].vcpu_pcpus[i];
		}
	}
	*nvcpus = n;
	return 0;
}

/* Flushes RUN's interrupts and writes its tables.  Returns 0, or -1 after
 * appending an error cause. */
static int sink_finish_run(struct ih_sink *sink, struct sink_run *run, struct ih_store_result *res)
{
	const struct ih_rec_stats *rs = ih_rec_stats(run->rec);
	struct ih_store_run_info info;
	struct ih_json_guest *guests = NULL;
	struct ih_store_vcpu *vcpus = NULL;
	const char **names = NULL;
	size_t nguests = 0, nvcpus = 0;
	int ret = -1;

	if (!run->ih_events && !run->kernel) {
		SINK_ERROR_CAUSE(sink, "trace %s has no irqhop events (no run_begin and no irqhop:* event; "
				 "was the channel enabled with 'irqhop:*'?)", sink_run_trace_text(sink, run));
		goto end;
	}
	if (!run->has_run_begin)
		SINK_WARN(sink, "Trace has no run_begin event: run configuration unknown: trace=%s, events=%" PRIu64,
			  sink_run_trace_text(sink, run), run->events);
	if (ih_rec_flush(run->rec)) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err[0] ? sink->err : "Out of memory.");
		goto end;
	}
	if (run->ndisc) {
		char list[512];
		size_t len = 0;

		list[0] = '\0';
		for (size_t i = 0; i < run->ndisc && len < sizeof(list) - 64; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PRIu64 ":%" PRIu64,
						i ? "," : "", run->disc[i].id, run->disc[i].count);
		SINK_WARN(sink, "Tracer discarded events: interrupts whose events were lost are stored "
			  "incomplete; use larger sub-buffers: trace=%s, discarded=%" PRIu64
			  ", per-stream=%s (stream-id:count)", sink_run_trace_text(sink, run), run->discarded, list);
	}
	if (run->steal && ih_steal_finish(run->steal, run->end_ns))
		goto oom;
	if (run->kernel) {
		if (sink_kernel_finish(sink, run, &vcpus, &nvcpus))
			goto end;
	} else if (run_vcpus(sink, run, &guests, &nguests, &vcpus, &nvcpus, &names)) {
		goto oom;
	}
	memset(&info, 0, sizeof(info));
	info.label = sink->label_param ? sink->label_param : run->snap_label ? run->snap_label : run->run_label;
	info.host = run->host;
	info.trace = sink_run_trace_text(sink, run);
	info.tasklet_mode = run->tasklet_mode;
	info.notifier_mode = run->notifier_mode;
	info.scenario = run->scenario;
	info.has_times = run->has_times;
	info.start_ns = run->start_ns;
	info.end_ns = run->end_ns;
	info.events = run->events;
	info.discarded = run->discarded;
	info.has_run_end = run->has_run_end;
	info.irqs_raised = run->raised;
	info.irqs_acked = run->acked;
	info.host_steal_ns = run->host_steal;
	info.host_total_ns = run->host_total;
	info.vcpus = vcpus;
	info.nvcpus = nvcpus;
	info.guests = names;
	info.nguests = nguests;
	if (ih_store_run_finish(run->srun, &info, run->steal, res, sink->err, sizeof(sink->err))) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		goto end;
	}
	SINK_INFO(sink, "Run written: db=%s, run-id=%" PRId64 ", host=%s, irqs=%" PRIu64 ", incomplete=%" PRIu64
		  ", orphans=%" PRIu64 ", clamped=%" PRIu64 ", inflight-max=%" PRIu64 ", events=%" PRIu64
		  ", discarded=%" PRIu64, sink->db, res->run_id, run->host ? run->host : "", res->irqs,
		  res->incomplete, rs->orphans, rs->clamped, rs->inflight_max, run->events, run->discarded);
	ret = 0;
	goto end;
oom:
	SINK_ERROR_CAUSE(sink, "Out of memory.");
end:
	ih_json_guests_free(guests, nguests);
	free(vcpus);
	free(names);
	return ret;
}

int sink_finish(struct ih_sink *sink)
{
	struct ih_store_result first;
	uint64_t t_decoded = ih_now_ns(), t_written;
	const struct ih_store_times *tm;

	sink->finished = true;
	ih_test_point("finishing");
	memset(&first, 0, sizeof(first));
	if (!sink->nruns) {
		SINK_ERROR_CAUSE(sink, "trace %s has no irqhop events (no stream at all)",
				 sink->trace_param ? sink->trace_param : "(input)");
		return -1;
	}
	for (size_t i = 0; i < sink->nruns; i++) {
		struct ih_store_result res;

		memset(&res, 0, sizeof(res));
		if (sink_finish_run(sink, sink->runs[i], &res))
			return -1;
		if (i == 0)
			first = res;
	}
	t_written = ih_now_ns();
	if (sink->shared_store)
		goto done;	/* the caller commits every trace's runs */
	if (ih_store_commit(sink->store, sink->err, sizeof(sink->err))) {
		SINK_ERROR_CAUSE(sink, "%s", sink->err);
		return -1;
	}
	tm = ih_store_times(sink->store);
	SINK_INFO(sink, "Committed: db=%s, runs=%zu, events=%" PRIu64 ", decode-s=%.3f, tables-s=%.3f, "
		  "drain-s=%.3f, index-s=%.3f, commit-s=%.3f", sink->db, sink->nruns, sink->events,
		  (double)(t_decoded - sink->t_start_ns) / 1e9, (double)(t_written - t_decoded) / 1e9,
		  tm->drain_s, tm->index_s, tm->commit_s);
done:
	if (sink->result) {
		struct sink_run *run = sink->runs[0];

		sink->result->committed = true;
		sink->result->nruns = sink->nruns;
		sink->result->run_id = first.run_id;
		sink->result->replaced = first.replaced;
		sink->result->irqs = first.irqs;
		sink->result->incomplete = first.incomplete;
		sink->result->events = run->events;
		sink->result->discarded = run->discarded;
	}
	return 0;
}
