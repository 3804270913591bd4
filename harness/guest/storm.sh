#!/bin/sh
# A storm while a second process walks /sys/kernel/iommu_groups and runs
# lspci -vv throughout:
#  1. CYCLES times: remove 01:00.0 and the 02:00.0 subtree through sysfs and
#     rescan; every 100 cycles "@@NOTE cycle N <uptime> s <memory>" (memory:
#     MemAvailable, Shmem, where /init's copy of the kernel log grows, Slab
#     and the three largest slab caches);
#  2. HOTPLUG times: the host's hot add and removal of 04:00.0 (hotplug.sh).
# Then what the topology checks:
#   @@STORM cycles=<done> rescan_from=<s> hotplug_from=<s> to=<s>
#   @@IDS groups=<at the start> maxid=<highest id seen> reads=<n> grown=no|yes
#     (at most one group more, the hot-added one's, exists at any time: with
#     the lowest free id always taken, no id exceeds the starting count)
#   @@STORM_GROUPS same|differ   the groups and their ids, as at the start
# and kmemleak.sh's lines.
# Usage: storm.sh CYCLES HOTPLUG
cycles=${1:?usage: storm.sh CYCLES HOTPLUG} hotplug=${2:?usage: storm.sh CYCLES HOTPLUG}
G=/sys/kernel/iommu_groups P=/sys/bus/pci/devices

snap() { for g in "$G"/*; do echo "${g##*/}: $(ls "$g/devices" | tr '\n' ' ')"; done; }
now() { cut -d' ' -f1 /proc/uptime; }
mem() {
	{ grep -E '^(MemAvailable|Slab|Shmem):' /proc/meminfo
	  awk 'NR > 2 { printf "%d KiB %s\n", $3 * $4 / 1024, $1 }' /proc/slabinfo 2> /dev/null |
		sort -rn | head -n 3; } | tr -s ' \n' '  '
}

snap > /tmp/storm.before
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
echo "@@NOTE cycle 0 $t0 s $(mem)"
while [ $i -lt "$cycles" ]; do
	echo 1 > $P/0000:01:00.0/remove
	echo 1 > $P/0000:02:00.0/remove
	echo 1 > /sys/bus/pci/rescan
	i=$((i + 1))
	[ $((i % 100)) = 0 ] && echo "@@NOTE cycle $i $(now) s $(mem)"
done
t1=$(now)
[ "$hotplug" = 0 ] || sh /guest/hotplug.sh 0000:04:00.0 "$hotplug"
t2=$(now)
touch /tmp/stop
wait $reader

read -r max reads < /tmp/reader
echo "@@STORM cycles=$i rescan_from=$t0 hotplug_from=$t1 to=$t2"
echo "@@IDS groups=$n0 maxid=$max reads=$reads grown=$([ "$max" -le "$n0" ] && echo no || echo yes)"
snap > /tmp/storm.after
if cmp -s /tmp/storm.before /tmp/storm.after; then
	echo "@@STORM_GROUPS same"
else
	echo "@@STORM_GROUPS differ"
	diff /tmp/storm.before /tmp/storm.after | sed 's/^/@@NOTE /'
fi
sh /guest/kmemleak.sh
echo "@@NOTE end $(now) s $(mem)"
