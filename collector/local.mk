# collector/: the hypervisor model (collector/model/, one public header per
# module), the event catalogue and its LTTng-UST provider (collector/events/),
# and LTTng session control for irqhop record (collector/record/).  The
# scenario driver irqhop-runtime is built from cli/ (cli/local.mk).

# The runtime library.  Tracepoint call sites use dynamic linkage of the
# probes: the library itself never loads lttng-ust, so unit tests and
# sanitizer builds run it with tracing compiled in but inert; irqhop-runtime
# links the provider and so emits events.
noinst_LTLIBRARIES += collector/libihcollector.la
collector_libihcollector_la_SOURCES = \
	collector/events/tp.c collector/events/tp.h collector/events/irqhop_tp.h collector/events/enums.h \
	collector/events/clock.h collector/model/wfcq.h collector/model/futex.h collector/model/evcount.c collector/model/evcount.h \
	collector/model/spinlock.c collector/model/spinlock.h \
	collector/model/softirq.c collector/model/softirq.h \
	collector/model/tasklet.c collector/model/tasklet.h \
	collector/model/pcpu.c collector/model/pcpu.h \
	collector/model/vcpu.c collector/model/vcpu.h \
	collector/model/device.c collector/model/device.h \
	collector/model/notifier.c collector/model/notifier.h \
	collector/model/workqueue.c collector/model/workqueue.h \
	collector/model/irqfd.c collector/model/irqfd.h \
	collector/model/host.c collector/model/host.h collector/model/host_impl.h \
	collector/model/host_cpu.c collector/model/host_stats.c \
	collector/model/procstat.c collector/model/procstat.h \
	collector/model/scenario.c collector/model/scenario.h
collector_libihcollector_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS) $(JANSSON_CFLAGS)
collector_libihcollector_la_LIBADD = $(URCU_LIBS) $(JANSSON_LIBS) -ldl -lpthread -lm

# irqhop record: LTTng session control through liblttng-ctl.
noinst_LTLIBRARIES += collector/libihrecord.la
collector_libihrecord_la_SOURCES = collector/record/record.c collector/record/record.h \
	collector/record/outdir.c collector/record/outdir.h \
	collector/record/runner.c collector/record/runner.h \
	collector/record/session.c collector/record/session.h \
	collector/record/sessiond.c collector/record/sessiond.h \
	collector/record/kernel.c collector/record/kernel.h \
	collector/record/flight.c collector/record/flight.h
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
# --wrap: the test makes chosen thread creations fail (run_fails_to_start).
tests_collector_host_t_LDFLAGS = -Wl,--wrap=pthread_create
tests_collector_notifier_t_SOURCES = tests/collector_notifier.c tests/tap.h
tests_collector_notifier_t_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
tests_collector_notifier_t_LDADD = collector/libihcollector.la
