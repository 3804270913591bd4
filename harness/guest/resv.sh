#!/bin/sh
# Reserved regions, numbered: "@@RESV <n> <start> <end> <type>", those of
# DEV's group, or without DEV the distinct ones of all groups, sorted.
# Usage: resv.sh [DEV]
if [ -n "${1-}" ]; then
	cat "/sys/bus/pci/devices/$1/iommu_group/reserved_regions"
else
	cat /sys/kernel/iommu_groups/*/reserved_regions | sort -u
fi | awk '{ print "@@RESV " NR " " $0 }'
