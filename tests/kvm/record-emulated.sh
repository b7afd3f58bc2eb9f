#!/bin/sh
# Record real KVM traces on a machine without /dev/kvm: boot Debian's kernel in an
# emulated x86 machine (qemu TCG, -cpu max emulates AMD SVM, so kvm_amd loads inside it),
# load LTTng's kernel modules built here for that kernel, run `irqhop record --kvm` there
# and bring the trace back on a raw disk image.
#
# usage: tests/kvm/record-emulated.sh [-b BUILDDIR] [-o OUTDIR] [-t TIMEOUT] -- RECORD-ARGS...
#   BUILDDIR  the configured irqhop build tree holding cli/irqhop and irqhop-kvm
#             (default: build)
#   OUTDIR    where the trace directory lands (default: kvm-trace.out); it must not exist
#   TIMEOUT   seconds the emulated machine may run (default 300)
#   RECORD-ARGS  passed to `irqhop record --kvm` inside the machine, e.g.
#             --route msi --vcpus 1 --rate 20 --duration 10
#             or `--attach --duration 10` plus IH_EMU_BACKGROUND='irqhop-kvm ...' to record
#             a VM of ours run with LTTng-UST absent.
#
# Environment: IH_EMU_RECORDER=lttng records with tests/kvm/guest-lttng.sh (the lttng command,
# RECORD-ARGS then go to irqhop-kvm; IH_EMU_NO_UST=1 leaves the UST channel out) instead of
# irqhop record --kvm.  IH_EMU_CACHE (default $HOME/.cache/irqhop-kvm-emu): the downloaded packages and
# the lttng-modules build, reused by later runs; IH_EMU_SMP (default 2): the machine's CPUs.
#
# Steps, each idempotent: (1) apt-get install what is missing (root or sudo), (2) build
# lttng-modules 2.13.9 from Debian's lttng-modules-dkms package for the Debian kernel with
# tests/kvm/lttng-modules-2.13.9-irqhop.patch (no timer probe; only the probes used),
# (3) an initramfs: busybox, kvm/kvm_amd + lttng modules, lttng-tools and liblttng-ust with
# their libraries (ldd), irqhop and irqhop-kvm, (4) boot it, (5) copy the trace out of the
# disk image. Fails with one line naming the step on any error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=build
outdir=kvm-trace.out
timeout_s=300
while getopts b:o:t: opt; do
	case $opt in
	b) builddir=$OPTARG ;;
	o) outdir=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	*) echo "usage: $0 [-b BUILDDIR] [-o OUTDIR] [-t TIMEOUT] -- RECORD-ARGS..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift

die() { echo "record-emulated: $*" >&2; exit 1; }

KVER=${IH_EMU_KVER:-6.1.0-57-amd64}
LTTNG_MODULES_VERSION=2.13.9
cache=${IH_EMU_CACHE:-$HOME/.cache/irqhop-kvm-emu}
smp=${IH_EMU_SMP:-2}
mkdir -p "$cache"
[ -e "$outdir" ] && die "$outdir exists; name a new output directory"

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo

# (1) packages ---------------------------------------------------------------------------
pkgs="qemu-system-x86 linux-image-$KVER linux-headers-$KVER busybox-static cpio kmod
      lttng-tools liblttng-ust-dev babeltrace2 e2fsprogs"
missing=
for p in $pkgs; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	$sudo apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends \
		$missing >/dev/null || die "apt-get install$missing failed"
fi

# (2) lttng-modules ----------------------------------------------------------------------
# Not through DKMS: its postinst builds every probe and the timer probe fails on this kernel,
# leaving dpkg half-configured. The package is only unpacked here.
modsrc=$cache/lttng-modules-$LTTNG_MODULES_VERSION-$KVER
# The tracer module links against the kprobe/uprobe/kretprobe modules: they are built too.
probes="lttng-probe-sched.o lttng-probe-irq.o lttng-probe-workqueue.o lttng-probe-kvm.o
        lttng-probe-statedump.o lttng-kprobes.o lttng-uprobes.o lttng-kretprobes.o"
