#!/bin/sh
# Remove DEV through sysfs; with "rescan", rescan the buses after.
# Usage: pci-remove.sh DEV [rescan]
echo 1 > "/sys/bus/pci/devices/${1:?usage: pci-remove.sh DEV [rescan]}/remove"
[ "${2-}" != rescan ] || echo 1 > /sys/bus/pci/rescan
