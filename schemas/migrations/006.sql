-- Schema 5 -> 6: the kernel reconstruction model (real KVM hosts, LTTng kernel
-- events; docs/kvm-model.md).
--
-- Two paths, kvm-msi and kvm-ioapic, with three hops no model path had:
-- signal (irq_raise -> the injection request), wake (injection ->
-- sched_waking of the vCPU thread) and run (sched_waking, or the injection
-- when the vCPU was runnable, -> sched_switch into it).  worker, inject and
-- guest keep their columns.  vCPUs of a kernel trace are host threads: vcpu
-- gains the thread's tid and name ("CPU n/KVM"); NULL for model runs.
ALTER TABLE irq ADD COLUMN signal_ns INTEGER;
ALTER TABLE irq ADD COLUMN wake_ns INTEGER;
ALTER TABLE irq ADD COLUMN run_ns INTEGER;
ALTER TABLE vcpu ADD COLUMN tid INTEGER;
ALTER TABLE vcpu ADD COLUMN thread TEXT;

INSERT OR IGNORE INTO hop_def VALUES
  ('kvm-msi',    1, 'signal', 'irq_raise',               'kvm_msi_set_irq'),
  ('kvm-msi',    2, 'wake',   'kvm_msi_set_irq',         'sched_waking'),
  ('kvm-msi',    3, 'run',    'sched_waking',            'sched_switch'),
  ('kvm-msi',    4, 'guest',  'sched_switch',            'vcpu_ack'),
  ('kvm-ioapic', 1, 'signal', 'irq_raise',               'workqueue_queue_work'),
  ('kvm-ioapic', 2, 'worker', 'workqueue_queue_work',    'workqueue_execute_start'),
  ('kvm-ioapic', 3, 'inject', 'workqueue_execute_start', 'kvm_set_irq'),
  ('kvm-ioapic', 4, 'wake',   'kvm_set_irq',             'sched_waking'),
  ('kvm-ioapic', 5, 'run',    'sched_waking',            'sched_switch'),
  ('kvm-ioapic', 6, 'guest',  'sched_switch',            'vcpu_ack');

-- The hop view gains the kernel paths; the model paths' rows are unchanged
-- but restricted to their paths (their start offsets use the model's hops).
DROP VIEW IF EXISTS hop;
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
    FROM irq WHERE path = 'irqfd' AND worker_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'inject', 4,
         start_ns + callback_ns + COALESCE(defer_ns, 0) + COALESCE(worker_ns, 0), inject_ns, vm_lock_wait_ns
    FROM irq WHERE path = 'irqfd' AND inject_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'guest', CASE path WHEN 'timer' THEN 4 ELSE 5 END,
         ack_ns - guest_ns, guest_ns, NULL
    FROM irq WHERE path IN ('passthrough', 'timer', 'irqfd') AND guest_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'signal', 1, start_ns, signal_ns, NULL
    FROM irq WHERE signal_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'worker', 2, start_ns + COALESCE(signal_ns, 0), worker_ns, NULL
    FROM irq WHERE path LIKE 'kvm-%' AND worker_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'inject', 3, start_ns + COALESCE(signal_ns, 0) + worker_ns, inject_ns, NULL
    FROM irq WHERE path LIKE 'kvm-%' AND inject_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'wake', CASE path WHEN 'kvm-ioapic' THEN 4 ELSE 2 END,
         start_ns + COALESCE(signal_ns, 0) + COALESCE(worker_ns, 0) + COALESCE(inject_ns, 0), wake_ns, NULL
    FROM irq WHERE wake_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'run', CASE path WHEN 'kvm-ioapic' THEN 5 ELSE 3 END,
         start_ns + COALESCE(signal_ns, 0) + COALESCE(worker_ns, 0) + COALESCE(inject_ns, 0)
           + COALESCE(wake_ns, 0), run_ns, NULL
    FROM irq WHERE run_ns IS NOT NULL
  UNION ALL
  SELECT run_id, irq_id, path, 'guest', CASE path WHEN 'kvm-ioapic' THEN 6 ELSE 4 END,
         ack_ns - guest_ns, guest_ns, NULL
    FROM irq WHERE path LIKE 'kvm-%' AND guest_ns IS NOT NULL;
