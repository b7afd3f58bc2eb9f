# analyzer/export/: interrupts of a run as a trace for ui.perfetto.dev
# (irqhop export and the dashboard's download links; docs/export.md).
noinst_LTLIBRARIES += analyzer/libihexport.la
analyzer_libihexport_la_SOURCES = analyzer/export/perfetto.c analyzer/export/perfetto.h
analyzer_libihexport_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
analyzer_libihexport_la_LIBADD = schemas/libihdb.la $(SQLITE_LIBS)
