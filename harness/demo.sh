#!/bin/bash
# Boot one topology and print its IOMMU groups as a tree.
# Usage: demo.sh BZIMAGE TOPOLOGY_FILE
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE TOPOLOGY_FILE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1 topo=$2
[ -f "$topo" ] || { echo "demo: no topology file at $topo" >&2; exit 2; }
# Build the initramfs now so that the wall times below are QEMU's alone.
"$here/mkinitramfs.sh" "$(dirname "$here")/build/qemu/initramfs.cpio.gz"

start=$(date +%s.%N)
rc=0
errs=$(mktemp)
trap 'rm -f "$errs"' EXIT
log=$("$here/qemu-run.sh" "$kernel" "$topo" 2> "$errs") || rc=$?
secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
[ -n "$log" ] || { cat "$errs" >&2; exit "$rc"; }

declare -A desc=() members=() explain=()
groups=() dir=absent done=0 up='?' kver='?' fw=none ndev=0 in_nn=0
while IFS= read -r line; do
	line=${line%$'\r'}
	case $line in
	"@@BOOT uptime="*)      up=${line#*=}; up=${up%% *} ;;
	"@@KERNEL "*)           kver=${line#* } ;;
	"@@FIRMWARE "*)         fw=${line#* } ;;
	"@@IOMMU_DEV "*)        ndev=$((ndev + 1)) ;;
	"@@IOMMU_GROUPS_DIR "*) dir=${line#* } ;;
	"@@GROUP "*)            g=${line#@@GROUP }; groups+=("${g%% *}") ;;
	"@@MEMBER "*)           read -r _ g d <<< "$line"; members[$g]="${members[$g]-} $d" ;;
	"@@EXPLAIN "*)          read -r _ g text <<< "$line"
	                        explain[$g]="${explain[$g]-}$text"$'\n' ;;
	"@@LSPCI_NN_BEGIN")     in_nn=1 ;;
	"@@LSPCI_NN_END")       in_nn=0 ;;
	"@@DONE")               done=1 ;;
	*)
		if [ $in_nn = 1 ] && [[ $line =~ ^([0-9a-f]{4}:[0-9a-f:.]+)\ (.*)$ ]]; then
			desc[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		fi ;;
	esac
done < "$log"
if [ $done = 0 ]; then
	cat "$errs" >&2
	echo "demo: the guest did not finish (QEMU status $rc); see $log" >&2
	exit 1
fi

iommu=$(sed -n 's/^iommu:[[:space:]]*//p' "$topo" | tail -n 1)
case ${iommu:-none} in
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
echo "boot: /init at ${up}s guest uptime; QEMU wall time ${secs}s (${QEMU_ACCEL:-tcg}); log $log"
