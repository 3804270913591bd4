#!/bin/sh
# CYCLES times: remove each DEV (and so its subtree) through sysfs, check
# that the subtree went, rescan, and check that every PCI device is back in
# a group of the same members, with the same IOMMU link, the number of
# groups and each unit's device list unchanged.  Prints
#   @@RESCAN cycles=<done> bad=<cycles with a difference>
# and the first difference as "@@RESCAN_DIFF" lines.
# Usage: rescan.sh CYCLES DEV...
cycles=${1:?usage: rescan.sh CYCLES DEV...}
shift
P=/sys/bus/pci/devices
# Builtins only (cd -P for links): a cycle forks twice, not per device.
snap() {
	ng=0
	for g in /sys/kernel/iommu_groups/*; do [ -e "$g" ] && ng=$((ng + 1)); done
	echo "groups $ng"
	for d in "$P"/* /sys/class/iommu/*; do
		l=${d##*/}:
		for m in "$d"/iommu_group/devices/* "$d"/devices/*; do
			[ -e "$m" ] && l="$l ${m##*/}"
		done
		cd -P "$d/iommu" 2> /dev/null && l="$l iommu=${PWD##*/}"
		echo "$l"
	done
	cd /
}
snap > /tmp/rescan.before
# What stays while DEV's subtree is gone.
left=0
for d in "$P"/*; do
	p=$(readlink -f "$d")
	for r in "$@"; do
		case $p in */"$r"|*/"$r"/*) continue 2 ;; esac
	done
	left=$((left + 1))
done
i=0 bad=0
while [ $i -lt "$cycles" ]; do
	for r in "$@"; do echo 1 > "$P/$r/remove"; done
	n=0
	for d in "$P"/*; do n=$((n + 1)); done
	echo 1 > /sys/bus/pci/rescan
	snap > /tmp/rescan.now
	if [ $n != $left ] || ! cmp -s /tmp/rescan.before /tmp/rescan.now; then
		[ $bad != 0 ] || { echo "@@RESCAN_DIFF cycle $((i + 1)): $n devices while removed, $left expected"
			diff /tmp/rescan.before /tmp/rescan.now | sed 's/^/@@RESCAN_DIFF /'; }
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
echo "@@RESCAN cycles=$i bad=$bad"
