#!/bin/sh
# Apply the series to a fresh copy of the base with git am, run checkpatch on
# every patch and build drivers/iommu/ after each (x86_64 q35 config with
# our KUnit suites, series-kunit.config beside it), then the whole kernel
# after the last.  One line per patch.
# Usage: series-check.sh SERIES_DIR WORK_DIR CONFIG_FRAGMENT
set -u
[ $# -eq 3 ] || { echo "usage: $0 SERIES_DIR WORK_DIR CONFIG_FRAGMENT" >&2; exit 2; }
series=$1 work=$2 frag=$3
kfrag=$(dirname "$frag")/series-kunit.config
cache=${CACHE:-$HOME/.cache/iommu-group}
base=$(ls -d "$cache"/base-git/*/ 2>/dev/null | tail -n 1)
[ -n "$base" ] || { echo "series-check: no base repository; run 'make series' first" >&2; exit 1; }

src=$work/src out=$work/x86_64
mkdir -p "$work" "$out"
# A fresh copy of the base: reset a previous one (much faster than a new
# checkout of 80,000 files), or clone.
if [ -d "$src/.git" ] && git -C "$src" rev-parse -q --verify base > /dev/null; then
	git -C "$src" am --abort > /dev/null 2>&1
	git -C "$src" checkout -q -f --detach base && git -C "$src" clean -q -fdx || exit 1
else
	rm -rf "$src"
	git clone -q --shared "$base" "$src" || exit 1
	git -C "$src" checkout -q --detach base || exit 1
fi
git -C "$src" config user.name "series-check"
git -C "$src" config user.email "series-check@iommu-group.invalid"
kmake() {
	flock "$cache/kbuild.lock" make -s -C "$src" O="$out" ARCH=x86_64 \
		CC="ccache gcc" -j"$(nproc)" "$@" < /dev/null
}

# checkpatch findings we accept, each for a reason:
# - FILE_PATH_CHANGES: asks about MAINTAINERS for new files; the last patch
#   adds our entry, which covers drivers/iommu/ as a whole.
# - OPEN_BRACE on iommu_group_for_each_dev(): checkpatch takes any
#   "*for_each*(" for a loop macro; the name is fixed by Linux.
checkpatch() {
	perl "$src/scripts/checkpatch.pl" --strict --terse --no-summary \
		--show-types "$1" 2>&1 | grep -E 'ERROR|WARNING|CHECK' |
	while IFS= read -r line; do
		case $line in *:FILE_PATH_CHANGES:*) continue ;; esac
		l=$(echo "$line" | sed -n 's/^[^:]*:\([0-9]*\): ERROR:OPEN_BRACE:.*/\1/p')
		[ -n "$l" ] && sed -n "${l}p" "$1" | grep -q 'iommu_group_for_each_dev(' &&
			continue
		echo "$line"
	done
}

pass=0 fail=0 n=0
total=$(ls "$series"/[0-9]*.patch | grep -vc 0000-cover)
for p in "$series"/[0-9]*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	n=$((n + 1))
	name=$(basename "$p" .patch)
	if ! git -C "$src" am -q "$p" > "$work/am.log" 2>&1; then
		echo "FAIL $name: git am"; sed 's/^/     /' "$work/am.log" | head
		fail=$((fail + 1)); break
	fi
	cp=$(checkpatch "$p")
	if [ $n -eq 1 ] || [ ! -f "$out/.config" ]; then
		kmake tinyconfig > /dev/null 2>&1
		(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
			.config "$frag" > /dev/null 2>&1)
	fi
	# The KUnit suites each patch adds are built with it (again after each
	# patch: olddefconfig drops the symbols a patch does not define yet).
	[ -f "$kfrag" ] && (cd "$out" && "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$out" .config "$kfrag" > /dev/null 2>&1)
	kmake olddefconfig > /dev/null 2>&1
	if [ $n -eq "$total" ]; then target=bzImage; else target=drivers/iommu/; fi
	kmake $target > "$work/build.log" 2>&1
	st=$?
	if [ $st -eq 0 ] && [ -z "$cp" ]; then
		echo "ok   $name: applies, checkpatch clean, builds $target"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		[ -n "$cp" ] && echo "$cp" | head -n 20 | sed 's/^/     /'
		[ $st -eq 0 ] || grep -E 'error|Error' "$work/build.log" | head | sed 's/^/     /'
		fail=$((fail + 1))
	fi
done
echo "series: $pass passed, $fail failed"
[ $fail -eq 0 ]
