#!/bin/sh
# Runs inside the emulated machine of tests/kvm/record-emulated.sh when IH_EMU_RECORDER=lttng:
# the session `irqhop record --kvm` makes, built with the lttng command instead, around
# irqhop-kvm ARGS... (a cross-check of irqhop record's own session; same channels, events
# and contexts).  IH_EMU_NO_UST=1 leaves the UST channel out (a host's VM without our
# events, as `irqhop record --kvm --attach` records it).
# usage: guest-lttng.sh OUTPUT_DIR IRQHOP-KVM-ARGS...
set -u
out=$1
shift
lttng-sessiond -d || exit 1
lttng create irqhop-kvm --output="$out" >/dev/null || exit 1
lttng enable-channel -k kernel --subbuf-size=1M --num-subbuf=8 >/dev/null || exit 1
lttng enable-event -k -c kernel 'kvm_*' >/dev/null || exit 1
lttng enable-event -k -c kernel sched_switch,sched_waking,sched_wakeup >/dev/null || exit 1
lttng enable-event -k -c kernel 'workqueue_*' >/dev/null || exit 1
lttng enable-event -k -c kernel 'irq_handler_*' >/dev/null || exit 1
lttng enable-event -k -c kernel 'irq_softirq_*' >/dev/null || exit 1
lttng add-context -k -c kernel -t tid -t procname >/dev/null || exit 1
if [ "${IH_EMU_NO_UST:-0}" != 1 ]; then
	lttng enable-channel -u irqhop --subbuf-size=1M --num-subbuf=4 >/dev/null || exit 1
	lttng enable-event -u -c irqhop 'irqhop:*' >/dev/null || exit 1
	lttng add-context -u -c irqhop -t vtid -t procname >/dev/null || exit 1
fi
lttng start >/dev/null || exit 1
/usr/libexec/irqhop/irqhop-kvm "$@"
rc=$?
lttng stop >/dev/null || rc=1
lttng destroy >/dev/null || rc=1
exit $rc
