#!/bin/bash
# make bench's side-by-side part, not a test: each benchmark topology booted
# ROUNDS times (default 5) on our kernel and on the upstream peer kernel
# (peer.sh), alternating; prints per figure the median on each kernel and
# the ratio ours/upstream; then a boot figure, ours against Debian's stock
# kernel.  A boot reports "@@<TAG> key=value ..." lines:
# keys t and g name a row (threads, granule), the others are figures.
#   topologies/bench/vfio-map.topo    @@VFIOBENCH: VFIO type1 map/unmap,
#                                     guest/vfio-edu.c's bench case (us)
#   topologies/bench/dma-map*.topo    @@DMABENCH: the kernel's
#                                     dma_map_benchmark (guest/dma-bench.sh):
#                                     strict, lazy (DMA-FQ), iommu=pt
#   topologies/bench/nvme-read*.topo  @@IOBENCH: NVMe sequential O_DIRECT
#                                     reads (guest/blk-bench.sh, MiB/s:
#                                     there a ratio above 1 is ours faster),
#                                     strict, lazy, iommu=pt
#   topologies/bench/boot-groups.topo @@BOOTBENCH: 112 devices grouped at
#                                     boot (guest/boot-bench.sh, ms), ours
#                                     against the stock Debian kernel, and
#                                     make distro's build of ours against it
# Naming topologies (NAME.topo of topologies/bench/) runs only those;
# OURS=IMAGE and PEER=IMAGE boot those images instead of building them.  The
# raw lines are in build/peer-bench/.
set -eu
. "$(dirname "$0")/lib.sh"
all="vfio-map dma-map dma-map-fq dma-map-pt nvme-read nvme-read-fq nvme-read-pt boot-groups"
for n in "$@"; do
	case " $all " in *" $n "*) ;; *) usage "[NAME...]   (ROUNDS=N OURS=IMAGE PEER=IMAGE; NAME: $all)" ;; esac
done
want=" ${*:-$all} "
out=$B/peer-bench
mkdir -p "$out"
if [ -n "${OURS-}" ]; then ours=$OURS; else build_kernel x86_64; ours=$kernel; fi
peer=${PEER:-$("$H/peer.sh")}

# bench TAG NAME A:IMAGE B:IMAGE: boot topologies/bench/NAME.topo ROUNDS
# times on each image, alternating; its @@TAG lines into out/NAME.A and
# out/NAME.B; then the medians of each figure and their ratio A/B.
bench() {
	local tag=$1 name=$2 topo=$H/topologies/bench/$2.topo i who img log lines
	shift 2
	for who in "$@"; do : > "$out/$name.${who%%:*}"; done
	for i in $(seq "${ROUNDS:-5}"); do
		for who in "$@"; do
			img=${who#*:} who=${who%%:*}
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
	python3 - "$name" "$out/$name.${1%%:*}" "$out/$name.${2%%:*}" <<'PY'
import os, statistics, sys
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
a, n = medians(files[0])
b, _ = medians(files[1])
la, lb = (os.path.splitext(f)[1][1:] for f in files)
unit = {'nvme': 'MiB/s', 'boot': 'ms'}.get(name.split('-')[0], 'us')
print('%s: median of %d boots each (%s)' % (name, n, unit))
print('  %-28s %12s %12s %8s' % ('', la, lb if lb != 'peer' else 'upstream', 'ratio'))
for k in a:
    label = ('%s %s' % k).strip()
    print('  %-28s %12.2f %12.2f %8.2f' % (label, a[k], b[k], a[k] / b[k] if b[k] else 0))
PY
}

for spec in VFIOBENCH:vfio-map DMABENCH:dma-map DMABENCH:dma-map-fq DMABENCH:dma-map-pt \
	IOBENCH:nvme-read IOBENCH:nvme-read-fq IOBENCH:nvme-read-pt; do
	case $want in *" ${spec#*:} "*) bench "${spec%%:*}" "${spec#*:}" "ours:$ours" "peer:$peer" ;; esac
done
case $want in *" boot-groups "*) ;; *) exit 0 ;; esac

# The boot figure: our kernels against Debian's own 6.12 image (the stock
# linux-image package, as make distro fetches it), grouping 112 devices;
# with make distro's build, ours in Debian's configuration too.
if ! stock=$(deb_fetch "linux-image-$(make -s -C "$SRC" kernelversion)+deb12-amd64-unsigned"); then
	echo "peer-bench: no stock Debian linux-image-6.12 package (apt-get download failed): no boot figure" >&2
	exit 0
fi
dpkg-deb --fsys-tarfile "$stock" | tar -xO --wildcards './boot/vmlinuz-*' > "$out/stock-vmlinuz"
echo "peer-bench: boot figure against $(basename "$stock")" >&2
bench BOOTBENCH boot-groups "ours:$ours" "stock:$out/stock-vmlinuz"
if [ -f "$B/distro/arch/x86/boot/bzImage" ]; then
	cp "$B/distro/arch/x86/boot/bzImage" "$out/distro-bzImage"
	bench BOOTBENCH boot-groups "distro:$out/distro-bzImage" "stock:$out/stock-vmlinuz"
fi
