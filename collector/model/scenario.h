/*
 * collector/model/scenario.h - what a run models: pCPUs, guests, devices, mechanisms,
 * duration, seed.  A scenario is a JSON document (docs/scenarios.md), either
 * one of the stock scenarios compiled in (selected by name) or a file;
 * command-line overrides are applied on top, and the resolved scenario is
 * written into the trace (run_begin) as JSON.
 */
#ifndef IH_SCENARIO_H
#define IH_SCENARIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model/spinlock.h"

#define IH_SC_MAX_GUESTS 16
#define IH_SC_MAX_DEVICES 64
#define IH_SC_MAX_VCPUS 64

enum ih_sc_guest_kind { IH_SC_BUSY = 0, IH_SC_IDLE = 1 };
enum ih_sc_device_kind { IH_SC_PASSTHROUGH = 0, IH_SC_IRQFD = 1 };

struct ih_sc_guest {
	char name[32];
	enum ih_sc_guest_kind kind;
	unsigned nvcpus;
	unsigned vcpu_pcpu[IH_SC_MAX_VCPUS];  /* home pCPU of each vCPU */
	double timer_hz;                      /* idle guests' periodic timer */
	unsigned timer_slop_us;               /* Xen's timer_slop coalescing (0 = spread) */
};

struct ih_sc_device {
	enum ih_sc_device_kind kind;
	unsigned guest;      /* index into guests */
	unsigned vcpu;       /* index of the vCPU in that guest */
	unsigned pcpu;       /* where its interrupts are raised */
	double rate_hz;
	bool poisson;
	uint32_t vector;
	uint64_t spike_every;  /* > 0: interrupts whose irq_id is a multiple of it spike */
	uint64_t spike_ns;     /* by that long (the handler spins), docs/scenarios.md */
};

struct ih_scenario {
	char name[64];
	char label[128];
	unsigned pcpus;
	double duration_s;
	uint64_t seed;
	int tasklet_mode;     /* enum ih_tasklet_mode */
	int notifier_mode;    /* 0 waitqueue, 1 srcu */
	uint64_t timeslice_ns;
	unsigned workers;     /* workqueue threads (irqfd, waitqueue mode) */
	unsigned nguests;
	struct ih_sc_guest guests[IH_SC_MAX_GUESTS];
	unsigned ndevices;
	struct ih_sc_device devices[IH_SC_MAX_DEVICES];
};

/* Overrides from the command line; a field is applied when its has_ flag
 * is set. */
struct ih_sc_overrides {
	bool has_tasklet, has_notifier, has_duration, has_rate, has_seed, has_pcpus, has_label;
	int tasklet_mode, notifier_mode;
	double duration_s, rate_hz;
	uint64_t seed;
	unsigned pcpus;
	const char *label;
};

/* Loads scenario NAME (a stock name) or the file at NAME (anything with a
 * '/' or ending in .json), applies OV, and resolves placements into OUT.
 * On failure returns -1 and writes one line into err: for a file,
 * "FILE:LINE:COL: ..." on a syntax error and "FILE: at KEY: expected ..." on
 * a bad value. */
int ih_scenario_load(const char *name, const struct ih_sc_overrides *ov,
		     struct ih_scenario *out, char *err, size_t errlen);

/* The resolved scenario as compact JSON (malloc'd; NULL on failure). */
char *ih_scenario_to_json(const struct ih_scenario *sc);

/* Names of the stock scenarios, NULL-terminated. */
extern const char *const ih_stock_scenarios[];

const char *ih_tasklet_mode_name(int mode);
const char *ih_notifier_mode_name(int mode);
#endif
