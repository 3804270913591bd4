#!/bin/bash
# `make test` (or with "debug", `make test-debug`): run every stage, each a
# script printing TAP into build/test-<stage>.log, even after one failed;
# then summary.pl adds them up in the order of stages below, its last line
# "N passed, N failed".  Naming stages runs only those, one after another.
set -u
. "$(dirname "$0")/lib.sh"
T=$H/topologies
declare -A cmd=(
	[kunit]="$H/kunit.sh"
	[qemu]="$H/qemu-test.sh x86_64 $T/*.topo"
	[drivers]="$H/qemu-test.sh x86_64 $T/drivers/*.topo"
	[storm]="$H/qemu-test.sh x86_64 $T/storm/*.topo"
	[vtd]="$H/qemu-test.sh x86_64 $T/vtd/*.topo"
	[amd]="$H/qemu-test.sh x86_64 $T/amd/*.topo"
	[dma-io]="$H/qemu-test.sh x86_64 $T/dma-io/*.topo"
	[vfio]="$H/vfio-test.sh"
	[check]="$H/check.sh"
	[distro]="$H/distro.sh quick"
	[series]="$H/series-check.sh"
	[kunit-debug]="$H/kunit.sh debug"
	[kunit-qemu-debug]="$H/kunit-qemu.sh"
	[qemu-debug]="env QEMU_TIMEOUT=900 $H/qemu-test.sh x86_64-debug $T/*.topo"
	[storm-debug]="$H/qemu-test.sh x86_64-debug $T/debug/storm-*.topo"
	[dma-io-debug]="env QEMU_TIMEOUT=1800 $H/qemu-test.sh x86_64-debug $T/dma-io/*.topo"
)
stages=(kunit qemu drivers storm vtd amd dma-io vfio check distro series)
# make test runs two lanes side by side, each its stages one after another:
# a one-vCPU QEMU boot keeps one of the two cores busy, and kbuild.sh's
# lock keeps builds one at a time (the stages of a lane need nothing of
# the other's but builds, which kernel.sh, peer.sh and tree.sh lock).
lanes=("qemu drivers storm" "kunit check distro series vfio dma-io vtd amd")
if [ "${1-}" = debug ]; then
	shift
	stages=(kunit-debug kunit-qemu-debug qemu-debug storm-debug dma-io-debug)
	lanes=("${stages[*]}")
fi
if [ $# != 0 ]; then
	stages=("$@")
	lanes=("${stages[*]}")
fi
for s in "${stages[@]}"; do
	[ -n "${cmd[$s]-}" ] || usage "[debug] [STAGE...]   stages: ${!cmd[*]}"
done
mkdir -p "$B"

# lane STAGE...: run each into build/test-<stage>.log; its result
# (stage:status:seconds:log) into build/test-<stage>.result.
lane() {
	local s log start st
	for s in "$@"; do
		log=$B/test-$s.log
		echo "$s: running, log $log"
		start=$(date +%s)
		${cmd[$s]} > "$log" 2>&1
		st=$?
		echo "$s:$st:$(( $(date +%s) - start )):$log" > "$B/test-$s.result"
		echo "$s: ended ($st) after $(( $(date +%s) - start )) s"
	done
}
results=()
for s in "${stages[@]}"; do rm -f "$B/test-$s.result"; done
for l in "${lanes[@]}"; do
	# shellcheck disable=SC2086 # a lane is a list of stage names
	lane $l &
done
wait
for s in "${stages[@]}"; do
	# A lane that died leaves its stage no result: one failure.
	[ -f "$B/test-$s.result" ] || { : >> "$B/test-$s.log"; echo "$s:1:0:$B/test-$s.log" > "$B/test-$s.result"; }
	results+=("$(cat "$B/test-$s.result")")
done
exec "$H/summary.pl" "${results[@]}"
