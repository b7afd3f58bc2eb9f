#!/usr/bin/env python3
"""export_check.py TRACE DB RUN IDS [DESCRIPTION] - checks a trace written by
`irqhop export` against the database it came from, as TAP lines (no plan:
tests/export.test numbers and counts them).

IDS is a file with the irq ids the selection must hold, one per line (the
test computes them with sqlite3, independently of hop_order).  Checked:
  - the file is JSON whose first key is traceEvents (Perfetto's importer
    stops at the first top-level key it does not know);
  - the exported interrupts are exactly IDS (those with a measured hop
    have slices);
  - every hop of every one of them (the database's hop view) is one X slice
    with the stored duration, read both as exact decimals and as Perfetto
    reads them (double * 1000, truncated), at the stored start for complete
    interrupts; no other slice;
  - every slice's args.irq is the interrupt's irq row;
  - flows: each bind_id chains the hops of one interrupt in path order,
    flow_out on the first, both on the middle ones, flow_in on the last,
    so both ends of every arrow exist;
  - per track (pid, tid, phase) timestamps are monotonic in file order, and
    no slice crosses another's end on its track (the shape Perfetto drops);
  - every track and process is named;
  - one steal counter per vCPU of the run, each sample equal to the steal
    table's window.
"""
import decimal
import json
import math
import sqlite3
import sys
from decimal import Decimal

n = 0
failed = 0
WHAT = ""


def ok(cond, desc, diag=None):
    global n, failed
    n += 1
    if cond:
        print("ok %d - %s%s" % (n, WHAT, desc))
    else:
        failed += 1
        print("not ok %d - %s%s" % (n, WHAT, desc))
        if diag:
            for line in str(diag).splitlines()[:20]:
                print("#   " + line)
    return cond


def ns_exact(v):
    """A ts/dur value (Decimal) as integer ns, as Perfetto's string path
    reads it: the digits past the nanosecond are cut."""
    return int((v * 1000).to_integral_value(rounding=decimal.ROUND_FLOOR))


def ns_double(v):
    """As Perfetto's double path reads it: static_cast<int64_t>(d * 1000.0)."""
    return int(math.trunc(float(v) * 1000.0))


