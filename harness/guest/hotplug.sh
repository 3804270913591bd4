#!/bin/sh
# The guest's side of qmp.py's hotplug protocol (topology "hotplug:"),
# CYCLES times: await DEV's arrival and its group, then its removal.
#   @@HP_READY
#   @@HP_IN <i> group=<id> iommu=<unit> listed=<1 if in the unit's devices/>
#   @@HP_OUT <i> gone=1 group-gone=<1|0> listed=<0|1> groups-as-before=<1|0>
#   @@HOTPLUG cycles=<done>
# Usage: hotplug.sh DEV CYCLES
dev=${1:?usage: hotplug.sh DEV CYCLES} cycles=${2:?usage: hotplug.sh DEV CYCLES}
d=/sys/bus/pci/devices/$dev G=/sys/kernel/iommu_groups
count() { n=0; for g in "$G"/*; do [ -e "$g" ] && n=$((n + 1)); done; echo $n; }
there() { [ -e "$d/iommu_group" ]; }
gone() { [ ! -e "$d" ]; }
listed() { for u in /sys/class/iommu/*/devices/$dev; do [ -e "$u" ] && return 0; done; return 1; }
# upto TEST [TRIES]: wait for TEST, 20 ms a try (90 s by default).
upto() { w=0; until $1; do sleep 0.02; w=$((w + 1)); [ $w -lt "${2:-4500}" ] || return 1; done; }
n0=$(count)
echo @@HP_READY
i=1
while [ $i -le "$cycles" ]; do
	upto there || break
	upto listed 150
	g=$(readlink "$d/iommu_group") u=$(readlink "$d/iommu")
	echo "@@HP_IN $i group=${g##*/} iommu=${u##*/} listed=$(listed && echo 1 || echo 0)"
	upto gone || break
	echo "@@HP_OUT $i gone=1 group-gone=$([ -e "$G/${g##*/}" ] && echo 0 || echo 1)" \
		"listed=$(listed && echo 1 || echo 0) groups-as-before=$([ "$(count)" = "$n0" ] && echo 1 || echo 0)"
	i=$((i + 1))
done
echo "@@HOTPLUG cycles=$((i - 1))"
