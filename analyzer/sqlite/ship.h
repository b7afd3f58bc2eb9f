/*
 * analyzer/sqlite/ship.h - parallel decoding's wire: decoded events from a
 * decoding child to the process that reconstructs and writes.
 *
 * `irqhop analyze` decodes disjoint groups of a trace's stream files in
 * child processes (analyzer/graph/parallel.c), each a Babeltrace graph whose
 * sink.irqhop.sqlite runs in ship mode: it resolves event classes and
 * decodes each event's payload exactly as in-process (decode.c), then, in
 * place of handling it, appends a record to a pipe.  The parent merges the
 * children's records by time and replays them (ih_replay) into the same
 * handlers, runs and store the in-process sink uses: the reconstruction,
 * the steal accounting and the SQLite writer are the very same code, fed
 * the same events in the same order (ties across groups by group number), so
 * the rows are the single graph's.
 *
 * Records: a header (struct ih_ship_hdr) then a body, byte-packed (memcpy,
 * host order: both ends are the same binary on the same machine):
 *   CLASS      the first event of a class in this child: its name, whether
 *              it has a clock and a vtid, the slots of its payload members,
 *              its kernel fields
 *   STREAM     the first stream of a trace: the trace's description
 *              (sink_trace_desc)
 *   EVENT      one event: its class number, time, the payload values of the
 *              class's slots, the vtid, run_begin's strings, kernel fields
 *   DISCARDED  a discarded-events message: stream id, count, range
 *   END        the child's graph ended without error (a child that exits
 *              without it failed; its stderr says why)
 * Every record's header carries the merge key: the event's time, a
 * discarded range's beginning (Babeltrace's muxer orders it there too), or,
 * for a record without a time, the child's last time so far; then the
 * muxer's tie order of its stream.
 */
#ifndef IH_SHIP_H
#define IH_SHIP_H
#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ih_ship_type { IH_SHIP_CLASS = 1, IH_SHIP_STREAM, IH_SHIP_EVENT, IH_SHIP_DISCARDED, IH_SHIP_END };

struct ih_ship_hdr {
	uint32_t len;		/* the whole record, header included */
	uint8_t type;		/* enum ih_ship_type */
	uint8_t trace;		/* the trace's number (ih_ship_config.traces) */
	uint16_t cls;		/* CLASS, EVENT: the class's number in this child */
	int64_t ts;		/* merge key, see above */
	/* Ties: Babeltrace's muxer orders messages of equal time by trace
	 * UUID, trace name, stream class id, stream id; this is that order
	 * (trace rank << 56 | stream class id << 40 | stream id), so that the
	 * merge gives the single graph's order exactly. */
	uint64_t order;
};

/* Longest record: run_begin's scenario JSON is the only large part. */
#define IH_SHIP_MAX_RECORD ((uint32_t)16 << 20)

#define IH_SHIP_MAX_TRACES 8

/* What a decoding child is told (as the sink's initialize-method data,
 * through ih_sink_result.ship). */
struct ih_ship_config {
	int fd;			/* the pipe to the parent */
	/* The run is a kernel run (a trace of it is a kernel one): irqhop's
	 * irq_raise / vcpu_ack go to the kernel model, so their kernel fields
	 * are decoded and sent too (kernel events' always are). */
	bool kernel_session;
	size_t ntraces;
	struct {
		const char *input;	/* the folder src.ctf.fs reads (links to a group's files) */
		const char *folder;	/* the trace's own folder (run.path, snapshots) */
		uint8_t rank;		/* its place in the muxer's tie order (by UUID) */
	} traces[IH_SHIP_MAX_TRACES];
};

/* The parent side: one trace's run(s), fed the merged records of NCHILD
 * children.  PARAMS are the sink's (db, label, trace, window, replace);
 * RESULT as for the component.  Opens the database and begins the
 * transaction, unless RESULT->store gives one to share (then finishing
 * writes the runs' tables and the caller commits).  Returns NULL with one line in ERR when that fails (nothing
 * changed on disk). */
struct ih_replay;
struct ih_sink_result;
struct ih_replay *ih_replay_create(const bt_value *params, struct ih_sink_result *result, int nchild, char *err,
				   size_t errlen);

/* Replays one record of child CHILD (validated: a malformed record is an
 * error, never a crash).  Returns 0, or -1 with ih_replay_error() set (the
 * run is then only good for ih_replay_destroy(), which rolls back). */
int ih_replay_feed(struct ih_replay *r, int child, const struct ih_ship_hdr *h, const unsigned char *body);

/* Every child ended: flushes, writes the runs' tables and commits.  Returns
 * 0, or -1 with ih_replay_error() set (nothing committed). */
int ih_replay_finish(struct ih_replay *r);

/* The replay failed and its store is shared (ih_sink_result.store): drops
 * its runs from the store's transaction (ih_store_run_drop).  Cannot fail. */
void ih_replay_drop(struct ih_replay *r);

/* The first error's cause, one line ("" when none). */
const char *ih_replay_error(const struct ih_replay *r);

/* Rolls back what is not committed and frees R.  NULL is accepted. */
void ih_replay_destroy(struct ih_replay *r);
#endif