def main():
    global WHAT
    trace, dbpath, run, idsfile = sys.argv[1:5]
    WHAT = (sys.argv[5] + ": ") if len(sys.argv) > 5 else ""
    run = int(run)
    want_ids = sorted({int(x) for x in open(idsfile).read().split()})

    raw = open(trace, "rb").read()
    try:
        doc = json.loads(raw, parse_float=Decimal)
    except ValueError as e:
        ok(False, "the file parses as JSON", e)
        return
    ok(True, "the file parses as JSON (%d bytes)" % len(raw))
    ok(isinstance(doc, dict) and list(doc)[0] == "traceEvents",
       "traceEvents is the first top-level key", list(doc)[:3] if isinstance(doc, dict) else type(doc))
    events = doc["traceEvents"]
    meta = doc.get("otherData", {}).get("irqhop", {})
    origin = meta.get("origin_ns")
    ok(isinstance(origin, int), "otherData.irqhop.origin_ns is an integer", origin)

    db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
    db.row_factory = sqlite3.Row
    slices = [e for e in events if e.get("ph") == "X"]
    got_ids = sorted({e["args"]["irq_id"] for e in slices})
    ok(meta.get("irqs") == len(want_ids), "otherData counts the selection's %d interrupts" % len(want_ids),
       meta.get("irqs"))
    # An interrupt none of whose hops was measured (broken at its first)
    # has no slice: the others must be exactly the interrupts with slices.
    db0 = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
    with_hops = sorted({r[0] for r in db0.execute(
        "SELECT DISTINCT irq_id FROM hop WHERE run_id = ? AND irq_id IN (%s)" % (",".join("?" * len(want_ids)) or "NULL"),
        [run] + want_ids)})
    db0.close()
    ok(got_ids == with_hops, "the interrupts with slices are those of the selection with a hop (%d)" % len(with_hops),
       "missing %s, extra %s" % (sorted(set(with_hops) - set(got_ids))[:10],
                                 sorted(set(got_ids) - set(with_hops))[:10]))

    # Hops from the database's own hop view.
    qmarks = ",".join("?" * len(want_ids)) or "NULL"
    hops = db.execute(
        "SELECT h.irq_id, h.hop, h.seq, h.start_ns, h.dur_ns, i.complete FROM hop h "
        "JOIN irq i ON i.run_id = h.run_id AND i.irq_id = h.irq_id "
        "WHERE h.run_id = ? AND h.irq_id IN (%s)" % qmarks, [run] + want_ids).fetchall()
    by_key = {}
    for e in slices:
        by_key.setdefault((e["args"]["irq_id"], e["args"]["hop"]), []).append(e)
    missing, baddur, badstart, dup = [], [], [], []
    for h in hops:
        k = (h["irq_id"], h["hop"])
        got = by_key.get(k, [])
        if not got:
            missing.append(k)
            continue
        if len(got) > 1:
            dup.append(k)
        e = got[0]
        d = h["dur_ns"]
        if not (ns_exact(e["dur"]) == d and ns_double(e["dur"]) == d and e["args"]["dur_ns"] == d):
            baddur.append((k, str(e["dur"]), d))
        rel = h["start_ns"] - origin if h["start_ns"] is not None else None
        if h["complete"] and not (ns_exact(e["ts"]) == rel and ns_double(e["ts"]) == rel and
                                  e["args"]["start_ns"] == h["start_ns"]):
            badstart.append((k, str(e["ts"]), rel))
    ok(not missing, "every hop of every selected interrupt is a slice (%d hops)" % len(hops), missing[:10])
    ok(not dup, "no hop is written twice", dup[:10])
    ok(not baddur, "every slice has the stored duration, exactly and as Perfetto reads it", baddur[:10])
    ok(not badstart, "every slice of a complete interrupt starts at the stored instant", badstart[:10])
    ok(len(slices) == len(hops), "no other slice (%d slices, %d hops)" % (len(slices), len(hops)))

    # args.irq is the irq row.
    hopcols = {r[0] + "_ns" for r in db.execute("SELECT DISTINCT hop FROM hop_def")}
    bad = []
    for e in slices[:5000]:
        row = db.execute("SELECT * FROM irq WHERE run_id = ? AND irq_id = ?", (run, e["args"]["irq_id"])).fetchone()
        want = {k: row[k] for k in row.keys() if row[k] is not None and k != "run_id" and k not in hopcols}
        if e["args"]["irq"] != want:
            bad.append((e["args"]["irq_id"], e["args"]["irq"], want))
    ok(not bad, "every slice's args.irq is its irq row", bad[:3])

    # Flows.
    chains = {}
    for i, e in enumerate(slices):
        if "bind_id" in e:
            chains.setdefault(e["bind_id"], []).append((Decimal(e["ts"]), i, e))
    badflow = []
    links = 0
    for bid, ch in chains.items():
        ch.sort(key=lambda t: (t[0], t[1]))
        evs = [t[2] for t in ch]
        irqs = {e["args"]["irq_id"] for e in evs}
        seqs = [e["args"]["seq"] for e in evs]
        roles = [(bool(e.get("flow_in")), bool(e.get("flow_out"))) for e in evs]
        want = [(False, True)] + [(True, True)] * (len(evs) - 2) + [(True, False)]
        if len(evs) < 2 or len(irqs) != 1 or seqs != sorted(seqs) or roles != want:
            badflow.append((bid, len(evs), irqs, seqs, roles))
        links += len(evs) - 1
    per_irq = {}
    for e in slices:
        per_irq[e["args"]["irq_id"]] = per_irq.get(e["args"]["irq_id"], 0) + 1
    ok(not badflow, "every flow chains one interrupt's hops in order, both ends present (%d arrows)" % links,
       badflow[:5])
    ok(sum(c - 1 for c in per_irq.values() if c > 1) == links,
       "every interrupt of several hops is one chain of arrows", links)

    # Tracks: monotonic, no crossing, named.
    last = {}
    nonmono = []
    for i, e in enumerate(events):
        if e.get("ph") not in ("X", "C"):
            continue
        k = (e["pid"], e["tid"], e["ph"])
        t = Decimal(e["ts"])
        if k in last and t < last[k]:
            nonmono.append((k, str(last[k]), str(t)))
        last[k] = t
    ok(not nonmono, "timestamps are monotonic per track (%d tracks)" % len(last), nonmono[:5])
    crossing = []
    stacks = {}
    for e in sorted(slices, key=lambda e: Decimal(e["ts"])):
        k = (e["pid"], e["tid"])
        s, d = ns_exact(e["ts"]), ns_exact(e["dur"])
        st = stacks.setdefault(k, [])
        while st and (st[-1][1] < s or (st[-1][1] == s and not (st[-1][2] == 0 and d == 0))):
            st.pop()
        if st and s < st[-1][1] < s + d:
            crossing.append((k, e["args"]["irq_id"], e["args"]["hop"]))
            continue
        st.append((s, s + d, d))
    ok(not crossing, "no slice crosses another's end on its track (Perfetto would drop it)", crossing[:5])
    tnames = {(e["pid"], e["tid"]) for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    pnames = {e["pid"] for e in events if e.get("ph") == "M" and e.get("name") == "process_name"}
    unnamed = sorted({(e["pid"], e["tid"]) for e in events if e.get("ph") in ("X", "C")} - tnames)
    ok(not unnamed and {e["pid"] for e in events if "pid" in e} <= pnames,
       "every track and process is named", unnamed[:5])

    # Steal counters.
    counters = [e for e in events if e.get("ph") == "C"]
    vcpus = [r[0] for r in db.execute("SELECT vcpu FROM vcpu WHERE run_id = ? ORDER BY vcpu", (run,))]
    cnames = sorted({e["name"] for e in counters})
    has_steal = db.execute("SELECT count(*) FROM steal WHERE run_id = ?", (run,)).fetchone()[0] > 0
    if has_steal and vcpus:
        ok(cnames == sorted("vCPU %d" % v for v in vcpus), "one steal counter track per vCPU (%d)" % len(vcpus),
           cnames)
    else:
        ok(not counters, "no counter without steal windows")
    badc = []
    for e in counters:
        v = int(e["name"].split()[1])
        ws = ns_exact(e["ts"]) + origin
        r = db.execute("SELECT window_ns, runnable_ns + offline_ns FROM steal WHERE run_id = ? AND vcpu = ? "
                       "AND window_start_ns = ?", (run, v, ws)).fetchone()
        if not r or abs(float(e["args"]["steal_pct"]) - 100.0 * r[1] / r[0]) > 1e-4:
            badc.append((e["name"], str(e["ts"]), r))
    ok(not badc, "every steal sample is its window's steal (%d samples)" % len(counters), badc[:5])


if __name__ == "__main__":
    main()
    sys.exit(1 if failed else 0)
