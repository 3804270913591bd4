#!/bin/sh
# The guest's side of storm.sh, put into the initramfs by it and run by /init
# (harness.run="sh /storm-guest.sh CYCLES HOTPLUG [PLANT]"), busybox sh.
#  1. CYCLES times: remove 01:00.0 and the 02:00.0 subtree through sysfs,
#     rescan; every 100 cycles "@@CYCLE N <uptime> s <memory>", the memory
#     being MemAvailable, Shmem (tmpfs: /init's copy of the kernel log grows
#     there), Slab and the three largest slab caches (KiB);
#     with PLANT=1, LKDTM's real WARN at cycle 1 (@@PLANTED), which the
#     kernel-log check must then report however many cycles follow;
#  2. HOTPLUG times: await the host's hot add of 04:00.0 and its removal
#     (qmp.py's protocol: @@HP_READY, @@HP_IN N <group id>, @@HP_OUT N).
# Meanwhile a second process walks /sys/kernel/iommu_groups and runs
# lspci -vv.  Then it reports what storm.sh checks: @@STORM, @@IDS,
# @@BEFORE/@@AFTER (the groups), @@KMEMLEAK and @@LEAK (with kmemleak).
# /init checks the kernel log afterwards (@@KERNEL_BAD).
cycles=${1:?usage: storm-guest.sh CYCLES HOTPLUG [PLANT]} hotplug=${2:?} plant=${3:-0}
G=/sys/kernel/iommu_groups K=/sys/kernel/debug/kmemleak
P=/sys/bus/pci/devices d=/sys/bus/pci/devices/0000:04:00.0

snap() { for g in "$G"/*; do echo "${g##*/}: $(ls "$g/devices" | tr '\n' ' ')"; done; }
now() { cut -d' ' -f1 /proc/uptime; }
mem() {
	{ grep -E '^(MemAvailable|Slab|Shmem):' /proc/meminfo
	  awk 'NR > 2 { printf "%d KiB %s\n", $3 * $4 / 1024, $1 }' /proc/slabinfo 2> /dev/null |
		sort -rn | head -n 3; } | tr -s ' \n' '  '
}
there() { [ -e "$d/iommu_group" ]; }
gone() { [ ! -e "$d" ]; }
upto() { w=0; until $1; do sleep 0.02; w=$((w + 1)); [ $w -lt 4500 ] || return 1; done; }

[ -e "$K" ] && echo clear > "$K"
snap > /tmp/a
n0=$(ls "$G" | wc -l)
(
	m=0 r=0
	while [ ! -e /tmp/stop ]; do
		for g in "$G"/*; do
			id=${g##*/}
			[ "$id" -gt $m ] 2> /dev/null && m=$id
			ls "$g/devices" > /dev/null 2>&1
		done
		lspci -vv > /dev/null 2>&1
		r=$((r + 1))
	done
	echo $m $r > /tmp/reader
) &
reader=$!

i=0 t0=$(now)
echo "@@CYCLE 0 $t0 s $(mem)"
while [ $i -lt "$cycles" ]; do
	echo 1 > $P/0000:01:00.0/remove
	echo 1 > $P/0000:02:00.0/remove
	echo 1 > /sys/bus/pci/rescan
	i=$((i + 1))
	if [ "$plant" = 1 ] && [ $i = 1 ]; then
		echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT &&
			echo "@@PLANTED a WARN at cycle 1"
	fi
	[ $((i % 100)) = 0 ] && echo "@@CYCLE $i $(now) s $(mem)"
done

t1=$(now)
echo @@HP_READY
j=1
while [ $j -le "$hotplug" ]; do
	upto there || break
	echo "@@HP_IN $j $(readlink "$d/iommu_group" | sed 's,.*/,,')"
	upto gone || break
	echo "@@HP_OUT $j"
	j=$((j + 1))
done
t2=$(now)
touch /tmp/stop
wait $reader

echo "@@STORM cycles=$i hotplug=$((j - 1)) rescan_from=$t0 hotplug_from=$t1 to=$t2"
echo "@@IDS groups=$n0 maxid=$(cut -d' ' -f1 /tmp/reader) reads=$(cut -d' ' -f2 /tmp/reader)"
snap > /tmp/b
sed 's/^/@@BEFORE /' /tmp/a
sed 's/^/@@AFTER /' /tmp/b
if [ -e "$K" ]; then
	echo scan > "$K"
	sleep 5
	echo scan > "$K"
	echo "@@KMEMLEAK $(grep -c unreferenced "$K")"
	grep -A12 unreferenced "$K" | head -n 40 | sed 's/^/@@LEAK /'
fi
echo "@@CYCLE end $(now) s $(mem)"
