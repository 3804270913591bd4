#!/bin/bash
# Hotplug storm (issue 8): two boots of the default topology with a free root
# port (rp3, bus 04) added, each with a second guest process walking
# /sys/kernel/iommu_groups and running lspci -vv throughout:
#  1. "rescan": the guest removes 01:00.0 and the 02:00.0 subtree through
#     sysfs and rescans, CYCLES times;
#  2. "hotplug": the host hot adds and removes an e1000e on rp3 through QMP
#     (ACPI hotplug, QEMU's q35 default), HOTPLUG times (default CYCLES).
# After each, the groups and their ids must be as before, no id may have
# grown past the number of groups, and the kernel log must be clean; on a
# kernel with kmemleak, a scan must find nothing new.
# One boot per kind of cycle, each with its own counts and checks.  (The two
# kinds also pass together on one vCPU; the failures that once kept them
# apart were QEMU's, README "Reliability".)
# Usage: storm.sh BZIMAGE CYCLES [HOTPLUG]   (a count of 0 skips that boot)
# STORM_PLANT=1 plants a real WARN (LKDTM) at rescan cycle 1: the storm must
# then fail its kernel-log check, however many cycles follow.
# STORM_MEM=MB gives the guest more than qemu-run.sh's 512 MB (the debug
# kernel's KASAN shadow, kmemleak records and delayed kobject releases).
# The guest has one vCPU (STORM_SMP=2 for two): with two, QEMU 7.2's TCG
# loses APIC EOIs or crashes after many BAR changes (see qemu-run.sh).
# Every 100 rescans the guest prints "@@CYCLE N <uptime> s <memory>"
# (storm-guest.sh); storm.sh shows those lines.
# Prints "ok|FAIL storm: <what>" per check, last "storm: N passed, N failed".
set -eu
usage() { echo "usage: $0 BZIMAGE CYCLES [HOTPLUG]" >&2; exit 2; }
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
kernel=$1 cycles=$2 hotplug=${3:-$2}
case $cycles$hotplug in *[!0-9]*) usage ;; esac
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$here")/build/qemu/storm
mkdir -p "$work"
passed=0 failed=0 pfx=
# Take the status first: a $(...) in WHAT would reset $? before it is read.
#   cmd; ok=$?; check WHAT $ok
check() { # WHAT STATUS
	if [ "$2" = 0 ]; then echo "ok storm: $pfx$1"; passed=$((passed + 1))
	else echo "FAIL storm: $pfx$1"; failed=$((failed + 1)); fi
}

# The guest's side, storm-guest.sh, goes into the initramfs as /storm-guest.sh
# through qemu-run.sh's INITRD_PREPEND.
guest=$work/storm-guest.cpio
(cd "$here" && echo storm-guest.sh | cpio -o -H newc -R 0:0 --quiet) > "$guest"

