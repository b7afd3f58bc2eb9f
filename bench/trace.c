/*
 * bench/trace.c - the cost of one irqhop event: emits N small events
 * (irq_entry: two integers) in a loop and prints ns per event.  Run it once
 * with no session (the tracepoint is registered but disabled) and once
 * inside a session that enables irqhop:* (bench/run.sh does both).
 */
#include "config.h"
#include "collector/events/clock.h"
#include "collector/events/tp.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	uint64_t t0;

	if (n < 1000)
		n = 1000;
	t0 = ih_now_ns();
	for (long i = 0; i < n; i++)
		IH_TP(irq_entry, (uint64_t)i + 1, 0);
	printf("%.2f\n", (double)(ih_now_ns() - t0) / (double)n);
	return 0;
}
