/*
 * analyzer/store/testpoint.c - the test hook ih_test_point() (store.h).
 */
#include "config.h"
#include "analyzer/store/store.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void ih_test_point(const char *name)
{
	const char *at = getenv("IRQHOP_TEST_STOP_AT");

	if (at && strcmp(at, name) == 0)
		raise(SIGSTOP);
}
