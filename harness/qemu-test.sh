#!/bin/bash
# Boot a kernel on each topology and check the IOMMU groups the guest reports
# (see initramfs-init.sh for the "@@" lines and qemu-run.sh for the format).
# Usage: qemu-test.sh BZIMAGE TOPOLOGY_FILE...   (QEMU_ARCH: see qemu-run.sh)
# Prints "ok|FAIL <topology>: <what>" per check and, last, exactly
# "qemu: N passed, N failed". Exits 1 if any check failed.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 BZIMAGE TOPOLOGY_FILE..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1
shift
[ -f "$kernel" ] || { echo "qemu-test: no kernel image at $kernel" >&2; exit 2; }
passed=0 failed=0
errs=$(mktemp)
trap 'rm -f "$errs"' EXIT
# Build the initramfs now so that the wall times below are QEMU's alone.
if [ "${QEMU_ARCH:-x86_64}" = ppc64le ]; then
	"$here/mkinitramfs-ppc64le.sh" "$(dirname "$here")/build/qemu/initramfs-ppc64le.cpio.gz"
else
	"$here/mkinitramfs.sh" "$(dirname "$here")/build/qemu/initramfs.cpio.gz"
fi

# check NAME WHAT OK(0|1)
check() {
	if [ "$3" = 0 ]; then
		echo "ok $1: $2"
		passed=$((passed + 1))
	else
		echo "FAIL $1: $2"
		failed=$((failed + 1))
	fi
}

