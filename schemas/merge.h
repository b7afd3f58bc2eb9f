/*
 * schemas/merge.h - copying a committed run from one irqhop database into
 * another (irqhop analyze --live writes each session into a private
 * database and merges it into the target one when the session ends).
 */
#ifndef IH_MERGE_H
#define IH_MERGE_H
#include <stdint.h>
#include <stddef.h>

/* Copies run OLD of the database at SRC into DBPATH (created or migrated if
 * needed, ih_db_open_rw) in one transaction, as a new run with a new id
 * (*newid): the run row and the rows of every table of SRC that has a
 * run_id column, renumbered; then the indexes of schemas/indexes.sql.  A
 * trace UUID DBPATH already holds is refused.  On failure returns -1 with
 * one line in err and DBPATH unchanged (rolled back). */
int ih_db_merge_run(const char *dbpath, const char *src, int64_t old, int64_t *newid, char *err,
		    size_t errlen);
#endif
