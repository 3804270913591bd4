#!/bin/bash
# Boot a kernel on one topology under QEMU q35 and save the serial log.
# Usage: qemu-run.sh BZIMAGE TOPOLOGY_FILE [KERNEL_ARG...]
# Prints the log's path (build/qemu/<topology>.log) as its only line on
# stdout and exits with QEMU's status (124: killed at the time limit).
#
# A topology file (harness/topologies/*.topo) has one item per line:
#   # comment
#   iommu: intel|amd|none     adds -device intel-iommu,intremap=off or
#                             -device amd-iommu,intremap=off, before all
#                             other devices (QEMU wants the IOMMU first)
#   qemu: ARGS                QEMU arguments, appended in file order; split
#                             on blanks, no quoting
#   cmdline: ARGS             extra kernel arguments
#   expect-groups: N          number of IOMMU groups      } checked by
#   expect-same: DEV DEV...   these share one group       } qemu-test.sh;
#   expect-alone: DEV...      each is alone in its group  } DEV is a PCI
#   expect-none: DEV...       these have no group         } name 0000:00:1f.0
#   expect-log: N ERE         exactly N lines of the serial log match ERE
#   expect-absent: DEV...     these are not on the PCI bus (hot removed)
#   expect-name: DEV NAME     DEV's group has this "name" (POWER PEs)
#
# Environment: QEMU_ACCEL=tcg (default; KVM guests crash on our machines, so
# kvm only when asked), QEMU_TIMEOUT=120 (seconds), QEMU_ARCH=x86_64
# (default: q35) or ppc64le (pseries with a POWER9 CPU, the kernel's vmlinux,
# console hvc0; "iommu:" must be none there, the PEs are the platform's),
# INITRD_PREPEND=CPIO (an uncompressed cpio put in front of the initramfs,
# e.g. ACPI table upgrades in kernel/firmware/acpi/), QEMU_SMP=N (x86_64
# vCPUs, default 2).  Boots that reprogram PCI BARs hundreds of times (remove
# and rescan cycles, hotplug) run with QEMU_SMP=1: with two vCPUs, QEMU 7.2's
# TCG may send one vCPU's MMIO access to the wrong device after the other
# changed the memory map, which loses a local APIC EOI (the guest hangs) or
# crashes QEMU (README, "Reliability").
set -eu
usage() { echo "usage: $0 BZIMAGE TOPOLOGY_FILE [KERNEL_ARG...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
kernel=$1 topo=$2
shift 2
[ -f "$kernel" ] || { echo "qemu-run: no kernel image at $kernel" >&2; exit 2; }
[ -f "$topo" ] || { echo "qemu-run: no topology file at $topo" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$here")/build/qemu
name=$(basename "$topo" .topo)
log=$out/$name.log
accel=${QEMU_ACCEL:-tcg}
limit=${QEMU_TIMEOUT:-120}

bad=$(grep -nvE '^[[:space:]]*(#|$)|^(iommu|qemu|cmdline|expect-groups|expect-same|expect-alone|expect-none|expect-log|expect-absent|expect-name):' "$topo" || true)
if [ -n "$bad" ]; then
	echo "qemu-run: $topo: lines not understood:" >&2
	echo "$bad" >&2
	exit 2
fi
field() { sed -n "s/^$1:[[:space:]]*//p" "$topo"; }

iommu=$(field iommu | tail -n 1)
# shellcheck disable=SC2054 # the commas belong to QEMU's option
case ${iommu:-none} in
intel) iommu_dev=(-device intel-iommu,intremap=off) ;;
amd)   iommu_dev=(-device amd-iommu,intremap=off) ;;
none)  iommu_dev=() ;;
*)     echo "qemu-run: $topo: iommu: '$iommu' is not intel, amd or none" >&2; exit 2 ;;
esac
set -f
# shellcheck disable=SC2207 # split on blanks on purpose, globbing is off
topo_args=($(field qemu))
set +f
arch=${QEMU_ARCH:-x86_64}
case $arch in
x86_64)  console=ttyS0 mkinitramfs=mkinitramfs.sh
	 qemu=(qemu-system-x86_64 -M q35 -m 512 -smp "${QEMU_SMP:-2}") ;;
ppc64le) console=hvc0 mkinitramfs=mkinitramfs-ppc64le.sh
	 [ ${#iommu_dev[@]} = 0 ] || { echo "qemu-run: $topo: no iommu: device on pseries" >&2; exit 2; }
	 qemu=(qemu-system-ppc64 -M pseries -cpu power9 -m 1024 -smp 1) ;;
*)       echo "qemu-run: QEMU_ARCH=$arch is not x86_64 or ppc64le" >&2; exit 2 ;;
esac
# log_buf_len: the whole boot up to /init (KUnit's output included) stays
# in the ring until /init's reader copies it (initramfs-init.sh).
append="console=$console panic=-1 panic_print=0x20 log_buf_len=4M $(field cmdline | tr '\n' ' ')$*"
accel_args=(-accel "$accel")
if [ "$accel" = kvm ]; then accel_args+=(-cpu host); fi

mkdir -p "$out"
initrd=$out/initramfs-$arch.cpio.gz
[ "$arch" != x86_64 ] || initrd=$out/initramfs.cpio.gz
"$here/$mkinitramfs" "$initrd"

if [ -n "${INITRD_PREPEND-}" ]; then
	cat "$INITRD_PREPEND" "$initrd" > "$out/$name.initrd"
	initrd=$out/$name.initrd
fi

echo "qemu-run: booting $name ($accel, limit ${limit}s), log in $log" >&2
start=$(date +%s.%N)
rc=0
timeout -k 5 "$limit" "${qemu[@]}" "${accel_args[@]}" \
	-nodefaults -nographic -no-reboot -serial stdio \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	"${iommu_dev[@]}" "${topo_args[@]}" < /dev/null > "$log" 2>&1 || rc=$?
secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
case $rc in
0)   echo "qemu-run: $name: QEMU exited after ${secs}s" >&2 ;;
124) echo "qemu-run: $name: killed after the ${limit}s limit" >&2 ;;
*)   echo "qemu-run: $name: QEMU exited with $rc after ${secs}s; tail of $log:" >&2
     tail -n 5 "$log" >&2 ;;
esac
echo "$log"
exit $rc
