/*
 * analyzer/store/snapshot.h - a flight-recorder snapshot's identity as a run.
 *
 * `irqhop record --snapshot-over` writes each LTTng snapshot in its own
 * folder (DIR/spike-K-DATE-SEQ/) with a trigger.json beside its traces
 * (docs/record.md, "Flight recorder").  The snapshots of one session share
 * the session's trace UUID, yet each is a run of its own: so a snapshot's
 * run key (run.trace_uuid) is "UUID#FOLDER" (FOLDER: the snapshot folder's
 * name), and its default label is the trigger's ("spike 1: irq 42 took
 * ..."), which names the interrupt and by how much it went over.
 * irqhop analyze's pre-check and the sink both derive the key here, so they
 * agree.
 */
#ifndef IH_STORE_SNAPSHOT_H
#define IH_STORE_SNAPSHOT_H
#include <stddef.h>

/* Looks for trigger.json in TRACE_DIR and its parents, at most five levels
 * up (a snapshot holds ust/uid/0/64-bit/metadata).  Returns 1 when found:
 * FOLDER gets the snapshot folder's name and, if LABEL is not NULL, *LABEL a
 * malloc'd copy of the trigger's label (NULL if it has none).  Returns 0
 * when TRACE_DIR is no snapshot (nothing written), and -1 with ERR set when
 * a trigger.json exists but is unreadable or not the JSON record writes, or
 * on out of memory. */
int ih_store_snapshot_find(const char *trace_dir, char *folder, size_t folder_len, char **label, char *err,
			   size_t errlen);
#endif
