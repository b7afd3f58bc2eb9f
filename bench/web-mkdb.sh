#!/bin/bash
# bench/web-mkdb.sh DB [SCENARIO:TASKLET:NOTIFIER:RATE:DURATION ...] - record
# real traces (irqhop record inside tests/lib/isolate.sh: a private mount
# namespace with its own lttng-sessiond) and analyze them into DB.  Used by
# bench/web.sh to build the dashboard benchmark's database (1 M interrupts by
# default) and handy for trying the dashboard on real data.
#
# Environment: top_builddir (default: the current directory), top_srcdir.
# Exits non-zero when a recording or an analysis fails.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/isolate.sh"
ih_isolate "$0" "$@"

IRQHOP=$top_builddir/irqhop
DB=${1:?usage: web-mkdb.sh DB [SCENARIO:TASKLET:NOTIFIER:RATE:DURATION ...]}
shift
case $DB in /*) ;; *) echo "web-mkdb.sh: give DB as an absolute path" >&2; exit 2 ;; esac
test $# -gt 0 || set -- passthrough:global:waitqueue:100000:6 passthrough:percpu:waitqueue:100000:6
i=0
for spec in "$@"; do
	IFS=: read -r scen tasklet notifier rate dur <<< "$spec"
	i=$((i + 1))
	out=$IH_TMP/trace-$i
	label="$scen-$tasklet-$notifier"
	timeout --kill-after=10 600 "$IRQHOP" record --scenario "$scen" --tasklet "$tasklet" \
		--notifier "$notifier" --rate "$rate" --duration "$dur" --seed "$i" \
		--subbuf-size 16M --label "$label" --output "$out" >&2 || exit 1
	timeout --kill-after=10 1200 "$IRQHOP" analyze "$out" --db "$DB" --label "$label" >&2 || exit 1
	rm -rf "$out"
done
