#!/bin/bash
# Boot a kernel on one topology (format: topology.sh) and save the serial
# log as build/qemu/<name>.log (topo_name).  Boots may run side by side:
# what they share (the initramfs, blk-pattern) is built under a lock.
# Usage: qemu-run.sh KERNEL TOPOLOGY [IOMMU]   (default: its first IOMMU)
# Prints the log's path as its only line on stdout and exits with QEMU's
# status (124: killed at the time limit; the log then ends with qmp.py's
# "@@HUNG" lines, where each vCPU was).  With hotplug:, qmp.py's result
# is the log's last line, "@@QMP qmp: ...".
# Environment: QEMU_ARCH=x86_64 (q35, default) or ppc64le (pseries, POWER9,
# or the topology's machine: powernv9; the kernel's vmlinux, console hvc0,
# no iommu: device); QEMU_ACCEL=tcg
# (kvm only when asked: KVM guests crash on our machines); QEMU_TIMEOUT
# (overrides timeout:); PLANT_WARN=1 runs guest/plant-warn.sh first, a
# real WARN 3 s into the run programs, which every boot must report.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 2 ] || [ $# = 3 ] || usage "KERNEL TOPOLOGY [IOMMU]"
kernel=$1 topo=$2
[ -f "$kernel" ] || { echo "qemu-run: no kernel image at $kernel" >&2; exit 2; }
[ -f "$topo" ] || { echo "qemu-run: no topology file at $topo" >&2; exit 2; }
. "$H/topology.sh"
iommu=${3:-$(topo_iommus "$topo" | head -n 1)}
name=$(topo_name "$topo" "$iommu")
out=$B/qemu
mkdir -p "$out"
t=$out/$name.topo log=$out/$name.log
topo_variant "$topo" "$iommu" > "$t"

arch=${QEMU_ARCH:-x86_64}
smp=$(topo_field "$t" smp) mem=$(topo_field "$t" memory) limit=$(topo_field "$t" timeout)
limit=${QEMU_TIMEOUT:-${limit:-120}}
props=$(topo_field "$t" iommu-props | paste -sd, -)
# shellcheck disable=SC2054 # the commas belong to QEMU's options
case $iommu in
intel) dev=(-device "intel-iommu,intremap=off${props:+,$props}") ;;
amd)   dev=(-device "amd-iommu,intremap=off${props:+,$props}") ;;
none)  dev=()
       [ -z "$props" ] || { echo "qemu-run: $topo: iommu-props: without an IOMMU" >&2; exit 2; } ;;
*)     echo "qemu-run: $topo: iommu: '$iommu' is not intel, amd or none" >&2; exit 2 ;;
esac
case $arch in
x86_64)  console=ttyS0 initrd=$out/initramfs.cpio.gz
	 TREE=$SRC flock "$out/build.lock" "$H/mkinitramfs.sh" "$initrd"
	 qemu=(qemu-system-x86_64 -M q35 -m "${mem:-512}" -smp "${smp:-2}") ;;
ppc64le) console=hvc0 initrd=$out/initramfs-ppc64le.cpio.gz
	 [ $iommu = none ] || { echo "qemu-run: $topo: no iommu: device on POWER" >&2; exit 2; }
	 flock "$out/build.lock" "$H/mkinitramfs-ppc64le.sh" "$initrd"
	 qemu=(qemu-system-ppc64 -m "${mem:-1024}" -smp 1) ;;
*)       echo "qemu-run: QEMU_ARCH=$arch is not x86_64 or ppc64le" >&2; exit 2 ;;
esac
# QEMU's defaults stay off, except on powernv9: without them QEMU 7.2 makes
# no host bridges (PHB4s) there, and only a VGA card needs turning off.
machine=$(topo_field "$t" machine)
defaults=(-nodefaults)
case $arch:${machine:-default} in
x86_64:default) ;;
ppc64le:default | ppc64le:pseries) qemu+=(-M pseries -cpu power9) ;;
ppc64le:powernv9) qemu+=(-M powernv9 -vga none -monitor none) defaults=() ;;
*) echo "qemu-run: $topo: machine: '$machine' is not one of $arch's" >&2; exit 2 ;;
esac
set -f
# shellcheck disable=SC2207 # split on blanks on purpose, globbing is off
args=("${dev[@]}" $(topo_field "$t" qemu))
set +f

# Guest programs: harness.pre= and harness.run= words, a program's
# arguments joined to it with commas.
steps=
[ "${PLANT_WARN-}" != 1 ] || steps=" harness.run=plant-warn.sh,3"
while read -r key prog; do
	[ -z "$prog" ] || steps="$steps harness.$key=$(echo $prog | tr ' ' ,)"
