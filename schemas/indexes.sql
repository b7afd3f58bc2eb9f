-- Indexes, created after a run's bulk insert (an index built before a bulk
-- insert makes it several times slower).  Idempotent.
CREATE INDEX IF NOT EXISTS irq_run_irq   ON irq (run_id, irq_id);
CREATE INDEX IF NOT EXISTS irq_run_total ON irq (run_id, path, total_ns);
CREATE UNIQUE INDEX IF NOT EXISTS run_trace_uuid ON run (trace_uuid) WHERE trace_uuid IS NOT NULL;
-- The dashboard's "interrupts behind a histogram bucket" (irqhop serve,
-- GET /api/runs/ID/irqs?path=&hop=&lo=&hi=): one partial index per path and
-- hop over the hop's duration, so a bucket's interrupts are an index range
-- (1 ms on 1 M interrupts, against 1.3 s for a scan).  Each costs about
-- 0.7 s and 12 MB per million interrupts of its path (docs/benchmarks.md).
-- They index "COL + 0", not COL: only queries written against that
-- expression (the dashboard's) use them.  On the bare column, SQLite
-- (without statistics) would pick them for the hop view's "COL IS NOT
-- NULL" and turn its look-ups by irq_id into range scans (1.3 s, not 0.1 ms).
CREATE INDEX IF NOT EXISTS irq_passthrough_delivery ON irq (run_id, delivery_ns + 0) WHERE path = 'passthrough' AND delivery_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_passthrough_schedule ON irq (run_id, schedule_ns + 0) WHERE path = 'passthrough' AND schedule_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_passthrough_queue    ON irq (run_id, queue_ns + 0) WHERE path = 'passthrough' AND queue_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_passthrough_assist   ON irq (run_id, assist_ns + 0) WHERE path = 'passthrough' AND assist_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_passthrough_guest    ON irq (run_id, guest_ns + 0) WHERE path = 'passthrough' AND guest_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_timer_schedule       ON irq (run_id, schedule_ns + 0) WHERE path = 'timer' AND schedule_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_timer_queue          ON irq (run_id, queue_ns + 0) WHERE path = 'timer' AND queue_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_timer_assist         ON irq (run_id, assist_ns + 0) WHERE path = 'timer' AND assist_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_timer_guest          ON irq (run_id, guest_ns + 0) WHERE path = 'timer' AND guest_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_irqfd_callback       ON irq (run_id, callback_ns + 0) WHERE path = 'irqfd' AND callback_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_irqfd_defer          ON irq (run_id, defer_ns + 0) WHERE path = 'irqfd' AND defer_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_irqfd_worker         ON irq (run_id, worker_ns + 0) WHERE path = 'irqfd' AND worker_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_irqfd_inject         ON irq (run_id, inject_ns + 0) WHERE path = 'irqfd' AND inject_ns IS NOT NULL;
CREATE INDEX IF NOT EXISTS irq_irqfd_guest          ON irq (run_id, guest_ns + 0) WHERE path = 'irqfd' AND guest_ns IS NOT NULL;
