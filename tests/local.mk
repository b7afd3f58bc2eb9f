# tests/: unit tests (TAP, one per module), integration and browser tests.
EXTRA_DIST += tests/tap.h
