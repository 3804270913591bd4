# IOMMU groups for Linux 6.12: each target runs one script of harness/
# (README.md, "Layout").  Variables for the scripts: CACHE (default
# ~/.cache/iommu-group), JOBS, QEMU_TIMEOUT, QEMU_ACCEL, PLANT_WARN.
H	:= harness
T	:= $(H)/topologies

.PHONY: all help test test-debug demo kunit kunit-debug bench kernel kernel-debug \
	kernel-ppc64le distro qemu-test qemu-test-ppc64le qemu-test-ppc64le-peer check series series-check docs base clean
all: help

help:
	@echo "make test       every stage below; last line 'N passed, N failed'"
	@echo "make test-debug the debug stages (KASAN, lockdep, kmemleak); not part of make test"
	@echo "make demo       build and boot the x86_64 kernel, print the IOMMU groups"
	@echo "                (IOMMU=amd: with AMD-Vi instead of VT-d)"
	@echo "make kunit      KUnit suites under UML (kunit-debug: with KASAN, UBSAN, ...)"
	@echo "make kernel     x86_64 q35 kernel; prints the bzImage path last"
	@echo "make qemu-test  boot it on every topology (TOPO=file... for some)"
	@echo "make check      checkpatch --strict, sparse and kernel-doc on our files"
	@echo "make series     the work as a git format-patch series in build/series"
	@echo "make series-check  apply it to a fresh base, checkpatch and build each patch"
	@echo "make kernel-ppc64le, qemu-test-ppc64le  POWER pseries and powernv9 (cross gcc), not in make test"
	@echo "make qemu-test-ppc64le-peer  the same boots on the upstream peer kernel (peer.sh ppc64le)"
	@echo "make distro     Debian's amd64 configuration on our core: compiled, linked, booted (not in make test)"
	@echo "make docs       the driver-api book with Sphinx, no warning from our files"
	@echo "make bench      benchmarks beside upstream (not tests): PCI grouping, VFIO and DMA API\n                map/unmap, NVMe reads, grouping at boot"
	@echo "make base       fetch Debian's linux-source-6.12 and lay our files over it"
	@echo "make clean      remove build/ (the cache stays)"

test:			; @$(H)/test.sh
test-debug:		; @$(H)/test.sh debug
demo:			; @$(H)/demo.sh $(IOMMU)
kunit:			; @$(H)/kunit.sh
kunit-debug:		; @$(H)/kunit.sh debug
bench:			; @$(H)/kunit.sh bench && $(H)/peer-bench.sh
kernel:			; @$(H)/kernel.sh x86_64
kernel-debug:		; @$(H)/kernel.sh x86_64-debug
kernel-ppc64le:		; @$(H)/kernel.sh ppc64le
qemu-test:		; @$(H)/qemu-test.sh x86_64 $(or $(TOPO),$(wildcard $(T)/*.topo $(T)/drivers/*.topo $(T)/vtd/*.topo $(T)/dma-io/*.topo))
qemu-test-ppc64le:	; @$(H)/qemu-test.sh ppc64le $(wildcard $(T)/ppc64le/*.topo $(T)/powernv/*.topo)
qemu-test-ppc64le-peer:	; @KERNEL=$$($(H)/peer.sh ppc64le) && KERNEL=$$KERNEL $(H)/qemu-test.sh ppc64le $(wildcard $(T)/ppc64le/*.topo $(T)/powernv/*.topo)
check:			; @$(H)/check.sh
series:			; @$(H)/series-check.sh --only-write
series-check:		; @$(H)/series-check.sh
distro:			; @$(H)/distro.sh
docs:			; @$(H)/docs.sh
base:			; @$(H)/tree.sh
clean:			; rm -rf build
