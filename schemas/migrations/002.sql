-- Schema 1 -> 2: steal accounting, lock and pCPU statistics, per-path counts.

-- The vCPUs of a run, with their guest (from the run's scenario).
CREATE TABLE IF NOT EXISTS vcpu (
  run_id     INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  vcpu       INTEGER NOT NULL,
  guest      TEXT    NOT NULL,          -- guest name
  guest_kind TEXT    NOT NULL,          -- 'idle' | 'busy'
  pcpu       INTEGER,                   -- home pCPU
  PRIMARY KEY (run_id, vcpu)
) WITHOUT ROWID;

-- Per vCPU and time window (default 100 ms, the sink's `window` parameter):
-- time in each runstate, and the hypervisor time charged while it ran, by
-- cause.  running_ns includes hv_*_ns (Xen charges hypervisor work done on a
-- vCPU's behalf to its RUNNING time).
CREATE TABLE IF NOT EXISTS steal (
  run_id          INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  vcpu            INTEGER NOT NULL,
  window_start_ns INTEGER NOT NULL,
  window_ns       INTEGER NOT NULL,
  running_ns      INTEGER NOT NULL,
  runnable_ns     INTEGER NOT NULL,
  blocked_ns      INTEGER NOT NULL,
  offline_ns      INTEGER NOT NULL,
  hv_irq_ns       INTEGER NOT NULL,
  hv_softirq_ns   INTEGER NOT NULL,   -- includes hv_tasklet_ns and lock spin inside softirqs
  hv_tasklet_ns   INTEGER NOT NULL,
  hv_lock_ns      INTEGER NOT NULL,
  PRIMARY KEY (run_id, vcpu, window_start_ns)
) WITHOUT ROWID;

-- Totals per lock and pCPU over the run (last cumulative lock_stat sample).
CREATE TABLE IF NOT EXISTS lock_stat (
  run_id       INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  lock         INTEGER NOT NULL,       -- 0 = global tasklet lock, 1+g = guest g's event_lock
  lock_name    TEXT    NOT NULL,
  pcpu         INTEGER NOT NULL,
  acquisitions INTEGER NOT NULL,
  contended    INTEGER NOT NULL,
  wait_ns      INTEGER NOT NULL,
  hold_ns      INTEGER NOT NULL,
  PRIMARY KEY (run_id, lock, pcpu)
) WITHOUT ROWID;

-- Per pCPU thread and time window: run time and run delay from the host
-- kernel's schedstat (the test host's own steal of that thread).
CREATE TABLE IF NOT EXISTS pcpu_stat (
  run_id          INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  pcpu            INTEGER NOT NULL,
  window_start_ns INTEGER NOT NULL,
  window_ns       INTEGER NOT NULL,
  run_ns          INTEGER NOT NULL,
  run_delay_ns    INTEGER NOT NULL,
  PRIMARY KEY (run_id, pcpu, window_start_ns)
) WITHOUT ROWID;

-- Interrupt counts per run and path (so readers need not count irq rows).
CREATE TABLE IF NOT EXISTS path_summary (
  run_id     INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  path       TEXT    NOT NULL,
  irqs       INTEGER NOT NULL,
  complete   INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
) WITHOUT ROWID;

-- Steal per vCPU over the whole run.  steal_pct = (runnable + offline) as a
-- share of the vCPU's wall time; lock_spin_pct = lock spin as a share of
-- its running time.
CREATE VIEW IF NOT EXISTS steal_breakdown AS
SELECT s.run_id, v.guest, v.guest_kind, s.vcpu, v.pcpu,
       SUM(s.running_ns)                                   AS running_ns,
       SUM(s.hv_irq_ns + s.hv_softirq_ns)                  AS hypervisor_ns,
       SUM(s.hv_irq_ns)                                    AS hv_irq_ns,
       SUM(s.hv_softirq_ns)                                AS hv_softirq_ns,
       SUM(s.hv_tasklet_ns)                                AS hv_tasklet_ns,
       SUM(s.hv_lock_ns)                                   AS hv_lock_ns,
       SUM(s.runnable_ns)                                  AS runnable_ns,
       SUM(s.blocked_ns)                                   AS blocked_ns,
       SUM(s.offline_ns)                                   AS offline_ns,
       100.0 * SUM(s.runnable_ns + s.offline_ns) / MAX(SUM(s.window_ns), 1) AS steal_pct,
       100.0 * SUM(s.hv_lock_ns) / MAX(SUM(s.running_ns), 1)               AS lock_spin_pct
FROM steal s JOIN vcpu v USING (run_id, vcpu)
GROUP BY s.run_id, s.vcpu;

-- Contention per lock over the run, all pCPUs together.
CREATE VIEW IF NOT EXISTS lock_summary AS
SELECT run_id, lock, lock_name,
       SUM(acquisitions) AS acquisitions,
       SUM(contended)    AS contended,
       SUM(wait_ns)      AS wait_ns,
       SUM(hold_ns)      AS hold_ns,
       100.0 * SUM(contended) / MAX(SUM(acquisitions), 1) AS contended_pct,
       SUM(wait_ns) * 1.0 / MAX(SUM(contended), 1)        AS mean_wait_ns
FROM lock_stat GROUP BY run_id, lock;
