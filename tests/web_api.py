#!/usr/bin/env python3
"""web_api.py - the dashboard's JSON API against a database that `irqhop
analyze` made from real traces (TAP on stdout; run by tests/web_api.test,
which records the traces, starts the server and passes IH_WEB_URL and
IH_WEB_DB).  Every value is checked against a query of the same database
through the sqlite3 shell ($SQLITE3), and every malformed parameter must be
a 400 naming it, every unknown run or interrupt a 404.  Only 127.0.0.1.
"""
import http.client
import json
import os
import subprocess
import sys
import urllib.parse

URL = os.environ["IH_WEB_URL"]
DB = os.environ["IH_WEB_DB"]
SQLITE3 = os.environ.get("SQLITE3") or "sqlite3"
PORT = urllib.parse.urlsplit(URL).port
assert urllib.parse.urlsplit(URL).hostname == "127.0.0.1"

n_tests = 0
n_failed = 0


def ok(cond, what, diag=None):
    global n_tests, n_failed
    n_tests += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n_tests, what))
    if not cond:
        n_failed += 1
        if diag is not None:
            for line in json.dumps(diag, default=str)[:3000].splitlines()[:20]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def sql(query):
    r = subprocess.run([SQLITE3, "-json", "-readonly", DB, query], capture_output=True, timeout=120)
    if r.returncode != 0:
        print("Bail out! sqlite3 failed on %r: %s" % (query, r.stderr.decode(errors="replace")))
        sys.exit(1)
    out = r.stdout.decode("utf-8", errors="replace").strip()
    return json.loads(out) if out else []


def get(path):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        return r.status, r.getheader("Content-Type"), doc
    finally:
        c.close()


def close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


