# schemas/: the SQLite schema (the contract with every reader), its
# migrations, and the code that opens a database through them.
IH_SCHEMA_FILES = schemas/irqhop.sql schemas/indexes.sql
# schemas/migrations/NNN.sql files are listed here as they are added.
IH_MIGRATIONS = schemas/migrations/002.sql schemas/migrations/003.sql schemas/migrations/004.sql schemas/migrations/005.sql schemas/migrations/006.sql schemas/migrations/007.sql

noinst_LTLIBRARIES += schemas/libihdb.la
schemas_libihdb_la_SOURCES = schemas/db.c schemas/db.h schemas/order.c schemas/order.h \
	schemas/merge.c schemas/merge.h schemas/blocks.c schemas/blocks.h \
	schemas/percentile.c schemas/percentile.h \
	build-aux/embed.h
nodist_schemas_libihdb_la_SOURCES = schemas/schema_files.c
schemas_libihdb_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
schemas_libihdb_la_LIBADD = $(SQLITE_LIBS) -lm
BUILT_SOURCES += schemas/schema_files.c
CLEANFILES += schemas/schema_files.c
EXTRA_DIST += $(IH_SCHEMA_FILES) $(IH_MIGRATIONS) schemas/migrations/README build-aux/embed.sh

schemas/schema_files.c: $(IH_SCHEMA_FILES) $(IH_MIGRATIONS) $(top_srcdir)/build-aux/embed.sh
	$(AM_V_GEN)$(MKDIR_P) schemas && \
	  files=; for f in $(IH_SCHEMA_FILES) $(IH_MIGRATIONS); do files="$$files $(top_srcdir)/$$f"; done; \
	  $(SHELL) $(top_srcdir)/build-aux/embed.sh ih_schema_files $$files > $@.tmp && mv $@.tmp $@

check_PROGRAMS += tests/schemas_db.t tests/schemas_order.t tests/schemas_percentile.t
TESTS += tests/schemas_db.t tests/schemas_order.t tests/schemas_percentile.t
tests_schemas_db_t_SOURCES = tests/schemas_db.c tests/tap.h
tests_schemas_db_t_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_schemas_db_t_LDADD = schemas/libihdb.la $(SQLITE_LIBS)
tests_schemas_order_t_SOURCES = tests/schemas_order.c tests/tap.h
tests_schemas_order_t_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_schemas_order_t_LDADD = schemas/libihdb.la $(SQLITE_LIBS)
tests_schemas_percentile_t_SOURCES = tests/schemas_percentile.c tests/tap.h
tests_schemas_percentile_t_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_schemas_percentile_t_LDADD = schemas/libihdb.la $(SQLITE_LIBS) -lm
