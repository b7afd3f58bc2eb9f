-- Schema 3 -> 4: percentiles stored at ingest, so hop_stats is a key lookup.
--
-- Why: hop_stats computed percentiles with a window function under a GROUP
-- BY, and SQLite (3.40) does not push `WHERE run_id = ?` through them: every
-- query read the histograms of every run (120 ms for one run on a database
-- of 11 M interrupts, growing with the database; 0.016 ms after this).  The
-- analyzer holds each histogram in memory when it writes it and writes the
-- percentiles too (same nearest-rank rule, ih_hist_percentile()).  Readers
-- query hop_stats exactly as before; run_compare (003) reads it and gains
-- the same speed.  Existing runs get their percentiles once, here, from the
-- previous definition of the view.
CREATE TABLE IF NOT EXISTS hop_pct (
  run_id  INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  path    TEXT    NOT NULL,
  hop     TEXT    NOT NULL,
  p50_ns  INTEGER NOT NULL,
  p90_ns  INTEGER NOT NULL,
  p99_ns  INTEGER NOT NULL,
  p999_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, path, hop)
) WITHOUT ROWID;

INSERT OR IGNORE INTO hop_pct
  SELECT run_id, path, hop, p50_ns, p90_ns, p99_ns, p999_ns FROM hop_stats;

DROP VIEW IF EXISTS hop_stats;
CREATE VIEW hop_stats AS
SELECT s.run_id, s.path, s.hop, s.count,
       s.sum_ns * 1.0 / s.count AS mean_ns,
       p.p50_ns, p.p90_ns, p.p99_ns, p.p999_ns,
       s.max_ns,
       COALESCE(d.seq, 99) AS seq
FROM hop_summary s
JOIN hop_pct p ON p.run_id = s.run_id AND p.path = s.path AND p.hop = s.hop
LEFT JOIN hop_def d ON d.path = s.path AND d.hop = s.hop;
