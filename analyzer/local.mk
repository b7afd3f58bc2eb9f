# analyzer/: the Babeltrace 2 plugin (sink.irqhop.sqlite) and irqhop analyze.
#
# The sink's code is one convenience library shared by the plugin module
# (stock babeltrace2 CLI) and irqhop analyze (which creates the component
# class directly from the linked code), and by the unit tests.
IH_ANALYZER_CFLAGS = $(AM_CFLAGS) $(BABELTRACE2_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)

noinst_LTLIBRARIES += analyzer/libihsink.la
analyzer_libihsink_la_SOURCES = \
	analyzer/reconstruct/catalogue.c analyzer/reconstruct/catalogue.h \
	analyzer/store/hist.c analyzer/store/hist.h \
	analyzer/reconstruct/scenario.c analyzer/reconstruct/scenario.h \
	analyzer/reconstruct/rec.c analyzer/reconstruct/rec.h \
	analyzer/reconstruct/kernel.c analyzer/reconstruct/kernel.h \
	analyzer/steal/kthreads.c analyzer/steal/kthreads.h \
	analyzer/steal/steal.c analyzer/steal/steal.h \
	analyzer/store/store.h analyzer/store/priv.h analyzer/store/open.c analyzer/store/writer.c \
	analyzer/store/order.c analyzer/store/tables.c analyzer/store/blocks.c analyzer/store/commit.c analyzer/store/testpoint.c \
	analyzer/store/snapshot.c analyzer/store/snapshot.h \
	analyzer/sqlite/sink.h analyzer/sqlite/priv.h analyzer/sqlite/params.c \
	analyzer/sqlite/component.c analyzer/sqlite/evclass.c analyzer/sqlite/decode.c \
	analyzer/sqlite/run.c analyzer/sqlite/finish.c analyzer/sqlite/kernel.c \
	analyzer/sqlite/bterror.c analyzer/sqlite/bterror.h \
	analyzer/sqlite/ship.c analyzer/sqlite/ship.h
analyzer_libihsink_la_CFLAGS = $(IH_ANALYZER_CFLAGS)
# The scenario JSON of run_begin is read with jansson.
analyzer_libihsink_la_LIBADD = $(JANSSON_LIBS)

# irqhop analyze's graphs (its options: cli/analyze_main.c); the irqhop
# binary links schemas/libihdb.la itself.  analyzer/sqlite/bterror.c (a
# Babeltrace error as one line) is in libihsink: analyze, the live follower
# and the sink itself use it.
noinst_LTLIBRARIES += analyzer/libihanalyzer.la
analyzer_libihanalyzer_la_SOURCES = analyzer/graph/analyze.c analyzer/graph/analyze.h \
	analyzer/graph/find.c analyzer/graph/parallel.c analyzer/graph/priv.h
analyzer_libihanalyzer_la_CFLAGS = $(IH_ANALYZER_CFLAGS)
analyzer_libihanalyzer_la_LIBADD = analyzer/libihsink.la

# The babeltrace2 plugin: plugin name irqhop, sink class sqlite.
plugin_LTLIBRARIES += analyzer/babeltrace-plugin-irqhop.la
analyzer_babeltrace_plugin_irqhop_la_SOURCES = analyzer/plugin.c
analyzer_babeltrace_plugin_irqhop_la_CFLAGS = $(IH_ANALYZER_CFLAGS)
analyzer_babeltrace_plugin_irqhop_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined
analyzer_babeltrace_plugin_irqhop_la_LIBADD = analyzer/libihsink.la schemas/libihdb.la \
	$(BABELTRACE2_LIBS) $(SQLITE_LIBS) -lpthread

# Unit tests (TAP).
IH_ANALYZER_TEST_LDADD = analyzer/libihsink.la schemas/libihdb.la \
	$(BABELTRACE2_LIBS) $(SQLITE_LIBS) -lpthread
check_PROGRAMS += tests/analyzer_hist.t tests/analyzer_rec.t tests/analyzer_store.t tests/analyzer_steal.t
check_PROGRAMS += tests/analyzer_kernel.t
tests_analyzer_kernel_t_SOURCES = tests/analyzer_kernel.c tests/tap.h
tests_analyzer_kernel_t_CFLAGS = $(IH_ANALYZER_CFLAGS)
tests_analyzer_kernel_t_LDADD = $(IH_ANALYZER_TEST_LDADD)
TESTS += tests/analyzer_kernel.t
tests_analyzer_hist_t_SOURCES = tests/analyzer_hist.c tests/tap.h
tests_analyzer_hist_t_CFLAGS = $(IH_ANALYZER_CFLAGS)
tests_analyzer_hist_t_LDADD = $(IH_ANALYZER_TEST_LDADD) -lm
tests_analyzer_rec_t_SOURCES = tests/analyzer_rec.c tests/tap.h
tests_analyzer_rec_t_CFLAGS = $(IH_ANALYZER_CFLAGS)
tests_analyzer_rec_t_LDADD = $(IH_ANALYZER_TEST_LDADD)
check_PROGRAMS += tests/analyzer_store_shared.t
tests_analyzer_store_shared_t_SOURCES = tests/analyzer_store_shared.c tests/tap.h tests/sql1.h
tests_analyzer_store_shared_t_CFLAGS = $(IH_ANALYZER_CFLAGS)
tests_analyzer_store_shared_t_LDADD = $(IH_ANALYZER_TEST_LDADD)
TESTS += tests/analyzer_store_shared.t
tests_analyzer_store_t_SOURCES = tests/analyzer_store.c tests/tap.h tests/sql1.h
tests_analyzer_store_t_CFLAGS = $(IH_ANALYZER_CFLAGS)
tests_analyzer_store_t_LDADD = $(IH_ANALYZER_TEST_LDADD)
tests_analyzer_steal_t_SOURCES = tests/analyzer_steal.c tests/tap.h
tests_analyzer_steal_t_CFLAGS = $(IH_ANALYZER_CFLAGS)
tests_analyzer_steal_t_LDADD = $(IH_ANALYZER_TEST_LDADD)
TESTS += tests/analyzer_hist.t tests/analyzer_rec.t tests/analyzer_store.t tests/analyzer_steal.t

