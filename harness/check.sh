#!/bin/sh
# Static checks on our files: checkpatch --strict, sparse (C=2) and kernel-doc.
# Any finding fails.  Usage: check.sh SRC_TREE X86_BUILD_DIR REPO
set -u
[ $# -eq 3 ] || { echo "usage: $0 SRC_TREE X86_BUILD_DIR REPO" >&2; exit 2; }
src=$1 x86=$2 repo=$3
cache=${CACHE:-$HOME/.cache/iommu-group}
pass=0 fail=0
result() { # name status output-file
	if [ "$2" -eq 0 ] && [ ! -s "$3" ]; then
		echo "ok   $1"; pass=$((pass + 1))
	else
		echo "FAIL $1"; sed 's/^/     /' "$3" | head -n 40; fail=$((fail + 1))
	fi
}
out=$(mktemp); trap 'rm -f "$out"' EXIT
cd "$repo"
files=$(find drivers/iommu include -name '*.[ch]' | sort)

# checkpatch takes any "*for_each*(" for a loop macro and wants the brace of
# the function iommu_group_for_each_dev(), whose name Linux fixes, on the
# same line.  That one finding is dropped; any other fails.
for f in $files; do
	perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--no-summary -f "$f" 2>&1 | while IFS= read -r line; do
		n=$(echo "$line" | sed -n 's/^[^:]*:\([0-9]*\): ERROR:OPEN_BRACE:.*/\1/p')
		[ -n "$n" ] && sed -n "${n}p" "$f" | grep -q '^[a-z].*iommu_group_for_each_dev(' &&
			continue
		echo "$line"
	done > "$out"
	result "checkpatch $f" 0 "$out"
done

for f in $files; do
	perl "$src/scripts/kernel-doc" -none -Wall "$f" > "$out" 2>&1
	result "kernel-doc $f" $? "$out"
done

# sparse on every object of ours: the x86 build has the core, UML the tests.
# The make arguments come last, so that they may replace CC.
sparse_dir() { # name make-args...
	name=$1; shift
	flock "$cache/kbuild.lock" make -s -C "$src" CC="ccache gcc" C=2 \
		CHECK=sparse "$@" drivers/iommu/ < /dev/null > "$out.raw" 2>&1
	st=$?
	grep -E '(warning|error):' "$out.raw" > "$out"
	[ $st -eq 0 ] || cat "$out.raw" >> "$out"
	result "sparse $name" 0 "$out"
	rm -f "$out.raw"
}
sparse_dir "drivers/iommu (x86_64)" O="$x86" ARCH=x86_64
uml=$(dirname "$x86")/uml
[ -f "$uml/.config" ] && sparse_dir "drivers/iommu (um, KUnit)" O="$uml" ARCH=um
# ppc-pe.c builds only for POWER: checked once `make kernel-ppc64le` ran.
ppc=$(dirname "$x86")/ppc64le
[ -f "$ppc/.config" ] && command -v powerpc64le-linux-gnu-gcc > /dev/null &&
	sparse_dir "drivers/iommu (powerpc)" O="$ppc" ARCH=powerpc \
		CROSS_COMPILE=powerpc64le-linux-gnu- CC="ccache powerpc64le-linux-gnu-gcc"

echo "check: $pass passed, $fail failed"
[ $fail -eq 0 ]
