# Sourced: the topology format, and the one parser of what the guest prints.
#
# A topology file (topologies/**/*.topo) describes one QEMU machine, what the
# guest runs on it and what must come out.  One item per line; "#" starts a
# comment line.
#   iommu: intel|amd|none...  the IOMMU device (-device intel-iommu or
#                             amd-iommu, before all others); with several,
#                             the machine boots once per IOMMU, as
#                             <name>-<iommu>
#   iommu-props: PROP,...     QEMU properties of the IOMMU device, after
#                             intremap=off (e.g. caching-mode=on,aw-bits=48)
#   <iommu>: ITEM             ITEM only in the boot with that IOMMU
#   include: FILE.topo        FILE's qemu: and cmdline: lines (FILE beside
#                             this one)
#   qemu: ARGS                QEMU arguments, split on blanks, no quoting
#   cmdline: ARGS             kernel arguments
#   machine: NAME             ppc64le only: pseries (default) or powernv9
#   smp: N / memory: MB       vCPUs (default 2) and memory (default 512)
#   timeout: S                QEMU's time limit (default 120; QEMU_TIMEOUT wins)
#   acpitable: NAME           -acpitable file= of acpi-tables.py's NAME
#   acpi-upgrade: NAME        acpi-tables.py's NAME as an initrd ACPI table
#                             upgrade (the table replaces QEMU's)
#   pre: PROGRAM ARGS         guest/PROGRAM, run by /init before its report
#   run: PROGRAM ARGS         guest/PROGRAM, run after the report
#                             (several pre: and run: lines run in order; ARGS
#                             are plain words)
#   drive: ID MIB [SEED]      a raw drive image of MIB MiB for QEMU's
#                             -drive if=none,id=ID (build/qemu/<name>-ID.img,
#                             made anew for each boot): zeros, or SEED's
#                             pattern of guest/blk-pattern.c
#   hotplug: BUS CYCLES       the host hot adds and removes an e1000e on QEMU
#                             bus BUS through QMP, in step with the guest
#                             (qmp.py; the guest side is guest/hotplug.sh)
#   kunit: GLOB               boot with kunit.enable=1 kunit.filter_glob=GLOB
#                             (the kernel's built-in KUnit suites that GLOB
#                             names run before /init); qemu-test.sh makes a
#                             check of each case (kunit_console, lib.sh)
# Expectations, checked by qemu-test.sh on the guest's report (made before
# the run: programs, after the pre: ones); DEV is a PCI name like
# 0000:00:1f.0:
#   expect-groups: N          number of IOMMU groups
#   expect-same: DEV...       these share one group
#   expect-alone: DEV...      each is alone in its group
#   expect-none: DEV...       these exist and have no group
#   expect-absent: DEV...     these are not on the PCI bus
#   expect-name: DEV NAME     DEV's group has this "name" (POWER PEs)
#   expect-log: N ERE         exactly N lines of the serial log match ERE
#                             (what guest programs print, kernel messages)

topo_keys='iommu|iommu-props|include|qemu|cmdline|machine|smp|memory|timeout|acpitable|acpi-upgrade|drive|pre|run|hotplug|kunit|expect-groups|expect-same|expect-alone|expect-none|expect-absent|expect-name|expect-log'

# topo_name FILE IOMMU: the name of that boot's files in build/qemu: the
# file's name after its directory's, unless that is topologies/ itself or
# the name starts with it (vtd/edu.topo and amd/edu.topo boot side by side
# as vtd-edu and amd-edu; storm/storm-rescan.topo is storm-rescan), and
# -IOMMU when the file boots with several IOMMUs.
topo_name() {
	local dir name
	dir=$(basename "$(dirname "$1")") name=$(basename "$1" .topo)
	case $dir:$name in topologies:* | "$dir:$dir"-*) ;; *) name=$dir-$name ;; esac
	[ "$(topo_iommus "$1")" = "$2" ] || name=$name-$2
	echo "$name"
}

# topo_iommus FILE: the IOMMUs FILE boots with, one per boot.
topo_iommus() { sed -n 's/^iommu:[[:space:]]*//p' "$1" | tr ' ' '\n' | grep . || echo none; }

