#!/bin/bash
# The source of make bench's upstream peer UML kernel: build/peer-uml-src,
# a hard-linked copy of the pristine base (tree.sh's cache) with upstream's
# own drivers/iommu, plus drivers/iommu/bench/: our benchmark and fake PCI
# bus (drivers/iommu/tests/iommu_pci_bench*.{c,h}, iommu_pci_fake.[ch])
# with peer-uml/'s adapter to upstream's API, Makefile and Kconfig.  Two
# base files get a line each (drivers/iommu/Makefile and Kconfig), after
# breaking their hard links.  Prints the tree's path last, on stdout.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments)"
pristine=$("$H/tree.sh" 2> /dev/null | tail -n 1)
[ -f "$pristine/.extracted" ] || { echo "peer-uml: no pristine tree (tree.sh said '$pristine')" >&2; exit 1; }
psrc=$B/peer-uml-src
if ! cmp -s "$pristine/.base-version" "$psrc/.base-version" 2> /dev/null; then
	rm -rf "$psrc"
	cp -al "$pristine" "$psrc" 2> /dev/null || cp -a "$pristine" "$psrc"
fi
t=$REPO/drivers/iommu/tests
mkdir -p "$psrc/drivers/iommu/bench"
rsync -c "$t/iommu_pci_bench_kunit.c" "$t/iommu_pci_bench.h" "$t/iommu_pci_fake.c" \
	"$t/iommu_pci_fake.h" "$H/peer-uml/iommu_pci_bench_upstream.c" "$H/peer-uml/Makefile" \
	"$psrc/drivers/iommu/bench/"
# append FILE LINE: LINE at FILE's end once, FILE no longer a hard link.
append() {
	grep -qxF "$2" "$psrc/$1" && return
	cp "$psrc/$1" "$psrc/$1.tmp" && mv "$psrc/$1.tmp" "$psrc/$1"
	echo "$2" >> "$psrc/$1"
}
append drivers/iommu/Makefile 'obj-y += bench/'
cp "$H/peer-uml/Kconfig" "$psrc/drivers/iommu/bench/Kconfig.tmp"
cmp -s "$psrc/drivers/iommu/bench/Kconfig.tmp" "$psrc/drivers/iommu/bench/Kconfig" ||
	mv "$psrc/drivers/iommu/bench/Kconfig.tmp" "$psrc/drivers/iommu/bench/Kconfig"
rm -f "$psrc/drivers/iommu/bench/Kconfig.tmp"
append drivers/iommu/Kconfig 'source "drivers/iommu/bench/Kconfig"'
echo "$psrc"
