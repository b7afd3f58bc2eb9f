/*
 * analyzer/sqlite/priv.h - what the files of the sink.irqhop.sqlite component
 * class share (not part of its contract, which is sink.h).
 *
 * One file per concept, as in Babeltrace's own plugins:
 *   params.c     the component's parameters (db, label, trace, window, replace)
 *   component.c  lifecycle: initialize, graph-is-configured, consume (message
 *                dispatch by type), finalize, the class for irqhop analyze
 *   evclass.c    event-class resolution: which handler and which payload
 *                slots each event class gets (the dispatch table)
 *   decode.c     decoding one event message and the handlers it dispatches to
 *   run.c        one run per trace: stream beginnings, discarded events
 *   finish.c     end of the input: each run's tables, then the commit
 *
 * Adding an event family (e.g. kernel events) means: a handler in decode.c
 * (or its own file), and rows in evclass.c's tables naming its events, slots
 * and handler; nothing else changes.
 */
#ifndef IH_SINK_PRIV_H
#define IH_SINK_PRIV_H
#include "analyzer/sqlite/sink.h"
#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Where a payload member's value goes. */
enum sink_slot {
	S_NONE = 0,
	S_IRQ_ID, S_PCPU, S_VCPU, S_SOURCE, S_VECTOR, S_TARGET_PCPU, S_EFD, S_WORKER,
	S_TASKLET, S_WORK, S_LOCK_WAIT, S_VM_LOCK_WAIT, S_MODE, S_QUEUED,
	S_RAISED, S_ACKED, S_HOST_STEAL, S_HOST_TOTAL,
	S_GUEST, S_OLD, S_NEW, S_IRQ_NS, S_SOFTIRQ_NS, S_TASKLET_NS, S_LOCK_SPIN_NS,
	S_LOCK, S_ACQ, S_CONTENDED, S_WAIT_NS, S_HOLD_NS, S_RUN_NS, S_RUN_DELAY_NS,
	S_COUNT_
};
#define SLOT_BIT(s) (UINT64_C(1) << (s))

#define SINK_MAX_MEMBERS 16

/* Payload members of the kernel events the kernel model reads (kernel.c). */
enum sink_kfield {
	SINK_KF_WORK, SINK_KF_ADDRESS, SINK_KF_DATA, SINK_KF_GSI, SINK_KF_LEVEL, SINK_KF_E, SINK_KF_PIN,
	SINK_KF_PREV_TID, SINK_KF_NEXT_TID, SINK_KF_PREV_STATE, SINK_KF_PREV_COMM, SINK_KF_NEXT_COMM,
	SINK_KF_TID, SINK_KF_COMM, SINK_KF_TARGET_CPU, SINK_KF_TYPE, SINK_KF_GPA,
	SINK_KF_IRQ_ID, SINK_KF_SOURCE, SINK_KF_VECTOR,
	SINK_KF_COUNT_
};
#define SINK_MAX_TRACES 8

/* Accounting event kinds, beyond enum ih_ev (which maps them to
 * IH_EV_OTHER): resolved by name once per event class. */
enum sink_acct { A_NONE = 0, A_RUNSTATE, A_ACCOUNT, A_LOCK_STAT, A_SCHEDSTAT };

struct ih_sink;
struct ih_store_vcpu;
struct sink_run;
struct sink_evc;
struct sink_ship;
struct ih_ship_config;

/* run_begin's strings, by name (one event per run: read by name). */
enum sink_str { SINK_STR_LABEL, SINK_STR_SCENARIO, SINK_STR_TASKLET_MODE, SINK_STR_NOTIFIER_MODE,
		SINK_STR_COUNT_ };

/* An event's decoded parts beyond its payload slots (sink->v): what every
 * handler reads instead of the bt_event, so that an event decoded in
 * another process (ship.h: parallel decoding) is handled by the same code.
 * Strings are borrowed for the handler's call. */
struct sink_ev {
	int64_t ts;
	bool has_vtid;
	int64_t vtid;
	const char *str[SINK_STR_COUNT_];	/* run_begin; NULL when absent */
	/* Kernel model: the common context's tid, the packet's cpu_id, and
	 * each kfield present in the class (integers in kf, strings in kstr). */
	int64_t ktid;
	uint32_t kcpu;
	int64_t kf[SINK_KF_COUNT_];
	const char *kstr[SINK_KF_COUNT_];
};

