#!/bin/bash
# make bench's VFIO part, not a test: topologies/bench/vfio-map.topo
# (guest/vfio-edu.c's bench case) booted ROUNDS times (default 5) on our
# kernel and on the upstream peer kernel (peer.sh), alternating; prints the
# median of each figure (us per call) on each kernel and the ratio
# ours/upstream.  The raw lines are in build/vfio-bench/.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments; ROUNDS=N)"
topo=$H/topologies/bench/vfio-map.topo
out=$B/vfio-bench
mkdir -p "$out"
build_kernel x86_64
ours=$kernel
peer=$("$H/peer.sh")
: > "$out/ours.txt"
: > "$out/peer.txt"
for i in $(seq "${ROUNDS:-5}"); do
	for who in ours peer; do
		img=$ours
		[ $who = ours ] || img=$peer
		log=$("$H/qemu-run.sh" "$img" "$topo" 2> "$out/qemu-run.err") ||
			{ cat "$out/qemu-run.err" >&2; exit 1; }
		line=$(tr -d '\r' < "$log" | sed -n 's/^@@VFIOBENCH //p')
		[ -n "$line" ] || { echo "vfio-bench: $who, round $i: no result in $log" >&2; exit 1; }
		echo "$line" >> "$out/$who.txt"
		echo "vfio-bench: round $i $who: $line" >&2
	done
done
python3 - "$out/ours.txt" "$out/peer.txt" <<'PY'
import statistics, sys
def medians(path):
    runs = [dict(kv.split('=') for kv in l.split()) for l in open(path) if l.strip()]
    return {k: statistics.median(float(r[k]) for r in runs) for k in runs[0]}, len(runs)
ours, n = medians(sys.argv[1])
peer, _ = medians(sys.argv[2])
what = {'map4k': '4 KiB map, per call', 'unmap4k': '4 KiB unmap, per call',
        'map16m': '16 MiB map', 'unmap16m': '16 MiB unmap',
        'map1g': '1 GiB map', 'unmap1g': '1 GiB unmap'}
print('VFIO type1 under VT-d, median of %d boots each, us' % n)
print('%-24s %12s %12s %8s' % ('', 'ours', 'upstream', 'ratio'))
for k in ours:
    print('%-24s %12.2f %12.2f %8.2f' % (what.get(k, k), ours[k], peer[k], ours[k] / peer[k]))
PY
