#!/bin/bash
# A distribution's kernel on our core: Debian's own amd64 configuration of
# the base (the stock linux-image package's /boot/config, fetched with
# apt-get), checked as TAP.
#   distro.sh        (`make distro`) olddefconfig against upstream's, every
#                    enabled file outside drivers/iommu that reaches the
#                    IOMMU headers compiled, vmlinux linked, the modules
#                    built that are made of at most $DISTRO_MODULE_MAX
#                    objects, modpost over them, the symbols the other
#                    modules' objects need, and boots of the bzImage on q35
#                    with intel-iommu and amd-iommu (topologies/distro/)
#   distro.sh quick  (make test's stage "distro") olddefconfig against
#                    upstream's and the files below, which once failed
# Build trees: build/distro (debug info off: the only change to Debian's
# configuration) and build/distro-cfg-{peer,ours}.
set -u
. "$(dirname "$0")/lib.sh"
mode=${1-full}
case $#:$mode in 0:full|1:quick) ;; *) usage "[quick]" ;; esac
MODULE_MAX=${DISTRO_MODULE_MAX:-100}
quick_files="
	drivers/dma/idxd/init.o drivers/dma/idxd/device.o drivers/dma/idxd/cdev.o
	drivers/dma/idxd/sysfs.o drivers/dma/idxd/irq.o drivers/dma/idxd/submit.o
	drivers/dma/idxd/dma.o drivers/dma/idxd/bus.o drivers/dma/idxd/compat.o
	drivers/dma/idxd/defaults.o drivers/dma/idxd/debugfs.o
	drivers/crypto/intel/iaa/iaa_crypto_main.o
	drivers/vfio/container.o drivers/vfio/group.o drivers/vfio/vfio_main.o
	drivers/vfio/vfio_iommu_type1.o
	drivers/gpu/drm/amd/amdgpu/amdgpu_device.o drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.o
	drivers/gpu/drm/nouveau/nvkm/subdev/ltc/gp10b.o
	drivers/vhost/vdpa.o drivers/infiniband/hw/usnic/usnic_uiom.o
	drivers/thunderbolt/nhi.o drivers/usb/host/xhci.o drivers/net/ethernet/sfc/falcon/rx.o
	sound/pci/emu10k1/emu10k1_main.o
	drivers/vdpa/vdpa_user/iova_domain.o drivers/vdpa/vdpa_user/vduse_dev.o
	arch/x86/virt/svm/sev.o drivers/crypto/ccp/sev-dev.o"
D=$B/distro
mkdir -p "$D"
say() { echo "# $*"; }

pristine=$("$H/tree.sh" | tail -n 1) || { check 1 "tree.sh made the build tree"; tap_done; exit; }
kver=$(make -s -C "$pristine" kernelversion)

abi=$kver+deb12-amd64
image=$(deb_fetch "linux-image-$abi-unsigned") || {
	# The base's own build may have left the archive: the newest 6.12 one.
	abi=$(apt-cache pkgnames linux-image-6.12. 2> /dev/null |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)-unsigned$/\1/p' | sort -V | tail -n 1)
	say "linux-image-$kver+deb12-amd64-unsigned is not in the archive; using ${abi:-none}"
	image=$(deb_fetch "linux-image-$abi-unsigned")
}
[ -n "$image" ]
check $? "apt-get download linux-image-$abi-unsigned (Debian's configuration)"
[ -n "$image" ] || { tap_done; exit; }
dpkg-deb --fsys-tarfile "$image" | tar -xO "./boot/config-$abi" > "$D/debian.config"
check $? "the package holds /boot/config-$abi"

# olddefconfig of Debian's file on the pristine tree and on ours: what
# differs is what our Kconfig changes, each in the README's table.
for side in peer ours; do
	mkdir -p "$B/distro-cfg-$side"
	cp "$D/debian.config" "$B/distro-cfg-$side/.config"
	if [ $side = peer ]; then ksrc=$pristine; else ksrc=$SRC; fi
	KSRC=$ksrc "$H/kbuild.sh" make x86_64 "$B/distro-cfg-$side" olddefconfig \
		> "$B/distro-cfg-$side/olddefconfig.log" 2>&1
	check $? "olddefconfig of Debian's configuration on the $side tree" \
		"$B/distro-cfg-$side/olddefconfig.log"
done
python3 "$H/distro.py" config "$B/distro-cfg-peer/.config" "$B/distro-cfg-ours/.config" \
	"$REPO/README.md" > "$D/config-diff.txt"
check $? "olddefconfig changes only what the README's table lists ($(tail -n 1 "$D/config-diff.txt" | sed 's/^# //'))" \
	"$D/config-diff.txt"

# The build's configuration: Debian's, without debug info (three times the
# build time and BTF's pahole).
cp "$B/distro-cfg-ours/.config" "$D/.config.new"
"$SRC/scripts/config" --file "$D/.config.new" --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
	--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 --enable DEBUG_INFO_NONE \
	--disable DEBUG_INFO_BTF
cmp -s "$D/.config.new" "$D/.config.in" 2> /dev/null || {
	cp "$D/.config.new" "$D/.config.in"
	cp "$D/.config.new" "$D/.config"
}
"$H/kbuild.sh" make x86_64 "$D" olddefconfig prepare > "$D/prepare.log" 2>&1
check $? "olddefconfig and prepare of the build tree" "$D/prepare.log"