/* What an event class's events are handed to, after their payload slots
 * are decoded into sink->v and the rest into EV.  Returns 0, or -1 after
 * appending an error cause. */
typedef int (*sink_handler_fn)(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
			       const struct sink_ev *ev);

/* What the sink knows about one event class, resolved on its first event
 * (evclass.c) so decoding an event is a table lookup and a loop over
 * integer members. */
struct sink_evc {
	const bt_event_class *ec;	/* key (borrowed: lives as long as the trace) */
	const char *name;		/* the class's name (borrowed likewise) */
	int kind;			/* enum ih_ev, or -1: not an irqhop event */
	uint8_t acct;			/* enum sink_acct */
	bool has_clock;
	sink_handler_fn handle;		/* NULL: counted, nothing else */
	int nmembers;
	uint8_t slot[SINK_MAX_MEMBERS];
	bool is_signed[SINK_MAX_MEMBERS];
	int64_t vtid_idx;		/* common context member index, -1 if none */
	bool vtid_signed;
	bool needs_vtid;		/* tasklet brackets: entry, exit, inject */
	/* Kernel model (kernel.c): enum ih_kev, and where its fields are. */
	int kev;
	int8_t kfield[SINK_KF_COUNT_];	/* payload member index, -1 if absent */
	int8_t ktid_idx;		/* common context tid (or vtid), -1 */
	int8_t kcpu_idx;		/* packet context cpu_id, -1 */
	/* Whether decoding reads the kernel fields (kev, and in ship mode only
	 * where the kernel model may use them). */
	bool kdecode;
	/* Ship mode: the class's number on the wire, once its record is sent. */
	bool shipped;
	uint16_t ship_id;
};

/* What the sink reads of a trace at its first stream beginning: taken
 * from the bt_trace in-process, or shipped by a decoding child (ship.h). */
struct sink_trace_desc {
	const void *key;		/* identity: the bt_trace, or the replay's trace number */
	const char *hostname, *domain, *env_trace_name, *created;	/* environment, NULL if absent */
	const char *name;		/* bt_trace_get_name(), NULL if none */
	bool has_uuid;
	uint8_t uuid[16];
	const char *stream_name;	/* the first stream's name (its file, for src.ctf.fs) */
};

/* One trace of the input: one run. */
struct sink_run {
	const void *trace;		/* identity only (sink_trace_desc.key) */
	struct ih_sink *sink;
	struct ih_rec *rec;
	struct ih_steal *steal;		/* created at the run's first event */
	struct ih_store_run *srun;
	char *host, *uuid, *trace_name;
	char *path;			/* folder of its first stream's file, if known */
	char *run_label, *tasklet_mode, *notifier_mode, *scenario;
	char *snap_label;		/* a flight-recorder snapshot's trigger label, or NULL */
	bool has_times;
	int64_t start_ns, end_ns;
	uint64_t events, ih_events, discarded;
	bool has_run_begin, has_run_end;
	uint64_t raised, acked, host_steal, host_total;
	/* Discarded events per stream (ids of the trace), for the log. */
	struct { uint64_t id, count; } *disc;
	size_t ndisc;
	/* Kernel runs (kernel.c): a kernel-domain trace and the UST traces of
	 * the same LTTng session (hostname, trace_name, creation time) are one
	 * run, reconstructed with the kernel model. */
	bool kernel;
	char *session;			/* the session key, NULL when the env lacks it */
	const void *also[SINK_MAX_TRACES];	/* the run's other traces (keys) */
	size_t nalso;
	struct ih_kern *kern;		/* created at its first event */
	struct ih_kthreads *kthreads;
};

struct ih_sink {
	/* Payload values of the event being decoded, by slot.  All zero
	 * between events: sink_event() clears the slots it wrote, which is
	 * cheaper than clearing the whole array per event (a `rep stos` was a
	 * third of sink_event's time). */
	uint64_t v[S_COUNT_];
	bt_self_component *self_comp;
	bt_logging_level log_level;
	const char *name;
	bt_message_iterator *iter;
	struct ih_sink_result *result;