# irqhop analyze and the plugin end to end: bad input, and a hand-written
# CTF trace with known times (needs the irqhop binary and the plugin).
check_SCRIPTS += tests/analyzer_badinput.test tests/analyzer_ctf.test
# The kernel model on the real KVM traces of tests/data/kvm/ (recorded in an
# emulated machine: CI needs no emulator), checked against babeltrace2's text.
check_SCRIPTS += tests/analyzer_kvm_traces.test
TESTS += tests/analyzer_kvm_traces.test
EXTRA_DIST += tests/analyzer_kvm_traces.test tests/analyzer_kernel_validate.py tests/data/kvm
TESTS += tests/analyzer_badinput.test tests/analyzer_ctf.test
EXTRA_DIST += tests/analyzer_badinput.test tests/analyzer_ctf.test tests/analyzer_ctfgen.py tests/lib/btpreload.sh

# Real traces of every path, recorded in a private mount namespace with its
# own lttng-sessiond, checked against babeltrace2's text output by an
# independent script; steal, percentiles, docs/schema.md's SQL, lossy
# buffers, --replace, relayd trees, SIGKILL atomicity, ingest under serve.
check_SCRIPTS += tests/analyzer_real.test
TESTS += tests/analyzer_real.test
EXTRA_DIST += tests/analyzer_real.test tests/analyzer_validate.py

# Its SIGKILL-atomicity part runs irqhop with the test hooks: the same
# sources and libraries plus tests/lib/testpoint.c, whose ih_test_point()
# overrides the shipped, empty, weak one (analyzer/store/testpoint.c).  A
# check program: built by make check and distcheck, never installed.
check_PROGRAMS += tests/irqhop-testhooks
tests_irqhop_testhooks_SOURCES = $(irqhop_SOURCES) tests/lib/testpoint.c
tests_irqhop_testhooks_CFLAGS = $(irqhop_CFLAGS)
tests_irqhop_testhooks_LDADD = $(irqhop_LDADD)

# The regression gate (analyzer/regress/): irqhop regress and the
# dashboard's compare page; the live follower of irqhop analyze --live.

# The comparison library (analyzer/regress/regress.h): used by irqhop regress and by
# the web server's compare handler, both inside the irqhop binary.
noinst_LTLIBRARIES += analyzer/libihregress.la
analyzer_libihregress_la_SOURCES = analyzer/regress/regress.c analyzer/regress/regress.h \
	analyzer/regress/internal.h analyzer/regress/rng.c analyzer/regress/samples.c \
	analyzer/regress/bootstrap.c analyzer/regress/history.c analyzer/regress/hops.c analyzer/regress/blocks.c \
	analyzer/regress/steal.c
analyzer_libihregress_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
analyzer_libihregress_la_LIBADD = schemas/libihdb.la $(SQLITE_LIBS) $(JANSSON_LIBS) -lm -lpthread

# irqhop analyze --live net://HOST: follows live sessions of lttng-relayd
# through src.ctf.lttng-live and commits one run per session when it ends.
noinst_LTLIBRARIES += analyzer/libihlive.la
analyzer_libihlive_la_SOURCES = analyzer/live/live.c analyzer/live/live.h analyzer/live/priv.h \
	analyzer/live/session.c
analyzer_libihlive_la_CFLAGS = $(AM_CFLAGS) $(BABELTRACE2_CFLAGS) $(SQLITE_CFLAGS)
analyzer_libihlive_la_LIBADD = analyzer/libihsink.la schemas/libihdb.la $(BABELTRACE2_LIBS) $(SQLITE_LIBS) -lpthread

# Tests: statistics of the comparison on synthetic databases (C, TAP);
# irqhop regress on real recordings (exit status, formats, the CI recipe);
# two test hosts in network namespaces streaming to lttng-relayd.
check_PROGRAMS += tests/regress_unit.t
tests_regress_unit_t_SOURCES = tests/regress_unit.c tests/tap.h
tests_regress_unit_t_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
tests_regress_unit_t_LDADD = analyzer/libihregress.la schemas/libihdb.la $(SQLITE_LIBS) $(JANSSON_LIBS) -lm
check_SCRIPTS += tests/regress.test tests/hosts.test
TESTS += tests/regress_unit.t tests/regress.test tests/hosts.test
EXTRA_DIST += tests/regress.test tests/hosts.test tests/lib/netns.sh
# The verdicts from hop_block against the per-interrupt path, on stock runs;
# tests/regress_paths prints the three ways (analyzer/regress/internal.h).
check_PROGRAMS += tests/regress_paths
tests_regress_paths_SOURCES = tests/regress_paths.c
tests_regress_paths_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
tests_regress_paths_LDADD = analyzer/libihregress.la schemas/libihdb.la $(SQLITE_LIBS) $(JANSSON_LIBS) -lm
check_SCRIPTS += tests/regress_blocks.test
TESTS += tests/regress_blocks.test
EXTRA_DIST += tests/regress_blocks.test
