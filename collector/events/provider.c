/* collector/events/provider.c - the irqhop tracepoint provider (probes).  Linked only
 * into irqhop-runtime, which therefore loads liblttng-ust and registers with
 * the session daemon; see collector/events/tp.h. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "collector/events/irqhop_tp.h"