	char *db, *label_param, *trace_param;
	int64_t window_ns;
	bool replace;
	struct ih_store *store;
	bool shared_store;		/* result->store: not ours to commit or destroy */

	struct sink_run **runs;
	size_t nruns;
	const bt_stream *last_stream;	/* cache: stream -> run */
	struct sink_run *last_run;
	struct sink_ship *ship;		/* ship mode (a decoding child): events go there */
	char cause[1024];		/* replay (no component): the first error cause */

	struct sink_evc *evc;		/* open addressing, keyed by pointer */
	size_t evc_cap, evc_n;

	uint64_t events;		/* all runs */
	uint64_t t_start_ns;		/* first message (ih_now_ns) */
	bool warned_vtid;
	bool finished;
	char err[1024];
};

/* Log lines are sentences with name=value fields, like Babeltrace's own. */
#define SINK_LOG(_sink, _lvl, _letter, _fmt, ...) do { \
	if ((_sink)->log_level <= (_lvl)) \
		fprintf(stderr, "%c irqhop [%s] " _fmt "\n", (_letter), (_sink)->name, ##__VA_ARGS__); \
} while (0)
#define SINK_WARN(_sink, _fmt, ...) SINK_LOG(_sink, BT_LOGGING_LEVEL_WARNING, 'W', _fmt, ##__VA_ARGS__)
#define SINK_INFO(_sink, _fmt, ...) SINK_LOG(_sink, BT_LOGGING_LEVEL_INFO, 'I', _fmt, ##__VA_ARGS__)
/* Without a component (the replay of parallel decoding, ship.h) the first
 * cause is kept in sink->cause: it is the root cause irqhop analyze prints. */