def same_rows(got, want, keys=None):
    """Differences between two lists of row objects (floats compared to 1e-9)."""
    diffs = []
    if len(got) != len(want):
        diffs.append(("length", len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        for k in keys or w.keys():
            if not close(g.get(k), w.get(k)):
                diffs.append((i, k, g.get(k), w.get(k)))
    return diffs[:10]


def bad_request(path, param):
    st, ct, doc = get(path)
    return ok(st == 400 and ct == "application/json" and isinstance(doc, dict) and
              set(doc) == {"error"} and ("parameter %s" % param) in doc["error"],
              "%s: 400 naming %s" % (path, param), (st, doc))


def not_found(path, what):
    st, ct, doc = get(path)
    return ok(st == 404 and isinstance(doc, dict) and set(doc) == {"error"} and what in doc["error"],
              "%s: 404 %s" % (path, what), (st, doc))


RUN_COLUMNS = ("id, label, host, tasklet_mode, notifier_mode, start_ns, end_ns, events, discarded, "
               "irqs, irqs_incomplete, irqs_raised, irqs_acked, analyzed_at")


def check_runs():
    st, ct, doc = get("/api/runs")
    want = sql("SELECT %s FROM run ORDER BY id DESC" % RUN_COLUMNS)
    ok(st == 200 and len(want) >= 3, "GET /api/runs: 200, the database has the recorded runs (%d)" % len(want), st)
    ok(not same_rows(doc["runs"], want), "/api/runs matches the run table", same_rows(doc["runs"], want))
    for q, where in (("label=XEN-steal", "instr(lower(label), 'xen-steal') > 0"),
                     ("label=percpu", "instr(lower(label), 'percpu') > 0"),
                     ("host=" + urllib.parse.quote(want[0]["host"]), "host = '%s'" % want[0]["host"].replace("'", "''")),
                     ("host=no-such-host", "0"),
                     ("mechanism=global", "tasklet_mode = 'global' OR notifier_mode = 'global'"),
                     ("mechanism=srcu", "tasklet_mode = 'srcu' OR notifier_mode = 'srcu'"),
                     ("mechanism=percpu&label=steal", "(tasklet_mode = 'percpu' OR notifier_mode = 'percpu') AND instr(label, 'steal') > 0"),
                     ("label=&host=&mechanism=", "1")):
        st, ct, doc = get("/api/runs?" + q)
        w = [r["id"] for r in sql("SELECT id FROM run WHERE %s ORDER BY id DESC" % where)]
        ok(st == 200 and [r["id"] for r in doc["runs"]] == w, "/api/runs?%s: the runs sqlite3 selects %s" % (q, w),
           (st, doc and [r["id"] for r in doc["runs"]]))
    bad_request("/api/runs?mechanism=fast", "mechanism")
    bad_request("/api/runs?sort=id", "sort")
    bad_request("/api/runs?label=a&label=b", "label")
    bad_request("/api/runs/1?x=1", "x")
    st, ct, doc = get("/api/runs?" + "&".join("p%d=1" % i for i in range(9)))
    ok(st == 400, "nine query parameters: 400", (st, doc))


def check_run(rid):
    st, ct, run = get("/api/runs/%d" % rid)
    paths = sql("SELECT path, irqs, complete FROM path_summary WHERE run_id = %d ORDER BY path" % rid)
    counted = sql("SELECT path, count(*) AS irqs, sum(complete) AS complete FROM irq WHERE run_id = %d "
                  "GROUP BY path ORDER BY path" % rid)
    ok(st == 200 and run["paths"] == paths and paths,
       "run %d: paths come from path_summary (%s)" % (rid, ", ".join("%s %d" % (p["path"], p["irqs"]) for p in paths)),
       (run and run.get("paths"), paths))
    ok(paths == counted, "run %d: path_summary agrees with the irq rows" % rid, (paths, counted))

    st, ct, doc = get("/api/runs/%d/hops" % rid)
    want = sql("SELECT path, hop, seq, count, mean_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns FROM hop_stats "
               "WHERE run_id = %d ORDER BY path, seq, hop" % rid)
    ok(st == 200 and not same_rows(doc["hops"], want), "run %d: /hops matches hop_stats" % rid,
       same_rows(doc["hops"], want))

    # Histograms and CDFs.
    st, ct, doc = get("/api/runs/%d/hist" % rid)
    summ = sql("SELECT s.path, s.hop, COALESCE(d.seq, 99) AS seq, s.count, s.sum_ns, s.min_ns, s.max_ns "
               "FROM hop_summary s LEFT JOIN hop_def d USING (path, hop) WHERE s.run_id = %d "
               "ORDER BY s.path, seq, s.hop" % rid)
    hists = doc["hists"] if st == 200 else []
    ok(not same_rows(hists, summ), "run %d: /hist has every hop of hop_summary, in path and hop order" % rid,
       same_rows(hists, summ))
    bad = []
    for h in hists:
        rows = sql("SELECT lo_ns, hi_ns, count, sum(count) OVER (ORDER BY lo_ns) AS cum FROM hop_hist "
                   "WHERE run_id = %d AND path = '%s' AND hop = '%s' ORDER BY lo_ns" % (rid, h["path"], h["hop"]))
        if h["buckets"] != [[r["lo_ns"], r["hi_ns"], r["count"], r["cum"]] for r in rows] or \
                h["buckets"][-1][3] != h["count"]:
            bad.append((h["path"], h["hop"]))
    ok(hists and not bad, "run %d: every hop's buckets and cumulative counts (the CDF) match hop_hist" % rid, bad)
    st, ct, doc = get("/api/runs/%d/hist?path=passthrough&hop=queue" % rid)
    ok(st == 200 and [(h["path"], h["hop"]) for h in doc["hists"]] == [("passthrough", "queue")],
       "run %d: /hist?path=passthrough&hop=queue is that one hop" % rid)
    st, ct, doc = get("/api/runs/%d/hist?hop=guest" % rid)
    ok(st == 200 and doc["hists"] and all(h["hop"] == "guest" for h in doc["hists"]),
       "run %d: /hist?hop=guest is the guest hop of every path" % rid)
    bad_request("/api/runs/%d/hist?path=bogus" % rid, "path")
    bad_request("/api/runs/%d/hist?hop=bogus" % rid, "hop")
    bad_request("/api/runs/%d/hist?path=timer&hop=delivery" % rid, "hop")


def check_steal(rid):
    st, ct, doc = get("/api/runs/%d/steal" % rid)
    want = sql("SELECT vcpu, guest, guest_kind, pcpu, running_ns - hypervisor_ns AS guest_ns, running_ns, hypervisor_ns, "
               "hv_irq_ns, hv_softirq_ns, hv_tasklet_ns, hv_lock_ns, runnable_ns, blocked_ns, offline_ns, "
               "runnable_ns + offline_ns AS steal_ns, steal_pct, lock_spin_pct FROM steal_breakdown "
               "WHERE run_id = %d ORDER BY vcpu" % rid)
    vcpus = sql("SELECT count(*) AS n FROM vcpu WHERE run_id = %d" % rid)[0]["n"]
    ok(st == 200 and want and len(want) == vcpus,
       "run %d: the analyzer filled steal for each of its %d vCPUs" % (rid, vcpus), (st, len(want), vcpus))
    ok(st == 200 and not same_rows(doc["vcpus"], want), "run %d: /steal vCPUs match steal_breakdown" % rid,
       same_rows(doc["vcpus"], want))
    wall_bad = [v["vcpu"] for v in (doc or {}).get("vcpus", [])
                if v["guest_ns"] + v["hypervisor_ns"] + v["runnable_ns"] + v["blocked_ns"] + v["offline_ns"] !=
                v["running_ns"] + v["runnable_ns"] + v["blocked_ns"] + v["offline_ns"]]
    ok(not wall_bad, "run %d: guest + hypervisor + runnable + blocked + offline = the vCPU's wall time" % rid, wall_bad)
    pc = sql("SELECT pcpu, sum(run_ns) AS run_ns, sum(run_delay_ns) AS run_delay_ns, "
             "100.0 * sum(run_delay_ns) / max(sum(run_ns + run_delay_ns), 1) AS run_delay_pct "
             "FROM pcpu_stat WHERE run_id = %d GROUP BY pcpu ORDER BY pcpu" % rid)
    ok(not same_rows(doc["pcpus"], pc), "run %d: /steal pCPUs match pcpu_stat" % rid, same_rows(doc["pcpus"], pc))
    st, ct, doc = get("/api/runs/%d/steal/windows" % rid)
    w = sql("SELECT vcpu, window_start_ns, window_ns, runnable_ns, blocked_ns, offline_ns, hv_lock_ns, "
            "100.0 * (runnable_ns + offline_ns) / max(window_ns, 1) AS steal_pct FROM steal WHERE run_id = %d "
            "ORDER BY vcpu, window_start_ns" % rid)
    ok(st == 200 and w and not same_rows(doc["windows"], w),
       "run %d: /steal/windows matches the steal table (%d windows)" % (rid, len(w)), same_rows(doc["windows"], w))
    start = sql("SELECT start_ns FROM run WHERE id = %d" % rid)[0]["start_ns"]
    ok(all(x["offset_ns"] == x["window_start_ns"] - start for x in doc["windows"]),
       "run %d: window offsets count from the run's start" % rid)
    v0 = w[0]["vcpu"] if w else 0
    st, ct, doc = get("/api/runs/%d/steal/windows?vcpu=%d" % (rid, v0))
    ok(st == 200 and doc["windows"] and all(x["vcpu"] == v0 for x in doc["windows"]) and
       len(doc["windows"]) == len([x for x in w if x["vcpu"] == v0]), "run %d: ?vcpu=%d filters the windows" % (rid, v0))
    bad_request("/api/runs/%d/steal/windows?vcpu=-1" % rid, "vcpu")
    bad_request("/api/runs/%d/steal/windows?vcpu=x" % rid, "vcpu")

    st, ct, doc = get("/api/runs/%d/locks" % rid)
    locks = sql("SELECT lock, lock_name, acquisitions, contended, wait_ns, hold_ns, contended_pct, mean_wait_ns "
                "FROM lock_summary WHERE run_id = %d ORDER BY wait_ns DESC, lock" % rid)
    per = sql("SELECT lock, lock_name, pcpu, acquisitions, contended, wait_ns, hold_ns FROM lock_stat "
              "WHERE run_id = %d ORDER BY lock, pcpu" % rid)
    ok(st == 200 and locks and not same_rows(doc["locks"], locks) and not same_rows(doc["per_pcpu"], per),
       "run %d: /locks matches lock_summary and lock_stat (%d locks)" % (rid, len(locks)),
       (same_rows(doc["locks"], locks), same_rows(doc["per_pcpu"], per)))


def check_irqs(rid):
    # Slowest N, over all paths and per path.
    st, ct, doc = get("/api/runs/%d/irqs/slowest?n=7" % rid)
    want = sql("SELECT total_ns FROM irq WHERE run_id = %d AND total_ns IS NOT NULL ORDER BY total_ns DESC LIMIT 7" % rid)
    ok(st == 200 and [i["total_ns"] for i in doc["irqs"]] == [r["total_ns"] for r in want],
       "run %d: /irqs/slowest?n=7 are the 7 largest totals in sqlite3" % rid, (doc and [i["total_ns"] for i in doc["irqs"]], want))
    one = doc["irqs"][0] if st == 200 and doc["irqs"] else {}
    row = sql("SELECT irq_id, path, source, vector, pcpu, vcpu, task_pcpu, ack_pcpu, worker, start_ns, ack_ns, total_ns, "
              "complete, broken_hop, delivery_ns, schedule_ns, queue_ns, assist_ns, callback_ns, defer_ns, worker_ns, "
              "inject_ns, guest_ns FROM irq WHERE run_id = %d AND irq_id = %d" % (rid, one.get("irq_id", -1)))
    ok(row and not same_rows([one], row), "run %d: a listed interrupt has its irq row's values" % rid, same_rows([one], row))
    for path in ("passthrough", "timer", "irqfd"):
        st, ct, doc = get("/api/runs/%d/irqs/slowest?path=%s" % (rid, path))
        want = sql("SELECT total_ns FROM irq WHERE run_id = %d AND path = '%s' AND total_ns IS NOT NULL "
                   "ORDER BY total_ns DESC LIMIT 20" % (rid, path))
        ok(st == 200 and [i["total_ns"] for i in doc["irqs"]] == [r["total_ns"] for r in want] and
           all(i["path"] == path for i in doc["irqs"]),
           "run %d: /irqs/slowest?path=%s (default n 20) matches sqlite3 (%d)" % (rid, path, len(want)))
    for q, p in (("n=0", "n"), ("n=1001", "n"), ("n=abc", "n"), ("n=", "n"), ("n=-5", "n"), ("n=05", "n"),
                 ("path=nope", "path")):
        bad_request("/api/runs/%d/irqs/slowest?%s" % (rid, q), p)
    # Sample.
    st, ct, doc = get("/api/runs/%d/irqs/sample?n=25" % rid)
    ids = [i["irq_id"] for i in doc["irqs"]] if st == 200 else []
    span = sql("SELECT min(irq_id) AS lo, max(irq_id) AS hi FROM irq WHERE run_id = %d" % rid)[0]
    ok(st == 200 and 0 < len(ids) <= 25 and ids == sorted(set(ids)) and ids[0] == span["lo"] and
       len(sql("SELECT 1 FROM irq WHERE run_id = %d AND irq_id IN (%s)" % (rid, ",".join(map(str, ids))))) == len(ids),
       "run %d: /irqs/sample?n=25 is %d distinct interrupts of the run spread from its first id" % (rid, len(ids)), ids)
    ok(ids and ids[-1] >= span["lo"] + (span["hi"] - span["lo"]) * 0.9, "run %d: the sample reaches the end of the run" % rid,
       (ids[-1:], span))
    st, ct, doc = get("/api/runs/%d/irqs/sample?n=5&path=timer" % rid)
    ok(st == 200 and doc["irqs"] and all(i["path"] == "timer" for i in doc["irqs"]), "run %d: sample of the timer path" % rid)
    bad_request("/api/runs/%d/irqs/sample?n=x" % rid, "n")
    # The interrupts behind a histogram bucket: the p99 bucket of each hop.
    bad = []
    hops = sql("SELECT path, hop, p99_ns FROM hop_stats WHERE run_id = %d ORDER BY path, seq" % rid)
    col = {"total": "total_ns"}
    for h in hops:
        b = sql("SELECT lo_ns, hi_ns, count FROM hop_hist WHERE run_id = %d AND path = '%s' AND hop = '%s' AND lo_ns <= %d "
                "ORDER BY lo_ns DESC LIMIT 1" % (rid, h["path"], h["hop"], h["p99_ns"]))[0]
        c = col.get(h["hop"], h["hop"] + "_ns")
        st, ct, doc = get("/api/runs/%d/irqs?path=%s&hop=%s&lo=%d&hi=%d&n=1000" % (rid, h["path"], h["hop"], b["lo_ns"], b["hi_ns"]))
        want = sql("SELECT irq_id, %s AS dur_ns FROM irq WHERE run_id = %d AND path = '%s' AND %s BETWEEN %d AND %d "
                   "ORDER BY %s, irq_id" % (c, rid, h["path"], c, b["lo_ns"], b["hi_ns"], c))
        got = sorted((i["dur_ns"], i["irq_id"]) for i in doc["irqs"]) if st == 200 else None
        if got != sorted((w["dur_ns"], w["irq_id"]) for w in want) or len(want) != b["count"] or doc["more"] or \
                [i["dur_ns"] for i in doc["irqs"]] != sorted(i["dur_ns"] for i in doc["irqs"]):
            bad.append((h["path"], h["hop"], b, len(want), st))
    ok(hops and not bad, "run %d: for every hop, /irqs?path=&hop=&lo=&hi= of its p99 bucket lists exactly the bucket's "
       "interrupts (as many as hop_hist counts), shortest first" % rid, bad)
    st, ct, doc = get("/api/runs/%d/irqs?path=passthrough&hop=total&n=3" % rid)
    want = sql("SELECT total_ns FROM irq WHERE run_id = %d AND path = 'passthrough' AND total_ns IS NOT NULL "
               "ORDER BY total_ns LIMIT 3" % rid)
    ok(st == 200 and [i["dur_ns"] for i in doc["irqs"]] == [w["total_ns"] for w in want] and doc["more"] is True,
       "run %d: without lo/hi, the shortest first, and more = true" % rid, doc and doc.get("irqs")[:1])
    for q, p in (("hop=queue", "path"), ("path=passthrough", "hop"), ("path=passthrough&hop=queue&lo=-1", "lo"),
                 ("path=passthrough&hop=queue&lo=1x", "lo"), ("path=passthrough&hop=queue&hi=99999999999999999999", "hi"),
                 ("path=passthrough&hop=queue&lo=10&hi=9", "hi"), ("path=passthrough&hop=queue&n=0", "n"),
                 ("path=timer&hop=delivery", "hop"), ("path=irqfd&hop=queue", "hop"), ("path=x&hop=queue", "path"),
                 ("path=passthrough&hop=queue&limit=3", "limit")):
        bad_request("/api/runs/%d/irqs?%s" % (rid, q), p)

    # One interrupt's waterfall, for one interrupt of each path.
    for path in ("passthrough", "timer", "irqfd"):
        irq = sql("SELECT * FROM irq WHERE run_id = %d AND path = '%s' AND complete ORDER BY total_ns DESC LIMIT 1" % (rid, path))
        if not irq:
            ok(False, "run %d has a complete %s interrupt" % (rid, path))
            continue
        irq = irq[0]
        st, ct, doc = get("/api/runs/%d/irqs/%d" % (rid, irq["irq_id"]))
        hops = sql("SELECT hop, seq, start_ns, dur_ns, lock_wait_ns FROM hop WHERE run_id = %d AND irq_id = %d ORDER BY seq"
                   % (rid, irq["irq_id"]))
        ok(st == 200 and doc["irq"] == irq and not same_rows(doc["hops"], hops),
           "run %d: /irqs/%d (%s) is its irq row and its rows of the hop view" % (rid, irq["irq_id"], path),
           (same_rows([doc["irq"]], [irq]) if st == 200 else st, same_rows(doc["hops"], hops) if st == 200 else None))
        offs, t = [], 0
        for h in hops:
            offs.append(t)
            t += h["dur_ns"]
        ok([h["offset_ns"] for h in doc["hops"]] == offs and t == irq["total_ns"],
           "run %d: %s waterfall offsets run from 0 to the total, hop after hop" % (rid, path))
        lanes = {h["hop"]: (h["lane"], h["role"]) for h in doc["hops"]}
        if path == "passthrough":
            want = {"delivery": ("pCPU %d" % irq["pcpu"], "raise"), "schedule": ("pCPU %d" % irq["pcpu"], "raise"),
                    "queue": ("pCPU %d" % irq["task_pcpu"], "tasklet"), "assist": ("pCPU %d" % irq["task_pcpu"], "tasklet"),
                    "guest": ("pCPU %d" % irq["ack_pcpu"], "ack")}
        elif path == "timer":
            want = {"schedule": ("pCPU %d" % irq["pcpu"], "raise"), "queue": ("pCPU %d" % irq["task_pcpu"], "tasklet"),
                    "assist": ("pCPU %d" % irq["task_pcpu"], "tasklet"), "guest": ("pCPU %d" % irq["ack_pcpu"], "ack")}
        else:
            inj = ("worker %d" % irq["worker"], "worker") if irq["worker"] is not None else ("I/O thread %d" % irq["source"], "io")
            want = {"callback": ("I/O thread %d" % irq["source"], "io"), "defer": ("I/O thread %d" % irq["source"], "io"),
                    "worker": ("worker %s" % irq["worker"], "worker"), "inject": inj, "guest": ("pCPU %d" % irq["ack_pcpu"], "ack")}
            want = {k: v for k, v in want.items() if k in lanes}
        ok(lanes == want, "run %d: %s waterfall lanes (raise pcpu, tasklet task_pcpu, worker, ack_pcpu)" % (rid, path),
           (lanes, want))
    last = sql("SELECT max(irq_id) AS m FROM irq WHERE run_id = %d" % rid)[0]["m"]
    not_found("/api/runs/%d/irqs/%d" % (rid, last + 1000), "interrupt %d not found in run %d" % (last + 1000, rid))
    for badid in ("0", "x", "-3", "1.5", "99999999999999999999"):
        bad_request("/api/runs/%d/irqs/%s" % (rid, badid), "irq")


def check_compare(a, b):
    st, ct, doc = get("/api/compare?a=%d&b=%d" % (a, b))
    ok(st == 200 and doc["a"]["id"] == a and doc["b"]["id"] == b, "/api/compare?a=%d&b=%d: 200 with both runs" % (a, b), st)
    want = sql("SELECT x.path, x.hop, x.p50_ns AS a50, y.p50_ns AS b50, x.p99_ns AS a99, y.p99_ns AS b99 "
               "FROM hop_stats x JOIN hop_stats y ON y.run_id = %d AND y.path = x.path AND y.hop = x.hop "
               "WHERE x.run_id = %d ORDER BY x.path, x.seq" % (b, a))
    got = {(h["path"], h["hop"]): h for h in doc["hops"]}
    bad = [w for w in want if (w["path"], w["hop"]) not in got or
           got[(w["path"], w["hop"])]["a"]["p50_ns"] != w["a50"] or got[(w["path"], w["hop"])]["b"]["p99_ns"] != w["b99"] or
           got[(w["path"], w["hop"])]["d_p50_ns"] != w["b50"] - w["a50"] or
           got[(w["path"], w["hop"])]["d_p99_ns"] != w["b99"] - w["a99"] or
           not close(got[(w["path"], w["hop"])]["r_p99"], w["b99"] / w["a99"])]
    ok(want and not bad, "compare: per-hop p50/p99 of both runs, deltas b - a and ratios b / a match hop_stats (%d hops)" % len(want), bad)
    bad = []
    for c in doc["cdfs"]:
        for side, rid in (("a", a), ("b", b)):
            rows = sql("SELECT hi_ns, 1.0 * sum(count) OVER (ORDER BY lo_ns) / (SELECT count FROM hop_summary s WHERE "
                       "s.run_id = %d AND s.path = '%s' AND s.hop = '%s') AS f FROM hop_hist WHERE run_id = %d AND path = '%s' "
                       "AND hop = '%s' ORDER BY lo_ns" % (rid, c["path"], c["hop"], rid, c["path"], c["hop"]))
            pts = c[side] or []
            if len(pts) != len(rows) or any(p[0] != r["hi_ns"] or not close(p[1], r["f"]) for p, r in zip(pts, rows)):
                bad.append((c["path"], c["hop"], side))
    ok(doc["cdfs"] and not bad, "compare: both CDFs of every hop match hop_hist (%d hops)" % len(doc["cdfs"]), bad)
    # The server caches verdicts per pair: the second answer (from the
    # cache) is the first one (computed), and the reverse pair is its own.
    st2, _, doc2 = get("/api/compare?a=%d&b=%d" % (a, b))
    ok(st2 == 200 and "verdicts" in doc and doc2 == doc, "compare again: the same answer, verdicts included", st2)
    st3, _, doc3 = get("/api/compare?a=%d&b=%d" % (b, a))
    ok(st3 == 200 and doc3["a"]["id"] == b and [v["baseline"] for v in doc3.get("verdicts", [])] ==
       [v["candidate"] for v in doc.get("verdicts", [])], "compare reversed: baseline and candidate swap", st3)
    bad_request("/api/compare?b=%d" % b, "a")
    bad_request("/api/compare?a=%d" % a, "b")
    bad_request("/api/compare?a=x&b=%d" % b, "a")
    bad_request("/api/compare?a=%d&b=0" % a, "b")
    bad_request("/api/compare?a=%d&b=%d&c=1" % (a, b), "c")
    not_found("/api/compare?a=%d&b=999999" % a, "run 999999 not found")


def check_unknown_run():
    for path in ("/api/runs/999999", "/api/runs/999999/hops", "/api/runs/999999/hist", "/api/runs/999999/steal",
                 "/api/runs/999999/steal/windows", "/api/runs/999999/locks", "/api/runs/999999/irqs/slowest",
                 "/api/runs/999999/irqs/sample", "/api/runs/999999/irqs?path=timer&hop=queue",
                 "/api/runs/999999/irqs/1", "/runs/999999", "/runs/999999/irqs", "/runs/999999/irqs/1"):
        not_found(path, "run 999999 not found")
    for path in ("/api/runs/abc/hist", "/api/runs/0/steal", "/api/runs/-1/locks", "/api/runs/1x/irqs/slowest",
                 "/runs/abc/irqs", "/runs/01/irqs/1"):
        bad_request(path, "id")


def main():
    runs = sql("SELECT id, label FROM run ORDER BY id")
    check_runs()
    for r in runs:
        check_run(r["id"])
        check_steal(r["id"])
    mixed = [r["id"] for r in runs if r["label"].startswith("mixed")]
    check_irqs(mixed[0] if mixed else runs[0]["id"])
    pair = sql("SELECT a.id AS a, b.id AS b FROM run a JOIN run b ON a.label LIKE 'xen-steal-global%' "
               "AND b.label LIKE 'xen-steal-percpu%'")
    check_compare(pair[0]["a"], pair[0]["b"])
    check_unknown_run()
    print("1..%d" % n_tests)
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
