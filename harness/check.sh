#!/bin/bash
# Static checks on our files, one TAP check each: checkpatch --strict and
# kernel-doc -none -Wall on every .c and .h of ours (make bench's adapter
# in peer-uml/ too), sparse (C=2) on drivers/iommu/ in each build that has
# a .config (x86_64 for the core, UML for the tests and for make bench once
# it ran, powerpc once `make kernel-ppc64le` ran), and upstream's
# drivers/vfio compiled against our header.  Any finding fails.
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
rm -f "$out" "$out.raw"
tap_done
