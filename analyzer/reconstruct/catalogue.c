/*
 * analyzer/reconstruct/catalogue.c - names of events, paths and hops (see analyzer/reconstruct/catalogue.h).
 * None of these functions fail; unknown values map to NULL or -1.
 */
#include "config.h"
#include "analyzer/reconstruct/catalogue.h"

#include <string.h>

static const char *const ev_names[IH_EV_COUNT_] = {
	[IH_EV_OTHER] = NULL,
	[IH_EV_RUN_BEGIN] = "run_begin",
	[IH_EV_RUN_END] = "run_end",
	[IH_EV_IRQ_RAISE] = "irq_raise",
	[IH_EV_IRQ_ENTRY] = "irq_entry",
	[IH_EV_IRQ_EXIT] = "irq_exit",
	[IH_EV_TIMER_FIRE] = "timer_fire",
	[IH_EV_SOFTIRQ_RAISE] = "softirq_raise",
	[IH_EV_SOFTIRQ_ENTRY] = "softirq_entry",
	[IH_EV_SOFTIRQ_EXIT] = "softirq_exit",
	[IH_EV_TASKLET_SCHEDULE] = "tasklet_schedule",
	[IH_EV_TASKLET_ENTRY] = "tasklet_entry",
	[IH_EV_TASKLET_EXIT] = "tasklet_exit",
	[IH_EV_EVENTFD_SIGNAL] = "eventfd_signal",
	[IH_EV_NOTIFIER_ENTRY] = "notifier_entry",
	[IH_EV_NOTIFIER_EXIT] = "notifier_exit",
	[IH_EV_WORK_QUEUE] = "work_queue",
	[IH_EV_WORK_ENTRY] = "work_entry",
	[IH_EV_WORK_EXIT] = "work_exit",
	[IH_EV_INJECT] = "inject",
	[IH_EV_VCPU_KICK] = "vcpu_kick",
	[IH_EV_VCPU_ACK] = "vcpu_ack",
};

static const char *const path_names[IH_PATH_COUNT_] = {
	[IH_PATH_UNKNOWN] = "unknown",
	[IH_PATH_PASSTHROUGH] = "passthrough",
	[IH_PATH_TIMER] = "timer",
	[IH_PATH_IRQFD] = "irqfd",
	[IH_PATH_KVM_MSI] = "kvm-msi",
	[IH_PATH_KVM_IOAPIC] = "kvm-ioapic",
};

static const char *const hop_names[IH_HOP_COUNT_] = {
	[IH_HOP_DELIVERY] = "delivery",
	[IH_HOP_SCHEDULE] = "schedule",
	[IH_HOP_QUEUE] = "queue",
	[IH_HOP_ASSIST] = "assist",
	[IH_HOP_CALLBACK] = "callback",
	[IH_HOP_DEFER] = "defer",
	[IH_HOP_WORKER] = "worker",
	[IH_HOP_INJECT] = "inject",
	[IH_HOP_GUEST] = "guest",
	[IH_HOP_SIGNAL] = "signal",
	[IH_HOP_WAKE] = "wake",
	[IH_HOP_RUN] = "run",
	[IH_HOP_TOTAL] = "total",
};

int ih_cat_event_from_name(const char *name)
{
	const size_t plen = sizeof(IH_CAT_PROVIDER_PREFIX) - 1;

	if (strncmp(name, IH_CAT_PROVIDER_PREFIX, plen) != 0)
		return -1;
	name += plen;
	/* Called once per event class, not per event: a linear scan is fine. */
	for (int i = 1; i < IH_EV_COUNT_; i++)
		if (strcmp(name, ev_names[i]) == 0)
			return i;
	return IH_EV_OTHER;
}

const char *ih_cat_path_name(enum ih_path path)
{
	return (unsigned)path < IH_PATH_COUNT_ ? path_names[path] : NULL;
}

const char *ih_cat_hop_name(enum ih_hop hop)
{
	return (unsigned)hop < IH_HOP_COUNT_ ? hop_names[hop] : NULL;
}
