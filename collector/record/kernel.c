/*
 * collector/record/kernel.c - the kernel channel of irqhop record --kvm; see
 * collector/record/kernel.h.
 */
#include "config.h"
#include "collector/record/kernel.h"
#include "collector/record/sessiond.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <lttng/lttng.h>

/* The kernel events recorded (lttng enable-event -k syntax: a trailing '*' is a wildcard).
 * kvm_* are those of the generic kvm probe (lttng-probe-kvm); the x86 ones (kvm_entry,
 * kvm_exit, kvm_inj_virq...) need lttng-probe-kvm-x86, which Debian's DKMS build lacks. */
static const char *const kern_events[] = {
	"kvm_*", "sched_switch", "sched_waking", "sched_wakeup", "workqueue_*",
	"irq_handler_*", "irq_softirq_*",
};

static const char *lterr(int code)
{
	return lttng_strerror(code > 0 ? -code : code);
}

/* 1 when a file named lttng-tracer.ko* lies under dir (depth <= 4), else 0. */
static int find_tracer(const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	int found = 0;

	if (depth > 4 || !(d = opendir(dir)))
		return 0;
	while (!found && (e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (strncmp(e->d_name, "lttng-tracer.ko", 15) == 0)
			found = 1;
		else if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path) &&
			 lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
			 strcmp(e->d_name, "kernel") != 0)   /* the kernel's own tree: never there */
			found = find_tracer(path, depth + 1);
	}
	closedir(d);
	return found;
}

int ih_kern_check(char *err, size_t errlen)
{
	struct utsname u;
	char dir[512];

	if (access("/dev/kvm", F_OK) != 0) {
		ih_sd_seterr(err, errlen, "/dev/kvm is absent: this host runs no KVM (load kvm_intel "
			"or kvm_amd on a host with hardware virtualization)");
		return -1;
	}
	if (geteuid() != 0) {
		ih_sd_seterr(err, errlen, "kernel tracing needs root: run irqhop record --kvm as root");
		return -1;
	}
	if (access("/sys/module/lttng_tracer", F_OK) == 0)
		return 0;   /* loaded */
	if (uname(&u) != 0) {
		ih_sd_seterr(err, errlen, "uname: %s", strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	if (!find_tracer(dir, 0)) {
		ih_sd_seterr(err, errlen, "the LTTng kernel modules for kernel %s are missing: install "
			"lttng-modules-dkms and linux-headers-%s (docs/kvm.md: the hrtimer build "
			"failure on Debian 12)", u.release, u.release);
		return -1;
	}
	return 0;
}

static void kernel_domain(struct lttng_domain *dom)
{
	memset(dom, 0, sizeof(*dom));
	dom->type = LTTNG_DOMAIN_KERNEL;
	dom->buf_type = LTTNG_BUFFER_GLOBAL;
}

/* Enables one kernel tracepoint rule (name or wildcard) in our channel. */
static int enable(struct lttng_handle *h, const char *session, const char *name,
		char *err, size_t errlen)
{
	struct lttng_event *ev = lttng_event_create();
	int ret;

	if (!ev) {
		ih_sd_seterr(err, errlen, "cannot allocate an LTTng event rule (out of memory?)");
		return -1;
	}
	ev->type = LTTNG_EVENT_TRACEPOINT;
	snprintf(ev->name, sizeof(ev->name), "%s", name);
	ev->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
	ev->loglevel = -1;
	ret = lttng_enable_event_with_exclusions(h, ev, IH_KERN_CHANNEL, NULL, 0, NULL);
	lttng_event_destroy(ev);
	if (ret < 0) {
		ih_sd_seterr(err, errlen, "cannot enable kernel events %s in session %s: %s", name,
			session, lterr(ret));
		return -1;
	}
	return 0;
}

int ih_kern_configure(struct ih_sess *s, char *err, size_t errlen)
{
	static const struct { enum lttng_event_context_type type; const char *name; } ctxs[] = {
		{ LTTNG_EVENT_CONTEXT_TID, "tid" },
		{ LTTNG_EVENT_CONTEXT_PROCNAME, "procname" },
	};
	struct lttng_domain dom;
	struct lttng_handle *h;
	struct lttng_channel *chan;
	size_t i;
	int ret = -1, rc;

	kernel_domain(&dom);
	h = lttng_create_handle(s->name, &dom);
	if (!h) {
		ih_sd_seterr(err, errlen, "cannot create a kernel handle for session %s", s->name);
		return -1;
	}
	chan = lttng_channel_create(&dom);
	if (!chan) {
		ih_sd_seterr(err, errlen, "cannot allocate an LTTng channel (out of memory?)");
		goto out;
	}
	snprintf(chan->name, sizeof(chan->name), "%s", IH_KERN_CHANNEL);
	chan->attr.overwrite = 0;
	chan->attr.subbuf_size = IH_KERN_SUBBUF_SIZE;
	chan->attr.num_subbuf = IH_KERN_NUM_SUBBUF;
	chan->attr.output = LTTNG_EVENT_MMAP;
	rc = lttng_enable_channel(h, chan);
	lttng_channel_destroy(chan);
	if (rc < 0) {
		ih_sd_seterr(err, errlen, "cannot create kernel channel %s in session %s: %s "
			"(is the session daemon root, with the LTTng kernel modules?)",
			IH_KERN_CHANNEL, s->name, lterr(rc));
		goto out;
	}
	for (i = 0; i < sizeof(kern_events) / sizeof(kern_events[0]); i++)
		if (enable(h, s->name, kern_events[i], err, errlen))
			goto out;
	for (i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		struct lttng_event_context ctx;

		memset(&ctx, 0, sizeof(ctx));
		ctx.ctx = ctxs[i].type;
		rc = lttng_add_context(h, &ctx, NULL, IH_KERN_CHANNEL);
		if (rc < 0) {
			ih_sd_seterr(err, errlen, "cannot add the %s context to kernel channel %s: %s",
				ctxs[i].name, IH_KERN_CHANNEL, lterr(rc));
			goto out;
		}
	}
	ret = 0;
out:
	lttng_destroy_handle(h);
	return ret;
}

int ih_kern_discarded(struct ih_sess *s, uint64_t *discarded, char *err, size_t errlen)
{
	struct lttng_domain dom;
	struct lttng_handle *h;
	struct lttng_channel *chans = NULL;
	int n, i, rc;

	*discarded = UINT64_MAX;
	kernel_domain(&dom);
	h = lttng_create_handle(s->name, &dom);
	if (!h) {
		ih_sd_seterr(err, errlen, "cannot create a kernel handle for session %s", s->name);
		return -1;
	}
	n = lttng_list_channels(h, &chans);
	lttng_destroy_handle(h);
	if (n < 0) {
		ih_sd_seterr(err, errlen, "cannot list the kernel channels of session %s: %s", s->name,
			lterr(n));
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint64_t d;

		if (strcmp(chans[i].name, IH_KERN_CHANNEL) != 0)
			continue;
		rc = lttng_channel_get_discarded_event_count(&chans[i], &d);
		if (rc < 0) {
			free(chans);
			ih_sd_seterr(err, errlen, "cannot read the discarded-event count of kernel channel "
				"%s: %s", IH_KERN_CHANNEL, lterr(rc));
			return -1;
		}
		*discarded = d;
	}
	free(chans);
	if (*discarded == UINT64_MAX) {
		ih_sd_seterr(err, errlen, "kernel channel %s is missing from session %s", IH_KERN_CHANNEL,
			s->name);
		return -1;
	}
	return 0;
}
