/*
 * analyzer/graph/analyze.h - irqhop analyze's work once its options are
 * read (cli/analyze_main.c): find the traces, check them, and analyze each
 * through src.ctf.fs -> filter.utils.muxer -> sink.irqhop.sqlite.
 */
#ifndef IH_ANALYZE_H
#define IH_ANALYZE_H
#include <stdbool.h>
#include <sys/types.h>

struct ih_analyze_opts {
	const char *db;		/* database to write (required) */
	const char *label;	/* run label; NULL: the one recorded in each trace */
	const char *window;	/* steal window (sink parameter window); NULL: default */
	bool replace;		/* analyze a trace already in db again */
	int jobs;		/* decoding processes per trace (parallel.c); 1: one graph */
};

/* Finds every CTF trace under the NTRACES folders TRACES and checks them all
 * (metadata, already analyzed into o->db, the same trace twice) before
 * decoding anything; then analyzes each trace in turn as its own run, in its
 * own transaction, printing one line per run on stdout.  Every failure is
 * one line on stderr; a failed trace adds nothing and does not stop the
 * others.  Returns the exit status: 0 when every trace was added, 1
 * otherwise. */
int ih_analyze_traces(char *const *traces, int ntraces, const struct ih_analyze_opts *o);

/* In the child process that decodes one trace (each trace is decoded in its
 * own, so that a libbabeltrace2 abort is reported, not suffered): the pid of
 * irqhop analyze; 0 in every other process.  The test hook uses it
 * (tests/lib/testpoint.c). */
extern pid_t ih_analyze_parent;
#endif
