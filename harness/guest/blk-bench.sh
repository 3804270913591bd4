#!/bin/sh
# blk-bench.sh BDF MIB ROUNDS: sequential O_DIRECT reads of the first MIB
# MiB of BDF's disk, in 1 MiB requests, ROUNDS times (the first one also
# warms QEMU's host page cache of the image); one line per round for
# peer-bench.sh on the host:
#   @@IOBENCH mibs=MIB_PER_S
# or "@@IOBENCH failed WHAT".  The group's type is the default domain the
# boot's command line chose.
bdf=$1 mib=$2 rounds=$3
d=/sys/bus/pci/devices/$bdf
[ -e "$d" ] || { echo "@@IOBENCH failed no device $bdf"; exit 1; }
real=$(readlink -f "$d") dev=
w=0
while [ -z "$dev" ] && [ $w -lt 300 ]; do
	for c in /sys/class/block/*; do
		case $(readlink -f "$c") in "$real"/*) dev=${c##*/}; break ;; esac
	done
	[ -n "$dev" ] || { sleep 0.1; w=$((w + 1)); }
done
[ -n "$dev" ] || { echo "@@IOBENCH failed no disk on $bdf"; exit 1; }
echo "@@NOTE blk-bench: $bdf is $dev, group type $(cat "$d/iommu_group/type" 2> /dev/null)"
# uptime's hundredths: busybox dd prints no rate of its own.
now() { read -r t _ < /proc/uptime; echo "${t%.*}${t#*.}"; }
i=0
while [ $i -lt "$rounds" ]; do
	i=$((i + 1))
	t0=$(now)
	dd if="/dev/$dev" of=/dev/null bs=1M count="$mib" iflag=direct 2> /tmp/dd.err ||
		{ echo "@@IOBENCH failed dd: $(tail -n 1 /tmp/dd.err)"; exit 1; }
	t1=$(now)
	[ "$t1" -gt "$t0" ] || t1=$((t0 + 1))
	echo "@@IOBENCH mibs=$((mib * 100 / (t1 - t0)))"
done
