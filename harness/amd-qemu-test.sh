#!/bin/bash
# AMD-Vi boot tests beyond the group layouts of qemu-test.sh: the unit in
# /sys/class/iommu and reserved_regions, a malformed
# IVRS, amd_iommu=off, an IVRS whose unit does not answer, 100 remove/rescan
# cycles, hot add/remove through QMP, the PCI-rules topologies booted
# with amd-iommu, and an upgraded IVRS with a cross-bus alias and an IVMD.
# Usage: amd-qemu-test.sh BZIMAGE
# Prints "ok|FAIL <case>: <what>" per check and, last, exactly
# "amd-qemu: N passed, N failed". Exits 1 if any check failed.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BZIMAGE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1
out=$(dirname "$here")/build/qemu
mkdir -p "$out"
passed=0 failed=0

check() { # NAME WHAT OK(0|1)
	if [ "$3" = 0 ]; then
		echo "ok $1: $2"; passed=$((passed + 1))
	else
		echo "FAIL $1: $2"; failed=$((failed + 1))
	fi
}
has() { grep -q -- "$2" "$1"; echo $?; }
# A log that is not there lacks nothing: that fails too.
lacks() { [ -f "$1" ] && ! grep -q -- "$2" "$1"; echo $?; }
# Every boot: /init's scan of its whole kernel log found no report.
log_clean() { # NAME LOG
	local rc=0	# (set -e)
	"$here/kernel-log.sh" "$2" > "$out/reports" || rc=$?
	check "$1" "no kernel report in the kernel log" $rc
	head -n 5 "$out/reports" | sed 's/^/    /'
}
ngroups() { grep -c '^@@GROUP ' "$1" || true; }

# IVRS tables for -acpitable: one IVHD 0x10 for 00:01.0 at 0xfed80000 that
# covers 00:00.0-00:1f.7.  "malformed" leaves the range open; "absent" is
# valid, but no unit answers at that address when QEMU has no amd-iommu.
python3 - "$out" << 'EOF'
import struct, sys
def table(entries):
    ivhd = struct.pack('<BBHHHQHHI', 0x10, 0, 24 + len(entries), 0x0008,
                       0x40, 0xfed80000, 0, 0, 0) + entries
    body = struct.pack('<IQ', 0x00203040, 0) + ivhd
    hdr = b'IVRS' + struct.pack('<IBB6s8sI4sI', 36 + len(body), 2, 0,
                                b'KUNIT ', b'AMDTEST ', 1, b'TEST', 1)
    t = bytearray(hdr + body)
    t[9] = -sum(t) & 0xff
    return bytes(t)
start = struct.pack('<BHB', 3, 0x0000, 0)
end = struct.pack('<BHB', 4, 0x00ff, 0)
open(sys.argv[1] + '/ivrs-malformed.bin', 'wb').write(table(start))
open(sys.argv[1] + '/ivrs-absent.bin', 'wb').write(table(start + end))
EOF

# topo NAME BASE-TOPOLOGY [LINE...]: a topology file derived from BASE.
topo() {
	local name=$1 base=$2
	shift 2
	grep -vE '^(iommu|expect-[a-z]+):' "$base" > "$out/$name.topo"
	printf '%s\n' "$@" >> "$out/$name.topo"
	echo "$out/$name.topo"
}
basic=$here/topologies/amd-basic.topo
# AMD_CASES="cycles hotplug" runs only those cases (default: all).
want() { [ -z "${AMD_CASES:-}" ] || [[ " $AMD_CASES " == *" $1 "* ]]; }

# 0. The unit itself: one log line, /sys/class/iommu/ivhd0 linking exactly
# the devices that have a group, and the MSI window in reserved_regions.
if want unit; then
	show="cd /sys/class/iommu/ivhd0/devices && ls | sed 's/^/@@IVHD_LINK /';\
	 cat /sys/kernel/iommu_groups/*/reserved_regions | sed 's/^/@@RESV /'"
	t=$(topo amd-unit "$basic" "iommu: amd")
	log=$("$here/qemu-run.sh" "$kernel" "$t" "harness.run=\"$show\"" 2> /dev/null) || true
	n=$(grep -ac 'AMD-Vi: ivhd[0-9]*: ' "$log" || true)
	check unit "one log line per unit ($n)" "$([ "$n" = 1 ]; echo $?)"
	check unit "/sys/class/iommu/ivhd0 exists" "$(has "$log" '^@@IOMMU_DEV ivhd0')"
	links=$(grep -a '^@@IVHD_LINK ' "$log" | tr -d '\r' | cut -d' ' -f2 | sort)
	members=$(grep -a '^@@MEMBER ' "$log" | tr -d '\r' | cut -d' ' -f3 | sort)
	check unit "ivhd0 links exactly the grouped devices ($(echo "$links" | grep -c .))" \
		"$([ -n "$links" ] && [ "$links" = "$members" ]; echo $?)"
	check unit "reserved_regions has the MSI window" \
		"$(has "$log" '^@@RESV 0x00000000fee00000 0x00000000feefffff msi')"
	log_clean unit "$log"
