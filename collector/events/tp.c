/* collector/events/tp.c - tracepoint definitions (see collector/events/tp.h for the linkage model). */
#include "config.h"
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "collector/events/irqhop_tp.h"
