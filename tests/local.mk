# tests/: unit tests (TAP, one per module), integration and browser tests.
EXTRA_DIST += tests/tap.h

# tests/record_kvm.test: the one-line errors of irqhop-kvm and irqhop record --kvm where
# KVM tracing cannot run.  The emulated recording of real KVM traces (tests/kvm/, docs/kvm.md)
# is not part of make check: it needs qemu and minutes.
EXTRA_DIST += tests/kvm/record-emulated.sh tests/kvm/guest-lttng.sh \
	tests/kvm/lttng-modules-2.13.9-irqhop.patch tests/data/kvm/README

# End-to-end (irqhop record -> analyze -> sqlite3 / babeltrace2 -> serve) and
# bad input of irqhop record / serve.  Both run in a private mount namespace
# with their own lttng-sessiond (tests/lib/isolate.sh; docs/record.md) and
# need the irqhop binary, irqhop-runtime and the babeltrace2 plugin.
check_SCRIPTS += tests/integration.test tests/badinput.test tests/record_kvm.test
TESTS += tests/integration.test tests/badinput.test tests/record_kvm.test
EXTRA_DIST += tests/integration.test tests/badinput.test tests/record_kvm.test \
	tests/lib/isolate.sh tests/lib/tap.sh tests/lib/dbsame.py

# Unit tests of irqhop record's daemon and session modules, run by a shell
# wrapper in a private mount namespace (it starts a real lttng-sessiond).
check_PROGRAMS += tests/record_unit
tests_record_unit_SOURCES = tests/record_unit.c tests/tap.h
tests_record_unit_CFLAGS = $(AM_CFLAGS) $(LTTNG_CTL_CFLAGS)
tests_record_unit_LDADD = collector/libihrecord.la
check_SCRIPTS += tests/record_unit.test
TESTS += tests/record_unit.test
EXTRA_DIST += tests/record_unit.test

# The flight recorder (irqhop record --snapshot-over, docs/record.md): one
# snapshot per injected spike, each complete, --max-snapshots holds.
check_SCRIPTS += tests/flight.test
TESTS += tests/flight.test
EXTRA_DIST += tests/flight.test tests/flight-spikes.json