done < <(sed -n 's/^\(pre\|run\):/\1/p' "$t")
for a in $(topo_field "$t" acpitable); do
	python3 "$H/acpi-tables.py" "$a" "$out/$a.aml"
	args+=(-acpitable "file=$out/$a.aml")
done
up=$(topo_field "$t" acpi-upgrade)
if [ -n "$up" ]; then
	python3 "$H/acpi-tables.py" "$up" "$out/$name.acpi.cpio"
	cat "$out/$name.acpi.cpio" "$initrd" > "$out/$name.initrd"
	initrd=$out/$name.initrd
fi
# Drives, new each boot: what a former boot wrote cannot pass for this
# one's data.  The host's blk-pattern writes a SEED's pattern.
while read -r id size seed; do
	img=$out/$name-$id.img
	rm -f "$img"
	truncate -s "${size}M" "$img"
	if [ -n "$seed" ]; then
		# shellcheck disable=SC2016 # expanded by sh -c, from its arguments
		flock "$out/build.lock" sh -c '[ "$1" -nt "$2" ] ||
			{ gcc -O2 -Wall -Werror -o "$1.new" "$2" && mv "$1.new" "$1"; }' - \
			"$out/blk-pattern" "$H/guest/blk-pattern.c"
		"$out/blk-pattern" write "$img" "$size" "$seed" > /dev/null
	fi
	args+=(-drive "if=none,id=$id,file=$img,format=raw")
done < <(topo_field "$t" drive)
read -r bus cycles < <(topo_field "$t" hotplug) || true
sock=$out/$name.qmp
args+=(-qmp "unix:$sock,server=on,wait=off")
# log_buf_len: the whole boot up to /init stays in the ring until /init's
# reader copies it (initramfs-init.sh).
kunit=$(topo_field "$t" kunit)
append="console=$console panic=-1 panic_print=0x20 log_buf_len=4M $(topo_field "$t" cmdline | tr '\n' ' ')"
append="$append${kunit:+kunit.enable=1 kunit.filter_glob=$kunit }$steps"
accel=(-accel "${QEMU_ACCEL:-tcg}")
[ "${QEMU_ACCEL:-tcg}" != kvm ] || accel+=(-cpu host)

rm -f "$log" "$sock"	# qmp.py must not read an old log
echo "qemu-run: booting $name (${QEMU_ACCEL:-tcg}, limit ${limit}s), log in $log" >&2
start=$(date +%s)
timeout -k 5 "$limit" "${qemu[@]}" "${accel[@]}" "${defaults[@]}" -nographic -no-reboot \
	-serial stdio -kernel "$kernel" -initrd "$initrd" -append "$append" \
	"${args[@]}" < /dev/null > "$log" 2>&1 &
vm=$! host=
trap 'kill $vm $host 2> /dev/null' EXIT
trap 'exit 130' INT TERM
if [ -n "${bus-}" ]; then
	"$H/qmp.py" hotplug "$sock" "$log" "$bus" "$cycles" > "$out/$name.qmp.out" 2>&1 &
	host=$!
else
	# QMP takes one client: a hotplug boot's is qmp.py hotplug.
	rm -f "$out/$name.hung"
	"$H/qmp.py" regs $((limit > 6 ? limit - 3 : limit)) "$sock" \
		"$(dirname "$kernel")/System.map" < /dev/null > "$out/$name.hung" 2>&1 &
	host=$!
fi
rc=0
wait $vm || rc=$?
if [ -n "${bus-}" ]; then
	kill $host 2> /dev/null && echo "qmp: stopped, QEMU had ended" >> "$out/$name.qmp.out"
	wait $host 2> /dev/null || true
	sed 's/^/@@QMP /' "$out/$name.qmp.out" >> "$log"
else
	kill $host 2> /dev/null || true
	wait $host 2> /dev/null || true
	[ $rc != 124 ] || cat "$out/$name.hung" >> "$log"
fi
trap - EXIT
case $rc in
0)   echo "qemu-run: $name: QEMU exited after $(( $(date +%s) - start )) s" >&2 ;;
124) echo "qemu-run: $name: killed after the ${limit}s limit; its vCPUs then:" >&2
     sed 's/^/  /' "$out/$name.hung" >&2 ;;
*)   echo "qemu-run: $name: QEMU exited with $rc; tail of $log:" >&2
     tail -n 5 "$log" >&2 ;;
esac
echo "$log"
exit $rc
