#!/usr/bin/env python3
"""analyzer_kernel_validate.py - checks a kernel run of the analyzer's database
against babeltrace2's own text output of the trace, independently of the sink:

  analyzer_kernel_validate.py DB RUN_ID BT2_TEXT MODE

BT2_TEXT is `babeltrace2 --clock-seconds TRACE` (kernel + UST traces of one session).
MODE is "irqhop" (a trace with irqhop's irq_raise / vcpu_ack) or "attach" (none).
Checks, printed as TAP lines (no plan: the caller counts):
  - every irq_raise has a row, with the route its source names (irqhop mode), or every
    kvm_set_irq (level 1) run by a work on a kworker has one (attach mode);
  - each hop equals the difference of the timestamps of the two kernel events the rules
    of docs/kvm-model.md name, found here by its own search of the text;
  - IOAPIC rows carry a worker hop on a kworker, MSI rows none;
  - total = sum of the hops = end - start for every complete row;
  - per vCPU thread, running and runnable time equal the sums over its sched_switch /
    sched_waking intervals, and the steal table's windows add up to them.
Exit status 1 when a check failed.
"""
import re
import sqlite3
import sys

LINE = re.compile(r'^\[(\d+)\.(\d{9})\] \([^)]*\) \S+ (\S+): \{ cpu_id = (\d+) \}, '
                  r'\{ (?:v?tid) = (\d+), procname = "([^"]*)" \}, \{ (.*) \}$')
FIELD = re.compile(r'(\w+) = ("[^"]*"|0x[0-9A-Fa-f]+|-?\d+)')
VCPU = re.compile(r'^CPU (\d+)/KVM$')

n = 0
failed = False


def ok(cond, what):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, what))
    if not cond:
        failed = True


def value(v):
    if v.startswith('"'):
        return v[1:-1]
    return int(v, 16) if v.startswith("0x") else int(v)


def events(path):
    out = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            ts = int(m.group(1)) * 1000000000 + int(m.group(2))
            fields = {k: value(v) for k, v in FIELD.findall(m.group(7))}
            out.append((ts, m.group(3), int(m.group(5)), m.group(6), fields))
    return out


def first_after(evs, i, pred):
    """Index of the first event after index i matching pred, or None."""
    for j in range(i + 1, len(evs)):
        if pred(evs[j]):
            return j
    return None


