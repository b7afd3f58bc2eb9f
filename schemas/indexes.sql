-- Indexes, created after a run's bulk insert (an index built before a bulk
-- insert makes it several times slower).  Idempotent.
--
-- Since schema 5 the irq table needs none: its primary key (run_id, irq_id)
-- serves look-ups by interrupt, and hop_order (written during ingest)
-- serves the dashboard's "interrupts behind a bucket" and "slowest N"
-- (schemas/migrations/005.sql says why).
CREATE UNIQUE INDEX IF NOT EXISTS run_trace_uuid ON run (trace_uuid) WHERE trace_uuid IS NOT NULL;
