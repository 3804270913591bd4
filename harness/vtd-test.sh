#!/bin/bash
# VT-d checks that need more than a topology file: reserved regions and
# /sys/class/iommu links, 100 remove/rescan cycles, and hotplug through QMP.
# Usage: vtd-test.sh BZIMAGE
# Prints "ok|FAIL vtd: <what>" per check and, last, "vtd: N passed, N failed".
# No set -e: a failed check must not stop the checks after it.
set -u
[ $# -eq 1 ] || { echo "usage: $0 BZIMAGE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1
work=$(dirname "$here")/build/qemu/vtd
mkdir -p "$work"
passed=0 failed=0
check() { # WHAT OK(0|1) [DETAIL-FILE]
	if [ "$2" = 0 ]; then
		echo "ok vtd: $1"; passed=$((passed + 1))
	else
		echo "FAIL vtd: $1"; failed=$((failed + 1))
		[ -z "${3-}" ] || sed 's/^/    /' "$3" | head -n 20
	fi
}
# Every boot: /init's scan of its whole kernel log found no report.
log_clean() { # BOOT LOG
	"$here/kernel-log.sh" "$2" > "$work/reports"
	check "$1 boot: no kernel report in the kernel log" $? "$work/reports"
}
# The lines between @@RUN_BEGIN and @@RUN_END of a log.
run_output() { sed -n '/^@@RUN_BEGIN/,/^@@RUN_END/p' "$1" | tr -d '\r'; }

if [ "${VTD_SKIP_RESCAN-}" ]; then :; else
# --- 1. One boot: reserved regions, class links, 100 remove/rescan cycles.
# The guest command may not contain double quotes (see initramfs-init.sh).
snap='snap(){ for d in /sys/bus/pci/devices/*; do echo ${d##*/} group: $(ls $d/iommu_group/devices 2>/dev/null | tr "\n" " ") iommu: $(readlink $d/iommu); done; echo dmar0: $(ls /sys/class/iommu/dmar0/devices | tr "\n" " "); }'
snap=${snap//\"/\'}
cycle='echo 1 > /sys/bus/pci/devices/0000:01:00.0/remove; echo 1 > /sys/bus/pci/devices/0000:02:00.0/remove; echo 1 > /sys/bus/pci/rescan'
run="$snap; cat /sys/kernel/iommu_groups/*/reserved_regions | sort -u | sed s/^/@@RESV\ /; snap > /tmp/a; for i in \$(seq 100); do $cycle; done; snap > /tmp/b; sed s/^/@@BEFORE\ / /tmp/a; cmp -s /tmp/a /tmp/b && echo @@RESCAN_SAME || sed s/^/@@AFTER\ / /tmp/b"
cp "$here/topologies/default.topo" "$work/vtd-rescan.topo"	# its own log name
log=$(QEMU_SMP=1 "$here/qemu-run.sh" "$kernel" "$work/vtd-rescan.topo" "harness.run=\"$run\"" 2> "$work/run.err") || true
out=$work/rescan.out
run_output "$log" > "$out"
grep -qx '@@RUN_END rc=0' "$out"; check "remove/rescan boot ran its command (log $log)" $? "$work/run.err"
grep -qx '@@RESV 0x00000000fee00000 0x00000000feefffff msi' "$out"
check "reserved_regions lists the x86 MSI window as msi" $? "$out"
[ "$(grep -c '^@@RESV ' "$out")" = 1 ]
check "reserved_regions has nothing else (QEMU's DMAR has no RMRR)" $? "$out"
n=$(grep -c '^@@BEFORE 0000:.* iommu: .*/dmar0$' "$out" || true)
m=$(grep -c '^@@BEFORE 0000:' "$out" || true)
[ "$n" -gt 0 ] && [ "$n" = "$m" ]
check "every PCI device links to dmar0 ($n of $m)" $? "$out"
grep '^@@BEFORE dmar0:' "$out" | grep -q '0000:01:00.0 .*0000:03:02.0'
check "/sys/class/iommu/dmar0/devices links the devices" $? "$out"
grep -qx '@@RESCAN_SAME' "$out"
check "100 remove/rescan cycles of 01:00.0 and the 02:00.0 subtree leave the same groups and links" $? "$out"
log_clean remove/rescan "$log"
fi

# --- 2. Hotplug: QMP device_add/device_del of an e1000e on a root port, by
# the port's native PCIe hotplug (pciehp); QEMU's q35 default, ACPI
# hotplug, is switched off for that (the storm covers ACPI hotplug).
sock=$work/qmp.sock topo=$work/vtd-hotplug.topo
rm -f "$sock"
cat > "$topo" <<EOF
iommu: intel
qemu: -qmp unix:$sock,server=on,wait=off
qemu: -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
qemu: -device pcie-root-port,id=rp1,bus=pcie.0,addr=0x2,chassis=1,slot=1
EOF
dev=/sys/bus/pci/devices/0000:01:00.0
wait_for='w(){ i=0; while [ $i -lt 600 ]; do if [ -e DEV ]; then [ $1 = in ] && return 0; else [ $1 = out ] && return 0; fi; sleep 0.1; i=$((i+1)); done; return 1; }'
show='echo $(readlink DEV/iommu_group | sed s,.*/,,) $(readlink DEV/iommu | sed s,.*/,,) groups: $(ls /sys/kernel/iommu_groups | tr "\n" " ") dmar0: $(ls /sys/class/iommu/dmar0/devices | tr "\n" " ")'
wait_for=${wait_for//DEV/$dev}
show=${show//DEV/$dev}
show=${show//\"/\'}
# The guest's side of qmp.py's hotplug protocol, for one cycle.
run="$wait_for; echo @@HP_READY; w in && sleep 2; echo @@HP_IN 1 \$($show); w out; echo @@HP_OUT 1 \$($show)"
hplog=$(dirname "$here")/build/qemu/vtd-hotplug.log
rm -f "$hplog"	# qmp.py must not see an old run
QEMU_SMP=1 "$here/qemu-run.sh" "$kernel" "$topo" "harness.run=\"$run\"" > /dev/null 2> "$work/hp.err" &
qpid=$!
ok=0
"$here/qmp.py" hotplug "$sock" "$hplog" rp1 1 > "$work/qmp.out" 2>&1 || ok=1
wait "$qpid" || true
tr -d '\r' < "$hplog" | grep '^@@HP_' > "$work/hp.out" || true
cat "$work/qmp.out" >> "$work/hp.out"
[ $ok = 0 ] && grep -q '^@@HP_OUT 1 ' "$work/hp.out"
check "QMP device_add and device_del went through (log $hplog)" $? "$work/hp.out"
grep '^@@HP_IN 1 ' "$work/hp.out" | grep -qE '^@@HP_IN 1 [0-9]+ dmar0 groups: .* dmar0: .*0000:01:00\.0'
check "hot-added 01:00.0 has a group and a dmar0 link" $? "$work/hp.out"
# Behind a root port with ACS the new device is alone: its group goes too.
g=$(sed -n 's/^@@HP_IN 1 \([0-9]*\) .*/\1/p' "$work/hp.out")
[ -n "$g" ] && sed -n 's/^@@HP_OUT 1 groups: \(.*\) dmar0: .*/ \1 /p' "$work/hp.out" | grep -vq " $g "
check "hot-removed 01:00.0's group ${g:-?} is gone" $? "$work/hp.out"
grep -q '^@@HP_OUT 1 groups: .* dmar0: ' "$work/hp.out" &&
	! grep '^@@HP_OUT 1 ' "$work/hp.out" | grep -q '0000:01:00\.0'
check "hot-removed 01:00.0 is gone from dmar0/devices" $? "$work/hp.out"
log_clean hotplug "$hplog"

# --- 3. RMRRs: QEMU's DMAR replaced, through an initrd ACPI table upgrade
# (same OEM and table id, higher OEM revision), by one with a catch-all
# unit and two overlapping RMRRs for 00:1f.2 and 00:1f.3.
python3 - <<'PY' | "$here/acpi-upgrade.py" DMAR "$work/acpi.cpio"
import struct, sys
body = bytes([38, 0]) + bytes(10)
body += struct.pack('<HHBBHQ', 0, 24, 1, 0, 0, 0xfed90000)   # DRHD, all
body += bytes([3, 8, 0, 0, 0, 0xff, 0, 0])                   # IO-APIC
for base, end, fn in ((0x7f000000, 0x7f0fffff, 2), (0x7f080000, 0x7f1fffff, 3)):
    body += struct.pack('<HHHHQQ', 1, 32, 0, 0, base, end)   # RMRR
    body += bytes([1, 8, 0, 0, 0, 0, 0x1f, fn])              # 00:1f.fn
sys.stdout.buffer.write(body)
PY
cp "$here/topologies/default.topo" "$work/vtd-rmrr.topo"
run='cat /sys/bus/pci/devices/0000:00:1f.2/iommu_group/reserved_regions | sed s/^/@@RESV\ /'
log=$(INITRD_PREPEND=$work/acpi.cpio "$here/qemu-run.sh" "$kernel" "$work/vtd-rmrr.topo" "harness.run=\"$run\"" 2> "$work/rmrr.err") || true
out=$work/rmrr.out
{ grep 'DMAR' "$log"; run_output "$log"; } | tr -d '\r' > "$out"
grep -q 'DMAR: dmar0: .*segment 0 (all devices)' "$out"
check "upgraded DMAR: one catch-all unit (log $log)" $? "$out"
grep -q 'DMAR: 1 of 1 remapping units usable.*, 2 RMRRs' "$out"
check "upgraded DMAR: two RMRRs parsed" $? "$out"
[ "$(grep '^@@RESV ' "$out")" = "@@RESV 0x000000007f000000 0x000000007f1fffff direct
@@RESV 0x00000000fee00000 0x00000000feefffff msi" ]
check "00:1f.2's group: the two RMRRs merged as direct, then msi" $? "$out"
log_clean RMRR "$log"

echo "vtd: $passed passed, $failed failed"
[ "$failed" = 0 ]