# One boot: CYCLES rescans, then HOTPLUG hot add/removes; checks prefixed
# with PHASE.
boot() { # PHASE CYCLES HOTPLUG
	local phase=$1 cycles=$2 hotplug=$3
	pfx="$phase: "
	name=storm-$phase-$cycles-$hotplug	# its own log name per length
	topo=$work/$name.topo sock=$work/qmp.sock
	rm -f "$sock" "$(dirname "$here")/build/qemu/$name.log"	# no stale answers
	{ cat "$here/topologies/default.topo"
	  echo "qemu: -device pcie-root-port,id=rp3,bus=pcie.0,addr=0x5,chassis=3,slot=3"
	  echo "qemu: -qmp unix:$sock,server=on,wait=off"
	  [ -z "${STORM_MEM-}" ] || echo "qemu: -m $STORM_MEM"; } > "$topo"
	start=$(date +%s)
	INITRD_PREPEND=$guest QEMU_TIMEOUT=${QEMU_TIMEOUT:-5400} QEMU_SMP=${STORM_SMP:-1} \
		"$here/qemu-run.sh" "$kernel" "$topo" \
		"harness.run=\"sh /storm-guest.sh $cycles $hotplug ${STORM_PLANT:-0}\"" \
		> "$work/run.path" 2> "$work/run.err" &
	qemu=$!
	# Interrupted: take QEMU down too (qemu-run.sh runs it under timeout(1),
	# which passes the signal on).
	qmp=
	trap 'pkill -TERM -P $qemu 2> /dev/null; [ -z "$qmp" ] || kill $qmp 2> /dev/null' EXIT
	trap 'exit 130' INT TERM
	log=$(dirname "$here")/build/qemu/$name.log
	if [ "$hotplug" -gt 0 ]; then
		"$here/qmp.py" hotplug "$sock" "$log" rp3 "$hotplug" \
			> "$work/qmp.out" 2>&1 &
		qmp=$!
	fi
	qrc=0
	wait $qemu || qrc=$?
	trap - EXIT
	if [ -n "$qmp" ]; then
		kill $qmp 2> /dev/null && echo "qmp: stopped, QEMU had ended" >> "$work/qmp.out"
		wait $qmp 2> /dev/null || true
	fi
	out=$work/$name.out
	sed -n '/^@@RUN_BEGIN/,/^@@RUN_END/p' "$log" | tr -d '\r' > "$out"
	echo "storm: QEMU ran $(( $(date +%s) - start )) s; log $log"
	sed -n 's/^@@CYCLE /storm: cycle /p; s/^@@PLANTED /storm: planted /p' "$out"

	set +e	# from here on a failed test is a FAIL line, not the end
	# QEMU itself may die: 7.2 segfaults after many BAR changes on two
	# vCPUs (qemu-run.sh).
	[ $qrc = 0 ]
	rc=$?
	check "QEMU ran to the guest's power-off (status $qrc; $(tail -n 1 "$work/run.err"))" $rc

	if [ "$cycles" -gt 0 ]; then
		grep -q "^@@STORM cycles=$cycles " "$out"
		rc=$?
		check "$cycles remove/rescan cycles ran ($(sed -n 's/^@@STORM //p' "$out"))" $rc
	fi
	if [ "$hotplug" -gt 0 ]; then
		grep -qx "qmp: $hotplug cycles in [0-9]* s" "$work/qmp.out" &&
			grep -q "^@@STORM .* hotplug=$hotplug " "$out"
		rc=$?
		check "$hotplug QMP device_add/device_del cycles, each seen by the guest ($(cat "$work/qmp.out"))" $rc
		[ "$(grep -cE '^@@HP_IN [0-9]+ [0-9]+$' "$out")" = "$hotplug" ]
		rc=$?
		check "every hot-added 04:00.0 had a group ($(grep '^@@HP_IN' "$out" | cut -d' ' -f3 | sort -n | uniq -c | tr -s ' \n' ' '): count id)" $rc
	fi
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
	# A hung task panics the debug kernel, which then replays its log.
	panic='^\[ *[0-9.]+\] (INFO: task .* blocked for more|Kernel panic)'
	! grep -aqE "$panic" "$log"
	rc=$?
	check "the guest did not panic$(grep -a -m 1 -E "$panic" "$log" | tr -d '\r' | sed 's/^/: /')" $rc
	# /init's scan, after the storm, of every record the kernel logged
	# during the boot (initramfs-init.sh).
	"$here/kernel-log.sh" "$log" > "$work/reports"
	rc=$?
	check "no kernel report in the whole kernel log ($(grep -a '^@@KMSG' "$log" | tr -d '\r'); $(grep -c . "$work/reports") reports)" $rc
	if grep -q '^@@KMEMLEAK' "$out"; then
		grep -qx '@@KMEMLEAK 0' "$out"
		check "kmemleak finds no new leak" $?
	fi
	{ cat "$work/reports"; grep '^@@LEAK' "$out"
	  cat "$work/diff"; } | head -n 20 | sed 's/^/    /'
	set -e
}


[ "$cycles" = 0 ] || boot rescan "$cycles" 0
[ "$hotplug" = 0 ] || boot hotplug 0 "$hotplug"
echo "storm: $passed passed, $failed failed"
[ $failed -eq 0 ]
