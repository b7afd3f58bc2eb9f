# tests/: unit tests (TAP, one per module), integration and browser tests.
EXTRA_DIST += tests/tap.h

# End-to-end (irqhop record -> analyze -> sqlite3 / babeltrace2 -> serve) and
# bad input of irqhop record / serve.  Both run in a private mount namespace
# with their own lttng-sessiond (tests/lib/isolate.sh; docs/record.md) and
# need the irqhop binary, irqhop-runtime and the babeltrace2 plugin.
check_SCRIPTS += tests/integration.test tests/badinput.test
TESTS += tests/integration.test tests/badinput.test
EXTRA_DIST += tests/integration.test tests/badinput.test tests/lib/isolate.sh
