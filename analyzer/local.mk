# analyzer/: the Babeltrace 2 plugin (sink.irqhop.sqlite) and irqhop analyze.
noinst_LTLIBRARIES += analyzer/libihanalyzer.la
analyzer_libihanalyzer_la_SOURCES = analyzer/ih_analyze.c
analyzer_libihanalyzer_la_CFLAGS = $(AM_CFLAGS) $(BABELTRACE2_CFLAGS) $(SQLITE_CFLAGS)
