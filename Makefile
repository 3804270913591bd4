# IOMMU groups for Linux 6.12: build, test and demo harness.  See README.md.

CACHE	?= $(HOME)/.cache/iommu-group
B	:= $(CURDIR)/build
SRC	:= $(B)/src
X86	:= $(B)/x86_64
X86DBG	:= $(B)/x86_64-debug
UML	:= $(B)/uml
PPC	:= $(B)/ppc64le
JOBS	?= $(shell nproc)
H	:= $(CURDIR)/harness

# ccache shares objects between clones: paths below build/ are made relative.
export CCACHE_DIR	?= $(CACHE)/ccache
export CCACHE_BASEDIR	:= $(B)
export CCACHE_NOHASHDIR	:= true
export CCACHE_MAXSIZE	?= 8G
KMAKE	= flock $(CACHE)/kbuild.lock $(MAKE) -C $(SRC) O=$(1) ARCH=x86_64 \
	  CC="ccache gcc" -j$(JOBS)

.PHONY: all deps base tree kunit kunit-debug kernel-debug storm storm-debug qemu-test-debug kunit-qemu-debug test-debug kernel qemu-test vtd-test amd-qemu-test check test demo bench series series-check docs clean help
.PHONY: deps-ppc64le kernel-ppc64le qemu-test-ppc64le
all: help

help:
	@echo "make test       checks, KUnit (UML) and QEMU boot tests; last line 'N passed, N failed'"
	@echo "make demo       build and boot the x86_64 kernel, print the IOMMU groups"
	@echo "                (IOMMU=amd: with AMD-Vi instead of VT-d)"
	@echo "make kunit      KUnit suites under UML"
	@echo "make kernel     x86_64 q35 kernel; prints the bzImage path last"
	@echo "make qemu-test  boot the kernel on the topologies in harness/topologies"
	@echo "make vtd-test   VT-d boots: reserved regions, remove/rescan, QMP hotplug"
	@echo "make amd-qemu-test  AMD-Vi boots: bad IVRS, amd_iommu=off, hotplug, ..."
	@echo "make kernel-ppc64le     ppc64le pseries kernel (cross gcc, not in make test)"
	@echo "make qemu-test-ppc64le  boot it on harness/topologies/ppc64le/*.topo"
	@echo "make check      checkpatch --strict, sparse and kernel-doc on our files"
	@echo "make test-debug KUnit, QEMU topologies and a 1,000-cycle hotplug storm on debug kernels"
	@echo "                (KASAN, lockdep, kmemleak, object debugging); not part of make test"
	@echo "make series     the work as a git format-patch series in build/series"
	@echo "make series-check  apply it to a fresh base, checkpatch and build each patch"
	@echo "make docs       the driver-api book with Sphinx, no warning from our files"
	@echo "make bench      benchmark of the PCI grouping rules (not a test)"
	@echo "make base       fetch and extract Debian's linux-source-6.12"
	@echo "make clean      remove build/ (the cache in $(CACHE) stays)"

deps:
	@$(H)/deps.sh

base: deps
	@mkdir -p $(B) $(CACHE)
	@$(H)/base.sh $(CACHE) > $(B)/base-path

tree: base
	@$(H)/overlay.sh "$$(cat $(B)/base-path)" $(SRC) $(CURDIR)
	@echo "tree: $$(cat $(SRC)/.base-version) with our IOMMU core at $(SRC)"

kunit: tree
	@rm -f $(B)/kunit.log
	cd $(SRC) && flock $(CACHE)/kbuild.lock python3 tools/testing/kunit/kunit.py run \
		--build_dir=$(UML) --kunitconfig=drivers/iommu/.kunitconfig \
		--jobs=$(JOBS) --make_options='CC=ccache gcc' \
		> $(B)/kunit.log 2>&1 || true
	@$(H)/kunit-summary.sh $(B)/kunit.log $(UML)/test.log

# Not a test: prints the iommu_pci_bench figures (time per device, memory).
bench: tree
	@rm -f $(B)/bench.log
	cd $(SRC) && flock $(CACHE)/kbuild.lock python3 tools/testing/kunit/kunit.py run \
		--build_dir=$(B)/uml-bench --kunitconfig=drivers/iommu/bench.kunitconfig \
		--jobs=$(JOBS) --make_options='CC=ccache gcc' --timeout=900 \
		> $(B)/bench.log 2>&1 || true
	@grep -E '# pci_bench_grouping: [^.]' $(B)/uml-bench/test.log | sed 's/^.*# pci_bench_grouping: /bench: /'
	@grep -E 'Testing complete' $(B)/bench.log || tail -n 20 $(B)/bench.log

# The same suites with KASAN, UBSAN and object debugging: see issue 8.
kunit-debug: tree
	@rm -f $(B)/kunit-debug.log
	cd $(SRC) && flock $(CACHE)/kbuild.lock python3 tools/testing/kunit/kunit.py run \
		--build_dir=$(B)/uml-debug --kunitconfig=drivers/iommu/.kunitconfig \
		--kunitconfig=$(H)/configs/kunit-debug.config \
		--jobs=$(JOBS) --make_options='CC=ccache gcc' --timeout=900 \
		> $(B)/kunit-debug.log 2>&1 || true
	@$(H)/kunit-summary.sh $(B)/kunit-debug.log $(B)/uml-debug/test.log

$(X86)/.config: $(H)/configs/x86_64-q35.config | tree
	@$(H)/kconfig.sh $(SRC) $(X86) $^

$(X86DBG)/.config: $(H)/configs/x86_64-q35.config $(H)/configs/x86_64-debug.config | tree
	@$(H)/kconfig.sh $(SRC) $(X86DBG) $^

