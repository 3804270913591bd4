#!/bin/bash
# Our KUnit suites inside the x86_64 debug kernel (KASAN, lockdep, kmemleak,
# object debugging, failslab), where UML cannot go: booted on
# topologies/debug/kunit.topo (every suite, mock drivers, no IOMMU device)
# and topologies/debug/vtd-edu.topo (the VT-d driver's DMA with QEMU's edu
# device).  For each boot: one TAP check per KUnit case (kunit_console,
# lib.sh), then /init scanned the whole kernel log and found no report, the
# console up to /init has none either, kmemleak found nothing
# (guest/kmemleak.sh).  PLANT_WARN=1 (qemu-run.sh) must make it fail.
set -u
. "$(dirname "$0")/lib.sh"
. "$H/topology.sh"
[ $# = 0 ] || usage "(no arguments)"
build_kernel x86_64-debug

for topo in "$H/topologies/debug/kunit.topo" "$H/topologies/debug/vtd-edu.topo"; do
	name=$(topo_name "$topo" "$(topo_iommus "$topo")")
	work=$B/qemu/$name.kunit
	mkdir -p "$work"
	log=$("$H/qemu-run.sh" "$kernel" "$topo" 2> "$work/run.err")
	rc=$?
	log=${log:-$B/qemu/$name.log}
	kunit_console "$log" "$work" "$name: "
	check $rc "$name: QEMU exited $rc (log $log)" "$work/run.err"
	grep -q '^@@DONE' "$work/console" && grep -q '^@@KMSG records=[1-9]' "$work/console"
	check $? "$name: /init scanned the kernel log ($(sed -n 's/^@@KMSG //p' "$work/console"))"
	sed -n 's/^@@KERNEL_BAD //p' "$work/console" > "$work/reports"
	[ ! -s "$work/reports" ]
	check $? "$name: no kernel report in /init's scan of the whole log" "$work/reports"
	# Not the command line's echo, which names kmemleak.
	grep -v -e '^@@' -e 'ommand line: ' "$work/console" | kernel_reports > "$work/console-reports"
	[ ! -s "$work/console-reports" ]
	check $? "$name: no kernel report on the console" "$work/console-reports"
	sed -n 's/^@@RELEASES /# '"$name"': delayed kobject releases: /p' "$work/console"
	leaks=$(sed -n 's/^@@KMEMLEAK //p' "$work/console")
	grep '^@@LEAK' "$work/console" > "$work/leaks"
	[ "$leaks" = 0 ]
	check $? "$name: kmemleak after the suites: ${leaks:-no result} unreferenced objects" "$work/leaks"
done
tap_done
