#!/bin/bash
# Boot one topology with one IOMMU and print its IOMMU groups as a tree,
# then what a group is for: vfio-edu's demo case hands the edu device's
# group to a userspace driver and back (topologies/demo-vfio.topo).
# Usage: demo.sh [intel|amd|none]   (default: the topology's first IOMMU;
# none boots the default topology alone)
set -eu
. "$(dirname "$0")/lib.sh"
. "$H/topology.sh"
[ $# -le 1 ] || usage "[intel|amd|none]"
case ${1:-} in ''|intel|amd|none) ;; *) usage "[intel|amd|none]" ;; esac
topo=$H/topologies/demo-vfio.topo
[ "${1:-}" != none ] || topo=$H/topologies/default.topo
kernel=$("$H/kernel.sh" x86_64)
iommu=${1:-$(topo_iommus "$topo" | head -n 1)}
# Build the initramfs now so that the wall time below is QEMU's alone.
"$H/mkinitramfs.sh" "$B/qemu/initramfs.cpio.gz"

start=$(date +%s.%N)
rc=0
errs=$(mktemp)
trap 'rm -f "$errs"' EXIT
log=$("$H/qemu-run.sh" "$kernel" "$topo" "$iommu" 2> "$errs") || rc=$?
secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
[ -n "$log" ] || { cat "$errs" >&2; exit "$rc"; }
declare -A link=() lsgrp=() nmembers=() members=() memberof=() gname=() desc=() explain=()
parse_guest_log "$log"
if [ "$done" = 0 ]; then
	cat "$errs" >&2
	echo "demo: the guest did not finish (QEMU status $rc); see $log" >&2
	exit 1
fi

case $iommu in
none) machine="q35 without an IOMMU" ;;
*)    machine="q35 + $iommu-iommu" ;;
esac

# Print the explanation lines of group $1 that start with device $2 (all
# lines that name no member when $2 is empty), indented by $3.
show_explain() {
	local text d named
	while IFS= read -r text; do
		[ -n "$text" ] || continue
		named=
		for d in ${members[$1]-}; do
			case $text in "$d"[:\ ]*) named=$d ;; esac
		done
		[ "$named" = "$2" ] || continue
		text=${text#"$2"}
		text=${text#:}
		echo "$3why: ${text# }"
	done <<< "${explain[$1]-}"
}

echo "IOMMU groups (${#groups[@]}) on $machine ($(basename "$topo")), Linux $kver"
if [ "$dir" != present ]; then
	echo "no IOMMU groups: /sys/kernel/iommu_groups is absent (IOMMU core not built in?)"
elif [ ${#groups[@]} = 0 ]; then
	why="no IOMMU registered in /sys/class/iommu"
	[ "$ndev" = 0 ] || why="$ndev IOMMU(s) registered in /sys/class/iommu"
	[ "$fw" = none ] || why="firmware has ACPI $fw; $why"
	echo "no IOMMU groups: no IOMMU driver registered a bus ($why)"
	echo "PCI devices, none in a group:"
	for d in $(printf '%s\n' "${!desc[@]}" | sort); do
		echo "   $d  ${desc[$d]}"
	done
else
	last=${groups[${#groups[@]} - 1]}
	for g in "${groups[@]}"; do
		if [ "$g" = "$last" ]; then branch="└─ " pad="   "; else branch="├─ " pad="│  "; fi
		echo "${branch}group $g"
		show_explain "$g" "" "$pad   "
		# shellcheck disable=SC2086 # device names have no blanks
		set -- ${members[$g]-}
		[ $# -gt 0 ] || echo "$pad└─ (no devices)"
		while [ $# -gt 0 ]; do
			if [ $# = 1 ]; then mb="└─ " mp="   "; else mb="├─ " mp="│  "; fi
			echo "$pad$mb$1${desc[$1]+  ${desc[$1]}}"
			show_explain "$g" "$1" "$pad$mp   "
			shift
		done
	done
fi
if grep -q '^@@DEMO ' "$log"; then
	echo
	echo "A userspace driver (guest/vfio-edu.c) takes edu's group and gives it back:"
	tr -d '\r' < "$log" | sed -n 's/^@@DEMO /  /p'
	tr -d '\r' < "$log" | grep -q '^@@VFIO ok demo$' ||
		echo "demo: the VFIO demo failed; see $log" >&2
fi
echo "boot: /init at ${up}s guest uptime; QEMU wall time ${secs}s (${QEMU_ACCEL:-tcg}); log $log"
