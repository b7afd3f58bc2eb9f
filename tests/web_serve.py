#!/usr/bin/env python3
"""web_serve.py - HTTP test of `irqhop serve` (TAP on stdout).

Builds a small database through the real schema (schemas/irqhop.sql with the
sqlite3 shell), starts its own `irqhop serve --listen 127.0.0.1:0`, reads the
URL from the one "listening" line (bounded wait, no sleeps), checks the JSON
API against sqlite3 queries, the error statuses, path traversal, the pages
and the embedded assets, then stops exactly that server by its PID.  Also
checks the command-line failures (exit statuses 1 and 2).

Environment (set by the Makefile's AM_TESTS_ENVIRONMENT): top_srcdir,
top_builddir, SQLITE3.  Traffic goes to 127.0.0.1 only.
"""
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BUILD = os.environ.get("top_builddir") or "."
IRQHOP = os.path.join(BUILD, "irqhop")
SQLITE3 = os.environ.get("SQLITE3") or shutil.which("sqlite3") or "no"
START_TIMEOUT = 30.0   # seconds for the "listening" line (sanitizer builds are slow)
STOP_TIMEOUT = 30.0
HTTP_TIMEOUT = 10.0

n_tests = 0
n_failed = 0


def ok(cond, what, diag=None):
    global n_tests, n_failed
    n_tests += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n_tests, what))
    if not cond:
        n_failed += 1
        if diag is not None:
            for line in str(diag).splitlines()[:20]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def bail(msg):
    print("Bail out! " + msg)
    sys.exit(1)


# ---- the database -------------------------------------------------------

