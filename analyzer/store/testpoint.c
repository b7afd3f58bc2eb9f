/*
 * analyzer/store/testpoint.c - ih_test_point() as shipped: it does nothing.
 *
 * How the test hooks stay out of shipped binaries: the analyzer calls
 * ih_test_point(NAME) at the points a SIGKILL-atomicity test needs
 * (decoding, finishing, indexing, committing), and this definition is weak
 * and empty, so irqhop, the babeltrace2 plugin and every installed program
 * contain no code that reads IRQHOP_TEST_STOP_AT or stops the process.  The
 * strong definition that does (getenv + raise(SIGSTOP)) is
 * tests/lib/testpoint.c, linked only into tests/irqhop-testhooks: irqhop's
 * own sources and libraries plus that file, a check_PROGRAM, so `make check`
 * and `make distcheck` build it and never install it (analyzer/local.mk).
 * An object file's strong definition wins over this weak one at link time.
 */
#include "config.h"
#include "analyzer/store/store.h"

__attribute__((weak)) void ih_test_point(const char *name)
{
	(void)name;
}
