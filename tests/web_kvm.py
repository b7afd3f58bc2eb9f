#!/usr/bin/env python3
"""web_kvm.py - the dashboard's JSON API on runs of the kernel model (real
KVM hosts, paths kvm-msi and kvm-ioapic, docs/kvm-model.md): a database that
`irqhop analyze` made from the traces committed in tests/data/kvm/ (TAP on
stdout; run by tests/web_kvm.test, which analyzes them, starts the server
and passes IH_WEB_URL and IH_WEB_DB).  Paths and hops come from the
database's hop_def: every endpoint must answer 200 with the rows sqlite3
finds for the kvm paths, every 400 must list the database's paths and hops.
The helpers are tests/web_api.py's.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_api  # noqa: E402
from web_api import ok, sql, get, same_rows, bad_request  # noqa: E402

IRQ_COLUMNS = ("irq_id, path, source, vector, pcpu, vcpu, task_pcpu, ack_pcpu, worker, start_ns, ack_ns, "
               "total_ns, complete, broken_hop, delivery_ns, schedule_ns, queue_ns, assist_ns, callback_ns, "
               "defer_ns, worker_ns, inject_ns, signal_ns, wake_ns, run_ns, guest_ns")


def defs():
    """hop_def as {path: [hop, ...]} in order."""
    out = {}
    for r in sql("SELECT path, hop FROM hop_def ORDER BY path, seq"):
        out.setdefault(r["path"], []).append(r["hop"])
    return out


def lanes_of(irq):
    """The lane and role of each hop of a kvm interrupt, by docs/api.md."""
    dev = ("device thread, CPU %d" % irq["pcpu"], "device") if irq["pcpu"] is not None else ("unknown", "device")
    kw = ("kworker %d" % irq["worker"], "kworker") if irq["worker"] is not None else None
    vcpu = ("vCPU %d" % irq["vcpu"], "vcpu") if irq["vcpu"] is not None else ("unknown", "vcpu")
    return {"signal": dev, "worker": kw or ("unknown", "kworker"), "inject": kw or ("unknown", "kworker"),
            "wake": kw or dev, "run": vcpu, "guest": vcpu}


def threads_of(irq, hops):
    out = []
    for h in hops:
        lane = lanes_of(irq)[h][0]
        if lane != "unknown" and lane not in out:
            out.append(lane)
    return out


def check_paths():
    st, ct, doc = get("/api/paths")
    want = sql("SELECT path, seq, hop, from_ev, to_ev FROM hop_def ORDER BY path, seq")
    got = [dict(h, path=p["path"]) for p in (doc or {}).get("paths", []) for h in p["hops"]]
    ok(st == 200 and ct == "application/json" and not same_rows(got, want, ("path", "seq", "hop", "from_ev", "to_ev")),
       "GET /api/paths: every row of hop_def, by path then seq (%d)" % len(want), same_rows(got, want))
    names = [p["path"] for p in doc["paths"]] if st == 200 else []
    ok({"kvm-msi", "kvm-ioapic"} <= set(names) and names == sorted(names),
       "/api/paths lists the kernel paths, by name (%s)" % " ".join(names))
    role = {(p["path"], h["hop"]): h["role"] for p in doc["paths"] for h in p["hops"]} if st == 200 else {}
    ok([role.get(("kvm-ioapic", h)) for h in ("signal", "worker", "inject", "wake", "run", "guest")] ==
       ["device", "kworker", "kworker", "injector", "vcpu", "vcpu"] and role.get(("kvm-msi", "wake")) == "injector",
       "/api/paths: the kvm hops' roles (device, kworker, injector, vcpu)", role)
    bad_request("/api/paths?path=kvm-msi", "path")


def check_run(rid, d):
    st, ct, run = get("/api/runs/%d" % rid)
    paths = sql("SELECT path, irqs, complete FROM path_summary WHERE run_id = %d ORDER BY path" % rid)
    ok(st == 200 and run["paths"] == paths and paths and all(p["path"].startswith("kvm-") for p in paths),
       "run %d: its kvm paths from path_summary (%s)" % (rid, ", ".join("%s %d" % (p["path"], p["irqs"]) for p in paths)),
       (st, run and run.get("paths"), paths))
    st, ct, doc = get("/api/runs/%d/hops" % rid)
    want = sql("SELECT path, hop, seq, count, mean_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns FROM hop_stats "
               "WHERE run_id = %d ORDER BY path, seq, hop" % rid)
    ok(st == 200 and want and not same_rows(doc["hops"], want), "run %d: /hops matches hop_stats (%d hops)" % (rid, len(want)),
       same_rows(doc["hops"] if st == 200 else [], want))
    st, ct, doc = get("/api/runs/%d/hist" % rid)
    summ = sql("SELECT s.path, s.hop, COALESCE(d.seq, 99) AS seq, s.count, s.sum_ns, s.min_ns, s.max_ns "
               "FROM hop_summary s LEFT JOIN hop_def d USING (path, hop) WHERE s.run_id = %d "
               "ORDER BY s.path, seq, s.hop" % rid)
    ok(st == 200 and summ and not same_rows(doc["hists"], summ),
       "run %d: /hist has every hop of hop_summary in hop_def's order" % rid, same_rows(doc["hists"] if st == 200 else [], summ))
    for p in paths:
        for hop in d[p["path"]] + ["total"]:
            if not sql("SELECT 1 FROM hop_summary WHERE run_id = %d AND path = '%s' AND hop = '%s'" % (rid, p["path"], hop)):
                continue
            st, ct, doc = get("/api/runs/%d/hist?path=%s&hop=%s" % (rid, p["path"], hop))
            rows = sql("SELECT lo_ns, hi_ns, count, sum(count) OVER (ORDER BY lo_ns) AS cum FROM hop_hist "
                       "WHERE run_id = %d AND path = '%s' AND hop = '%s' ORDER BY lo_ns" % (rid, p["path"], hop))
            ok(st == 200 and len(doc["hists"]) == 1 and doc["hists"][0]["buckets"] ==
               [[r["lo_ns"], r["hi_ns"], r["count"], r["cum"]] for r in rows],
               "run %d: /hist?path=%s&hop=%s: 200, hop_hist's buckets" % (rid, p["path"], hop), st)
    st, ct, doc = get("/api/runs/%d/steal" % rid)
    want = sql("SELECT vcpu, steal_pct FROM steal_breakdown WHERE run_id = %d ORDER BY vcpu" % rid)
    ok(st == 200 and not same_rows(doc["vcpus"], want), "run %d: /steal (the vCPU threads) matches steal_breakdown" % rid,
       (st, want))
    for u in ("steal/windows", "locks"):
        st, ct, doc = get("/api/runs/%d/%s" % (rid, u))
        ok(st == 200, "run %d: /%s answers 200" % (rid, u), st)


def check_irqs(rid, d):
    paths = [p["path"] for p in sql("SELECT path FROM path_summary WHERE run_id = %d ORDER BY path" % rid)]
    st, ct, doc = get("/api/runs/%d/irqs/slowest?n=9" % rid)
    want = sql("SELECT total_ns FROM irq WHERE run_id = %d AND complete ORDER BY total_ns DESC LIMIT 9" % rid)
    ok(st == 200 and [i["total_ns"] for i in doc["irqs"]] == [r["total_ns"] for r in want],
       "run %d: /irqs/slowest?n=9 over the kvm paths are sqlite3's 9 slowest" % rid, (st, doc))
    for path in paths:
        st, ct, doc = get("/api/runs/%d/irqs/slowest?path=%s&n=5" % (rid, path))
        want = sql("SELECT %s FROM irq WHERE run_id = %d AND path = '%s' AND complete ORDER BY total_ns DESC, irq_id "
                   "LIMIT 5" % (IRQ_COLUMNS, rid, path))
        irqs = doc["irqs"] if st == 200 else []
        ok(st == 200 and want and not same_rows(irqs, want),
           "run %d: /irqs/slowest?path=%s: 200, the irq rows with signal/wake/run (%d)" % (rid, path, len(want)),
           (st, same_rows(irqs, want)))
        ok(irqs and all(i["threads"] == threads_of(i, d[path]) for i in irqs),
           "run %d: %s list rows carry their threads (device thread, kworker, vCPU)" % (rid, path),
           [(i["threads"], threads_of(i, d[path])) for i in irqs][:3])
        st, ct, doc = get("/api/runs/%d/irqs/sample?path=%s&n=10" % (rid, path))
        ok(st == 200 and doc["irqs"] and all(i["path"] == path for i in doc["irqs"]),
           "run %d: /irqs/sample?path=%s: 200, only that path" % (rid, path), st)
        # The interrupts behind each hop's p99 bucket, through hop_order.
        bad = []
        for h in sql("SELECT hop, p99_ns FROM hop_stats WHERE run_id = %d AND path = '%s' ORDER BY seq" % (rid, path)):
            b = sql("SELECT lo_ns, hi_ns, count FROM hop_hist WHERE run_id = %d AND path = '%s' AND hop = '%s' AND "
                    "lo_ns <= %d ORDER BY lo_ns DESC LIMIT 1" % (rid, path, h["hop"], h["p99_ns"]))[0]
            c = "total_ns" if h["hop"] == "total" else h["hop"] + "_ns"
            st, ct, doc = get("/api/runs/%d/irqs?path=%s&hop=%s&lo=%d&hi=%d&n=1000" % (rid, path, h["hop"], b["lo_ns"], b["hi_ns"]))
            want = sql("SELECT irq_id, %s AS dur_ns FROM irq WHERE run_id = %d AND path = '%s' AND %s BETWEEN %d AND %d"
                       % (c, rid, path, c, b["lo_ns"], b["hi_ns"]))
            if st != 200 or sorted((i["dur_ns"], i["irq_id"]) for i in doc["irqs"]) != \
                    sorted((w["dur_ns"], w["irq_id"]) for w in want) or len(want) != b["count"]:
                bad.append((h["hop"], st, b, len(want)))
        ok(not bad, "run %d: /irqs?path=%s&hop=H of every hop's p99 bucket lists exactly its interrupts" % (rid, path), bad)
        # One interrupt's waterfall.
        irq = sql("SELECT * FROM irq WHERE run_id = %d AND path = '%s' AND complete ORDER BY total_ns DESC LIMIT 1" % (rid, path))[0]
        st, ct, doc = get("/api/runs/%d/irqs/%d" % (rid, irq["irq_id"]))
        hops = sql("SELECT hop, seq, start_ns, dur_ns, lock_wait_ns FROM hop WHERE run_id = %d AND irq_id = %d ORDER BY seq"
                   % (rid, irq["irq_id"]))
        ok(st == 200 and doc["irq"] == irq and hops and not same_rows(doc["hops"], hops),
           "run %d: /irqs/%d (%s): its irq row and its hops (%s)" % (rid, irq["irq_id"], path, " ".join(h["hop"] for h in hops)),
           st)
        offs, t = [], 0
        for h in hops:
            offs.append(t)
            t += h["dur_ns"]
        ok(st == 200 and [h["offset_ns"] for h in doc["hops"]] == offs and t == irq["total_ns"],
           "run %d: %s waterfall offsets run from 0 to the total" % (rid, path))
        got = {h["hop"]: (h["lane"], h["role"]) for h in doc["hops"]} if st == 200 else {}
        want = {h["hop"]: lanes_of(irq)[h["hop"]] for h in hops}
        ok(got == want, "run %d: %s waterfall lanes: signal on the device thread, worker/inject on the kworker, wake on "
           "the injecting thread, run/guest on the vCPU thread" % (rid, path), (got, want))
        vrow = sql("SELECT * FROM vcpu WHERE run_id = %d AND vcpu = %d" % (rid, irq["vcpu"]))
        ok(st == 200 and vrow and doc["vcpu"] == vrow[0] and doc["vcpu"]["thread"],
           "run %d: the waterfall names the vCPU thread (%s)" % (rid, vrow and vrow[0].get("thread")), doc and doc.get("vcpu"))
        st, ct, doc = get("/api/runs/%d/export?path=%s&hop=run" % (rid, path))
        ok(st == 200, "run %d: /export?path=%s&hop=run answers a trace" % (rid, path), (st, doc))


def check_errors(rid, d):
    plist = " ".join(sorted(d))
    hlist = " ".join(sorted({h for hops in d.values() for h in hops})) + " total"
    for u in ("/api/runs/%d/hist?path=bogus", "/api/runs/%d/irqs/slowest?path=bogus", "/api/runs/%d/irqs/sample?path=bogus",
              "/api/runs/%d/irqs?path=bogus&hop=run"):
        st, ct, doc = get(u % rid)
        want = "parameter path: 'bogus' is not one of: %s" % plist
        ok(st == 400 and doc == {"error": want}, "%s: 400 listing hop_def's paths" % (u % rid), (st, doc, want))
    st, ct, doc = get("/api/runs/%d/hist?hop=bogus" % rid)
    want = "parameter hop: 'bogus' is not one of: %s" % hlist
    ok(st == 400 and doc == {"error": want}, "/hist?hop=bogus: 400 listing hop_def's hops and total", (st, doc, want))
    for path, hop in (("kvm-msi", "worker"), ("kvm-msi", "queue"), ("kvm-ioapic", "callback"), ("timer", "signal")):
        st, ct, doc = get("/api/runs/%d/irqs?path=%s&hop=%s" % (rid, path, hop))
        want = "parameter hop: '%s' is not a hop of path %s (its hops: %s total)" % (hop, path, " ".join(d[path]))
        ok(st == 400 and doc == {"error": want}, "/irqs?path=%s&hop=%s: 400 listing the path's hops" % (path, hop),
           (st, doc, want))
    bad_request("/api/runs/%d/irqs?path=kvm-msi" % rid, "hop")
    bad_request("/api/runs/%d/irqs?hop=wake" % rid, "path")


def check_compare(a, b):
    st, ct, doc = get("/api/compare?a=%d&b=%d" % (a, b))
    want = sql("SELECT x.path, x.hop FROM hop_stats x JOIN hop_stats y ON y.run_id = %d AND y.path = x.path "
               "AND y.hop = x.hop WHERE x.run_id = %d" % (b, a))
    got = {(h["path"], h["hop"]) for h in doc["hops"] if h["a"] and h["b"]} if st == 200 else set()
    ok(st == 200 and want and got == {(w["path"], w["hop"]) for w in want},
       "/api/compare?a=%d&b=%d: both kvm runs' hops side by side (%d)" % (a, b, len(want)), (st, sorted(got)))


def main():
    d = defs()
    runs = sql("SELECT id, label FROM run ORDER BY id")
    ok(len(runs) >= 4 and {"kvm-msi", "kvm-ioapic"} <= set(d), "the database holds the kvm runs (%d)" % len(runs))
    check_paths()
    for r in runs:
        check_run(r["id"], d)
    by = {r["label"]: r["id"] for r in runs}
    for label in ("kvm-msi-1vcpu", "kvm-ioapic-2vcpu"):
        check_irqs(by[label], d)
    check_errors(by["kvm-msi-1vcpu"], d)
    check_compare(by["kvm-msi-1vcpu"], by["kvm-msi-2vcpu"])
    print("1..%d" % web_api.n_tests)
    return 1 if web_api.n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
