# bench/: benchmarks (make bench); they print ratios, never pass/fail on time.
