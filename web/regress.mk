# web/regress.mk: irqhop regress (run comparison for CI gates and for the
# dashboard's compare page), the live follower of irqhop analyze --live,
# and their tests.  Included from Makefile.am after web/local.mk.

# The comparison library (web/ih_regress.h): used by irqhop regress and by
# the web server's compare handler, both inside the irqhop binary.
noinst_LTLIBRARIES += web/libihregress.la
web_libihregress_la_SOURCES = web/ih_regress.c web/ih_regress.h web/ih_regress_main.c
web_libihregress_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
web_libihregress_la_LIBADD = schemas/libihdb.la $(SQLITE_LIBS) $(JANSSON_LIBS) -lm

# irqhop analyze --live net://HOST: follows live sessions of lttng-relayd
# through src.ctf.lttng-live and commits one run per session when it ends.
noinst_LTLIBRARIES += analyzer/libihlive.la
analyzer_libihlive_la_SOURCES = analyzer/ih_live.c analyzer/ih_live.h
analyzer_libihlive_la_CFLAGS = $(AM_CFLAGS) $(BABELTRACE2_CFLAGS) $(SQLITE_CFLAGS)
analyzer_libihlive_la_LIBADD = analyzer/libihsink.la schemas/libihdb.la $(BABELTRACE2_LIBS) $(SQLITE_LIBS) -lpthread

# Tests: statistics of the comparison on synthetic databases (C, TAP);
# irqhop regress on real recordings (exit status, formats, the CI recipe);
# two test hosts in network namespaces streaming to lttng-relayd.
check_PROGRAMS += tests/regress_unit.t
tests_regress_unit_t_SOURCES = tests/regress_unit.c tests/tap.h
tests_regress_unit_t_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
tests_regress_unit_t_LDADD = web/libihregress.la schemas/libihdb.la $(SQLITE_LIBS) $(JANSSON_LIBS) -lm
check_SCRIPTS += tests/regress.test tests/hosts.test
TESTS += tests/regress_unit.t tests/regress.test tests/hosts.test
EXTRA_DIST += tests/regress.test tests/hosts.test tests/lib/netns.sh
