#!/bin/bash
# Our KUnit suites inside the x86_64 debug kernel (KASAN, lockdep, kmemleak,
# object debugging, failslab), booted on topologies/debug/kunit.topo, where
# UML cannot go: one TAP check per KUnit case (kunit.py parse --json of the
# console), then the boot's: /init scanned the whole kernel log and found no
# report, the console up to /init has none either, kmemleak found nothing
# (guest/kmemleak.sh).  PLANT_WARN=1 (qemu-run.sh) must make it fail.
set -u
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments)"
build_kernel x86_64-debug
work=$B/qemu/kunit
mkdir -p "$work"
log=$("$H/qemu-run.sh" "$kernel" "$H/topologies/debug/kunit.topo" 2> "$work/run.err")
rc=$?
log=${log:-$B/qemu/kunit.log}
tr -d '\r' < "$log" > "$work/console"
# DEBUG_KOBJECT_RELEASE logs each delayed release from a worker on any CPU,
# so such a line can land between a KTAP version line and its "# Subtest:",
# where kunit.py takes it for the end of the subtest.  kunit.py reads the
# console without them; the report checks below read all of it.
grep -v '^\[[ 0-9.]*\] kobject: ' "$work/console" > "$work/ktap"
(cd "$SRC" && python3 tools/testing/kunit/kunit.py parse --json="$work/kunit.json" "$work/ktap") > "$work/parse.out" 2>&1
st=$?
kunit_checks "$work/kunit.json"
check $st "kunit.py parse exited $st ($work/parse.out)" "$work/parse.out"
check $rc "QEMU exited $rc (log $log)" "$work/run.err"
grep -q '^@@DONE' "$work/console" && grep -q '^@@KMSG records=[1-9]' "$work/console"
check $? "/init scanned the kernel log ($(sed -n 's/^@@KMSG //p' "$work/console"))"
sed -n 's/^@@KERNEL_BAD //p' "$work/console" > "$work/reports"
[ ! -s "$work/reports" ]
check $? "no kernel report in /init's scan of the whole log" "$work/reports"
# Not the command line's echo, which names kmemleak.
grep -v -e '^@@' -e 'ommand line: ' "$work/console" | kernel_reports > "$work/console-reports"
[ ! -s "$work/console-reports" ]
check $? "no kernel report on the console" "$work/console-reports"
sed -n 's/^@@RELEASES /# delayed kobject releases: /p' "$work/console"
leaks=$(sed -n 's/^@@KMEMLEAK //p' "$work/console")
grep '^@@LEAK' "$work/console" > "$work/leaks"
[ "$leaks" = 0 ]
check $? "kmemleak after the suites: ${leaks:-no result} unreferenced objects" "$work/leaks"
tap_done
