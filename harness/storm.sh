#!/bin/bash
# Hotplug storm (issue 8), one boot of the default topology with a free root
# port (rp3, bus 04) added.  Two phases, one after the other:
#  1. the host hot adds and removes an e1000e on rp3 through QMP (ACPI
#     hotplug, QEMU's q35 default), HOTPLUG times (default CYCLES);
#  2. the guest removes 01:00.0 and the 02:00.0 subtree through sysfs and
#     rescans, CYCLES times;
# while a second guest process walks /sys/kernel/iommu_groups and runs
# lspci -vv until both are done.
# Afterwards the groups and their ids must be as before, no id may have
# grown past the number of groups, and the kernel log must be clean; on a
# kernel with kmemleak, a scan must find nothing new.
# The phases do not overlap: with a sysfs rescan running alongside, 6.12's
# ACPI hotplug now and then never acts on an eject request, even with no
# IOMMU at all (README, "Reliability").
# Usage: storm.sh BZIMAGE CYCLES [HOTPLUG]
# Prints "ok|FAIL storm: <what>" per check, last "storm: N passed, N failed".
set -eu
usage() { echo "usage: $0 BZIMAGE CYCLES [HOTPLUG]" >&2; exit 2; }
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
kernel=$1 cycles=$2 hotplug=${3:-$2}
case $cycles$hotplug in *[!0-9]*) usage ;; esac
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$here")/build/qemu/storm
mkdir -p "$work"
passed=0 failed=0
# Take the status first: a $(...) in WHAT would reset $? before it is read.
#   cmd; ok=$?; check WHAT $ok
check() { # WHAT STATUS
	if [ "$2" = 0 ]; then echo "ok storm: $1"; passed=$((passed + 1))
	else echo "FAIL storm: $1"; failed=$((failed + 1)); fi
}

