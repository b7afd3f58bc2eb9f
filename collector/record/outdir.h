/*
 * collector/record/outdir.h - the output directory of irqhop record: refused
 * when it holds anything, created when missing, and on failure put back the
 * way it was (what we wrote and the directories we made removed, nothing
 * else).  Messages are one line "irqhop record: ..." on stderr.
 */
#ifndef IH_OUTDIR_H
#define IH_OUTDIR_H

#include <limits.h>

/* The output directory and what we created of it, so a failure removes
 * exactly that and nothing else. */
struct ih_outdir {
	char path[PATH_MAX];      /* absolute, no trailing slash */
	char created[PATH_MAX];   /* topmost directory we created, "" if none */
};

/* Makes output (NULL: the default ./irqhop-trace-YYYYmmdd-HHMMSS) absolute,
 * refuses an existing non-empty directory, a non-directory or an unwritable
 * one, and creates what is missing (mkdir -p).  Returns 0, or 1 after
 * printing the problem (d->created then names what it made, if anything). */
int ih_outdir_prepare(const char *output, struct ih_outdir *d);

/* After a failure: deletes what the failed recording wrote under d->path,
 * and the directories ih_outdir_prepare created.  Failures to delete are
 * ignored (the error already reported is the one that matters); links are
 * not followed and mounts not crossed. */
void ih_outdir_undo(const struct ih_outdir *d);

/* 1 when the directory holds a CTF trace (a file named "metadata"
 * somewhere), 0 otherwise, including when it cannot be read. */
int ih_outdir_has_trace(const char *path);
#endif
