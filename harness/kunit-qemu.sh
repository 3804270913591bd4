#!/bin/bash
# Our KUnit suites inside the x86_64 debug kernel (KASAN, lockdep, kmemleak,
# object debugging, failslab) booted under QEMU q35, where UML's KUnit run
# cannot go: after the suites /init asks kmemleak for two scans and prints
# what it found.  The KTAP output is parsed by the base's kunit.py.
# Usage: kunit-qemu.sh BZIMAGE SRC_TREE
# Prints the suites' results and, last, "kunit-qemu: N passed, N failed";
# a failed or crashed test, a kernel warning, lockdep, KASAN or UBSAN
# report, or a kmemleak finding each count as a failure.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE SRC_TREE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1 src=$2
work=$(dirname "$here")/build/qemu
mkdir -p "$work"
topo=$work/kunit-debug.topo
cat > "$topo" <<'TOPO'
# The suites bring their own mock IOMMU drivers and buses; no IOMMU device.
iommu: none
cmdline: kunit.enable=1
TOPO
# Two scans: kmemleak reports an object only once it has stayed
# unreferenced through a scan and is older than five seconds.
run='k=/sys/kernel/debug/kmemleak; echo scan > $k; sleep 6; echo scan > $k; echo @@KMEMLEAK $(grep -c unreferenced $k); grep -A14 unreferenced $k | head -60 | sed s/^/@@LEAK\ /'
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
# The kernel's own lines only: the command line names kmemleak.
raw=$work/kunit-debug.raw
tr -d '\r' < "$log" | grep -v -e '^@@' -e 'ommand line: ' > "$raw" || true
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
