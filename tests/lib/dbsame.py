#!/usr/bin/env python3
# tests/lib/dbsame.py A.sqlite B.sqlite - exits 0 when the two irqhop
# databases hold the same rows in every table (run.analyzed_at aside: the
# time of analysis), else prints the first differences and exits 1.  Used to
# check that parallel decoding (irqhop analyze --jobs N) writes exactly what
# the single Babeltrace graph (--jobs 1) writes.
import sqlite3
import sys


def dump(path):
    con = sqlite3.connect(path)
    out = {}
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        cols = [r[1] for r in con.execute("PRAGMA table_info(%s)" % table) if r[1] != "analyzed_at"]
        rows = con.execute("SELECT %s FROM %s" % (", ".join(cols), table)).fetchall()
        out[table] = sorted(rows, key=repr)
    return out


a, b = dump(sys.argv[1]), dump(sys.argv[2])
differ = [t for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)]
rows = sum(len(v) for v in a.values())
for t in differ:
    ra, rb = set(a.get(t, [])), set(b.get(t, []))
    print("%s: %d vs %d rows, %d only in the first, %d only in the second"
          % (t, len(a.get(t, [])), len(b.get(t, [])), len(ra - rb), len(rb - ra)))
    for r in sorted(ra - rb, key=repr)[:3]:
        print("  first: %r" % (r,))
    for r in sorted(rb - ra, key=repr)[:3]:
        print("  second: %r" % (r,))
print("%d tables, %d rows compared, %d tables differ" % (len(a), rows, len(differ)))
sys.exit(1 if differ else 0)
