-- Schema 2 -> 3: run_compare, the per-hop comparison of two runs.
--
-- One row per (baseline run, candidate run, path, hop) present in both runs'
-- hop_stats (percentiles from the histograms, within 1 % of the exact
-- values), with the runs' labels and hosts so a comparison can be selected
-- by label without a join.  Filter it on base_run_id and cand_run_id (or on
-- the labels): unfiltered it pairs every run with every run.  Deltas are
-- percentages of the baseline (NULL when the baseline value is 0).
-- `irqhop regress` gives the statistical verdicts; this view is for the
-- plain sqlite3 shell (docs/schema.md has the queries).
CREATE VIEW IF NOT EXISTS run_compare AS
SELECT b.run_id  AS base_run_id,
       c.run_id  AS cand_run_id,
       rb.label  AS base_label,
       rb.host   AS base_host,
       rc.label  AS cand_label,
       rc.host   AS cand_host,
       b.path, b.hop, b.seq,
       b.count   AS base_count,
       c.count   AS cand_count,
       b.p50_ns  AS base_p50_ns,
       c.p50_ns  AS cand_p50_ns,
       c.p50_ns - b.p50_ns AS p50_delta_ns,
       round(100.0 * (c.p50_ns - b.p50_ns) / NULLIF(b.p50_ns, 0), 2) AS p50_delta_pct,
       b.p99_ns  AS base_p99_ns,
       c.p99_ns  AS cand_p99_ns,
       c.p99_ns - b.p99_ns AS p99_delta_ns,
       round(100.0 * (c.p99_ns - b.p99_ns) / NULLIF(b.p99_ns, 0), 2) AS p99_delta_pct
FROM hop_stats b
JOIN hop_stats c ON c.path = b.path AND c.hop = b.hop
JOIN run rb ON rb.id = b.run_id
JOIN run rc ON rc.id = c.run_id;
