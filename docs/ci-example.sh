#!/bin/sh
# docs/ci-example.sh - the CI recipe of docs/ci.md: record on this test host,
# analyze into the job's database, compare against the stored baseline, and
# fail the job when something regressed.
#
#   ci-example.sh --db FILE [--baseline SEL] [--label LABEL] [--junit FILE]
#                 [--threshold PCT] [--metric LIST] [--record-baseline]
#                 [-- RECORD-OPTIONS...]
#
# RECORD-OPTIONS go to `irqhop record` as given (scenario, modes, duration,
# --relay ...; not --output or --label, which this script sets).
#
#   --db FILE           the database that holds the baseline runs (kept
#                       between jobs: a cache, an artifact, a shared volume)
#   --baseline SEL      the baseline (default: label "baseline"; also a run
#                       id or LABEL@HOST)
#   --label LABEL       label of the new run (default: "candidate")
#   --junit FILE        also write the JUnit report there (CI test tab)
#   --threshold PCT     passed to irqhop regress (default 10)
#   --metric LIST       passed to irqhop regress (default p50,p99,steal)
#   --record-baseline   record a baseline run (label from --baseline, default
#                       "baseline") instead of a candidate; no comparison.
#                       Record three or more: the baseline's run-to-run noise
#                       is measured from them (docs/regress.md).
#
# Exit status: 0 nothing regressed (or a baseline was stored), 1 something
# regressed (fail the job), 2 the recording, analysis or comparison could
# not be done (an infrastructure failure: retry or investigate).
#
# $IRQHOP names the irqhop program (default: irqhop in PATH).

IRQHOP=${IRQHOP:-irqhop}
db=
baseline=baseline
label=candidate
junit=
threshold=10
metric=p50,p99,steal
record_baseline=0

die()
{
	echo "ci-example.sh: $*" >&2
	exit 2
}

while test $# -gt 0; do
	case $1 in
	--db) test $# -ge 2 || die "--db needs a value"; db=$2; shift 2 ;;
	--baseline) test $# -ge 2 || die "--baseline needs a value"; baseline=$2; shift 2 ;;
	--label) test $# -ge 2 || die "--label needs a value"; label=$2; shift 2 ;;
	--junit) test $# -ge 2 || die "--junit needs a value"; junit=$2; shift 2 ;;
	--threshold) test $# -ge 2 || die "--threshold needs a value"; threshold=$2; shift 2 ;;
	--metric) test $# -ge 2 || die "--metric needs a value"; metric=$2; shift 2 ;;
	--record-baseline) record_baseline=1; shift ;;
	--) shift; break ;;
	*) die "unknown option '$1' (options, then -- and irqhop record's options)" ;;
	esac
done
test -n "$db" || die "--db FILE is required"

# A private folder for the trace; removed whatever happens.
work=$(mktemp -d "${TMPDIR:-/tmp}/irqhop-ci.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
trap 'exit 2' INT TERM HUP

if test $record_baseline = 1; then
	label=$baseline
fi

# 1. Record on this host (irqhop record starts and stops its own session
#    daemon if none runs).
"$IRQHOP" record "$@" --label "$label" --output "$work/trace" > "$work/record.out" ||
	die "irqhop record failed (see its message above)"
sed 's/^/# /' "$work/record.out"

# 2. Analyze into the job's database: one more run labelled $label.
"$IRQHOP" analyze "$work/trace" --db "$db" --label "$label" ||
	die "irqhop analyze failed (see its message above)"

if test $record_baseline = 1; then
	echo "ci-example.sh: baseline run stored with label '$label' in $db"
	exit 0
fi

# 3. Compare the new run (the newest with $label) against the baseline.
#    The JUnit report is written first so the CI shows it even on failure;
#    the text report is for the job's log.
if test -n "$junit"; then
	"$IRQHOP" regress --db "$db" --baseline "$baseline" --candidate "$label" \
		--threshold "$threshold" --metric "$metric" --format junit > "$junit"
	test $? -le 1 || die "irqhop regress could not compare (see its message above)"
fi
"$IRQHOP" regress --db "$db" --baseline "$baseline" --candidate "$label" \
	--threshold "$threshold" --metric "$metric"
rc=$?
case $rc in
0) echo "ci-example.sh: no regression against '$baseline'" ;;
1) echo "ci-example.sh: REGRESSION against '$baseline' (see the table above)" ;;
*) die "irqhop regress could not compare (see its message above)" ;;
esac
exit $rc
