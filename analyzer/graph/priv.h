/*
 * analyzer/graph/priv.h - what the files of irqhop analyze's graph share:
 * find.c finds and checks the traces, analyze.c runs one graph per trace.
 */
#ifndef IH_GRAPH_PRIV_H
#define IH_GRAPH_PRIV_H
#include "analyzer/graph/analyze.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <babeltrace2/babeltrace.h>

#define AN_PREFIX "irqhop analyze: "

/* One CTF trace found under a TRACE argument. */
struct an_trace {
	char *dir;		/* folder holding its metadata file */
	char uuid[37 + 1 + 256];	/* "" when the metadata has none; a flight-recorder
				 * snapshot's is "UUID#FOLDER" (analyzer/store/snapshot.h) */
	uint64_t bytes;		/* size of its stream files */
	bool kernel_domain;	/* its metadata's env says domain = "kernel" */
	/* A session with a kernel channel (SESSION/kernel, SESSION/ust/...) is
	 * one run, reconstructed by the kernel model (docs/kvm-model.md): its
	 * UST traces name the kernel trace's index in kernel_of (-1 otherwise)
	 * and are listed in the kernel trace's more[] (set by analyze.c). */
#define AN_MAX_SESSION 7
	int kernel_of;
	int nmore;
	const char *more[AN_MAX_SESSION];
};

/* CTF trace folders found under the TRACE arguments (each holds a metadata
 * file).  src.ctf.fs takes trace folders, not a session's output root, so
 * analyze finds them the way the babeltrace2 CLI does.  File scope because
 * nftw() passes no user data to its callback. */
#define AN_MAX_TRACES 4096
struct an_found {
	struct an_trace *t;
	int n, cap;
	bool too_many, oom;
};
extern struct an_found an_found;

/* find.c: checks TRACE is a folder holding CTF traces, checks each one's
 * metadata and appends them to an_found.  Returns 0, or -1 after printing
 * the one-line error. */
int an_check_trace(const char *trace);
/* find.c: empties an_found.  Never fails. */
void an_found_free(void);

struct ih_sink_result;
/* analyze.c: prints the current thread's Babeltrace error as one line
 * (the sink's causes as they are; others after WHAT and TRACE) and clears
 * it.  Never fails. */
void an_print_error(const char *what, const char *trace);
/* Borrows the ctf and utils plugins, found once per process (see
 * analyze.c).  Returns 0, or -1 after printing which is missing. */
int an_plugins(const bt_plugin **ctf, const bt_plugin **utils);
/* analyze.c: the last non-empty line of F into BUF.  Never fails. */
void an_last_line(FILE *f, char *buf, size_t len);
/* analyze.c: the summary line of a committed run RES on stdout (DT: its
 * seconds).  Never fails. */
void an_print_run(const struct ih_sink_result *res, const char *db, double dt);
/* analyze.c: the one line for a decoding process that signal SIG killed
 * while reading TRACE, with the library's last line from ERRF (its stderr,
 * e.g. an assertion).  Never fails. */
void an_print_signal(const char *trace, int sig, FILE *errf);

/* analyze.c: the sink's parameters; NULL (after printing the error) when
 * out of memory. */
bt_value *an_sink_params(const char *trace, const char *db, const char *label, const char *window, bool replace);

/* parallel.c: whether parallel decoding can make its link folders (in
 * $TMPDIR, else /tmp).  Without, each trace takes one graph.  Never fails. */
bool an_parallel_usable(void);

/* parallel.c: analyzes every trace of an_found (grouped in sessions) into
 * o->db, up to o->jobs decoding processes at once over several traces
 * (one per trace, or more when there are fewer traces than jobs), every
 * run through one store and its one writer thread.  Traces go in batches,
 * one transaction each: a trace that fails is dropped from its batch (one
 * line says why) and the others are committed; killed, analyze leaves
 * every run of the current batch out and the earlier batches in.  Prints
 * one line per run added.  Returns 0, or 1 when a trace failed. */
struct ih_analyze_opts;
int an_parallel_many(const struct ih_analyze_opts *o);

/* parallel.c: analyzes trace T (its session's traces too) by decoding
 * groups of its stream files in up to JOBS child processes at once,
 * replayed into one sink with PARAMS and RESULT (analyzer/sqlite/ship.h).
 * Returns 0 (committed), -1 after printing the one-line error (nothing
 * committed), or 1 when the trace has fewer than two stream files to
 * split (the caller runs the single graph). */
int an_parallel(struct an_trace *t, int jobs, struct ih_sink_result *result, const bt_value *params);
#endif