# topo_variant FILE IOMMU: FILE as the boot with IOMMU sees it: includes
# expanded, other IOMMUs' lines dropped, IOMMU's own unprefixed.  Fails
# on a line it does not understand.
topo_variant() {
	local file=$1 iommu=$2 line
	echo "iommu: $iommu"
	while IFS= read -r line; do
		case $line in
		''|'#'*|iommu:*) continue ;;
		intel:*|amd:*|none:*)
			[ "${line%%:*}" = "$iommu" ] || continue
			line=${line#*:}; line=${line# } ;;
		esac
		case $line in
		include:*) sed -n 's/^\(qemu\|cmdline\):/&/p' "$(cd "$(dirname "$file")" && realpath "$(echo ${line#include:})")" ;;
		*) [[ $line =~ ^($topo_keys): ]] || { echo "topology $file: not understood: $line" >&2; return 1; }
		   echo "$line" ;;
		esac
	done < "$file"
}

# topo_field FILE KEY: the values of KEY, one a line.
topo_field() { sed -n "s/^$2:[[:space:]]*//p" "$1"; }

# parse_guest_log LOG: what initramfs-init.sh reported ("@@" lines), into
#   groups (ids in order), gname[id], nmembers[id], members[id] (" dev..."),
#   memberof[dev] (ids, comma separated), link[dev] (its iommu_group: id or
#   none), lsgrp[dev] (lspci -vv's "IOMMU group", or none), desc[dev]
#   (lspci -nn), explain[id] (debugfs lines), dir (present|absent),
#   done (1 once @@DONE came), up, kver, fw, ndev (units in /sys/class/iommu).
# The caller declares the arrays (local -A ... or declare -A ...).
parse_guest_log() {
	local line g d text in_lspci=0 in_nn=0 cur=
	groups=() dir=absent done=0 up='?' kver='?' fw=none ndev=0
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"@@BOOT uptime="*)      up=${line#*=}; up=${up%% *} ;;
		"@@KERNEL "*)           kver=${line#* } ;;
		"@@FIRMWARE "*)         fw=${line#* } ;;
		"@@IOMMU_DEV "*)        ndev=$((ndev + 1)) ;;
		"@@IOMMU_GROUPS_DIR "*) dir=${line#* } ;;
		"@@GROUP "*)            g=${line#@@GROUP }; g=${g%% *}
		                        gname[$g]=${line#*name=}; groups+=("$g"); nmembers[$g]=0 ;;
		"@@MEMBER "*)           read -r _ g d <<< "$line"
		                        nmembers[$g]=$((${nmembers[$g]:-0} + 1))
		                        members[$g]="${members[$g]-} $d"
		                        memberof[$d]="${memberof[$d]:+${memberof[$d]},}$g" ;;
		"@@EXPLAIN "*)          read -r _ g text <<< "$line"
		                        explain[$g]="${explain[$g]-}$text"$'\n' ;;
		"@@DEVLINK "*)          read -r _ d g <<< "$line"; link[$d]=$g ;;
		"@@LSPCI_BEGIN")        in_lspci=1 ;;
		"@@LSPCI_END")          in_lspci=0 ;;
		"@@LSPCI_NN_BEGIN")     in_nn=1 ;;
		"@@LSPCI_NN_END")       in_nn=0 ;;
		"@@DONE")               done=1 ;;
		*)
			if [ $in_lspci = 1 ]; then
				if [[ $line =~ ^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\  ]]; then
					cur=${BASH_REMATCH[1]}
					lsgrp[$cur]=none
				elif [[ -n $cur && $line =~ ^$'\t'"IOMMU group: "(.*)$ ]]; then
					lsgrp[$cur]=${BASH_REMATCH[1]}
				fi
			elif [ $in_nn = 1 ] && [[ $line =~ ^([0-9a-f]{4}:[0-9a-f:.]+)\ (.*)$ ]]; then
				desc[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
			fi ;;
		esac
	done < "$1"
}
