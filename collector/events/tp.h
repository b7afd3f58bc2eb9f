/*
 * collector/events/tp.h - how runtime code emits events.
 *
 * Call sites use IH_TP(event, args...).  The probes are linked with dynamic
 * linkage: the runtime library holds the tracepoint definitions (collector/events/tp.c) but
 * not the provider, so a program that does not link collector/events/provider.c
 * (the unit tests) runs with every tracepoint inert; irqhop-runtime links it.
 */
#ifndef IH_TP_H
#define IH_TP_H
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "collector/events/irqhop_tp.h"

#define IH_TP(name, ...) lttng_ust_tracepoint(irqhop, name, __VA_ARGS__)
#define IH_TP_ENABLED(name) lttng_ust_tracepoint_enabled(irqhop, name)
#endif
