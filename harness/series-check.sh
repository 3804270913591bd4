#!/bin/bash
# Write our work as a patch series (series.py, harness/series/*.txt) into
# build/series, apply it to a fresh copy of the base with git am, run
# checkpatch on every patch and build drivers/iommu/ after each (x86_64 q35
# config with our KUnit suites, configs/series-kunit.config): one TAP check
# per patch.  A last check compares the tree after the last patch with
# build/src, file by file: they are the same, so the whole kernel the other
# stages build from build/src is the series' kernel, and building it a
# second time here would prove nothing more.
# With --only-write it stops once build/series is written (make series).
set -u
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || [ "$*" = --only-write ] || usage "[--only-write]"
pristine=$("$H/tree.sh") || exit 1
series=$B/series work=$B/series-check
python3 "$H/series.py" "$pristine" "$REPO" "$series" || exit 1
[ $# = 0 ] || exit 0
base=$(ls -d "$CACHE"/base-git/*/ 2>/dev/null | tail -n 1)
[ -n "$base" ] || { check 1 "series.py made a base repository in $CACHE/base-git"; tap_done; exit 1; }

ours=$SRC SRC=$work/src out=$work/x86_64
export KSRC=$SRC
mkdir -p "$work" "$out"
# A fresh copy of the base: reset a previous one (much faster than a new
# checkout of 80,000 files), or clone.
if [ -d "$SRC/.git" ] && git -C "$SRC" rev-parse -q --verify base > /dev/null; then
	git -C "$SRC" am --abort > /dev/null 2>&1
	git -C "$SRC" checkout -q -f --detach base && git -C "$SRC" clean -q -fdx || exit 1
else
	rm -rf "$SRC"
	git clone -q --shared "$base" "$SRC" || exit 1
	git -C "$SRC" checkout -q --detach base || exit 1
fi
git -C "$SRC" config user.name "series-check"
git -C "$SRC" config user.email "series-check@iommu-group.invalid"
kmake() { "$H/kbuild.sh" make x86_64 "$out" -s "$@"; }
merge() { (cd "$out" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$out" .config "$1" > /dev/null 2>&1); }

patches=("$series"/[0-9]*.patch)
patches=("${patches[@]/*0000-cover-letter.patch}")
n=0 total=$(printf '%s\n' "${patches[@]}" | grep -c .)
for p in "${patches[@]}"; do
	[ -n "$p" ] || continue
	n=$((n + 1))
	name=$(basename "$p" .patch)
	if ! git -C "$SRC" am -q "$p" > "$work/am.log" 2>&1; then
		check 1 "$name: git am" "$work/am.log"
		break
	fi
	checkpatch "$p" > "$work/checkpatch.out"
	if [ $n = 1 ] || [ ! -f "$out/.config" ]; then
		kmake tinyconfig > /dev/null 2>&1
		merge "$H/configs/x86_64-q35.config"
	fi
	# The KUnit suites each patch adds are built with it (again after each
	# patch: olddefconfig drops the symbols a patch does not define yet).
	merge "$H/configs/series-kunit.config"
	kmake olddefconfig > /dev/null 2>&1
	target=drivers/iommu/
	kmake $target > "$work/build.log" 2>&1
	st=$?
	grep -E 'error|Error' "$work/build.log" | head >> "$work/checkpatch.out"
	[ $st = 0 ] && [ ! -s "$work/checkpatch.out" ]
	check $? "$name: applies, checkpatch clean, builds $target" "$work/checkpatch.out"
done
# Every file we carry or patch, as the last patch leaves it and as build/src
# has it.
{
	diff -rq "$SRC/drivers/iommu" "$ours/drivers/iommu"
	for f in $(cd "$REPO" && find include Documentation -type f) \
		 $(sed -n 's|^+++ b/||p' "$H"/base-patches/*.patch); do
		cmp -s "$SRC/$f" "$ours/$f" || echo "differs: $f"
	done
} > "$work/tree.diff" 2>&1
[ $n = "$total" ] && [ ! -s "$work/tree.diff" ]
check $? "the series' last patch gives build/src's tree (differences: $work/tree.diff)" "$work/tree.diff"
tap_done