# Run 1: global/waitqueue, passthrough + timer + irqfd, one incomplete irq.
# Run 2: percpu/srcu, no hop statistics.  Run 3: a label that is not UTF-8.
DATA = r"""
INSERT INTO run (id, label, host, trace, tasklet_mode, notifier_mode, scenario,
                 start_ns, end_ns, events, discarded, irqs_raised, irqs_acked,
                 irqs, irqs_incomplete, host_steal_ns, host_total_ns, analyzer_version)
VALUES
 (1, 'global µ-bench', 'host-a', '/traces/1', 'global', 'waitqueue', '{"seed": 7, "guests": 4}',
  1763784000000000000, 1763784002000000000, 123456, 0, 5, 4, 5, 1, 1000, 2000000000, '0.1.0'),
 (2, 'percpu', 'host-b', '/traces/2', 'percpu', 'srcu', 'not json',
  1763784100000000000, 1763784102500000000, 2000, 17, NULL, NULL, 0, 0, NULL, NULL, '0.1.0');
INSERT INTO run (id, label, host, trace, analyzer_version)
VALUES (3, CAST(X'6261642dff2d6c6162656c' AS TEXT), 'host-c', '/traces/3', '0.1.0');

INSERT INTO irq (run_id, irq_id, path, start_ns, ack_ns, total_ns, complete, broken_hop,
                 delivery_ns, schedule_ns, queue_ns, assist_ns, guest_ns,
                 callback_ns, defer_ns, worker_ns, inject_ns)
VALUES
 (1, 1, 'passthrough', 1000, 31000, 30000, 1, NULL, 1000, 2000, 20000, 3000, 4000, NULL, NULL, NULL, NULL),
 (1, 2, 'passthrough', 2000, 46000, 44000, 1, NULL, 1200, 2500, 33000, 3300, 4000, NULL, NULL, NULL, NULL),
 (1, 3, 'passthrough', 3000, NULL, NULL, 0, 'queue', 1100, 2100, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (1, 4, 'timer', 4000, 14000, 10000, 1, NULL, NULL, 500, 7000, 1500, 1000, NULL, NULL, NULL, NULL),
 (1, 5, 'irqfd', 5000, 45000, 40000, 1, NULL, NULL, NULL, NULL, NULL, 5000, 800, 1200, 30000, 3000);

-- Histograms: buckets with several counts so the percentiles differ.
INSERT INTO hop_hist (run_id, path, hop, lo_ns, hi_ns, count) VALUES
 (1, 'passthrough', 'delivery', 1000, 1009, 60),
 (1, 'passthrough', 'delivery', 1200, 1211, 35),
 (1, 'passthrough', 'delivery', 5000, 5049, 5),
 (1, 'passthrough', 'schedule', 2000, 2019, 100),
 (1, 'passthrough', 'queue', 20000, 20199, 50),
 (1, 'passthrough', 'queue', 33000, 33329, 49),
 (1, 'passthrough', 'queue', 900000, 908999, 1),
 (1, 'passthrough', 'assist', 3000, 3029, 100),
 (1, 'passthrough', 'guest', 4000, 4039, 100),
 (1, 'passthrough', 'total', 30000, 30299, 50),
 (1, 'passthrough', 'total', 44000, 44439, 50),
 (1, 'timer', 'schedule', 500, 504, 10),
 (1, 'timer', 'queue', 7000, 7069, 10),
 (1, 'timer', 'assist', 1500, 1514, 10),
 (1, 'timer', 'guest', 1000, 1009, 10),
 (1, 'timer', 'total', 10000, 10099, 10),
 (1, 'irqfd', 'callback', 800, 807, 1),
 (1, 'irqfd', 'defer', 1200, 1211, 1),
 (1, 'irqfd', 'worker', 30000, 30299, 1),
 (1, 'irqfd', 'inject', 3000, 3029, 1),
 (1, 'irqfd', 'guest', 5000, 5049, 1),
 (1, 'irqfd', 'total', 40000, 40399, 1);
INSERT INTO hop_summary (run_id, path, hop, count, sum_ns, min_ns, max_ns)
SELECT run_id, path, hop, SUM(count), SUM(count * lo_ns), MIN(lo_ns), MAX(hi_ns) - 3
  FROM hop_hist GROUP BY run_id, path, hop;
-- Per-path counts as the analyzer writes them (schema v2).
INSERT INTO path_summary (run_id, path, irqs, complete)
SELECT run_id, path, count(*), sum(complete) FROM irq GROUP BY run_id, path;
-- Percentiles as the analyzer writes them (schema v4): nearest rank over
-- the buckets, the bucket's upper bound clamped to the exact max.
INSERT INTO hop_pct (run_id, path, hop, p50_ns, p90_ns, p99_ns, p999_ns)
WITH c AS (
  SELECT h.run_id, h.path, h.hop, h.hi_ns, s.count AS n, s.max_ns,
         SUM(h.count) OVER (PARTITION BY h.run_id, h.path, h.hop ORDER BY h.lo_ns
                            ROWS UNBOUNDED PRECEDING) AS cum
  FROM hop_hist h JOIN hop_summary s USING (run_id, path, hop))
SELECT run_id, path, hop,
       MIN(MIN(CASE WHEN cum >= 0.50 * n THEN hi_ns END), MAX(max_ns)),
       MIN(MIN(CASE WHEN cum >= 0.90 * n THEN hi_ns END), MAX(max_ns)),
       MIN(MIN(CASE WHEN cum >= 0.99 * n THEN hi_ns END), MAX(max_ns)),
       MIN(MIN(CASE WHEN cum >= 0.999 * n THEN hi_ns END), MAX(max_ns))
FROM c GROUP BY run_id, path, hop;
"""


def sqlite_json(db, sql):
    """Rows of SQL as a list of dicts, through the sqlite3 shell's -json."""
    r = subprocess.run([SQLITE3, "-json", "-readonly", db, sql], capture_output=True, timeout=60)
    if r.returncode != 0:
        bail("sqlite3 failed on %r: %s" % (sql, r.stderr.decode(errors="replace")))
    out = r.stdout.decode("utf-8", errors="replace").strip()
    return json.loads(out) if out else []


def make_db(path):
    with open(os.path.join(SRC, "schemas", "irqhop.sql"), "rb") as f:
        schema = f.read()
    # Then every migration, in order, as ih_db_open_rw does.
    mig = os.path.join(SRC, "schemas", "migrations")
    for name in sorted(n for n in os.listdir(mig) if n.endswith(".sql")):
        with open(os.path.join(mig, name), "rb") as f:
            schema += f.read()
        schema += b"\nPRAGMA user_version = %d;\n" % int(name[:3])
    r = subprocess.run([SQLITE3, "-bail", path], input=schema + DATA.encode(), capture_output=True,
                       timeout=60)
    if r.returncode != 0:
        bail("cannot build the test database: " + r.stderr.decode(errors="replace"))


