#!/bin/bash
# make bench's side-by-side part, not a test: each benchmark topology booted
# ROUNDS times (default 5) on our kernel and on the upstream peer kernel
# (peer.sh), alternating; prints per figure the median on each kernel and
# the ratio ours/upstream.  A boot reports "@@<TAG> key=value ..." lines:
# keys t and g name a row (threads, granule), the others are figures.
#   topologies/bench/vfio-map.topo    @@VFIOBENCH: VFIO type1 map/unmap,
#                                     guest/vfio-edu.c's bench case (us)
#   topologies/bench/dma-map*.topo    @@DMABENCH: the kernel's
#                                     dma_map_benchmark (guest/dma-bench.sh):
#                                     strict, lazy (DMA-FQ), iommu=pt
# The raw lines are in build/peer-bench/.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments; ROUNDS=N)"
out=$B/peer-bench
mkdir -p "$out"
build_kernel x86_64
ours=$kernel
peer=$("$H/peer.sh")
for spec in VFIOBENCH:vfio-map DMABENCH:dma-map DMABENCH:dma-map-fq DMABENCH:dma-map-pt; do
	tag=${spec%%:*} name=${spec#*:}
	topo=$H/topologies/bench/$name.topo
	: > "$out/$name.ours"
	: > "$out/$name.peer"
	for i in $(seq "${ROUNDS:-5}"); do
		for who in ours peer; do
			img=$ours
			[ $who = ours ] || img=$peer
			log=$("$H/qemu-run.sh" "$img" "$topo" 2> "$out/qemu-run.err") ||
				{ cat "$out/qemu-run.err" >&2; exit 1; }
			lines=$(tr -d '\r' < "$log" | sed -n "s/^@@$tag //p")
			if [ -z "$lines" ] || grep -q '^failed' <<< "$lines"; then
				echo "peer-bench: $name, $who, round $i: no result in $log" >&2
				exit 1
			fi
			echo "$lines" | sed "s/^/$i /" >> "$out/$name.$who"
			echo "peer-bench: $name round $i $who: $(echo "$lines" | tr '\n' ';')" >&2
		done
	done
	python3 - "$name" "$out/$name.ours" "$out/$name.peer" <<'PY'
import statistics, sys
name, files = sys.argv[1], sys.argv[2:]
def medians(path):
    vals, rounds = {}, set()
    for line in open(path):
        rnd, *kv = line.split()
        rounds.add(rnd)
        kv = dict(f.split('=') for f in kv)
        row = ' '.join('%s=%s' % (k, kv.pop(k)) for k in ('t', 'g') if k in kv)
        for k, v in kv.items():
            vals.setdefault((row, k), []).append(float(v))
    return {k: statistics.median(v) for k, v in vals.items()}, len(rounds)
ours, n = medians(files[0])
peer, _ = medians(files[1])
print('%s: median of %d boots each (us)' % (name, n))
print('  %-28s %12s %12s %8s' % ('', 'ours', 'upstream', 'ratio'))
for k in ours:
    label = ('%s %s' % k).strip()
    print('  %-28s %12.2f %12.2f %8.2f' % (label, ours[k], peer[k], ours[k] / peer[k]))
PY
done
