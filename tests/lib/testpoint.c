/*
 * tests/lib/testpoint.c - the test build's ih_test_point()
 * (analyzer/store/store.h): when IRQHOP_TEST_STOP_AT equals NAME, the
 * process stops itself with SIGSTOP so a test can SIGKILL it at exactly that
 * point of a run.  In the child that irqhop analyze decodes a trace in, it
 * stops irqhop analyze first: the test watches and kills that process (the
 * child dies with it).  Linked only into tests/irqhop-testhooks; it overrides the
 * weak, empty definition that ships (analyzer/store/testpoint.c explains).
 */
#include "config.h"
#include "analyzer/store/store.h"
#include "analyzer/graph/analyze.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void ih_test_point(const char *name)
{
	const char *at = getenv("IRQHOP_TEST_STOP_AT");

	if (at && strcmp(at, name) == 0) {
		if (ih_analyze_parent > 0)
			kill(ih_analyze_parent, SIGSTOP);
		raise(SIGSTOP);
	}
}