# ---- the server ------------------------------------------------------------

class Server:
    """One `irqhop serve` started by this test and stopped by its PID."""

    def __init__(self, db, *extra):
        self.proc = subprocess.Popen([IRQHOP, "serve", "--db", db, "--listen", "127.0.0.1:0"] + list(extra),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.url = None
        line = self._read_line(START_TIMEOUT)
        m = re.fullmatch(r"irqhop serve: listening on (http://127\.0\.0\.1:(\d+)/)\n", line or "")
        if m:
            self.url, self.port = m.group(1), int(m.group(2))
        self.first_line = line

    def _read_line(self, timeout):
        """The first stdout line, or what arrived before TIMEOUT / EOF."""
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        """Signals the server, waits (bounded) and returns (status, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=STOP_TIMEOUT)
        return self.proc.returncode, err.decode(errors="replace")


def request(port, method, path, headers=None):
    """(status, headers dict with lower-case names, body bytes).  The path is
    sent as is (no normalisation), so '..' reaches the server."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        c.close()


def get_json(port, path):
    st, h, body = request(port, "GET", path)
    try:
        return st, h, json.loads(body)
    except ValueError:
        return st, h, None


def is_json_error(h, doc):
    return (h.get("content-type", "").startswith("application/json") and isinstance(doc, dict)
            and set(doc) == {"error"} and isinstance(doc["error"], str) and doc["error"] != "")


def same_number(a, b):
    return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


# ---- checks --------------------------------------------------------------

RUN_FIELDS = ["id", "label", "host", "tasklet_mode", "notifier_mode", "start_ns", "end_ns", "events",
              "discarded", "irqs", "irqs_incomplete", "irqs_raised", "irqs_acked", "analyzed_at"]


def check_api(port, db):
    st, h, doc = get_json(port, "/api/runs")
    ok(st == 200 and h.get("content-type") == "application/json", "GET /api/runs: 200 JSON", (st, h))
    runs = (doc or {}).get("runs", [])
    want = sqlite_json(db, "SELECT %s FROM run ORDER BY id DESC" % ", ".join(RUN_FIELDS))
    ok([r.get("id") for r in runs] == [3, 2, 1], "runs newest (highest id) first",
       [r.get("id") for r in runs])
    ok(all(set(r) == set(RUN_FIELDS) for r in runs), "each run has exactly the documented fields",
       [sorted(r) for r in runs][:1])
    for got, exp in zip(runs, want):
        if got.get("id") == 3:
            continue  # the non-UTF-8 label: checked below
        diffs = {k: (got.get(k), exp.get(k)) for k in RUN_FIELDS if got.get(k) != exp.get(k)}
        ok(not diffs, "run %s in the list matches sqlite3" % exp.get("id"), diffs)
    bad = [r for r in runs if r.get("id") == 3]
    ok(bad and bad[0]["label"] == "bad-\ufffd-label", "invalid UTF-8 label served as U+FFFD",
       bad and bad[0]["label"])
    ok(runs and runs[-1]["start_ns"] == 1763784000000000000, "64-bit ns instants are exact in the JSON")

    st, h, run = get_json(port, "/api/runs/1")
    ok(st == 200 and isinstance(run, dict), "GET /api/runs/1: 200", st)
    run = run or {}
    exp = sqlite_json(db, "SELECT %s, trace, trace_uuid, host_steal_ns, host_total_ns, analyzer_version "
                          "FROM run WHERE id = 1" % ", ".join(RUN_FIELDS))[0]
    diffs = {k: (run.get(k), v) for k, v in exp.items() if run.get(k) != v}
    ok(not diffs, "run 1 object matches sqlite3", diffs)
    ok(run.get("scenario") == {"seed": 7, "guests": 4}, "scenario JSON parsed into an object",
       run.get("scenario"))
    want_paths = sqlite_json(db, "SELECT path, irqs, complete FROM path_summary WHERE run_id = 1 ORDER BY path")
    ok(run.get("paths") == want_paths, "run 1 paths (irq and complete counts) match path_summary",
       (run.get("paths"), want_paths))
    ok({p["path"]: (p["irqs"], p["complete"]) for p in run.get("paths", [])}.get("passthrough") == (3, 2),
       "passthrough: 3 irqs, 2 complete")
    st, h, run2 = get_json(port, "/api/runs/2")
    ok(st == 200 and run2.get("scenario") == "not json" and run2.get("paths") == [],
       "run 2: scenario that is not JSON stays a string; no irqs, empty paths", run2)

    st, h, doc = get_json(port, "/api/runs/1/hops")
    ok(st == 200 and doc and doc.get("run_id") == 1, "GET /api/runs/1/hops: 200 with run_id", (st, doc))
    hops = (doc or {}).get("hops", [])
    want = sqlite_json(db, "SELECT path, hop, seq, count, mean_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns "
                           "FROM hop_stats WHERE run_id = 1 ORDER BY path, seq")
    ok(len(hops) == len(want) == 17, "17 hop rows (14 hops + 3 totals)", (len(hops), len(want)))
    mism = []
    for g, w in zip(hops, want):
        for k, v in w.items():
            if k == "mean_ns":
                if not same_number(g.get(k), v):
                    mism.append((w["path"], w["hop"], k, g.get(k), v))
            elif g.get(k) != v:
                mism.append((w["path"], w["hop"], k, g.get(k), v))
    ok(not mism, "every hop value matches hop_stats in sqlite3", mism)
    ok(all(set(g) == {"path", "hop", "seq", "count", "mean_ns", "p50_ns", "p90_ns", "p99_ns",
                      "p999_ns", "max_ns"} for g in hops), "hop rows have exactly the documented fields")
    order = [(g["path"], g["hop"]) for g in hops if g["path"] == "passthrough"]
    ok([h for _, h in order] == ["delivery", "schedule", "queue", "assist", "guest", "total"],
       "passthrough hops in path order, total last", order)
    ok([g["path"] for g in hops] == sorted(g["path"] for g in hops), "hops grouped by path")
    q = {(g["path"], g["hop"]): g for g in hops}.get(("passthrough", "queue"), {})
    ok(q.get("p50_ns") == 20199 and q.get("p99_ns") == 33329 and q.get("max_ns") == 908996,
       "percentiles come from the histogram (p50 20199, p99 33329, max 908996)", q)
    st, h, doc = get_json(port, "/api/runs/2/hops")
    ok(st == 200 and doc == {"run_id": 2, "hops": []}, "run without statistics: empty hop list", doc)


def check_errors(port):
    for path in ("/api/runs/42", "/api/runs/42/hops", "/api/runs/42/hist", "/api/runs/42/steal",
                 "/api/runs/42/locks", "/api/runs/42/irqs/slowest", "/runs/42", "/runs/42/irqs"):
        st, h, doc = get_json(port, path)
        ok(st == 404 and is_json_error(h, doc) and doc["error"] == "run 42 not found",
           "%s: 404 run 42 not found" % path, (st, doc))
    for bad in ("abc", "0", "-1", "+1", "01", "1x", "1.0", "99999999999999999999",
                "9223372036854775808", "%20", "1%00", "1%00junk", "%31%32x"):
        for tmpl in ("/api/runs/%s", "/api/runs/%s/hops", "/api/runs/%s/hist", "/api/runs/%s/irqs/slowest",
                     "/runs/%s", "/runs/%s/irqs"):
            st, h, doc = get_json(port, tmpl % bad)
            if not (st == 400 and is_json_error(h, doc) and "id" in doc["error"]):
                ok(False, "%s: 400 naming the id parameter" % (tmpl % bad), (st, doc))
                break
        else:
            ok(True, "malformed id %r: 400 naming the id parameter on every route" % bad)
    st, h, doc = get_json(port, "/api/runs/9223372036854775807")
    ok(st == 404 and is_json_error(h, doc), "id INT64_MAX is valid (404, not 400)", (st, doc))
    for path in ("/api/nope", "/api/runs/1/nope", "/api/runs/", "/nope", "/runs", "/assets/",
                 "/assets/nope.js", "/api/runs/1/hops/"):
        st, h, doc = get_json(port, path)
        ok(st == 404 and is_json_error(h, doc), "%s: 404 with a JSON error" % path, (st, doc))
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        st, h, body = request(port, method, "/api/runs")
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        ok(st == 405 and is_json_error(h, doc) and h.get("allow") == "GET, HEAD",
           "%s /api/runs: 405 with Allow: GET, HEAD" % method, (st, h.get("allow"), body[:200]))
    st, h, body = request(port, "POST", "/nope")
    ok(st == 405, "POST to an unknown path: 405 (read-only server)", st)
    st_get, h_get, body_get = request(port, "GET", "/api/runs")
    st, h, body = request(port, "HEAD", "/api/runs")
    ok(st == 200 and body == b"" and h.get("content-length") == h_get.get("content-length"),
       "HEAD /api/runs: 200, no body, same Content-Length", (st, h.get("content-length"), len(body)))


def check_traversal(port):
    for path in ("/assets/../schemas/irqhop.sql", "/assets/%2e%2e/cli/serve_main.c", "/../etc/passwd",
                 "/assets/..%2f..%2fetc%2fpasswd", "/assets/./irqhop.css", "/runs/../api/runs",
                 "/assets/%2E%2E", "/assets/..\\web/web.h"):
        st, h, body = request(port, "GET", path)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        ok(st in (400, 404) and is_json_error(h, doc) and b"CREATE TABLE" not in body
           and b"root:" not in body, "traversal %s refused (%d)" % (path, st), body[:200])


def check_pages(port):
    assets = {}
    for name, ctype in (("irqhop.css", "text/css; charset=utf-8"),
                        ("irqhop.js", "text/javascript; charset=utf-8"),
                        ("charts.js", "text/javascript; charset=utf-8"),
                        ("runs.js", "text/javascript; charset=utf-8"),
                        ("run.js", "text/javascript; charset=utf-8"),
                        ("explorer.js", "text/javascript; charset=utf-8"),
                        ("irq.js", "text/javascript; charset=utf-8"),
                        ("compare.js", "text/javascript; charset=utf-8"),
                        ("uPlot.esm.js", "text/javascript; charset=utf-8"),
                        ("uPlot.min.css", "text/css; charset=utf-8"),
                        ("favicon.svg", "image/svg+xml")):
        st, h, body = request(port, "GET", "/assets/" + name)
        where = "vendor" if name.startswith("uPlot") else "pages/assets"
        with open(os.path.join(SRC, "web", where, name), "rb") as f:
            src = f.read()
        ok(st == 200 and h.get("content-type") == ctype and body == src,
           "/assets/%s: 200 %s, bytes of web/%s/%s" % (name, ctype, where, name), (st, h.get("content-type")))
        assets[name] = h
    etag = assets["irqhop.css"].get("etag")
    st, h, body = request(port, "GET", "/assets/irqhop.css", {"If-None-Match": etag or "x"})
    ok(etag and st == 304 and body == b"", "If-None-Match with the ETag: 304", (etag, st))
    st, h, body = request(port, "GET", "/assets/irqhop.css", {"If-None-Match": '"other"'})
    ok(st == 200 and len(body) > 0, "stale ETag: 200 with the body", st)
    ok("nosniff" in assets["irqhop.css"].get("x-content-type-options", ""), "nosniff header on assets")

    for path, script in (("/", "/assets/runs.js"), ("/runs/1", "/assets/run.js"),
                         ("/runs/1/irqs", "/assets/explorer.js"), ("/runs/1/irqs/1", "/assets/irq.js"),
                         ("/compare", "/assets/compare.js"), ("/compare?a=1&b=2", "/assets/compare.js"),
                         ("/?label=x&mechanism=global", "/assets/runs.js")):
        st, h, body = request(port, "GET", path)
        text = body.decode(errors="replace")
        ok(st == 200 and h.get("content-type") == "text/html; charset=utf-8" and script in text,
           "page %s: 200 HTML loading %s" % (path, script), (st, h.get("content-type")))
        ok("default-src 'self'" in h.get("content-security-policy", ""),
           "page %s: Content-Security-Policy limits it to its own assets" % path)
        refs = re.findall(r'(?:src|href)="(/[^"]*)"', text)
        broken = []
        for ref in refs:
            if ref == "/":
                continue
            rs, _, _ = request(port, "GET", ref)
            if rs != 200:
                broken.append((ref, rs))
        ok(refs and not broken, "page %s: every referenced asset is served (%d)" % (path, len(refs)), broken)
        external = [r for r in re.findall(r'(?:src|href)="([^"]*)"', text) if "//" in r]
        ok(not external, "page %s: no external (CDN) references" % path, external)
    # The scripts import one another by absolute /assets/ path: all served.
    for name in ("runs.js", "run.js", "explorer.js", "irq.js", "compare.js", "charts.js"):
        with open(os.path.join(SRC, "web", "pages", "assets", name)) as f:
            imports = re.findall(r"from '(/assets/[^']+)'", f.read())
        ok(imports and all(request(port, "GET", i)[0] == 200 for i in imports),
           "%s: its imports are served" % name, imports)


def check_concurrency(port):
    """8 clients x 25 requests at once: every answer complete and identical."""
    ref = request(port, "GET", "/api/runs/1/hops")[2]
    errors = []

    def client():
        for _ in range(25):
            try:
                st, _, body = request(port, "GET", "/api/runs/1/hops")
                if st != 200 or body != ref:
                    errors.append(st)
            except OSError as e:
                errors.append(str(e))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    ok(not errors and not any(t.is_alive() for t in threads),
       "200 concurrent requests over 8 connections all answered identically", errors[:5])


def check_cli(db, tmp):
    def run(args):
        r = subprocess.run([IRQHOP, "serve"] + args, capture_output=True, timeout=60)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")

    def one_line(err):
        return err.count("\n") == 1 and err.startswith("irqhop serve: ")

    notdb = os.path.join(tmp, "notdb")
    with open(notdb, "wb") as f:
        f.write(b"this is not a database\n" * 100)
    for args, status, what in (
            (["--db", os.path.join(tmp, "missing.db")], 1, "missing database"),
            (["--db", notdb], 1, "file that is not a database"),
            (["--db", db, "--bogus"], 2, "unknown option"),
            (["--db", db, "--listen", "nope"], 2, "--listen without a port"),
            (["--db", db, "--listen", "127.0.0.1:70000"], 2, "--listen port out of range"),
            (["--db", db, "--listen", "127.0.0.1:8x"], 2, "--listen port with junk"),
            (["--listen", "127.0.0.1:0"], 2, "no --db")):
        st, out, err = run(args + (["--listen", "127.0.0.1:0"] if "--listen" not in args else []))
        ok(st == status and one_line(err) and out == "", "%s: exit %d with one line" % (what, status),
           (st, err))
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        st, out, err = run(["--db", db, "--listen", "127.0.0.1:%d" % port])
        ok(st == 1 and one_line(err) and "in use" in err, "port in use: exit 1 with one line", (st, err))
    finally:
        s.close()


def main():
    if not os.access(IRQHOP, os.X_OK):
        bail("%s is not built" % IRQHOP)
    if SQLITE3 == "no" or not shutil.which(SQLITE3):
        print("1..0 # SKIP sqlite3 shell not found (apt-get install sqlite3)")
        return 0
    tmp = tempfile.mkdtemp(prefix="ih-web-")
    srv = None
    try:
        db = os.path.join(tmp, "irqhop.sqlite")
        make_db(db)
        srv = Server(db)
        if not ok(srv.url is not None, "serve prints 'irqhop serve: listening on http://127.0.0.1:PORT/'",
                  srv.first_line):
            st, err = srv.stop()
            bail("server did not start (status %s): %s" % (st, err.strip()))
        ok(srv.port != 0, "an ephemeral port was bound (%d)" % srv.port)
        check_api(srv.port, db)
        check_errors(srv.port)
        check_traversal(srv.port)
        check_pages(srv.port)
        check_concurrency(srv.port)
        st, err = srv.stop(signal.SIGTERM)
        srv = None
        ok(st == 0, "SIGTERM: exit status 0", st)
        ok(err == "", "nothing on stderr (no sanitizer report)", err[-2000:])
        # SIGINT stops it just as cleanly, with one thread.
        srv = Server(db, "--threads", "1")
        ok(srv.url is not None and request(srv.port, "GET", "/api/runs")[0] == 200,
           "--threads 1 serves", srv.first_line)
        st, err = srv.stop(signal.SIGINT)
        srv = None
        ok(st == 0 and err == "", "SIGINT: exit status 0, nothing on stderr", (st, err[-2000:]))
        check_cli(db, tmp)
    finally:
        if srv is not None:
            srv.proc.kill()
            srv.proc.wait(timeout=STOP_TIMEOUT)
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n_tests)
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