if [ ! -e "$modsrc/.unpacked" ]; then
	rm -rf "$modsrc" "$cache/deb"
	mkdir -p "$cache/deb"
	deb=$(ls /var/cache/apt/archives/lttng-modules-dkms_${LTTNG_MODULES_VERSION}-*_all.deb \
		2>/dev/null | tail -1 || true)
	if [ -z "$deb" ]; then
		(cd "$cache/deb" && apt-get download -q "lttng-modules-dkms=$LTTNG_MODULES_VERSION*" \
			>/dev/null) || die "apt-get download lttng-modules-dkms failed"
		deb=$(ls "$cache"/deb/lttng-modules-dkms_*_all.deb | tail -1)
	fi
	dpkg -x "$deb" "$cache/deb/x" || die "dpkg -x $deb failed"
	cp -a "$cache/deb/x/usr/src/lttng-modules-$LTTNG_MODULES_VERSION" "$modsrc"
	(cd "$modsrc" && patch -s -p1 <"$here/lttng-modules-$LTTNG_MODULES_VERSION-irqhop.patch") ||
		die "patch failed"
	touch "$modsrc/.unpacked"
fi
if [ ! -e "$modsrc/.built" ]; then
	echo "record-emulated: building lttng-modules for $KVER (a few minutes)" >&2
	make -s -C "/lib/modules/$KVER/build" M="$modsrc/src" CONFIG_LTTNG=m \
		LTTNG_PROBES_ONLY="$(echo $probes)" -j"$(nproc)" modules >"$cache/modules-build.log" 2>&1 ||
		die "lttng-modules build failed; see $cache/modules-build.log"
	touch "$modsrc/.built"
fi

[ "${IH_EMU_STOP_AFTER:-}" = modules ] && exit 0

# (3) initramfs ---------------------------------------------------------------------------
ours="$builddir/irqhop-kvm"
[ "${IH_EMU_RECORDER:-irqhop}" = lttng ] || ours="$builddir/irqhop $ours"
for b in $ours; do
	[ -x "$b" ] || die "$b not built (make -C $builddir irqhop irqhop-kvm)"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/irqhop-emu.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/bin "$root"/sbin "$root"/etc "$root"/proc "$root"/sys "$root"/dev "$root"/tmp \
	"$root"/run "$root"/var/run "$root"/root "$root"/usr/lib "$root"/usr/lib64 "$root"/usr/bin
# Merged /usr (Debian 12): /lib and /lib64 are links into /usr, here as there.
for d in lib lib64; do
	if [ -L "/$d" ]; then ln -s "usr/$d" "$root/$d"; else mkdir -p "$root/$d"; fi
done
mkdir -p "$root/lib/modules/$KVER/extra"
cp /bin/busybox "$root/bin/busybox"
for a in sh mount umount mkdir cat ls sleep tar poweroff echo date dmesg \
		ps kill pidof grep head tail wc sync cp rm nproc uname id; do
	ln -sf busybox "$root/bin/$a"
done
# Kernel modules: kvm_amd (+ kvm, irqbypass, ccp...), virtio disk, and their dependencies.
mods_of() {
	for m in "$@"; do
		f=$(modinfo -k "$KVER" -F filename "$m") || die "module $m not found for $KVER"
		echo "$f"
		deps=$(modinfo -k "$KVER" -F depends "$m" | tr ',' ' ')
		if [ -n "$deps" ]; then mods_of $deps; fi
	done
}
mods_of kvm_amd virtio_pci virtio_blk >"$work/mods" || die "cannot list the kernel modules"
for f in $(sort -u "$work/mods"); do
	mkdir -p "$root$(dirname "$f")"
	cp "$f" "$root$f"
done
find "$modsrc/src" -name '*.ko' -exec cp {} "$root/lib/modules/$KVER/extra/" \;
cp "/lib/modules/$KVER/modules.builtin" "/lib/modules/$KVER/modules.order" \
	"/lib/modules/$KVER/modules.builtin.modinfo" \
	"$root/lib/modules/$KVER/" 2>/dev/null || true
depmod -b "$root" "$KVER" || die "depmod failed"
# Programs and every library they load (ldd), plus what LTTng dlopens.
consumerd=/usr/lib/x86_64-linux-gnu/lttng/libexec/lttng-consumerd
# kmod's modprobe, not busybox's: the latter fails on kvm_amd's dependencies.
progs="/usr/bin/lttng /usr/bin/lttng-sessiond $consumerd $(readlink -f /sbin/modprobe)"
for p in $progs; do
	mkdir -p "$root$(dirname "$p")"
	cp "$p" "$root$p"
