#!/usr/bin/env bash
# bench/kvm.sh BUILDDIR [MSI_TRACE IOAPIC_TRACE] - the real KVM host's interrupt paths
# (docs/kvm.md): records irqhop-kvm with both routes under `irqhop record --kvm`, analyzes
# them and prints, per route, p50/p99 of the `total` hop, their difference (IOAPIC - MSI),
# and the `worker` hop (the IOAPIC route's kworker: queue_work -> execute_start).
#
# With two trace directories given it records nothing and analyzes those (e.g. the
# emulated traces in tests/data/kvm/: their times are ~100x a real host's).  Without /dev/kvm
# (and no traces given) it says it skipped and exits 0, so `make bench` can call it anywhere.
# Recording needs root and the LTTng kernel modules (irqhop record --kvm says what is missing).
#
# IH_BENCH_KVM_DURATION (default 10 s), IH_BENCH_KVM_RATE (default 1000 Hz per vCPU),
# IH_BENCH_KVM_VCPUS (default 1) tune the runs.  Nothing passes or fails on time.
set -eu
top_builddir=$(cd "${1:?usage: bench/kvm.sh BUILDDIR [MSI_TRACE IOAPIC_TRACE]}" && pwd)
IRQHOP=$top_builddir/irqhop
DUR=${IH_BENCH_KVM_DURATION:-10}
RATE=${IH_BENCH_KVM_RATE:-1000}
VCPUS=${IH_BENCH_KVM_VCPUS:-1}
say() { printf '%s\n' "$*"; }

say "== KVM: the kernel's own injection, MSI vs IOAPIC route (irqhop-kvm, irqhop record --kvm)"
if [ $# -ge 3 ]; then
	msi=$(cd "$2" && pwd) ioapic=$(cd "$3" && pwd)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/irqhop-bench-kvm.XXXXXX")
else
	if [ ! -e /dev/kvm ]; then
		say "bench/kvm.sh: skipped: /dev/kvm is absent (tests/kvm/record-emulated.sh records in an emulated machine; bench/kvm.sh BUILDDIR MSI_TRACE IOAPIC_TRACE analyzes traces)"
		exit 0
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/irqhop-bench-kvm.XXXXXX")
	msi=$tmp/msi ioapic=$tmp/ioapic
	for r in msi ioapic; do
		t0=$(date +%s.%N)
		timeout $((DUR * 3 + 120)) "$IRQHOP" record --kvm --route "$r" --vcpus "$VCPUS" \
			--rate "$RATE" --duration "$DUR" --seed 1 --label "kvm-$r" --output "$tmp/$r" >/dev/null
		say "recorded $r: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s, $(du -sh "$tmp/$r" | cut -f1)"
	done
fi
trap 'rm -rf "$tmp"' EXIT
DB=$tmp/kvm.db
q() { sqlite3 -noheader -list "$DB" "$1"; }
for r in msi ioapic; do
	t=$msi; [ $r = ioapic ] && t=$ioapic
	if ! "$IRQHOP" analyze "$t" --db "$DB" --label "kvm-$r" >/dev/null 2>"$tmp/analyze.err"; then
		say "bench/kvm.sh: irqhop analyze failed on $t (an analyzer without the kernel reconstruction model?): $(tail -1 "$tmp/analyze.err")"
		exit 0
	fi
done

n=$(q "SELECT COUNT(*) FROM hop_stats WHERE path IN ('kvm-msi','kvm-ioapic')")
if [ "$n" = 0 ]; then
	say "bench/kvm.sh: no kvm-msi / kvm-ioapic rows in hop_stats: this analyzer has no kernel reconstruction model (paths found: $(q "SELECT group_concat(DISTINCT path) FROM hop_stats"))"
	exit 0
fi
# stat PATH HOP COLUMN: the value over every run of that path (one run per route here).
stat() { q "SELECT $3 FROM hop_stats WHERE path = '$1' AND hop = '$2'"; }
us() { awk -v v="${1:-}" 'BEGIN {if (v == "") print "-"; else printf "%.1f", v / 1000}'; }
printf '%-11s %8s %10s %10s\n' path count "p50 us" "p99 us"
for p in kvm-msi kvm-ioapic; do
	printf '%-11s %8s %10s %10s\n' "$p" "$(stat "$p" total count)" \
		"$(us "$(stat "$p" total p50_ns)")" "$(us "$(stat "$p" total p99_ns)")"
done
printf '%-11s %8s %10s %10s\n' "ioapic-msi" "" \
	"$(us "$(q "SELECT (SELECT p50_ns FROM hop_stats WHERE path='kvm-ioapic' AND hop='total') - (SELECT p50_ns FROM hop_stats WHERE path='kvm-msi' AND hop='total')")")" \
	"$(us "$(q "SELECT (SELECT p99_ns FROM hop_stats WHERE path='kvm-ioapic' AND hop='total') - (SELECT p99_ns FROM hop_stats WHERE path='kvm-msi' AND hop='total')")")"
printf '%-11s %8s %10s %10s\n' "worker" "$(stat kvm-ioapic worker count)" \
	"$(us "$(stat kvm-ioapic worker p50_ns)")" "$(us "$(stat kvm-ioapic worker p99_ns)")"
say "hops per path (p50 us):"
q "SELECT path, hop, ROUND(p50_ns / 1000.0, 1) FROM hop_stats WHERE path IN ('kvm-msi','kvm-ioapic')
   ORDER BY path, seq" | sed 's/^/  /'
