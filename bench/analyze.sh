#!/usr/bin/env bash
# bench/analyze.sh BUILDDIR - the analyzer's speed (docs/benchmarks.md,
# section "Analyzer").  bench/run.sh calls it; it also runs on its own.
#
#   1. records a ~1 M-event and a ~10 M-event passthrough trace (inside a
#      private mount namespace with its own lttng-sessiond, like the tests)
#      and checks nothing was discarded;
#   2. decoding speed on the big trace, interleaved, IH_BENCH_AN_TRIALS
#      times (default 3): `babeltrace2 TRACE -c sink.utils.dummy` (the
#      reference: one graph that only decodes), `irqhop analyze --jobs 1`
#      (one graph) and `irqhop analyze` (parallel decoding, --jobs = the
#      CPUs): wall time, events/s and the ratios;
#   3. where analyze's time goes (decode, index build, commit) from the
#      plugin's INFO line in the stock babeltrace2 CLI;
#   4. peak RSS on the 1 M- and 10 M-event traces and its growth;
#   5. ingest into a database that already holds a run (existing indexes);
#   6. hop_stats for one run on a database holding >= 10 M interrupts
#      (stored percentiles, schema v4) against the window-function formula of
#      schema v1-v3 measured on the same database;
#   7. a folder of 8 traces (a relay tree of 8 hosts): `irqhop analyze
#      FOLDER` (several traces at once, one writer) against the traces
#      analyzed one by one (`irqhop analyze TRACE --jobs 1` each, as before
#      parallel decoding; and with parallel decoding of each), interleaved;
#   8. /api/compare's first request and `irqhop regress` for the big run
#      against a second one (IH_BENCH_AN_BIG2 seconds, default 40), from
#      hop_block against the per-interrupt path (bench/compare.sh).
# Nothing passes or fails on time: every figure is printed next to the
# reference measured in the same run.  IH_BENCH_AN_SMALL / IH_BENCH_AN_BIG
# (recording seconds, default 4 and 50) tune the traces, IH_BENCH_AN_IRQS
# (default 10000000) the size of the database of section 6.
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:?usage: bench/analyze.sh BUILDDIR}" && pwd)
export top_srcdir top_builddir
# Several GB of traces and databases: under the build tree, not /tmp.
if [ "${IH_ISOLATED:-}" != 1 ] || [ -z "${IH_BENCH_AN_TMP:-}" ]; then
	IH_BENCH_AN_TMP=${IH_BENCH_AN_TMP:-$top_builddir/bench/analyze-tmp}
	mkdir -p "$IH_BENCH_AN_TMP"
	export IH_BENCH_AN_TMP
fi
export TMPDIR=$IH_BENCH_AN_TMP
. "$top_srcdir/tests/lib/isolate.sh"
ih_isolate "$0" "$@"

IRQHOP=$top_builddir/irqhop
BT=${BABELTRACE2:-babeltrace2}
SMALL_S=${IH_BENCH_AN_SMALL:-4}
BIG_S=${IH_BENCH_AN_BIG:-50}
TRIALS=${IH_BENCH_AN_TRIALS:-3}
T=$IH_TMP
say() { printf '%s\n' "$*"; }