fi

# 1. A malformed IVRS: the error names the block, the machine boots, no groups.
if want malformed; then
	t=$(topo amd-malformed "$basic" "iommu: none" "qemu: -acpitable file=$out/ivrs-malformed.bin")
	log=$("$here/qemu-run.sh" "$kernel" "$t" 2> /dev/null) || true
	check malformed "guest reached @@DONE" "$(has "$log" '^@@DONE')"
	check malformed "pr_err names the block and offset" \
		"$(has "$log" 'AMD-Vi: IVRS malformed: range without end at offset 0x48 (block at offset 0x30)')"
	check malformed "no groups ($(ngroups "$log"))" "$([ "$(ngroups "$log")" = 0 ]; echo $?)"
	check malformed "no unit was set up" "$(lacks "$log" 'AMD-Vi: ivhd')"
	log_clean malformed "$log"
fi

# 2. A valid IVRS whose unit does not answer: declined, no groups.
if want absent; then
	t=$(topo amd-absent "$basic" "iommu: none" "qemu: -acpitable file=$out/ivrs-absent.bin")
	log=$("$here/qemu-run.sh" "$kernel" "$t" 2> /dev/null) || true
	check absent "guest reached @@DONE" "$(has "$log" '^@@DONE')"
	check absent "pr_err for the silent unit" "$(has "$log" 'AMD-Vi: ivhd0: no IOMMU capability at 0000:00:01.0 offset 0x40 (IVHD block at offset 0x30)')"
	check absent "no groups ($(ngroups "$log"))" "$([ "$(ngroups "$log")" = 0 ]; echo $?)"
	log_clean absent "$log"
fi

# 3. amd_iommu=off: the unit is left alone.
if want off; then
	t=$(topo amd-off "$basic" "iommu: amd" "cmdline: amd_iommu=off")
	log=$("$here/qemu-run.sh" "$kernel" "$t" 2> /dev/null) || true
	check off "guest reached @@DONE" "$(has "$log" '^@@DONE')"
	check off "no groups ($(ngroups "$log"))" "$([ "$(ngroups "$log")" = 0 ]; echo $?)"
	check off "no unit was set up" "$(lacks "$log" 'AMD-Vi: ivhd')"
	log_clean off "$log"
fi

# 4. 100 remove/rescan cycles of 01:00.0 and of the PCIe-to-PCI bridge with
# 03:01.0 behind it: both come back with groups, 02:00.0 and 03:01.0 share
# one, the IOMMU's own function never gets one, no group is left over and
# ivhd0 links exactly the devices with a group.
# (No double quotes inside: initramfs-init.sh takes harness.run="..." as is.)
if want cycles; then
	cycles="d=/sys/bus/pci/devices; g() { readlink \$d/\$1/iommu_group | sed 's,.*/,,'; };\
	 n0=\$(ls /sys/kernel/iommu_groups | wc -l); bad=0; i=0;\
	 while [ \$i -lt 100 ]; do\
	 echo 1 > \$d/0000:01:00.0/remove; echo 1 > \$d/0000:02:00.0/remove;\
	 [ -e \$d/0000:03:01.0 ] && bad=\$((bad+1));\
	 echo 1 > /sys/bus/pci/rescan;\
	 a=x\$(g 0000:02:00.0); b=x\$(g 0000:03:01.0); c=x\$(g 0000:01:00.0);\
	 [ \$a != x ] && [ \$a = \$b ] && [ \$c != x ] || bad=\$((bad+1));\
	 [ x\$(g 0000:00:01.0) = x ] || bad=\$((bad+1));\
	 [ \$(ls /sys/kernel/iommu_groups | wc -l) = \$n0 ] || bad=\$((bad+1));\
	 [ \$(ls /sys/class/iommu/ivhd0/devices | wc -l) = \$(ls -d \$d/*/iommu_group | wc -l) ] || bad=\$((bad+1));\
	 i=\$((i+1)); done; echo @@CYCLES done=\$i bad=\$bad groups=\$n0"
	t=$(topo amd-cycles "$basic" "iommu: amd" "cmdline: ${AMD_CYCLES_CMDLINE:-}")
	start=$(date +%s)
	log=$(QEMU_SMP=1 "$here/qemu-run.sh" "$kernel" "$t" "harness.run=\"$cycles\"" 2> /dev/null) || true
	secs=$(( $(date +%s) - start ))
	line=$(grep -a '^@@CYCLES' "$log" | tr -d '\r' || true)
	check cycles "100 remove/rescan cycles, all consistent (${line:-no result}; ${secs}s)" \
		"$(echo "$line" | grep -q 'done=100 bad=0 '; echo $?)"
	log_clean cycles "$log"
