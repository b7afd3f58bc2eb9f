#!/usr/bin/env bash
# bench/run.sh BUILDDIR - irqhop's benchmarks (make bench).
#
# Speed is measured here, never in tests.  Every figure comes with the
# reference it is compared to, measured in the same run, because this
# machine is a noisy virtual machine (its own steal is printed too).
# Recording happens inside a private mount namespace with its own
# lttng-sessiond (tests/lib/isolate.sh), like the tests.
#
# Sections: (c) cost per operation of the primitives; (a) irqfd waitqueue
# vs srcu against the wake-up cost; (b) xen-steal global vs percpu tasklets;
# (d) tracing cost per event and events per interrupt on each path.
# Results also land in BUILDDIR/bench/bench.sqlite.  IH_BENCH_RUNTIME_ONLY=1
# skips the analyzer and dashboard benchmarks run at the end.
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:?usage: bench/run.sh BUILDDIR}" && pwd)
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/isolate.sh"
ih_isolate "$0" "$@"

IRQHOP=$top_builddir/irqhop
RUNTIME=$top_builddir/irqhop-runtime
DB=$top_builddir/bench/bench.sqlite
DUR=${IH_BENCH_DURATION:-3}
TRIALS=${IH_BENCH_TRIALS:-3}
mkdir -p "$top_builddir/bench"
rm -f "$DB" "$DB-wal" "$DB-shm"

say() { printf '%s\n' "$*"; }
q() { sqlite3 -noheader -list "$DB" "$1"; }

# Record SCENARIO ARGS... into $IH_TMP/NAME and analyze it with label NAME.
rec() {
	local name=$1; shift
	"$IRQHOP" record --output "$IH_TMP/$name" --label "$name" --duration "$DUR" "$@" >/dev/null
	"$IRQHOP" analyze "$IH_TMP/$name" --db "$DB" --label "$name" >/dev/null
}
stat_of() { # LABEL PATH HOP COLUMN
	q "SELECT s.$4 FROM hop_stats s JOIN run r ON r.id = s.run_id
	   WHERE r.label = '$1' AND s.path = '$2' AND s.hop = '$3'"
}

steal0=$(awk '/^cpu /{print $9}' /proc/stat); total0=$(awk '/^cpu /{s=0; for(i=2;i<=9;i++) s+=$i; print s}' /proc/stat)

say "== (c) cost per operation (bench/ih-bench-ops)"
"$top_builddir/bench/ih-bench-ops" | tee "$IH_TMP/ops.txt"
wake_cross=$(awk '$1=="wakeup_cross_cpu"{print $2}' "$IH_TMP/ops.txt")
wake_same=$(awk '$1=="wakeup_same_cpu"{print $2}' "$IH_TMP/ops.txt")

say ""
say "== (a) irqfd: waitqueue (deferred to a worker) vs srcu (direct), scenario kvm-irqfd, ${DUR}s each"
rec irqfd-waitqueue --scenario kvm-irqfd --notifier waitqueue
rec irqfd-srcu --scenario kvm-irqfd --notifier srcu
for m in waitqueue srcu; do
	printf '%-10s total p50 %8s ns  p99 %8s ns  (n=%s)\n' "$m" \
		"$(stat_of irqfd-$m irqfd total p50_ns)" "$(stat_of irqfd-$m irqfd total p99_ns)" \
		"$(stat_of irqfd-$m irqfd total count)"
done
p50w=$(stat_of irqfd-waitqueue irqfd total p50_ns); p50s=$(stat_of irqfd-srcu irqfd total p50_ns)
p99w=$(stat_of irqfd-waitqueue irqfd total p99_ns); p99s=$(stat_of irqfd-srcu irqfd total p99_ns)
worker=$(stat_of irqfd-waitqueue irqfd worker p50_ns)
awk -v a="$p50w" -v b="$p50s" -v c="$p99w" -v d="$p99s" -v w="$worker" -v x="$wake_cross" -v s="$wake_same" 'BEGIN {
	printf "difference p50 %.0f ns, p99 %.0f ns\n", a - b, c - d
	printf "worker hop p50 (work_queue -> work_entry, from the trace) %.0f ns\n", w
	printf "wake-up measured by ih-bench-ops: cross-CPU %.0f ns, same CPU %.0f ns\n", x, s
	printf "ratio p50 difference / cross-CPU wake-up %.2f; / worker hop %.2f\n", (a - b) / x, (a - b) / w
}'

say ""
say "== (b) xen-steal: global vs percpu tasklets (runtime accounting, no tracing), ${TRIALS} trials x ${DUR}s"
for t in $(seq "$TRIALS"); do
	for m in global percpu; do
		"$RUNTIME" --scenario xen-steal --tasklet "$m" --duration "$DUR" --stats | tail -n 1 >>"$IH_TMP/steal-$m.jsonl"
	done
