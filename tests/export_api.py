#!/usr/bin/env python3
"""export_api.py URL OUTDIR R1 R2 R3 LO HI IRQS - GET /api/runs/{id}/export
of a running irqhop serve against the traces irqhop export wrote into OUTDIR
(tests/export.test): the same selection gives the same trace events, as a
download; every bad selection its status and one error message.  TAP lines
without a plan (the caller numbers them)."""
import json
import sys
import urllib.error
import urllib.request

url, out, r1, r2, r3, lo, hi, irqs = sys.argv[1:9]
n = 0
failed = 0


def ok(cond, desc, diag=None):
    global n, failed
    n += 1
    print("%s %d - api: %s" % ("ok" if cond else "not ok", n, desc))
    if not cond:
        failed += 1
        if diag is not None:
            print("#   " + str(diag)[:800])


def get(path):
    try:
        with urllib.request.urlopen(url.rstrip("/") + path, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


for name, run, query in [("slowest", r1, "slowest=100"), ("bucket", r2, "path=passthrough&hop=queue&lo=%s&hi=%s" % (lo, hi)),
                         ("irqs", r1, "irq=%s" % irqs), ("window", r3, "start=200000000&end=250000000")]:
    st, hdr, body = get("/api/runs/%s/export?%s" % (run, query))
    ok(st == 200, "%s: 200" % name, (st, body[:200]))
    if st != 200:
        continue
    ok(hdr.get("Content-Type") == "application/json" and
       hdr.get("Content-Disposition") == 'attachment; filename="irqhop-run-%s-%s.json"' % (run, name),
       "%s: a JSON download named irqhop-run-%s-%s.json" % (name, run, name), hdr)
    web = json.loads(body)
    cli = json.load(open("%s/%s.json" % (out, name)))
    ok(web["traceEvents"] == cli["traceEvents"], "%s: the same trace events as irqhop export" % name)
    web["otherData"]["irqhop"].pop("db")
    cli["otherData"]["irqhop"].pop("db")
    ok(web["otherData"] == cli["otherData"], "%s: the same otherData but the database's name" % name)

for query, status, pat in [
        ("", 400, "exactly one selection"), ("slowest=3&irq=4", 400, "exactly one selection"),
        ("slowest=0", 400, "parameter slowest"), ("slowest=5&max=4", 400, "parameter slowest"),
        ("irq=1,x", 400, "parameter irq"), ("hop=queue", 400, "parameter path"),
        ("start=5", 400, "parameter end"), ("path=nopath&hop=queue", 400, "is not a path of hop_def"),
        ("path=passthrough&hop=queue&lo=1&hi=1", 400, "matches no interrupt"),
        ("start=0&end=1000000000&max=10", 400, "more than 10 interrupts"),
        ("irq=999999999", 404, "interrupt 999999999 not found"), ("bogus=1&slowest=1", 400, "bogus")]:
    st, hdr, body = get("/api/runs/%s/export?%s" % (r1, query))
    try:
        msg = json.loads(body).get("error", "")
    except ValueError:
        msg = body[:200]
    ok(st == status and pat in msg, "?%s: %d naming the problem" % (query, status), (st, msg))
st, hdr, body = get("/api/runs/999/export?slowest=1")
ok(st == 404 and b"run 999 not found" in body, "an unknown run: 404", (st, body[:200]))
sys.exit(1 if failed else 0)