#define SINK_ERROR_CAUSE(_sink, _fmt, ...) do { \
	if ((_sink)->self_comp) \
		BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT((_sink)->self_comp, _fmt, ##__VA_ARGS__); \
	else if (!(_sink)->cause[0]) \
		snprintf((_sink)->cause, sizeof((_sink)->cause), _fmt, ##__VA_ARGS__); \
} while (0)

/* params.c: checks PARAMS and fills sink's db, label_param, trace_param,
 * window_ns and replace.  Returns 0; -1 after appending an error cause (bad
 * parameter), -2 when out of memory (no cause appended). */
int sink_params_read(struct ih_sink *sink, const bt_value *params);

/* evclass.c: the slot of EC in the table (free or matching). */
struct sink_evc *sink_evc_slot(struct ih_sink *sink, const bt_event_class *ec);
/* evclass.c: resolves what the sink needs about EC (first event of that
 * class).  NULL when out of memory. */
struct sink_evc *sink_evc_resolve(struct ih_sink *sink, const bt_event_class *ec);

/* decode.c: handlers named by evclass.c's tables. */
int sink_on_rec(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e, const struct sink_ev *ev);
int sink_on_acct(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e, const struct sink_ev *ev);
int sink_on_run_begin(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
		      const struct sink_ev *ev);
int sink_on_run_end(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
		    const struct sink_ev *ev);
/* decode.c: decodes one event message and hands it to its class's handler
 * (or, in ship mode, to the ship).  Returns 0, or -1 after appending an
 * error cause. */
int sink_event(struct ih_sink *sink, const bt_message *msg);
/* decode.c: an event whose slots are in sink->v and the rest in EV, of
 * class E, of RUN: counted, timed, handed to E's handler; clears the slots
 * E writes.  HAS_TS false: the event's class has no clock.  Returns 0, or
 * -1 after appending an error cause. */
int sink_apply(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e, struct sink_ev *ev);
/* evclass.c: sets E's kind, acct, handler and vtid need from the event
 * class NAME; returns the slots its handler reads (the decode table). */
uint64_t sink_evc_dispatch(struct sink_evc *e, const char *name);

/* run.c */
int sink_stream_beginning(struct ih_sink *sink, const bt_message *msg);
int sink_discarded(struct ih_sink *sink, const bt_message *msg);
/* run.c: the trace DESC begins (its first stream): starts its run, or
 * joins a kernel run of the same session.  Returns 0, or -1 after
 * appending an error cause. */
int sink_trace_begin(struct ih_sink *sink, const struct sink_trace_desc *desc);
/* run.c: COUNT (when HAS_COUNT) events of stream ID of RUN were discarded
 * in [BEGIN, UNTIL] (INT64_MIN / INT64_MAX when unknown).  Returns 0, or -1
 * after appending an error cause. */
int sink_discarded_apply(struct ih_sink *sink, struct sink_run *run, uint64_t id, bool has_count,
			 uint64_t count, int64_t begin, int64_t until);
/* run.c: the description of TRACE whose first stream is STREAM (strings
 * borrowed from them).  Cannot fail. */
void sink_trace_describe(const bt_trace *trace, const bt_stream *stream, struct sink_trace_desc *desc);
struct sink_run *sink_run_of_trace(struct ih_sink *sink, const void *trace);
/* The trace's name as given to run.trace. */
const char *sink_run_trace_text(const struct ih_sink *sink, const struct sink_run *run);
void sink_run_free(struct sink_run *run);

/* kernel.c: the kernel model's part of the sink. */
/* The session key of TRACE (NULL when its env lacks it, or out of memory:
 * *oom says which) and whether it is a kernel-domain trace. */
char *sink_kernel_session(const struct sink_trace_desc *desc, bool *is_kernel, bool *oom);
/* Resolves E's kernel fields (E->kev already set).  Cannot fail. */
void sink_kernel_resolve(struct sink_evc *e, const bt_event_class *ec);
/* Decodes EVENT's kernel parts (E's kfields, tid, cpu) into EV.  Cannot fail. */
void sink_kernel_decode(const struct sink_evc *e, const bt_event *event, struct sink_ev *ev);
/* Handler of kernel events, and of irq_raise / vcpu_ack in a kernel run. */
int sink_on_kernel(struct ih_sink *sink, struct sink_run *run, const struct sink_evc *e,
		   const struct sink_ev *ev);
/* Discarded events in a kernel run. */
void sink_kernel_discontinuity(struct sink_run *run);
/* End of a kernel run: flushes its interrupts and builds its vcpu list
 * (freed by the caller).  Returns 0, or -1 after appending an error cause. */
int sink_kernel_finish(struct ih_sink *sink, struct sink_run *run, struct ih_store_vcpu **vcpus,
		       size_t *nvcpus);
void sink_kernel_free(struct sink_run *run);

/* component.c: a sink without its component when SELF_COMP is NULL (the
 * replay, ship.h); RESULT as the component's initialize-method data; in ship
 * mode (RESULT->ship) no parameter is read and no database opened.  Returns
 * 0 with *out set, or -1: *out then holds the sink with the cause (or NULL
 * when out of memory) for the caller to free with sink_free(). */
int sink_create(bt_self_component *self_comp, const bt_value *params, struct ih_sink_result *result,
		struct ih_sink **out);
void sink_free(struct ih_sink *sink);

/* ship.c: the ship mode of a decoding child (ship.h).  Each returns 0, or -1
 * after appending an error cause. */
int sink_ship_create(struct ih_sink *sink, const struct ih_ship_config *cfg);
void sink_ship_free(struct sink_ship *s);
/* Whether the child's run is a kernel run (ih_ship_config.kernel_session). */
bool sink_ship_kernel(const struct ih_sink *sink);
int sink_ship_stream(struct ih_sink *sink, const struct sink_trace_desc *desc, const bt_stream *stream);
int sink_ship_event(struct ih_sink *sink, struct sink_evc *e, const bt_event *event, const struct sink_ev *ev);
int sink_ship_discarded(struct ih_sink *sink, const bt_stream *stream, uint64_t id, bool has_count, uint64_t n,
			int64_t begin, int64_t until);
/* The END record, and everything still buffered, to the pipe. */
int sink_ship_end(struct ih_sink *sink);

/* finish.c: end of the input: every run's tables, then the commit.
 * Returns 0, or -1 after appending an error cause (every run is then rolled
 * back when the sink is finalized). */
int sink_finish(struct ih_sink *sink);
#endif
