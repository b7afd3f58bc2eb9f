#!/bin/bash
# bench/web.sh [BUILDDIR] - the dashboard's speed (a benchmark: it prints
# figures, it never fails on time).  On a database of about 1 M interrupts
# per run (two passthrough runs of 35 s at 100 000 interrupts/s, global and
# percpu tasklets, recorded for real by bench/web-mkdb.sh and analyzed), it
# measures with wrk on loopback:
#   - every API endpoint's latency, one connection (p50 / p99 / max), and
#   - /api/runs throughput (requests/s) with 64 connections.
# Targets (docs/benchmarks.md, "Dashboard"): p99 under 50 ms for every
# endpoint, /api/runs at 10 000 requests/s or more.
#
# Environment: IH_BENCH_DB reuses a database (default
# BUILDDIR/bench/web-1m.sqlite, made on the first run: about 2 minutes);
# IH_BENCH_SECS per endpoint (default 3); WRK (default wrk).
set -u
top_builddir=$(cd "${1:-.}" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
IRQHOP=$top_builddir/irqhop
WRK=${WRK:-wrk}
SECS=${IH_BENCH_SECS:-3}
DB=${IH_BENCH_DB:-$top_builddir/bench/web-1m.sqlite}
command -v "$WRK" >/dev/null || { echo "bench/web.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
test -x "$IRQHOP" || { echo "bench/web.sh: $IRQHOP is not built" >&2; exit 1; }
if test ! -f "$DB"; then
	mkdir -p "$(dirname "$DB")"
	echo "bench/web.sh: recording and analyzing two runs of ~1 M interrupts into $DB"
	top_builddir=$top_builddir top_srcdir=$top_srcdir bash "$top_srcdir/bench/web-mkdb.sh" "$DB" \
		passthrough:global:waitqueue:100000:35 passthrough:percpu:waitqueue:100000:35 || exit 1
fi
sq() { sqlite3 -batch -noheader -readonly "$DB" "$@"; }
a=$(sq "SELECT min(id) FROM run")
b=$(sq "SELECT max(id) FROM run")
echo "database: $DB ($(du -h "$DB" | cut -f1)); runs: $(sq "SELECT group_concat(id || ' ' || label || ' ' || irqs || ' irqs', ', ') FROM run")"

fifo=$(mktemp -u)
mkfifo "$fifo"
"$IRQHOP" serve --db "$DB" --listen 127.0.0.1:0 > "$fifo" 2>/dev/null &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$fifo"' EXIT
exec 3< "$fifo"
IFS= read -r -t 30 -u 3 line || { echo "bench/web.sh: irqhop serve did not start" >&2; exit 1; }
url=${line#irqhop serve: listening on }
url=${url%/}

irq=$(sq "SELECT irq_id FROM irq WHERE run_id = $a ORDER BY total_ns DESC LIMIT 1")
p99=$(sq "SELECT lo_ns || ' ' || hi_ns FROM hop_hist WHERE run_id = $a AND path = 'passthrough' AND hop = 'queue'
	AND lo_ns <= (SELECT p99_ns FROM hop_stats WHERE run_id = $a AND path = 'passthrough' AND hop = 'queue')
	ORDER BY lo_ns DESC LIMIT 1")
p50=$(sq "SELECT lo_ns || ' ' || hi_ns FROM hop_hist WHERE run_id = $a AND path = 'passthrough' AND hop = 'queue'
	AND lo_ns <= (SELECT p50_ns FROM hop_stats WHERE run_id = $a AND path = 'passthrough' AND hop = 'queue')
	ORDER BY lo_ns DESC LIMIT 1")
set -- $p99 $p50
endpoints="/api/runs /api/runs?mechanism=percpu&label=pass /api/runs/$a /api/runs/$a/hops /api/runs/$a/hist
/api/runs/$a/hist?path=passthrough&hop=queue /api/runs/$a/steal /api/runs/$a/steal/windows /api/runs/$a/locks
/api/runs/$a/irqs/slowest?n=100 /api/runs/$a/irqs/slowest?path=passthrough&n=1000 /api/runs/$a/irqs/sample?n=100
/api/runs/$a/irqs?path=passthrough&hop=queue&lo=$1&hi=$2&n=100 /api/runs/$a/irqs?path=passthrough&hop=queue&lo=$3&hi=$4&n=1000
/api/runs/$a/irqs?path=passthrough&hop=total&n=1000 /api/runs/$a/irqs/$irq /api/compare?a=$a&b=$b /runs/$a /assets/uPlot.esm.js"

# wrk's latency distribution of one endpoint on one connection.
printf '%-72s %9s %9s %9s %9s %8s\n' endpoint "req/s" p50 p99 max bytes
for e in $endpoints; do
	out=$("$WRK" -t1 -c1 -d${SECS}s --latency --timeout 10s "$url$e" 2>&1)
	rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
	l50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
	l99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
	max=$(echo "$out" | awk '$1 == "Latency" { print $4 }')
	bytes=$(curl -s -o /dev/null -w '%{size_download}' "$url$e")
	errs=$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr -s ' ' | tr '\n' ' ')
	printf '%-72s %9s %9s %9s %9s %8s %s\n' "$e" "$rps" "$l50" "$l99" "$max" "$bytes" "$errs"
done
echo
echo "/api/runs throughput, 2 wrk threads, 64 connections, ${SECS}x3 s:"
"$WRK" -t2 -c64 -d$((SECS * 3))s --latency "$url/api/runs" | sed 's/^/  /'
