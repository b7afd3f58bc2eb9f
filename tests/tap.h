/*
 * tap.h - a minimal TAP producer for the C unit tests (automake's
 * tap-driver.sh reads it).  Each check prints "ok N - what" or
 * "not ok N - what" with the failing expression and location.
 */
#ifndef IH_TAP_H
#define IH_TAP_H
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdarg.h>

static int tap_n, tap_failed;

#define tap_plan(n) printf("1..%d\n", (n))
#define ok(cond, ...) tap_ok_(!!(cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
#define is_u64(got, want, ...) do { \
	uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want); \
	if (!tap_ok_(g_ == w_, #got " == " #want, __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#   got %" PRIu64 ", want %" PRIu64 "\n", g_, w_); \
} while (0)
#define tap_bail(...) do { printf("Bail out! "); printf(__VA_ARGS__); printf("\n"); exit(1); } while (0)
#define tap_diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

static inline int __attribute__((format(printf, 5, 6)))
tap_ok_(int pass, const char *expr, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed: %s at %s:%d\n", expr, file, line);
	}
	fflush(stdout);
	return pass;
}

/* Prints the plan when none was declared up front; exit status 1 on failure. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