fi

# 5. QMP hot add and remove of an e1000e on a free root port (bus 4), by
# native PCIe hotplug: QEMU's q35 default, ACPI hotplug, is switched off
# for that (the storm covers ACPI hotplug). The guest's lines @@HP_READY,
# @@HP_IN 1 and @@HP_OUT 1 are its side of qmp.py's hotplug protocol.
if want hotplug; then
	qmp=$out/amd-hotplug.qmp
	rm -f "$qmp"
	hot="d=/sys/bus/pci/devices/0000:04:00.0;\
	 echo @@HOT_BEFORE \$(ls /sys/kernel/iommu_groups | wc -l); echo @@HP_READY;\
	 i=0; while [ ! -e \$d ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done;\
	 i=0; while [ ! -e \$d/iommu_group ] && [ \$i -lt 30 ]; do sleep 0.1; i=\$((i+1)); done;\
	 g=\$(readlink \$d/iommu_group | sed 's,.*/,,'); echo @@HOT_ADDED group=\$g; echo @@HP_IN 1 \$g;\
	 i=0; while [ -e \$d ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done;\
	 [ -e \$d ] && echo @@HOT_STILL_THERE || echo @@HOT_REMOVED; echo @@HP_OUT 1;\
	 echo @@HOT_GROUPS \$(ls /sys/kernel/iommu_groups | wc -l)"
	t=$(topo amd-hotplug "$basic" "iommu: amd" \
		"qemu: -device pcie-root-port,id=rp3,bus=pcie.0,addr=0x5,chassis=3,slot=3" \
		"qemu: -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off" \
		"qemu: -qmp unix:$qmp,server=on,wait=off")
	log=$out/amd-hotplug.log
	rm -f "$log"	# a stale log would answer the waits below
	QEMU_SMP=1 "$here/qemu-run.sh" "$kernel" "$t" "harness.run=\"$hot\"" > /dev/null 2>&1 &
	runner=$!
	"$here/qmp.py" hotplug "$qmp" "$log" rp3 1 > "$out/amd-hotplug.qmp.out" 2>&1 || true
	wait $runner || true
	added=$(grep -a '^@@HOT_ADDED' "$log" | tr -d '\r' || true)
	groups=$(grep -a '^@@HOT_GROUPS' "$log" | tr -d '\r' | cut -d' ' -f2 || true)
	check hotplug "04:00.0 absent at boot" "$(lacks "$log" '^@@DEVLINK 0000:04:00.0')"
	check hotplug "hot-added 04:00.0 got a group (${added:-not seen})" \
		"$(echo "$added" | grep -qE 'group=[0-9]+$'; echo $?)"
	check hotplug "hot-removed 04:00.0 is gone" "$(has "$log" '^@@HOT_REMOVED')"
	before=$(grep -a '^@@HOT_BEFORE' "$log" | tr -d '\r' | cut -d' ' -f2 || true)
	check hotplug "groups before add ${before:-?}, after removal ${groups:-?}" \
		"$([ -n "$groups" ] && [ "$groups" = "$before" ]; echo $?)"
	log_clean hotplug "$log"
fi

