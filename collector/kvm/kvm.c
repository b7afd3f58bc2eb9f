/*
 * collector/kvm/kvm.c - see collector/kvm/kvm.h.
 *
 * Guest (flat 32-bit protected mode, paging off, set up with KVM_SET_SREGS; guest-physical
 * layout below): every vCPU runs the same code with EBX = its index and its own stack.  It
 * software-enables its LAPIC, programs IOAPIC pin 16 + i (vector IH_KVM_VECTOR, fixed,
 * physical destination APIC ID i, edge, unmasked), reports ready by port I/O, then loops on
 * sti; hlt.  The handler drains the vCPU's ring (head written by the device thread, tail by
 * the guest): one `out IH_KVM_PORT_ACK` per id, then the LAPIC EOI.  Interrupts raised while
 * the handler runs are either drained by it or left pending in the LAPIC's IRR and taken
 * after the EOI, so none is lost however they coalesce.
 *
 * Threads, states and transitions (all counters only grow):
 *   vCPU thread i:   STARTING --(guest outs READY)--> READY --(stop)--> DONE
 *                    any state --(fault / unexpected exit / KVM_RUN error)--> FAILED
 *   device thread i: WAITING (for start) --> RAISING --(deadline or stop)--> DONE
 *   ih_kvm_run:      SETUP --> vCPUs READY (bounded wait) --> devices start --> devices DONE
 *                    --> DRAIN (acked == raised, bounded) --> STOP (immediate_exit + SIGUSR1 to
 *                    each vCPU thread) --> JOINED
 * Invariants: acked_i <= raised_i (an id is acknowledged only after its irq_raise, which is
 * emitted before the ring publishes it); a device raises only while `phase` is RAISING; every
 * thread started is joined before ih_kvm_run returns.
 */
#include "config.h"
#include "collector/kvm/kvm.h"
#include "collector/events/tp.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Guest-physical layout (1 MiB of RAM at 0; the LAPIC and IOAPIC pages are the kernel's). */
#define G_MEM_SIZE 0x100000u
#define G_IDT 0x0000u
#define G_GDT 0x0800u
#define G_CODE 0x1000u
#define G_RING 0x2000u        /* + i * G_RING_STRIDE: head u32, tail u32, pad, slots u64[] */
#define G_RING_STRIDE 0x400u
#define G_RING_SLOTS 64u
#define G_STACK 0x10000u      /* vCPU i's stack top: G_STACK + (i + 1) * 0x1000 */
#define G_LAPIC 0xfee00000u
#define G_IOAPIC 0xfec00000u
#define G_IOAPIC_PIN0 16u     /* pins 16..23: not shared with the PIC */
#define G_MSI_GSI0 24u

#define STR_(x) #x
#define STR(x) STR_(x)

/* The guest's code; copied to G_CODE.  AT&T syntax, 32-bit. */
__asm__(
	".pushsection .rodata\n"
	".globl ih_kvm_guest_start, ih_kvm_guest_handler, ih_kvm_guest_spurious\n"
	".globl ih_kvm_guest_fault, ih_kvm_guest_end\n"
	".code32\n"
	"ih_kvm_guest_start:\n"
	"	movl $0x1ff, 0xfee000f0\n"         /* SVR: APIC enabled, spurious vector 0xff */
	"	movl $0, 0xfee00080\n"             /* TPR 0 */
	"	leal 0x31(,%ebx,2), %eax\n"        /* IOREDTBL(16 + i) high dword */
	"	movl %eax, 0xfec00000\n"
	"	movl %ebx, %ecx\n"
	"	shll $24, %ecx\n"
	"	movl %ecx, 0xfec00010\n"           /* destination: APIC ID i */
	"	decl %eax\n"                        /* low dword */
	"	movl %eax, 0xfec00000\n"
	"	movl $" STR(IH_KVM_VECTOR) ", 0xfec00010\n" /* fixed, physical, edge, unmasked */
	"	movw $" STR(IH_KVM_PORT_READY) ", %dx\n"
	"	outl %eax, %dx\n"
	"1:	sti\n"
	"	hlt\n"
	"	jmp 1b\n"
	"ih_kvm_guest_handler:\n"
	"	pushal\n"
	"	movl %ebx, %esi\n"
	"	shll $10, %esi\n"                  /* G_RING_STRIDE */
	"	addl $" STR(G_RING) ", %esi\n"
	"2:	movl 4(%esi), %ecx\n"              /* tail */
	"	cmpl (%esi), %ecx\n"               /* head */
	"	je 3f\n"
	"	movl %ecx, %edx\n"
	"	andl $63, %edx\n"                  /* G_RING_SLOTS - 1 */
	"	movl 16(%esi,%edx,8), %eax\n"      /* the id's low 32 bits */
	"	movw $" STR(IH_KVM_PORT_ACK) ", %dx\n"
	"	outl %eax, %dx\n"
	"	incl %ecx\n"
	"	movl %ecx, 4(%esi)\n"
	"	jmp 2b\n"
	"3:	movl $0, 0xfee000b0\n"             /* EOI */
	"	popal\n"
	"	iret\n"
	"ih_kvm_guest_spurious:\n"
	"	iret\n"
	"ih_kvm_guest_fault:\n"
	"	movw $" STR(IH_KVM_PORT_FAULT) ", %dx\n"
	"	outl %eax, %dx\n"
	"4:	cli\n"
	"	hlt\n"
	"	jmp 4b\n"
	"ih_kvm_guest_end:\n"
	".code64\n"
	".popsection\n");

