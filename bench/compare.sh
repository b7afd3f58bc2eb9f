#!/usr/bin/env bash
# bench/compare.sh BUILDDIR - the regression verdicts' speed (docs/benchmarks.md,
# section "Compare"): /api/compare's first request and `irqhop regress` for
# two runs of ~1 M interrupts each, from the per-span histograms written at
# ingest (hop_block, schema v7) against the per-interrupt path of runs
# analyzed before v7, measured in the same run on the same runs: a copy of
# the database without its hop_block rows, which the verdicts then read
# from the irq table.
#
#   1. records two passthrough traces (--rate 100000, IH_BENCH_CMP_S seconds,
#      default 50: ~1 M interrupts each on a 2-CPU VM, ~10 M events) inside a private mount namespace
#      with its own lttng-sessiond, like the tests, and analyzes them into
#      one database (IH_BENCH_CMP_DB=FILE reuses a database holding two runs
#      instead);
#   2. `irqhop regress --format json` on both databases, interleaved,
#      IH_BENCH_CMP_TRIALS times (default 3), best wall time of each;
#   3. /api/compare?a=..&b=.. once on a freshly started `irqhop serve` of
#      each database (the first request: nothing cached), interleaved, the
#      same number of times, best of each.
# Prints "compare first request: new X ms, old per-interrupt path Y ms,
# ratio Z" and the same for regress.  Nothing passes or fails on time.
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:?usage: bench/compare.sh BUILDDIR}" && pwd)
export top_srcdir top_builddir
if [ "${IH_ISOLATED:-}" != 1 ] || [ -z "${IH_BENCH_CMP_TMP:-}" ]; then
	IH_BENCH_CMP_TMP=${IH_BENCH_CMP_TMP:-$top_builddir/bench/compare-tmp}
	mkdir -p "$IH_BENCH_CMP_TMP"
	export IH_BENCH_CMP_TMP
fi
export TMPDIR=$IH_BENCH_CMP_TMP
. "$top_srcdir/tests/lib/isolate.sh"
ih_isolate "$0" "$@"

IRQHOP=$top_builddir/irqhop
say() { printf "%s\n" "$*"; }
SECS=${IH_BENCH_CMP_S:-50}
TRIALS=${IH_BENCH_CMP_TRIALS:-3}
T=$IH_TMP
NEW=$T/new.sqlite
OLD=$T/old.sqlite

say "== Compare: verdicts from hop_block against the per-interrupt path"
if [ -n "${IH_BENCH_CMP_DB:-}" ]; then
	cp "$IH_BENCH_CMP_DB" "$NEW"
else
	for seed in 21 22; do
		"$IRQHOP" record --scenario passthrough --rate 100000 --duration "$SECS" --seed "$seed" \
			--output "$T/tr$seed" > "$T/rec$seed.out" 2>&1
		"$IRQHOP" analyze "$T/tr$seed" --db "$NEW" --label "cmp$seed" > "$T/an$seed.out" 2>&1
		rm -rf "$T/tr$seed"
	done
fi
sq() { sqlite3 -batch -noheader "$@"; }
a=$(sq "$NEW" "SELECT min(id) FROM run")
b=$(sq "$NEW" "SELECT max(id) FROM run")
say "runs $a and $b: $(sq "$NEW" "SELECT group_concat(irqs, ' and ') FROM run WHERE id IN ($a, $b)") interrupts," \
	"$(sq "$NEW" "SELECT count(*) FROM hop_block WHERE run_id IN ($a, $b)") hop_block rows"
cp "$NEW" "$OLD"
sq "$OLD" "DELETE FROM hop_block; VACUUM;"

# ms CMD...: runs CMD, prints its wall time in ms.
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" > /dev/null
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
regress() { "$IRQHOP" regress --db "$1" --baseline "$a" --candidate "$b" --format json || test $? -eq 1; }
# first DB: starts irqhop serve on DB, prints the first /api/compare's time
# in ms (curl's), stops exactly that server.
first() {
	local fifo pid line url t
	fifo=$T/serve.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	"$IRQHOP" serve --db "$1" --listen 127.0.0.1:0 > "$fifo" 2>/dev/null &
	pid=$!
	exec 3< "$fifo"
	IFS= read -r -t 30 -u 3 line || { echo "bench/compare.sh: irqhop serve did not start" >&2; kill -TERM "$pid"; exit 1; }
	url=${line#irqhop serve: listening on }
	url=${url%/}
	t=$(curl -s -o "$T/compare.json" -w '%{time_total}' "$url/api/compare?a=$a&b=$b")
	exec 3<&-
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	grep -q '"verdicts"' "$T/compare.json" || { echo "bench/compare.sh: /api/compare failed: $(head -c 200 "$T/compare.json")" >&2; exit 1; }
	awk -v t="$t" 'BEGIN { printf "%d\n", t * 1000 + 0.5 }'
}
for i in $(seq "$TRIALS"); do
	ms regress "$NEW" >> "$T/regress-new"
	ms regress "$OLD" >> "$T/regress-old"
	first "$NEW" >> "$T/first-new"
	first "$OLD" >> "$T/first-old"
done
best() { sort -n "$1" | head -n 1; }
ratio() { awk -v n="$1" -v o="$2" 'BEGIN { printf "%.1f", (n > 0 ? o / n : o) }'; }
fn=$(best "$T/first-new") fo=$(best "$T/first-old") rn=$(best "$T/regress-new") ro=$(best "$T/regress-old")
say "compare first request: new $fn ms, old per-interrupt path $fo ms, ratio $(ratio "$fn" "$fo")"
say "irqhop regress: new $rn ms, old per-interrupt path $ro ms, ratio $(ratio "$rn" "$ro")"
say "(best of $TRIALS; all trials: first request new $(paste -sd' ' "$T/first-new"), old $(paste -sd' ' "$T/first-old");" \
	"regress new $(paste -sd' ' "$T/regress-new"), old $(paste -sd' ' "$T/regress-old") ms)"
