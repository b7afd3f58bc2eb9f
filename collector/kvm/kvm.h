/*
 * collector/kvm/kvm.h - a real KVM workload: one VM through /dev/kvm with the in-kernel
 * irqchip, N vCPU threads named as QEMU names them ("CPU n/KVM"), and one device thread per
 * vCPU that signals an irqfd bound to that vCPU's GSI.
 *
 * Interrupt path (docs/kvm.md): device thread i writes the interrupt's id into vCPU i's ring
 * in guest memory, emits irqhop:irq_raise and writes its eventfd; the kernel injects (MSI:
 * kvm_set_msi on the signalling thread; IOAPIC: irqfd_inject on a kworker); the halted vCPU
 * wakes, its guest handler drains the ring with one `out` to IH_KVM_PORT_ACK per id, and the
 * vCPU thread, at the KVM_EXIT_IO, emits irqhop:vcpu_ack with that id; the guest then EOIs.
 *
 * irq ids: ((vcpu + 1) << 32) | seq, seq = 1, 2, ... per device; unique in a run, never 0;
 * the guest acknowledges the low 32 bits and the vCPU thread rebuilds the id.
 *
 * Errors: functions returning int return 0 on success and -1 on failure with one line (no
 * prefix, no newline) in err naming what is missing or what failed.
 */
#ifndef IH_KVM_H
#define IH_KVM_H

#include <stddef.h>
#include <stdint.h>

#define IH_KVM_MAX_VCPUS 8
#define IH_KVM_VECTOR 0x40      /* the guest vector of every device interrupt */
#define IH_KVM_PORT_ACK 0x500   /* out: the low 32 bits of an acknowledged irq id */
#define IH_KVM_PORT_READY 0x501 /* out: the vCPU's guest finished its setup */
#define IH_KVM_PORT_FAULT 0x502 /* out: the guest took an exception */

enum ih_kvm_route { IH_KVM_ROUTE_MSI, IH_KVM_ROUTE_IOAPIC };
enum ih_kvm_arrival { IH_KVM_FIXED, IH_KVM_POISSON };

struct ih_kvm_config {
	enum ih_kvm_route route;
	enum ih_kvm_arrival arrival;
	unsigned vcpus;          /* 1..IH_KVM_MAX_VCPUS */
	double rate_hz;          /* per device (= per vCPU) */
	double duration_s;       /* how long the devices raise */
	uint64_t seed;           /* Poisson arrivals: device i draws from seed and i */
	const char *label;       /* run_begin's label */
};

struct ih_kvm_result {
	uint64_t raised;         /* eventfd writes */
	uint64_t acked;          /* acknowledgements seen on the vCPU threads */
	uint64_t dropped;        /* not raised: the vCPU's ring was full */
	int stop_signal;         /* the SIGINT/SIGTERM/SIGHUP that ended the raising, or 0 */
};

/* Checks that this process can run the workload: /dev/kvm exists and opens read-write,
 * the API version is 12 and the kernel has the in-kernel irqchip, irqfd, GSI routing and
 * KVM_CAP_IMMEDIATE_EXIT.  Returns 0, or -1 with err naming the first thing missing. */
int ih_kvm_check(char *err, size_t errlen);

/* Builds the VM, runs the devices for cfg->duration_s, waits (bounded) until every raised
 * interrupt is acknowledged, stops the vCPUs and tears everything down.  Emits run_begin,
 * irq_raise, vcpu_ack and run_end.  A SIGINT/SIGTERM/SIGHUP (which the caller blocks in every
 * thread beforehand; this function takes them with sigtimedwait) ends the raising early but
 * the run still drains.  On failure (setup, a guest fault, an unexpected exit, the drain
 * timing out) returns -1 with err set; *res holds the counts reached and nothing is left
 * running or open. */
int ih_kvm_run(const struct ih_kvm_config *cfg, struct ih_kvm_result *res,
		char *err, size_t errlen);

#endif