say "== Analyzer: irqhop analyze against babeltrace2 -c sink.utils.dummy"
for t in small:$SMALL_S big:$BIG_S big2:${IH_BENCH_AN_BIG2:-40}; do
	name=${t%%:*} secs=${t##*:}
	"$IRQHOP" record --scenario passthrough --rate 100000 --duration "$secs" --seed "$([ "$name" = big2 ] && echo 12 || echo 11)" \
		--output "$T/$name" > "$T/rec-$name.out" 2>&1
	if ! grep -q "(0 events discarded)" "$T/rec-$name.out"; then
		say "warning: the $name trace lost events: $(tail -n 1 "$T/rec-$name.out")"
	fi
done

# timed OUT CMD...: runs CMD, appends "wall_s peak_rss_kb cpu_s" to OUT.
timed() { local out=$1; shift; /usr/bin/time -f '%e %M %U %S' -a -o "$out" "$@" > /dev/null 2>> "$T/timed.err"; }
events_of() { sed -n 's/.*irqs ([0-9]* incomplete), \([0-9]*\) events.*/\1/p' "$1" | head -n 1; }

# 2. Speed, interleaved so that all three see the same machine.
JOBS=$(nproc)
for i in $(seq "$TRIALS"); do
	timed "$T/dummy.t" "$BT" "$T/big" -c sink.utils.dummy
	rm -f "$T/big1.sqlite"*
	timed "$T/single.t" "$IRQHOP" analyze "$T/big" --db "$T/big1.sqlite" --jobs 1
	rm -f "$T/big.sqlite" "$T/big.sqlite-wal" "$T/big.sqlite-shm"
	/usr/bin/time -f '%e %M %U %S' -a -o "$T/analyze.t" "$IRQHOP" analyze "$T/big" --db "$T/big.sqlite" \
		> "$T/an-big.out" 2>> "$T/timed.err"
done
ev=$(events_of "$T/an-big.out")
irqs=$(sqlite3 "$T/big.sqlite" "SELECT irqs FROM run")
say "big trace: $ev events, $irqs interrupts, $(du -sm "$T/big" | cut -f1) MB, $(ls "$T/big"/ust/uid/*/64-bit | grep -vc -e metadata -e index) stream files; $JOBS CPUs"
python3 - "$T/dummy.t" "$T/single.t" "$T/analyze.t" "$ev" "$JOBS" <<'PY'
import statistics, sys
rows = lambda f: [[float(v) for v in l.split()] for l in open(f) if l[0].isdigit()]
dr, sr, ar = rows(sys.argv[1]), rows(sys.argv[2]), rows(sys.argv[3])
ev, jobs = int(sys.argv[4]), sys.argv[5]
mev = lambda t: ev / t / 1e6
for i, (d, s, a) in enumerate(zip(dr, sr, ar), 1):
    print('trial %d: dummy %.2f s (%.2f M events/s), --jobs 1 %.2f s (%.2f), parallel (--jobs %s) %.2f s (%.2f);'
          ' parallel/dummy %.2f, parallel/--jobs 1 %.2f, --jobs 1/dummy %.2f; CPU s: %.1f / %.1f / %.1f'
          % (i, d[0], mev(d[0]), s[0], mev(s[0]), jobs, a[0], mev(a[0]), d[0] / a[0], s[0] / a[0], d[0] / s[0],
             d[2] + d[3], s[2] + s[3], a[2] + a[3]))
med = lambda f: statistics.median(f(d[0], s[0], a[0]) for d, s, a in zip(dr, sr, ar))
print('median ratios (events/s): parallel/dummy %.2f, parallel/--jobs 1 %.2f, --jobs 1/dummy %.2f'
      % (med(lambda d, s, a: d / a), med(lambda d, s, a: s / a), med(lambda d, s, a: d / s)))
print('best against best: parallel %.2f M events/s, dummy %.2f, --jobs 1 %.2f'
      % (mev(min(r[0] for r in ar)), mev(min(r[0] for r in dr)), mev(min(r[0] for r in sr))))
PY
cmp_out=$(python3 "$top_srcdir/tests/lib/dbsame.py" "$T/big.sqlite" "$T/big1.sqlite" | tail -n 1)
say "parallel against one graph, same database content: $cmp_out"

# 3. Where the time goes (the plugin in the stock CLI logs it at INFO).
if [ -z "${IH_SANITIZERS:-}" ]; then
	rm -f "$T/cli.sqlite"*
	"$BT" --plugin-path="$top_builddir/analyzer/.libs" "$T/big" -c sink.irqhop.sqlite -l I \
		-p "db=\"$T/cli.sqlite\"" 2>&1 | grep 'Committed:' | sed 's/^.*Committed: [^,]*, /breakdown: /'
fi

# 4. Peak RSS, 1 M against 10 M events (the largest process: /usr/bin/time
# reports the analyzing process or its largest decoding child), both modes.
rm -f "$T/small.sqlite"*
/usr/bin/time -f '%e %M' -o "$T/small.t" "$IRQHOP" analyze "$T/small" --db "$T/small.sqlite" > "$T/an-small.out" 2>&1
rm -f "$T/small1.sqlite"*
/usr/bin/time -f '%e %M' -o "$T/small1.t" "$IRQHOP" analyze "$T/small" --db "$T/small1.sqlite" --jobs 1 > /dev/null 2>&1
sev=$(events_of "$T/an-small.out")
python3 - "$T/small.t" "$T/analyze.t" "$T/small1.t" "$T/single.t" "$sev" "$ev" <<'PY'
import sys
for name, sf, bf in (('parallel', sys.argv[1], sys.argv[2]), ('--jobs 1', sys.argv[3], sys.argv[4])):
    s = int(open(sf).read().split()[1])
    b = max(int(l.split()[1]) for l in open(bf) if l[0].isdigit())
    print('peak RSS, %s: %d KB at %s events, %d KB at %s events: x%.2f for x%.1f events'
          % (name, s, sys.argv[5], b, sys.argv[6], b / s, int(sys.argv[6]) / int(sys.argv[5])))
PY

# 5. Ingest into a database that already holds a run (indexes exist).
cp "$T/big.sqlite" "$T/two.sqlite"
/usr/bin/time -f '%e %M' -o "$T/two.t" "$IRQHOP" analyze "$T/small" --db "$T/two.sqlite" > /dev/null 2>&1
say "small trace into a fresh database: $(cut -d' ' -f1 "$T/small.t") s; into one holding the big run: $(cut -d' ' -f1 "$T/two.t") s"

# 6. hop_stats on a database holding >= 10 M interrupts: the big run copied
# as further runs (irq rows, histograms, summaries).
cp "$T/big.sqlite" "$T/many.sqlite"
target=${IH_BENCH_AN_IRQS:-10000000}
copies=$(( (target + irqs - 1) / irqs - 1 ))
cols=$(sqlite3 "$T/many.sqlite" "SELECT group_concat(name, ', ') FROM pragma_table_info('irq') WHERE name <> 'run_id'")
for c in $(seq "$copies"); do
	sqlite3 "$T/many.sqlite" "BEGIN;
		INSERT INTO run (label, trace, analyzer_version) VALUES ('copy $c', 'copy', 'bench');
		INSERT INTO irq (run_id, $cols) SELECT last_insert_rowid(), $cols FROM irq WHERE run_id = 1;
		INSERT INTO hop_hist SELECT (SELECT max(id) FROM run), path, hop, lo_ns, hi_ns, count FROM hop_hist WHERE run_id = 1;
		INSERT INTO hop_summary SELECT (SELECT max(id) FROM run), path, hop, count, sum_ns, min_ns, max_ns FROM hop_summary WHERE run_id = 1;
		INSERT INTO hop_pct SELECT (SELECT max(id) FROM run), path, hop, p50_ns, p90_ns, p99_ns, p999_ns FROM hop_pct WHERE run_id = 1;
		COMMIT;"
done
# The reference, measured in the same run: percentiles computed from the
# buckets by a window function (schema v1-v3's hop_stats, in a temp view).
python3 - "$T/many.sqlite" <<'PY'
import sqlite3, sys, time
def best(con, sql, arg):
    t = 1e9
    for _ in range(5):
        s = time.perf_counter(); r = con.execute(sql, arg).fetchall(); t = min(t, time.perf_counter() - s)
    return t * 1000, r
a = sqlite3.connect(sys.argv[1])
a.execute('''CREATE TEMP VIEW hop_stats_window AS
WITH c AS (SELECT h.run_id, h.path, h.hop, h.hi_ns, s.count AS n, s.max_ns,
                  SUM(h.count) OVER (PARTITION BY h.run_id, h.path, h.hop ORDER BY h.lo_ns
                                     ROWS UNBOUNDED PRECEDING) AS cum
           FROM hop_hist h JOIN hop_summary s USING (run_id, path, hop))
SELECT run_id, path, hop, MIN(MIN(CASE WHEN cum >= 0.50 * n THEN hi_ns END), MAX(max_ns)) AS p50_ns,
       MIN(MIN(CASE WHEN cum >= 0.99 * n THEN hi_ns END), MAX(max_ns)) AS p99_ns
FROM c GROUP BY run_id, path, hop''')
n, runs = a.execute('SELECT count(*), count(DISTINCT run_id) FROM irq').fetchone()
rid = a.execute('SELECT max(id) FROM run').fetchone()[0]
ta, ra = best(a, 'SELECT path, hop, p50_ns, p99_ns FROM hop_stats WHERE run_id = ? ORDER BY path, hop', (rid,))
tb, rb = best(a, 'SELECT path, hop, p50_ns, p99_ns FROM hop_stats_window WHERE run_id = ? ORDER BY path, hop', (rid,))
print('hop_stats, one run, %d interrupts in %d runs: %.3f ms' % (n, runs, ta))
print('reference: the same percentiles by window function over the buckets: %.1f ms, same rows: %s, ratio %.0f'
      % (tb, ra == rb, tb / max(ta, 1e-6)))
PY

# 7. A folder of 8 traces (a relay tree of 8 hosts), interleaved: several
# traces at once (one writer) against one by one.
N8=${IH_BENCH_AN_FOLDER:-8}
mkdir -p "$T/folder"
for k in $(seq "$N8"); do
	"$IRQHOP" record --scenario passthrough --rate 100000 --duration "${IH_BENCH_AN_FOLDER_S:-2}" --seed "$k" \
		--output "$T/folder/host$k" > "$T/rec-f$k.out" 2>&1
done
for i in $(seq "$TRIALS"); do
	rm -f "$T/f1.sqlite"*
	s0=$(date +%s.%N)
	for k in $(seq "$N8"); do "$IRQHOP" analyze "$T/folder/host$k" --db "$T/f1.sqlite" --jobs 1 > /dev/null 2>&1; done
	s1=$(date +%s.%N)
	rm -f "$T/fp.sqlite"*
	for k in $(seq "$N8"); do "$IRQHOP" analyze "$T/folder/host$k" --db "$T/fp.sqlite" > /dev/null 2>&1; done
	s2=$(date +%s.%N)
	rm -f "$T/fm.sqlite"*
	"$IRQHOP" analyze "$T/folder" --db "$T/fm.sqlite" > "$T/an-folder.out" 2>&1
	s3=$(date +%s.%N)
	echo "$s0 $s1 $s2 $s3" >> "$T/folder.t"
done
fev=$(sqlite3 "$T/fm.sqlite" "SELECT sum(events) FROM run")
python3 - "$T/folder.t" "$fev" "$N8" <<'PY'
import statistics, sys
ev, n = int(sys.argv[2]), sys.argv[3]
rows = [[float(v) for v in l.split()] for l in open(sys.argv[1])]
r1, rp, rm = [], [], []
for i, (a, b, c, d) in enumerate(rows, 1):
    one, onep, many = b - a, c - b, d - c
    r1.append(one / many); rp.append(onep / many)
    print('trial %d: %s traces, %d events: one by one --jobs 1 %.2f s (%.2f M events/s), one by one parallel %.2f s '
          '(%.2f), the folder at once %.2f s (%.2f): x%.2f and x%.2f'
          % (i, n, ev, one, ev / one / 1e6, onep, ev / onep / 1e6, many, ev / many / 1e6, one / many, onep / many))
print('median: the folder at once is x%.2f the events/s of one by one (--jobs 1), x%.2f of one by one (parallel)'
      % (statistics.median(r1), statistics.median(rp)))
PY
cmp_out=$(python3 "$top_srcdir/tests/lib/dbsame.py" "$T/fm.sqlite" "$T/f1.sqlite" | tail -n 1)
say "the folder at once against one by one, same database content: $cmp_out"

# 8. Compare's first request and regress on two big runs.
cp "$T/big.sqlite" "$T/cmp.sqlite"
"$IRQHOP" analyze "$T/big2" --db "$T/cmp.sqlite" > /dev/null 2>&1
mkdir -p "$T/cmp"
IH_BENCH_CMP_DB=$T/cmp.sqlite IH_BENCH_CMP_TRIALS=$TRIALS IH_BENCH_CMP_TMP=$T/cmp bash "$top_srcdir/bench/compare.sh" "$top_builddir"