done
python3 - "$IH_TMP" <<'PY'
import json, sys, statistics
d = sys.argv[1]
res = {}
for m in ("global", "percpu"):
    rows = [json.loads(l) for l in open(f"{d}/steal-{m}.jsonl")]
    def pct(r):
        wall = r["idle_running_ns"] + r["idle_runnable_ns"] + r["idle_blocked_ns"] + r["idle_offline_ns"]
        return 100.0 * (r["idle_runnable_ns"] + r["idle_offline_ns"]) / max(wall, 1)
    steal = statistics.median(pct(r) for r in rows)
    lock = statistics.median(100.0 * r["idle_lock_ns"] / max(r["idle_running_ns"], 1) for r in rows)
    busy_lock = statistics.median(100.0 * r["busy_lock_ns"] / max(r["busy_running_ns"], 1) for r in rows)
    wait = statistics.median(r["lock_wait_ns"] / 1e6 for r in rows)
    res[m] = steal
    print(f"{m:7s} idle-guest steal {steal:7.3f}%  idle lock-spin share of running {lock:6.2f}%  "
          f"busy lock-spin share {busy_lock:5.2f}%  global-lock wait {wait:8.2f} ms  (medians)")
print("ratio idle-guest steal global/percpu %.1f" % (res["global"] / max(res["percpu"], 1e-9)))
PY
rec steal-global --scenario xen-steal --tasklet global
rec steal-percpu --scenario xen-steal --tasklet percpu
for m in global percpu; do
	printf '%-7s busy guests passthrough total p50 %8s ns  p99 %8s ns\n' "$m" \
		"$(stat_of steal-$m passthrough total p50_ns)" "$(stat_of steal-$m passthrough total p99_ns)"
done
if q "SELECT 1 FROM sqlite_schema WHERE name = 'steal_breakdown'" | grep -q 1; then
	say "from the trace (steal_breakdown):"
	q "SELECT r.label, b.guest_kind, printf('%.3f', avg(b.steal_pct)), printf('%.2f', avg(b.lock_spin_pct))
	   FROM steal_breakdown b JOIN run r ON r.id = b.run_id WHERE r.label LIKE 'steal-%'
	   GROUP BY r.label, b.guest_kind" | awk -F'|' '{printf "  %-13s %-5s steal %s%%  lock-spin %s%%\n", $1, $2, $3, $4}'
fi

say ""
say "== (d) tracing cost and events per interrupt"
none=$("$top_builddir/bench/ih-bench-trace" 2000000)
ih_start_sessiond
lttng create bench-trace --output="$IH_TMP/trace-cost" >/dev/null
lttng enable-channel -u c --subbuf-size=8M --num-subbuf=4 >/dev/null
lttng enable-event -u -c c 'irqhop:*' >/dev/null
lttng add-context -u -c c -t vtid -t procname >/dev/null
lttng start >/dev/null
with=$("$top_builddir/bench/ih-bench-trace" 2000000)
lttng stop >/dev/null
lttng destroy >/dev/null
ih_stop_sessiond
printf 'per event: %s ns with a session, %s ns with none (ratio %s)\n' "$with" "$none" \
	"$(awk -v a="$with" -v b="$none" 'BEGIN {printf "%.0f", a / (b > 0 ? b : 0.01)}')"
rec epi-passthrough --scenario passthrough --tasklet percpu
rec epi-timer --scenario "$top_srcdir/bench/timer-only.json"
for t in epi-passthrough:passthrough epi-timer:timer irqfd-waitqueue:irqfd irqfd-srcu:irqfd; do
	label=${t%%:*}; path=${t##*:}
	ev=$(babeltrace2 "$IH_TMP/$label" 2>/dev/null | grep -c 'irq_id = [1-9]' || true)
	n=$(q "SELECT irqs FROM run WHERE label = '$label'")
	printf 'events per interrupt, %-11s (%-15s): %s\n' "$path" "$label" \
		"$(awk -v e="$ev" -v n="$n" 'BEGIN {printf "%.2f", e / (n > 0 ? n : 1)}')"
done

steal1=$(awk '/^cpu /{print $9}' /proc/stat); total1=$(awk '/^cpu /{s=0; for(i=2;i<=9;i++) s+=$i; print s}' /proc/stat)
say ""
printf 'machine steal during the benchmark: %s%%\n' \
	"$(awk -v a=$((steal1 - steal0)) -v b=$((total1 - total0)) 'BEGIN {printf "%.2f", 100 * a / (b > 0 ? b : 1)}')"
# IH_BENCH_RUNTIME_ONLY=1 stops here (the runtime's sections only).
[ "${IH_BENCH_RUNTIME_ONLY:-}" = 1 ] && exit 0
say ""
say "== Analyzer writer thread: CPU per interrupt (bench/ih-bench-writer, synthetic passthrough rows)"
"$top_builddir/bench/ih-bench-writer" --irqs "${IH_BENCH_WR_IRQS:-1000000}" --trials "${IH_BENCH_WR_TRIALS:-3}"
for extra in "$top_srcdir"/bench/analyze.sh "$top_srcdir"/bench/web.sh "$top_srcdir"/bench/regress.sh \
		"$top_srcdir"/bench/kvm.sh; do
	if [ -f "$extra" ]; then
		say ""
		bash "$extra" "$top_builddir"
	fi
done
