# cli/: the irqhop front command.
bin_PROGRAMS += irqhop
irqhop_SOURCES = \
	cli/irqhop.c cli/cmd.h cli/opts.h \
	cli/demo.c \
	cli/record_main.c \
	cli/analyze_main.c \
	cli/live_main.c \
	cli/serve_main.c \
	cli/regress_main.c \
	cli/export_main.c
irqhop_CFLAGS = $(AM_CFLAGS) $(LTTNG_CTL_CFLAGS) $(BABELTRACE2_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
irqhop_LDADD = collector/libihrecord.la analyzer/libihanalyzer.la analyzer/libihlive.la web/libihweb.la \
	analyzer/libihregress.la analyzer/libihexport.la schemas/libihdb.la \
	$(LTTNG_CTL_LIBS) $(BABELTRACE2_LIBS) $(MHD_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) -lpthread

# The scenario driver: a thin program over the model library, plus the probes.
pkglibexec_PROGRAMS += irqhop-runtime
irqhop_runtime_SOURCES = cli/runtime_main.c cli/runtime_signals.c cli/runtime_signals.h collector/events/provider.c
irqhop_runtime_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS) $(URCU_CFLAGS) $(JANSSON_CFLAGS)
irqhop_runtime_LDADD = collector/libihcollector.la $(LTTNG_UST_LIBS) -ldl -lpthread

# The real KVM workload (docs/kvm.md): a VM through /dev/kvm, plus the probes.
pkglibexec_PROGRAMS += irqhop-kvm
irqhop_kvm_SOURCES = cli/kvm_main.c cli/opts.h collector/kvm/kvm.c collector/kvm/kvm.h \
	collector/events/provider.c
irqhop_kvm_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS)
irqhop_kvm_LDADD = collector/libihcollector.la $(LTTNG_UST_LIBS) -ldl -lpthread -lm

# The runtime's signal thread, tested alone (cli/runtime_signals.h).
check_PROGRAMS += tests/collector_signals.t
TESTS += tests/collector_signals.t
tests_collector_signals_t_SOURCES = tests/collector_signals.c tests/tap.h cli/runtime_signals.c cli/runtime_signals.h
tests_collector_signals_t_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
tests_collector_signals_t_LDADD = collector/libihcollector.la -lpthread
