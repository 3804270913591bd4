#!/bin/sh
# Configure an x86_64 build directory: tinyconfig plus our fragments, and
# check that every symbol the fragments set reached the final .config.
# Usage: kconfig.sh SRC_TREE BUILD_DIR FRAGMENT...
set -eu
[ $# -ge 3 ] || { echo "usage: $0 SRC_TREE BUILD_DIR FRAGMENT..." >&2; exit 2; }
src=$1 out=$2; shift 2
cache=${CACHE:-$HOME/.cache/iommu-group}
kmake() {
	flock "$cache/kbuild.lock" make -s -C "$src" O="$out" ARCH=x86_64 \
		CC="ccache gcc" "$@" < /dev/null
}
mkdir -p "$out"
kmake tinyconfig
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config "$@" > /dev/null)
kmake olddefconfig
for f in "$@"; do
	"$(dirname "$0")/config-check.sh" "$f" "$out/.config"
done
