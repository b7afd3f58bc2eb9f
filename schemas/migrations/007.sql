-- Schema 6 -> 7: each hop's histogram per span of time, written at ingest,
-- for the regression verdicts' block bootstrap (schemas/blocks.h,
-- docs/regress.md): a comparison reads these rows instead of every
-- interrupt of both runs.
--
-- One row per (run, path, hop, block) with at least one value: the block's
-- span of start times (inclusive), its count and its buckets, a blob of
-- (hi_ns delta, count) varint pairs in hop_hist's buckets.  Runs analyzed
-- before have no rows here; the verdicts read their irq rows instead (the
-- migration does not compute them: that would read every interrupt of the
-- database while it holds the write lock).
CREATE TABLE IF NOT EXISTS hop_block (
  run_id   INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  path     TEXT    NOT NULL,
  hop      TEXT    NOT NULL,
  block    INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns   INTEGER NOT NULL,
  count    INTEGER NOT NULL,
  buckets  BLOB    NOT NULL,
  PRIMARY KEY (run_id, path, hop, block)
) WITHOUT ROWID;
