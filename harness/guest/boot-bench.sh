#!/bin/sh
# boot-bench.sh: how long this boot's IOMMU driver took to group the PCI
# devices, from the kernel log of a boot with initcall_debug; one line for
# peer-bench.sh on the host:
#   @@BOOTBENCH devices=N span=MS init=MS
# devices: the "to iommu group" lines (ours: "added to IOMMU group",
# upstream: "Adding to iommu group"); span: from the first to the last of
# them; init: the initcall they came in (ours vtd_init or amd_iommu_init's
# pci_iommu_init, upstream pci_iommu_init; an address where the kernel has
# no symbols), from its "initcall ... after N usecs".  Or "@@BOOTBENCH failed WHAT".
dmesg | awk '
	function ts(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line + 0 }
	/calling  / { fn = $0; sub(/.*calling  /, "", fn); sub(/ @ .*/, "", fn); sub(/\+.*/, "", fn); last = fn }
	/[Tt]o [Ii][Oo][Mm][Mm][Uu] group/ {
		if (!n++) { first = ts($0); init = last }
		end = ts($0)
	}
	/initcall / && /returned/ {
		fn = $0; sub(/.*initcall /, "", fn); sub(/ returned.*/, "", fn); sub(/\+.*/, "", fn)
		us = $0; sub(/.* after /, "", us); sub(/ usecs.*/, "", us); took[fn] = us
	}
	END {
		if (!n) { print "@@BOOTBENCH failed no device was grouped"; exit }
		if (!(init in took)) { print "@@BOOTBENCH failed no initcall_debug line of " init; exit }
		printf "@@BOOTBENCH devices=%d span=%.3f init=%.3f\n", n, (end - first) * 1000, took[init] / 1000
		printf "@@NOTE boot-bench: grouped in %s\n", init
	}'
