#!/usr/bin/env python3
"""web_faults.py - `irqhop serve` under faults, floods and bad input (TAP).

Each check starts its own server (tests/web_serve.py's Server: listening on
127.0.0.1 port 0, stopped by its PID) on a small database built through the
schema.  Bounded loops and waits only; no sleeps as synchronisation.

- Reaping: a client opens more connections than the server's limit (300 >
  256) and closes them; the server's sockets in CLOSE-WAIT (its PID's
  /proc/PID/fd against /proc/net/tcp) fall to none while a bounded loop
  waits, a normal request is then answered, and SIGTERM stops it (the
  test waits, bounded, for the process to exit).
- Slow clients: 256 connections from 127.0.0.2 that send half a request
  line and stop; a client from 127.0.0.1 is still answered (per-address
  connection limit).
- Bad headers, over a raw socket: HTTP/1.1 without Host, two Host headers,
  two different Content-Length headers, a NUL byte in a header value,
  whitespace before a colon: each 400 (RFC 9112); a good request 200.
"""
import os
import signal
import socket
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_serve as ws  # noqa: E402  (helpers: make_db, Server, request, ok)

ok = ws.ok
REAP_POLLS = 400         # x 50 ms: the bound on waiting for the kernel / server
EXIT_WAIT = 10.0         # s for SIGTERM; the 10 s idle timeout is not what ends it


