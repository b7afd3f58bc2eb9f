/* collector/events/clock.h - the runtime's clock: CLOCK_MONOTONIC in ns, the clock LTTng
 * stamps events with, so durations measured here and in the trace agree. */
#ifndef IH_CLOCK_H
#define IH_CLOCK_H
#include <stdint.h>
#include <time.h>

static inline uint64_t ih_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A spin-wait hint: the userspace stand-in for cpu_relax(). */
static inline void ih_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}
#endif