def main():
    db, run_id, text, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    evs = events(text)
    con = sqlite3.connect(db)
    cols = ("irq_id, path, start_ns, ack_ns, total_ns, complete, signal_ns, worker_ns, inject_ns, "
            "wake_ns, run_ns, guest_ns, worker, vcpu")
    rows = {r[0]: dict(zip([c.strip() for c in cols.split(",")], r))
            for r in con.execute("SELECT %s FROM irq WHERE run_id = ?" % cols, (run_id,))}
    vtid = {r[0]: r[1] for r in con.execute("SELECT vcpu, tid FROM vcpu WHERE run_id = ?", (run_id,))}
    kworkers = {tid for _, name, tid, proc, _ in evs if proc.startswith("kworker")}

    # ---- the interrupts and their starts ----------------------------------------
    starts = {}     # irq id -> (index of its first event, route)
    if mode == "irqhop":
        for i, (ts, name, tid, proc, f) in enumerate(evs):
            if name == "irqhop:irq_raise":
                starts[f["irq_id"]] = (i, "kvm-msi" if f["source"] == 3 else "kvm-ioapic")
        found = [k for k in starts if k in rows and rows[k]["path"] == starts[k][1]]
        ok(len(found) == len(starts) and starts, "every irq_raise (%d) has a row with its route" % len(starts))
        acks = {f["irq_id"]: ts for ts, name, tid, proc, f in evs if name == "irqhop:vcpu_ack"}
    else:
        inj = [i for i, e in enumerate(evs)
               if e[1] == "kvm_set_irq" and e[4].get("level") == 1 and e[2] in kworkers]
        ok(len(rows) == len(inj) and inj, "every kvm_set_irq of a work (%d) has a row (%d)" % (len(inj), len(rows)))
        acks = {}

    # ---- each hop from the events ---------------------------------------------------
    bad = {"signal": 0, "worker": 0, "inject": 0, "wake": 0, "run": 0, "guest": 0, "total": 0,
           "kworker": 0, "msi_worker": 0}
    checked = 0
    for irq_id, r in rows.items():
        if not r["complete"]:
            continue
        checked += 1
        if r["path"] == "kvm-msi" and r["worker_ns"] is not None:
            bad["msi_worker"] += 1
        if r["path"] == "kvm-ioapic" and (r["worker_ns"] is None or r["worker"] not in kworkers):
            bad["kworker"] += 1
        t = r["start_ns"]
        if mode == "irqhop":
            i, route = starts[irq_id]
            ts0, _, tid0, _, _ = evs[i]
            j = first_after(evs, i, lambda e: e[2] == tid0 and e[1] in ("kvm_msi_set_irq", "workqueue_queue_work"))
            if j is None or evs[j][0] - ts0 != r["signal_ns"]:
                bad["signal"] += 1
                continue
            t = evs[j][0]
        else:
            j = None
        if r["path"] == "kvm-ioapic":
            if j is None:   # attach mode: the queue_work of the work whose run injected
                j = next(k for k, e in enumerate(evs) if e[1] == "workqueue_queue_work" and e[0] == t)
            work = evs[j][4]["work"]
            x = first_after(evs, j, lambda e: e[1] == "workqueue_execute_start" and e[4]["work"] == work)
            if x is None or evs[x][0] - evs[j][0] != r["worker_ns"]:
                bad["worker"] += 1
                continue
            y = first_after(evs, x, lambda e: e[2] == evs[x][2] and e[1] == "kvm_set_irq" and e[4]["level"] == 1)
            if y is None or evs[y][0] - evs[x][0] != r["inject_ns"]:
                bad["inject"] += 1
                continue
            inj_i = y
        else:
            inj_i = j if j is not None else next(k for k, e in enumerate(evs)
                                                 if e[1] == "kvm_msi_set_irq" and e[0] == t)
        ti, inj_tid = evs[inj_i][0], evs[inj_i][2]
        b = ti
        v = vtid.get(r["vcpu"])
        if r["wake_ns"] is not None:
            w = first_after(evs, inj_i, lambda e: e[2] == inj_tid and e[1] == "sched_waking"
                            and VCPU.match(e[4]["comm"]))
            if w is None or evs[w][0] - ti != r["wake_ns"] or evs[w][4]["tid"] != v:
                bad["wake"] += 1
                continue
            b = evs[w][0]
        if r["run_ns"] is not None:
            s = [e for e in evs if e[1] == "sched_switch" and e[4]["next_tid"] == v and e[0] == b + r["run_ns"]]
            if not s:
                bad["run"] += 1
                continue
            b = s[0][0]
        end = acks.get(irq_id, r["ack_ns"])
        if end - b != r["guest_ns"]:
            bad["guest"] += 1
        hops = sum(r[h] or 0 for h in ("signal_ns", "worker_ns", "inject_ns", "wake_ns", "run_ns", "guest_ns"))
        if hops != r["total_ns"] or end - r["start_ns"] != r["total_ns"]:
            bad["total"] += 1
    ok(checked > 0, "complete rows checked: %d" % checked)
    for h in ("signal", "worker", "inject", "wake", "run", "guest", "total"):
        ok(bad[h] == 0, "%s hop = difference of its two events' timestamps (%d wrong)" % (h, bad[h]))
    ok(bad["kworker"] == 0, "IOAPIC rows carry a worker hop on a kworker (%d wrong)" % bad["kworker"])
    ok(bad["msi_worker"] == 0, "MSI rows have no worker hop (%d wrong)" % bad["msi_worker"])

    # ---- steal per vCPU thread ----------------------------------------------------------
    end_ts = evs[-1][0]
    for vcpu, tid in vtid.items():
        # From its first event under its vCPU name; blocked before it.
        state, since, run_t, rq_t = "blocked", evs[0][0], 0, 0
        named = False
        for ts, name, _, _, f in evs:
            new = None
            if name == "sched_waking" and f["tid"] == tid:
                named = named or bool(VCPU.match(f["comm"]))
                if named and state != "run":
                    new = "rq"
            elif name == "sched_switch" and f["prev_tid"] == tid:
                named = named or bool(VCPU.match(f["prev_comm"]))
                st = f["prev_state"]
                if named:
                    new = "rq" if st == 0 or st >= 0x100 else "blocked"
            elif name == "sched_switch" and f["next_tid"] == tid:
                named = named or bool(VCPU.match(f["next_comm"]))
                if named:
                    new = "run"
            if new is None:
                continue
            if state == "run":
                run_t += ts - since
            elif state == "rq":
                rq_t += ts - since
            state, since = new, ts
        if state == "run":
            run_t += end_ts - since
        elif state == "rq":
            rq_t += end_ts - since
        got = con.execute("SELECT SUM(running_ns), SUM(runnable_ns) FROM steal WHERE run_id = ? AND vcpu = ?",
                          (run_id, vcpu)).fetchone()
        ok(got == (run_t, rq_t), "steal of vCPU %d (tid %d): running %s runnable %s == %d %d"
           % (vcpu, tid, got[0], got[1], run_t, rq_t))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
