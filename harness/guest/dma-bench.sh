#!/bin/sh
# dma-bench.sh BDF: the kernel's dma_map_benchmark (its selftest, built
# static into /bin by mkinitramfs.sh) on device BDF, bound to the
# dma_map_benchmark driver: 1 and 4 threads, granules of 1 and 16 pages,
# 3 s each.  One line per run for dma-bench.sh on the host:
#   @@DMABENCH t=THREADS g=PAGES map=US unmap=US
# (average latencies in microseconds), or "@@DMABENCH failed WHAT".
bdf=$1
dev=/sys/bus/pci/devices/$bdf
drv=/sys/bus/pci/drivers/dma_map_benchmark
[ -e "$dev" ] || { echo "@@DMABENCH failed no device $bdf"; exit 1; }
[ -e "$dev/driver" ] && echo "$bdf" > "$dev/driver/unbind"
echo dma_map_benchmark > "$dev/driver_override"
echo "$bdf" > "$drv/bind" || { echo "@@DMABENCH failed bind"; exit 1; }
mount -t debugfs none /sys/kernel/debug 2> /dev/null
for t in 1 4; do
	for g in 1 16; do
		out=$(dma_map_benchmark -t "$t" -g "$g" -s 3 2>&1)
		map=$(echo "$out" | sed -n 's/^average map latency(us):\([0-9.]*\).*/\1/p')
		unmap=$(echo "$out" | sed -n 's/^average unmap latency(us):\([0-9.]*\).*/\1/p')
		if [ -n "$map" ] && [ -n "$unmap" ]; then
			echo "@@DMABENCH t=$t g=$g map=$map unmap=$unmap"
		else
			echo "@@DMABENCH failed t=$t g=$g: $(echo "$out" | tail -n 1)"
		fi
	done
done
echo "$bdf" > "$drv/unbind"
echo > "$dev/driver_override"
