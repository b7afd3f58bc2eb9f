# analyzer/export/: interrupts of a run as a trace for ui.perfetto.dev
# (irqhop export and the dashboard's download links; docs/export.md).
noinst_LTLIBRARIES += analyzer/libihexport.la
analyzer_libihexport_la_SOURCES = analyzer/export/perfetto.c analyzer/export/perfetto.h
analyzer_libihexport_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
analyzer_libihexport_la_LIBADD = schemas/libihdb.la $(SQLITE_LIBS)

# On the database of real recordings the dashboard's tests use
# (tests/web_lib.sh), checked by tests/export_check.py.
check_SCRIPTS += tests/export.test
TESTS += tests/export.test
EXTRA_DIST += tests/export.test tests/export_check.py tests/export_api.py

# The trace in headless Chromium, in the project's own viewer
# (tests/export_view.html); needs node, chromium and playwright-core.
check_SCRIPTS += tests/export_browser.test
TESTS += tests/export_browser.test
EXTRA_DIST += tests/export_browser.test tests/export_browser.mjs tests/export_view.html
