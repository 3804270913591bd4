#!/bin/bash
# The vfio stage: topologies/vfio/*.topo (guest/vfio-edu.c's cases) booted
# on our kernel, then on the upstream peer kernel (peer.sh, the pristine
# base with its own drivers/iommu), each boot checked by qemu-test.sh; then
# per topology the two kernels' "@@VFIO ok|not-ok" lines must be the same
# (the difference is printed).  TAP; the checks of each kernel are prefixed
# "ours:" and "peer:".
set -u
. "$(dirname "$0")/lib.sh"
. "$H/topology.sh"
[ $# = 0 ] || usage "(no arguments)"
topos=("$H"/topologies/vfio/*.topo)
out=$B/vfio
rm -rf "$out"
mkdir -p "$out/ours" "$out/peer"

# run ours|peer: qemu-test.sh's checks, renumbered into ours; then each
# boot's result lines.
run() {
	local who=$1 line st what t name
	while IFS= read -r line; do
		case $line in
		"ok "*)     st=0 what=${line#ok * - } ;;
		"not ok "*) st=1 what=${line#not ok * - } ;;
		1..*)       continue ;;
		*)          echo "$line"; continue ;;
		esac
		check "$st" "$who: $what"
	done < <("$H/qemu-test.sh" x86_64 "${topos[@]}" 2> "$out/$who.err")
	for t in "${topos[@]}"; do
		name=$(basename "$t" .topo)
		tr -d '\r' < "$B/qemu/$(topo_name "$t" "$(topo_iommus "$t")").log" 2> /dev/null |
			grep -E '^@@VFIO (ok|not-ok) ' > "$out/$who/$name.txt"
	done
}

run ours
if ! peer=$("$H/peer.sh" 2> "$out/peer-build.log"); then
	tail -n 20 "$out/peer-build.log" > "$out/peer-build.tail"
	check 1 "peer.sh built the upstream peer kernel (its output: $out/peer-build.log)" "$out/peer-build.tail"
	tap_done
	exit 1
fi
check 0 "peer: $(grep '^peer: upstream' "$out/peer-build.log" | sed 's/^peer: //')"
KERNEL=$peer run peer
for t in "${topos[@]}"; do
	name=$(basename "$t" .topo)
	diff -u --label "ours/$name" --label "peer/$name" "$out/ours/$name.txt" "$out/peer/$name.txt" > "$out/$name.diff"
	st=$?
	[ -s "$out/ours/$name.txt" ] || st=1
	check $st "$name: our kernel's $(wc -l < "$out/ours/$name.txt") VFIO results are upstream's" "$out/$name.diff"
done
tap_done
