#!/bin/sh
# Enable N SR-IOV VFs on each PF (bound to pci-pf-stub), then disable and
# enable those of the first PF again: "@@VF_OFF groups=<n>" in between.
# Usage: sriov.sh VENDOR:DEVICE N PF...
id=${1:?usage: sriov.sh VENDOR:DEVICE N PF...} n=${2:?}
shift 2
echo "${id%:*} ${id#*:}" > /sys/bus/pci/drivers/pci-pf-stub/new_id
for pf in "$@"; do echo "$n" > "/sys/bus/pci/devices/$pf/sriov_numvfs"; done
f=/sys/bus/pci/devices/$1/sriov_numvfs
echo 0 > "$f"
echo "@@VF_OFF groups=$(ls /sys/kernel/iommu_groups | wc -l)"
echo "$n" > "$f"