test_topology() {
	local topo=$1 name log rc=0 start secs up line g d
	name=$(basename "$topo" .topo)
	start=$(date +%s.%N)
	log=$("$here/qemu-run.sh" "$kernel" "$topo" 2> "$errs") || rc=$?
	secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
	if [ -z "$log" ] || [ ! -f "$log" ]; then
		check "$name" "qemu-run.sh failed ($rc) before booting:" 1
		sed 's/^/    /' "$errs"
		return
	fi

	# Parse the serial log.
	local -A link=() lsgrp=() nmembers=() memberof=() gname=()
	local groups=() dir=absent done=0 in_lspci=0 cur=
	up=
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"@@BOOT uptime="*)      up=${line#*=}; up=${up%% *} ;;
		"@@IOMMU_GROUPS_DIR "*) dir=${line#* } ;;
		"@@GROUP "*)            g=${line#@@GROUP }; g=${g%% *}
		                        gname[$g]=${line#*name=}
		                        groups+=("$g"); nmembers[$g]=0 ;;
		"@@MEMBER "*)           read -r _ g d <<< "$line"
		                        nmembers[$g]=$((${nmembers[$g]:-0} + 1))
		                        memberof[$d]="${memberof[$d]:+${memberof[$d]},}$g" ;;
		"@@DEVLINK "*)          read -r _ d g <<< "$line"; link[$d]=$g ;;
		"@@LSPCI_BEGIN")        in_lspci=1 ;;
		"@@LSPCI_END")          in_lspci=0 ;;
		"@@DONE")               done=1 ;;
		*)
			[ $in_lspci = 1 ] || continue
			if [[ $line =~ ^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\  ]]; then
				cur=${BASH_REMATCH[1]}
				lsgrp[$cur]=none
			elif [[ -n $cur && $line =~ ^$'\t'"IOMMU group: "(.*)$ ]]; then
				lsgrp[$cur]=${BASH_REMATCH[1]}
			fi ;;
		esac
	done < "$log"

	local how="exited $rc"
	[ "$rc" != 124 ] || how="was killed at the time limit"
	check "$name" "QEMU $how (wall time ${secs}s, log $log)" "$([ "$rc" = 0 ]; echo $?)"
	[ "$rc" = 0 ] || sed 's/^/    /' "$errs"
	if [ $done = 0 ]; then
		check "$name" "guest did not reach @@DONE; see $log, which ends:" 1
		tail -n 5 "$log" | tr -d '\r' | sed 's/^/    /'
		return
	fi
	check "$name" "guest reached @@DONE (/init at ${up:-?}s guest uptime)" 0
	check "$name" "/sys/kernel/iommu_groups is $dir" "$([ "$dir" = present ]; echo $?)"

	local n
	while read -r n; do
		check "$name" "${#groups[@]} groups, expected $n" "$([ "${#groups[@]}" = "$n" ]; echo $?)"
	done < <(sed -n 's/^expect-groups:[[:space:]]*//p' "$topo")

	# expect-same: all listed devices have the same, real group.
	local devs bad first got
	while read -r devs; do
		bad='' first='' got=''
		for d in $devs; do
			g=${link[$d]-missing}
			first=${first:-$g}
			got="$got $d=$g"
			[ "$g" != missing ] && [ "$g" != none ] && [ "$g" = "$first" ] || bad=1
		done
		check "$name" "same group: $devs${bad:+ (got$got)}" "$([ -z "$bad" ]; echo $?)"
	done < <(sed -n 's/^expect-same:[[:space:]]*//p' "$topo")

	# expect-alone: each device has a group with exactly one member.
	while read -r devs; do
		bad=
		for d in $devs; do
			g=${link[$d]-missing}
			case $g in
			missing|none) bad="$bad $d=$g" ;;
			*) [ "${nmembers[$g]:-0}" = 1 ] || bad="$bad $d:group-$g-has-${nmembers[$g]:-0}" ;;
			esac
		done
		check "$name" "alone in a group: $devs${bad:+ (got$bad)}" "$([ -z "$bad" ]; echo $?)"
	done < <(sed -n 's/^expect-alone:[[:space:]]*//p' "$topo")

	# expect-none: each device exists and has no group.
	while read -r devs; do
		bad=
		for d in $devs; do
			g=${link[$d]-missing}
			[ "$g" = none ] || bad="$bad $d=$g"
		done
		check "$name" "no group: $devs${bad:+ (got$bad)}" "$([ -z "$bad" ]; echo $?)"
	done < <(sed -n 's/^expect-none:[[:space:]]*//p' "$topo")

	# expect-log: N ERE -- exactly N lines of the log match.
	local want re
	while read -r want re; do
		n=$(tr -d '\r' < "$log" | grep -cE -- "$re" || true)
		check "$name" "$want log lines match '$re'${n:+ (got $n)}" "$([ "$n" = "$want" ]; echo $?)"
	done < <(sed -n 's/^expect-log:[[:space:]]*//p' "$topo")
	# expect-absent: each device is gone from the PCI bus.
	while read -r devs; do
		bad=
		for d in $devs; do
			[ -z "${link[$d]+x}" ] || bad="$bad $d"
		done
		check "$name" "not on the bus: $devs${bad:+ (still there:$bad)}" "$([ -z "$bad" ]; echo $?)"
	done < <(sed -n 's/^expect-absent:[[:space:]]*//p' "$topo")

	# expect-name: the device's group has that name (its "name" file).
	local want
	while read -r d want; do
		g=${link[$d]-missing}
		got=${gname[$g]-no-group}
		check "$name" "group of $d is named $want${got:+ (got $got)}" "$([ "$got" = "$want" ]; echo $?)"
	done < <(sed -n 's/^expect-name:[[:space:]]*//p' "$topo")

	# No line of the whole kernel log matches harness/kernel-reports.ere.
	bad=$("$here/kernel-log.sh" "$log" | head -n 3)
	check "$name" "no kernel report (kernel-reports.ere) in the kernel log${bad:+: $bad}" \
		"$("$here/kernel-log.sh" "$log" > /dev/null; echo $?)"

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
	check "$name" "group members match iommu_group links (${#link[@]} PCI devices, ${#memberof[@]} members)${bad:+:$bad}" \
		"$([ -z "$bad" ]; echo $?)"

	# lspci -vv prints "IOMMU group: N" exactly for devices with the link.
	bad=
	for d in "${!link[@]}"; do
		[ "${lsgrp[$d]-missing}" = "${link[$d]}" ] || bad="$bad $d:lspci-${lsgrp[$d]-missing}-link-${link[$d]}"
	done
	for d in "${!lsgrp[@]}"; do
		[ -n "${link[$d]+x}" ] || bad="$bad $d:only-in-lspci"
	done
	check "$name" "lspci -vv IOMMU group lines match iommu_group links (${#lsgrp[@]} devices)${bad:+:$bad}" \
		"$([ -z "$bad" ]; echo $?)"
}

for topo in "$@"; do
	if [ -f "$topo" ]; then
		test_topology "$topo"
	else
		check "$(basename "$topo" .topo)" "no topology file $topo" 1
	fi
done
echo "qemu: $passed passed, $failed failed"
[ "$failed" = 0 ]