extern const unsigned char ih_kvm_guest_start[], ih_kvm_guest_handler[],
	ih_kvm_guest_spurious[], ih_kvm_guest_fault[], ih_kvm_guest_end[];

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- capability check ------------------------------------------------------------ */

/* Opens /dev/kvm; -1 with err naming why (absent, permission, other). */
static int open_kvm(char *err, size_t errlen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		seterr(err, errlen, "/dev/kvm is absent (no KVM here: load kvm_intel or kvm_amd "
			"on a host with hardware virtualization)");
	else if (errno == EACCES || errno == EPERM)
		seterr(err, errlen, "no permission to open /dev/kvm read-write (join the kvm "
			"group or run as root)");
	else
		seterr(err, errlen, "cannot open /dev/kvm: %s", strerror(errno));
	return -1;
}

int ih_kvm_check(char *err, size_t errlen)
{
	static const struct { int cap; const char *name; } caps[] = {
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
		{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
		{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
		{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	};
	int fd = open_kvm(err, errlen), v;
	size_t i;

	if (fd < 0)
		return -1;
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		seterr(err, errlen, "/dev/kvm has API version %d, not %d", v, KVM_API_VERSION);
		close(fd);
		return -1;
	}
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (ioctl(fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			seterr(err, errlen, "%s missing in this kernel's KVM", caps[i].name);
			close(fd);
			return -1;
		}
	close(fd);
	return 0;
}

/* ---- the run ----------------------------------------------------------------------- */

enum vcpu_state { VS_STARTING, VS_READY, VS_DONE, VS_FAILED };
enum phase { PH_SETUP, PH_RAISING, PH_STOP };

struct run;

struct vcpu {
	struct run *run;
	unsigned idx;
	int fd;
	struct kvm_run *kr;
	size_t kr_size;
	pthread_t thread;
	bool started;
	enum vcpu_state state;        /* under run->mu */
	char err[256];                /* set with state FAILED */
	atomic_uint_fast64_t acked;
};

struct device {
	struct run *run;
	unsigned idx;
	int efd;
	pthread_t thread;
	bool started;
	bool done;                    /* under run->mu */
	uint64_t rng;
	atomic_uint_fast64_t raised;
	atomic_uint_fast64_t dropped;
};

struct run {
	const struct ih_kvm_config *cfg;
	int kvm, vm;
	unsigned char *mem;
	struct vcpu vcpu[IH_KVM_MAX_VCPUS];
	struct device dev[IH_KVM_MAX_VCPUS];
	pthread_mutex_t mu;
	pthread_cond_t cv;            /* CLOCK_MONOTONIC; ih_kvm_run waits: vCPU states, device
				       * done, acks while draining */
	pthread_cond_t dev_cv;        /* CLOCK_MONOTONIC; devices wait: phase changes only (so
				       * an ack wakes no device thread: no noise in the trace) */
	atomic_bool draining;         /* acks broadcast cv only from then on */
	enum phase phase;             /* under mu */
	struct timespec deadline;     /* end of raising */
	atomic_bool stopping;         /* vCPU threads: leave at the next exit */
	int stop_signal;              /* under mu: the signal that ended the raising */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec ts_of(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	return ts;
}

static volatile uint32_t *ring_u32(struct run *r, unsigned i, unsigned word)
{
	return (volatile uint32_t *)(r->mem + G_RING + i * G_RING_STRIDE + 4u * word);
}

/* splitmix64: the seeded stream of one device's Poisson arrivals. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t next_gap_ns(struct device *d)
{
	double mean = 1e9 / d->run->cfg->rate_hz, u;

	if (d->run->cfg->arrival == IH_KVM_FIXED)
		return (uint64_t)mean;
	u = ((double)(rng_next(&d->rng) >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
	return (uint64_t)(-log(u) * mean);
}

/* Marks vCPU V failed with a message; wakes ih_kvm_run. */
static void vcpu_fail(struct vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vcpu_fail(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&v->run->mu);
	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	v->state = VS_FAILED;
	pthread_cond_broadcast(&v->run->cv);
	pthread_mutex_unlock(&v->run->mu);
}

static void vcpu_set_state(struct vcpu *v, enum vcpu_state from, enum vcpu_state to)
{
	pthread_mutex_lock(&v->run->mu);
	assert(v->state == from);
	v->state = to;
	pthread_cond_broadcast(&v->run->cv);
	pthread_mutex_unlock(&v->run->mu);
}

/* A port I/O exit: READY, an acknowledgement or a fault.  Returns false when the vCPU
 * must stop (failed). */
static bool vcpu_io(struct vcpu *v)
{
	struct kvm_run *kr = v->kr;
	uint32_t data;

	if (kr->io.direction != KVM_EXIT_IO_OUT || kr->io.size != 4 || kr->io.count != 1) {
		vcpu_fail(v, "vCPU %u: unexpected port I/O (port 0x%x, size %u)", v->idx,
			kr->io.port, kr->io.size);
		return false;
	}
	memcpy(&data, (const char *)kr + kr->io.data_offset, sizeof(data));
	switch (kr->io.port) {
	case IH_KVM_PORT_ACK: {
		uint64_t id = ((uint64_t)(v->idx + 1) << 32) | data;
		int cpu = sched_getcpu();

		IH_TP(vcpu_ack, id, v->idx, cpu < 0 ? UINT32_MAX : (uint32_t)cpu, 0);
		atomic_fetch_add(&v->acked, 1);
		if (atomic_load(&v->run->draining)) {
			pthread_mutex_lock(&v->run->mu);
			pthread_cond_broadcast(&v->run->cv);
			pthread_mutex_unlock(&v->run->mu);
		}
		return true;
	}
	case IH_KVM_PORT_READY:
		vcpu_set_state(v, VS_STARTING, VS_READY);
		return true;
	case IH_KVM_PORT_FAULT:
		vcpu_fail(v, "vCPU %u: the guest took an exception", v->idx);
		return false;
	default:
		vcpu_fail(v, "vCPU %u: port I/O to unexpected port 0x%x", v->idx, kr->io.port);
		return false;
	}
}

static void kick_handler(int sig)
{
	(void)sig;   /* only makes KVM_RUN return EINTR */
}

static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	char name[16];
	sigset_t kick;

	snprintf(name, sizeof(name), "CPU %u/KVM", v->idx);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	for (;;) {
		if (atomic_load(&v->run->stopping))
			break;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* The kick (immediate_exit set by ih_kvm_run, and SIGUSR1): re-arm;
				 * stopping, set before the kick, ends the loop.  The field is
				 * shared with the kernel and ih_kvm_run: atomic accesses. */
				__atomic_store_n(&v->kr->immediate_exit, 0, __ATOMIC_RELAXED);
				continue;
			}
			vcpu_fail(v, "vCPU %u: KVM_RUN: %s", v->idx, strerror(errno));
			return NULL;
		}
		switch (v->kr->exit_reason) {
		case KVM_EXIT_IO:
			if (!vcpu_io(v))
				return NULL;
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			vcpu_fail(v, "vCPU %u: unexpected exit reason %u", v->idx,
				v->kr->exit_reason);
			return NULL;
		}
	}
	pthread_mutex_lock(&v->run->mu);
	if (v->state == VS_READY || v->state == VS_STARTING)
		v->state = VS_DONE;
	pthread_cond_broadcast(&v->run->cv);
	pthread_mutex_unlock(&v->run->mu);
	return NULL;
}

static void *device_main(void *arg)
{
	struct device *d = arg;
	struct run *r = d->run;
	uint32_t source = r->cfg->route == IH_KVM_ROUTE_MSI ? IH_TP_SRC_KVM_MSI : IH_TP_SRC_KVM_IOAPIC;
	uint64_t seq = 0, next, end;
	char name[16];

	snprintf(name, sizeof(name), "irqhop-dev%u", d->idx);
	pthread_setname_np(pthread_self(), name);
	pthread_mutex_lock(&r->mu);
	while (r->phase == PH_SETUP)
		pthread_cond_wait(&r->dev_cv, &r->mu);
	end = (uint64_t)r->deadline.tv_sec * 1000000000u + (uint64_t)r->deadline.tv_nsec;
	next = now_ns() + next_gap_ns(d);
	while (r->phase == PH_RAISING && next < end) {
		struct timespec ts = ts_of(next);
		volatile uint32_t *head = ring_u32(r, d->idx, 0), *tail = ring_u32(r, d->idx, 1);
		uint64_t id, one = 1;
		uint32_t h;
		int rc = pthread_cond_timedwait(&r->dev_cv, &r->mu, &ts);

		if (rc != ETIMEDOUT)
			continue;      /* woken (a phase change, or spuriously): re-check */
		pthread_mutex_unlock(&r->mu);
		h = __atomic_load_n(head, __ATOMIC_RELAXED);
		if (h - __atomic_load_n(tail, __ATOMIC_ACQUIRE) >= G_RING_SLOTS) {
			atomic_fetch_add(&d->dropped, 1);
		} else {
			id = ((uint64_t)(d->idx + 1) << 32) | (uint32_t)++seq;
			memcpy(r->mem + G_RING + d->idx * G_RING_STRIDE + 16 + 8 * (h % G_RING_SLOTS),
				&id, sizeof(id));
			/* irq_raise before the ring publishes the id: the guest can drain it
			 * (and the vCPU thread acknowledge it) as soon as head moves. */
			IH_TP(irq_raise, id, source, IH_KVM_VECTOR, d->idx);
			__atomic_store_n(head, h + 1, __ATOMIC_RELEASE);
			if (write(d->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
				abort();   /* an eventfd write of 1 cannot fail short of a bug */
			atomic_fetch_add(&d->raised, 1);
		}
		next += next_gap_ns(d);
		pthread_mutex_lock(&r->mu);
	}
	d->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void put_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffffu;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

/* Writes the IDT, GDT and code into guest memory. */
static void guest_image(struct run *r)
{
	static const uint64_t gdt[3] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	size_t len = (size_t)(ih_kvm_guest_end - ih_kvm_guest_start);
	unsigned vec;

	memcpy(r->mem + G_GDT, gdt, sizeof(gdt));
	memcpy(r->mem + G_CODE, ih_kvm_guest_start, len);
	for (vec = 0; vec < 256; vec++) {
		const unsigned char *h = vec < 32 ? ih_kvm_guest_fault :
			vec == IH_KVM_VECTOR ? ih_kvm_guest_handler : ih_kvm_guest_spurious;
		uint32_t off = G_CODE + (uint32_t)(h - ih_kvm_guest_start);
		uint64_t gate = (off & 0xffffu) | (0x08ull << 16) | (0x8e00ull << 32) |
			((uint64_t)(off & 0xffff0000u) << 32);

		memcpy(r->mem + G_IDT + 8 * vec, &gate, sizeof(gate));
	}
}

/* The GSI routing table: GSI 16+i -> IOAPIC pin 16+i and GSI 24+i -> MSI to APIC ID i. */
static int set_routing(struct run *r, char *err, size_t errlen)
{
	unsigned n = r->cfg->vcpus, i;
	struct kvm_irq_routing *rt = calloc(1, sizeof(*rt) + 2 * n * sizeof(rt->entries[0]));
	int rc;

	if (!rt) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	rt->nr = 2 * n;
	for (i = 0; i < n; i++) {
		struct kvm_irq_routing_entry *io = &rt->entries[2 * i], *msi = &rt->entries[2 * i + 1];

		io->gsi = G_IOAPIC_PIN0 + i;
		io->type = KVM_IRQ_ROUTING_IRQCHIP;
		io->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		io->u.irqchip.pin = G_IOAPIC_PIN0 + i;
		msi->gsi = G_MSI_GSI0 + i;
		msi->type = KVM_IRQ_ROUTING_MSI;
		msi->u.msi.address_lo = G_LAPIC | (i << 12);
		msi->u.msi.address_hi = 0;
		msi->u.msi.data = IH_KVM_VECTOR;     /* fixed, edge */
	}
	rc = ioctl(r->vm, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	if (rc < 0) {
		seterr(err, errlen, "KVM_SET_GSI_ROUTING: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int vcpu_setup(struct run *r, struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	int sz;

	v->fd = ioctl(r->vm, KVM_CREATE_VCPU, (unsigned long)v->idx);
	if (v->fd < 0) {
		seterr(err, errlen, "KVM_CREATE_VCPU %u: %s", v->idx, strerror(errno));
		return -1;
	}
	sz = ioctl(r->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0) {
		seterr(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	v->kr = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->kr == MAP_FAILED) {
		v->kr = NULL;
		seterr(err, errlen, "mmap of vCPU %u's kvm_run: %s", v->idx, strerror(errno));
		return -1;
	}
	v->kr_size = (size_t)sz;
	/* Keep the reset state's APIC base and TR; replace segments and control registers. */
	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0) {
		seterr(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	put_seg(&sr.cs, 0x08, 11);
	put_seg(&sr.ds, 0x10, 3);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = G_GDT;
	sr.gdt.limit = 3 * 8 - 1;
	sr.idt.base = G_IDT;
	sr.idt.limit = 256 * 8 - 1;
	sr.cr0 = 0x11;     /* PE | ET */
	sr.cr4 = 0;
	sr.efer = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0) {
		seterr(err, errlen, "KVM_SET_SREGS: %s", strerror(errno));
		return -1;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = G_CODE;
	regs.rsp = G_STACK + (v->idx + 1) * 0x1000u;
	regs.rbx = v->idx;
	regs.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
		seterr(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	/* With the in-kernel irqchip an AP waits for INIT/SIPI; this guest has no BIOS. */
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
		seterr(err, errlen, "KVM_SET_MP_STATE: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* KVM and VM file descriptors, memory, irqchip, routing, vCPUs and irqfds. */
static int vm_setup(struct run *r, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region mr;
	unsigned i;

	r->kvm = open_kvm(err, errlen);
	if (r->kvm < 0)
		return -1;
	r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0);
	if (r->vm < 0) {
		seterr(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	/* Intel without unrestricted guest needs it; elsewhere harmless. */
	(void)ioctl(r->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	if (ioctl(r->vm, KVM_CREATE_IRQCHIP, 0) < 0) {
		seterr(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	r->mem = mmap(NULL, G_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->mem == MAP_FAILED) {
		r->mem = NULL;
		seterr(err, errlen, "mmap of guest memory: %s", strerror(errno));
		return -1;
	}
	guest_image(r);
	memset(&mr, 0, sizeof(mr));
	mr.slot = 0;
	mr.guest_phys_addr = 0;
	mr.memory_size = G_MEM_SIZE;
	mr.userspace_addr = (uintptr_t)r->mem;
	if (ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
		seterr(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	if (set_routing(r, err, errlen))
		return -1;
	for (i = 0; i < r->cfg->vcpus; i++)
		if (vcpu_setup(r, &r->vcpu[i], err, errlen))
			return -1;
	for (i = 0; i < r->cfg->vcpus; i++) {
		struct kvm_irqfd irqfd;

		r->dev[i].efd = eventfd(0, EFD_CLOEXEC);
		if (r->dev[i].efd < 0) {
			seterr(err, errlen, "eventfd: %s", strerror(errno));
			return -1;
		}
		memset(&irqfd, 0, sizeof(irqfd));
		irqfd.fd = (uint32_t)r->dev[i].efd;
		irqfd.gsi = r->cfg->route == IH_KVM_ROUTE_MSI ? G_MSI_GSI0 + i : G_IOAPIC_PIN0 + i;
		if (ioctl(r->vm, KVM_IRQFD, &irqfd) < 0) {
			seterr(err, errlen, "KVM_IRQFD (GSI %u): %s", irqfd.gsi, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void vm_teardown(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->cfg->vcpus; i++) {
		if (r->dev[i].efd >= 0)
			close(r->dev[i].efd);
		if (r->vcpu[i].kr)
			munmap(r->vcpu[i].kr, r->vcpu[i].kr_size);
		if (r->vcpu[i].fd >= 0)
			close(r->vcpu[i].fd);
	}
	if (r->vm >= 0)
		close(r->vm);
	if (r->kvm >= 0)
		close(r->kvm);
	if (r->mem)
		munmap(r->mem, G_MEM_SIZE);
}

/* Returns the first failed vCPU, or NULL.  Caller holds mu. */
static struct vcpu *failed_vcpu(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->cfg->vcpus; i++)
		if (r->vcpu[i].state == VS_FAILED)
			return &r->vcpu[i];
	return NULL;
}

static uint64_t sum_raised(struct run *r)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < r->cfg->vcpus; i++)
		n += atomic_load(&r->dev[i].raised);
	return n;
}

static uint64_t sum_acked(struct run *r)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < r->cfg->vcpus; i++)
		n += atomic_load(&r->vcpu[i].acked);
	return n;
}

/* Polls the caller's stop signals without blocking; the signal taken, or 0. */
static int stop_signal_pending(void)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	int sig = sigtimedwait(&s, NULL, &zero);

	return sig > 0 ? sig : 0;
}

/* Waits under mu, in slices of 100 ms (so a stop signal is seen), until pred holds, a vCPU
 * fails, or deadline_ns passes.  Returns 0 when pred holds, -1 otherwise (err set). */
static int wait_until(struct run *r, bool (*pred)(struct run *), uint64_t deadline_ns,
		bool stop_on_signal, const char *what, char *err, size_t errlen)
{
	struct vcpu *f;

	for (;;) {
		uint64_t now = now_ns(), until;
		struct timespec ts;

		if ((f = failed_vcpu(r))) {
			seterr(err, errlen, "%s", f->err);
			return -1;
		}
		if (pred(r))
			return 0;
		if (now >= deadline_ns) {
			seterr(err, errlen, "%s", what);
			return -1;
		}
		if (stop_on_signal) {
			int sig;

			pthread_mutex_unlock(&r->mu);
			if ((sig = stop_signal_pending())) {
				pthread_mutex_lock(&r->mu);
				if (!r->stop_signal)
					r->stop_signal = sig;
				r->phase = PH_STOP;
				pthread_cond_broadcast(&r->dev_cv);
			} else {
				pthread_mutex_lock(&r->mu);
			}
		}
		until = now + 100000000u < deadline_ns ? now + 100000000u : deadline_ns;
		ts = ts_of(until);
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
}

static bool all_ready(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->cfg->vcpus; i++)
		if (r->vcpu[i].state != VS_READY)
			return false;
	return true;
}

static bool devices_done(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->cfg->vcpus; i++)
		if (!r->dev[i].done)
			return false;
	return true;
}

static bool drained(struct run *r)
{
	return sum_acked(r) >= sum_raised(r);
}

static void scenario_json(const struct ih_kvm_config *cfg, char *buf, size_t len)
{
	size_t o;
	unsigned i;

	o = (size_t)snprintf(buf, len, "{\"name\":\"kvm\",\"workload\":\"kvm\",\"route\":\"%s\","
		"\"arrival\":\"%s\",\"rate_hz\":%g,\"guests\":[{\"name\":\"kvm0\",\"kind\":\"kvm\","
		"\"vcpu_pcpus\":[", cfg->route == IH_KVM_ROUTE_MSI ? "msi" : "ioapic",
		cfg->arrival == IH_KVM_FIXED ? "fixed" : "poisson", cfg->rate_hz);
	for (i = 0; i < cfg->vcpus && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s-1", i ? "," : "");
	if (o < len)
		snprintf(buf + o, len - o, "]}]}");
}

int ih_kvm_run(const struct ih_kvm_config *cfg, struct ih_kvm_result *res,
		char *err, size_t errlen)
{
	struct run *r;
	struct sigaction sa, old_sa;
	sigset_t kick, old_mask;
	pthread_condattr_t ca;
	char json[512];
	unsigned i;
	int ret = -1, sub = 0;
	uint64_t t;

	memset(res, 0, sizeof(*res));
	if (cfg->vcpus < 1 || cfg->vcpus > IH_KVM_MAX_VCPUS || !(cfg->rate_hz > 0)) {
		seterr(err, errlen, "bad configuration (vcpus 1..%d, rate > 0)", IH_KVM_MAX_VCPUS);
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	r->cfg = cfg;
	r->kvm = r->vm = -1;
	for (i = 0; i < IH_KVM_MAX_VCPUS; i++) {
		r->vcpu[i].run = r;
		r->vcpu[i].idx = i;
		r->vcpu[i].fd = -1;
		r->dev[i].run = r;
		r->dev[i].idx = i;
		r->dev[i].efd = -1;
		r->dev[i].rng = cfg->seed ^ (0x9e3779b97f4a7c15ull * (i + 1));
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_cond_init(&r->dev_cv, &ca);
	pthread_condattr_destroy(&ca);

	/* SIGUSR1 kicks a vCPU out of KVM_RUN: blocked everywhere but in the vCPU threads. */
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &kick, &old_mask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old_sa);

	if (vm_setup(r, err, errlen))
		goto out;
	for (i = 0; i < cfg->vcpus; i++) {
		if ((sub = pthread_create(&r->vcpu[i].thread, NULL, vcpu_main, &r->vcpu[i]))) {
			seterr(err, errlen, "pthread_create: %s", strerror(sub));
			goto stop;
		}
		r->vcpu[i].started = true;
	}
	for (i = 0; i < cfg->vcpus; i++) {
		if ((sub = pthread_create(&r->dev[i].thread, NULL, device_main, &r->dev[i]))) {
			seterr(err, errlen, "pthread_create: %s", strerror(sub));
			goto stop;
		}
		r->dev[i].started = true;
	}
	pthread_mutex_lock(&r->mu);
	/* Guest setup is a few hundred instructions; 30 s covers an emulated host. */
	if (wait_until(r, all_ready, now_ns() + 30000000000ull, false,
			"the vCPUs did not report ready within 30 s", err, errlen)) {
		pthread_mutex_unlock(&r->mu);
		goto stop;
	}
	scenario_json(cfg, json, sizeof(json));
	IH_TP(run_begin, cfg->label ? cfg->label : "", json, "none", "none", 0, cfg->vcpus,
		cfg->vcpus, cfg->seed, (uint64_t)(cfg->duration_s * 1e9));
	t = now_ns() + (uint64_t)(cfg->duration_s * 1e9);
	r->deadline = ts_of(t);
	r->phase = PH_RAISING;
	pthread_cond_broadcast(&r->dev_cv);
	if (wait_until(r, devices_done, t + 5000000000ull, true,
			"the device threads did not finish", err, errlen)) {
		pthread_mutex_unlock(&r->mu);
		goto stop;
	}
	/* Emulated hosts take milliseconds per interrupt; 10 s bounds a stuck guest. */
	atomic_store(&r->draining, true);
	if (wait_until(r, drained, now_ns() + 10000000000ull, false,
			"interrupts raised but never acknowledged after 10 s", err, errlen)) {
		pthread_mutex_unlock(&r->mu);
		goto stop;
	}
	pthread_mutex_unlock(&r->mu);
	ret = 0;
stop:
	pthread_mutex_lock(&r->mu);
	r->phase = PH_STOP;
	pthread_cond_broadcast(&r->dev_cv);
	pthread_mutex_unlock(&r->mu);
	for (i = 0; i < cfg->vcpus; i++)
		if (r->dev[i].started)
			pthread_join(r->dev[i].thread, NULL);
	atomic_store(&r->stopping, true);
	for (i = 0; i < cfg->vcpus; i++)
		if (r->vcpu[i].started) {
			__atomic_store_n(&r->vcpu[i].kr->immediate_exit, 1, __ATOMIC_RELAXED);
			pthread_kill(r->vcpu[i].thread, SIGUSR1);
			pthread_join(r->vcpu[i].thread, NULL);
		}
	res->raised = sum_raised(r);
	res->acked = sum_acked(r);
	res->stop_signal = r->stop_signal;
	for (i = 0; i < cfg->vcpus; i++)
		res->dropped += atomic_load(&r->dev[i].dropped);
	if (ret == 0)
		IH_TP(run_end, res->raised, res->acked, 0, 0);
out:
	vm_teardown(r);
	sigaction(SIGUSR1, &old_sa, NULL);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_cond_destroy(&r->dev_cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
	return ret;
}
