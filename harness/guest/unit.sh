#!/bin/sh
# Each IOMMU unit of /sys/class/iommu against the groups:
#   @@UNIT <unit> links=all|<n> of <pci devices> listed=grouped|differs
# links: PCI devices whose "iommu" link points to the unit; listed: whether
# the unit's devices/ holds exactly the PCI devices that have a group.
#   @@UNIT_DEVICES <unit> <its devices/, sorted>
P=/sys/bus/pci/devices
grouped=$(for d in "$P"/*; do [ -e "$d/iommu_group" ] && echo "${d##*/}"; done | sort | tr '\n' ' ')
for u in /sys/class/iommu/*; do
	[ -e "$u" ] || continue
	n=0 m=0
	for d in "$P"/*; do
		m=$((m + 1))
		[ "$(readlink -f "$d/iommu")" = "$(readlink -f "$u")" ] && n=$((n + 1))
	done
	links="$n of $m"
	[ "$n" != "$m" ] || links=all
	listed=$(ls "$u/devices" | sort | tr '\n' ' ')
	same=differs
	[ "$listed" != "$grouped" ] || same=grouped
	echo "@@UNIT ${u##*/} links=$links listed=$same"
	echo "@@UNIT_DEVICES ${u##*/} $listed"
done
