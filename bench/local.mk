# bench/: benchmarks (make bench).  They print measurements and ratios
# against references measured in the same run; they never pass or fail on
# time.  Figures for this machine are in docs/benchmarks.md.
EXTRA_PROGRAMS = bench/ih-bench-ops
bench_ih_bench_ops_SOURCES = bench/ih_bench_ops.c
bench_ih_bench_ops_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_ih_bench_ops_LDADD = collector/libihcollector.la
CLEANFILES += bench/ih-bench-ops
EXTRA_DIST += bench/run.sh

bench: bench/ih-bench-ops irqhop irqhop-runtime
	$(SHELL) $(top_srcdir)/bench/run.sh $(top_builddir)
.PHONY: bench