kernel: tree $(X86)/.config
	@start=$$(date +%s); $(call KMAKE,$(X86)) -s bzImage < /dev/null || exit 1; \
	 echo "kernel: built in $$(( $$(date +%s) - start )) s"
	@echo $(X86)/arch/x86/boot/bzImage

kernel-debug: tree $(X86DBG)/.config
	@start=$$(date +%s); $(call KMAKE,$(X86DBG)) -s bzImage < /dev/null || exit 1; \
	 echo "kernel-debug: built in $$(( $$(date +%s) - start )) s"
	@echo $(X86DBG)/arch/x86/boot/bzImage

qemu-test: kernel
	@$(H)/qemu-test.sh $(X86)/arch/x86/boot/bzImage $(H)/topologies/*.topo

vtd-test: kernel
	@$(H)/vtd-test.sh $(X86)/arch/x86/boot/bzImage

amd-qemu-test: kernel
	@$(H)/amd-qemu-test.sh $(X86)/arch/x86/boot/bzImage

# IOMMU=amd (or intel, none) boots the default topology with that IOMMU.
demo: kernel
	@topo=$(H)/topologies/default.topo; \
	 if [ -n "$(IOMMU)" ]; then \
		mkdir -p $(B)/qemu; \
		{ cat $$topo; echo "iommu: $(IOMMU)"; } > $(B)/qemu/default-$(IOMMU).topo; \
		topo=$(B)/qemu/default-$(IOMMU).topo; \
	 fi; \
	 $(H)/demo.sh $(X86)/arch/x86/boot/bzImage $$topo

# Hotplug storm with a concurrent sysfs/lspci reader: short in make test,
# 1,000 cycles on the debug kernel (KASAN, lockdep, kmemleak) in test-debug.
storm: kernel
	@$(H)/storm.sh $(X86)/arch/x86/boot/bzImage 100 100

storm-debug: kernel-debug
	@STORM_MEM=2048 QEMU_TIMEOUT=7200 $(H)/storm.sh $(X86DBG)/arch/x86/boot/bzImage 1000 1000

# Every topology on the debug kernel: any kernel warning, lockdep or KASAN
# report fails the boot.  The debug kernel boots slowly under TCG.
qemu-test-debug: kernel-debug
	@QEMU_TIMEOUT=900 $(H)/qemu-test.sh $(X86DBG)/arch/x86/boot/bzImage $(H)/topologies/*.topo

# The KUnit suites inside the x86_64 debug kernel, with a kmemleak scan after.
kunit-qemu-debug: kernel-debug
	@$(H)/kunit-qemu.sh $(X86DBG)/arch/x86/boot/bzImage $(SRC)

test-debug: deps
	@$(H)/test.sh debug

# POWER (issue 6): a cold cross build takes most of an hour on two cores, so
# it stays out of `make test`.  It does not take the kbuild lock: it runs
# niced and leaves the lock to the short x86/UML builds.
PKMAKE	= nice -n 19 $(MAKE) -C $(SRC) O=$(PPC) ARCH=powerpc \
	  CROSS_COMPILE=powerpc64le-linux-gnu- \
	  CC="ccache powerpc64le-linux-gnu-gcc" -j$(JOBS)

deps-ppc64le:
	@$(H)/deps.sh gcc-powerpc64le-linux-gnu qemu-system-ppc qemu-system-data

$(PPC)/.config: $(H)/configs/ppc64le-pseries.config | tree deps-ppc64le
	@mkdir -p $(PPC)
	$(PKMAKE) -s tinyconfig
	cd $(PPC) && ARCH=powerpc $(SRC)/scripts/kconfig/merge_config.sh -m -O $(PPC) .config $< > /dev/null
	$(PKMAKE) -s olddefconfig
	@$(H)/config-check.sh $< $@

kernel-ppc64le: tree deps-ppc64le $(PPC)/.config
	@start=$$(date +%s); $(PKMAKE) -s vmlinux < /dev/null || exit 1; \
	 echo "kernel-ppc64le: built in $$(( $$(date +%s) - start )) s"
	@echo $(PPC)/vmlinux

qemu-test-ppc64le: kernel-ppc64le
	@QEMU_ARCH=ppc64le $(H)/qemu-test.sh $(PPC)/vmlinux $(H)/topologies/ppc64le/*.topo

check: tree $(X86)/.config
	@$(H)/check.sh $(SRC) $(X86) $(CURDIR)

test: deps
	@$(H)/test.sh

# The driver-api book with the kernel's Sphinx setup; fails if a warning
# names one of our files.  Slow (minutes), so not part of make test.
docs: tree
	@$(H)/deps.sh python3-sphinx python3-yaml
	@$(MAKE) -s -C $(SRC) O=$(B)/docs SPHINXDIRS=driver-api htmldocs > $(B)/docs.log 2>&1 || \
	 { tail -n 20 $(B)/docs.log; exit 1; }
	@! grep -iE 'warning|error' $(B)/docs.log | \
	   grep -E 'iommu-groups|drivers/iommu/|linux/iommu\.h|sysfs-(kernel|class)-iommu'
	@echo "docs: no warning from our files; $(B)/docs/Documentation/output/driver-api/iommu-groups.html"

clean:
	rm -rf $(B)

series: base
	@python3 $(H)/series.py "$$(cat $(B)/base-path)" $(CURDIR) $(B)/series

series-check: series
	@$(H)/series-check.sh $(B)/series $(B)/series-check $(H)/configs/x86_64-q35.config
