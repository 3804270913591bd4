#!/bin/bash
# Static checks on our files, one TAP check each: checkpatch --strict and
# kernel-doc -none -Wall on every .c and .h of ours (make bench's adapter
# in peer-uml/ too), sparse (C=2) on drivers/iommu/ in each build that has
# a .config (x86_64 for the core, UML for the tests and for make bench once
# it ran, powerpc once `make kernel-ppc64le` ran), upstream's drivers/vfio
# compiled against our header, and the kernel-report matcher on made-up
# logs.  Any finding fails.
set -u
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || usage "(no arguments)"
build_kernel x86_64
out=$B/check.out
cd "$REPO"
files=$(find drivers/iommu include harness/peer-uml -name '*.[ch]' | sort)

for f in $files; do
	checkpatch "$f" --no-tree -f > "$out"
	[ ! -s "$out" ]
	check $? "checkpatch $f" "$out"
done
for f in $files; do
	perl "$SRC/scripts/kernel-doc" -none -Wall "$f" > "$out" 2>&1
	[ $? = 0 ] && [ ! -s "$out" ]
	check $? "kernel-doc $f" "$out"
done
# sparse_dir NAME ARCH BUILD_DIR: sparse on every object of ours there.
sparse_dir() {
	"$H/kbuild.sh" make "$2" "$3" -s C=2 CHECK=sparse drivers/iommu/ > "$out.raw" 2>&1
	st=$?
	grep -E '(warning|error):' "$out.raw" > "$out"
	[ $st = 0 ] || cat "$out.raw" >> "$out"
	[ ! -s "$out" ]
	check $? "sparse $1" "$out"
}
sparse_dir "drivers/iommu (x86_64)" x86_64 "$B/x86_64"
# Upstream's drivers/vfio, compiled afresh against our header.
find "$B/x86_64/drivers/vfio" -name '*.o' -delete
"$H/kbuild.sh" make x86_64 "$B/x86_64" -s drivers/vfio/ > "$out.raw" 2>&1
st=$?
grep -E '(warning|error):' "$out.raw" > "$out"
[ $st = 0 ] || cat "$out.raw" >> "$out"
[ ! -s "$out" ]
check $? "drivers/vfio builds against our header with no warning" "$out"
[ ! -f "$B/uml/.config" ] || sparse_dir "drivers/iommu (um, KUnit)" um "$B/uml"
[ ! -f "$B/uml-bench/.config" ] || sparse_dir "drivers/iommu (um, make bench)" um "$B/uml-bench"
[ ! -f "$B/ppc64le/.config" ] || ! command -v powerpc64le-linux-gnu-gcc > /dev/null ||
	sparse_dir "drivers/iommu (powerpc)" powerpc "$B/ppc64le"
# kernel-reports.sh on made-up logs: a known report with its trace passes;
# the same lines with another trace or hint, or a report of ours inside or
# after it, do not.
# kr_case WANT WHAT < LOG: kernel-reports.sh reports WANT lines of LOG.
kr_case() {
	local got
	got=$("$H/kernel-reports.sh" "$H/kernel-reports.ere" | wc -l)
	[ "$got" = "$1" ]
	check $? "kernel-reports.sh: $2: $1 lines reported (got $got)"
}
# odebug [HINT [FRAME]]: NVMe's ODEBUG report, or one with HINT or FRAME.
odebug() {
	cat <<-LOG
	[   41.200001] ------------[ cut here ]------------
	[   41.200002] ODEBUG: free active (active state 0) object: ffff888012345678 object type: timer_list hint: ${1:-kobject_delayed_cleanup}+0x0/0x3a0
	[   41.200003] WARNING: CPU: 0 PID: 211 at ../src/lib/debugobjects.c:514 debug_print_object+0x1a8/0x2c0
	[   41.200004] Call Trace:
	[   41.200005]  kfree+0x1c5/0x380
	[   41.200006]  ${2:-nvme_remove_namespaces}+0x2a1/0x3d0
	[   41.200007] ---[ end trace 0000000000000000 ]---
	LOG
}
ours='[   41.300000] WARNING: CPU: 0 PID: 1 at drivers/iommu/iommu-group.c:99 iommu_group_add_device+0x1/0x2'
kr_case 0 "NVMe's known ODEBUG report" < <(odebug)
kr_case 2 "the same with our function in its trace" < <(odebug '' iommu_group_release)
kr_case 2 "the same with another hint" < <(odebug iommu_dma_fq_timer)
kr_case 1 "one of ours after it" < <(odebug; echo "$ours")
kr_case 1 "one of ours inside its trace" < <(odebug | sed "5i\\$ours")
# qmp.py regs on made-up "info registers -a" text: a kernel PC is named
# from System.map with its vCPU's HLT state, a user one is "user".
printf '%s\n' "ffffffff81000000 T _stext" "ffffffff81020600 T stop_this_cpu" \
	"ffffffff81020700 d some_data" "ffffffff81020800 T after_it" > "$out.map"
printf '%s\n' "CPU#0" "RIP=ffffffff8102071f RFL=00000246 [---Z-P-] CPL=0 HLT=1" \
	"CPU#1" "RIP=00007f817934bd98 RFL=00000202 [-------] CPL=3 HLT=0" > "$out.regs"
got=$("$H/qmp.py" regs - "$out.regs" "$out.map" | paste -sd'|')
want="@@HUNG cpu0 pc=ffffffff8102071f stop_this_cpu+0x11f halted|@@HUNG cpu1 pc=7f817934bd98 user running"
[ "$got" = "$want" ]
check $? "qmp.py regs: each vCPU's PC named and its state (got $got)"
rm -f "$out.map" "$out.regs"
rm -f "$out" "$out.raw"
tap_done
