# collector/: the runtime library (one public header per module), the
# LTTng-UST provider, the scenario driver irqhop-runtime, and irqhop record.

# The runtime library.  Tracepoint call sites use dynamic linkage of the
# probes: the library itself never loads lttng-ust, so unit tests and
# sanitizer builds run it with tracing compiled in but inert; irqhop-runtime
# links the provider and so emits events.
noinst_LTLIBRARIES += collector/libihcollector.la
collector_libihcollector_la_SOURCES = \
	collector/ih_tp.c collector/ih_tp.h collector/irqhop_tp.h \
	collector/ih_clock.h collector/ih_wfcq.h collector/ih_notify.c collector/ih_notify.h \
	collector/ih_spinlock.c collector/ih_spinlock.h \
	collector/ih_softirq.c collector/ih_softirq.h \
	collector/ih_tasklet.c collector/ih_tasklet.h \
	collector/ih_pcpu.c collector/ih_pcpu.h \
	collector/ih_vcpu.c collector/ih_vcpu.h \
	collector/ih_device.c collector/ih_device.h \
	collector/ih_notifier.c collector/ih_notifier.h \
	collector/ih_workqueue.c collector/ih_workqueue.h \
	collector/ih_irqfd.c collector/ih_irqfd.h \
	collector/ih_host.c collector/ih_host.h \
	collector/ih_scenario.c collector/ih_scenario.h
collector_libihcollector_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS) $(JANSSON_CFLAGS)
collector_libihcollector_la_LIBADD = $(URCU_LIBS) $(JANSSON_LIBS) -ldl -lpthread -lm

# The scenario driver: a thin program over the library, plus the probes.
pkglibexec_PROGRAMS += irqhop-runtime
irqhop_runtime_SOURCES = collector/ih_runtime_main.c collector/ih_tp_provider.c
irqhop_runtime_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS) $(URCU_CFLAGS) $(JANSSON_CFLAGS)
irqhop_runtime_LDADD = collector/libihcollector.la $(LTTNG_UST_LIBS) -ldl -lpthread

# irqhop record: LTTng session control through liblttng-ctl.
noinst_LTLIBRARIES += collector/libihrecord.la
collector_libihrecord_la_SOURCES = collector/ih_record.c \
	collector/ih_session.c collector/ih_session.h \
	collector/ih_sessiond.c collector/ih_sessiond.h
collector_libihrecord_la_CFLAGS = $(AM_CFLAGS) $(LTTNG_CTL_CFLAGS) $(JANSSON_CFLAGS)
collector_libihrecord_la_LIBADD = $(LTTNG_CTL_LIBS) $(JANSSON_LIBS)

# Unit tests of the runtime (TAP).  They link the library without the
# provider, so they run with tracing inert and need no session daemon.
check_PROGRAMS += tests/collector_tasklet.t tests/collector_host.t tests/collector_notifier.t
TESTS += tests/collector_tasklet.t tests/collector_host.t tests/collector_notifier.t
tests_collector_tasklet_t_SOURCES = tests/collector_tasklet.c tests/tap.h
tests_collector_tasklet_t_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
tests_collector_tasklet_t_LDADD = collector/libihcollector.la
tests_collector_host_t_SOURCES = tests/collector_host.c tests/tap.h
tests_collector_host_t_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
tests_collector_host_t_LDADD = collector/libihcollector.la
tests_collector_notifier_t_SOURCES = tests/collector_notifier.c tests/tap.h
tests_collector_notifier_t_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
tests_collector_notifier_t_LDADD = collector/libihcollector.la
