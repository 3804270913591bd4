# IOMMU groups for Linux 6.12: build, test and demo harness.  See README.md.

CACHE	?= $(HOME)/.cache/iommu-group
B	:= $(CURDIR)/build
SRC	:= $(B)/src
X86	:= $(B)/x86_64
X86DBG	:= $(B)/x86_64-debug
UML	:= $(B)/uml
JOBS	?= $(shell nproc)
H	:= $(CURDIR)/harness

# ccache shares objects between clones: paths below build/ are made relative.
export CCACHE_DIR	?= $(CACHE)/ccache
export CCACHE_BASEDIR	:= $(B)
export CCACHE_NOHASHDIR	:= true
export CCACHE_MAXSIZE	?= 8G
KMAKE	= flock $(CACHE)/kbuild.lock $(MAKE) -C $(SRC) O=$(1) ARCH=x86_64 \
	  CC="ccache gcc" -j$(JOBS)

.PHONY: all deps base tree kunit kunit-debug kernel-debug kernel qemu-test vtd-test check test demo bench series series-check clean help
all: help

help:
	@echo "make test       checks, KUnit (UML) and QEMU boot tests; last line 'N passed, N failed'"
	@echo "make demo       build and boot the x86_64 kernel, print the IOMMU groups"
	@echo "make kunit      KUnit suites under UML"
	@echo "make kernel     x86_64 q35 kernel; prints the bzImage path last"
	@echo "make qemu-test  boot the kernel on the topologies in harness/topologies"
	@echo "make vtd-test   VT-d boots: reserved regions, remove/rescan, QMP hotplug"
	@echo "make check      checkpatch --strict, sparse and kernel-doc on our files"
	@echo "make series     the work as a git format-patch series in build/series"
	@echo "make series-check  apply it to a fresh base, checkpatch and build each patch"
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

demo: kernel
	@$(H)/demo.sh $(X86)/arch/x86/boot/bzImage $(H)/topologies/default.topo

check: tree $(X86)/.config
	@$(H)/check.sh $(SRC) $(X86) $(CURDIR)

test: deps
	@$(H)/test.sh

clean:
	rm -rf $(B)

series: base
	@python3 $(H)/series.py "$$(cat $(B)/base-path)" $(CURDIR) $(B)/series

series-check: series
	@$(H)/series-check.sh $(B)/series $(B)/series-check $(H)/configs/x86_64-q35.config
