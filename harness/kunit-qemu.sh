#!/bin/bash
# Our KUnit suites inside the x86_64 debug kernel (KASAN, lockdep, kmemleak,
# object debugging, failslab) booted under QEMU q35, where UML's KUnit run
# cannot go: after the suites /init asks kmemleak for two scans and prints
# what it found.  The KTAP output is parsed by the base's kunit.py.
# Usage: kunit-qemu.sh BZIMAGE SRC_TREE
# Prints the suites' results and, last, "kunit-qemu: N passed, N failed";
# a failed or crashed test, a kernel report (kernel-reports.ere) on the
# console or in /init's scan of the whole log (@@KERNEL_BAD), or a kmemleak
# finding each count as a failure.
# DEBUG_KOBJECT_RELEASE delays each release by 1 to 4 s, and a release may
# drop a parent's last reference, whose release is delayed again: before the
# scans the guest waits until no kobject_release line came for 5 s.
# KUNIT_QEMU_PLANT=1 plants a real WARN (LKDTM) 3 s after the suites, as a
# report from a late release would come: the run must then fail.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE SRC_TREE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1 src=$2
work=$(dirname "$here")/build/qemu
mkdir -p "$work"
topo=$work/kunit-debug.topo
cat > "$topo" <<'TOPO'
# The suites bring their own mock IOMMU drivers and buses; no IOMMU device.
# They run before /init and log some 50,000 records on the debug kernel,
# more than qemu-run.sh's 4 MiB ring keeps; the later log_buf_len wins.
iommu: none
cmdline: kunit.enable=1 log_buf_len=32M
TOPO
# Two scans: kmemleak reports an object only once it has stayed
# unreferenced through a scan and is older than five seconds.
wait='n=-1 t=0; while [ $n != $(grep -c kobject_release, /tmp/kmsg) ] && [ $t -lt 300 ]; do n=$(grep -c kobject_release, /tmp/kmsg); sleep 5; t=$((t+5)); done; echo @@RELEASES $n lines, quiet after $t s'
plant='(sleep 3; echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT) &'
[ "${KUNIT_QEMU_PLANT-}" = 1 ] || plant=
run=$plant$wait'; k=/sys/kernel/debug/kmemleak; echo scan > $k; sleep 6; echo scan > $k; echo @@KMEMLEAK $(grep -c unreferenced $k); grep -A14 unreferenced $k | head -60 | sed s/^/@@LEAK\ /'
log=$(QEMU_TIMEOUT=${QEMU_TIMEOUT:-2400} "$here/qemu-run.sh" "$kernel" "$topo" \
	"harness.run=\"$run\"" 2> "$work/kunit-debug.err") || true
[ -n "$log" ] || log=$work/kunit-debug.log
parsed=$work/kunit-debug.parsed
tr -d '\r' < "$log" | python3 "$src/tools/testing/kunit/kunit.py" parse > "$parsed" 2>&1 || true
extra=0
leaks=$(tr -d '\r' < "$log" | sed -n 's/^@@KMEMLEAK //p')
if [ "$leaks" != 0 ]; then
	echo "kunit-qemu: kmemleak: ${leaks:-no scan result}" >&2
	tr -d '\r' < "$log" | grep '^@@LEAK' | head -n 40 >&2 || true
	extra=1
fi
# /init must have scanned the whole log (its reports are counted below).
scan=0
"$here/kernel-log.sh" "$log" > /dev/null || scan=$?
if [ $scan = 2 ]; then
	echo "kunit-qemu: /init did not scan the kernel log (no @@DONE or @@KMSG)" >&2
	extra=$((extra + 1))
fi
# The kernel's own lines, from the console (up to /init) and from /init's
# scan (@@KERNEL_BAD, untagged); not the command line, which names kmemleak.
raw=$work/kunit-debug.raw
tr -d '\r' < "$log" | sed 's/^@@KERNEL_BAD //' | grep -v -e '^@@' -e 'ommand line: ' > "$raw" || true
tr -d '\r' < "$log" | sed -n 's/^@@RELEASES /kunit-qemu: delayed kobject releases: /p'
set +e
out=$("$here/kunit-summary.sh" "$parsed" "$raw")
st=$?
echo "$out" | sed '$d'
p=$(echo "$out" | sed -n '$s/^kunit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(echo "$out" | sed -n '$s/^kunit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
p=${p:-0} f=$(( ${f:-1} + extra ))
[ $st -eq 0 ] || [ "$f" -gt 0 ] || f=1
echo "kmemleak after the suites: ${leaks:-no result} unreferenced objects"
echo "kunit-qemu: $p passed, $f failed"
[ "$f" -eq 0 ]
