#!/bin/bash
# Hotplug storm (issue 8): N cycles of sysfs remove + rescan of the default
# topology's 01:00.0 and 02:00.0 subtree while a second guest process walks
# /sys/kernel/iommu_groups and runs lspci -vv.  Afterwards the groups and
# their ids must be as before, and the kernel log clean; on a kernel with
# kmemleak, a scan must find nothing new.
# Usage: storm.sh BZIMAGE CYCLES
# Prints "ok|FAIL storm: <what>" per check, last "storm: N passed, N failed".
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE CYCLES" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1 cycles=$2
work=$(dirname "$here")/build/qemu/storm
mkdir -p "$work"
passed=0 failed=0
check() { # WHAT STATUS
	if [ "$2" = 0 ]; then echo "ok storm: $1"; passed=$((passed + 1))
	else echo "FAIL storm: $1"; failed=$((failed + 1)); fi
}

# The guest command: no double quotes (see initramfs-init.sh).
read -r -d '' run <<'GUEST' || true
snap(){ for g in /sys/kernel/iommu_groups/*; do echo ${g##*/}: $(ls $g/devices | tr '\n' ' '); done; };
[ -e /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak;
snap > /tmp/a;
(while [ ! -e /tmp/stop ]; do for g in /sys/kernel/iommu_groups/*/devices; do ls $g > /dev/null 2>&1; done; lspci -vv > /dev/null 2>&1; done) &
i=0; t0=$(cut -d' ' -f1 /proc/uptime);
while [ $i -lt CYCLES ]; do echo 1 > /sys/bus/pci/devices/0000:01:00.0/remove; echo 1 > /sys/bus/pci/devices/0000:02:00.0/remove; echo 1 > /sys/bus/pci/rescan; i=$((i+1)); done;
touch /tmp/stop; wait;
echo @@STORM cycles=$i start=$t0 end=$(cut -d' ' -f1 /proc/uptime);
snap > /tmp/b; sed s/^/@@BEFORE\ / /tmp/a; sed s/^/@@AFTER\ / /tmp/b;
if [ -e /sys/kernel/debug/kmemleak ]; then echo scan > /sys/kernel/debug/kmemleak; sleep 5; echo scan > /sys/kernel/debug/kmemleak; echo @@KMEMLEAK $(grep -c unreferenced /sys/kernel/debug/kmemleak); grep -A12 unreferenced /sys/kernel/debug/kmemleak | head -40 | sed s/^/@@LEAK\ /; fi;
dmesg | grep -E 'WARNING|BUG:|KASAN|circular locking|inconsistent lock|refcount_t' | sed s/^/@@BAD\ /
GUEST
run=${run//CYCLES/$cycles}
run=$(echo "$run" | tr '\n' ' ')

topo=$work/storm-$cycles.topo	# its own log name per length
cp "$here/topologies/default.topo" "$topo"
start=$(date +%s)
log=$(QEMU_TIMEOUT=${QEMU_TIMEOUT:-3000} "$here/qemu-run.sh" "$kernel" "$topo" \
	"harness.run=\"$run\"" 2> "$work/run.err") || true
out=$work/storm-$cycles.out
sed -n '/^@@RUN_BEGIN/,/^@@RUN_END/p' "$log" | tr -d '\r' > "$out"
echo "storm: QEMU ran $(( $(date +%s) - start )) s; log $log"

grep -q "^@@STORM cycles=$cycles " "$out"
check "$cycles remove/rescan cycles ran ($(sed -n 's/^@@STORM //p' "$out"))" $?
[ -n "$(grep '^@@BEFORE' "$out")" ] &&
	diff <(sed -n 's/^@@BEFORE //p' "$out") <(sed -n 's/^@@AFTER //p' "$out") > "$work/diff" 2>&1
check "the same groups with the same ids afterwards ($(grep -c '^@@BEFORE' "$out") groups)" $?
! grep -q '^@@BAD' "$out"
check "no warning, lockdep, KASAN or refcount report in dmesg" $?
if grep -q '^@@KMEMLEAK' "$out"; then
	grep -qx '@@KMEMLEAK 0' "$out"
	check "kmemleak finds no new leak" $?
fi
grep -E '^@@(BAD|LEAK)' "$out" | head -n 20 | sed 's/^/    /'
echo "storm: $passed passed, $failed failed"
[ $failed -eq 0 ]