# 6. Every PCI-rules topology, booted with amd-iommu instead: the same
# groups (the IOMMU's own function takes a free slot and gets none).
if want pci-rules; then
	mkdir -p "$out/amd-variants"
	variants=()
	for f in "$here"/topologies/pci-*.topo; do
		grep -q '^iommu: amd' "$f" && continue
		v=$out/amd-variants/$(basename "$f" .topo)-amd.topo
		{ cat "$f"; echo "iommu: amd"; } > "$v"
		variants+=("$v")
	done
	res=$("$here/qemu-test.sh" "$kernel" "${variants[@]}" 2>&1 || true)
	echo "$res" | grep '^FAIL' || true
	for v in "${variants[@]}"; do
		n=$(basename "$v" .topo)
		bad=$(echo "$res" | grep -c "^FAIL $n:" || true)
		good=$(echo "$res" | grep -c "^ok $n:" || true)
		check pci-rules "$n: $good checks passed, $bad failed" \
			"$([ "$bad" = 0 ] && [ "$good" -gt 0 ]; echo $?)"
	done
fi

# 7. QEMU's IVRS replaced through an initrd ACPI table upgrade (same OEM and
# table id, higher OEM revision) by a copy of it in which 01:00.0 is an alias
# select entry for 00:04.0's requester ID, a cross-bus alias, and with an
# IVMD unity range for 00:1f.2.  01:00.0 must join 00:04.0's slot group,
# saying why in debugfs, and the range must show in 00:1f.2's
# reserved_regions.
if want ivrs-upgrade; then
	python3 - << 'EOF' | "$here/acpi-upgrade.py" IVRS "$out/amd-ivrs-upgrade.cpio"
import struct, sys
e = lambda kind, devid, data=0: struct.pack('<BHB', kind, devid, data)
entries = e(2, 0x0000) + e(2, 0x0008) + e(2, 0x0010)
entries += e(0x42, 0x0100) + struct.pack('<BHB', 0, 0x0020, 0)  # 01:00.0 as 00:04.0
entries += e(2, 0x0018) + e(2, 0x0200)
entries += e(0x43, 0x0300) + struct.pack('<BHB', 0, 0x0300, 0) + e(4, 0x03ff)
for devid in (0x0020, 0x0021, 0x00f8, 0x00fa, 0x00fb):
    entries += e(2, devid)
ivhd = struct.pack('<BBHHHQHHI', 0x10, 0xd1, 24 + len(entries), 0x0008,
                   0x40, 0xfed80000, 0, 0x0044, 0) + entries
# IVMD for 00:1f.2: unity mapped, read and write, 2 MiB at 0x7f000000.
ivmd = struct.pack('<BBHHH8xQQ', 0x21, 0x07, 32, 0x00fa, 0, 0x7f000000, 0x200000)
sys.stdout.buffer.write(struct.pack('<IQ', 0x00002800, 0) + ivhd + ivmd)
EOF
	t=$(topo amd-ivrs-upgrade "$basic" "iommu: amd" \
		"cmdline: harness.run=\"sed s/^/@@RESV\\ / /sys/bus/pci/devices/0000:00:1f.2/iommu_group/reserved_regions\"" \
		"expect-groups: 6" \
		"expect-none: 0000:00:01.0" \
		"expect-alone: 0000:00:00.0 0000:00:02.0 0000:00:03.0" \
		"expect-same: 0000:00:04.0 0000:00:04.1 0000:01:00.0" \
		"expect-log: 1 ^@@EXPLAIN [0-9]+ 0000:01:00\\.0: IVRS alias with 0000:00:04\\.0$" \
		"expect-same: 0000:00:1f.0 0000:00:1f.2 0000:00:1f.3" \
		"expect-same: 0000:02:00.0 0000:03:01.0" \
		"expect-log: 1 ACPI: Table Upgrade: override \\[IVRS-" \
		"expect-log: 1 ^@@RESV 0x000000007f000000 0x000000007f1fffff direct$" \
		"expect-log: 1 ^@@RESV 0x00000000fee00000 0x00000000feefffff msi$")
	res=$(INITRD_PREPEND=$out/amd-ivrs-upgrade.cpio "$here/qemu-test.sh" "$kernel" "$t" 2>&1 || true)
	echo "$res" | grep '^FAIL' || true
	bad=$(echo "$res" | grep -c '^FAIL' || true)
	good=$(echo "$res" | grep -c '^ok' || true)
	check ivrs-upgrade "cross-bus alias and IVMD: $good checks passed, $bad failed" \
		"$([ "$bad" = 0 ] && [ "$good" -gt 0 ]; echo $?)"
fi

echo "amd-qemu: $passed passed, $failed failed"
[ "$failed" = 0 ]
