#!/bin/bash
# Build a kernel and boot it on each topology, once per IOMMU the topology
# names, and check each boot (TAP): QEMU's exit, /init's report, the
# topology's expectations (topology.sh), the host's QMP hotplug, no kernel
# report in the whole kernel log, sysfs's group members against the devices'
# iommu_group links, and lspci -vv against both; with kunit:, a check per
# KUnit case.
# Usage: qemu-test.sh x86_64|x86_64-debug|ppc64le TOPOLOGY...
# KERNEL=IMAGE boots IMAGE instead of building one (vfio-test.sh's peer).
set -u
. "$(dirname "$0")/lib.sh"
. "$H/topology.sh"
[ $# -ge 2 ] || usage "x86_64|x86_64-debug|ppc64le TOPOLOGY..."
case $1 in
x86_64|x86_64-debug) ;;
ppc64le) export QEMU_ARCH=ppc64le ;;
*) usage "x86_64|x86_64-debug|ppc64le TOPOLOGY..." ;;
esac
if [ -n "${KERNEL-}" ]; then kernel=$KERNEL; else build_kernel "$1"; fi
shift
mkdir -p "$B/qemu"
# Its own scratch file: two runs in one checkout must not read each other's.
errs=$(mktemp "$B/qemu/qemu-test.XXXXXX")
trap 'rm -f "$errs"' EXIT