def server_sockets(pid):
    """The socket inodes PID holds."""
    inodes = set()
    fddir = "/proc/%d/fd" % pid
    for fd in os.listdir(fddir):
        try:
            link = os.readlink(os.path.join(fddir, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    return inodes


def close_wait(pid):
    """How many of PID's TCP sockets are in CLOSE-WAIT (state 08)."""
    inodes = server_sockets(pid)
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.readlines()[1:]
        except OSError:
            continue
        for row in rows:
            p = row.split()
            if len(p) > 9 and p[3] == "08" and p[9] in inodes:
                n += 1
    return n


def wait_until(cond):
    """Polls COND (bounded: REAP_POLLS times, 50 ms apart); its last value."""
    import select
    v = cond()
    for _ in range(REAP_POLLS):
        if v:
            return v
        select.select([], [], [], 0.05)
        v = cond()
    return v


def stop_bounded(srv):
    """SIGTERM, then wait at most EXIT_WAIT s: (exited, status)."""
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(timeout=EXIT_WAIT)
        exited = True
    except Exception:
        exited = False
        srv.proc.kill()
        srv.proc.wait(timeout=ws.STOP_TIMEOUT)
    srv.proc.stdout.close()
    srv.proc.stderr.close()
    return exited, srv.proc.returncode


def flood(port):
    """Opens 300 connections (more than the server's 256) and closes them.
    Returns None, or the error that stopped it."""
    socks = []
    try:
        for _ in range(300):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(ws.HTTP_TIMEOUT)
            s.connect(("127.0.0.1", port))
            socks.append(s)
        return None
    except OSError as e:
        return str(e)
    finally:
        for s in socks:
            s.close()


def check_reaping(db, threads):
    srv = ws.Server(db, "--threads", threads)
    what = "%s thread%s" % (threads, "" if threads == "1" else "s")
    if not ok(srv.url is not None, "reaping, %s: server started" % what, srv.first_line):
        return
    pid = srv.proc.pid
    err = flood(srv.port)
    ok(err is None, "%s: 300 connections opened and closed" % what, err)
    try:
        st = ws.request(srv.port, "GET", "/api/runs")[0]
    except OSError as e:
        st = str(e)
    ok(st == 200, "%s: then a normal request is answered" % what, st)
    left = wait_until(lambda: close_wait(pid) == 0 and "none") or close_wait(pid)
    ok(left == "none", "%s: none of them left in CLOSE-WAIT" % what, left)
    # Stopping right after a flood, with idle connections open.
    err = flood(srv.port)
    idle = [socket.create_connection(("127.0.0.1", srv.port), timeout=ws.HTTP_TIMEOUT)
            for _ in range(50)]
    exited, status = stop_bounded(srv)
    ok(err is None and exited and status == 0,
       "%s: SIGTERM after a flood, 50 idle connections open: exits 0 within %g s"
       % (what, EXIT_WAIT), (err, exited, status))
    for s in idle:
        s.close()


def check_slow_clients(db):
    srv = ws.Server(db)
    if not ok(srv.url is not None, "slow clients: server started", srv.first_line):
        return
    slow = []
    try:
        for _ in range(256):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(ws.HTTP_TIMEOUT)
            s.bind(("127.0.0.2", 0))
            s.connect(("127.0.0.1", srv.port))
            try:
                s.sendall(b"GET /api/runs HTTP/1.1\r\nHo")
            except OSError:
                pass  # refused by the per-address limit: that is the point
            slow.append(s)
        try:
            st = ws.request(srv.port, "GET", "/api/runs")[0]
        except OSError as e:
            st = str(e)
        ok(st == 200, "256 slow clients from 127.0.0.2: a client from 127.0.0.1 is answered", st)
    finally:
        for s in slow:
            s.close()
    exited, status = stop_bounded(srv)
    ok(exited and status == 0, "slow clients: SIGTERM exits 0", (exited, status))


def raw_status(port, data):
    """Sends DATA on a new connection; the status code of the answer (or
    the error), reading until the server closes or the headers end."""
    s = socket.create_connection(("127.0.0.1", port), timeout=ws.HTTP_TIMEOUT)
    buf = b""
    try:
        s.sendall(data)
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except OSError as e:
        return str(e)
    finally:
        s.close()
    line = buf.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) >= 2 and line[1].isdigit() else buf[:80]


def check_bad_headers(db):
    srv = ws.Server(db)
    if not ok(srv.url is not None, "headers: server started", srv.first_line):
        return
    end = b"Connection: close\r\n\r\n"
    get = b"GET /api/runs HTTP/1.1\r\n"
    for what, data, want in (
            ("HTTP/1.1 without Host", get + end, 400),
            ("two Host headers", get + b"Host: a\r\nHost: b\r\n" + end, 400),
            ("two equal Host headers", get + b"Host: a\r\nHost: a\r\n" + end, 400),
            ("two different Content-Length headers",
             get + b"Host: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n" + end + b"xy", 400),
            ("a NUL byte in a header value", get + b"Host: a\r\nX-A: b\x00c\r\n" + end, 400),
            ("a NUL byte in the last header", get + b"Host: a\r\n" + b"X-A: b\x00c\r\n\r\n", 400),
            ("a NUL byte in Host", get + b"Host: a\x00b\r\n" + end, 400),
            ("whitespace before a colon", get + b"Host : a\r\n" + end, 400),
            ("a good request", get + b"Host: a\r\nX-A: b  \r\n" + end, 200),
            ("HTTP/1.0 without Host", b"GET /api/runs HTTP/1.0\r\n\r\n", 200)):
        st = raw_status(srv.port, data)
        ok(st == want, "%s: %d" % (what, want), st)
    # Two requests on one connection (the read buffer is reused).
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=ws.HTTP_TIMEOUT)
    try:
        s.sendall(get + b"Host: a\r\n\r\n" + get + b"Host: a\r\nConnection: close\r\n\r\n")
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    ok(buf.count(b"HTTP/1.1 200 OK\r\n") == 2, "two pipelined good requests: two 200s", buf[:200])
    exited, status = stop_bounded(srv)
    ok(exited and status == 0, "headers: SIGTERM exits 0", (exited, status))


def main():
    if not os.access(ws.IRQHOP, os.X_OK):
        ws.bail("%s is not built" % ws.IRQHOP)
    if ws.SQLITE3 == "no" or not shutil.which(ws.SQLITE3):
        print("1..0 # SKIP sqlite3 shell not found (apt-get install sqlite3)")
        return 0
    tmp = tempfile.mkdtemp(prefix="ih-web-faults-")
    try:
        db = os.path.join(tmp, "irqhop.sqlite")
        ws.make_db(db)
        check_reaping(db, "2")
        check_reaping(db, "1")
        check_slow_clients(db)
        check_bad_headers(db)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % ws.n_tests)
    return 1 if ws.n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
