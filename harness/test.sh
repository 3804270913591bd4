#!/bin/bash
# `make test` (or with "debug", `make test-debug`): run every stage, each a
# script printing TAP into build/test-<stage>.log, even after one failed;
# then summary.pl adds them up, its last line "N passed, N failed".
# Naming stages runs only those.
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
[ "${1-}" != debug ] || { shift; stages=(kunit-debug kunit-qemu-debug qemu-debug storm-debug dma-io-debug); }
[ $# = 0 ] || stages=("$@")
for s in "${stages[@]}"; do
	[ -n "${cmd[$s]-}" ] || usage "[debug] [STAGE...]   stages: ${!cmd[*]}"
done
mkdir -p "$B"
results=()
for s in "${stages[@]}"; do
	log=$B/test-$s.log
	echo "$s: running, log $log"
	start=$(date +%s)
	${cmd[$s]} > "$log" 2>&1
	results+=("$s:$?:$(( $(date +%s) - start )):$log")
done
exec "$H/summary.pl" "${results[@]}"
