-- irqhop SQLite schema: creates the newest version (see IH_SCHEMA_VERSION).
--
-- The contract with every reader: the analyzer writes it, `irqhop serve`,
-- `irqhop regress` and anyone with the sqlite3 shell read it.  docs/schema.md
-- documents every table and view with example queries.
--
-- Versioning: PRAGMA user_version holds the schema version.  This file holds
-- version 1; a new database is created by running it and then every
-- schemas/migrations/NNN.sql in order (NNN.sql upgrades NNN-1 to NNN), so a
-- fresh database and a migrated one are the same by construction.  Times are integer nanoseconds: *_ns columns that are instants
-- count from the Unix epoch (the trace clock's origin), the others are durations.

CREATE TABLE IF NOT EXISTS run (
  id               INTEGER PRIMARY KEY,
  label            TEXT    NOT NULL DEFAULT '',
  host             TEXT    NOT NULL DEFAULT '',
  trace            TEXT    NOT NULL,            -- trace path as ingested
  trace_uuid       TEXT,                        -- CTF trace UUID (NULL if none)
  tasklet_mode     TEXT,                        -- 'global' | 'percpu'
  notifier_mode    TEXT,                        -- 'waitqueue' | 'srcu'
  scenario         TEXT,                        -- scenario as JSON (run_begin)
  start_ns         INTEGER,                     -- first event
  end_ns           INTEGER,                     -- last event
  events           INTEGER NOT NULL DEFAULT 0,  -- event messages read
  discarded        INTEGER NOT NULL DEFAULT 0,  -- events the tracer discarded
  irqs_raised      INTEGER,                     -- from run_end (NULL if missing)
  irqs_acked       INTEGER,                     -- from run_end (NULL if missing)
  irqs             INTEGER NOT NULL DEFAULT 0,  -- rows in irq for this run
  irqs_incomplete  INTEGER NOT NULL DEFAULT 0,
  host_steal_ns    INTEGER,                     -- test host's own steal over the run
  host_total_ns    INTEGER,
  analyzer_version TEXT    NOT NULL,
  analyzed_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Hops of each path, in order.  col names the irq column holding the hop's
-- duration; lock_col the lock wait stored beside it (NULL when none).
CREATE TABLE IF NOT EXISTS hop_def (
  path     TEXT    NOT NULL,
  seq      INTEGER NOT NULL,
  hop      TEXT    NOT NULL,
  from_ev  TEXT    NOT NULL,
  to_ev    TEXT    NOT NULL,
  PRIMARY KEY (path, seq)
);
INSERT OR IGNORE INTO hop_def VALUES
  ('passthrough', 1, 'delivery', 'irq_raise',        'irq_entry'),
  ('passthrough', 2, 'schedule', 'irq_entry',        'tasklet_schedule'),
  ('passthrough', 3, 'queue',    'tasklet_schedule', 'tasklet_entry'),
  ('passthrough', 4, 'assist',   'tasklet_entry',    'inject'),
  ('passthrough', 5, 'guest',    'inject',           'vcpu_ack'),
  ('timer',       1, 'schedule', 'timer_fire',       'tasklet_schedule'),
  ('timer',       2, 'queue',    'tasklet_schedule', 'tasklet_entry'),
  ('timer',       3, 'assist',   'tasklet_entry',    'inject'),
  ('timer',       4, 'guest',    'inject',           'vcpu_ack'),
  ('irqfd',       1, 'callback', 'eventfd_signal',   'notifier_entry'),
  ('irqfd',       2, 'defer',    'notifier_entry',   'work_queue'),
  ('irqfd',       3, 'worker',   'work_queue',       'work_entry'),
  ('irqfd',       4, 'inject',   'work_entry',       'inject'),
  ('irqfd',       5, 'guest',    'inject',           'vcpu_ack');
-- In srcu mode the irqfd path has no defer/worker hop: its inject hop runs
-- from notifier_entry to inject.

-- One wide row per interrupt.  A hop column is NULL when the hop does not
-- exist on the path (or in the mode), or when the path broke before it.
CREATE TABLE IF NOT EXISTS irq (
  run_id             INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  irq_id             INTEGER NOT NULL,
  path               TEXT    NOT NULL,  -- 'passthrough' | 'timer' | 'irqfd'
  source             INTEGER,           -- device / timer / io-thread id
  vector             INTEGER,
  pcpu               INTEGER,           -- pCPU the interrupt was raised on
  vcpu               INTEGER,           -- vCPU it was injected into
  start_ns           INTEGER NOT NULL,  -- first event of the path
  ack_ns             INTEGER,           -- vcpu_ack (NULL if never seen)
  total_ns           INTEGER,           -- ack_ns - start_ns when complete
  complete           INTEGER NOT NULL,  -- 1: every hop of the path is present
  broken_hop         TEXT,              -- first missing hop when incomplete
  delivery_ns        INTEGER,
  schedule_ns        INTEGER,
  queue_ns           INTEGER,
  assist_ns          INTEGER,
  callback_ns        INTEGER,
  defer_ns           INTEGER,
  worker_ns          INTEGER,
  inject_ns          INTEGER,
  guest_ns           INTEGER,
  sched_lock_wait_ns INTEGER,           -- in the schedule hop (tasklet_schedule)
  run_lock_wait_ns   INTEGER,           -- in the queue hop (tasklet_entry)
  vm_lock_wait_ns    INTEGER,           -- in the assist/inject hop (inject)
  task_pcpu          INTEGER,           -- pCPU that ran the tasklet
  ack_pcpu           INTEGER,           -- pCPU the guest acknowledged on
  worker             INTEGER            -- workqueue worker (irqfd waitqueue)
);

-- Log-linear histogram of each hop (and hop = 'total') per run and path,
-- built during ingest: bucket [lo_ns, hi_ns] with hi_ns - lo_ns <= 1% of lo_ns.
CREATE TABLE IF NOT EXISTS hop_hist (
  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  path   TEXT    NOT NULL,
  hop    TEXT    NOT NULL,
  lo_ns  INTEGER NOT NULL,
  hi_ns  INTEGER NOT NULL,
  count  INTEGER NOT NULL,
  PRIMARY KEY (run_id, path, hop, lo_ns)
) WITHOUT ROWID;

-- Exact count, sum, min and max per run, path and hop (and 'total').
CREATE TABLE IF NOT EXISTS hop_summary (
  run_id  INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  path    TEXT    NOT NULL,
  hop     TEXT    NOT NULL,
  count   INTEGER NOT NULL,
  sum_ns  INTEGER NOT NULL,
  min_ns  INTEGER NOT NULL,
  max_ns  INTEGER NOT NULL,
  PRIMARY KEY (run_id, path, hop)
) WITHOUT ROWID;

-- Percentiles per run, path and hop from the histogram (nearest rank: the
-- first bucket whose cumulative count reaches q * count; its upper bound,
-- clamped to the exact max).  One row with hop = 'total' per path.  This
-- restates the C rule of schemas/percentile.h (ih_pct_rank and
-- ih_pct_bucket_value; "cum >= q * n" is "cum >= ih_pct_rank(q, n)" for an
-- integer cum); tests/schemas_percentile.c checks that they agree.  Since
-- v4 (migrations/004.sql) this view is replaced by one over hop_pct, which
-- the analyzer fills by the same C rule; this one computes hop_pct for runs
-- analyzed before.
CREATE VIEW IF NOT EXISTS hop_stats AS
WITH c AS (
  SELECT h.run_id, h.path, h.hop, h.hi_ns, s.count AS n, s.sum_ns, s.max_ns,
         SUM(h.count) OVER (PARTITION BY h.run_id, h.path, h.hop
                            ORDER BY h.lo_ns ROWS UNBOUNDED PRECEDING) AS cum
  FROM hop_hist h JOIN hop_summary s USING (run_id, path, hop)
)
SELECT c.run_id, c.path, c.hop,
       MAX(n) AS count,
       MAX(sum_ns) * 1.0 / MAX(n) AS mean_ns,
       MIN(MIN(CASE WHEN cum >= 0.50  * n THEN hi_ns END), MAX(max_ns)) AS p50_ns,
       MIN(MIN(CASE WHEN cum >= 0.90  * n THEN hi_ns END), MAX(max_ns)) AS p90_ns,
       MIN(MIN(CASE WHEN cum >= 0.99  * n THEN hi_ns END), MAX(max_ns)) AS p99_ns,
       MIN(MIN(CASE WHEN cum >= 0.999 * n THEN hi_ns END), MAX(max_ns)) AS p999_ns,
       MAX(max_ns) AS max_ns,
       COALESCE(d.seq, 99) AS seq
FROM c LEFT JOIN hop_def d ON d.path = c.path AND d.hop = c.hop
GROUP BY c.run_id, c.path, c.hop;

-- One row per (interrupt, hop) with the hop's start and duration: the wide
-- irq row unpivoted in hop order.
CREATE VIEW IF NOT EXISTS hop AS
  SELECT run_id, irq_id, path, 'delivery' AS hop, 1 AS seq, start_ns AS start_ns,
         delivery_ns AS dur_ns, NULL AS lock_wait_ns
    FROM irq WHERE path = 'passthrough' AND delivery_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'schedule', CASE path WHEN 'passthrough' THEN 2 ELSE 1 END,
         start_ns + COALESCE(delivery_ns, 0), schedule_ns, sched_lock_wait_ns
    FROM irq WHERE schedule_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'queue', CASE path WHEN 'passthrough' THEN 3 ELSE 2 END,
         start_ns + COALESCE(delivery_ns, 0) + schedule_ns, queue_ns, run_lock_wait_ns
    FROM irq WHERE queue_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'assist', CASE path WHEN 'passthrough' THEN 4 ELSE 3 END,
         start_ns + COALESCE(delivery_ns, 0) + schedule_ns + queue_ns, assist_ns, vm_lock_wait_ns
    FROM irq WHERE assist_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'callback', 1, start_ns, callback_ns, NULL
    FROM irq WHERE callback_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'defer', 2, start_ns + callback_ns, defer_ns, NULL
    FROM irq WHERE defer_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'worker', 3, start_ns + callback_ns + defer_ns, worker_ns, NULL
    FROM irq WHERE worker_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'inject', 4,
         start_ns + callback_ns + COALESCE(defer_ns, 0) + COALESCE(worker_ns, 0), inject_ns, vm_lock_wait_ns
    FROM irq WHERE inject_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'guest', CASE path WHEN 'timer' THEN 4 ELSE 5 END,
         ack_ns - guest_ns, guest_ns, NULL
    FROM irq WHERE guest_ns IS NOT NULL;