# The guest command: no double quotes (see initramfs-init.sh).
read -r -d '' run <<'GUEST' || true
snap(){ for g in /sys/kernel/iommu_groups/*; do echo ${g##*/}: $(ls $g/devices | tr '\n' ' '); done; };
[ -e /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak;
snap > /tmp/a; n0=$(ls /sys/kernel/iommu_groups | wc -l);
(m=0; r=0; while [ ! -e /tmp/stop ]; do for g in /sys/kernel/iommu_groups/*; do id=${g##*/}; [ $id -gt $m ] 2>/dev/null && m=$id; ls $g/devices > /dev/null 2>&1; done; lspci -vv > /dev/null 2>&1; r=$((r+1)); done; echo $m $r > /tmp/reader) &
reader=$!;
d=/sys/bus/pci/devices/0000:04:00.0;
there(){ [ -e $d/iommu_group ]; }; gone(){ [ ! -e $d ]; };
upto(){ w=0; until $1; do sleep 0.02; w=$((w+1)); [ $w -lt 4500 ] || return 1; done; };
(i=1; while [ $i -le HOTPLUG ]; do upto there || break; echo @@HP_IN $i $(readlink $d/iommu_group | sed s,.*/,,); upto gone || break; echo @@HP_OUT $i; i=$((i+1)); done; echo $((i-1)) > /tmp/hp) &
hp=$!;
t0=$(cut -d' ' -f1 /proc/uptime); echo @@HP_READY; wait $hp;
i=0; t1=$(cut -d' ' -f1 /proc/uptime);
while [ $i -lt CYCLES ]; do echo 1 > /sys/bus/pci/devices/0000:01:00.0/remove; echo 1 > /sys/bus/pci/devices/0000:02:00.0/remove; echo 1 > /sys/bus/pci/rescan; i=$((i+1)); done;
t2=$(cut -d' ' -f1 /proc/uptime); touch /tmp/stop; wait $reader;
echo @@STORM cycles=$i hotplug=$(cat /tmp/hp) hotplug_from=$t0 rescan_from=$t1 to=$t2;
echo @@IDS groups=$n0 maxid=$(cut -d' ' -f1 /tmp/reader) reads=$(cut -d' ' -f2 /tmp/reader);
snap > /tmp/b; sed s/^/@@BEFORE\ / /tmp/a; sed s/^/@@AFTER\ / /tmp/b;
if [ -e /sys/kernel/debug/kmemleak ]; then echo scan > /sys/kernel/debug/kmemleak; sleep 5; echo scan > /sys/kernel/debug/kmemleak; echo @@KMEMLEAK $(grep -c unreferenced /sys/kernel/debug/kmemleak); grep -A12 unreferenced /sys/kernel/debug/kmemleak | head -40 | sed s/^/@@LEAK\ /; fi;
dmesg | grep -E 'acpiphp|pciehp|0000:04:00' | tail -n 20 | sed s/^/@@HPLOG\ /;
dmesg | grep -v 'Kernel command line' | grep -E 'WARNING|BUG:|KASAN|circular locking|inconsistent lock|refcount_t|kobject.*(not initialized|already)' | sed s/^/@@BAD\ /
GUEST
run=${run//HOTPLUG/$hotplug}
run=${run//CYCLES/$cycles}
run=$(echo "$run" | tr '\n' ' ')

name=storm-$cycles-$hotplug	# its own log name per length
topo=$work/$name.topo sock=$work/qmp.sock
rm -f "$sock" "$(dirname "$here")/build/qemu/$name.log"	# no stale answers
{ cat "$here/topologies/default.topo"
  echo "qemu: -device pcie-root-port,id=rp3,bus=pcie.0,addr=0x5,chassis=3,slot=3"
  echo "qemu: -qmp unix:$sock,server=on,wait=off"; } > "$topo"
start=$(date +%s)
QEMU_TIMEOUT=${QEMU_TIMEOUT:-5400} "$here/qemu-run.sh" "$kernel" "$topo" \
	"harness.run=\"$run\"" > "$work/run.path" 2> "$work/run.err" &
qemu=$!
log=$(dirname "$here")/build/qemu/$name.log
if [ "$hotplug" -gt 0 ]; then
	"$here/qmp.py" hotplug "$sock" "$log" rp3 "$hotplug" > "$work/qmp.out" 2>&1 || true
else
	echo "qmp: 0 cycles in 0 s" > "$work/qmp.out"
fi
wait $qemu || true
out=$work/$name.out
sed -n '/^@@RUN_BEGIN/,/^@@RUN_END/p' "$log" | tr -d '\r' > "$out"
echo "storm: QEMU ran $(( $(date +%s) - start )) s; log $log"

set +e	# from here on a failed test is a FAIL line, not the end

grep -q "^@@STORM cycles=$cycles " "$out"
rc=$?
check "$cycles remove/rescan cycles ran ($(sed -n 's/^@@STORM //p' "$out"))" $rc
grep -qx "qmp: $hotplug cycles in [0-9]* s" "$work/qmp.out" &&
	grep -q "^@@STORM .* hotplug=$hotplug " "$out"
rc=$?
check "$hotplug QMP device_add/device_del cycles, each seen by the guest ($(cat "$work/qmp.out"))" $rc
[ "$(grep -cE '^@@HP_IN [0-9]+ [0-9]+$' "$out")" = "$hotplug" ]
rc=$?
check "every hot-added 04:00.0 had a group ($(grep '^@@HP_IN' "$out" | cut -d' ' -f3 | sort -n | uniq -c | tr -s ' \n' ' '): count id)" $rc
[ -n "$(grep '^@@BEFORE' "$out")" ] &&
	diff <(sed -n 's/^@@BEFORE //p' "$out") <(sed -n 's/^@@AFTER //p' "$out") > "$work/diff" 2>&1
rc=$?
check "the same groups with the same ids afterwards ($(grep -c '^@@BEFORE' "$out") groups)" $rc
ids=$(sed -n 's/^@@IDS //p' "$out")
n0=$(echo "$ids" | sed -n 's/.*groups=\([0-9]*\).*/\1/p')
max=$(echo "$ids" | sed -n 's/.*maxid=\([0-9]*\).*/\1/p')
# n0 groups at the start, at most one more (the hot-added device's) at any
# time: with the lowest free id always taken, no id exceeds n0.
[ -n "$n0" ] && [ -n "$max" ] && [ "$max" -le "$n0" ]
check "ids do not grow: highest id the reader saw ${max:-?}, groups at the start ${n0:-?} ($ids)" $?
! grep -q '^@@BAD' "$out"
check "no warning, lockdep, KASAN or refcount report in dmesg" $?
if grep -q '^@@KMEMLEAK' "$out"; then
	grep -qx '@@KMEMLEAK 0' "$out"
	check "kmemleak finds no new leak" $?
fi
{ grep -E '^@@(BAD|LEAK)' "$out"; cat "$work/diff"; } | head -n 20 | sed 's/^/    /'
echo "storm: $passed passed, $failed failed"
[ $failed -eq 0 ]