# compile LOG OBJ...: kbuild's single targets, each error a failure.
compile() {
	local log=$1 n
	shift
	"$H/kbuild.sh" make x86_64 "$D" -k "$@" > "$log" 2>&1
	sed -n 's/.*\*\*\* \[[^]]*: \([^]]*\.o\)\] Error .*/\1/p' "$log" | sort -u > "$log.failed"
	n=$(wc -l < "$log.failed")
	[ "$n" = 0 ]
	check $? "$# files reaching the IOMMU headers compile ($n failed)" "$log.failed"
	grep -E '^[^ ]+\.[ch]:[0-9]+:[0-9]+: warning:' "$log" | sort -u > "$log.warnings"
	n=$(wc -l < "$log.warnings")
	[ "$n" = 0 ]
	check $? "... without a compiler warning ($n)" "$log.warnings"
}

if [ "$mode" = quick ]; then
	# shellcheck disable=SC2086
	compile "$D/quick.log" $quick_files
	tap_done
	exit
fi

# The enabled files: a dry run of the whole build names each compile.
if [ ! -s "$D/enabled.txt" ] || [ "$D/.config" -nt "$D/enabled.txt" ]; then
	# -B names every compile; may-sync-config= keeps it from remaking
	# .config (which -B would); -j1 keeps each command on a line of its own.
	"$H/kbuild.sh" make x86_64 "$D" -j1 -n -B -k may-sync-config= vmlinux modules \
		> "$D/dry-run.log" 2>&1
	dpkg-deb -c "$image" > "$D/stock-modules.txt"
	python3 "$H/distro.py" files "$SRC" "$D/dry-run.log" "$D/stock-modules.txt" \
		> "$D/enabled.txt.new" && mv "$D/enabled.txt.new" "$D/enabled.txt"
fi
n=$(wc -l < "$D/enabled.txt" 2> /dev/null)
[ "${n:-0}" -gt 0 ]
check $? "the dry run names ${n:-0} enabled files reaching the IOMMU headers" "$D/dry-run.log"
[ "${n:-0}" -gt 0 ] || { tap_done; exit; }
say "$(awk '$2 == "vmlinux"' "$D/enabled.txt" | wc -l) built in, the others in" \
	"$(awk '$2 != "vmlinux" { print $2 }' "$D/enabled.txt" | sort -u | wc -l) modules"
# shellcheck disable=SC2046
compile "$D/files.log" $(cut -d ' ' -f 1 "$D/enabled.txt")

"$H/kbuild.sh" make x86_64 "$D" vmlinux bzImage > "$D/vmlinux.log" 2>&1
check $? "vmlinux links and makes a bzImage" "$D/vmlinux.log"

# The smaller modules whole, with modpost: undefined symbols are
# warnings here and count only if no stock module outside drivers/iommu
# exports them.  Of the larger ones (DRM drivers) the objects above.
kos=$(awk -v max="$MODULE_MAX" '$2 != "vmlinux" && $2 != "?" && $3 <= max { print $2 ".ko" }' \
	"$D/enabled.txt" | sort -u)
# shellcheck disable=SC2086
KBUILD_MODPOST_WARN=1 "$H/kbuild.sh" make x86_64 "$D" -k $kos drivers/iommu/iova.ko \
	> "$D/modules.log" 2>&1
check $? "$(echo "$kos" | wc -w) modules of at most $MODULE_MAX objects build" "$D/modules.log"
headers=$(deb_fetch "linux-headers-$abi")
dpkg-deb --fsys-tarfile "$headers" | tar -xO "./usr/src/linux-headers-$abi/Module.symvers" \
	> "$D/stock.symvers"
check $? "Module.symvers of the stock kernel (linux-headers-$abi)"
sed -n 's/^WARNING: modpost: "\([^"]*\)" \[\([^]]*\)\] undefined!$/\1 \2/p' "$D/modules.log" |
	while read -r sym ko; do
		owner=$(awk -v s="$sym" '$2 == s { print $3 }' "$D/stock.symvers")
		case $owner in
		''|vmlinux|drivers/iommu/*) echo "$sym in $ko (stock: ${owner:-not exported})" ;;
		esac
	done > "$D/modpost.undefined"
n=$(wc -l < "$D/modpost.undefined")
[ "$n" = 0 ]
check $? "modpost: no module needs a symbol only stock vmlinux or drivers/iommu exports ($n)" \
	"$D/modpost.undefined"
# shellcheck disable=SC2046
(cd "$D" && nm -uA $(awk '$2 != "vmlinux" { print $1 }' enabled.txt) 2> /dev/null) > "$D/undefined.nm"
python3 "$H/distro.py" symbols "$D/stock.symvers" "$D/Module.symvers" "$D/undefined.nm" \
	> "$D/symbols.txt"
check $? "every module object's symbol that stock 6.12 exports from vmlinux or drivers/iommu is ours too" \
	"$D/symbols.txt"

# Boots: groups as expected, no kernel report (qemu-test.sh's checks).
KERNEL=$D/arch/x86/boot/bzImage "$H/qemu-test.sh" x86_64 "$H"/topologies/distro/*.topo \
	> "$D/qemu.log" 2>&1
st=$?
grep -E '^(not )?ok ' "$D/qemu.log" | sed 's/^\(not \)\{0,1\}ok [0-9]* - /\1/' > "$D/qemu.tap"
while read -r line; do
	case $line in "not "*) check 1 "boot: ${line#not }" ;; *) check 0 "boot: $line" ;; esac
done < "$D/qemu.tap"
check $st "qemu-test.sh on topologies/distro/ passed" "$D/qemu.log"
tap_done
