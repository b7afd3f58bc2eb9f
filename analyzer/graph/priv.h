/*
 * analyzer/graph/priv.h - what the files of irqhop analyze's graph share:
 * find.c finds and checks the traces, analyze.c runs one graph per trace.
 */
#ifndef IH_GRAPH_PRIV_H
#define IH_GRAPH_PRIV_H
#include "analyzer/graph/analyze.h"
#include <stdbool.h>
#include <stdint.h>

#define AN_PREFIX "irqhop analyze: "

/* One CTF trace found under a TRACE argument. */
struct an_trace {
	char *dir;		/* folder holding its metadata file */
	char uuid[37 + 1 + 256];	/* "" when the metadata has none; a flight-recorder
				 * snapshot's is "UUID#FOLDER" (analyzer/store/snapshot.h) */
	uint64_t bytes;		/* size of its stream files */
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
#endif
