-- Schema 4 -> 5: interrupts keyed by (run_id, irq_id); each hop's
-- interrupts in order of duration (hop_order) instead of indexes.
--
-- Why: `irqhop analyze` spent half its time after decoding, building 16
-- indexes over the irq table (0.7 s per million interrupts each: 11 s of a
-- 22 s ingest of 10.7 M events).  Two of them only made up for the table's
-- rowid: irq is now a WITHOUT ROWID table whose primary key is
-- (run_id, irq_id, start_ns), filled nearly in key order by the analyzer, so look-ups
-- by interrupt and a run's irq_id order cost nothing extra.  The other
-- fourteen served "the interrupts behind a histogram bucket" and "the
-- slowest N": hop_order holds each hop's (duration, irq_id) pairs sorted,
-- written by the analyzer's writer thread while the decoder runs
-- (schemas/order.h describes the layout; docs/schema.md how to read it).
-- Existing runs get their hop_order rows right after this script, from
-- their irq rows (ih_order_rebuild() in schemas/order.c).

CREATE TABLE irq_v5 (
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
  worker             INTEGER,           -- workqueue worker (irqfd waitqueue)
  -- start_ns only tells apart the rare interrupt whose irq_id started twice
  -- (its first start's later events were lost: docs/analyzer.md).
  PRIMARY KEY (run_id, irq_id, start_ns)
) WITHOUT ROWID;

INSERT INTO irq_v5 SELECT run_id, irq_id, path, source, vector, pcpu, vcpu, start_ns, ack_ns,
  total_ns, complete, broken_hop, delivery_ns, schedule_ns, queue_ns, assist_ns, callback_ns,
  defer_ns, worker_ns, inject_ns, guest_ns, sched_lock_wait_ns, run_lock_wait_ns,
  vm_lock_wait_ns, task_pcpu, ack_pcpu, worker
  FROM irq ORDER BY run_id, irq_id, start_ns;

-- The hop view reads irq: it goes while the table is replaced (dropping irq
-- drops its indexes too).
DROP VIEW IF EXISTS hop;
DROP TABLE irq;
ALTER TABLE irq_v5 RENAME TO irq;

CREATE VIEW hop AS
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

-- Each hop's (duration, interrupt) pairs sorted by (dur_ns, irq_id), in
-- parts (the analyzer sorts bounded batches; parts overlap in duration and
-- a reader merges them), a part cut into segments of at most 256 pairs and
-- about 900 bytes (so a row stays within its page).
-- pairs: COUNT entries of two unsigned LEB128 varints each: dur_ns minus the
-- previous entry's (min_ns for the first), then irq_id.  hop = 'total' holds
-- complete interrupts' total_ns.  The key makes "the first segment of a part
-- that reaches a duration" one seek.
CREATE TABLE IF NOT EXISTS hop_order (
  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  path   TEXT    NOT NULL,
  hop    TEXT    NOT NULL,
  part   INTEGER NOT NULL,
  max_ns INTEGER NOT NULL,  -- last (largest) duration of the segment
  seg    INTEGER NOT NULL,  -- segment number within the part, in order
  min_ns INTEGER NOT NULL,  -- first (smallest) duration of the segment
  count  INTEGER NOT NULL,
  pairs  BLOB    NOT NULL,
  PRIMARY KEY (run_id, path, hop, part, max_ns, seg)
) WITHOUT ROWID;
