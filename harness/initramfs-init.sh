#!/bin/sh
# /init of the QEMU test initramfs (busybox sh), built by mkinitramfs.sh.
# Reports the IOMMU groups as "@@" lines on the console (parsed by
# topology.sh), then powers off. No set -e: report what we can.
#
#   @@BOOT uptime=<s>            guest uptime when /init started
#   @@KERNEL <uname -r>          @@CMDLINE <contents of /proc/cmdline>
#   @@FIRMWARE <DMAR|IVRS|...>   ACPI IOMMU tables present, or "none"
#   @@IOMMU_DEV <name>           each entry of /sys/class/iommu
#   @@IOMMU_GROUPS_DIR present|absent
#   @@GROUP <id> name=<name>     @@MEMBER <id> <dev>   (per group)
#   @@EXPLAIN <id> <text>        lines of debugfs iommu/groups ("<id> <text>")
#   @@DEVLINK <pci dev> <group id|none>
#   @@LSPCI_BEGIN .. @@LSPCI_END        lspci -vv -D
#   @@LSPCI_NN_BEGIN .. @@LSPCI_NN_END  lspci -D -nn
#   @@PRE_BEGIN <step> .. @@PRE_END rc=<n>   output of each harness.pre= step
#   @@RUN_BEGIN <step> .. @@RUN_END rc=<n>   output of each harness.run= step
#   @@KMSG records=<n> first=<seq>  records /init's reader copied
#   @@KERNEL_BAD <line>          each kernel log line that matches
#                                /kernel-reports (harness/kernel-reports.ere:
#                                warnings, BUG, Oops, lockdep, KASAN, ...)
#   @@DONE
#
# The scan sees every record of the boot, not only what the ring still
# holds at the end (128 KiB by default, overwritten within ~40 storm
# cycles): a reader copies /dev/kmsg to /tmp/kmsg from the first record on,
# as records come.  If it falls behind the ring, or records were overwritten
# before /init ran (qemu-run.sh boots with a larger log_buf_len), the scan
# reports "harness: kernel log records lost", which fails the run.
#
# harness.pre=PROGRAM[,ARG...] on the kernel command line runs
# /guest/PROGRAM (harness/guest/, put here by pack-initramfs.sh) with those
# arguments before the report, harness.run= after it; several run in
# command-line order (qemu-run.sh writes them from a topology's pre: and
# run: lines).  Guest programs may read /tmp/kmsg.
export PATH=/bin:/usr/bin
mount -t proc proc /proc
read -r up _ < /proc/uptime
grep -q '^devtmpfs /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
[ -t 1 ] || exec < /dev/console > /dev/console 2>&1
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2> /dev/null
# cat stops at a read error; EPIPE means the ring overwrote unread records.
{ cat /dev/kmsg || echo 'harness: kernel log records lost (the reader fell behind)'; } \
	> /tmp/kmsg 2> /dev/null &
# Keep kernel messages from splitting our lines from now on.
dmesg -n 1 2> /dev/null

echo
echo "@@BOOT uptime=$up"
echo "@@KERNEL $(uname -r)"
echo "@@CMDLINE $(cat /proc/cmdline)"

# run_steps pre|run TAG: each harness.<pre|run>= step, framed by @@TAG_BEGIN
# and @@TAG_END.
run_steps() {
	for s in $(tr ' ' '\n' < /proc/cmdline | sed -n "s/^harness\.$1=//p"); do
		echo "@@$2_BEGIN $s"
		# shellcheck disable=SC2046 # the program and its arguments
		sh /guest/$(echo "$s" | tr , ' ') 2>&1
		echo "@@$2_END rc=$?"
	done
}
run_steps pre PRE

fw=
for t in DMAR IVRS VIOT; do
	[ -e /sys/firmware/acpi/tables/$t ] && fw="$fw $t"
done
echo "@@FIRMWARE ${fw:- none}" | sed 's/  */ /g'
for d in /sys/class/iommu/*; do
	[ -e "$d" ] && echo "@@IOMMU_DEV ${d##*/}"
done

g=/sys/kernel/iommu_groups
if [ -d "$g" ]; then
	echo "@@IOMMU_GROUPS_DIR present"
	# shellcheck disable=SC2012 # group names are numbers
	for grp in $(ls "$g" | sort -n); do
		name=$(cat $g/"$grp"/name 2> /dev/null)
		echo "@@GROUP $grp name=$name"
		for dev in "$g/$grp"/devices/*; do
			[ -e "$dev" ] || [ -L "$dev" ] && echo "@@MEMBER $grp ${dev##*/}"
		done
	done
	explain=/sys/kernel/debug/iommu/groups
	if [ -f "$explain" ]; then
		while IFS= read -r line; do
			echo "@@EXPLAIN $line"
		done < "$explain"
	fi
else
	echo "@@IOMMU_GROUPS_DIR absent"
fi

for dev in /sys/bus/pci/devices/*; do
	[ -e "$dev" ] || continue
	link=none
	[ -L "$dev/iommu_group" ] && link=$(basename "$(readlink "$dev/iommu_group")")
	echo "@@DEVLINK ${dev##*/} $link"
done

# lspci -vv looks for kernel modules with libkmod; there are none here.
echo "@@LSPCI_BEGIN"
/usr/bin/lspci -vv -D 2>&1 | grep -v '^lspci: Unable to load libkmod resources'
echo "@@LSPCI_END"
echo "@@LSPCI_NN_BEGIN"
/usr/bin/lspci -D -nn 2>&1
echo "@@LSPCI_NN_END"

run_steps run RUN

# The ring as it is now, then what the reader copied: a record is in one of
# them unless the reader lost it, which it then says.  /dev/kmsg records
# ("prio,seq,usec,flags;text"; continuation lines start with a blank) get
# dmesg's "[    s.usec] " prefix, so that records in both come out once.
dmesg > /tmp/ring
awk -F';' '/^[0-9]+,[0-9]+,[0-9]+,/ {
		split($1, f, ","); if (!n++) first = f[2]
		sub(/^[^;]*;/, ""); printf "[%5d.%06d] %s\n", f[3] / 1000000, f[3] % 1000000, $0
		next }
	/^[^ ]/ { print }
	END { if (first > 0) print "harness: kernel log records lost before /init: " first
		print "@@KMSG records=" n + 0 " first=" first + 0 > "/tmp/kmsg.sum" }' \
	/tmp/kmsg > /tmp/kmsg.txt
cat /tmp/kmsg.sum
# Report lines, less the known ones ("!"), by the matcher lib.sh's
# kernel_reports runs too (kernel-reports.sh); what the reader copied
# first, so that each report keeps its trace in order.  (Not the two
# echoes of the command line, "Command line:" and "Kernel command line:":
# a harness.run= may hold these words.)
cat /tmp/kmsg.txt /tmp/ring | awk '!seen[$0]++' | grep -v 'ommand line: ' |
	/kernel-reports.sh /kernel-reports | sed 's/^/@@KERNEL_BAD /'
echo "@@DONE"
sync
poweroff -f
