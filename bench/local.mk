# bench/: benchmarks (make bench).  They print measurements and ratios
# against references measured in the same run; they never pass or fail on
# time.  Figures for this machine are in docs/benchmarks.md.
EXTRA_PROGRAMS = bench/ih-bench-ops bench/ih-bench-trace bench/ih-bench-writer
bench_ih_bench_ops_SOURCES = bench/ops.c
bench_ih_bench_ops_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_ih_bench_ops_LDADD = collector/libihcollector.la
bench_ih_bench_trace_SOURCES = bench/trace.c collector/events/provider.c
bench_ih_bench_trace_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS)
bench_ih_bench_trace_LDADD = collector/libihcollector.la $(LTTNG_UST_LIBS) -ldl
# The analyzer's writer thread, CPU per interrupt (docs/benchmarks.md,
# "Writer CPU per interrupt"); run.sh runs it with the analyzer's section.
bench_ih_bench_writer_SOURCES = bench/writer.c
bench_ih_bench_writer_CFLAGS = $(IH_ANALYZER_CFLAGS)
bench_ih_bench_writer_LDADD = $(IH_ANALYZER_TEST_LDADD)
CLEANFILES += bench/ih-bench-ops bench/ih-bench-trace bench/ih-bench-writer
EXTRA_DIST += bench/run.sh bench/timer-only.json bench/analyze.sh bench/web.sh bench/web-mkdb.sh bench/kvm.sh bench/compare.sh

bench: bench/ih-bench-ops bench/ih-bench-trace bench/ih-bench-writer irqhop irqhop-runtime irqhop-kvm
	$(SHELL) $(top_srcdir)/bench/run.sh $(top_builddir)
.PHONY: bench
