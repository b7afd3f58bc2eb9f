-- bench/analyze_hop_stats.sql - a proposed schema migration (for the lead:
-- only the lead adds schemas/migrations/NNN.sql), measured by
-- bench/analyze.sh against the current hop_stats view.
--
-- Why: hop_stats computes percentiles with a window function under a
-- GROUP BY.  SQLite (3.40) does not push `WHERE run_id = ?` through the
-- view's GROUP BY into the window's scan, so every query reads the
-- histograms of every run: ~250 ms for one run on a database of 16 runs of
-- 670 k interrupts (8 k buckets each), growing with the database.
--
-- Proposal: the analyzer already holds each histogram in memory when it
-- writes it, so it writes the percentiles too (ih_hist_percentile(), the
-- same nearest-rank rule as the view); hop_stats becomes a primary-key
-- look-up that readers query exactly as before.  Existing runs get their
-- percentiles once, from the current view, during the migration.
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
DROP VIEW IF EXISTS hop_stats_pct;
CREATE VIEW hop_stats_pct AS
SELECT s.run_id, s.path, s.hop, s.count,
       s.sum_ns * 1.0 / s.count AS mean_ns,
       p.p50_ns, p.p90_ns, p.p99_ns, p.p999_ns,
       s.max_ns,
       COALESCE(d.seq, 99) AS seq
FROM hop_summary s
JOIN hop_pct p ON p.run_id = s.run_id AND p.path = s.path AND p.hop = s.hop
LEFT JOIN hop_def d ON d.path = s.path AND d.hop = s.hop;
-- In the real migration: DROP VIEW hop_stats; CREATE VIEW hop_stats AS
-- <the select above> (run_compare, created by 003, reads hop_stats and is
-- sped up with it).
