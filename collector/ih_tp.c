/* ih_tp.c - tracepoint definitions (see ih_tp.h for the linkage model). */
#include "config.h"
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "collector/irqhop_tp.h"