done
[ -x "$builddir/irqhop" ] && cp "$builddir/irqhop" "$root/usr/bin/irqhop"
for a in modprobe insmod lsmod; do ln -sf "$(readlink -f /sbin/modprobe)" "$root/sbin/$a"; done
mkdir -p "$root/usr/libexec/irqhop"
cp "$builddir/irqhop-kvm" "$root/usr/libexec/irqhop/irqhop-kvm"
libs=$(for p in $progs $ours \
		/usr/lib/x86_64-linux-gnu/liblttng-ust*.so.?; do
	ldd "$p" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'
done | sort -u)
for l in $libs /usr/lib/x86_64-linux-gnu/liblttng-ust*.so.?; do
	for x in "$l" "$(readlink -f "$l")"; do
		mkdir -p "$root$(dirname "$x")"
		cp -P "$x" "$root$x"
	done
done
mkdir -p "$root/usr/share/xml"
cp -a /usr/share/xml/lttng "$root/usr/share/xml/"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
echo "tracing:x:999:" >>"$root/etc/group"
# What runs inside: record, then tar the trace onto the raw disk (/dev/vda).
{
	echo '#!/bin/sh'
	echo 'export PATH=/sbin:/usr/bin:/bin HOME=/root LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu'
	echo 'export IRQHOP_KVM=/usr/libexec/irqhop/irqhop-kvm IRQHOP_SESSIOND_LOG=/tmp/sessiond.log'
	echo 'export LTTNG_SESSIOND=/usr/bin/lttng-sessiond'
	echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
	echo 'mount -t tmpfs tmp /tmp; mkdir -p /dev/shm; mount -t tmpfs shm /dev/shm'
	echo 'mount -t tmpfs run /run; mkdir -p /run/lttng'
	echo 'echo "irqhop-emu: $(nproc) CPUs, kernel $(uname -r)"'
	# busybox sh runs its own modprobe applet first: call kmod's (a link named modprobe) by path.
	echo 'for m in kvm_amd virtio_pci virtio_blk; do /sbin/modprobe $m || { echo "irqhop-emu: modprobe $m failed"; dmesg | tail -5; }; done'
	echo 'ls -l /dev/kvm'
	echo 't0=$(date +%s)'
	printf '%s\n' "${IH_EMU_BACKGROUND:+( $IH_EMU_BACKGROUND ) & bg=\$!}"
	if [ "${IH_EMU_RECORDER:-irqhop}" = lttng ]; then
		printf 'IH_EMU_NO_UST=%s sh /guest-lttng.sh /tmp/trace' "${IH_EMU_NO_UST:-0}"
	else
		printf 'irqhop record --kvm --output /tmp/trace'
	fi
	for a in "$@"; do printf " '%s'" "$a"; done
	echo '; rc=$?'
	echo '[ -n "${bg:-}" ] && wait $bg'
	echo '[ $rc = 0 ] || tail -20 /tmp/sessiond.log 2>/dev/null'
	echo 'echo "irqhop-emu: record exit $rc after $(( $(date +%s) - t0 )) s"'
	echo 'echo $rc >/tmp/trace.rc'
	echo 'tar cf /dev/vda -C /tmp trace trace.rc && sync'
	echo 'echo "irqhop-emu: done"'
	echo 'poweroff -f'
} >"$root/init"
chmod +x "$root/init"
cp "$here/guest-lttng.sh" "$root/guest-lttng.sh"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initrd.gz" ||
	die "cpio failed"

# (4) boot -----------------------------------------------------------------------------------
truncate -s 64M "$work/disk.img"
echo "record-emulated: booting ($(du -h "$work/initrd.gz" | cut -f1) initramfs, -smp $smp)" >&2
t0=$(date +%s)
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -m 1G -smp "$smp" -nographic \
	-no-reboot -kernel "/boot/vmlinuz-$KVER" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 rdinit=/init" \
	-drive "file=$work/disk.img,format=raw,if=virtio" >"$work/console.log" 2>&1 ||
	{ tail -30 "$work/console.log" >&2; die "qemu failed or timed out after ${timeout_s}s"; }
echo "record-emulated: the emulated machine ran $(( $(date +%s) - t0 )) s" >&2
grep 'irqhop-emu\|irqhop' "$work/console.log" >&2 || true

# (5) the trace ------------------------------------------------------------------------------
mkdir -p "$work/out"
tar xf "$work/disk.img" -C "$work/out" 2>/dev/null ||
	{ tail -30 "$work/console.log" >&2; die "no trace on the disk image"; }
rc=$(cat "$work/out/trace.rc" 2>/dev/null || echo "?")
[ "$rc" = 0 ] || { tail -30 "$work/console.log" >&2; die "irqhop record exited $rc inside"; }
mv "$work/out/trace" "$outdir"
cp "$work/console.log" "$outdir.console.log"
echo "record-emulated: trace in $outdir" >&2
