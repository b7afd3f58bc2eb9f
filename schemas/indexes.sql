-- Indexes, created after a run's bulk insert (an index built before a bulk
-- insert makes it several times slower).  Idempotent.
CREATE INDEX IF NOT EXISTS irq_run_irq   ON irq (run_id, irq_id);
CREATE INDEX IF NOT EXISTS irq_run_total ON irq (run_id, path, total_ns);
CREATE UNIQUE INDEX IF NOT EXISTS run_trace_uuid ON run (trace_uuid) WHERE trace_uuid IS NOT NULL;