# boot TOPOLOGY IOMMU: one boot and its checks.
boot() {
	local topo=$1 iommu=$2 name log rc=0 t g d devs bad first got n want re how
	local -A link=() lsgrp=() nmembers=() members=() memberof=() gname=() desc=() explain=()
	local groups=() dir done up kver fw ndev
	log=$("$H/qemu-run.sh" "$kernel" "$topo" "$iommu" 2> "$errs") || rc=$?
	name=$(basename "${log:-$topo}" .log)
	t=$B/qemu/$name.topo
	if [ -z "$log" ] || [ ! -f "$log" ]; then
		check 1 "$name: qemu-run.sh failed ($rc) before booting" "$errs"
		return
	fi
	parse_guest_log "$log"
	how="exited $rc ($(tail -n 1 "$errs"))"
	[ "$rc" != 124 ] ||
		how="was killed at the time limit, its vCPUs $(sed -n 's/^ *@@HUNG //p; s/^ *\(qmp: \)/\1/p' "$errs" | paste -sd';')"
	check "$rc" "$name: QEMU $how" "$errs"
	# Before /init's report: a suite that ends the boot still shows.
	[ -z "$(topo_field "$t" kunit)" ] || kunit_console "$log" "$B/qemu/$name.kunit" "$name: "
	if [ "$done" = 0 ]; then
		tail -n 5 "$log" | tr -d '\r' > "$errs"
		check 1 "$name: guest reached @@DONE (see $log, which ends:)" "$errs"
		return
	fi
	check 0 "$name: guest reached @@DONE (/init at ${up}s guest uptime)"
	[ "$dir" = present ]
	check $? "$name: /sys/kernel/iommu_groups is $dir"
	sed -n 's/^@@NOTE /# '"$name"': /p' "$log" | tr -d '\r'

	while read -r n; do
		[ "${#groups[@]}" = "$n" ]
		check $? "$name: ${#groups[@]} groups, expected $n"
	done < <(topo_field "$t" expect-groups)
	while read -r devs; do
		bad='' first='' got=''
		for d in $devs; do
			g=${link[$d]-missing}
			first=${first:-$g}
			got="$got $d=$g"
			[ "$g" != missing ] && [ "$g" != none ] && [ "$g" = "$first" ] || bad=1
		done
		[ -z "$bad" ]
		check $? "$name: same group: $devs${bad:+ (got$got)}"
	done < <(topo_field "$t" expect-same)
	while read -r devs; do
		bad=
		for d in $devs; do
			g=${link[$d]-missing}
			case $g in
			missing|none) bad="$bad $d=$g" ;;
			*) [ "${nmembers[$g]:-0}" = 1 ] || bad="$bad $d:group-$g-has-${nmembers[$g]:-0}" ;;
			esac
		done
		[ -z "$bad" ]
		check $? "$name: alone in a group: $devs${bad:+ (got$bad)}"
	done < <(topo_field "$t" expect-alone)
	while read -r devs; do
		bad=
		for d in $devs; do
			[ "${link[$d]-missing}" = none ] || bad="$bad $d=${link[$d]-missing}"
		done
		[ -z "$bad" ]
		check $? "$name: no group: $devs${bad:+ (got$bad)}"
	done < <(topo_field "$t" expect-none)
	while read -r devs; do
		bad=
		for d in $devs; do
			[ -z "${link[$d]+x}" ] || bad="$bad $d"
		done
		[ -z "$bad" ]
		check $? "$name: not on the bus: $devs${bad:+ (still there:$bad)}"
	done < <(topo_field "$t" expect-absent)
	while read -r d want; do
		got=${gname[${link[$d]-missing}]-no-group}
		[ "$got" = "$want" ]
		check $? "$name: group of $d is named $want (got $got)"
	done < <(topo_field "$t" expect-name)
	while read -r want re; do
		n=$(tr -d '\r' < "$log" | grep -cE -- "$re")
		[ "$n" = "$want" ]
		check $? "$name: $want log lines match '$re' (got $n)"
	done < <(topo_field "$t" expect-log)

	if [ -n "$(topo_field "$t" hotplug)" ]; then
		read -r _ n < <(topo_field "$t" hotplug)
		grep -qx "@@QMP qmp: $n cycles in [0-9]* s" "$log"
		check $? "$name: the host's $n QMP device_add/device_del cycles ($(sed -n 's/^@@QMP //p' "$log"))"
	fi
	# /init's scan of every record of the boot (initramfs-init.sh).
	if ! grep -aq '^@@KMSG records=[1-9]' "$log"; then
		check 1 "$name: /init scanned the kernel log"
	else
		tr -d '\r' < "$log" | sed -n 's/^@@KERNEL_BAD //p' > "$errs"
		[ ! -s "$errs" ]
		check $? "$name: no kernel report in the kernel log ($(tr -d '\r' < "$log" | sed -n 's/^@@KMSG //p'))" "$errs"
	fi

	# sysfs: groups/<id>/devices/<dev> agrees with <dev>/iommu_group.
	bad=
	for g in "${groups[@]}"; do
		[ "${nmembers[$g]}" -gt 0 ] || bad="$bad group-$g-empty"
	done
	for d in "${!memberof[@]}"; do
		case ${memberof[$d]} in
		*,*) bad="$bad $d-in-groups-${memberof[$d]}" ;;
		*) [ -z "${link[$d]+x}" ] || [ "${link[$d]}" = "${memberof[$d]}" ] ||
			bad="$bad $d:member-of-${memberof[$d]}-link-${link[$d]}" ;;
		esac
	done
	for d in "${!link[@]}"; do
		[ "${link[$d]}" = none ] || [ "${memberof[$d]-}" = "${link[$d]}" ] ||
			bad="$bad $d:link-${link[$d]}-not-a-member"
	done
	[ -z "$bad" ]
	check $? "$name: group members match iommu_group links (${#link[@]} PCI devices, ${#memberof[@]} members)${bad:+:$bad}"
	# lspci -vv prints "IOMMU group: N" exactly for devices with the link.
	bad=
	for d in "${!link[@]}"; do
		[ "${lsgrp[$d]-missing}" = "${link[$d]}" ] || bad="$bad $d:lspci-${lsgrp[$d]-missing}-link-${link[$d]}"
	done
	for d in "${!lsgrp[@]}"; do
		[ -n "${link[$d]+x}" ] || bad="$bad $d:only-in-lspci"
	done
	[ -z "$bad" ]
	check $? "$name: lspci -vv IOMMU group lines match iommu_group links (${#lsgrp[@]} devices)${bad:+:$bad}"
}

for topo in "$@"; do
	if [ ! -f "$topo" ]; then
		check 1 "no topology file $topo"
		continue
	fi
	for iommu in $(topo_iommus "$topo"); do
		boot "$topo" "$iommu"
	done
done
tap_done
